package billing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
)

// TestBrowserDeskReceiptVoid drives the cashier desk in Chromium: the
// cashier finds a house by its code, unticks this month's bills (the
// selection's total and the amount follow by htmx), pays last month's
// two bills and lands on the receipt with the total in figures and in
// words, which prints without the navigation; the manager voids it with
// a reason after the confirmation, the receipt shows 作废 and the bills
// are owed again — with no console error or CSP violation on the way.
func TestBrowserDeskReceiptVoid(t *testing.T) {
	ctx := context.Background()
	site := apptest.NewSite(t)
	a, admin, c, must := site.App, site.Admin, site.Community, site.Must
	const pw = apptest.SitePassword
	var houses []*archive.House
	for i, n := range []string{"1201", "1202", "1203"} {
		h := site.House(n, 12, "自住")
		site.Owner(h, []string{"欧阳修远", "司马光", "诸葛亮"}[i], fmt.Sprintf("1380013800%d", i))
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
	site.User("cashier", "钱收费", auth.RoleCashier)
	site.User("manager", "李经理", auth.RoleCSManager)

	cashier := browser.Start(t)
	must(browser.Login(cashier, site.URL, "cashier", pw))
	browser.Do(t, cashier, chromedp.Navigate(site.URL+"/billing/desk"), browser.Fill(`#desk-search input[name=q]`, "3-2-1201"),
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
	must(browser.Login(manager, site.URL, "manager", pw))
	dialogs := browser.AcceptDialogs(manager)
	browser.Do(t, manager, chromedp.Navigate(site.URL+receiptURL), browser.Fill(`#void input[name=reason]`, "业主要求改为银行转账"),
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
	browser.Do(t, manager, chromedp.Navigate(fmt.Sprintf("%s/billing/desk?house_id=%d", site.URL, houses[0].ID)))
	if got := browser.Text(t, manager, "#owed"); !strings.Contains(got, "¥450.66") || !strings.Contains(got, "4 笔") {
		t.Errorf("owed after the void: %q", got)
	}
	browser.Do(t, manager, chromedp.Navigate(site.URL+"/billing/arrears"), chromedp.WaitVisible(`#arrears`))
	if got := browser.Text(t, manager, "#arrears"); !strings.Contains(got, "3-2-1203") || !strings.Contains(got, "诸葛亮") {
		t.Errorf("arrears %q", got)
	}
	browser.DocShot(t, manager, "billing-arrears.png")

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
		browser.Do(t, manager, chromedp.Navigate(site.URL+p.path), chromedp.WaitVisible(p.sel))
		if got := browser.Text(t, manager, p.sel); !strings.Contains(got, p.want) {
			t.Errorf("%s: no %q in %s", p.path, p.want, p.sel)
		}
		name := strings.NewReplacer("/", "-", "?", "-").Replace(strings.TrimPrefix(strings.SplitN(p.path, "&", 2)[0], "/")) + ".png"
		browser.Look(t, manager, name)
		if strings.Contains(p.path, "notices") || strings.Contains(p.path, "statement") || strings.Contains(p.path, "payments/") {
			must(browser.Media(manager, "print"))
			browser.Look(t, manager, "print-"+name)
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
	publishInBrowser(t, manager, site)
	lateFeeInBrowser(t, cashier, bs, admin, area, c.ID, site.URL+fmt.Sprintf("/billing/desk?house_id=%d", houses[1].ID), last)
}
