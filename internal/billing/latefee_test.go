package billing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
)

// lateFees sets up community A's items with a 滞纳金 on the 物业服务费
// (0.05%/day, no grace) and bills November; on 2026-12-31 the bill of
// 3-2-1201 (210.33) carries 31 days of it: 210.33 × 0.05% × 31 = 3.26.
func (x *fx) lateFees() {
	x.t.Helper()
	x.item(map[string]any{"name": "物业服务费", "kind": "area", "unit_price": "2.35", "late_fee_daily_rate": "0.05",
		"late_fee_grace_days": 0, "applies_to": map[string]any{"use": []string{"住宅"}}})
	x.item(map[string]any{"name": "垃圾清运费", "kind": "fixed", "unit_price": 15})
	x.run("2026-11")
	x.clk.Set("2026-12-31T10:00:00+08:00")
}

// payment reads a payment through the API.
func (x *fx) payment(id int64) *billing.Payment {
	x.t.Helper()
	var p billing.Payment
	x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/payments/%d", id), nil, http.StatusOK).JSON(x.t, &p)
	return &p
}

// TestLateFeeCollectedAtDesk: the desk offers the 滞纳金 ticked and adds
// it to the amount; paid with the bills, it is recorded to the 分 as its
// own receipt line, counted in the 日报 and as the 收支公示's 滞纳金
// line, but not in the 收缴率; voiding the receipt takes it out of both
// and the bill owes it again.
func TestLateFeeCollectedAtDesk(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.lateFees()
		h1, cid := x.houses[0].ID, x.A.Community.ID
		bs := x.bills(h1, "unpaid") // 210.33 (late fee 3.26) + 15.00
		cashier := x.Browser(auth.RoleCashier)

		desk := page(t, cashier, fmt.Sprintf("/billing/desk?house_id=%d", h1), 200)
		has(t, "desk", desk, `name="late_fee" value="1" data-sel checked`, "收取滞纳金", `id="sel-late">¥3.26<`,
			`id="sel-due">¥228.59<`, `value="228.59"`)
		// Short of bills + late fee: an inline error, nothing paid.
		form := url.Values{"house_id": {fmt.Sprint(h1)}, "sel": {"1"}, "bill_ids": ids(bs), "method": {"cash"}, "late_fee": {"1"},
			"amount": {"225.33"}}
		has(t, "short of the late fee", string(submit(t, cashier, "/billing/desk/pay", form, http.StatusUnprocessableEntity).Body),
			"少于所选账单合计 ¥225.33 加滞纳金 ¥3.26，共 ¥228.59", `class="field has-err"><span>实收金额（元） *`)
		if left := x.bills(h1, "unpaid"); len(left) != 2 {
			t.Fatalf("a refused payment paid %d bills", 2-len(left))
		}

		form.Set("amount", "228.59")
		loc, body := follow(t, cashier, submit(t, cashier, "/billing/desk/pay", form, http.StatusSeeOther))
		has(t, "receipt", body, "已收款 ¥228.59，收据号 SJ2026-000001，含滞纳金 ¥3.26", "滞纳金（物业服务费）", "3.26", "210.33",
			"15.00", "贰佰贰拾捌元伍角玖分", `id="amount">¥228.59<`)
		var pid int64
		fmt.Sscanf(strings.TrimPrefix(loc, "/billing/payments/"), "%d", &pid)
		p := x.payment(pid)
		if p.AmountFen != 22859 || p.BillsFen != 22533 || p.LateFeeFen != 326 || p.PrepaidAddedFen != 0 || len(p.Lines) != 3 {
			t.Fatalf("payment: %+v", p)
		}
		if l := p.Lines[2]; l.Kind != "late_fee" || l.AmountFen != 326 || l.BillID != bs[0].ID || l.Period != "2026-11" ||
			p.Lines[0].Kind != "bill" || p.Lines[1].Kind != "bill" {
			t.Errorf("lines: %+v", p.Lines)
		}
		if left := x.bills(h1, "unpaid"); len(left) != 0 {
			t.Errorf("unpaid after paying: %d", len(left))
		}

		// The 日报 counts it as money received, and says how much.
		var cash billing.CashReport
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/cash-report?community_id=%d&date=2026-12-31", cid), nil, http.StatusOK).JSON(t, &cash)
		if cash.TotalFen != 22859 || cash.LateFeeFen != 326 || len(cash.Cashiers) != 1 || cash.Cashiers[0].LateFeeFen != 326 {
			t.Errorf("cash report: %+v", cash)
		}
		rep := page(t, x.Browser(auth.RoleAuditor), fmt.Sprintf("/billing/reports?community_id=%d&period=2026-11&date=2026-12-31", cid), 200)
		has(t, "日报", rep, `id="cash-total">¥228.59<`, `（其中滞纳金 <b class="money" id="cash-late">¥3.26</b>）`)

		// The 收支公示: its own line; the item's line is the bills' alone.
		st := x.statement(cid)
		if got := lineOf(st, "滞纳金"); got != 326 || lineOf(st, "物业服务费") != 21033 || st.IncomeFen != 22859 {
			t.Errorf("statement: %+v", st)
		}
		has(t, "statement page", page(t, x.Browser(auth.RoleAuditor), fmt.Sprintf("/billing/statement?community_id=%d&year=2026", cid), 200),
			"<td>滞纳金</td>", "¥3.26", "¥228.59")

		// 收缴率 is about bills: the late fee is neither billed nor paid.
		var cr billing.CollectionRate
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/collection-rate?community_id=%d&period=2026-11", cid), nil, http.StatusOK).JSON(t, &cr)
		if cr.BilledFen != 21033+23500+3*1500 || cr.PaidFen != 22533 {
			t.Errorf("collection rate: billed %d paid %d", cr.BilledFen, cr.PaidFen)
		}

		// Voided: out of the 日报 and the 公示; the bill owes it again.
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/payments/%d/void", pid), map[string]any{"reason": "收错房屋"}, http.StatusOK)
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/cash-report?community_id=%d&date=2026-12-31", cid), nil, http.StatusOK).JSON(t, &cash)
		if cash.TotalFen != 0 || cash.LateFeeFen != 0 || cash.Cashiers[0].VoidedFen != 22859 {
			t.Errorf("cash report after the void: %+v", cash)
		}
		if st := x.statement(cid); lineOf(st, "滞纳金") != 0 || st.IncomeFen != 0 {
			t.Errorf("statement after the void: %+v", st)
		}
		var a billing.Account
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/house-accounts/%d", h1), nil, http.StatusOK).JSON(t, &a)
		if a.OwedFen != 22533 || a.LateFeeFen != 326 {
			t.Errorf("account after the void: owed %d late %d", a.OwedFen, a.LateFeeFen)
		}
		has(t, "voided receipt", page(t, cashier, loc, 200), `id="void-stamp"`, "滞纳金（物业服务费）")
	})
}

