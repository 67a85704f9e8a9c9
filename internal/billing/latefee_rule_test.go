package billing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// The 滞纳金 of a bill: from when it is issued, by the rule it was issued
// with, capped, and as of a day's end.

// account reads a house's desk account through the API.
func (x *fx) account(houseID int64) *billing.Account {
	x.t.Helper()
	var a billing.Account
	x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/house-accounts/%d", houseID), nil, http.StatusOK).JSON(x.t, &a)
	return &a
}

// TestLateFeeStartsWhenBillIssued: September billed late, on 11-20, owes
// no 滞纳金 that day (not 51 days' worth) and starts accruing the next
// day; a one-off charge dated back to August starts the day it is
// charged, its grace period with it.
func TestLateFeeStartsWhenBillIssued(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.item(map[string]any{"name": "垃圾清运费", "kind": "fixed", "unit_price": "100", "late_fee_daily_rate": "1",
			"late_fee_cap": "100", "effective_from": "2026-01"})
		fee := x.item(map[string]any{"name": "工本费", "kind": "oneoff", "unit_price": "100", "late_fee_daily_rate": "1",
			"late_fee_grace_days": 2, "effective_from": "2026-01"})
		h1, h2 := x.houses[0].ID, x.houses[1].ID
		x.run("2026-09") // at 2026-11-20 10:00
		if a := x.account(h1); a.LateFeeFen != 0 || len(a.Unpaid) != 1 || a.Unpaid[0].LateFeeFen != 0 {
			t.Errorf("September billed today owes a late fee: %d", a.LateFeeFen)
		}
		desk := page(t, x.Browser(auth.RoleCashier), fmt.Sprintf("/billing/desk?house_id=%d", h1), 200)
		has(t, "desk on the day of issue", desk, `id="late">¥0.00<`)
		hasNot(t, "desk on the day of issue", desk, `name="late_fee"`)

		var b billing.Bill
		x.do(auth.RoleCashier, "POST", "/api/v1/bills", map[string]any{"house_id": h2, "fee_item_id": fee.ID, "period": "2026-08"},
			http.StatusCreated).JSON(t, &b)
		x.clk.Set("2026-11-23T09:00:00+08:00")
		if a := x.account(h1); a.LateFeeFen != 300 { // 3 days × 1% of 100.00
			t.Errorf("late fee of September on 11-23: %d, want 300", a.LateFeeFen)
		}
		has(t, "desk three days on", page(t, x.Browser(auth.RoleCashier), fmt.Sprintf("/billing/desk?house_id=%d", h1), 200),
			`id="late">¥3.00<`, `id="sel-late">¥3.00<`)
		a := x.account(h2) // the 工本费: 3 days, 2 of grace
		var charge *billing.Bill
		for _, u := range a.Unpaid {
			if u.ID == b.ID {
				charge = u
			}
		}
		if charge == nil || charge.LateFeeFen != 100 {
			t.Errorf("back-dated charge on 11-23: %+v, want a late fee of 100", charge)
		}
	})
}

// TestBillsAsOfDayCountsThatDay: GET /api/v1/bills?as_of=DAY shows the
// late fee as of the end of DAY — DAY counted, not the day after.
func TestBillsAsOfDayCountsThatDay(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.item(map[string]any{"name": "垃圾清运费", "kind": "fixed", "unit_price": "100", "late_fee_daily_rate": "1", "late_fee_cap": "100"})
		x.run("2026-11")
		for asOf, want := range map[string]int64{
			"2026-11-30": 0, "2026-12-01": 100, "2026-12-03": 300,
			url.QueryEscape("2026-12-02T00:00:00+08:00"): 100, // the bound itself is not counted
		} {
			var out struct{ Items []*billing.Bill }
			x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/bills?house_id=%d&as_of=%s", x.houses[0].ID, asOf), nil,
				http.StatusOK).JSON(t, &out)
			if len(out.Items) != 1 || out.Items[0].LateFeeFen != want {
				t.Errorf("late fee as of %s: %+v, want %d", asOf, out.Items, want)
			}
		}
	})
}

