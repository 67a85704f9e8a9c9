package billing_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
)

// cashDay reads a day's 日报 of community A through the API (userID > 0:
// one user's).
func (x *fx) cashDay(day string, userID int64) *billing.CashReport {
	x.t.Helper()
	q := fmt.Sprintf("/api/v1/cash-report?community_id=%d&date=%s", x.A.Community.ID, day)
	if userID > 0 {
		q += fmt.Sprintf("&cashier_id=%d", userID)
	}
	var rep billing.CashReport
	x.do(auth.RoleAuditor, "GET", q, nil, http.StatusOK).JSON(x.t, &rep)
	return &rep
}

// reconciles checks every user's till: what they took less what they
// gave back is their total, and the day's total is the users'.
func reconciles(t *testing.T, rep *billing.CashReport) {
	t.Helper()
	var total, late int64
	for _, c := range rep.Cashiers {
		var in, out, lateIn, lateOut int64
		for _, p := range c.Payments {
			in += p.AmountFen
			lateIn += p.LateFeeFen
		}
		for _, p := range c.Refunds {
			out += p.AmountFen
			lateOut += p.LateFeeFen
		}
		var byMethod int64
		for _, m := range c.ByMethod {
			byMethod += m.AmountFen
		}
		if in != c.ReceivedFen || out != c.RefundFen || in-out != c.TotalFen || byMethod != c.TotalFen || lateIn-lateOut != c.LateFeeFen {
			t.Errorf("%s %s does not reconcile: received %d/%d refunded %d/%d total %d by method %d late %d/%d", rep.Day,
				c.CashierName, in, c.ReceivedFen, out, c.RefundFen, c.TotalFen, byMethod, lateIn-lateOut, c.LateFeeFen)
		}
		total += c.TotalFen
		late += c.LateFeeFen
	}
	if total != rep.TotalFen || late != rep.LateFeeFen || rep.ReceivedFen-rep.RefundFen != rep.TotalFen {
		t.Errorf("%s: users %d (late %d), report %d (late %d)", rep.Day, total, late, rep.TotalFen, rep.LateFeeFen)
	}
}

