package auth_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// eachApp runs fn on both databases with the whole app wired, its
// accounts on clk.
func eachApp(t *testing.T, fn func(t *testing.T, f *apptest.Fixture, clk *clock)) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		f := apptest.New(t, d)
		clk := &clock{t: time.Now().UTC().Truncate(time.Microsecond)}
		f.App.Auth.Now = clk.now
		fn(t, f, clk)
	})
}

func TestTimedOutSessionSendsTheBrowserToLoginWithAMessage(t *testing.T) {
	eachApp(t, func(t *testing.T, f *apptest.Fixture, clk *clock) {
		b := f.Browser(auth.RoleCSAgent)
		if r := b.Get("/"); r.Code != 200 {
			t.Fatalf("home: %d", r.Code)
		}
		clk.advance(auth.WebIdleTimeout + time.Minute)
		r := b.Get("/houses")
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Fhouses" {
			t.Fatalf("idle session: %d to %q, want the login form", r.Code, r.Header.Get("Location"))
		}
		api := b.Request("GET", "/api/v1/me", nil)
		if r := b.Send(api); r.Code != 401 || r.Error(t).Message != "登录已超时，请重新登录" {
			t.Errorf("API call with the idle session's cookie: %s", r)
		}
		r = b.Get("/login?next=%2Fhouses")
		apptest.Has(t, "login form after the timeout", string(r.Body), "登录已超时，请重新登录", `name="next" value="/houses"`)
		if c := r.Cookie(auth.SessionCookie); c == nil || c.MaxAge >= 0 {
			t.Errorf("the ended session's cookie is kept: %+v", c)
		}
		// Said once: the ended session is gone now.
		apptest.HasNot(t, "login form again", string(b.Get("/login").Body), "登录已超时")
		// A browser that never signed in is not told it timed out.
		apptest.HasNot(t, "fresh login form", string(f.Anon().Get("/login").Body), "登录已超时")
	})
}

func TestSessionCookieEndsWithTheBrowser(t *testing.T) {
	eachApp(t, func(t *testing.T, f *apptest.Fixture, clk *clock) {
		c := f.Anon()
		c.CSRF = strings.Repeat("c", 32)
		r := c.Post("/login", url.Values{"login": {f.Users[auth.RoleCashier].Login}, "password": {apptest.Password}})
		s := r.Cookie(auth.SessionCookie)
		if r.Code != http.StatusSeeOther || s == nil || s.MaxAge != 0 || !s.Expires.IsZero() {
			t.Errorf("session cookie %+v: want one without Max-Age or Expires", s)
		}
	})
}

// adminPost posts a user-admin form as the fixture's administrator.
func adminPost(f *apptest.Fixture, path string, form url.Values) *apptest.Response {
	return f.Browser(auth.RoleAdmin).Post(path, form)
}

