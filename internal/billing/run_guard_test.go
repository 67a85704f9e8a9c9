package billing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/billing"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// TestRunPeriodLimit: a month is billed at most one month ahead of the
// current month of Asia/Shanghai — December in November, January from
// 1 December 00:00 Beijing time — and a later one is refused on
// "period" with a Chinese message, by the API and on the page.
func TestRunPeriodLimit(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		cid := x.A.Community.ID
		x.clk.Set("2026-11-30T23:30:00+08:00") // still November in Beijing (15:30 UTC)
		for _, path := range []string{"/api/v1/bill-runs", "/api/v1/bill-runs/preview"} {
			r := x.API(auth.RoleCSManager).Post(path, map[string]any{"community_id": cid, "period": "2027-01"})
			expectError(t, r, 422, "invalid", "period")
			if msg := r.Error(t).Message; !strings.Contains(msg, "只能为本月或下月出账") || !strings.Contains(msg, "2026-12") {
				t.Errorf("%s 2027-01: %s", path, msg)
			}
		}
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/bill-runs", map[string]any{"community_id": cid, "period": "2200-01"}),
			422, "invalid", "period")
		manager := x.Browser(auth.RoleCSManager)
		body := string(submit(t, manager, "/billing/runs", url.Values{"community_id": {fmt.Sprint(cid)}, "period": {"2027-01"}},
			http.StatusUnprocessableEntity).Body)
		has(t, "run page", body, "只能为本月或下月出账", "has-err")
		if n := count(t, x, `SELECT count(*) FROM bill_runs WHERE community_id = $1`, cid); n != 0 {
			t.Errorf("refused runs recorded: %d", n)
		}
		if r := x.run("2026-12"); r.Created != 5 {
			t.Errorf("December in November: %+v", r)
		}
		x.clk.Set("2026-12-01T00:30:00+08:00") // December in Beijing, still 11-30 in UTC
		if r := x.run("2027-01"); r.Created != 5 {
			t.Errorf("January on 12-01: %+v", r)
		}
	})
}

// TestRerunRecordsNothingNew: running a month again creates no bill and
// records no empty run — the answer names the month's run — unless it
// draws a prepaid balance down, which it records as a run of its own.
func TestRerunRecordsNothingNew(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		cid := x.A.Community.ID
		first := x.run("2026-11")
		again := x.run("2026-11")
		if again.Created != 0 || again.Skipped != first.Created || again.ID != first.ID || again.TotalFen != 0 {
			t.Errorf("rerun: %+v (first %+v)", again, first)
		}
		runs := func() int { return count(t, x, `SELECT count(*) FROM bill_runs WHERE community_id = $1`, cid) }
		if n := runs(); n != 1 {
			t.Errorf("runs after a rerun: %d, want 1", n)
		}
		manager := x.Browser(auth.RoleCSManager)
		_, body := follow(t, manager, submit(t, manager, "/billing/runs", url.Values{"community_id": {fmt.Sprint(cid)},
			"period": {"2026-11"}}, http.StatusSeeOther))
		has(t, "rerun on the page", body, "2026-11 没有需要生成的账单（5 笔此前已出账），未新增出账记录")
		if n := runs(); n != 1 {
			t.Errorf("runs after a rerun on the page: %d, want 1", n)
		}

		// A prepayment since: the rerun draws it down, and that is a run.
		h1 := x.houses[0].ID
		x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h1, "amount_fen": 30000, "method": "cash"}))
		draw := x.run("2026-11")
		if draw.Created != 0 || draw.PrepaidFen != 22533 || draw.ID == first.ID || runs() != 2 {
			t.Errorf("rerun drawing a prepayment: %+v, %d runs", draw, runs())
		}
		if again := x.run("2026-11"); again.ID != draw.ID || runs() != 2 {
			t.Errorf("third rerun: %+v, %d runs", again, runs())
		}
	})
}

// TestOneOffChargedTwiceAMonth: a house can be charged the same one-off
// item twice in a month (two 工本费), while a bill run stays idempotent —
// a rerun creates nothing twice, and the database itself still refuses
// a second run bill of a house, item and month.
func TestOneOffChargedTwiceAMonth(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		_, fixed := x.standard()
		fee := x.item(map[string]any{"name": "工本费", "kind": "oneoff", "unit_price": "10"})
		h1 := x.houses[0].ID
		for range 2 {
			x.do(auth.RoleCashier, "POST", "/api/v1/bills", map[string]any{"house_id": h1, "fee_item_id": fee.ID, "note": "补办门禁卡"},
				http.StatusCreated)
		}
		desk := page(t, x.Browser(auth.RoleCashier), fmt.Sprintf("/billing/desk?house_id=%d", h1), 200)
		if n := strings.Count(desk, "补办门禁卡"); n != 2 {
			t.Errorf("desk shows %d 工本费, want 2", n)
		}
		first := x.run("2026-11")
		if again := x.run("2026-11"); again.Created != 0 || len(x.bills(h1, "unpaid")) != 4 {
			t.Errorf("rerun: %+v; bills %d", again, len(x.bills(h1, "unpaid")))
		}
		_, err := x.DB.ExecContext(context.Background(), `INSERT INTO bills (community_id, house_id, fee_item_id, run_id, period,
			quantity, unit_price, amount_fen, status, created_at, updated_at) VALUES ($1, $2, $3, $4, '2026-11', 100, 150000, 1500,
			'unpaid', $5, $5)`, x.A.Community.ID, h1, fixed.ID, first.ID, time.Now().UTC())
		if !db.IsUniqueViolation(err) {
			t.Errorf("a second run bill of 3-2-1201 垃圾清运费 2026-11: %v, want a unique violation", err)
		}
	})
}

