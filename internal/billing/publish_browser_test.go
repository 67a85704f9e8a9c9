package billing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
	"wuye/internal/platform/web"
)

// publishInBrowser goes on from TestBrowserDeskReceiptVoid's browser
// (ctx) and site: the director of the site's community enters a spending, publishes
// the year's 收支公示 from the statement page after the confirmation, and
// the public link, opened in a fresh browser context with no login,
// shows the notice with the exact figures and no staff console, ready
// to print.
func publishInBrowser(t *testing.T, ctx context.Context, site *apptest.Site) {
	t.Helper()
	a, c, baseURL := site.App, site.Community, site.URL
	dir := site.User("director", "王主任", auth.RoleDirector)
	year := a.Billing.Now().In(web.Shanghai).Year()
	if _, err := a.Billing.SaveExpenditure(context.Background(), dir, 0, billing.ExpenditureInput{CommunityID: c.ID,
		SpentOn: fmt.Sprintf("%d-01-15", year), Category: "绿化养护", AmountFen: 123450}); err != nil {
		t.Fatal(err)
	}
	director := browser.NewSession(t, ctx)
	if err := browser.Login(director, baseURL, "director", apptest.SitePassword); err != nil {
		t.Fatal(err)
	}
	dialogs := browser.AcceptDialogs(director)
	browser.Do(t, director, chromedp.Navigate(fmt.Sprintf("%s/billing/statement?community_id=%d", baseURL, c.ID)),
		browser.ClickNav(`#publish button`))
	if ds := dialogs(); len(ds) != 1 || !strings.Contains(ds[0], "确定发布 "+c.Name) {
		t.Errorf("confirmations: %q", ds)
	}
	if f := browser.Text(t, director, "main .flash"); !strings.Contains(f, "第 1 版") {
		t.Errorf("flash after publishing: %q", f)
	}
	link := browser.Eval[string](t, director, `document.querySelector("#publication-list a.pub-url").href`)
	if got := browser.Text(t, director, "#public-link"); !strings.Contains(got, link) {
		t.Errorf("the printable notice shows %q, want the public link %s", got, link)
	}
	browser.Look(t, director, "statement-published.png")
	browser.NoProblems(t, director)

	owner := browser.NewSession(t, ctx)
	browser.Do(t, owner, chromedp.Navigate(link), chromedp.WaitVisible(`#published`))
	if got := browser.Text(t, owner, "#published"); !strings.Contains(got, c.Name) || !strings.Contains(got, "第 1 版") {
		t.Errorf("public page: %q", got)
	}
	if got := browser.Text(t, owner, "#spending-total"); got != "¥1,234.50" {
		t.Errorf("public spending total %q", got)
	}
	if n := browser.Eval[int](t, owner, `document.querySelectorAll("#nav, header.topbar, #superseded-banner, #withdrawn-banner").length`); n != 0 {
		t.Errorf("the public page shows %d staff or banner elements", n)
	}
	browser.Look(t, owner, "statement-public.png")
	if err := browser.Media(owner, "print"); err != nil {
		t.Fatal(err)
	}
	if v := browser.Eval[string](t, owner, `getComputedStyle(document.querySelector(".toolbar")).display`); v != "none" {
		t.Errorf("print: the toolbar is shown (%s)", v)
	}
	browser.NoProblems(t, owner)
}