func TestChangingAnAccountsAccessAsksForTheAdminsOwnPassword(t *testing.T) {
	eachApp(t, func(t *testing.T, f *apptest.Fixture, clk *clock) {
		admin := f.Browser(auth.RoleAdmin)
		target := f.Target
		path := fmt.Sprintf("/admin/users/%d", target.ID)
		form := url.Values{"name": {target.Name}, "role": {"cs_manager"}, "communities": {fmt.Sprint(f.A.Community.ID)}}
		roleOf := func() auth.Role {
			u, err := f.App.Auth.User(ctx, target.ID)
			if err != nil {
				t.Fatal(err)
			}
			return u.Role
		}

		r := admin.Post(path, form)
		apptest.Has(t, "role change without the password", fmt.Sprint(r.Code, string(r.Body)), "422", "请输入您的当前密码")
		form.Set(auth.ReauthField, "Wrong1234")
		r = admin.Post(path, form)
		apptest.Has(t, "role change with a wrong password", fmt.Sprint(r.Code, string(r.Body)), "422", "密码不正确",
			`<option value="cs_manager" selected>`)
		if roleOf() != auth.RoleCSAgent {
			t.Fatal("a refused role change was saved")
		}
		form.Set(auth.ReauthField, apptest.Password)
		if r := admin.Post(path, form); r.Code != http.StatusSeeOther || roleOf() != auth.RoleCSManager {
			t.Fatalf("role change with the password: %s", r)
		}
		// A communities change asks too; a phone change does not.
		form.Del(auth.ReauthField)
		form["communities"] = []string{fmt.Sprint(f.A.Community.ID), fmt.Sprint(f.B.Community.ID)}
		if r := admin.Post(path, form); r.Code != 422 {
			t.Errorf("communities change without the password: %d", r.Code)
		}
		form["communities"] = []string{fmt.Sprint(f.A.Community.ID)}
		form.Set("phone", "13912345678")
		if r := admin.Post(path, form); r.Code != http.StatusSeeOther {
			t.Errorf("phone change: %s", r)
		}

		// Creating an account.
		newUser := url.Values{"login": {"xin" + apptest.Rand(4)}, "name": {"新人"}, "role": {"admin"},
			"password": {"Kq7v2m9x"}, "password2": {"Kq7v2m9x"}}
		apptest.Has(t, "create without the password", fmt.Sprint(admin.Post("/admin/users", newUser).Code), "422")
		newUser.Set(auth.ReauthField, apptest.Password)
		if r := admin.Post("/admin/users", newUser); r.Code != http.StatusSeeOther {
			t.Errorf("create with the password: %s", r)
		}

		// Resetting the password, disabling.
		r = admin.Post(path+"/password", url.Values{"password": {"Kq7v2m9x"}, auth.ReauthField: {"Wrong1234"}})
		apptest.Has(t, "reset with a wrong password", fmt.Sprint(r.Code, string(r.Body)), "422", "密码不正确", `id="reset-form"`)
		if _, _, err := f.App.Auth.Login(ctx, target.Login, apptest.Password, "10.9.9.9", "", auth.KindAPI); err != nil {
			t.Errorf("a refused reset changed the password: %v", err)
		}
		r = admin.Post(path+"/password", url.Values{"password": {target.Login + "1"}, auth.ReauthField: {apptest.Password}})
		apptest.Has(t, "reset to a password holding the login", fmt.Sprint(r.Code, string(r.Body)), "422", "密码不能包含登录名")
		if r := admin.Post(path+"/password", url.Values{"password": {"Kq7v2m9x"}, auth.ReauthField: {apptest.Password}}); r.Code != 303 {
			t.Errorf("reset with the password: %s", r)
		}
		r = admin.Post(path+"/disable", url.Values{auth.ReauthField: {"Wrong1234"}})
		apptest.Has(t, "disable with a wrong password", fmt.Sprint(r.Code, string(r.Body)), "422", "密码不正确")
		if u, _ := f.App.Auth.User(ctx, target.ID); u.Disabled {
			t.Fatal("a refused disable was done")
		}
		if r := admin.Post(path+"/disable", url.Values{auth.ReauthField: {apptest.Password}}); r.Code != 303 {
			t.Errorf("disable with the password: %s", r)
		}
		if r := admin.Post(path+"/enable", url.Values{}); r.Code != 422 {
			t.Errorf("enable without the password: %d", r.Code)
		}
	})
}

func TestAPIAccountChangesTakeTheOptionalPasswordFromTokens(t *testing.T) {
	eachApp(t, func(t *testing.T, f *apptest.Fixture, clk *clock) {
		path := fmt.Sprintf("/api/v1/users/%d", f.Target.ID)
		body := map[string]any{"name": f.Target.Name, "role": "cashier", "communities": []int64{f.A.Community.ID}}
		token := f.API(auth.RoleAdmin)
		if r := token.Do("PUT", path, body); r.Code != 200 {
			t.Errorf("token without current_password: %s", r)
		}
		body["role"], body[auth.ReauthField] = "cs_manager", "Wrong1234"
		if r := token.Do("PUT", path, body); r.Code != 422 || r.Error(t).Field != auth.ReauthField {
			t.Errorf("token with a wrong current_password: %s", r)
		}
		// The browser's cookie on the API must bring the password.
		b := f.Browser(auth.RoleAdmin)
		delete(body, auth.ReauthField)
		req := b.Request("PUT", path, body)
		req.Header.Set("X-CSRF-Token", b.CSRF)
		if r := b.Send(req); r.Code != 422 || r.Error(t).Field != auth.ReauthField {
			t.Errorf("cookie without current_password: %s", r)
		}
		if u, _ := f.App.Auth.User(ctx, f.Target.ID); u.Role != auth.RoleCashier {
			t.Errorf("role %s after the refused changes, want cashier", u.Role)
		}
	})
}

