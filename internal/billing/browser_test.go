package billing_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// acceptDialogs accepts every confirm() of ctx's tab (the data-confirm
// of irreversible forms) and returns the messages seen so far.
func acceptDialogs(ctx context.Context) func() []string {
	var mu sync.Mutex
	var seen []string
	go func() {
		for ev, err := range chromedp.Events(ctx, cdppage.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			mu.Lock()
			seen = append(seen, ev.Message)
			mu.Unlock()
			go chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// TestBrowserDeskReceiptVoid drives the cashier desk in Chromium: the
// cashier finds a house by its code, unticks this month's bills (the
// selection's total and the amount follow by htmx), pays last month's
// two bills and lands on the receipt with the total in figures and in
// words, which prints without the navigation; the manager voids it with
// a reason after the confirmation, the receipt shows 作废 and the bills
// are owed again — with no console error or CSP violation on the way.
func TestBrowserDeskReceiptVoid(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, dbtest.DSN(t, db.SQLite))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := app.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	a := apptest.NewApp(t, d)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	const pw = "Cuihu2026"
	admin, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "admin", Name: "系统管理员", Role: auth.RoleAdmin}, pw)
	must(err)
	s := a.Archive
	c, err := s.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "翠湖花园", Address: "翠湖路88号", Type: "住宅", Phone: "0571-88886666"})
	must(err)
	b, err := s.CreateBuilding(ctx, admin, archive.BuildingInput{CommunityID: c.ID, Name: "3", Floors: 18})
	must(err)
	u, err := s.CreateUnit(ctx, admin, archive.UnitInput{BuildingID: b.ID, Name: "2"})
	must(err)
	var houses []*archive.House
	for i, n := range []string{"1201", "1202", "1203"} {
		h, err := s.CreateHouse(ctx, admin, archive.HouseInput{UnitID: u.ID, Number: n, Floor: 12, GrossArea: "89.50", Use: "住宅", Status: "自住"})
		must(err)
		o, err := s.CreateOwner(ctx, admin, archive.OwnerInput{CommunityID: c.ID, Name: []string{"欧阳修远", "司马光", "诸葛亮"}[i],
			Phone: fmt.Sprintf("1380013800%d", i), Category: "普通"})
		must(err)
		_, err = s.AddHouseOwner(ctx, admin, h.ID, archive.ShareInput{OwnerID: o.ID, Share: "100"})
		must(err)
		houses = append(houses, h)
	}
	bs := a.Billing
	area, err := bs.CreateFeeItem(ctx, admin, billing.FeeItemInput{CommunityID: c.ID, Name: "物业服务费", Kind: "area", UnitPrice: "2.35",
		EffectiveFrom: "2020-01", AppliesTo: billing.AppliesTo{Uses: []string{"住宅"}}})
	must(err)
	_, err = bs.CreateFeeItem(ctx, admin, billing.FeeItemInput{CommunityID: c.ID, Name: "垃圾清运费", Kind: "fixed", UnitPrice: "15", EffectiveFrom: "2020-01"})
	must(err)
	now := time.Now()
	last := billing.PeriodOf(time.Date(now.Year(), now.Month()-1, 1, 12, 0, 0, 0, time.UTC))
	this := billing.PeriodOf(now)
	runIn(t, bs, admin, c.ID, last) // issued early last month, as a run is
	_, err = bs.Run(ctx, admin, billing.RunInput{CommunityID: c.ID, Period: this})
	must(err)
	for login, role := range map[string]auth.Role{"cashier": auth.RoleCashier, "manager": auth.RoleCSManager} {
		_, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: login, Name: map[string]string{"cashier": "钱收费", "manager": "李经理"}[login],
			Role: role, Communities: []int64{c.ID}}, pw)
		must(err)
	}

	cashier := browser.Start(t)
	must(browser.Login(cashier, srv.URL, "cashier", pw))
	browser.Do(t, cashier, chromedp.Navigate(srv.URL+"/billing/desk"), browser.Fill(`#desk-search input[name=q]`, "3-2-1201"),
		browser.ClickNav(`#desk-search button`))
	if got := browser.Text(t, cashier, "#owners"); !strings.Contains(got, "欧阳修远") {
		t.Fatalf("the desk shows owners %q", got)
	}
	if n := browser.Eval[int](t, cashier, `document.querySelectorAll("#unpaid input[name=bill_ids]:checked").length`); n != 4 {
		t.Fatalf("%d bills ticked, want all 4", n)
	}
	// Untick this month's two bills; htmx redraws the total and the
	// amount, and keeps the method chosen.
	browser.Do(t, cashier, chromedp.SetValue(`#pay-form select[name=method]`, "wechat"))
	for i, want := range []string{"3", "2"} {
		row := 3 + i // oldest first: last month's two, then this month's
		browser.Do(t, cashier, chromedp.Click(fmt.Sprintf(`#unpaid tbody tr:nth-child(%d) input[type=checkbox]`, row)),
			chromedp.Poll[chromedp.Void](`document.querySelector("#sel-count").innerText === "`+want+`"`))
	}
	browser.Do(t, cashier, chromedp.Poll[chromedp.Void](`document.querySelector("#pay-summary input[name=amount]").value === "225.33"`))
	if got := browser.Text(t, cashier, "#sel-total"); got != "¥225.33" {
		t.Errorf("selection total %q", got)
	}
	browser.DocShot(t, cashier, "billing-desk.png")
	if m := browser.Eval[string](t, cashier, `document.querySelector("#pay-form select[name=method]").value`); m != "wechat" {
		t.Errorf("method after the redraw: %q", m)
	}
	browser.Do(t, cashier, browser.Fill(`#pay-form input[name=reference]`, "4200001234202611"), browser.ClickNav(`#pay-button`))
	receiptURL := browser.Eval[string](t, cashier, `location.pathname`)
	if f := browser.Text(t, cashier, "main .flash"); !strings.HasPrefix(f, "已收款 ¥225.33，收据号 SJ") {
		t.Errorf("flash after paying: %q", f)
	}
	if got := browser.Text(t, cashier, "#amount"); got != "¥225.33" {
		t.Errorf("receipt total %q", got)
	}
	if got := browser.Text(t, cashier, "#amount-words"); got != "贰佰贰拾伍元叁角叁分" {
		t.Errorf("receipt 大写金额 %q", got)
	}
	if got := browser.Text(t, cashier, "#lines"); !strings.Contains(got, last) || strings.Contains(got, this) {
		t.Errorf("receipt lines %q: want %s only", got, last)
	}
	browser.DocShot(t, cashier, "billing-receipt.png")
	must(browser.Media(cashier, "print"))
	for _, sel := range []string{"#nav", "header.topbar", ".toolbar"} {
		if v := browser.Eval[string](t, cashier, `getComputedStyle(document.querySelector("`+sel+`")).display`); v != "none" {
			t.Errorf("print: %s is shown (%s)", sel, v)
		}
	}
	if v := browser.Eval[string](t, cashier, `getComputedStyle(document.querySelector("#receipt")).display`); v == "none" {
		t.Errorf("print: the receipt is hidden")
	}
	must(browser.Media(cashier, ""))
	browser.NoProblems(t, cashier)

	manager := browser.NewSession(t, cashier)
	must(browser.Login(manager, srv.URL, "manager", pw))
	dialogs := acceptDialogs(manager)
	browser.Do(t, manager, chromedp.Navigate(srv.URL+receiptURL), browser.Fill(`#void input[name=reason]`, "业主要求改为银行转账"),
		browser.Fill(`#void input[name=current_password]`, pw), browser.ClickNav(`#void button`))
	if ds := dialogs(); len(ds) != 1 || !strings.Contains(ds[0], "确定作废收据 SJ") {
		t.Errorf("confirmations: %q", ds)
	}
	if got := browser.Text(t, manager, "#void-stamp"); got != "作废" {
		t.Errorf("stamp %q", got)
	}
	if got := browser.Text(t, manager, "#void-note"); !strings.Contains(got, "业主要求改为银行转账") {
		t.Errorf("void note %q", got)
	}
	browser.Do(t, manager, chromedp.Navigate(fmt.Sprintf("%s/billing/desk?house_id=%d", srv.URL, houses[0].ID)))
	if got := browser.Text(t, manager, "#owed"); !strings.Contains(got, "¥450.66") || !strings.Contains(got, "4 笔") {
		t.Errorf("owed after the void: %q", got)
	}
	browser.Do(t, manager, chromedp.Navigate(srv.URL+"/billing/arrears"), chromedp.WaitVisible(`#arrears`))
	if got := browser.Text(t, manager, "#arrears"); !strings.Contains(got, "3-2-1203") || !strings.Contains(got, "诸葛亮") {
		t.Errorf("arrears %q", got)
	}
	browser.DocShot(t, manager, "billing-arrears.png")
	shot(t, manager, "billing-arrears.png")

	// The other pages load without a console error or CSP violation.
	for _, p := range []struct{ path, sel, want string }{
		{receiptURL, "#receipt", "作废"},
		{fmt.Sprintf("/billing/dunning/notices?community_id=%d&months=1", c.ID), "#notices", "肆佰伍拾元陆角陆分"},
		{fmt.Sprintf("/billing/reports?community_id=%d", c.ID), "#cash", "当日作废 1 张"},
		{fmt.Sprintf("/billing/statement?community_id=%d", c.ID), "#statement", "收支情况公示"},
		{"/billing/items", "#items", "用途：住宅"},
		{"/billing/runs", "#runs", this},
		{"/billing/readings", "#readings", "没有读数"},
		{"/billing/dunning", "#queue", "待跟进"},
		{"/billing/payments", "#payments", "作废"},
	} {
		browser.Do(t, manager, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(p.sel))
		if got := browser.Text(t, manager, p.sel); !strings.Contains(got, p.want) {
			t.Errorf("%s: no %q in %s", p.path, p.want, p.sel)
		}
		name := strings.NewReplacer("/", "-", "?", "-").Replace(strings.TrimPrefix(strings.SplitN(p.path, "&", 2)[0], "/")) + ".png"
		shot(t, manager, name)
		if strings.Contains(p.path, "notices") || strings.Contains(p.path, "statement") || strings.Contains(p.path, "payments/") {
			must(browser.Media(manager, "print"))
			shot(t, manager, "print-"+name)
			if strings.Contains(p.path, "notices") {
				// One A4 sheet per house: a page break after each notice but the last.
				if v := browser.Eval[string](t, manager, `[...document.querySelectorAll(".notice")].map(n => getComputedStyle(n).breakAfter).join(",")`); v != "page,page,auto" {
					t.Errorf("notices' page breaks: %s", v)
				}
			}
			must(browser.Media(manager, ""))
		}
		browser.NoProblems(t, manager)
	}
	publishInBrowser(t, manager, a, srv.URL, c)
	lateFeeInBrowser(t, cashier, bs, admin, area, c.ID, srv.URL+fmt.Sprintf("/billing/desk?house_id=%d", houses[1].ID), last)
}

// shot saves a screenshot into $WUYE_BILLING_SHOTS, for a look at the
// pages.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if dir := os.Getenv("WUYE_BILLING_SHOTS"); dir != "" {
		if err := browser.Screenshot(ctx, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}
