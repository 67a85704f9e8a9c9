package workday_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/web"
	"wuye/internal/platform/workday"
)

func unique() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func authService(d *db.DB) *auth.Service {
	s := auth.NewService(d)
	s.Params = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	return s
}

// server is the calendar's routes behind the real auth gate, and a
// signed-in token or session per role.
type server struct {
	t      *testing.T
	router *web.Router
	s      *auth.Service
}

func newServer(t *testing.T, d *db.DB) *server {
	s := authService(d)
	r := web.NewRouter(s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	(&workday.Handlers{C: workday.NewCalendar(d)}).Routes(r)
	return &server{t: t, router: r, s: s}
}

func (sv *server) login(role auth.Role, kind string) string {
	sv.t.Helper()
	u := newUser(sv.t, sv.s, role)
	tok, _, err := sv.s.Login(ctx, u.Login, "Secret123", "127.0.0.1", "test", kind)
	if err != nil {
		sv.t.Fatalf("login %s: %v", role, err)
	}
	return tok
}

// api calls the JSON API with a bearer token and decodes the response.
func (sv *server) api(token, method, path, body string) (int, map[string]any) {
	sv.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	sv.router.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		sv.t.Fatalf("%s %s: %d %q is not JSON", method, path, rec.Code, rec.Body.String())
	}
	return rec.Code, out
}

// page calls a page with a web session; form != nil makes it a POST
// carrying the CSRF token.
func (sv *server) page(session, method, path string, form url.Values) *httptest.ResponseRecorder {
	sv.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: session})
	req.AddCookie(&http.Cookie{Name: "wuye_csrf", Value: "csrf-token-for-tests-0123456789abcdef"})
	rec := httptest.NewRecorder()
	sv.router.ServeHTTP(rec, req)
	return rec
}

func errField(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

func TestAddAPI(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		sv := newServer(t, d)
		agent := sv.login(auth.RoleCSAgent, auth.KindAPI) // any signed-in user may ask
		for _, c := range []struct{ query, want string }{
			{"from=" + url.QueryEscape("2026-09-30T10:00:00+08:00") + "&days=1", "2026-10-08T10:00:00+08:00"},
			{"from=2026-09-30T10:00:00+08:00&days=1", "2026-10-08T10:00:00+08:00"}, // unescaped "+"
			{"from=2026-09-30T02:00:00Z&days=1", "2026-10-08T10:00:00+08:00"},
			{"from=2026-09-30T10:00:00%2B08:00&days=3", "2026-10-10T10:00:00+08:00"},
			{"from=2027-01-29T10:00:00%2B08:00&days=3", "2027-02-02T10:00:00+08:00"},
			{"from=2026-10-01T10:00:00%2B08:00&days=0", "2026-10-01T10:00:00+08:00"},
		} {
			code, out := sv.api(agent, "GET", "/api/v1/workdays/add?"+c.query, "")
			if code != http.StatusOK || out["at"] != c.want {
				t.Errorf("add?%s = %d %v, want %s", c.query, code, out, c.want)
			}
		}
		for _, c := range []struct{ query, field string }{
			{"days=1", "from"},
			{"from=yesterday&days=1", "from"},
			{"from=2026-09-30&days=1", "from"},
			{"from=1900-01-01T00:00:00Z&days=1", "from"},
			{"from=2026-09-30T10:00:00Z", "days"},
			{"from=2026-09-30T10:00:00Z&days=two", "days"},
			{"from=2026-09-30T10:00:00Z&days=1.5", "days"},
			{"from=2026-09-30T10:00:00Z&days=100000", "days"},
		} {
			code, out := sv.api(agent, "GET", "/api/v1/workdays/add?"+c.query, "")
			if code != http.StatusUnprocessableEntity || errField(out) != c.field {
				t.Errorf("add?%s = %d %v, want 422 on %s", c.query, code, out, c.field)
			}
		}
		if code, _ := sv.api("", "GET", "/api/v1/workdays/add?from=2026-09-30T10:00:00Z&days=1", ""); code != http.StatusUnauthorized {
			t.Errorf("without a token: %d", code)
		}
	})
}

