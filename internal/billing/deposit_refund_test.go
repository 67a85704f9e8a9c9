package billing_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// TestDepositRefund: a deposit is given back once, only when paid, less
// deductions that never exceed it, exact to the 分; what is kept counts
// as income of the refund's day. A deposit is held per permit, so a house
// may owe two in one month.
func TestDepositRefund(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		ctx := context.Background()
		dep := x.item(map[string]any{"name": "装修押金", "kind": "oneoff", "deposit": true, "unit_price": "3000"})
		card := x.item(map[string]any{"name": "门禁卡工本费", "kind": "oneoff", "unit_price": "20"})
		h := x.houses[0].ID
		charge := func(item int64, want int) *billing.Bill {
			t.Helper()
			var b billing.Bill
			r := x.do(auth.RoleCashier, "POST", "/api/v1/bills", map[string]any{"house_id": h, "fee_item_id": item}, want)
			if want == http.StatusCreated {
				r.JSON(t, &b)
			}
			return &b
		}
		b1, b2 := charge(dep.ID, http.StatusCreated), charge(dep.ID, http.StatusCreated)
		c1 := charge(card.ID, http.StatusCreated)
		if b1.Period != b2.Period || b1.ID == b2.ID || !b1.Deposit {
			t.Fatalf("two deposits of one month: %+v %+v", b1, b2)
		}
		mgr := x.user(auth.RoleCSManager)
		refund := func(by *auth.User, in billing.DepositRefundInput) (*billing.DepositRefund, error) {
			return x.svc.RefundDeposit(ctx, by, in)
		}
		expect := func(err error, code errs.Code, field string) {
			t.Helper()
			e, ok := errs.As(err)
			if !ok || e.Code != code || e.Field != field || e.Message == "" {
				t.Errorf("got %v, want %s on %q", err, code, field)
			}
		}
		_, err := refund(mgr, billing.DepositRefundInput{BillID: b1.ID})
		expect(err, errs.CodeConflict, "bill_id") // unpaid
		p1 := x.paid(x.pay(auth.RoleCashier, h, 300000+2000, b1, c1))
		_, err = refund(mgr, billing.DepositRefundInput{BillID: c1.ID})
		expect(err, errs.CodeInvalid, "bill_id") // not a deposit
		_, err = refund(mgr, billing.DepositRefundInput{BillID: b1.ID, Deductions: []billing.DepositDeduction{
			{AmountFen: 300000, Reason: "损坏公共设施"}, {AmountFen: 1, Reason: "垃圾乱放"}}})
		expect(err, errs.CodeInvalid, "deductions")
		_, err = refund(mgr, billing.DepositRefundInput{BillID: b1.ID, Deductions: []billing.DepositDeduction{{AmountFen: -5, Reason: "x"}}})
		expect(err, errs.CodeInvalid, "deductions")
		_, err = refund(mgr, billing.DepositRefundInput{BillID: b1.ID, Method: "IOU"})
		expect(err, errs.CodeInvalid, "method")
		_, err = refund(x.user(auth.RoleAuditor), billing.DepositRefundInput{BillID: b1.ID})
		expect(err, errs.CodeForbidden, "")
		_, err = refund(x.NewUser(auth.RoleCSManager, x.B.Community.ID), billing.DepositRefundInput{BillID: b1.ID})
		expect(err, errs.CodeForbidden, "")

		r, err := refund(mgr, billing.DepositRefundInput{BillID: b1.ID, Method: "银行转账", Reference: "装修许可证 ZX2026-0001",
			Deductions: []billing.DepositDeduction{{AmountFen: 100000, Reason: "损坏电梯轿厢"}, {AmountFen: 50, Reason: "垃圾乱放"}}})
		if err != nil {
			t.Fatal(err)
		}
		if r.DepositFen != 300000 || r.DeductionsFen != 100050 || r.RefundFen != 199950 || r.Method != "bank" ||
			len(r.Deductions) != 2 || r.HouseCode != "3-2-1201" || r.FeeItemName != "装修押金" || r.CreatedName != mgr.Name {
			t.Errorf("refund: %+v", r)
		}
		_, err = refund(mgr, billing.DepositRefundInput{BillID: b1.ID})
		expect(err, errs.CodeConflict, "bill_id") // once
		// The receipt of a deposit paid back out cannot be voided: the
		// deposit would be owed again.
		_, err = x.svc.VoidPayment(ctx, mgr, p1.ID, "收错了")
		expect(err, errs.CodeConflict, "")
		if st, err := x.svc.Statement(ctx, mgr, x.A.Community.ID, x.clk.Now().In(time.FixedZone("CST", 8*3600)).Year()); err != nil {
			t.Error(err)
		} else {
			var line int64
			for _, l := range st.Income {
				if l.Name == billing.DepositDeductionIncomeName {
					line = l.AmountFen
				}
			}
			if line != 100050 {
				t.Errorf("收支公示 押金扣款 %d, want 100050: %+v", line, st.Income)
			}
		}
		got, err := x.svc.DepositRefundOf(ctx, x.user(auth.RoleAuditor), b1.ID)
		if err != nil || got.ID != r.ID {
			t.Errorf("refund of the bill: %+v %v", got, err)
		}
		if _, err := x.svc.DepositRefundOf(ctx, mgr, b2.ID); errs.CodeOf(err) != errs.CodeNotFound {
			t.Errorf("refund of an unrefunded bill: %v", err)
		}
		now := x.clk.Now()
		kept, err := x.svc.DepositDeductionIncome(ctx, x.A.Community.ID, now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil || kept != 100050 {
			t.Errorf("deductions as income: %d %v", kept, err)
		}
		if kept, _ := x.svc.DepositDeductionIncome(ctx, x.A.Community.ID, now.Add(time.Hour), now.Add(2*time.Hour)); kept != 0 {
			t.Errorf("deductions outside the range: %d", kept)
		}
		// The whole deposit kept: nothing back.
		x.paid(x.pay(auth.RoleCashier, h, 300000, b2))
		if r, err := refund(mgr, billing.DepositRefundInput{BillID: b2.ID, Deductions: []billing.DepositDeduction{
			{AmountFen: 300000, Reason: "拆改承重墙，恢复费用"}}}); err != nil || r.RefundFen != 0 {
			t.Errorf("everything kept: %+v %v", r, err)
		}
	})
}
