package billing_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
)

// standard sets up community A's two monthly items: 物业服务费 2.35
// 元/m²/月 for 住宅, 垃圾清运费 15 元/月 for every house.
func (x *fx) standard() (area, fixed *billing.FeeItem) {
	area = x.item(map[string]any{"name": "物业服务费", "kind": "area", "unit_price": "2.35", "applies_to": map[string]any{"use": []string{"住宅"}}})
	fixed = x.item(map[string]any{"name": "垃圾清运费", "kind": "fixed", "unit_price": 15})
	return area, fixed
}

func count(t *testing.T, x *fx, query string, args ...any) int {
	t.Helper()
	var n int
	if err := x.DB.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBillRunIsIdempotent: one line per house × item, amount = quantity ×
// price half-up per line (89.50 m² × 2.35 = 210.33), totals equal the
// lines to the 分, and the same run again creates nothing.
func TestBillRunIsIdempotent(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		area, fixed := x.standard()
		body := map[string]any{"community_id": x.A.Community.ID, "period": "2026-11"}
		var pre billing.BillRun
		x.do(auth.RoleCSManager, "POST", "/api/v1/bill-runs/preview", body, http.StatusOK).JSON(t, &pre)
		if pre.Created != 5 || pre.TotalFen != 21033+23500+3*1500 || pre.ID != 0 {
			t.Errorf("preview: %+v", pre)
		}
		if n := count(t, x, `SELECT count(*) FROM bills WHERE community_id = $1`, x.A.Community.ID); n != 0 {
			t.Fatalf("preview wrote %d bills", n)
		}

		r := x.do(auth.RoleCSManager, "POST", "/api/v1/bill-runs", body, http.StatusCreated)
		m := r.Map(t)
		for _, k := range []string{"id", "created", "skipped", "total_fen"} {
			if _, ok := m[k]; !ok {
				t.Errorf("run response has no %s: %s", k, r)
			}
		}
		var run billing.BillRun
		r.JSON(t, &run)
		if run.ID == 0 || run.Created != 5 || run.Skipped != 0 || run.TotalFen != 49033 {
			t.Errorf("run: %+v", run)
		}
		h1 := x.bills(x.houses[0].ID, "unpaid")
		if len(h1) != 2 || h1[0].FeeItemID != area.ID || h1[0].AmountFen != 21033 || h1[0].Period != "2026-11" ||
			h1[0].Quantity != "89.50" || h1[0].UnitPrice != "2.35" || h1[1].FeeItemID != fixed.ID || h1[1].AmountFen != 1500 {
			t.Errorf("3-2-1201 bills: %+v %+v", h1[0], h1[1])
		}
		if shop := x.bills(x.houses[2].ID, ""); len(shop) != 1 || shop[0].FeeItemID != fixed.ID {
			t.Errorf("the 商铺 gets only the fixed fee: %d bills", len(shop))
		}
		var all int64
		for _, h := range x.houses {
			all += sum(x.bills(h.ID, "unpaid"))
		}
		if all != run.TotalFen {
			t.Errorf("lines sum to %d, run total %d", all, run.TotalFen)
		}
		var got billing.BillRun
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/bill-runs/%d", run.ID), nil, http.StatusOK).JSON(t, &got)
		var items int64
		for _, it := range got.Items {
			items += it.TotalFen
		}
		if items != 49033 || len(got.Items) != 2 {
			t.Errorf("run items %+v", got.Items)
		}

		again := x.run("2026-11")
		if again.Created != 0 || again.Skipped != 5 || again.TotalFen != 0 {
			t.Errorf("rerun: %+v", again)
		}
		if n := count(t, x, `SELECT count(*) FROM bills WHERE community_id = $1`, x.A.Community.ID); n != 5 {
			t.Errorf("%d bills after the rerun, want 5", n)
		}
		// A new house gets its line on the next run, nothing else does.
		x.do(auth.RoleCSManager, "POST", "/api/v1/bill-runs/preview", body, http.StatusOK).JSON(t, &pre)
		if pre.Created != 0 || pre.Skipped != 5 {
			t.Errorf("preview after run: %+v", pre)
		}
		// Bad input is a 4xx with the field.
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/bill-runs", map[string]any{"community_id": x.A.Community.ID,
			"period": "2026-13"}), 422, "invalid", "period")
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/bill-runs", body), 403, "forbidden", "")
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/bill-runs", map[string]any{"community_id": x.B.Community.ID,
			"period": "2026-11"}), 403, "forbidden", "")
	})
}

