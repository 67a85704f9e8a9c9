package billing_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// TestRolesAndScope: the cashier takes payments but neither voids them
// nor sets fees; the auditor only reads; department staff see no money;
// nobody reaches another community's records.
func TestRolesAndScope(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		h := x.houses[0].ID
		bs := x.bills(h, "unpaid")
		p := x.paid(x.pay(auth.RoleCashier, h, bs[0].AmountFen, bs[0]))
		void := fmt.Sprintf("/api/v1/payments/%d/void", p.ID)
		expectError(t, x.API(auth.RoleCashier).Post(void, map[string]any{"reason": "x"}), 403, "forbidden", "")
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/fee-items", map[string]any{"community_id": x.A.Community.ID,
			"name": "x", "kind": "fixed", "unit_price": "1"}), 403, "forbidden", "")
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/bill-runs", map[string]any{"community_id": x.A.Community.ID,
			"period": "2026-12"}), 403, "forbidden", "")
		for _, path := range []string{"/api/v1/bills?house_id=" + fmt.Sprint(h), fmt.Sprintf("/api/v1/payments/%d", p.ID),
			fmt.Sprintf("/api/v1/collection-rate?community_id=%d&period=2026-11", x.A.Community.ID),
			fmt.Sprintf("/api/v1/arrears?community_id=%d", x.A.Community.ID), "/api/v1/fee-items"} {
			x.do(auth.RoleAuditor, "GET", path, nil, http.StatusOK)
			expectError(t, x.API(auth.RoleDeptStaff).Get(path), 403, "forbidden", "")
		}
		expectError(t, x.pay(auth.RoleAuditor, h, bs[1].AmountFen, bs[1]), 403, "forbidden", "")
		expectError(t, x.API(auth.RoleAuditor).Post(void, map[string]any{"reason": "x"}), 403, "forbidden", "")
		expectError(t, x.pay(auth.RoleCSAgent, h, bs[1].AmountFen, bs[1]), 403, "forbidden", "")
		x.do(auth.RoleCSManager, "POST", void, map[string]any{"reason": "收错"}, http.StatusOK)

		// Community B: its records are out of reach of every user of A.
		b := x.Users[auth.RoleAdmin]
		bItem, err := x.svc.CreateFeeItem(t.Context(), b, billing.FeeItemInput{CommunityID: x.B.Community.ID, Name: "物业服务费",
			Kind: "area", UnitPrice: "2.35"})
		if err != nil {
			t.Fatal(err)
		}
		bRun, err := x.svc.Run(t.Context(), b, billing.RunInput{CommunityID: x.B.Community.ID, Period: "2026-11"})
		if err != nil || bRun.Created != 1 {
			t.Fatalf("B run: %+v %v", bRun, err)
		}
		bBills, _, _ := x.svc.Bills(t.Context(), b, billing.BillFilter{HouseID: x.B.House.ID})
		bPay, err := x.svc.Pay(t.Context(), b, billing.PaymentInput{HouseID: x.B.House.ID, BillIDs: []int64{bBills[0].ID},
			AmountFen: bBills[0].AmountFen, Method: "cash"})
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range []auth.Role{auth.RoleDirector, auth.RoleCSManager, auth.RoleCashier, auth.RoleAuditor} {
			c := x.API(role)
			for _, path := range []string{fmt.Sprintf("/api/v1/fee-items/%d", bItem.ID), fmt.Sprintf("/api/v1/bill-runs/%d", bRun.ID),
				fmt.Sprintf("/api/v1/payments/%d", bPay.ID), fmt.Sprintf("/api/v1/bills/%d", bBills[0].ID),
				fmt.Sprintf("/api/v1/bills?house_id=%d", x.B.House.ID), fmt.Sprintf("/api/v1/house-accounts/%d", x.B.House.ID),
				fmt.Sprintf("/api/v1/collection-rate?community_id=%d&period=2026-11", x.B.Community.ID)} {
				expectError(t, c.Get(path), 403, "forbidden", "")
			}
			// Unfiltered lists show A only.
			for _, path := range []string{"/api/v1/bills", "/api/v1/payments", "/api/v1/fee-items", "/api/v1/bill-runs", "/api/v1/arrears"} {
				r := x.do(role, "GET", path, nil, http.StatusOK)
				if strings.Contains(string(r.Body), fmt.Sprintf(`"community_id":%d`, x.B.Community.ID)) {
					t.Errorf("%s as %s shows community B", path, role)
				}
			}
		}
		expectError(t, x.API(auth.RoleCSManager).Post(fmt.Sprintf("/api/v1/payments/%d/void", bPay.ID), map[string]any{"reason": "x"}),
			403, "forbidden", "")
		expectError(t, x.API(auth.RoleCSManager).Post(fmt.Sprintf("/api/v1/bill-runs/%d/void", bRun.ID), map[string]any{"reason": "x"}),
			403, "forbidden", "")
	})
}

