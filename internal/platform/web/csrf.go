package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"

	"wuye/internal/platform/errs"
)

// CSRF protection is a double-submit token: an HttpOnly cookie holds a
// random value and every form (and every htmx request, as a header)
// carries the same value, which a foreign site cannot read. Bearer-token
// API calls carry no cookie and need no token.

const csrfCookie = "wuye_csrf"

// CSRFToken returns the request's token, issuing the cookie if absent.
func CSRFToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	if v, ok := r.Context().Value(csrfKey{}).(string); ok {
		return v
	}
	b := make([]byte, 24)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	*r = *r.WithContext(withCSRF(r.Context(), tok))
	return tok
}

// CheckCSRF rejects a state-changing form post without a matching token.
func CheckCSRF(r *http.Request) error {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return errs.Forbidden("页面已过期，请刷新后重试")
	}
	sent := r.Header.Get("X-CSRF-Token")
	if sent == "" {
		sent = r.FormValue("csrf")
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(c.Value)) != 1 {
		return errs.Forbidden("页面已过期，请刷新后重试")
	}
	return nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// Flash messages travel in a short-lived cookie, not the URL, so nobody
// can send a link that shows an arbitrary message in the page.
const flashCookie = "wuye_flash"

// Redirect answers a form post with 303 to path and a flash message for
// the next page.
func Redirect(w http.ResponseWriter, r *http.Request, path, flash string) {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(flash), Path: "/", MaxAge: 60,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// takeFlash reads and clears the flash cookie.
func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	return v
}
