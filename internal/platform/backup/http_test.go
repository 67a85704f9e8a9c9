package backup_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/backup"
)

// Only the 系统管理员 sees 数据备份: every other role gets 403 from the
// page, its forms, the downloads and the API, and no menu entry.
func TestBackupPagesAreForAdminsOnly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		admin := f.Browser(auth.RoleAdmin)
		body := apptest.Page(t, admin, "/admin/backups", http.StatusOK)
		apptest.Has(t, "admin's backup page", body, "<h1>数据备份</h1>", `href="/admin/backups"`, "立即备份", "保存设置")
		for _, role := range auth.Roles {
			if role == auth.RoleAdmin {
				continue
			}
			page, api := f.Browser(role), f.API(role)
			for _, r := range []*apptest.Response{
				page.Get("/admin/backups"),
				page.Post("/admin/backups/settings", url.Values{"hour": {"2"}, "keep": {"3"}}),
				page.Post("/admin/backups/run", url.Values{}),
				page.Get("/admin/backups/wuye-20300101-020000.jsonl.gz"),
				api.Get("/api/v1/admin/backups"),
			} {
				if r.Code != http.StatusForbidden {
					t.Errorf("%s: %s, want 403", role, r)
				}
			}
			apptest.HasNot(t, string(role)+"'s menu", apptest.Page(t, page, "/", http.StatusOK), `href="/admin/backups"`)
		}
	})
}

// The settings form refuses an hour, a count or a folder that will not
// do, with the reason next to the field and the input kept, and saves
// nothing; a good one is saved, audited and shown as the next run.
func TestBackupSettingsFormValidatesAndAudits(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		ctx := context.Background()
		s := f.App.Backups
		admin := f.Browser(auth.RoleAdmin)
		dir := t.TempDir()
		file := filepath.Join(dir, "a-file")
		if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		before, err := s.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		good := url.Values{"enabled": {"1"}, "hour": {"3"}, "dir": {dir}, "keep": {"5"}}
		cases := []struct {
			field, value, want string
		}{
			{"hour", "24", "每日几点须为 0 至 23 之间的整数"},
			{"hour", "两点", "每日几点须为 0 至 23 之间的整数"},
			{"keep", "0", "保留份数须为 1 至 365 之间的整数"},
			{"keep", "366", "保留份数须为 1 至 365 之间的整数"},
			{"dir", filepath.Join(dir, "missing"), "目录不存在"},
			{"dir", file, "不是目录"},
			{"dir", "", "启用定时备份前请填写备份目录"},
		}
		for _, c := range cases {
			form := url.Values{}
			for k, v := range good {
				form[k] = v
			}
			form.Set(c.field, c.value)
			r := apptest.Submit(t, admin, "/admin/backups/settings", form, http.StatusUnprocessableEntity)
			body := string(r.Body)
			apptest.Has(t, c.field+"="+c.value, body, c.want, `class="field has-err"`)
			if c.value != "" {
				apptest.Has(t, c.field+"="+c.value+" kept", body, `value="`+c.value+`"`)
			}
			if now, _ := s.Settings(ctx); now != before {
				t.Errorf("%s=%q saved %+v", c.field, c.value, now)
			}
		}

		r := apptest.Submit(t, admin, "/admin/backups/settings", good, http.StatusSeeOther)
		_, body := apptest.Follow(t, admin, r)
		apptest.Has(t, "after saving", body, "已保存：每天 03:00 备份到 "+dir+"，保留最新 5 份", "下次定时备份：", `value="`+dir+`"`)
		if got, _ := s.Settings(ctx); got != (backup.Settings{Enabled: true, Hour: 3, Dir: dir, Keep: 5}) {
			t.Errorf("saved %+v", got)
		}
		hist, err := audit.History(ctx, f.DB, backup.EntitySettings, 1)
		if err != nil || len(hist) == 0 || hist[0].UserID != f.Users[auth.RoleAdmin].ID || !strings.Contains(string(hist[0].After), dir) {
			t.Fatalf("audit of the settings: %v %+v", err, hist)
		}
		apptest.Has(t, "history panel", body, "变更记录", "备份目录")
	})
}

