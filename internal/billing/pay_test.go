package billing_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
)

// TestPaymentContract walks the cashier desk: pay a selection of bills in
// full (201 with id, receipt_number, prepaid_added_fen), paying a paid
// bill is 409, paying less is 400, paying more goes to the prepaid
// balance, which the next run draws down as a payment of method prepaid;
// voiding restores bills and balance, and receipt numbers are never
// reused.
func TestPaymentContract(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		h1, h2 := x.houses[0].ID, x.houses[1].ID
		b1 := x.bills(h1, "unpaid")
		r := x.pay(auth.RoleCashier, h1, 22533, b1...)
		m := r.Map(t)
		for _, k := range []string{"id", "receipt_number", "prepaid_added_fen"} {
			if _, ok := m[k]; !ok {
				t.Errorf("payment response has no %s: %s", k, r)
			}
		}
		p1 := x.paid(r)
		if p1.ReceiptNumber != "SJ2026-000001" || p1.PrepaidAddedFen != 0 || p1.AmountFen != 22533 || p1.BillsFen != 22533 ||
			len(p1.Lines) != 2 || p1.AmountInWords != "贰佰贰拾伍元叁角叁分" || p1.CashierID != x.user(auth.RoleCashier).ID {
			t.Errorf("payment: %+v", p1)
		}
		if paid := x.bills(h1, "paid"); len(paid) != 2 || paid[0].PaymentID == nil || *paid[0].PaymentID != p1.ID {
			t.Errorf("paid bills: %d", len(paid))
		}
		if left := x.bills(h1, "unpaid"); len(left) != 0 {
			t.Errorf("unpaid after paying: %d", len(left))
		}
		expectError(t, x.pay(auth.RoleCashier, h1, 22533, b1[0]), 409, "conflict", "bill_ids")

		b2 := x.bills(h2, "unpaid") // 23500 + 1500
		expectError(t, x.pay(auth.RoleCashier, h2, 24999, b2...), 400, "invalid", "amount_fen")
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h2,
			"bill_ids": []int64{b2[0].ID}, "amount_fen": 23500, "method": "IOU"}), 400, "invalid", "method")
		expectError(t, x.pay(auth.RoleCashier, h1, 50000, b2...), 400, "invalid", "bill_ids") // another house's bills

		p2 := x.paid(x.pay(auth.RoleCashier, h2, 55000, b2...))
		if p2.ReceiptNumber != "SJ2026-000002" || p2.PrepaidAddedFen != 30000 {
			t.Errorf("overpayment: %+v", p2)
		}
		if bal := x.balance(h2); bal != 30000 {
			t.Errorf("balance %d, want 30000", bal)
		}

		// December: the run draws 235.00 + 15.00 from the balance.
		dec := x.run("2026-12")
		if dec.PrepaidFen != 25000 {
			t.Errorf("December drew %d", dec.PrepaidFen)
		}
		if bal := x.balance(h2); bal != 5000 {
			t.Errorf("balance after the run %d, want 5000", bal)
		}
		var draws struct {
			Items []*billing.Payment `json:"items"`
		}
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/payments?house_id=%d&method=prepaid", h2), nil, http.StatusOK).JSON(t, &draws)
		if len(draws.Items) != 1 || draws.Items[0].AmountFen != 25000 || draws.Items[0].ReceiptNumber != "" ||
			draws.Items[0].RunID == nil || *draws.Items[0].RunID != dec.ID || len(draws.Items[0].Lines) != 2 {
			t.Fatalf("draw-downs: %+v", draws.Items)
		}
		if unpaid := x.bills(h2, "unpaid"); len(unpaid) != 0 {
			t.Errorf("December bills left unpaid: %d", len(unpaid))
		}

		// The surplus was used: its receipt cannot be voided before the draw-down.
		voidPath := func(id int64) string { return fmt.Sprintf("/api/v1/payments/%d/void", id) }
		expectError(t, x.API(auth.RoleCSManager).Post(voidPath(p2.ID), map[string]any{"reason": "收错"}), 409, "conflict", "")
		expectError(t, x.API(auth.RoleCashier).Post(voidPath(p2.ID), map[string]any{"reason": "收错"}), 403, "forbidden", "")
		expectError(t, x.API(auth.RoleCSManager).Post(voidPath(p2.ID), map[string]any{}), 422, "invalid", "reason")
		x.do(auth.RoleCSManager, "POST", voidPath(draws.Items[0].ID), map[string]any{"reason": "撤销抵扣"}, http.StatusOK)
		if bal := x.balance(h2); bal != 30000 {
			t.Errorf("balance after voiding the draw-down %d", bal)
		}
		var v billing.Payment
		x.do(auth.RoleCSManager, "POST", voidPath(p2.ID), map[string]any{"reason": "收错房号"}, http.StatusOK).JSON(t, &v)
		if v.Status != "void" || v.VoidReason != "收错房号" || v.ReceiptNumber != "SJ2026-000002" || v.VoidedAt == nil {
			t.Errorf("voided: %+v", v)
		}
		if bal := x.balance(h2); bal != 0 {
			t.Errorf("balance after the void %d", bal)
		}
		if unpaid := x.bills(h2, "unpaid"); len(unpaid) != 4 {
			t.Errorf("bills unpaid after the voids: %d, want 4", len(unpaid))
		}
		expectError(t, x.API(auth.RoleCSManager).Post(voidPath(p2.ID), map[string]any{"reason": "again"}), 409, "conflict", "")
		// The voided number is not reused.
		p3 := x.paid(x.pay(auth.RoleCashier, h2, 25000, x.bills(h2, "unpaid")[:2]...))
		if p3.ReceiptNumber != "SJ2026-000003" {
			t.Errorf("after a void: %s", p3.ReceiptNumber)
		}
		// A payment without bills is a prepayment.
		pre := x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": x.houses[2].ID,
			"amount_fen": 12000, "method": "wechat", "reference": "4200001234"}))
		if pre.PrepaidAddedFen != 12000 || pre.Method != "wechat" || pre.Reference != "4200001234" {
			t.Errorf("prepayment: %+v", pre)
		}
		// Another community's house is out of reach.
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": x.B.House.ID,
			"amount_fen": 100, "method": "cash"}), 403, "forbidden", "")
		expectError(t, x.API(auth.RoleCSManager).Get(fmt.Sprintf("/api/v1/house-accounts/%d", x.B.House.ID)), 403, "forbidden", "")
	})
}

