package frontdesk_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
)

// TestBrowserKeyLentAndReturned drives the key cabinet in Chromium: the
// agent registers a key, lends it on its page, sees it out in the list,
// takes it back and finds the lending in its history; then receives an
// item for a house and hands it out after the confirmation — with no
// console error or CSP violation on the way.
func TestBrowserKeyLentAndReturned(t *testing.T) {
	site := apptest.NewSite(t)
	site.House("1201", 12, "空置")
	site.User("agent", "王婷", auth.RoleCSAgent)

	agent := browser.Start(t)
	site.Must(browser.Login(agent, site.URL, "agent", apptest.SitePassword))
	dialogs := browser.AcceptDialogs(agent)
	browser.Do(t, agent, chromedp.Navigate(site.URL+"/desk/keys"), browser.ClickNav(`a[href^="/desk/keys/new"]`),
		browser.Fill(`#key-form input[name=label]`, "SB-01"),
		chromedp.SetValue(`#key-form select[name=class]`, "equipment_room"),
		browser.Fill(`#key-form input[name=location]`, "3栋地下水泵房"),
		browser.Fill(`#key-form input[name=cabinet_position]`, "A柜-05"),
		browser.ClickNav(`#key-save`))
	if f := browser.Text(t, agent, "main .flash"); f != "已登记钥匙 SB-01" {
		t.Errorf("flash after registering: %q", f)
	}
	keyURL := browser.Eval[string](t, agent, `location.pathname`)
	if got := browser.Text(t, agent, "#key-status"); got != "在柜" {
		t.Errorf("status of a new key: %q", got)
	}
	browser.Do(t, agent, chromedp.SetValue(`#borrow select[name=borrower_kind]`, "contractor"),
		browser.Fill(`#borrow input[name=borrower_name]`, "李师傅"),
		browser.Fill(`#borrow input[name=borrower_phone]`, "13800138000"),
		browser.Fill(`#borrow input[name=borrower_company]`, "安泰水泵维保"),
		browser.Fill(`#borrow input[name=purpose]`, "水泵季度保养"),
		browser.ClickNav(`#borrow-button`))
	if f := browser.Text(t, agent, "main .flash"); !strings.HasPrefix(f, "钥匙 SB-01 已借给 李师傅") {
		t.Errorf("flash after lending: %q", f)
	}
	if got := browser.Text(t, agent, "#loan-borrower"); got != "李师傅（外单位/施工）" {
		t.Errorf("borrower %q", got)
	}
	browser.DocShot(t, agent, "desk-key.png")
	browser.Do(t, agent, chromedp.Navigate(site.URL+"/desk/keys?status=out"), chromedp.WaitVisible(`#keys`))
	if got := browser.Text(t, agent, "#keys tbody"); !strings.Contains(got, "SB-01") || !strings.Contains(got, "李师傅") {
		t.Errorf("keys out: %q", got)
	}
	browser.DocShot(t, agent, "desk-keys.png")
	browser.Do(t, agent, chromedp.Navigate(site.URL+keyURL), browser.Fill(`#return input[name=received_by]`, "前台小周"),
		browser.ClickNav(`#return-button`))
	if f := browser.Text(t, agent, "main .flash"); f != "钥匙 SB-01 已由 李师傅 归还" {
		t.Errorf("flash after the return: %q", f)
	}
	if got := browser.Text(t, agent, "#key-status"); got != "在柜" {
		t.Errorf("status after the return: %q", got)
	}
	if got := browser.Text(t, agent, "#loans tbody"); !strings.Contains(got, "李师傅") || !strings.Contains(got, "前台小周") {
		t.Errorf("lending history %q", got)
	}
	// The printed 钥匙清单: no navigation on paper.
	browser.Do(t, agent, chromedp.Navigate(site.URL+"/desk/keys/print"), chromedp.WaitVisible(`#key-list`))
	if got := browser.Text(t, agent, "#key-list"); !strings.Contains(got, "设备房（1）") || !strings.Contains(got, "A柜-05") {
		t.Errorf("key list %q", got)
	}
	site.Must(browser.Media(agent, "print"))
	for _, sel := range []string{"#nav", "header.topbar", ".toolbar"} {
		if v := browser.Eval[string](t, agent, `getComputedStyle(document.querySelector("`+sel+`")).display`); v != "none" {
			t.Errorf("print: %s is shown (%s)", sel, v)
		}
	}
	browser.DocShot(t, agent, "desk-keys-print.png")
	site.Must(browser.Media(agent, ""))
	browser.NoProblems(t, agent)

	// Custody: received for 3-2-1201, handed out against the record.
	browser.Do(t, agent, chromedp.Navigate(site.URL+"/desk/custody/new"),
		browser.Fill(`#custody-form input[name=house_code]`, "3-2-1201"),
		browser.Fill(`#custody-form input[name=description]`, "生日蛋糕一盒"),
		browser.Fill(`#custody-form input[name=deposited_by]`, "蛋糕店配送员"),
		browser.Fill(`#custody-form input[name=pickup_name]`, "张三"),
		browser.ClickNav(`#custody-save`))
	if f := browser.Text(t, agent, "main .flash"); f != "已登记 3-2-1201 寄存的 生日蛋糕一盒" {
		t.Errorf("flash after receiving: %q", f)
	}
	browser.DocShot(t, agent, "desk-custody-item.png")
	browser.Do(t, agent, browser.ClickNav(`#release-button`))
	if ds := dialogs(); len(ds) != 1 || !strings.Contains(ds[0], "生日蛋糕一盒") {
		t.Errorf("confirmations: %q", ds)
	}
	if f := browser.Text(t, agent, "main .flash"); f != "生日蛋糕一盒 已由 张三 领取" {
		t.Errorf("flash after the release: %q", f)
	}
	if got := browser.Text(t, agent, "#picked-up-by"); !strings.Contains(got, "张三") {
		t.Errorf("release record %q", got)
	}
	browser.Do(t, agent, chromedp.Navigate(site.URL+"/desk/custody?status=released"), chromedp.WaitVisible(`#custody`))
	if got := browser.Text(t, agent, "#custody tbody"); !strings.Contains(got, "生日蛋糕一盒") || !strings.Contains(got, "已领取") {
		t.Errorf("released list %q", got)
	}
	browser.DocShot(t, agent, "desk-custody.png")
	browser.NoProblems(t, agent)
}
