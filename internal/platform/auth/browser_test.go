package auth_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
)

// TestBrowserSignInAndOut drives the login form in a real Chromium: a
// page behind login sends the visitor to the form and back after signing
// in; a wrong password shows the Chinese error and keeps the login name
// but not the password; half an hour without a request sends the browser
// back to the form with 登录已超时; 退出 ends the session. It runs on a
// private site (apptest.Site: the whole app, the layout needs the archive).
func TestBrowserSignInAndOut(t *testing.T) {
	clk := &clock{t: time.Now().UTC().Truncate(time.Microsecond)}
	site := apptest.NewSite(t, func(a *app.App) { a.Auth.Now = clk.now })
	agent := site.User("kefu01", "王小美", auth.RoleCSAgent)
	const browserPassword = apptest.SitePassword

	b := browser.Start(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	location := func() string {
		t.Helper()
		loc := browser.Run(t, b, chromedp.Location())
		return strings.TrimPrefix(loc, site.URL)
	}

	// A page behind login sends the visitor to the form, remembering it.
	browser.Do(t, b, chromedp.Navigate(site.URL+"/houses?status="+url.QueryEscape("出租")), chromedp.WaitVisible(css(`input[name=login]`)))
	if loc := location(); loc != "/login?next="+url.QueryEscape("/houses?status="+url.QueryEscape("出租")) {
		t.Errorf("anonymous /houses went to %s, want the login form with next", loc)
	}
	if n := browser.Eval[int](t, b, `document.querySelectorAll("header.topbar, nav.sidenav").length`); n != 0 {
		t.Error("the login page shows the signed-in layout")
	}
	browser.NoProblems(t, b)

	// A wrong password: the Chinese error, the login name kept, the
	// password not.
	browser.Do(t, b,
		chromedp.SendKeys(css(`input[name=login]`), agent.Login),
		chromedp.SendKeys(css(`input[name=password]`), "password2"),
		browser.ClickNav(`main form button[type=submit]`),
		chromedp.WaitVisible(css(`main .alert`)),
	)
	if msg := browser.Text(t, b, "main .alert"); msg != "登录名或密码不正确" {
		t.Errorf("wrong password message = %q", msg)
	}
	if v := browser.Run(t, b, chromedp.Value(css(`input[name=login]`))); v != agent.Login {
		t.Errorf("login name after a failed attempt = %q, want %q kept", v, agent.Login)
	}
	if v := browser.Run(t, b, chromedp.Value(css(`input[name=password]`))); v != "" {
		t.Errorf("password after a failed attempt = %q, want it cleared", v)
	}
	browser.NoProblems(t, b, "status of 401")

	// The right password lands on the remembered page.
	browser.Do(t, b,
		browser.Fill(`input[name=password]`, browserPassword),
		browser.ClickNav(`main form button[type=submit]`),
		chromedp.WaitVisible(css(`header.topbar`)),
	)
	if loc := location(); loc != "/houses?status="+url.QueryEscape("出租") {
		t.Errorf("after signing in, page is %s, want the remembered /houses?status=出租", loc)
	}
	if who := browser.Text(t, b, "header.topbar .who"); !strings.Contains(who, "王小美") || !strings.Contains(who, "退出") {
		t.Errorf("top bar = %q, want the user's name and 退出", who)
	}
	if n := browser.Eval[int](t, b, `document.querySelectorAll('nav.sidenav a[href="/admin/users"]').length`); n != 0 {
		t.Error("a cs_agent sees the 用户管理 link")
	}
	browser.NoProblems(t, b)

	// Half an hour idle: the next click lands on the login form, which
	// says why, and signing in again returns to the page.
	clk.advance(auth.WebIdleTimeout)
	browser.Do(t, b, chromedp.Navigate(site.URL+"/houses"), chromedp.WaitVisible(css(`main .flash`)))
	if msg := browser.Text(t, b, "main .flash"); msg != "登录已超时，请重新登录" {
		t.Errorf("after 30 idle minutes the login form says %q", msg)
	}
	browser.Do(t, b,
		browser.Fill(`input[name=login]`, agent.Login),
		browser.Fill(`input[name=password]`, browserPassword),
		browser.ClickNav(`main form button[type=submit]`),
		chromedp.WaitVisible(css(`header.topbar`)),
	)
	if loc := location(); loc != "/houses" {
		t.Errorf("signing in after the timeout lands on %s, want /houses", loc)
	}
	browser.NoProblems(t, b)

	// 退出 ends the session: the pages ask for a login again.
	browser.Do(t, b,
		browser.ClickNav(`header.topbar form[action="/logout"] button`),
		chromedp.WaitVisible(css(`input[name=login]`)),
	)
	if loc := location(); loc != "/login" {
		t.Errorf("after 退出, page is %s, want /login", loc)
	}
	browser.Do(t, b, chromedp.Navigate(site.URL+"/"), chromedp.WaitVisible(css(`input[name=login]`)))
	if loc := location(); !strings.HasPrefix(loc, "/login") {
		t.Errorf("after 退出, / shows %s, want the login form", loc)
	}
	browser.NoProblems(t, b)
}