// 立即备份 writes a verified backup into the folder and lists it; the
// admin downloads it whole, and the download is audited. Names that are
// no backup of the folder — a path, an unknown name, another file, a
// link — are not found, and a missing folder is a recorded failure shown
// on the page.
func TestRunNowListsAndDownloadsTheBackup(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		ctx := context.Background()
		s := f.App.Backups
		admin := f.Browser(auth.RoleAdmin)
		apptest.Submit(t, admin, "/admin/backups/settings", url.Values{"hour": {"2"}, "keep": {"3"}}, http.StatusSeeOther)
		r := apptest.Submit(t, admin, "/admin/backups/run", url.Values{}, http.StatusUnprocessableEntity)
		apptest.Has(t, "立即备份 without a folder", string(r.Body), "请先填写并保存备份目录")

		dir := t.TempDir()
		apptest.Submit(t, admin, "/admin/backups/settings", url.Values{"hour": {"2"}, "dir": {dir}, "keep": {"3"}}, http.StatusSeeOther)
		r = apptest.Submit(t, admin, "/admin/backups/run", url.Values{}, http.StatusSeeOther)
		files := backups(t, dir)
		if len(files) != 1 {
			t.Fatalf("立即备份 wrote %v", files)
		}
		name := files[0]
		_, body := apptest.Follow(t, admin, r)
		apptest.Has(t, "after 立即备份", body, "备份完成："+name, "已校验", `href="/admin/backups/`+name+`"`,
			"手动（"+f.Users[auth.RoleAdmin].Name+"）", `<span class="tag ok">成功</span>`)

		res := admin.Get("/admin/backups/" + name)
		if res.Code != http.StatusOK {
			t.Fatalf("download: %s", res)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, name) {
			t.Errorf("Content-Disposition %q", cd)
		}
		got := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(got, res.Body, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := backup.Verify(got)
		if err != nil {
			t.Fatalf("the downloaded backup does not verify: %v", err)
		}
		runs := runsOf(t, s)
		if runs[0].File != name || runs[0].SHA256 != m.SHA256 {
			t.Errorf("downloaded sha256 %s, run %+v", m.SHA256, runs[0])
		}
		entries, _, err := audit.List(ctx, f.DB, audit.Filter{Entity: backup.EntityFile, EntityID: runs[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			if e.UserID == f.Users[auth.RoleAdmin].ID {
				actions = append(actions, e.Action)
			}
		}
		if strings.Join(actions, ",") != "download,backup" {
			t.Errorf("audit of the backup: %v, want the download after the backup", actions)
		}

		if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/etc/hostname", filepath.Join(dir, "wuye-20000102-000000.jsonl.gz")); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"..%2F..%2F..%2Fetc%2Fpasswd", "..%2F" + name, "wuye-20000101-000000.jsonl.gz", "notes.txt",
			"wuye-20000102-000000.jsonl.gz", "%2Fetc%2Fpasswd"} {
			if res := admin.Get("/admin/backups/" + p); res.Code != http.StatusNotFound {
				t.Errorf("GET /admin/backups/%s: %s, want 404", p, res)
			}
		}

		api := f.API(auth.RoleAdmin).Get("/api/v1/admin/backups")
		var list struct {
			Settings backup.Settings
			Items    []backup.Run
			Total    int
			Files    []backup.File
		}
		api.JSON(t, &list)
		if list.Settings.Dir != dir || list.Total < 1 || list.Items[0].File != name || !list.Items[0].Exists ||
			len(list.Files) != 1 || list.Files[0].Name != name {
			t.Errorf("API: %s", api)
		}

		// The folder disappears: the failure is on the page and recorded.
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		// (A second later: a backup of the same second is refused.)
		s.Now = func() time.Time { return time.Now().Add(time.Second) }
		r = apptest.Submit(t, admin, "/admin/backups/run", url.Values{}, http.StatusOK)
		apptest.Has(t, "failed 立即备份", string(r.Body), `role="alert">备份失败：`, dir, `<span class="tag bad">失败</span>`)
		if runs := runsOf(t, s); runs[0].Status != backup.StatusFailed || !strings.Contains(runs[0].Error, dir) {
			t.Errorf("failed run recorded as %+v", runs[0])
		}
	})
}