// TestReadingWaitsForRun: a meter reading entered while the month's run
// is being written waits for it and is then refused as billed, instead
// of changing a reading the run has already billed on (PostgreSQL; on
// SQLite writers queue anyway).
func TestReadingWaitsForRun(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		water := x.item(map[string]any{"name": "水费", "kind": "metered", "unit_price": "3.5"})
		h1 := x.houses[0].ID
		cashier := x.user(auth.RoleCashier)
		read := func(v string) (*billing.Reading, error) {
			return x.svc.RecordReading(context.Background(), cashier, billing.ReadingInput{HouseID: h1, FeeItemID: water.ID,
				Period: "2026-11", Reading: web.Text(v)})
		}
		if _, err := read("100"); err != nil {
			t.Fatal(err)
		}
		type result struct {
			r   *billing.Reading
			err error
		}
		done := make(chan result, 1)
		duringRun := false
		var once sync.Once
		billing.SetRunHook(x.svc, 1, func(int) error {
			once.Do(func() { // the run's bills are written, not committed
				go func() {
					r, err := read("120")
					done <- result{r, err}
				}()
				select {
				case res := <-done:
					duringRun = true
					done <- res
				case <-time.After(1500 * time.Millisecond):
				}
			})
			return nil
		})
		defer billing.SetRunHook(x.svc, 500, nil)
		run, err := x.svc.Run(context.Background(), x.user(auth.RoleCSManager), billing.RunInput{CommunityID: x.A.Community.ID,
			Period: "2026-11"})
		if err != nil {
			t.Fatal(err)
		}
		res := <-done
		if duringRun || errs.CodeOf(res.err) != errs.CodeConflict {
			t.Errorf("reading during the run: finished during it %v, %+v %v; want it to wait and be refused", duringRun, res.r, res.err)
		}
		var got struct{ Items []*billing.Reading }
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/meter-readings?house_id=%d&period=2026-11", h1), nil, http.StatusOK).JSON(t, &got)
		bs := x.bills(h1, "unpaid")
		if run.Created != 1 || len(got.Items) != 1 || got.Items[0].Reading != "100.00" || len(bs) != 1 || bs[0].AmountFen != 35000 {
			t.Errorf("run %+v, reading %+v, bills %+v: the bill must match the reading", run, got.Items, bs)
		}
	})
}

// TestPrepaidDrawDownsAudited: each payment a run makes from a prepaid
// balance is in the audit log, and its record page shows who made it.
func TestPrepaidDrawDownsAudited(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		h1, h2 := x.houses[0].ID, x.houses[1].ID
		for _, h := range []int64{h1, h2} {
			x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h, "amount_fen": 30000, "method": "bank"}))
		}
		run := x.run("2026-11")
		var out struct{ Items []*billing.Payment }
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/payments?community_id=%d&method=prepaid", x.A.Community.ID), nil,
			http.StatusOK).JSON(t, &out)
		if len(out.Items) != 2 || run.PrepaidFen != 22533+25000 {
			t.Fatalf("draw-downs: %d, run %+v", len(out.Items), run)
		}
		manager := x.user(auth.RoleCSManager)
		for _, p := range out.Items {
			hist, err := audit.History(context.Background(), x.DB, "payment", p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) != 1 || hist[0].Action != audit.ActionCreate || hist[0].UserName != manager.Name {
				t.Errorf("history of draw-down %d: %+v", p.ID, hist)
			}
			has(t, "draw-down record", page(t, x.Browser(auth.RoleAuditor), fmt.Sprintf("/billing/payments/%d", p.ID), 200),
				"变更记录", "新建", manager.Name)
		}
	})
}