// TestEnablingLateFeeByEditIsCapped: an item without a 滞纳金 shows no rule
// (no "上限 0%") and an empty form; turning the fee on by editing it —
// the API with the daily rate alone, or the page with the cap left at 0
// — caps it at 100% of the bill, as the form's hint says.
func TestEnablingLateFeeByEditIsCapped(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		it := x.item(map[string]any{"name": "垃圾清运费", "kind": "fixed", "unit_price": "100"})
		manager := x.Browser(auth.RoleCSManager)
		path := fmt.Sprintf("/billing/fee-items/%d", it.ID)
		before := page(t, manager, path, 200)
		has(t, "item without a late fee", before, "不收", `name="late_fee_cap" type="text" value=""`,
			`name="late_fee_daily_rate" type="text" value=""`, "留空或填 0 即 100%")
		hasNot(t, "item without a late fee", before, "上限 0%")
		hasNot(t, "items without a late fee", page(t, manager, "/billing/items", 200), "上限 0%")

		var got billing.FeeItem
		x.do(auth.RoleCSManager, "PUT", fmt.Sprintf("/api/v1/fee-items/%d", it.ID), map[string]any{"late_fee_daily_rate": "1"},
			http.StatusOK).JSON(t, &got)
		if got.LateFeeRate != "1" || got.LateFeeCap != "100" {
			t.Errorf("after enabling by the API: rate %q cap %q, want 1 and 100", got.LateFeeRate, got.LateFeeCap)
		}
		has(t, "item with a late fee", page(t, manager, path, 200), "日 1%，宽限 0 天，上限 100%")
		x.run("2026-11")
		x.clk.Set("2027-06-30T10:00:00+08:00") // 212 days at 1%
		if b := x.bills(x.houses[0].ID, "unpaid"); len(b) != 1 || b[0].LateFeeFen != b[0].AmountFen || b[0].AmountFen != 10000 {
			t.Errorf("late fee after 212 days: %+v, want the bill's 100.00 at most", b)
		}

		// The page: the cap left at 0 is 100% too.
		other := x.item(map[string]any{"name": "车位管理费", "kind": "fixed", "unit_price": "80"})
		opath := fmt.Sprintf("/billing/fee-items/%d", other.ID)
		form := url.Values{"name": {"车位管理费"}, "active": {"1"}, "late_fee_daily_rate": {"0.5"}, "late_fee_grace_days": {"0"},
			"late_fee_cap": {"0"}}
		_, body := follow(t, manager, submit(t, manager, opath, form, http.StatusSeeOther))
		has(t, "enabled on the page", body, "日 0.5%，宽限 0 天，上限 100%")
	})
}

// TestLateFeeRuleKeptOnIssuedBills: a bill keeps the 滞纳金 rule it was
// issued with, as it keeps its price: raising the item's rate, or
// turning the fee off, changes the fees of bills issued afterwards only.
func TestLateFeeRuleKeptOnIssuedBills(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		it := x.item(map[string]any{"name": "垃圾清运费", "kind": "fixed", "unit_price": "100", "late_fee_daily_rate": "0.5"})
		fee := x.item(map[string]any{"name": "工本费", "kind": "oneoff", "unit_price": "100", "late_fee_daily_rate": "0.5"})
		h1 := x.houses[0].ID
		x.run("2026-11")
		x.do(auth.RoleCashier, "POST", "/api/v1/bills", map[string]any{"house_id": h1, "fee_item_id": fee.ID}, http.StatusCreated)
		x.clk.Set("2026-12-10T10:00:00+08:00")
		edit := func(id int64, body map[string]any) {
			x.do(auth.RoleCSManager, "PUT", fmt.Sprintf("/api/v1/fee-items/%d", id), body, http.StatusOK)
		}
		edit(it.ID, map[string]any{"late_fee_daily_rate": "1", "late_fee_grace_days": 1})
		edit(fee.ID, map[string]any{"late_fee_daily_rate": ""}) // off
		x.run("2026-12")
		x.clk.Set("2027-01-05T10:00:00+08:00")
		want := map[string]int64{
			"2026-11 垃圾清运费": 1800, // 36 days × 0.5%, as issued
			"2026-11 工本费":   1800, // issued on 11-20 with 0.5%; turned off since
			"2026-12 垃圾清运费": 400,  // 5 days − 1 of grace × 1%
		}
		bs := x.bills(h1, "unpaid")
		if len(bs) != len(want) {
			t.Fatalf("bills: %d", len(bs))
		}
		for _, b := range bs {
			if k := b.Period + " " + b.FeeItemName; b.LateFeeFen != want[k] {
				t.Errorf("%s: late fee %d, want %d (rule %s%%/day, grace %d, cap %s%%)", k, b.LateFeeFen, want[k],
					b.LateFeeRate, b.LateFeeGraceDays, b.LateFeeCap)
			}
		}
		if a := x.account(h1); a.LateFeeFen != 1800+1800+400 {
			t.Errorf("desk late fee %d", a.LateFeeFen)
		}
		if bs[0].LateFeeRate != "0.5" || bs[0].LateFeeCap != "100" || bs[2].LateFeeRate != "1" || bs[2].LateFeeGraceDays != 1 {
			t.Errorf("rules on the bills: %+v / %+v", bs[0], bs[2])
		}
	})
}