func TestOverrideAPI(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		cleanOverrides(t, d, "2027-02-15")
		sv := newServer(t, d)
		director := sv.login(auth.RoleDirector, auth.KindAPI)
		agent := sv.login(auth.RoleCSAgent, auth.KindAPI)
		addThree := func() any {
			_, out := sv.api(agent, "GET", "/api/v1/workdays/add?from=2027-02-04T10:00:00%2B08:00&days=3", "")
			return out["at"]
		}
		if got := addThree(); got != "2027-02-16T10:00:00+08:00" {
			t.Fatalf("before the override: %v", got)
		}

		if code, out := sv.api(agent, "PUT", "/api/v1/workdays/2027-02-15", `{"working":false}`); code != http.StatusForbidden {
			t.Errorf("cs_agent PUT: %d %v", code, out)
		}
		code, out := sv.api(director, "PUT", "/api/v1/workdays/2027-02-15", `{"working":false,"note":"春节延长一天"}`)
		want := map[string]any{"day": "2027-02-15", "working": false, "note": "春节延长一天",
			"statutory_working": true, "holiday_name": "", "overridden": true}
		if code != http.StatusOK || !sameJSON(out, want) {
			t.Errorf("PUT = %d %v, want %v", code, out, want)
		}
		// 02-14 (调休), 02-16, 02-17.
		if got := addThree(); got != "2027-02-17T10:00:00+08:00" {
			t.Errorf("with Monday 02-15 off: %v", got)
		}
		if code, out := sv.api(agent, "GET", "/api/v1/workdays/2027-02-15", ""); code != http.StatusOK || out["working"] != false {
			t.Errorf("GET day = %d %v", code, out)
		}

		for _, c := range []struct{ path, body, field string }{
			{"/api/v1/workdays/2027-02-30", `{"working":true}`, "day"},
			{"/api/v1/workdays/15-02-2027", `{"working":true}`, "day"},
			{"/api/v1/workdays/2027-02-15", `{"note":"x"}`, "working"},
			{"/api/v1/workdays/2027-02-15", `{"working":"yes"}`, "working"},
			{"/api/v1/workdays/2027-02-15", `{"working":true,"note":"` + strings.Repeat("长", 201) + `"}`, "note"},
		} {
			if code, out := sv.api(director, "PUT", c.path, c.body); code != http.StatusUnprocessableEntity || errField(out) != c.field {
				t.Errorf("PUT %s %s = %d %v, want 422 on %s", c.path, c.body, code, out, c.field)
			}
		}

		code, out = sv.api(agent, "GET", "/api/v1/workdays?year=2027", "")
		if code != http.StatusOK || out["statutory_covered"] != true {
			t.Fatalf("year list = %d %v", code, out)
		}
		items, _ := out["items"].([]any)
		byDay := map[string]map[string]any{}
		for _, it := range items {
			m := it.(map[string]any)
			byDay[m["day"].(string)] = m
		}
		// lunar-go's 34 statutory days of 2027 plus the override.
		if len(items) != 35 || out["total"] != float64(35) {
			t.Errorf("2027 lists %d days (total %v), want 35", len(items), out["total"])
		}
		for day, w := range map[string]map[string]any{
			"2027-02-05": {"working": false, "statutory_working": false, "holiday_name": "春节", "overridden": false},
			"2027-02-14": {"working": true, "statutory_working": true, "holiday_name": "春节", "overridden": false},
			"2027-02-15": {"working": false, "statutory_working": true, "holiday_name": "", "overridden": true},
		} {
			for k, v := range w {
				if byDay[day][k] != v {
					t.Errorf("%s %s = %v, want %v", day, k, byDay[day][k], v)
				}
			}
		}
		if code, out := sv.api(agent, "GET", "/api/v1/workdays?year=20x7", ""); code != http.StatusUnprocessableEntity || errField(out) != "year" {
			t.Errorf("bad year = %d %v", code, out)
		}

		if code, _ := sv.api(agent, "DELETE", "/api/v1/workdays/2027-02-15", ""); code != http.StatusForbidden {
			t.Errorf("cs_agent DELETE: %d", code)
		}
		code, out = sv.api(director, "DELETE", "/api/v1/workdays/2027-02-15", "")
		if code != http.StatusOK || out["working"] != true || out["overridden"] != false {
			t.Errorf("DELETE = %d %v", code, out)
		}
		if got := addThree(); got != "2027-02-16T10:00:00+08:00" {
			t.Errorf("after DELETE: %v", got)
		}
		if code, _ := sv.api(director, "DELETE", "/api/v1/workdays/2027-02-15", ""); code != http.StatusNotFound {
			t.Errorf("second DELETE: %d", code)
		}
	})
}

