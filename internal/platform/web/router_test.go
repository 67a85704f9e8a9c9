package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/platform/errs"
)

// headerGate lets a request in when it names a user in X-User, and lets
// that user use the permissions listed in X-Perms. The real gate is
// auth.Service, tested with a database in internal/app.
type headerGate struct{}

func (headerGate) Authorize(r *http.Request, perm string) (*http.Request, error) {
	if r.Header.Get("X-User") == "" {
		return nil, errs.Unauthorized("请先登录")
	}
	if perm != "" && !strings.Contains(","+r.Header.Get("X-Perms")+",", ","+perm+",") {
		return r, errs.Forbidden("无权进行此操作")
	}
	return r, nil
}

func testRouter() *Router {
	rt := NewRouter(headerGate{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ok := func(w http.ResponseWriter, r *http.Request) error { _, err := w.Write([]byte("ok")); return err }
	rt.Handle("GET /houses", "archive.read", ok)
	rt.Handle("POST /houses", "archive.write", ok)
	rt.Handle("GET /api/v1/houses", "archive.read", ok)
	rt.Handle("POST /api/v1/houses", "archive.write", ok)
	rt.Handle("GET /login", "", ok)
	rt.Handle("POST /login", "", ok)
	rt.Handle("GET /api/v1/boom", "archive.read", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("pq: relation secret_table does not exist")
	})
	rt.Handle("GET /boom", "archive.read", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("pq: relation secret_table does not exist")
	})
	rt.Handle("GET /api/v1/houses/{id}", "archive.read", func(w http.ResponseWriter, r *http.Request) error {
		id, err := ID(r, "id")
		if err != nil {
			return err
		}
		return WriteJSON(w, http.StatusOK, map[string]int64{"id": id})
	})
	return rt
}

func serve(rt http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, req)
	return rec
}