// TestReadsNeedBillingRead: every read of billing records checks the
// read permission itself, behind the routes: department staff, who have
// none, get 403 from the service too; an auditor reads, within the
// communities in scope only. (Bill is the exception: other modules show
// their own bills through it, within scope.)
func TestReadsNeedBillingRead(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		h1, cid := x.houses[0].ID, x.A.Community.ID
		p := x.paid(x.pay(auth.RoleCashier, h1, 22533, x.bills(h1, "unpaid")...))
		b := x.bills(h1, "paid")[0]
		var e billing.Expenditure
		x.do(auth.RoleDirector, "POST", "/api/v1/expenditures", map[string]any{"community_id": cid, "spent_on": "2026-11-10",
			"category": "绿化养护", "amount_fen": 100}, http.StatusCreated).JSON(t, &e)
		var runs struct{ Items []*billing.BillRun }
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/bill-runs?community_id=%d", cid), nil, http.StatusOK).JSON(t, &runs)
		s, ctx := x.svc, context.Background()
		reads := map[string]func(u *auth.User, community int64) error{
			"FeeItems": func(u *auth.User, c int64) error { _, err := s.FeeItems(ctx, u, c); return err },
			"FeeItem":  func(u *auth.User, _ int64) error { _, err := s.FeeItem(ctx, u, b.FeeItemID); return err },
			"Exemptions": func(u *auth.User, c int64) error {
				_, _, err := s.Exemptions(ctx, u, billing.ExemptionFilter{CommunityID: c})
				return err
			},
			"Readings": func(u *auth.User, c int64) error {
				_, _, err := s.Readings(ctx, u, billing.ReadingFilter{CommunityID: c})
				return err
			},
			"SharedReadings": func(u *auth.User, c int64) error {
				_, _, err := s.SharedReadings(ctx, u, billing.SharedReadingFilter{CommunityID: c})
				return err
			},
			"BillRuns": func(u *auth.User, c int64) error { _, _, err := s.BillRuns(ctx, u, c, 10, 0); return err },
			"BillRun":  func(u *auth.User, _ int64) error { _, err := s.BillRun(ctx, u, runs.Items[0].ID); return err },
			"Bills": func(u *auth.User, c int64) error {
				_, _, err := s.Bills(ctx, u, billing.BillFilter{CommunityID: c})
				return err
			},
			"Payments": func(u *auth.User, c int64) error {
				_, _, err := s.Payments(ctx, u, billing.PaymentFilter{CommunityID: c})
				return err
			},
			"Payment": func(u *auth.User, _ int64) error { _, err := s.Payment(ctx, u, p.ID); return err },
			"Account": func(u *auth.User, _ int64) error { _, err := s.Account(ctx, u, h1); return err },
			"Arrears": func(u *auth.User, c int64) error {
				_, err := s.Arrears(ctx, u, billing.ArrearsFilter{CommunityID: c})
				return err
			},
			"DunningRecords": func(u *auth.User, c int64) error {
				_, _, err := s.DunningRecords(ctx, u, billing.DunningFilter{CommunityID: c})
				return err
			},
			"Expenditures": func(u *auth.User, c int64) error { _, _, err := s.Expenditures(ctx, u, c, 0, 10, 0); return err },
			"Expenditure":  func(u *auth.User, _ int64) error { _, err := s.Expenditure(ctx, u, e.ID); return err },
			"Cashiers":     func(u *auth.User, c int64) error { _, err := s.Cashiers(ctx, u, c); return err },
			"CashReport":   func(u *auth.User, c int64) error { _, err := s.CashReport(ctx, u, c, "2026-11-20", 0); return err },
		}
		staff, auditor := x.user(auth.RoleDeptStaff), x.user(auth.RoleAuditor)
		for name, read := range reads {
			if err := read(staff, cid); errs.CodeOf(err) != errs.CodeForbidden {
				t.Errorf("%s as department staff: %v, want forbidden", name, err)
			}
			if err := read(auditor, cid); err != nil {
				t.Errorf("%s as the auditor: %v", name, err)
			}
		}
		for _, name := range []string{"FeeItems", "Bills", "Payments", "Arrears", "CashReport"} {
			if err := reads[name](auditor, x.B.Community.ID); errs.CodeOf(err) != errs.CodeForbidden {
				t.Errorf("%s of community B as A's auditor: %v, want forbidden", name, err)
			}
		}
	})
}

// TestDeskDepositApart: a deposit charged and not yet paid is no arrear:
// the desk shows it as 押金待缴 beside the 欠费, which leaves it out.
func TestDeskDepositApart(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		deposit := x.item(map[string]any{"name": "装修押金", "kind": "oneoff", "deposit": true, "unit_price": "3000"})
		x.run("2026-11")
		h1 := x.houses[0].ID
		x.do(auth.RoleCashier, "POST", "/api/v1/bills", map[string]any{"house_id": h1, "fee_item_id": deposit.ID}, http.StatusCreated)
		a := x.account(h1)
		if a.OwedFen != 22533 || a.OwedBills != 2 || a.DepositFen != 300000 || a.Deposits != 1 || len(a.Unpaid) != 3 {
			t.Errorf("account: owed %d (%d bills), deposits %d (%d)", a.OwedFen, a.OwedBills, a.DepositFen, a.Deposits)
		}
		desk := page(t, x.Browser(auth.RoleCashier), fmt.Sprintf("/billing/desk?house_id=%d", h1), 200)
		has(t, "desk", desk, `id="owed">¥225.33（2 笔）<`, `id="deposit-due">¥3,000.00（1 笔，押金不计入欠费）<`,
			`id="sel-total">¥3,225.33<`)
		hasNot(t, "desk", desk, "¥3,225.33（")
	})
}