// TestBillRunIsAllOrNothing: a run that fails halfway (here after its
// second batch of lines) leaves no bill, no run, no audit entry and no
// prepaid draw-down; the same run then succeeds in full.
func TestBillRunIsAllOrNothing(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.paid(x.pay(auth.RoleCashier, x.houses[1].ID, 100000)) // 1000.00 prepaid
		crash := errors.New("断电")
		billing.SetRunHook(x.svc, 2, func(n int) error {
			if n >= 4 {
				return crash
			}
			return nil
		})
		_, err := x.svc.Run(context.Background(), x.user(auth.RoleCSManager), billing.RunInput{CommunityID: x.A.Community.ID, Period: "2026-11"})
		if !errors.Is(err, crash) {
			t.Fatalf("run error %v, want the injected one", err)
		}
		cid := x.A.Community.ID
		if n := count(t, x, `SELECT count(*) FROM bills WHERE community_id = $1`, cid); n != 0 {
			t.Errorf("%d bills survived the failed run", n)
		}
		if n := count(t, x, `SELECT count(*) FROM bill_runs WHERE community_id = $1`, cid); n != 0 {
			t.Errorf("%d runs survived the failed run", n)
		}
		if n := count(t, x, `SELECT count(*) FROM audit_log WHERE community_id = $1 AND entity = 'bill_run'`, cid); n != 0 {
			t.Errorf("%d audit entries of the failed run", n)
		}
		if b := x.balance(x.houses[1].ID); b != 100000 {
			t.Errorf("balance %d after the failed run", b)
		}
		billing.SetRunHook(x.svc, 500, nil)
		run := x.run("2026-11")
		if run.Created != 5 || run.TotalFen != 49033 || run.PrepaidFen != 23500+1500 {
			t.Errorf("run after the crash: %+v", run)
		}
	})
}

// TestPriceChangeDoesNotRewriteIssuedBills: a new price applies from its
// period on; bills already issued keep theirs, even when the change is
// dated back.
func TestPriceChangeDoesNotRewriteIssuedBills(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		area, _ := x.standard()
		x.run("2026-11")
		path := fmt.Sprintf("/api/v1/fee-items/%d/prices", area.ID)
		var it billing.FeeItem
		x.do(auth.RoleCSManager, "POST", path, map[string]any{"unit_price": "2.50", "effective_from": "2026-12"}, http.StatusOK).JSON(t, &it)
		if len(it.Prices) != 2 || it.UnitPrice != "2.50" || it.Prices[1].EffectiveFrom != "2026-12" {
			t.Errorf("prices: %+v", it.Prices)
		}
		x.do(auth.RoleCSManager, "POST", path, map[string]any{"unit_price": "9.9999", "effective_from": "2026-11"}, http.StatusOK)
		if again := x.run("2026-11"); again.Created != 0 {
			t.Errorf("rerun after a back-dated price created %d", again.Created)
		}
		dec := x.run("2026-12")
		nov, decb := 0, 0
		for _, b := range x.bills(x.houses[0].ID, "") {
			if b.FeeItemID != area.ID {
				continue
			}
			switch b.Period {
			case "2026-11":
				nov++
				if b.AmountFen != 21033 || b.UnitPrice != "2.35" {
					t.Errorf("November rewritten: %+v", b)
				}
			case "2026-12":
				decb++
				if b.AmountFen != 22375 || b.UnitPrice != "2.50" { // 89.50 × 2.50
					t.Errorf("December: %+v", b)
				}
			}
		}
		if nov != 1 || decb != 1 || dec.Created != 5 {
			t.Errorf("nov %d dec %d created %d", nov, decb, dec.Created)
		}
		// unit_price is a decimal of at most four places, never a float.
		for _, c := range []struct {
			price any
			code  int
		}{{"2.3456", 201}, {"2.34567", 422}, {"abc", 422}, {"-1", 422}, {2.35, 201}} {
			r := x.API(auth.RoleCSManager).Post("/api/v1/fee-items", map[string]any{"community_id": x.A.Community.ID,
				"name": fmt.Sprintf("测试%v", c.price), "kind": "fixed", "unit_price": c.price})
			if r.Code != c.code {
				t.Errorf("unit_price %v: %s, want %d", c.price, r, c.code)
			} else if c.code == 422 {
				expectError(t, r, 422, "invalid", "unit_price")
			}
		}
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/fee-items", map[string]any{"community_id": x.A.Community.ID,
			"name": "物业服务费", "kind": "area", "unit_price": "1"}), 409, "conflict", "name")
		// applies_to takes use, building_ids, house_ids (or their aliases) and nothing else.
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/fee-items", map[string]any{"community_id": x.A.Community.ID,
			"name": "车位管理费", "kind": "fixed", "unit_price": "80", "applies_to": map[string]any{"rooms": []int{1}}}), 422, "invalid", "applies_to")
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/fee-items", map[string]any{"community_id": x.A.Community.ID,
			"name": "车位管理费", "kind": "fixed", "unit_price": "80", "applies_to": map[string]any{"houses": []int64{x.B.House.ID}}}),
			422, "invalid", "applies_to")
		park := x.item(map[string]any{"name": "车位管理费", "kind": "fixed", "unit_price": "80",
			"applies_to": map[string]any{"houses": []int64{x.houses[2].ID}, "use": "商铺"}})
		if len(park.AppliesTo.HouseIDs) != 1 || park.AppliesTo.Uses[0] != "商铺" {
			t.Errorf("applies_to: %+v", park.AppliesTo)
		}
		x.clk.Set("2026-12-05T10:00:00+08:00") // January is billed from December on
		for _, it := range x.run("2027-01").Items {
			if it.FeeItemID == park.ID && (it.Lines != 1 || it.TotalFen != 8000) {
				t.Errorf("parking is the 商铺's only: %+v", it)
			}
		}
	})
}