func TestWrongReauthPasswordsLockTheAccountAndAnAdminUnlocksIt(t *testing.T) {
	eachApp(t, func(t *testing.T, f *apptest.Fixture, clk *clock) {
		victim := f.NewUser(auth.RoleAdmin)
		stolen := f.BrowserAs(victim.Login)
		path := fmt.Sprintf("/admin/users/%d/password", f.Target.ID)
		for range auth.MaxFailedPasswords {
			stolen.Post(path, url.Values{"password": {"Kq7v2m9x"}, auth.ReauthField: {"Guess1234"}})
		}
		r := stolen.Post(path, url.Values{"password": {"Kq7v2m9x"}, auth.ReauthField: {apptest.Password}})
		apptest.Has(t, "right password once locked", fmt.Sprint(r.Code, string(r.Body)), "422", "账号已锁定")
		c := f.Anon()
		c.CSRF = strings.Repeat("c", 32)
		r = c.Post("/login", url.Values{"login": {victim.Login}, "password": {apptest.Password}})
		apptest.Has(t, "login form of the locked account", fmt.Sprint(r.Code, string(r.Body)), "429", "账号已锁定，请联系管理员解锁")

		admin := f.Browser(auth.RoleAdmin)
		list := apptest.Page(t, admin, "/admin/users?q="+victim.Login, 200)
		apptest.Has(t, "users list", list, "已锁定")
		page := apptest.Page(t, admin, fmt.Sprintf("/admin/users/%d", victim.ID), 200)
		unlock := fmt.Sprintf("/admin/users/%d/unlock", victim.ID)
		apptest.Has(t, "user page", page, `id="locked"`, `action="`+unlock+`"`, "解除锁定")
		if r := f.Browser(auth.RoleDirector).Post(unlock, url.Values{}); r.Code != 403 {
			t.Errorf("a director unlocks: %d", r.Code)
		}
		_, page = apptest.Follow(t, admin, apptest.Submit(t, admin, unlock, url.Values{}, http.StatusSeeOther))
		apptest.Has(t, "after 解除锁定", page, "已解除锁定")
		apptest.HasNot(t, "after 解除锁定", page, `id="locked"`)
		apptest.HasNot(t, "users list after 解除锁定", apptest.Page(t, admin, "/admin/users?q="+victim.Login, 200), "已锁定")
		if _, _, err := f.App.Auth.Login(ctx, victim.Login, apptest.Password, "10.9.9.8", "", auth.KindWeb); err != nil {
			t.Errorf("login after 解除锁定: %v", err)
		}
		history := apptest.Page(t, admin, fmt.Sprintf("/audit?entity=user&entity_id=%d", victim.ID), 200)
		apptest.Has(t, "audit", history, "锁定", "解除锁定")

		// The API shows the lock and lifts it too.
		for range auth.MaxFailedPasswords {
			f.App.Auth.Login(ctx, victim.Login, "Guess1234", "10.9.9.7", "", auth.KindAPI)
		}
		api := f.API(auth.RoleAdmin)
		if m := api.Get(fmt.Sprintf("/api/v1/users/%d", victim.ID)).Map(t); m["locked_at"] == nil {
			t.Errorf("API user of a locked account: %v, want locked_at", m)
		}
		if r := api.Post(fmt.Sprintf("/api/v1/users/%d/unlock", victim.ID), nil); r.Code != 200 || r.Map(t)["locked_at"] != nil {
			t.Errorf("API unlock: %s", r)
		}
	})
}