func sameJSON(got map[string]any, want map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestCalendarPage(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		cleanOverrides(t, d, "2026-10-12")
		sv := newServer(t, d)
		director := sv.login(auth.RoleDirector, auth.KindWeb)
		agent := sv.login(auth.RoleCSAgent, auth.KindWeb)

		rec := sv.page(director, "GET", "/admin/calendar?year=2026", nil)
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("page = %d %s", rec.Code, body)
		}
		for _, s := range []string{"工作日历", "10月", `title="2026-10-01 星期四 · 国庆节"`, `title="2026-10-10 星期六 · 国庆节调休上班"`,
			`title="2026-10-11 星期日 · 周末"`, "中秋节"} {
			if !strings.Contains(body, s) {
				t.Errorf("page lacks %q", s)
			}
		}
		// Strict CSP: no inline script, no event handler attributes.
		for _, part := range strings.Split(body, "<script")[1:] {
			if !strings.HasPrefix(strings.TrimSpace(part), "src=") {
				t.Errorf("inline script: <script%.60s", part)
			}
		}
		if strings.Contains(body, " onclick=") || strings.Contains(body, " onsubmit=") {
			t.Error("event handler attribute in the page")
		}
		if rec := sv.page(agent, "GET", "/admin/calendar?year=2026", nil); rec.Code != http.StatusForbidden {
			t.Errorf("cs_agent sees the page: %d", rec.Code)
		}
		if rec := sv.page(director, "GET", "/admin/calendar?year=abc", nil); rec.Code != http.StatusUnprocessableEntity ||
			!strings.Contains(rec.Body.String(), "年份须为") {
			t.Errorf("bad year: %d", rec.Code)
		}

		csrf := "csrf-token-for-tests-0123456789abcdef"
		rec = sv.page(director, "POST", "/admin/calendar/2026-10-12", url.Values{"csrf": {csrf}, "working": {"0"}, "note": {"停电"}})
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/admin/calendar?day=2026-10-12") {
			t.Fatalf("POST = %d %s", rec.Code, rec.Header().Get("Location"))
		}
		if c := rec.Header().Get("Set-Cookie"); !strings.Contains(c, "wuye_flash="+url.QueryEscape("已将 2026-10-12 调整为休息日")) {
			t.Errorf("flash cookie = %q", c)
		}
		rec = sv.page(director, "GET", rec.Header().Get("Location"), nil)
		body = rec.Body.String()
		for _, s := range []string{"已调整为休息（停电）", "恢复法定安排", "变更记录", "新建"} {
			if !strings.Contains(body, s) {
				t.Errorf("page after the change lacks %q", s)
			}
		}
		if rec := sv.page(director, "POST", "/admin/calendar/2026-10-12", url.Values{"csrf": {csrf}, "working": {"maybe"}, "note": {"停电"}}); rec.Code != http.StatusUnprocessableEntity ||
			!strings.Contains(rec.Body.String(), "请选择上班或休息") || !strings.Contains(rec.Body.String(), `value="停电"`) {
			t.Errorf("bad working: %d", rec.Code)
		}
		if rec := sv.page(director, "POST", "/admin/calendar/2026-10-12", url.Values{"working": {"1"}}); rec.Code != http.StatusForbidden {
			t.Errorf("POST without the CSRF token: %d", rec.Code)
		}
		if rec := sv.page(agent, "POST", "/admin/calendar/2026-10-12", url.Values{"csrf": {csrf}, "working": {"1"}}); rec.Code != http.StatusForbidden {
			t.Errorf("cs_agent POST: %d", rec.Code)
		}
		rec = sv.page(director, "POST", "/admin/calendar/2026-10-12/delete", url.Values{"csrf": {csrf}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("delete = %d %s", rec.Code, rec.Body.String())
		}
		cal := workday.NewCalendar(d)
		if day, err := cal.Day(ctx, date("2026-10-12")); err != nil || day.Overridden || !day.Working {
			t.Errorf("after delete: %+v %v", day, err)
		}
	})
}
