package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var ctx = context.Background()

func login(f *apptest.Fixture, login, password string) *apptest.Response {
	return f.Anon().Post("/api/v1/login", map[string]string{"login": login, "password": password})
}

func TestAPILogin(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		u := f.Users[auth.RoleCSAgent]
		r := login(f, u.Login, apptest.Password)
		var ok struct {
			Token string
			User  struct {
				ID          int64
				Role        string
				Communities []int64
			}
		}
		r.JSON(t, &ok)
		if r.Code != 200 || ok.Token == "" || ok.User.ID != u.ID || ok.User.Role != "cs_agent" || len(ok.User.Communities) != 1 {
			t.Fatalf("login: %s", r)
		}
		if strings.Contains(string(r.Body), "password") || strings.Contains(string(r.Body), "argon2") {
			t.Errorf("login response shows the password hash: %s", r)
		}
		me := f.Anon()
		me.Token = ok.Token
		if r := me.Get("/api/v1/me"); r.Code != 200 || !strings.Contains(string(r.Body), u.Login) {
			t.Errorf("GET /api/v1/me with the token: %s", r)
		}

		r = login(f, u.Login, "Wrong1234")
		if e := r.Error(t); r.Code != 401 || e.Code != "unauthorized" || e.Message == "" {
			t.Errorf("wrong password: %s", r)
		}
		if r := f.Anon().Post("/api/v1/login", `{"login": 1`); r.Code != 422 {
			t.Errorf("malformed login: %s", r)
		}
	})
}

func TestFiveWrongPasswordsLockTheLogin(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		u := f.Users[auth.RoleCashier]
		for i := range 5 {
			if r := login(f, u.Login, "Wrong1234"); r.Code != 401 {
				t.Fatalf("attempt %d: %s", i+1, r)
			}
		}
		r := login(f, u.Login, apptest.Password)
		if r.Code != http.StatusTooManyRequests || r.Error(t).Code != "too_many_requests" {
			t.Errorf("right password after 5 failures: %s", r)
		}
		// The browser form is locked as well.
		c := f.Anon()
		c.CSRF = strings.Repeat("c", 32)
		if r := c.Post("/login", url.Values{"login": {u.Login}, "password": {apptest.Password}}); r.Code != 429 || r.Cookie(auth.SessionCookie) != nil {
			t.Errorf("form login after 5 failures: %d", r.Code)
		}
	})
}

func TestDisabledUserIsShutOut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		victim := f.APIAs(f.Target.Login)
		browser := f.BrowserAs(f.Target.Login)
		path := fmt.Sprintf("/api/v1/houses/%d", f.A.House.ID)
		if r := victim.Get(path); r.Code != 200 {
			t.Fatalf("before: %s", r)
		}
		r := f.API(auth.RoleAdmin).Post(fmt.Sprintf("/api/v1/users/%d/disable", f.Target.ID), nil)
		if r.Code != 200 || r.Map(t)["disabled"] != true {
			t.Fatalf("disable: %s", r)
		}
		if r := victim.Get(path); r.Code != 401 {
			t.Errorf("a disabled user's token still works: %s", r)
		}
		if r := browser.Get("/"); r.Code != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("a disabled user's session still works: %d", r.Code)
		}
		if r := login(f, f.Target.Login, apptest.Password); r.Code != 401 {
			t.Errorf("a disabled user can log in: %s", r)
		}
		f.API(auth.RoleAdmin).Post(fmt.Sprintf("/api/v1/users/%d/enable", f.Target.ID), nil)
		if r := login(f, f.Target.Login, apptest.Password); r.Code != 200 {
			t.Errorf("re-enabled user cannot log in: %s", r)
		}
	})
}

func TestLogout(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		login := f.Users[auth.RoleDirector].Login
		t1, t2, web := f.APIAs(login), f.APIAs(login), f.BrowserAs(login)
		if r := t1.Post("/api/v1/logout", nil); r.Code != 204 {
			t.Fatalf("logout: %s", r)
		}
		if r := t1.Get("/api/v1/me"); r.Code != 401 {
			t.Errorf("logged-out token works: %s", r)
		}
		if r := t2.Get("/api/v1/me"); r.Code != 200 {
			t.Errorf("logout ended another token: %s", r)
		}
		if r := t2.Post("/api/v1/logout/all", nil); r.Code != 204 {
			t.Fatalf("logout all: %s", r)
		}
		if r := t2.Get("/api/v1/me"); r.Code != 401 {
			t.Errorf("token survived logout-all: %s", r)
		}
		if r := web.Get("/"); r.Code != 303 {
			t.Errorf("browser session survived logout-all: %d", r.Code)
		}
		// The browser's own logout clears its cookie and ends the session.
		web = f.BrowserAs(login)
		r := web.Post("/logout", url.Values{})
		if r.Code != 303 || r.Header.Get("Location") != "/login" {
			t.Errorf("POST /logout: %d %s", r.Code, r.Header.Get("Location"))
		}
		if c := r.Cookie(auth.SessionCookie); c == nil || c.MaxAge >= 0 {
			t.Errorf("session cookie not cleared: %+v", c)
		}
		if r := web.Get("/"); r.Code != 303 {
			t.Errorf("session survived logout: %d", r.Code)
		}
	})
}

