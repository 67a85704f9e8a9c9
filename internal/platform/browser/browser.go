// Package browser drives a real headless Chromium for the browser tests:
// it starts Debian's /usr/bin/chromium with a fixed set of flags and a
// fresh profile, signs in through the login form, emulates a phone or
// print media, collects the page's console errors (script exceptions,
// CSP violations, failed loads) and saves screenshots. It is a helper for
// tests only; nothing in the binary imports it.
//
// Every helper that takes a testing.TB fails the test with the current URL
// and the start of the page's text when a step fails or times out, so a
// missing element does not hang the test until its deadline.
package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Chromium is the browser binary; `make chromium` (part of `make test`)
// installs it.
const Chromium = "/usr/bin/chromium"

// Desktop size of the window, and the phone viewport of [Phone].
const (
	Width       = 1366
	Height      = 768
	PhoneWidth  = 390
	PhoneHeight = 844
)

// StepTimeout bounds one call of [Do], [Run] and the helpers built on them.
var StepTimeout = 10 * time.Second

// TestTimeout bounds everything a context from [Start] does.
var TestTimeout = 90 * time.Second

// Start launches a headless Chromium with a fresh profile in t.TempDir()
// and returns a context of its first tab, sized 1366×768. The browser is
// closed when the test ends. It fails the test if Chromium is missing.
func Start(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(Chromium); err != nil {
		t.Fatalf("browser tests need %s (install it with `make chromium`, which `make test` runs): %v", Chromium, err)
	}
	dir := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(Width, Height),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	// Registered after t.TempDir, so it runs before the profile is
	// removed: close the browser gracefully, then wait for the process.
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(bctx, 5*time.Second)
		defer cancel()
		chromedp.Cancel(cctx)
		bcancel()
		acancel()
	})
	// The first Do starts the browser; its context must have no deadline,
	// since the browser lives as long as it.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", Chromium, err)
	}
	// Headless Chromium keeps room for window decorations, so the page
	// would get 1366×625; make the viewport the whole 1366×768.
	out := session(t, bctx)
	Do(t, out, chromedp.EmulateViewport(Width, Height))
	return out
}

// NewSession opens a tab in a new browser context of ctx's browser: a
// separate cookie jar, as in a private window, so another user can sign
// in while ctx's session stays. Its viewport is 1366×768.
func NewSession(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	nctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(nctx); err != nil {
		t.Fatalf("open a new browser session: %v", err)
	}
	out := session(t, nctx)
	Do(t, out, chromedp.EmulateViewport(Width, Height))
	return out
}

// session subscribes to the tab's console and bounds its life.
func session(t testing.TB, ctx context.Context) context.Context {
	col := &collector{view: viewport{Width, Height, false}}
	ctx = context.WithValue(ctx, collectorKey{}, col)
	ctx, cancel := context.WithTimeout(ctx, TestTimeout)
	t.Cleanup(cancel)
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			col.add(m)
		}
	}()
	return ctx
}

type collectorKey struct{}

// collector keeps the console errors of one tab, and its viewport.
type collector struct {
	mu   sync.Mutex
	msgs []string
	view viewport
}

// viewport is an emulated viewport: a desktop one, or a touch phone's.
type viewport struct {
	w, h  int64
	phone bool
}

