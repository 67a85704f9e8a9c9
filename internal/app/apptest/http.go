package apptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/platform/auth"
)

// CSRFCookie is the double-submit cookie's name (see web/csrf.go).
const CSRFCookie = "wuye_csrf"

// Response is a recorded response.
type Response struct {
	Code   int
	Header http.Header
	Body   []byte
	Result *http.Response
}

func (r *Response) String() string {
	b := string(r.Body)
	if len(b) > 600 {
		b = b[:600] + "…"
	}
	return fmt.Sprintf("%d %s", r.Code, b)
}

// JSON decodes the body into v, failing t if it is not JSON.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r)
	}
}

// Map decodes a JSON object body.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// APIError is the {"error":{…}} envelope of API.md.
type APIError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// Error decodes the error envelope, failing t if there is none.
func (r *Response) Error(t testing.TB) APIError {
	t.Helper()
	var env struct {
		Error *APIError `json:"error"`
	}
	r.JSON(t, &env)
	if env.Error == nil {
		t.Fatalf("no error envelope in %s", r)
	}
	return *env.Error
}

// Cookie returns the named cookie the response sets, or nil.
func (r *Response) Cookie(name string) *http.Cookie {
	for _, c := range r.Result.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Client is one caller: an API token, a browser session, or nobody.
type Client struct {
	f       *Fixture
	Token   string // Authorization: Bearer
	Session string // wuye_session cookie
	CSRF    string // wuye_csrf cookie, also sent as the form's csrf field
	IP      string
}

// Anon is a caller with no credentials.
func (f *Fixture) Anon() *Client { return &Client{f: f, IP: f.IP} }

// API is an API client of the role's fixture user (token cached).
func (f *Fixture) API(role auth.Role) *Client {
	f.T.Helper()
	if tok, ok := f.tokens[role]; ok {
		return &Client{f: f, Token: tok, IP: f.IP}
	}
	c := f.APIAs(f.Users[role].Login)
	f.tokens[role] = c.Token
	return c
}

// APIAs logs in with POST /api/v1/login and returns a fresh API client.
func (f *Fixture) APIAs(login string) *Client {
	f.T.Helper()
	r := f.Anon().Do("POST", "/api/v1/login", map[string]string{"login": login, "password": Password})
	if r.Code != http.StatusOK {
		f.T.Fatalf("API login %s: %s", login, r)
	}
	var out struct{ Token string }
	r.JSON(f.T, &out)
	if out.Token == "" {
		f.T.Fatalf("API login %s: no token in %s", login, r)
	}
	return &Client{f: f, Token: out.Token, IP: f.IP}
}

// Browser is a fresh browser session of the role's fixture user.
func (f *Fixture) Browser(role auth.Role) *Client { return f.BrowserAs(f.Users[role].Login) }

// BrowserAs signs in through the login form: GET /login for the CSRF
// cookie, then POST /login with it.
func (f *Fixture) BrowserAs(login string) *Client {
	f.T.Helper()
	c := f.Anon()
	r := c.Do("GET", "/login", nil)
	ck := r.Cookie(CSRFCookie)
	if r.Code != http.StatusOK || ck == nil {
		f.T.Fatalf("GET /login: no CSRF cookie: %s", r)
	}
	c.CSRF = ck.Value
	r = c.Do("POST", "/login", url.Values{"login": {login}, "password": {Password}})
	sc := r.Cookie(auth.SessionCookie)
	if r.Code != http.StatusSeeOther || sc == nil || sc.Value == "" {
		f.T.Fatalf("POST /login %s: %s", login, r)
	}
	c.Session = sc.Value
	return c
}

// Request builds a request carrying the client's credentials. body may
// be nil, a string or []byte (sent as is, JSON content type), url.Values
// (a form; the CSRF field is added unless present) or anything else
// (encoded as JSON).
func (c *Client) Request(method, path string, body any) *http.Request {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	case url.Values:
		v := url.Values{}
		for k, vs := range b {
			v[k] = vs
		}
		if _, ok := v["csrf"]; !ok && c.CSRF != "" {
			v.Set("csrf", c.CSRF)
		}
		rd, ctype = strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			panic(err)
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req := httptest.NewRequest(method, path, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Session != "" {
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: c.Session})
	}
	if c.CSRF != "" {
		req.AddCookie(&http.Cookie{Name: CSRFCookie, Value: c.CSRF})
	}
	req.RemoteAddr = c.IP + ":40000"
	return req
}

// Send serves req and records the response.
func (c *Client) Send(req *http.Request) *Response {
	rec := httptest.NewRecorder()
	c.f.Handler.ServeHTTP(rec, req)
	res := rec.Result()
	return &Response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes(), Result: res}
}

// Do sends one request (see Request for body).
func (c *Client) Do(method, path string, body any) *Response {
	return c.Send(c.Request(method, path, body))
}

// Get is Do("GET", path, nil).
func (c *Client) Get(path string) *Response { return c.Do("GET", path, nil) }

// Post is Do("POST", path, body).
func (c *Client) Post(path string, body any) *Response { return c.Do("POST", path, body) }