// TestMigrationCopiesLateFeeRuleOntoBills: bills issued before bills kept
// their own rule take their item's rule when the schema is upgraded, an
// uncapped rule (cap 0) becoming 100%; the item's later changes leave
// them alone.
func TestMigrationCopiesLateFeeRuleOntoBills(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, dbtest.DSN(t, dialect))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			if err := d.MigrateTo(ctx, map[string]int64{"billing": 5}, app.Modules...); err != nil {
				t.Fatal(err)
			}
			f := apptest.New(t, d)
			cid, hid := f.A.Community.ID, f.A.House.ID
			now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
			var item, plain int64
			for _, it := range []struct {
				id         *int64
				name       string
				rate, cap_ int64
			}{{&item, "垃圾清运费", 10000, 0}, {&plain, "车位管理费", 0, 0}} {
				if err := d.QueryRowContext(ctx, `INSERT INTO fee_items (community_id, name, kind, late_fee_rate, late_fee_grace_days,
					late_fee_cap, created_at, updated_at) VALUES ($1, $2, 'fixed', $3, 2, $4, $5, $5) RETURNING id`,
					cid, it.name, it.rate, it.cap_, now).Scan(it.id); err != nil {
					t.Fatal(err)
				}
				if _, err := d.ExecContext(ctx, `INSERT INTO bills (community_id, house_id, fee_item_id, period, quantity, unit_price,
					amount_fen, status, created_at, updated_at) VALUES ($1, $2, $3, '2026-10', 100, 1000000, 10000, 'unpaid', $4, $4)`,
					cid, hid, *it.id, now); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Migrate(ctx, app.Modules...); err != nil {
				t.Fatal(err)
			}
			admin := f.Users[auth.RoleAdmin]
			bs := f.App.Billing
			bs.Now = func() time.Time { return time.Date(2027, 6, 1, 2, 0, 0, 0, time.UTC) }
			it, err := bs.FeeItem(ctx, admin, item)
			if err != nil {
				t.Fatal(err)
			}
			in := billing.FeeItemInputOf(it)
			in.LateFeeRate, in.LateFeeCap = "0.01", "5"
			if _, err := bs.UpdateFeeItem(ctx, admin, item, in); err != nil {
				t.Fatal(err)
			}
			bills, _, err := bs.Bills(ctx, admin, billing.BillFilter{HouseID: hid})
			if err != nil {
				t.Fatal(err)
			}
			if len(bills) != 2 {
				t.Fatalf("bills: %d", len(bills))
			}
			for _, b := range bills {
				switch b.FeeItemID {
				case item: // 1%/day since 11-20, 2 days' grace: capped at the bill
					if b.LateFeeRate != "1" || b.LateFeeGraceDays != 2 || b.LateFeeCap != "100" || b.LateFeeFen != 10000 {
						t.Errorf("migrated bill: %+v", b)
					}
				case plain:
					if b.LateFeeRate != "0" || b.LateFeeFen != 0 {
						t.Errorf("bill without a late fee: %+v", b)
					}
				}
			}
		})
	}
}

// TestLateFeeShownMustStillBeDue: the desk sends the 滞纳金 it showed; if
// it is no longer what is due when the money is taken (past midnight, a
// day more), the payment is refused with the new figure, on the page and
// through the API, and nothing is paid.
func TestLateFeeShownMustStillBeDue(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.lateFees() // 2026-12-31 10:00: 3-2-1201's 物业服务费 owes 3.26
		h1 := x.houses[0].ID
		bs := x.bills(h1, "unpaid")
		cashier := x.Browser(auth.RoleCashier)
		has(t, "desk", page(t, cashier, fmt.Sprintf("/billing/desk?house_id=%d", h1), 200), `name="late_fee_fen" value="326"`)
		x.clk.Set("2027-01-01T00:01:00+08:00") // 32 days: 210.33 × 0.05% × 32 = 3.37
		form := url.Values{"house_id": {fmt.Sprint(h1)}, "sel": {"1"}, "bill_ids": ids(bs), "method": {"cash"}, "late_fee": {"1"},
			"late_fee_fen": {"326"}, "amount": {"228.59"}}
		has(t, "desk after midnight", string(submit(t, cashier, "/billing/desk/pay", form, http.StatusUnprocessableEntity).Body),
			"滞纳金已按收款时重新计算为 ¥3.37（所示 ¥3.26），应收 ¥228.70", `id="sel-late">¥3.37<`, `name="late_fee_fen" value="337"`)
		if left := x.bills(h1, "unpaid"); len(left) != 2 {
			t.Fatalf("a refused payment paid %d bills", 2-len(left))
		}
		pay := func(shown int64) *apptest.Response {
			return x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h1, "bill_ids": billIDs(bs),
				"amount_fen": 22870, "method": "cash", "late_fee": true, "late_fee_fen": shown})
		}
		expectError(t, pay(326), 400, "invalid", "late_fee_fen")
		if p := x.paid(pay(337)); p.LateFeeFen != 337 || p.AmountFen != 22870 {
			t.Errorf("payment: %+v", p)
		}
	})
}