// TestExemptionSkipsHouses: an exempt house gets no bill in the exempt
// periods, and gets them again after.
func TestExemptionSkipsHouses(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		area, _ := x.standard()
		var e billing.Exemption
		x.do(auth.RoleCSManager, "POST", "/api/v1/exemptions", map[string]any{"house_id": x.houses[1].ID, "from": "2026-11",
			"to": "2026-12", "reason": "开发商空置房减免"}, http.StatusCreated).JSON(t, &e)
		x.do(auth.RoleCSManager, "POST", "/api/v1/exemptions", map[string]any{"house_id": x.houses[0].ID, "fee_item_id": area.ID,
			"from": "2026-11", "to": "2026-11", "reason": "困难户减免"}, http.StatusCreated)
		run := x.run("2026-11")
		if run.Created != 2 || run.Exempt != 3 || run.TotalFen != 3000 {
			t.Errorf("November: %+v", run)
		}
		if bs := x.bills(x.houses[1].ID, ""); len(bs) != 0 {
			t.Errorf("exempt house billed: %d", len(bs))
		}
		dec := x.run("2026-12")
		if dec.Created != 3 || dec.Exempt != 2 {
			t.Errorf("December: %+v", dec)
		}
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/exemptions/%d/void", e.ID), map[string]any{"reason": "已入住"}, http.StatusOK)
		x.clk.Set("2026-12-05T10:00:00+08:00") // January is billed from December on
		if jan := x.run("2027-01"); jan.Created != 5 || jan.Exempt != 0 {
			t.Errorf("January: %+v", jan)
		}
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/exemptions", map[string]any{"house_id": x.houses[1].ID,
			"from": "2026-11", "to": "2026-10", "reason": "x"}), 422, "invalid", "to")
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/exemptions", map[string]any{"house_id": x.B.House.ID,
			"from": "2026-11", "to": "2026-12", "reason": "x"}), 403, "forbidden", "")
	})
}