func envelope(t *testing.T, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	var env struct{ Error map[string]string }
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error == nil {
		t.Fatalf("want JSON error envelope, got %d %q", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	return env.Error
}

func TestUnauthenticatedPageRedirectsToLoginWithNext(t *testing.T) {
	rec := serve(testRouter(), httptest.NewRequest("GET", "/houses?status=出租&page=2", nil))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303", rec.Code)
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || loc.Path != "/login" {
		t.Fatalf("Location = %q, want /login?next=…", rec.Header().Get("Location"))
	}
	if next := loc.Query().Get("next"); next != "/houses?status=%E5%87%BA%E7%A7%9F&page=2" && next != "/houses?status=出租&page=2" {
		t.Errorf("next = %q, want the requested page", next)
	}
}

func TestUnauthenticatedAPIGets401JSON(t *testing.T) {
	rec := serve(testRouter(), httptest.NewRequest("GET", "/api/v1/houses", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", rec.Code)
	}
	if e := envelope(t, rec); e["code"] != "unauthorized" || e["message"] == "" {
		t.Errorf("error = %v", e)
	}
	if rec.Header().Get("Location") != "" {
		t.Errorf("API must not redirect")
	}
}

func TestMissingPermissionIs403(t *testing.T) {
	req := httptest.NewRequest("POST", "/api/v1/houses", strings.NewReader("{}"))
	req.Header.Set("X-User", "agent")
	req.Header.Set("X-Perms", "archive.read")
	rec := serve(testRouter(), req)
	if rec.Code != http.StatusForbidden || envelope(t, rec)["code"] != "forbidden" {
		t.Fatalf("got %d %s, want 403 forbidden", rec.Code, rec.Body)
	}
	// A page says it in an HTML page, not JSON.
	req = httptest.NewRequest("GET", "/houses", nil)
	req.Header.Set("X-User", "agent")
	rec = serve(testRouter(), req)
	if rec.Code != http.StatusForbidden || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("page: got %d %q, want 403 HTML", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestPublicRoutesNeedNoLogin(t *testing.T) {
	rec := serve(testRouter(), httptest.NewRequest("GET", "/login", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /login = %d", rec.Code)
	}
}

func TestFormPostNeedsCSRFToken(t *testing.T) {
	rt := testRouter()
	const tok = "0123456789abcdef0123456789abcdef"
	post := func(cookie, field, header string) int {
		body := url.Values{}
		if field != "" {
			body.Set("csrf", field)
		}
		req := httptest.NewRequest("POST", "/houses", strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-User", "agent")
		req.Header.Set("X-Perms", "archive.write")
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: csrfCookie, Value: cookie})
		}
		if header != "" {
			req.Header.Set("X-CSRF-Token", header)
		}
		return serve(rt, req).Code
	}
	tests := []struct {
		name                  string
		cookie, field, header string
		want                  int
	}{
		{"no cookie, no token", "", "", "", 403},
		{"cookie, no token", tok, "", "", 403},
		{"token without cookie", "", tok, "", 403},
		{"wrong token", tok, tok[:31] + "x", "", 403},
		{"matching form field", tok, tok, "", 200},
		{"matching htmx header", tok, "", tok, 200},
	}
	for _, tt := range tests {
		if got := post(tt.cookie, tt.field, tt.header); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	// The login form is public but still needs the token.
	req := httptest.NewRequest("POST", "/login", strings.NewReader("login=a&password=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := serve(rt, req); rec.Code != http.StatusForbidden {
		t.Errorf("POST /login without token = %d, want 403", rec.Code)
	}
	// Bearer API calls carry no cookie and need no token.
	req = httptest.NewRequest("POST", "/api/v1/houses", strings.NewReader("{}"))
	req.Header.Set("X-User", "script")
	req.Header.Set("X-Perms", "archive.write")
	if rec := serve(rt, req); rec.Code != http.StatusOK {
		t.Errorf("API POST = %d, want 200", rec.Code)
	}
}

func TestCSRFTokenIssuesHttpOnlyCookieOnce(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/login", nil)
	tok := CSRFToken(rec, req)
	if len(tok) < 32 {
		t.Fatalf("token %q too short", tok)
	}
	if again := CSRFToken(rec, req); again != tok {
		t.Errorf("second call in the same request gave another token")
	}
	cs := rec.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != csrfCookie || cs[0].Value != tok || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookies = %+v", cs)
	}
	// A request that already has the cookie keeps it.
	req2 := httptest.NewRequest("GET", "/login", nil)
	req2.AddCookie(cs[0])
	rec2 := httptest.NewRecorder()
	if got := CSRFToken(rec2, req2); got != tok || len(rec2.Result().Cookies()) != 0 {
		t.Errorf("existing cookie: got %q and %d new cookies", got, len(rec2.Result().Cookies()))
	}
}

func TestInternalErrorsAreGeneric500(t *testing.T) {
	for _, path := range []string{"/api/v1/boom", "/boom"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("X-User", "u")
		req.Header.Set("X-Perms", "archive.read")
		rec := serve(testRouter(), req)
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", path, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "secret_table") {
			t.Errorf("%s: the database error leaked to the client: %s", path, rec.Body)
		}
	}
}

func TestBadPathIDIsNotFound(t *testing.T) {
	for _, id := range []string{"abc", "0", "-1", "99999999999999999999"} {
		req := httptest.NewRequest("GET", "/api/v1/houses/"+id, nil)
		req.Header.Set("X-User", "u")
		req.Header.Set("X-Perms", "archive.read")
		if rec := serve(testRouter(), req); rec.Code != http.StatusNotFound {
			t.Errorf("id %q: status %d, want 404", id, rec.Code)
		}
	}
}

func TestStatusOf(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{errs.Invalid("name", "x"), 422},
		{errs.NotFound("x"), 404},
		{errs.Conflict("number", "x"), 409},
		{errs.Forbidden("x"), 403},
		{errs.Unauthorized("x"), 401},
		{errs.TooMany("x"), 429},
		{fmt.Errorf("wrapped: %w", errs.Conflict("", "x")), 409},
		{errors.New("disk on fire"), 500},
	}
	for _, tt := range tests {
		if got := StatusOf(tt.err); got != tt.want {
			t.Errorf("StatusOf(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	type house struct {
		UnitID    int64  `json:"unit_id"`
		GrossArea Text   `json:"gross_area"`
		Number    string `json:"number"`
	}
	decode := func(body string) (house, error) {
		var h house
		err := DecodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(body)), &h)
		return h, err
	}
	h, err := decode(`{"unit_id": 7, "gross_area": 89.5, "number": "1201"}`)
	if err != nil || h.UnitID != 7 || h.GrossArea != "89.5" || h.Number != "1201" {
		t.Errorf("number area: %+v, %v", h, err)
	}
	if h, err = decode(`{"gross_area": "89.50"}`); err != nil || h.GrossArea != "89.50" {
		t.Errorf("string area: %+v, %v", h, err)
	}
	if h, err = decode(`{"gross_area": null}`); err != nil || h.GrossArea != "" {
		t.Errorf("null area: %+v, %v", h, err)
	}
	bad := []struct{ body, field string }{
		{``, ""},
		{`{"unit_id": 7`, ""},
		{`not json`, ""},
		{`{"unit_id": "seven"}`, "unit_id"},
		{`{"unit_id": 1.5}`, "unit_id"},
		{`[1,2]`, ""},
		{`"x"`, ""},
		{`{"number": {}}`, "number"},
		{`{"number": "` + strings.Repeat("x", 1<<20+10) + `"}`, ""},
	}
	for _, b := range bad {
		_, err := decode(b.body)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.CodeInvalid || e.Field != b.field {
			short := b.body
			if len(short) > 40 {
				short = short[:40]
			}
			t.Errorf("decode(%q) = %v, want invalid on field %q", short, err, b.field)
		}
	}
}

func TestPagingOf(t *testing.T) {
	tests := []struct {
		q             string
		page, perPage int
	}{
		{"", 1, 50},
		{"page=3&per_page=20", 3, 20},
		{"per_page=100000", 1, 500},
		{"page=-1&per_page=0", 1, 50},
		{"page=abc&per_page=x", 1, 50},
	}
	for _, tt := range tests {
		p := PagingOf(httptest.NewRequest("GET", "/?"+tt.q, nil))
		if p.Page != tt.page || p.PerPage != tt.perPage {
			t.Errorf("%q: got %+v", tt.q, p)
		}
	}
	if off := (Paging{Page: 3, PerPage: 20}).Offset(); off != 40 {
		t.Errorf("Offset = %d", off)
	}
}

func TestQueryID(t *testing.T) {
	r := httptest.NewRequest("GET", "/?community_id=12&bad=x&neg=-3", nil)
	if v, err := QueryID(r, "community_id"); v != 12 || err != nil {
		t.Errorf("community_id: %d %v", v, err)
	}
	if v, err := QueryID(r, "missing"); v != 0 || err != nil {
		t.Errorf("missing: %d %v", v, err)
	}
	for _, name := range []string{"bad", "neg"} {
		if _, err := QueryID(r, name); errs.CodeOf(err) != errs.CodeInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		} else if e, _ := errs.As(err); e.Field != name {
			t.Errorf("%s: field %q", name, e.Field)
		}
	}
}

func TestRoutesAreListedWithTheirPermission(t *testing.T) {
	rs := testRouter().Routes()
	perms := map[string]string{}
	for i, r := range rs {
		perms[r.Method+" "+r.Path] = r.Perm
		if i > 0 && rs[i-1].Path > r.Path {
			t.Errorf("routes not sorted: %s before %s", rs[i-1].Path, r.Path)
		}
	}
	if perms["POST /api/v1/houses"] != "archive.write" || perms["GET /login"] != "" || len(rs) != 9 {
		t.Errorf("routes = %v", perms)
	}
}

func TestTextPostgreSQLCannotStoreIsRefused(t *testing.T) {
	rt := testRouter()
	for _, q := range []string{"q=%00", "q=a%FFb", "%FF=1"} {
		req := httptest.NewRequest("GET", "/api/v1/houses?"+q, nil)
		req.Header.Set("X-User", "u")
		req.Header.Set("X-Perms", "archive.read")
		if rec := serve(rt, req); rec.Code != 422 || envelope(t, rec)["code"] != "invalid" {
			t.Errorf("query %s: %d %s", q, rec.Code, rec.Body)
		}
	}
	const tok = "0123456789abcdef0123456789abcdef"
	req := httptest.NewRequest("POST", "/houses", strings.NewReader("csrf="+tok+"&name=a%00b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-User", "u")
	req.Header.Set("X-Perms", "archive.write")
	req.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
	if rec := serve(rt, req); rec.Code != 422 {
		t.Errorf("form with NUL: %d", rec.Code)
	}
	var v struct{ Name string }
	err := DecodeJSON(httptest.NewRequest("POST", "/", strings.NewReader(`{"name":"a\u0000b"}`)), &v)
	if errs.CodeOf(err) != errs.CodeInvalid {
		t.Errorf("JSON with NUL: %v %q", err, v.Name)
	}
	// Plain Chinese text passes.
	req = httptest.NewRequest("GET", "/api/v1/houses?q="+url.QueryEscape("张三 3-2-1201"), nil)
	req.Header.Set("X-User", "u")
	req.Header.Set("X-Perms", "archive.read")
	if rec := serve(rt, req); rec.Code != 200 {
		t.Errorf("Chinese query: %d", rec.Code)
	}
}

func TestMultipartFormKeepsItsFields(t *testing.T) {
	rt := testRouter()
	const tok = "0123456789abcdef0123456789abcdef"
	post := func(name string) int {
		var buf strings.Builder
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", tok)
		mw.WriteField("name", name)
		fw, _ := mw.CreateFormFile("file", "房屋.xlsx")
		fw.Write([]byte("PK\x03\x04 not really a workbook"))
		mw.Close()
		req := httptest.NewRequest("POST", "/houses", strings.NewReader(buf.String()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("X-User", "u")
		req.Header.Set("X-Perms", "archive.write")
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
		return serve(rt, req).Code
	}
	if got := post("张三"); got != 200 {
		t.Errorf("upload form with its CSRF field: %d, want 200", got)
	}
	if got := post("a\x00b"); got != 422 {
		t.Errorf("upload form with a NUL: %d, want 422", got)
	}
}

// An API client that sends JSON with curl's default form Content-Type
// must still be understood.
func TestAPIBodyIsJSONWhateverTheContentType(t *testing.T) {
	rt := NewRouter(nil, nil)
	rt.Handle("POST /api/v1/echo", "", func(w http.ResponseWriter, r *http.Request) error {
		var in struct{ Login string }
		if err := DecodeJSON(r, &in); err != nil {
			return err
		}
		return WriteJSON(w, http.StatusOK, in)
	})
	req := httptest.NewRequest("POST", "/api/v1/echo", strings.NewReader(`{"login":"agent"}`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"Login":"agent"`) {
		t.Fatalf("form-typed JSON body: %d %s", rec.Code, rec.Body.String())
	}
}