func TestLoginFormSetsASafeSessionCookie(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		c := f.Anon()
		r := c.Get("/login")
		csrf := r.Cookie(apptest.CSRFCookie)
		if r.Code != 200 || csrf == nil || !csrf.HttpOnly || !strings.Contains(string(r.Body), `name="csrf" value="`+csrf.Value+`"`) {
			t.Fatalf("GET /login: %d, cookie %+v", r.Code, csrf)
		}
		c.CSRF = csrf.Value
		form := url.Values{"login": {f.Users[auth.RoleCSAgent].Login}, "password": {apptest.Password}, "next": {"/houses?status=出租"}}

		// Without the token, or with a wrong one: refused, no session.
		for name, tok := range map[string]string{"no token": "", "wrong token": strings.Repeat("x", 32)} {
			v := url.Values{}
			for k, vs := range form {
				v[k] = vs
			}
			v.Set("csrf", tok)
			if r := c.Post("/login", v); r.Code != 403 || r.Cookie(auth.SessionCookie) != nil {
				t.Errorf("%s: %d", name, r.Code)
			}
		}
		noCookie := f.Anon()
		if r := noCookie.Post("/login", form); r.Code != 403 {
			t.Errorf("no CSRF cookie: %d", r.Code)
		}

		r = c.Post("/login", form)
		s := r.Cookie(auth.SessionCookie)
		if r.Code != http.StatusSeeOther || s == nil {
			t.Fatalf("POST /login: %s", r)
		}
		if !s.HttpOnly || s.SameSite != http.SameSiteLaxMode || s.Path != "/" || s.Value == "" {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/", s)
		}
		if loc, _ := url.Parse(r.Header.Get("Location")); loc == nil || loc.Path != "/houses" || loc.Query().Get("status") != "出租" {
			t.Errorf("redirect to %q, want the page asked for", r.Header.Get("Location"))
		}
		c.Session = s.Value
		if r := c.Get("/"); r.Code != 200 || !strings.Contains(string(r.Body), f.Users[auth.RoleCSAgent].Name) {
			t.Errorf("home with the session: %d", r.Code)
		}
		// An open redirect through next is refused.
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example"} {
			form.Set("next", next)
			if r := c.Post("/login", form); r.Header.Get("Location") != "/" {
				t.Errorf("next=%q redirected to %q", next, r.Header.Get("Location"))
			}
		}
		// A wrong password shows the form again with the error.
		form.Set("password", "Wrong1234")
		if r := c.Post("/login", form); r.Code != 401 || r.Cookie(auth.SessionCookie) != nil || !strings.Contains(string(r.Body), "不正确") {
			t.Errorf("wrong password on the form: %d", r.Code)
		}
	})
}

func TestFormPostWithoutCSRFTokenIsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		b := f.Browser(auth.RoleCSManager)
		form := url.Values{"status": {"出租"}, "csrf": {""}}
		path := fmt.Sprintf("/houses/%d", f.A.House.ID)
		before := countAudit(t, f.DB)
		if r := b.Post(path, form); r.Code != 403 {
			t.Errorf("POST %s without token: %d", path, r.Code)
		}
		if r := b.Post("/logout", url.Values{"csrf": {""}}); r.Code != 403 {
			t.Errorf("POST /logout without token: %d", r.Code)
		}
		if r := b.Get("/"); r.Code != 200 {
			t.Errorf("the forged logout ended the session: %d", r.Code)
		}
		if countAudit(t, f.DB) != before {
			t.Errorf("a forged form changed something")
		}
	})
}

