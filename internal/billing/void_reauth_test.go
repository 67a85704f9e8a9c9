package billing_test

import (
	"fmt"
	"net/http"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
)

// Voiding a payment over the API: the contract's body is {"reason"}, so
// a Bearer token may leave the voider's password out, but a password it
// sends is checked, and a browser's cookie on the API must bring one.
func TestVoidOverTheAPIChecksTheVoidersPassword(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		h := x.houses[0].ID
		bs := x.bills(h, "unpaid")
		var total int64
		for _, b := range bs {
			total += b.AmountFen
		}
		p := x.paid(x.pay(auth.RoleCashier, h, total, bs...))
		path := fmt.Sprintf("/api/v1/payments/%d/void", p.ID)

		expectError(t, x.API(auth.RoleCSManager).Post(path, map[string]any{"reason": "收错", auth.ReauthField: "Wrong1234"}),
			422, "invalid", auth.ReauthField)
		b := x.Browser(auth.RoleCSManager)
		req := b.Request("POST", path, map[string]any{"reason": "收错"})
		req.Header.Set("X-CSRF-Token", b.CSRF)
		expectError(t, b.Send(req), 422, "invalid", auth.ReauthField)
		if left := x.bills(h, "unpaid"); len(left) != 0 {
			t.Fatalf("a refused void restored %d bills", len(left))
		}
		x.do(auth.RoleCSManager, "POST", path, map[string]any{"reason": "收错", auth.ReauthField: apptest.Password}, http.StatusOK)
		if left := x.bills(h, "unpaid"); len(left) != len(bs) {
			t.Errorf("unpaid after the void: %d, want %d", len(left), len(bs))
		}
	})
}