// TestLateFeeNotCharged: unticked, waived, or not asked for by an API
// caller, no 滞纳金 is charged; an API caller asking for it must pay it
// in full (400 otherwise), and beyond it the surplus is prepaid.
func TestLateFeeNotCharged(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.lateFees()
		h1, h2 := x.houses[0].ID, x.houses[1].ID
		cashier := x.Browser(auth.RoleCashier)

		// Unticked at the desk: the amount is the bills' (the htmx redraw),
		// and the payment takes no late fee.
		b1 := x.bills(h1, "unpaid")
		sel := fmt.Sprintf("/billing/desk?house_id=%d&sel=1&bill_ids=%d&bill_ids=%d", h1, b1[0].ID, b1[1].ID)
		off := page(t, cashier, sel, 200)
		has(t, "unticked", off, `value="225.33"`, `id="sel-due">¥225.33<`, "（不收滞纳金）")
		hasNot(t, "unticked", off, `name="late_fee" value="1" data-sel checked`)
		has(t, "ticked", page(t, cashier, sel+"&late_fee=1", 200), `value="228.59"`, `name="late_fee" value="1" data-sel checked`)
		form := url.Values{"house_id": {fmt.Sprint(h1)}, "sel": {"1"}, "bill_ids": ids(b1), "method": {"cash"}, "amount": {"225.33"}}
		_, body := follow(t, cashier, submit(t, cashier, "/billing/desk/pay", form, http.StatusSeeOther))
		has(t, "receipt without late fee", body, "已收款 ¥225.33", "贰佰贰拾伍元叁角叁分")
		hasNot(t, "receipt without late fee", body, "滞纳金（", `class="late-fee"`)

		// Waived: ticked or not, nothing to charge.
		b2 := x.bills(h2, "unpaid") // 235.00 (late fee 3.64) + 15.00
		var acct billing.Account
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/house-accounts/%d", h2), nil, http.StatusOK).JSON(t, &acct)
		if acct.LateFeeFen != 364 {
			t.Fatalf("late fee of 3-2-1202: %d", acct.LateFeeFen)
		}
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/bills/%d/waive-late-fee", b2[0].ID), map[string]any{"reason": "经理批准"},
			http.StatusOK)
		hasNot(t, "waived", page(t, cashier, fmt.Sprintf("/billing/desk?house_id=%d", h2), 200), `name="late_fee"`)
		p := x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h2, "bill_ids": billIDs(b2),
			"amount_fen": 25000, "method": "cash", "late_fee": true}))
		if p.LateFeeFen != 0 || p.AmountFen != 25000 || len(p.Lines) != 2 {
			t.Errorf("waived: %+v", p)
		}

		// The API: no "late_fee", no late fee; asked for, it must be paid.
		x.clk.Set("2027-01-31T10:00:00+08:00") // 62 days: 210.33 × 0.05% × 62 = 6.52
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/payments/%d/void", x.paymentOf(h1)), map[string]any{"reason": "重收"},
			http.StatusOK)
		b1 = x.bills(h1, "unpaid")
		r := x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h1, "bill_ids": billIDs(b1),
			"amount_fen": 22533, "method": "cash", "late_fee": true})
		expectError(t, r, 400, "invalid", "amount_fen")
		if msg := r.Error(t).Message; !strings.Contains(msg, "加滞纳金 ¥6.52，共 ¥231.85") {
			t.Errorf("message: %s", msg)
		}
		p = x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h1, "bill_ids": billIDs(b1),
			"amount_fen": 24000, "method": "wechat", "late_fee": true}))
		if p.LateFeeFen != 652 || p.BillsFen != 22533 || p.PrepaidAddedFen != 24000-22533-652 || len(p.Lines) != 3 {
			t.Errorf("late fee and a surplus: %+v", p)
		}
		if bal := x.balance(h1); bal != 815 {
			t.Errorf("prepaid %d, want 815", bal)
		}
		// Voided, the surplus goes back too.
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/payments/%d/void", p.ID), map[string]any{"reason": "x"}, http.StatusOK)
		b1 = x.bills(h1, "unpaid")
		p = x.paid(x.pay(auth.RoleCashier, h1, 22533, b1...))
		if p.LateFeeFen != 0 || p.PrepaidAddedFen != 0 || x.balance(h1) != 0 {
			t.Errorf("without late_fee: %+v", p)
		}
	})
}

