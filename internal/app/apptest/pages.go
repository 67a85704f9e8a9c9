package apptest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Helpers for tests that drive the staff console's pages as a browser
// does: a session cookie, forms with the CSRF field, redirects followed
// by hand with the flash cookie.

// Page GETs path in a browser session and fails unless the status is want.
func Page(t *testing.T, c *Client, path string, want int) string {
	t.Helper()
	r := c.Get(path)
	if r.Code != want {
		t.Fatalf("GET %s: %s, want %d", path, r, want)
	}
	return string(r.Body)
}

// Submit posts a form and fails unless the status is want.
func Submit(t *testing.T, c *Client, path string, form url.Values, want int) *Response {
	t.Helper()
	r := c.Post(path, form)
	if r.Code != want {
		t.Fatalf("POST %s %v: %s, want %d", path, form, r, want)
	}
	return r
}

// Follow GETs a redirect's Location with the flash cookie it set.
func Follow(t *testing.T, c *Client, r *Response) (string, string) {
	t.Helper()
	loc := r.Header.Get("Location")
	if loc == "" {
		t.Fatalf("no redirect in %s", r)
	}
	req := c.Request("GET", loc, nil)
	for _, ck := range r.Result.Cookies() {
		if ck.Name == "wuye_flash" {
			req.AddCookie(ck)
		}
	}
	got := c.Send(req)
	if got.Code != http.StatusOK {
		t.Fatalf("GET %s: %s", loc, got)
	}
	return loc, string(got.Body)
}

// Has fails unless body contains every one of want.
func Has(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: no %q in the page", what, w)
		}
	}
}

// HasNot fails if body contains any of bad.
func HasNot(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(body, w) {
			t.Errorf("%s: unexpected %q in the page", what, w)
		}
	}
}