func countAudit(t *testing.T, d *db.DB) int {
	var n int
	if err := d.QueryRow(`SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPasswordPolicyOverHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		admin := f.API(auth.RoleAdmin)
		for _, pw := range []string{"short1", "abcdefgh", "12345678"} {
			r := admin.Post("/api/v1/users", map[string]any{"login": "pw" + apptest.Rand(3), "name": "新人", "role": "cs_agent",
				"communities": []int64{f.A.Community.ID}, "password": pw})
			if r.Code != 422 || r.Error(t).Field != "password" {
				t.Errorf("create with %q: %s", pw, r)
			}
		}
		r := admin.Post(fmt.Sprintf("/api/v1/users/%d/password", f.Target.ID), map[string]string{"password": "abcdefgh"})
		if r.Code != 422 || r.Error(t).Field != "password" {
			t.Errorf("reset to a weak password: %s", r)
		}
		// The user's own change: old password checked, then every session ends.
		b := f.BrowserAs(f.Target.Login)
		r = b.Post("/account/password", url.Values{"old_password": {"Wrong1234"}, "password": {"NewPass789"}, "password2": {"NewPass789"}})
		if r.Code != 422 {
			t.Errorf("wrong old password: %d", r.Code)
		}
		r = b.Post("/account/password", url.Values{"old_password": {apptest.Password}, "password": {"NewPass789"}, "password2": {"NewPass789"}})
		if r.Code != 303 {
			t.Fatalf("change password: %d", r.Code)
		}
		if r := b.Get("/"); r.Code != 303 {
			t.Errorf("session survived the password change")
		}
		if r := login(f, f.Target.Login, "NewPass789"); r.Code != 200 {
			t.Errorf("new password: %s", r)
		}
	})
}

func TestOnlyAdminsManageUsers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		for _, role := range []auth.Role{auth.RoleDirector, auth.RoleCSManager, auth.RoleAuditor} {
			b := f.Browser(role)
			for _, p := range []string{"/admin/users", "/admin/users/new", fmt.Sprintf("/admin/users/%d", f.Target.ID)} {
				if r := b.Get(p); r.Code != 403 {
					t.Errorf("%s GET %s: %d", role, p, r.Code)
				}
			}
			r := b.Post(fmt.Sprintf("/admin/users/%d", f.Target.ID), url.Values{"name": {"x"}, "role": {"admin"}})
			if r.Code != 403 {
				t.Errorf("%s POST user form: %d", role, r.Code)
			}
			api := f.API(role)
			r = api.Post("/api/v1/users", map[string]any{"login": "sneaky" + apptest.Rand(3), "name": "x", "role": "admin", "password": "Secret123"})
			if r.Code != 403 {
				t.Errorf("%s POST /api/v1/users: %s", role, r)
			}
			r = api.Do("PUT", fmt.Sprintf("/api/v1/users/%d", f.Users[role].ID), map[string]any{"name": "x", "role": "admin"})
			if r.Code != 403 {
				t.Errorf("%s promotes itself: %s", role, r)
			}
		}
		if u, _ := f.App.Auth.User(ctx, f.Users[auth.RoleDirector].ID); u.Role != auth.RoleDirector {
			t.Errorf("director's role changed to %s", u.Role)
		}
		b := f.Browser(auth.RoleAdmin)
		if r := b.Get("/admin/users"); r.Code != 200 || !strings.Contains(string(r.Body), f.Target.Login) {
			t.Errorf("admin's user list: %d", r.Code)
		}
		r := b.Post("/admin/users", url.Values{"login": {"newagent" + apptest.Rand(2)}, "name": {"新客服"}, "role": {"cs_agent"},
			"communities": {fmt.Sprint(f.A.Community.ID)}, "password": {"Secret456"}, "password2": {"Secret456"},
			auth.ReauthField: {apptest.Password}})
		if r.Code != 303 {
			t.Errorf("admin creates a user: %s", r)
		}
		r = f.API(auth.RoleAdmin).Do("PUT", fmt.Sprintf("/api/v1/users/%d", f.Target.ID), map[string]any{"name": "改名", "role": "cs_manager",
			"communities": []int64{f.A.Community.ID, f.B.Community.ID}})
		if m := r.Map(t); r.Code != 200 || m["role"] != "cs_manager" || len(m["communities"].([]any)) != 2 {
			t.Errorf("admin edits a user: %s", r)
		}
		r = f.API(auth.RoleAdmin).Post("/api/v1/users", map[string]any{"login": "x" + apptest.Rand(2), "name": "x", "role": "cashier",
			"communities": []int64{987654321}, "password": "Secret123"})
		if r.Code != 422 || r.Error(t).Field != "communities" {
			t.Errorf("user of a missing community: %s", r)
		}
	})
}

func TestLastAdminCannotBeDisabled(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			f := apptest.New(t, apptest.FreshDB(t, dialect))
			admin := f.Users[auth.RoleAdmin]
			c := f.API(auth.RoleAdmin)
			r := c.Post(fmt.Sprintf("/api/v1/users/%d/disable", admin.ID), nil)
			if r.Code != 409 || r.Error(t).Code != "conflict" {
				t.Errorf("disable the last admin: %s", r)
			}
			r = c.Do("PUT", fmt.Sprintf("/api/v1/users/%d", admin.ID), map[string]any{"name": admin.Name, "role": "director",
				"communities": []int64{f.A.Community.ID}})
			if r.Code != 409 {
				t.Errorf("demote the last admin: %s", r)
			}
			if r := c.Get("/api/v1/me"); r.Code != 200 || r.Map(t)["role"] != "admin" {
				t.Errorf("the last admin was locked out: %s", r)
			}
		})
	}
}