// TestCashReportClosedDayAndRefunds: a 日报 once its day is over never
// changes. A receipt voided on a later day stays counted on its own day
// (with its 滞纳金) and shows on the day of the void as a refund, with its
// receipt number, under the manager who voided it; a receipt voided the
// day it was taken is listed, not counted. Every till reconciles:
// received − refunded, on the page and in the .xlsx too.
//
//	2026-12-31 cashier  1201  228.59 cash (210.33 + 15.00 + 滞纳金 3.26)
//	2026-12-31 cashier  1202  250.00 wechat
//	2027-01-02 manager  voids 1201's receipt of 12-31 (收错房屋)
//	2027-01-02 cashier  1203   15.00 cash, voided by the manager that day
func TestCashReportClosedDayAndRefunds(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.lateFees() // November billed; the clock at 2026-12-31 10:00
		h1, h2, h3 := x.houses[0].ID, x.houses[1].ID, x.houses[2].ID
		cashier, manager := x.user(auth.RoleCashier), x.user(auth.RoleCSManager)
		p1 := x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h1,
			"bill_ids": billIDs(x.bills(h1, "unpaid")), "amount_fen": 22859, "method": "cash", "late_fee": true}))
		p2 := x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h2,
			"bill_ids": billIDs(x.bills(h2, "unpaid")), "amount_fen": 25000, "method": "wechat"}))
		closed := x.cashDay("2026-12-31", 0)
		if closed.TotalFen != 47859 || closed.LateFeeFen != 326 || closed.Count != 2 {
			t.Fatalf("12-31: %+v", closed)
		}

		x.clk.Set("2027-01-02T09:00:00+08:00")
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/payments/%d/void", p1.ID), map[string]any{"reason": "收错房屋"}, http.StatusOK)
		x.clk.Set("2027-01-02T10:00:00+08:00")
		p3 := x.paid(x.pay(auth.RoleCashier, h3, 1500, x.bills(h3, "unpaid")...))
		x.clk.Set("2027-01-02T11:00:00+08:00")
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/payments/%d/void", p3.ID), map[string]any{"reason": "重复收费"}, http.StatusOK)

		// The closed day is as it was.
		after := x.cashDay("2026-12-31", 0)
		if after.TotalFen != 47859 || after.LateFeeFen != 326 || after.Count != 2 || after.RefundCount != 0 ||
			len(after.Cashiers) != 1 || after.Cashiers[0].VoidedCount != 0 || len(after.Cashiers[0].Payments) != 2 {
			t.Errorf("12-31 after a void on 01-02: %+v", after)
		}
		reconciles(t, after)

		// The day of the void: the manager's refund, the cashier's same-day void.
		day := x.cashDay("2027-01-02", 0)
		reconciles(t, day)
		if day.Count != 0 || day.ReceivedFen != 0 || day.RefundCount != 1 || day.RefundFen != 22859 || day.TotalFen != -22859 ||
			day.LateFeeFen != -326 || len(day.Cashiers) != 2 {
			t.Fatalf("01-02: %+v", day)
		}
		var mgr, csh *billing.CashierDay
		for _, c := range day.Cashiers {
			switch c.CashierID {
			case manager.ID:
				mgr = c
			case cashier.ID:
				csh = c
			}
		}
		if mgr == nil || csh == nil {
			t.Fatalf("01-02 users: %+v", day.Cashiers)
		}
		if len(mgr.Refunds) != 1 || mgr.Refunds[0].ReceiptNumber != p1.ReceiptNumber || mgr.TotalFen != -22859 ||
			mgr.CashierName != manager.Name || len(mgr.ByMethod) != 1 || mgr.ByMethod[0].Method != "cash" ||
			mgr.ByMethod[0].RefundFen != 22859 || mgr.ByMethod[0].AmountFen != -22859 {
			t.Errorf("the manager's refund: %+v", mgr)
		}
		if csh.Count != 0 || csh.TotalFen != 0 || csh.VoidedCount != 1 || csh.VoidedFen != 1500 || len(csh.Voided) != 1 {
			t.Errorf("the cashier's same-day void: %+v", csh)
		}
		if one := x.cashDay("2027-01-02", manager.ID); len(one.Cashiers) != 1 || one.TotalFen != -22859 {
			t.Errorf("01-02 of the manager: %+v", one)
		}
		if one := x.cashDay("2027-01-02", cashier.ID); len(one.Cashiers) != 1 || one.TotalFen != 0 || one.RefundCount != 0 {
			t.Errorf("01-02 of the cashier: %+v", one)
		}

		// As the auditor sees it on the page and in the workbook.
		auditor := x.Browser(auth.RoleAuditor)
		cid := x.A.Community.ID
		has(t, "日报 12-31", page(t, auditor, fmt.Sprintf("/billing/reports?community_id=%d&date=2026-12-31", cid), 200),
			`id="cash-total">¥478.59<`, `id="cash-late">¥3.26<`, p1.ReceiptNumber, "已于 2027-01-02 09:00 作废，计入作废当日退款")
		jan := page(t, auditor, fmt.Sprintf("/billing/reports?community_id=%d&date=2027-01-02", cid), 200)
		has(t, "日报 01-02", jan, `id="cash-total">¥-228.59<`, `id="cash-refund">−¥228.59<`, "退款（作废往日收据）1 张，−¥228.59",
			p1.ReceiptNumber, "收错房屋", manager.Name+"：收款 0 张 ¥0.00，退款 1 张 −¥228.59，应交 ¥-228.59",
			"当日作废 1 张，¥15.00（不计入合计）", p3.ReceiptNumber)
		has(t, "cashier filter", jan, fmt.Sprintf(`<option value="%d" `, manager.ID))
		rows := x.sheet(fmt.Sprintf("/api/v1/cash-report/export.xlsx?community_id=%d&date=2027-01-02", cid))
		var refund []string
		for _, r := range rows {
			if len(r) > 1 && r[1] == p1.ReceiptNumber {
				refund = r
			}
		}
		if refund == nil || refund[0] != manager.Name || refund[5] != "-228.59" || refund[6] != "-3.26" ||
			!strings.Contains(refund[7], "收错房屋") {
			t.Errorf("refund row: %q in %q", refund, rows)
		}
		if last := rows[len(rows)-1]; last[0] != "合计" || last[5] != "-228.59" || last[6] != "-3.26" {
			t.Errorf("total row: %q", last)
		}
		// The 滞纳金 the page shows, in its own column: on the receipt that
		// carried it, the cashier's 应交 and the day's total; a receipt
		// without any shows 0.
		dec := x.sheet(fmt.Sprintf("/api/v1/cash-report/export.xlsx?community_id=%d&date=2026-12-31", cid))
		if dec[0][5] != "金额(元)" || dec[0][6] != "其中滞纳金(元)" {
			t.Errorf("12-31 header: %q", dec[0])
		}
		late := map[string]string{}
		for _, r := range dec[1:] {
			if len(r) > 6 {
				late[r[1]+r[0]] = r[6]
			}
		}
		if late[p1.ReceiptNumber+cashier.Name] != "3.26" || late[p2.ReceiptNumber+cashier.Name] != "0" ||
			late[cashier.Name+" 应交"] != "3.26" || late["合计"] != "3.26" || dec[len(dec)-1][5] != "478.59" {
			t.Errorf("12-31 sheet's 滞纳金: %q", dec)
		}

		// The service the same, for a cashier of the community.
		if rep, err := x.svc.CashReport(context.Background(), cashier, cid, "2026-12-31", cashier.ID); err != nil || rep.TotalFen != 47859 {
			t.Errorf("cashier's own 12-31: %+v %v", rep, err)
		}
	})
}