// statement reads community cid's 2026 收支公示 through the API.
func (x *fx) statement(cid int64) *billing.Statement {
	x.t.Helper()
	var st billing.Statement
	x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/statement?community_id=%d&year=2026", cid), nil, http.StatusOK).JSON(x.t, &st)
	return &st
}

func lineOf(st *billing.Statement, name string) int64 {
	for _, l := range st.Income {
		if l.Name == name {
			return l.AmountFen
		}
	}
	return 0
}

// paymentOf is the id of a house's latest valid payment.
func (x *fx) paymentOf(houseID int64) int64 {
	x.t.Helper()
	var out struct {
		Items []*billing.Payment `json:"items"`
	}
	x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/payments?house_id=%d&status=valid", houseID), nil, http.StatusOK).JSON(x.t, &out)
	if len(out.Items) == 0 {
		x.t.Fatalf("no payment of house %d", houseID)
	}
	return out.Items[0].ID
}

// runIn bills period as a run early in that month (09:00 on its 2nd)
// would have, so the bills were issued then.
func runIn(t *testing.T, bs *billing.Service, by *auth.User, communityID int64, period string) *billing.BillRun {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", period+"-02 09:00", time.FixedZone("CST", 8*3600))
	if err != nil {
		t.Fatal(err)
	}
	now := bs.Now
	bs.Now = func() time.Time { return at.UTC() }
	defer func() { bs.Now = now }()
	r, err := bs.Run(context.Background(), by, billing.RunInput{CommunityID: communityID, Period: period})
	if err != nil {
		t.Fatalf("run %s: %v", period, err)
	}
	return r
}

