package app_test

import (
	"net/url"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
)

func TestUnauthenticatedRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		anon := f.Anon()
		for _, p := range []string{"/", "/houses?q=1201", "/audit", "/admin/users"} {
			r := anon.Get(p)
			loc, _ := url.Parse(r.Header.Get("Location"))
			if r.Code != 303 || loc == nil || loc.Path != "/login" || loc.Query().Get("next") != p {
				t.Errorf("GET %s: %d → %q, want 303 to /login?next=%s", p, r.Code, r.Header.Get("Location"), p)
			}
		}
		for _, p := range []string{"/api/v1/houses", "/api/v1/me", "/api/v1/audit", "/api/v1/users"} {
			r := anon.Get(p)
			if r.Code != 401 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Error(t).Code != "unauthorized" {
				t.Errorf("GET %s: %s, want 401 JSON", p, r)
			}
		}
		if r := anon.Post("/api/v1/houses", map[string]any{"unit_id": f.A.Unit.ID}); r.Code != 401 {
			t.Errorf("anonymous API write: %s", r)
		}
	})
}

func TestPublicEndpointsAndHeaders(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		anon := f.Anon()
		if r := anon.Get("/healthz"); r.Code != 200 || string(r.Body) != "ok" {
			t.Errorf("healthz: %s", r)
		}
		if r := anon.Get("/static/app.css"); r.Code != 200 {
			t.Errorf("static: %d", r.Code)
		}
		r := f.Browser(auth.RoleCSAgent).Get("/")
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s = %q", h, got)
			}
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("CSP = %q", r.Header.Get("Content-Security-Policy"))
		}
		// Unknown paths are a 404 in the caller's language.
		if r := f.API(auth.RoleCSAgent).Get("/api/v1/no-such-thing"); r.Code != 404 || r.Error(t).Code != "not_found" {
			t.Errorf("unknown API path: %s", r)
		}
		if r := f.Browser(auth.RoleCSAgent).Get("/no-such-page"); r.Code != 404 {
			t.Errorf("unknown page: %d", r.Code)
		}
	})
}

func TestCookieAuthenticatedAPIWritesNeedTheCSRFToken(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		b := f.Browser(auth.RoleCSAgent)
		body := map[string]any{"house_id": f.A.House.ID, "name": "王小二"}
		// A page of another site can make the browser send its cookie,
		// but cannot read the token.
		if r := b.Post("/api/v1/residents", body); r.Code != 403 {
			t.Errorf("cookie API write without token: %s", r)
		}
		req := b.Request("POST", "/api/v1/residents", body)
		req.Header.Set("X-CSRF-Token", b.CSRF)
		if r := b.Send(req); r.Code != 201 {
			t.Errorf("cookie API write with token: %s", r)
		}
		// Tokens and anonymous logins are not affected.
		if r := f.API(auth.RoleCSAgent).Post("/api/v1/residents", body); r.Code != 201 {
			t.Errorf("Bearer API write: %s", r)
		}
		if r := b.Post("/api/v1/login", map[string]string{"login": f.Users[auth.RoleCSAgent].Login, "password": apptest.Password}); r.Code != 200 {
			t.Errorf("API login from a browser that has a session: %s", r)
		}
	})
}