// TestTwoCashiersPayTheSameBill: of two payments of one bill at the same
// moment exactly one succeeds and the other is a conflict.
func TestTwoCashiersPayTheSameBill(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		for _, p := range []string{"2026-07", "2026-08", "2026-09", "2026-10", "2026-11"} {
			x.run(p)
		}
		c1 := x.API(auth.RoleCashier)
		c2 := x.APIAs(x.NewUser(auth.RoleCashier, x.A.Community.ID).Login)
		h := x.houses[0].ID
		for _, b := range x.bills(h, "unpaid") {
			var wg sync.WaitGroup
			start := make(chan struct{})
			codes := make([]int, 2)
			for i, c := range []*apptest.Client{c1, c2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					codes[i] = c.Post("/api/v1/payments", map[string]any{"house_id": h, "bill_ids": []int64{b.ID},
						"amount_fen": b.AmountFen, "method": "cash"}).Code
				}()
			}
			close(start)
			wg.Wait()
			slices.Sort(codes)
			if codes[0] != 201 || codes[1] != 409 {
				t.Errorf("bill %d: codes %v, want one 201 and one 409", b.ID, codes)
			}
		}
		var n, lines int
		x.DB.QueryRow(`SELECT count(*) FROM payments WHERE house_id = $1`, h).Scan(&n)
		x.DB.QueryRow(`SELECT count(*) FROM payment_lines l JOIN payments p ON p.id = l.payment_id WHERE p.house_id = $1`, h).Scan(&lines)
		if n != 10 || lines != 10 {
			t.Errorf("%d payments with %d lines, want 10 and 10", n, lines)
		}
	})
}

// TestReceiptNumbersHaveNoGaps: 20 concurrent payments, some of them
// racing for the same bills, leave receipt numbers 1…n without a gap or
// a duplicate, n being the payments that succeeded.
func TestReceiptNumbersHaveNoGaps(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		var bills []*billing.Bill
		for _, h := range x.houses[:2] {
			bills = append(bills, x.bills(h.ID, "unpaid")...)
		}
		clients := []*apptest.Client{x.API(auth.RoleCashier), x.API(auth.RoleCSManager), x.API(auth.RoleDirector),
			x.APIAs(x.NewUser(auth.RoleCashier, x.A.Community.ID).Login)}
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		var receipts []string
		conflicts := 0
		for i := range 20 {
			body := map[string]any{"house_id": x.houses[2].ID, "amount_fen": 1000 + i, "method": "cash"}
			if i < 2*len(bills) {
				b := bills[i/2]
				body = map[string]any{"house_id": b.HouseID, "bill_ids": []int64{b.ID}, "amount_fen": b.AmountFen, "method": "pos"}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := clients[i%len(clients)].Post("/api/v1/payments", body)
				mu.Lock()
				defer mu.Unlock()
				switch r.Code {
				case 201:
					var p billing.Payment
					r.JSON(t, &p)
					receipts = append(receipts, p.ReceiptNumber)
				case 409:
					conflicts++
				default:
					t.Errorf("payment %d: %s", i, r)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(receipts) != 20-len(bills) || conflicts != len(bills) {
			t.Fatalf("%d paid, %d conflicts", len(receipts), conflicts)
		}
		slices.Sort(receipts)
		for i, r := range receipts {
			if want := fmt.Sprintf("SJ2026-%06d", i+1); r != want {
				t.Fatalf("receipts %v: #%d is %s, want %s", receipts, i, r, want)
			}
		}
	})
}