// lateFeeInBrowser (part of TestBrowserDeskReceiptVoid): with a late fee
// on the 物业服务费 (0.05%/day, no grace) — a rule a bill takes when it is
// issued, so last month is voided and billed again with it, as early in
// that month — last month's bill of the house at desk owes one. The desk
// ticks “收取滞纳金” and adds it to the amount; unticked and ticked
// again, the amount follows (htmx); the receipt prints it as its own
// line.
func lateFeeInBrowser(t *testing.T, cashier context.Context, bs *billing.Service, admin *auth.User, area *billing.FeeItem,
	communityID int64, desk, last string) {
	t.Helper()
	ctx := context.Background()
	in := billing.FeeItemInputOf(area)
	in.LateFeeRate, in.LateFeeGraceDays = "0.05", 0
	if _, err := bs.UpdateFeeItem(ctx, admin, area.ID, in); err != nil {
		t.Fatal(err)
	}
	runs, _, err := bs.BillRuns(ctx, admin, communityID, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Period == last && r.Status == "done" {
			if _, err := bs.VoidRun(ctx, admin, r.ID, "启用滞纳金后重新出账"); err != nil {
				t.Fatal(err)
			}
		}
	}
	issued := runIn(t, bs, admin, communityID, last).CreatedAt
	late := billing.LateFee(21033, last, issued, 500, 1_000_000, 0, time.Now())
	browser.Do(t, cashier, chromedp.Navigate(desk))
	for i, want := range []string{"3", "2"} { // untick this month's two bills
		browser.Do(t, cashier, chromedp.Click(fmt.Sprintf(`#unpaid tbody tr:nth-child(%d) input[type=checkbox]`, 3+i)),
			chromedp.Poll[chromedp.Void](`document.querySelector("#sel-count").innerText === "`+want+`"`))
	}
	amount := `document.querySelector("#pay-summary input[name=amount]").value === "`
	browser.Do(t, cashier, chromedp.Poll[chromedp.Void](amount+money(22533+late)+`"`))
	if got := browser.Text(t, cashier, "#sel-late"); got != "¥"+money(late) {
		t.Errorf("late fee shown %q, want ¥%s", got, money(late))
	}
	// htmx wires up swapped-in content only once it settles (20 ms later,
	// while it is .htmx-added): a click before that would send nothing.
	browser.Do(t, cashier, chromedp.Click(`#late-fee-choice input`),
		chromedp.Poll[chromedp.Void](amount+`225.33" && !document.querySelector(".htmx-added")`),
		chromedp.Click(`#late-fee-choice input`), chromedp.Poll[chromedp.Void](amount+money(22533+late)+`"`))
	browser.Do(t, cashier, browser.ClickNav(`#pay-button`))
	if got := browser.Text(t, cashier, "#lines"); !strings.Contains(got, "滞纳金（物业服务费）") || !strings.Contains(got, money(late)) {
		t.Errorf("receipt lines %q: want 滞纳金 %s", got, money(late))
	}
	if got := browser.Text(t, cashier, "#amount"); got != "¥"+money(22533+late) {
		t.Errorf("receipt total %q", got)
	}
	browser.NoProblems(t, cashier)
}

func billIDs(bs []*billing.Bill) []int64 {
	out := make([]int64, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}
