package backup_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/backup"
	"wuye/internal/platform/browser"
)

// TestBrowserBackupNow drives 数据备份 in a real Chromium: the admin
// opens it from the menu, sets the folder and the number to keep, turns
// the daily backup on, clicks 立即备份 and sees the new backup listed
// with a download link; the file is in the folder and verifies.
func TestBrowserBackupNow(t *testing.T) {
	site := apptest.NewSite(t)
	dir := t.TempDir()
	b := browser.Start(t)
	if err := browser.Login(b, site.URL, site.Admin.Login, apptest.SitePassword); err != nil {
		t.Fatal(err)
	}

	browser.Do(t, b, browser.ClickNav(`nav.sidenav a[href="/admin/backups"]`), chromedp.WaitVisible(chromedp.CSS(`#settings form`)))
	if h := browser.Text(t, b, "main h1"); h != "数据备份" {
		t.Fatalf("page title %q", h)
	}
	if s := browser.Text(t, b, "#next-run"); !strings.Contains(s, "未启用") {
		t.Errorf("a new installation's schedule: %q, want 未启用", s)
	}

	browser.Do(t, b,
		chromedp.Click(chromedp.CSS(`#settings input[name=enabled]`)),
		browser.Fill(`#settings input[name=hour]`, "3"),
		browser.Fill(`#settings input[name=dir]`, dir),
		browser.Fill(`#settings input[name=keep]`, "5"),
		browser.ClickNav(`#settings form button`),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if msg := browser.Text(t, b, ".flash"); msg != "已保存：每天 03:00 备份到 "+dir+"，保留最新 5 份" {
		t.Errorf("after saving: %q", msg)
	}
	if s := browser.Text(t, b, "#next-run"); !strings.Contains(s, "每天 03:00（北京时间）备份到 "+dir+"，保留最新 5 份") || !strings.Contains(s, "下次定时备份：") {
		t.Errorf("schedule shown as %q", s)
	}

	browser.Do(t, b,
		browser.ClickNav(`#run-now form button`),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	files, err := backup.Files(dir)
	if err != nil || len(files) != 1 {
		t.Fatalf("立即备份 left %v in the folder (%v)", files, err)
	}
	name := files[0].Name
	if msg := browser.Text(t, b, ".flash"); !strings.HasPrefix(msg, "备份完成："+name) {
		t.Errorf("after 立即备份: %q", msg)
	}
	row := browser.Text(t, b, "#runs tbody tr")
	for _, want := range []string{name, "手动（" + site.Admin.Name + "）", "成功", "下载", files[0].Size()} {
		if !strings.Contains(row, want) {
			t.Errorf("the new row %q lacks %q", row, want)
		}
	}
	if n := browser.Eval[int](t, b, `document.querySelectorAll('#files a[href="/admin/backups/`+name+`"]').length`); n != 1 {
		t.Errorf("%d download links for %s in the folder list", n, name)
	}
	m, err := backup.Verify(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("the backup does not verify: %v", err)
	}
	if rows := browser.Text(t, b, "#runs tbody tr td:nth-child(5)"); rows != strconv.FormatInt(m.Rows, 10) {
		t.Errorf("rows shown %q, manifest %d", rows, m.Rows)
	}
	browser.DocShot(t, b, "admin-backups.png")
	browser.NoProblems(t, b)
}
