package billing_test

import (
	"fmt"
	"net/http"
	"testing"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
)

func TestSplitByWeight(t *testing.T) {
	for _, c := range []struct {
		total   int64
		weights []int64
		want    string
	}{
		{35004, []int64{8950, 10000, 12033}, "[10111 11298 13595]"},
		{10, []int64{1, 1, 1}, "[4 3 3]"},
		{0, []int64{5, 5}, "[0 0]"},
		{7, []int64{0, 0}, "[0 0]"},
		{5, []int64{0, 3}, "[0 5]"},
		{1 << 40, []int64{1 << 30, 1<<30 + 1}, "[549755813632 549755814144]"},
	} {
		got := billing.SplitByWeight(c.total, c.weights)
		var s int64
		for _, v := range got {
			s += v
		}
		if fmt.Sprint(got) != c.want || (s != c.total && c.want != "[0 0]") {
			t.Errorf("SplitByWeight(%d, %v) = %v (sum %d), want %s", c.total, c.weights, got, s, c.want)
		}
	}
}

// TestSharedMeter: a shared (公摊) water meter of the community read at
// 1000 and 1100.01: 100.01 × 3.5 = 350.04 元 (half-up) split over the
// three houses by gross area (89.50, 100.00, 120.33 m²) with the largest
// remainder: 101.11 + 112.98 + 135.95 = 350.04 to the 分; a rerun creates
// nothing; per-house readings of the item are refused; a billed reading
// is final.
func TestSharedMeter(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		water := x.item(map[string]any{"name": "公共水费", "kind": "metered", "unit_price": "3.5", "shared": true})
		if !water.Shared {
			t.Fatalf("item not shared: %+v", water)
		}
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/fee-items", map[string]any{"community_id": x.A.Community.ID,
			"name": "公摊物业费", "kind": "area", "unit_price": "1", "shared": true}), 422, "invalid", "shared")
		read := func(period, reading string) *billing.SharedReading {
			var r billing.SharedReading
			x.do(auth.RoleCashier, "POST", "/api/v1/shared-readings", map[string]any{"fee_item_id": water.ID, "period": period,
				"reading": reading}, http.StatusCreated).JSON(t, &r)
			return &r
		}
		read("2026-10", "1000")
		if r := read("2026-11", "1100.01"); r.Consumption != "100.01" || r.Previous != "1000.00" {
			t.Errorf("November: %+v", r)
		}
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/meter-readings", map[string]any{"house_id": x.houses[0].ID,
			"fee_item_id": water.ID, "period": "2026-11", "reading": "5"}), 422, "invalid", "fee_item_id")
		run := x.run("2026-11")
		if run.Created != 3 || run.TotalFen != 35004 {
			t.Errorf("run: %+v", run)
		}
		want := []int64{10111, 11298, 13595}
		for i, h := range x.houses {
			bs := x.bills(h.ID, "unpaid")
			if len(bs) != 1 || bs[0].AmountFen != want[i] || bs[0].FeeItemID != water.ID {
				t.Errorf("house %s: %+v, want %d", h.Code, bs, want[i])
			}
		}
		if again := x.run("2026-11"); again.Created != 0 || again.Skipped != 3 {
			t.Errorf("rerun: %+v", again)
		}
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/shared-readings", map[string]any{"fee_item_id": water.ID,
			"period": "2026-11", "reading": "1200"}), 409, "conflict", "period")
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/shared-readings", map[string]any{"fee_item_id": water.ID,
			"period": "2026-12", "reading": "900"}), 422, "invalid", "reading")
		if r := x.run("2026-12"); r.Created != 0 || r.Missing != 3 {
			t.Errorf("December without a reading: %+v", r)
		}
		expectError(t, x.API(auth.RoleDeptStaff).Post("/api/v1/shared-readings", map[string]any{}), 403, "forbidden", "")
	})
}