func (v viewport) action(h int64) chromedp.Action[chromedp.Void] {
	if v.phone {
		return chromedp.EmulateViewport(v.w, h, chromedp.EmulatePortrait, chromedp.EmulateMobile,
			chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	return chromedp.EmulateViewport(v.w, h)
}

func tab(ctx context.Context) *collector {
	c, _ := ctx.Value(collectorKey{}).(*collector)
	if c == nil {
		c = &collector{view: viewport{Width, Height, false}}
	}
	return c
}

func (c *collector) add(m chromedp.ConsoleMessage) {
	if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
		return
	}
	s := m.String()
	if m.Source != "" {
		s = "[" + m.Source + "] " + s
	}
	if m.URL != "" {
		s += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
	}
	if strings.Contains(s, "/favicon.ico") {
		return // the browser's own request, not the page's
	}
	c.mu.Lock()
	c.msgs = append(c.msgs, s)
	c.mu.Unlock()
}

// Problems returns the console errors and uncaught exceptions of ctx's
// tab since the last call — script errors, CSP violations and failed
// resource loads (a 403 page shows up here too) — and forgets them. The
// console events arrive asynchronously, so it waits a moment first.
func Problems(ctx context.Context) []string {
	c := tab(ctx)
	time.Sleep(150 * time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.msgs
	c.msgs = nil
	return out
}

// NoProblems fails the test if the tab logged a console error, an
// uncaught exception or a CSP violation since the last check. Messages
// containing one of the allowed substrings are ignored.
func NoProblems(t testing.TB, ctx context.Context, allowed ...string) {
	t.Helper()
next:
	for _, p := range Problems(ctx) {
		for _, a := range allowed {
			if strings.Contains(p, a) {
				continue next
			}
		}
		t.Errorf("browser console: %s", p)
	}
}

// Do runs the steps in order, with a timeout of StepTimeout, and fails
// the test with the page's URL and text if one fails.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	Run(t, ctx, chromedp.Steps(steps...))
}

// Run runs one action with a timeout of StepTimeout and returns its value;
// it fails the test with the page's URL and text if the action fails.
func Run[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := Try(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v\n%s", err, Where(ctx))
	}
	return v
}

// Try runs one action with a timeout of StepTimeout and returns its value
// and error.
func Try[T any](ctx context.Context, a chromedp.Action[T]) (T, error) {
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("step timed out after %s (element missing or not visible?): %w", StepTimeout, err)
	}
	return v, err
}

// Where describes the tab's page for a failure message: its URL and the
// start of its visible text.
func Where(ctx context.Context) string {
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(qctx, chromedp.Location())
	text, _ := chromedp.Run(qctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if r := []rune(strings.Join(strings.Fields(text), " ")); len(r) > 400 {
		text = string(r[:400]) + "…"
	} else {
		text = string(r)
	}
	return fmt.Sprintf("page %s: %s", loc, text)
}

// Text returns the visible text of the first element matching the CSS
// selector, waiting for it to be visible.
func Text(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	return Run(t, ctx, chromedp.Text(chromedp.CSS(css)))
}

// Eval evaluates a JavaScript expression and returns its value.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	return Run(t, ctx, chromedp.Evaluate[T](expr))
}

// Fill replaces the value of the input matching the CSS selector with v,
// typed key by key as a user would. (chromedp.SetValue with "" fails in
// chromedp v0.23.0: the empty argument reaches the page as undefined.)
func Fill(css, v string) chromedp.Action[chromedp.Void] {
	sel, _ := json.Marshal(css)
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(css)),
		chromedp.Evaluate[chromedp.Void](`(e => { e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true})) })(document.querySelector(`+string(sel)+`))`),
		chromedp.SendKeys(chromedp.CSS(css), v),
	)
}

// ClickNav clicks the first element matching the CSS selector — a link
// or a form's submit button — and waits for the page it leads to to load,
// so that later queries cannot see the old page.
func ClickNav(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(css)))(ctx, t)
		return err
	})
}

