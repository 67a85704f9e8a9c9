package browser_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wuye/internal/platform/browser"
)

const page = `<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">
<style>@media print { .screen-only { display: none } }</style></head>
<body><p id="t" class="screen-only">你好</p><script>window.inlineRan = true</script>
<form action="/in" method="post"><input name="login"><input name="password" type="password"><button type="submit">登录</button></form></body></html>`

// TestBrowserHarness checks the harness itself on a tiny page: the
// viewport sizes, the console collector (a CSP violation), print media
// and screenshots.
func TestBrowserHarness(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "script-src 'self'; style-src 'unsafe-inline'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	defer srv.Close()
	ctx := browser.Start(t)
	browser.Do(t, ctx, chromedp.Navigate(srv.URL))
	if got := browser.Text(t, ctx, "#t"); got != "你好" {
		t.Errorf("text = %q", got)
	}
	if w := browser.Eval[int](t, ctx, `window.innerWidth`); w != browser.Width {
		t.Errorf("innerWidth = %d, want %d", w, browser.Width)
	}
	if ran := browser.Eval[bool](t, ctx, `window.inlineRan === true`); ran {
		t.Error("the CSP let an inline script run")
	}
	probs := browser.Problems(ctx)
	if len(probs) != 1 || !strings.Contains(probs[0], "Content Security Policy") {
		t.Errorf("problems = %q, want one CSP violation", probs)
	}
	browser.NoHorizontalScroll(t, ctx)

	if err := browser.Media(ctx, "print"); err != nil {
		t.Fatal(err)
	}
	if d := browser.Eval[string](t, ctx, `getComputedStyle(document.getElementById("t")).display`); d != "none" {
		t.Errorf("print media: display = %q, want none", d)
	}
	if err := browser.Media(ctx, ""); err != nil {
		t.Fatal(err)
	}

	if err := browser.Phone(ctx); err != nil {
		t.Fatal(err)
	}
	if w := browser.Eval[int](t, ctx, `window.innerWidth`); w != browser.PhoneWidth {
		t.Errorf("phone innerWidth = %d, want %d", w, browser.PhoneWidth)
	}
	if err := browser.Desktop(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.png")
	if err := browser.Screenshot(ctx, path); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("screenshot is not a PNG (%v)", err)
	}

	other := browser.NewSession(t, ctx)
	browser.Do(t, other, chromedp.Navigate(srv.URL))
	if w := browser.Eval[int](t, other, `window.innerWidth`); w != browser.Width {
		t.Errorf("new session innerWidth = %d, want %d", w, browser.Width)
	}
}
