package auth_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// TestBrowserSignInAndOut drives the login form in a real Chromium: a
// page behind login sends the visitor to the form and back after signing
// in; a wrong password shows the Chinese error and keeps the login name
// but not the password; 退出 ends the session. It runs on a private
// SQLite database with the whole app (the layout needs the archive).
func TestBrowserSignInAndOut(t *testing.T) {
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
	admin, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "admin", Name: "系统管理员", Role: auth.RoleAdmin}, "password1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Archive.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "翠湖花园", Address: "翠湖路88号"})
	if err != nil {
		t.Fatal(err)
	}
	agent, err := a.Auth.CreateUser(ctx, admin, auth.UserInput{Login: "kefu01", Name: "王小美", Role: auth.RoleCSAgent,
		Communities: []int64{c.ID}}, "password1")
	if err != nil {
		t.Fatal(err)
	}

	b := browser.Start(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	location := func() string {
		t.Helper()
		loc := browser.Run(t, b, chromedp.Location())
		return strings.TrimPrefix(loc, srv.URL)
	}

	// A page behind login sends the visitor to the form, remembering it.
	browser.Do(t, b, chromedp.Navigate(srv.URL+"/houses?status="+url.QueryEscape("出租")), chromedp.WaitVisible(css(`input[name=login]`)))
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
		browser.Fill(`input[name=password]`, "password1"),
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

	// 退出 ends the session: the pages ask for a login again.
	browser.Do(t, b,
		browser.ClickNav(`header.topbar form[action="/logout"] button`),
		chromedp.WaitVisible(css(`input[name=login]`)),
	)
	if loc := location(); loc != "/login" {
		t.Errorf("after 退出, page is %s, want /login", loc)
	}
	browser.Do(t, b, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(css(`input[name=login]`)))
	if loc := location(); !strings.HasPrefix(loc, "/login") {
		t.Errorf("after 退出, / shows %s, want the login form", loc)
	}
	browser.NoProblems(t, b)
}