// Login signs in through the login form at baseURL/login and waits for
// the signed-in layout (the top bar).
func Login(ctx context.Context, baseURL, login, password string) error {
	_, err := Try(ctx, chromedp.Steps(
		chromedp.Navigate(baseURL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		ClickNav(`form[action="/login"] button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`header.topbar`)),
	))
	if err != nil {
		return fmt.Errorf("sign in as %s: %w\n%s", login, err, Where(ctx))
	}
	return nil
}

// Phone emulates a 390×844 touch phone (at device scale 2) in ctx's tab;
// [Desktop] undoes it. Width-based media queries apply at once; reload
// for anything that depends on the user agent.
func Phone(ctx context.Context) error {
	return setViewport(ctx, viewport{PhoneWidth, PhoneHeight, true})
}

// Desktop puts ctx's tab back to a 1366×768 desktop viewport.
func Desktop(ctx context.Context) error {
	return setViewport(ctx, viewport{Width, Height, false})
}

// Viewport sets a desktop viewport of w×h CSS pixels in ctx's tab, for
// example an A4 sheet's 794×1123 for a print preview.
func Viewport(ctx context.Context, w, h int) error {
	return setViewport(ctx, viewport{int64(w), int64(h), false})
}

func setViewport(ctx context.Context, v viewport) error {
	if _, err := Try(ctx, v.action(v.h)); err != nil {
		return err
	}
	c := tab(ctx)
	c.mu.Lock()
	c.view = v
	c.mu.Unlock()
	return nil
}

// Media emulates a CSS media type in ctx's tab: "print" to apply the
// print style sheet on screen, "" to stop.
func Media(ctx context.Context, media string) error {
	_, err := Try(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	}))
	return err
}

// Screenshot saves a PNG of the whole page of ctx's tab to path,
// creating its directory. It makes the viewport as tall as the page for
// the capture (so fixed bars reach the bottom, as a user scrolling would
// see them) and then puts it back.
func Screenshot(ctx context.Context, path string) error {
	c := tab(ctx)
	c.mu.Lock()
	v := c.view
	c.mu.Unlock()
	h, err := Try(ctx, chromedp.Evaluate[int64](`Math.ceil(Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0))`))
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", path, err)
	}
	buf, err := Try(ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		if _, err := v.action(max(h, v.h))(ctx, t); err != nil {
			return nil, err
		}
		defer v.action(v.h)(ctx, t)
		return chromedp.CaptureScreenshot()(ctx, t)
	})
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}

// ShotsEnv is the environment variable that turns on [DocShot].
const ShotsEnv = "WUYE_SCREENSHOTS"

// Shots reports whether the tests should write the README screenshots.
func Shots() bool { return os.Getenv(ShotsEnv) == "1" }

// ShotsDirEnv is the environment variable naming a folder that gets a
// copy of every [DocShot] and [Look], to review pages after a change
// without touching docs/.
const ShotsDirEnv = "WUYE_SHOTS_DIR"

// Look saves a full-page screenshot as <name> (its base name) in the
// folder $WUYE_SHOTS_DIR, and does nothing when that is unset: for pages
// worth a look that are not in the README.
func Look(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(ShotsDirEnv)
	if dir == "" {
		return
	}
	if err := Screenshot(ctx, filepath.Join(dir, filepath.Base(name))); err != nil {
		t.Fatalf("%v\n%s", err, Where(ctx))
	}
}

// DocShot saves a full-page screenshot as docs/<name> at the module root
// when WUYE_SCREENSHOTS=1, and into $WUYE_SHOTS_DIR as [Look] does.
func DocShot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	Look(t, ctx, name)
	if !Shots() {
		return
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(root, "docs", name)
	if err := Screenshot(ctx, path); err != nil {
		t.Fatalf("%v\n%s", err, Where(ctx))
	}
	t.Logf("wrote %s", path)
}

// ModuleRoot is the nearest directory at or above the working directory
// that holds go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// NoHorizontalScroll fails the test if the page scrolls sideways: if
// document.documentElement.scrollWidth exceeds its clientWidth (the
// viewport less any vertical scroll bar, so never more than
// window.innerWidth). The message names the first element past the edge.
func NoHorizontalScroll(t testing.TB, ctx context.Context) {
	t.Helper()
	type widths struct {
		Scroll, Client, Inner int
		Culprit               string
	}
	m := Eval[widths](t, ctx, `(() => {
		const de = document.documentElement, w = de.clientWidth;
		let culprit = "";
		for (const el of document.querySelectorAll("body *")) {
			const r = el.getBoundingClientRect();
			if (r.right > w + 1 && r.width > 0) {
				culprit = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
					(typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "") +
					" (right edge at " + Math.round(r.right) + ")";
				break;
			}
		}
		return {Scroll: de.scrollWidth, Client: w, Inner: window.innerWidth, Culprit: culprit};
	})()`)
	if m.Scroll > m.Client {
		t.Errorf("horizontal scroll at window width %d: the page is %d px wide, %d px fit (first element past the edge: %s)\n%s",
			m.Inner, m.Scroll, m.Client, m.Culprit, Where(ctx))
	}
}
