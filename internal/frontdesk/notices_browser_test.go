package frontdesk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
	"wuye/internal/platform/web"
)

// TestBrowserNoticeDraftPublishPrint drives a notice in Chromium: the
// agent drafts it for one building and submits it, the manager publishes
// it after the confirmation, and the A4 sheet for the notice board shows
// the community, the title, the paragraphs and the 客服中心 signature —
// printed without the navigation and with no console error on the way.
func TestBrowserNoticeDraftPublishPrint(t *testing.T) {
	site := apptest.NewSite(t)
	_, err := site.App.Archive.CreateBuilding(context.Background(), site.Admin, archive.BuildingInput{CommunityID: site.Community.ID,
		Name: "5", Floors: 18})
	site.Must(err)
	site.User("agent", "王婷", auth.RoleCSAgent)
	site.User("manager", "刘晓燕", auth.RoleCSManager)

	agent := browser.Start(t)
	site.Must(browser.Login(agent, site.URL, "agent", apptest.SitePassword))
	now := time.Now().In(web.Shanghai)
	browser.Do(t, agent, chromedp.Navigate(site.URL+"/desk/notices"), browser.ClickNav(`#notice-new`),
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
	site.Must(browser.Login(manager, site.URL, "manager", apptest.SitePassword))
	dialogs := browser.AcceptDialogs(manager)
	browser.Do(t, manager, chromedp.Navigate(site.URL+noticeURL), browser.ClickNav(`#f-publish button`))
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
	site.Must(browser.Media(manager, "print"))
	for _, sel := range []string{"#nav", "header.topbar", ".toolbar"} {
		if v := browser.Eval[string](t, manager, `getComputedStyle(document.querySelector("`+sel+`")).display`); v != "none" {
			t.Errorf("print: %s is shown (%s)", sel, v)
		}
	}
	if v := browser.Eval[string](t, manager, `getComputedStyle(document.querySelector("#notice-sheet")).display`); v == "none" {
		t.Errorf("print: the sheet is hidden")
	}
	site.Must(browser.Media(manager, ""))
	// The board's list of notices in force shows it, pinned ones first.
	browser.Do(t, manager, chromedp.Navigate(site.URL+"/desk/notices?status=active"), chromedp.WaitVisible(`#notices`))
	if got := browser.Text(t, manager, "#notices"); !strings.Contains(got, "关于3栋停水的通知") || !strings.Contains(got, "生效中") {
		t.Errorf("notices in force: %q", got)
	}
	browser.DocShot(t, manager, "desk-notices.png")
	browser.NoProblems(t, manager)
}