// TestVoidRunAndLateFees: a run is voided whole only while none of its
// bills is paid, after which the month can be run again; late fees are
// computed on demand, shown apart and waivable with a reason.
func TestVoidRunAndLateFees(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.item(map[string]any{"name": "物业服务费", "kind": "area", "unit_price": "2.35",
			"late_fee_daily_rate": "0.05", "late_fee_grace_days": 0, "applies_to": map[string]any{"house_ids": []int64{x.houses[0].ID}}})
		run := x.run("2026-11")
		if run.Created != 1 {
			t.Fatalf("run: %+v", run)
		}
		x.clk.Set("2026-12-31T10:00:00+08:00")
		var acct billing.Account
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/house-accounts/%d", x.houses[0].ID), nil, http.StatusOK).JSON(t, &acct)
		if acct.OwedFen != 21033 || acct.LateFeeFen != 326 || len(acct.Unpaid) != 1 || acct.Unpaid[0].LateFeeFen != 326 {
			t.Errorf("account: owed %d late %d", acct.OwedFen, acct.LateFeeFen)
		}
		bill := acct.Unpaid[0]
		waive := fmt.Sprintf("/api/v1/bills/%d/waive-late-fee", bill.ID)
		expectError(t, x.API(auth.RoleCashier).Post(waive, map[string]any{"reason": "x"}), 403, "forbidden", "")
		var w billing.Bill
		x.do(auth.RoleCSManager, "POST", waive, map[string]any{"reason": "业主住院，经理批准"}, http.StatusOK).JSON(t, &w)
		if w.LateFeeFen != 0 || w.WaivedReason == "" || w.AmountFen != 21033 {
			t.Errorf("waived: %+v", w)
		}
		expectError(t, x.API(auth.RoleCSManager).Post(waive, map[string]any{"reason": "again"}), 409, "conflict", "")

		p := x.paid(x.pay(auth.RoleCashier, x.houses[0].ID, 21033, bill))
		voidRun := fmt.Sprintf("/api/v1/bill-runs/%d/void", run.ID)
		expectError(t, x.API(auth.RoleCSManager).Post(voidRun, map[string]any{"reason": "单价错误"}), 409, "conflict", "")
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/payments/%d/void", p.ID), map[string]any{"reason": "出账错误"}, http.StatusOK)
		var v billing.BillRun
		x.do(auth.RoleCSManager, "POST", voidRun, map[string]any{"reason": "单价错误"}, http.StatusOK).JSON(t, &v)
		if v.Status != "void" {
			t.Errorf("voided run: %+v", v)
		}
		if bs := x.bills(x.houses[0].ID, "void"); len(bs) != 1 {
			t.Errorf("void bills: %d", len(bs))
		}
		if again := x.run("2026-11"); again.Created != 1 || again.TotalFen != 21033 {
			t.Errorf("rerun after the void: %+v", again)
		}
		expectError(t, x.API(auth.RoleCSManager).Post(voidRun, map[string]any{"reason": "x"}), 409, "conflict", "")

		// A run's own prepaid draw-downs are reversed with it.
		x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": x.houses[0].ID, "amount_fen": 50000,
			"method": "bank"}))
		dec := x.run("2026-12")
		if dec.PrepaidFen != 21033+21033 || x.balance(x.houses[0].ID) != 50000-42066 { // November's rerun bill, then December's
			t.Errorf("December drew %d, balance %d", dec.PrepaidFen, x.balance(x.houses[0].ID))
		}
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/bill-runs/%d/void", dec.ID), map[string]any{"reason": "重出"}, http.StatusOK)
		if b := x.balance(x.houses[0].ID); b != 50000 {
			t.Errorf("balance after voiding the run %d", b)
		}
		if bs := x.bills(x.houses[0].ID, "unpaid"); len(bs) != 1 || bs[0].Period != "2026-11" {
			t.Errorf("after voiding December: %d unpaid", len(bs))
		}
	})
}

// TestSearchFindsReceipts: the one box finds a receipt by number or
// prefix, within the caller's scope only.
func TestSearchFindsReceipts(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		p := x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": x.houses[0].ID,
			"amount_fen": 8800, "method": "alipay"}))
		for _, q := range []string{p.ReceiptNumber, "sj2026-00000", "SJ2026"} {
			hits, err := x.svc.Search(t.Context(), x.user(auth.RoleCashier), q)
			if err != nil || len(hits) != 1 || hits[0].ID != p.ID || !strings.Contains(hits[0].Subtitle, "¥88.00") {
				t.Errorf("search %q: %+v %v", q, hits, err)
			}
		}
		other := x.NewUser(auth.RoleCashier, x.B.Community.ID)
		if hits, _ := x.svc.Search(t.Context(), other, p.ReceiptNumber); len(hits) != 0 {
			t.Errorf("B's cashier finds A's receipt: %+v", hits)
		}
		if hits, _ := x.svc.Search(t.Context(), x.user(auth.RoleDeptStaff), p.ReceiptNumber); len(hits) != 0 {
			t.Errorf("dept staff find receipts: %+v", hits)
		}
	})
}

// TestBillNeedsBillingRead: one bill is billing's to show, at the
// service too (another module asks it for a bill of its record):
// department staff, who read renovations, are refused, like a reader of
// another community; a reader of the community gets it.
func TestBillNeedsBillingRead(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		b := x.bills(x.houses[0].ID, "unpaid")[0]
		if got, err := x.svc.Bill(t.Context(), x.user(auth.RoleAuditor), b.ID); err != nil || got.AmountFen != b.AmountFen {
			t.Errorf("auditor: %+v %v", got, err)
		}
		other := x.NewUser(auth.RoleCashier, x.B.Community.ID)
		for who, u := range map[string]*auth.User{"department staff": x.user(auth.RoleDeptStaff), "B's cashier": other} {
			if _, err := x.svc.Bill(t.Context(), u, b.ID); errs.CodeOf(err) != errs.CodeForbidden {
				t.Errorf("%s: %v, want forbidden", who, err)
			}
		}
	})
}