// TestMeterReadings: consumption × unit price; a reading lower than the
// previous is refused unless the meter was replaced; houses without a
// reading are counted, not billed; a billed reading is final.
func TestMeterReadings(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		water := x.item(map[string]any{"name": "水费", "kind": "metered", "unit_price": "3.5"})
		read := func(house int64, period string, reading any, replacement bool) *apptest.Response {
			return x.API(auth.RoleCashier).Post("/api/v1/meter-readings", map[string]any{"house_id": house, "fee_item_id": water.ID,
				"period": period, "reading": reading, "replacement": replacement})
		}
		h := x.houses[0].ID
		if r := read(h, "2026-10", "100", false); r.Code != 201 {
			t.Fatalf("October: %s", r)
		}
		r := read(h, "2026-11", "112.5", false)
		var rd billing.Reading
		r.JSON(t, &rd)
		if r.Code != 201 || rd.Consumption != "12.50" || rd.Previous != "100.00" {
			t.Errorf("November: %s", r)
		}
		expectError(t, read(h, "2026-12", "110", false), 422, "invalid", "reading")
		r = read(h, "2026-12", "3", true)
		r.JSON(t, &rd)
		if r.Code != 201 || rd.Consumption != "3.00" || !rd.Replacement {
			t.Errorf("replacement: %s", r)
		}
		run := x.run("2026-11")
		if run.Created != 1 || run.TotalFen != 4375 || run.Missing != 2 { // 12.50 × 3.5 = 43.75
			t.Errorf("run: %+v", run)
		}
		expectError(t, read(h, "2026-11", "120", false), 409, "conflict", "period")
		expectError(t, read(h, "2026-10", "101", false), 409, "conflict", "period") // November is billed on 100

		// Readings entered out of order keep the later consumption right.
		h2 := x.houses[1].ID
		read(h2, "2027-02", "50", false)
		read(h2, "2027-01", "20", false)
		var got struct {
			Items []billing.Reading `json:"items"`
		}
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/meter-readings?house_id=%d&period=2027-02", h2), nil, http.StatusOK).JSON(t, &got)
		if len(got.Items) != 1 || got.Items[0].Previous != "20.00" || got.Items[0].Consumption != "30.00" {
			t.Errorf("February after January: %+v", got.Items)
		}
		expectError(t, read(h2, "2027-01", "60", false), 422, "invalid", "reading")
		// The fixed fee of the same house is no metered item.
		fixed := x.item(map[string]any{"name": "垃圾清运费", "kind": "fixed", "unit_price": "15"})
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/meter-readings", map[string]any{"house_id": h,
			"fee_item_id": fixed.ID, "period": "2026-11", "reading": "1"}), 422, "invalid", "fee_item_id")
		expectError(t, x.API(auth.RoleDeptStaff).Post("/api/v1/meter-readings", map[string]any{}), 403, "forbidden", "")
	})
}

// TestRunRoundsEachLineHalfUp: every line is rounded on its own, half
// up, and the run's total is the sum of the rounded lines: 1.005 元 →
// 1.01; 89.50 × 0.0001 = 0.895 分 → 1 分; 100.00 × 0.0001 = 1 分;
// 120.33 × 0.0001 = 1.2033 分 → 1 分.
func TestRunRoundsEachLineHalfUp(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		fixed := x.item(map[string]any{"name": "公共照明费", "kind": "fixed", "unit_price": "1.005"})
		area := x.item(map[string]any{"name": "电梯维保费", "kind": "area", "unit_price": "0.0001"})
		run := x.run("2026-11")
		if run.Created != 6 || run.TotalFen != 3*101+3 {
			t.Errorf("run: created %d total %d, want 6 and %d", run.Created, run.TotalFen, 3*101+3)
		}
		var lines int64
		for _, h := range x.houses {
			for _, b := range x.bills(h.ID, "unpaid") {
				want := int64(1)
				if b.FeeItemID == fixed.ID {
					want = 101
				}
				if b.AmountFen != want || (b.FeeItemID == area.ID && b.UnitPrice != "0.0001") {
					t.Errorf("%s %s: %d (%s × %s)", b.HouseCode, b.FeeItemName, b.AmountFen, b.Quantity, b.UnitPrice)
				}
				lines += b.AmountFen
			}
		}
		if lines != run.TotalFen {
			t.Errorf("lines %d, total %d", lines, run.TotalFen)
		}
	})
}
