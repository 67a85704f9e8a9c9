package frontdesk_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/web"
)

// ndDialogs accepts every confirm() of ctx's tab and returns the
// messages seen so far.
func ndDialogs(ctx context.Context) func() []string {
	var mu sync.Mutex
	var seen []string
	go func() {
		for ev, err := range chromedp.Events(ctx, cdppage.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			mu.Lock()
			seen = append(seen, ev.Message)
			mu.Unlock()
			go chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// TestBrowserNoticeDraftPublishPrint drives a notice in Chromium: the
// agent drafts it for one building and submits it, the manager publishes
// it after the confirmation, and the A4 sheet for the notice board shows
// the community, the title, the paragraphs and the 客服中心 signature —
// printed without the navigation and with no console error on the way.
func TestBrowserNoticeDraftPublishPrint(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, dbtest.DSN(t, db.SQLite))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := app.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	a := apptest.NewApp(t, d)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	const pw = "password1"
	admin, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "admin", Name: "系统管理员", Role: auth.RoleAdmin}, pw)
	must(err)
	c, err := a.Archive.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "翠湖花园", Address: "翠湖路88号", Type: "住宅"})
	must(err)
	for _, b := range []string{"3", "5"} {
		_, err = a.Archive.CreateBuilding(ctx, admin, archive.BuildingInput{CommunityID: c.ID, Name: b, Floors: 18})
		must(err)
	}
	for login, role := range map[string]auth.Role{"agent": auth.RoleCSAgent, "manager": auth.RoleCSManager} {
		_, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: login, Name: map[string]string{"agent": "王婷", "manager": "刘晓燕"}[login],
			Role: role, Communities: []int64{c.ID}}, pw)
		must(err)
	}

	agent := browser.Start(t)
	must(browser.Login(agent, srv.URL, "agent", pw))
	now := time.Now().In(web.Shanghai)
	browser.Do(t, agent, chromedp.Navigate(srv.URL+"/desk/notices"), browser.ClickNav(`#notice-new`),
		browser.Fill(`#notice-form input[name=title]`, "关于3栋停水的通知"),
		browser.Fill(`#notice-form textarea[name=body]`, "因水箱清洗，明日 9:00 至 12:00 停水。\n请提前储水。"),
		chromedp.SetValue(`#notice-form select[name=category]`, "停水停电"),
		chromedp.SetValue(`#notice-form input[name=starts_at]`, now.Add(-time.Hour).Format("2006-01-02T15:04")),
		chromedp.SetValue(`#notice-form input[name=ends_at]`, now.Add(72*time.Hour).Format("2006-01-02T15:04")),
		chromedp.Click(`#notice-form input[name=building_ids]`), // the first: 3栋
		browser.ClickNav(`#notice-save`))
	if f := browser.Text(t, agent, "main .flash"); !strings.Contains(f, "已保存草稿") {
		t.Errorf("flash after saving: %q", f)
	}
	if got := browser.Text(t, agent, "#notice-scope"); got != "3栋" {
		t.Errorf("scope %q", got)
	}
	noticeURL := browser.Eval[string](t, agent, `location.pathname`)
	browser.Do(t, agent, browser.ClickNav(`#f-submit button`))
	if got := browser.Text(t, agent, "#notice-status"); got != "待审批" {
		t.Errorf("status after submitting: %q", got)
	}
	if n := browser.Eval[int](t, agent, `document.querySelectorAll("#f-publish").length`); n != 0 {
		t.Errorf("the agent is offered to publish")
	}
	browser.NoProblems(t, agent)

	manager := browser.NewSession(t, agent)
	must(browser.Login(manager, srv.URL, "manager", pw))
	dialogs := ndDialogs(manager)
	browser.Do(t, manager, chromedp.Navigate(srv.URL+noticeURL), browser.ClickNav(`#f-publish button`))
	if ds := dialogs(); len(ds) != 1 || !strings.Contains(ds[0], "发布公告「关于3栋停水的通知」") {
		t.Errorf("confirmations: %q", ds)
	}
	if got := browser.Text(t, manager, "#notice-status"); got != "已发布" {
		t.Errorf("status after publishing: %q", got)
	}
	if got := browser.Text(t, manager, "#notice-phase"); got != "生效中" {
		t.Errorf("phase %q", got)
	}
	if got := browser.Text(t, manager, "#notice-approved"); !strings.Contains(got, "刘晓燕") {
		t.Errorf("approved by %q", got)
	}
	if got := browser.Text(t, manager, "#history"); !strings.Contains(got, "已发布") || !strings.Contains(got, "王婷") {
		t.Errorf("history %q", got)
	}
	browser.Do(t, manager, browser.ClickNav(`#notice-print`), chromedp.WaitVisible(`#notice-sheet`))
	for sel, want := range map[string]string{"#sheet-community": "翠湖花园", "#sheet-title": "关于3栋停水的通知",
		"#sheet-sign": "客服中心", "#sheet-date": now.Format("2006年1月2日")} {
		if got := browser.Text(t, manager, sel); !strings.Contains(got, want) {
			t.Errorf("print %s: %q, want %q", sel, got, want)
		}
	}
	if n := browser.Eval[int](t, manager, `document.querySelectorAll("#sheet-body p").length`); n != 2 {
		t.Errorf("%d paragraphs on the sheet", n)
	}
	browser.DocShot(t, manager, "desk-notice-print.png")
	must(browser.Media(manager, "print"))
	for _, sel := range []string{"#nav", "header.topbar", ".toolbar"} {
		if v := browser.Eval[string](t, manager, `getComputedStyle(document.querySelector("`+sel+`")).display`); v != "none" {
			t.Errorf("print: %s is shown (%s)", sel, v)
		}
	}
	if v := browser.Eval[string](t, manager, `getComputedStyle(document.querySelector("#notice-sheet")).display`); v == "none" {
		t.Errorf("print: the sheet is hidden")
	}
	must(browser.Media(manager, ""))
	// The board's list of notices in force shows it, pinned ones first.
	browser.Do(t, manager, chromedp.Navigate(srv.URL+"/desk/notices?status=active"), chromedp.WaitVisible(`#notices`))
	if got := browser.Text(t, manager, "#notices"); !strings.Contains(got, "关于3栋停水的通知") || !strings.Contains(got, "生效中") {
		t.Errorf("notices in force: %q", got)
	}
	browser.DocShot(t, manager, "desk-notices.png")
	browser.NoProblems(t, manager)
}
