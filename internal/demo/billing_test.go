package demo_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/demo"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// The demo's year of fees is what the 收费 pages show: a year of monthly
// runs, most of it paid, the arrears aged in every bucket and chased,
// gap-free receipts, and a 收支公示 with income and spending.
func TestSeedLoadsAYearOfFees(t *testing.T) {
	fresh(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		t0 := time.Now()
		res, err := demo.Seed(ctx, d, 300)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Seed(300) on %s: %+v in %v", d.Dialect, res, time.Since(t0))
		if n := count(t, d, `SELECT count(*) FROM bills`); n != res.Bills || n < 300*12 {
			t.Errorf("%d bills (Seed said %d), want at least one a house a month", n, res.Bills)
		}
		if n := count(t, d, `SELECT count(*) FROM payments WHERE receipt_number IS NOT NULL`); n != res.Payments || n < 300 {
			t.Errorf("%d receipts (Seed said %d), want about one a house or more", n, res.Payments)
		}
		svc := billing.NewService(d)
		admin := &auth.User{Role: auth.RoleAdmin}
		cs, err := archive.NewService(d).Communities(ctx, admin)
		if err != nil || len(cs) != 2 {
			t.Fatalf("communities: %v, %v", cs, err)
		}
		sh, _ := time.LoadLocation("Asia/Shanghai")
		now := time.Now().In(sh)
		month := func(back int) string {
			return time.Date(now.Year(), now.Month()-time.Month(back), 1, 0, 0, 0, 0, sh).Format("2006-01")
		}
		today := now.Format("2006-01-02")
		for _, c := range cs {
			t.Run(c.Name, func(t *testing.T) {
				items, err := svc.FeeItems(ctx, admin, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				kinds := map[string]bool{}
				var water *billing.FeeItem
				for _, it := range items {
					kinds[it.Kind] = true
					kinds["shared"] = kinds["shared"] || it.Shared
					kinds["deposit"] = kinds["deposit"] || it.Deposit
					if it.Name == "水费" {
						water = it
					}
				}
				for _, k := range []string{billing.KindArea, billing.KindFixed, billing.KindMetered, billing.KindOneOff, "shared", "deposit"} {
					if !kinds[k] {
						t.Errorf("no %s fee item among %d", k, len(items))
					}
				}
				if water == nil || len(water.Prices) != 2 || water.Prices[1].EffectiveFrom != month(5) {
					t.Errorf("水费 = %+v, want its price raised from %s", water, month(5))
				}

				// A run a month for the last twelve months, each issued in
				// the first days of its month.
				runs, _, err := svc.BillRuns(ctx, admin, c.ID, 100, 0)
				if err != nil {
					t.Fatal(err)
				}
				periods := map[string]bool{}
				for _, r := range runs {
					periods[r.Period] = true
					if r.Status != billing.RunDone || r.Created == 0 {
						t.Errorf("run %s: %+v", r.Period, r)
					}
					if day := r.CreatedAt.In(sh); r.Period != month(0) && (day.Format("2006-01") != r.Period || day.Day() > 3) {
						t.Errorf("run of %s issued on %s, want in its first days", r.Period, day.Format("2006-01-02"))
					}
				}
				for back := range 12 {
					if !periods[month(back)] {
						t.Errorf("no bill run for %s", month(back))
					}
					if n := count(t, d, `SELECT count(*) FROM bills WHERE community_id = $1 AND period = $2 AND run_id IS NOT NULL`,
						c.ID, month(back)); n < 20 {
						t.Errorf("%d bills for %s", n, month(back))
					}
				}
				if len(runs) != 12 {
					t.Errorf("%d bill runs, want 12", len(runs))
				}
				// The lines of each run add up to its total.
				if n := count(t, d, `SELECT count(*) FROM bill_runs r WHERE community_id = $1 AND total_fen <>
					(SELECT COALESCE(SUM(amount_fen), 0) FROM bills b WHERE b.run_id = r.id)`, c.ID); n != 0 {
					t.Errorf("%d runs whose bills do not add up to the run's total", n)
				}

				// 收缴率: seven months back nearly all paid, this month much less.
				old, err := svc.CollectionRate(ctx, admin, c.ID, month(7), time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				recent, err := svc.CollectionRate(ctx, admin, c.ID, month(0), time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				if old.Rate == nil || *old.Rate < 0.9 || *old.Rate >= 1 {
					t.Errorf("收缴率 of %s = %v (%d of %d), want between 90%% and 100%%", month(7),
						rate(old.Rate), old.PaidFen, old.BilledFen)
				}
				if recent.Rate == nil || old.Rate != nil && *recent.Rate >= *old.Rate {
					t.Errorf("收缴率 of %s = %v, want below %s's %v", month(0), rate(recent.Rate), month(7), rate(old.Rate))
				}
				t.Logf("收缴率 %s %s, %s %s", month(7), rate(old.Rate), month(0), rate(recent.Rate))

				// Arrears in every aging bucket, chased, some due today.
				arr, err := svc.Arrears(ctx, admin, billing.ArrearsFilter{CommunityID: c.ID})
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range arr.Buckets {
					if b.Houses == 0 || b.OwedFen <= 0 {
						t.Errorf("arrears bucket %s: %+v, want houses in it", b.Label, b)
					}
				}
				queue, _, err := svc.DunningRecords(ctx, admin, billing.DunningFilter{CommunityID: c.ID, Due: today})
				if err != nil {
					t.Fatal(err)
				}
				if len(queue) == 0 {
					t.Error("no 催缴 due for follow-up today")
				}
				if n := count(t, d, `SELECT count(*) FROM dunning_records WHERE community_id = $1 AND next_follow_up > $2`,
					c.ID, today); n == 0 {
					t.Error("no 催缴 to follow up later")
				}
				ex, _, err := svc.Exemptions(ctx, admin, billing.ExemptionFilter{CommunityID: c.ID})
				if err != nil || len(ex) == 0 || ex[0].Reason == "" {
					t.Errorf("exemptions = %+v, %v", ex, err)
				}
				if n := count(t, d, `SELECT count(*) FROM shared_readings WHERE community_id = $1`, c.ID); n != 13 {
					t.Errorf("%d 公摊 meter readings, want the first and one a month", n)
				}

				// 收支公示 of the year of last month: fee income by item,
				// spending by category.
				year, _ := strconv.Atoi(month(1)[:4])
				st, err := svc.Statement(ctx, admin, c.ID, year)
				if err != nil {
					t.Fatal(err)
				}
				if len(st.Income) == 0 || st.IncomeFen <= 0 || len(st.Expenditure) < 5 || st.ExpenditureFen <= 0 {
					t.Errorf("收支公示 %d: income %d in %d lines, spending %d in %d lines", year, st.IncomeFen,
						len(st.Income), st.ExpenditureFen, len(st.Expenditure))
				}
				if n := count(t, d, `SELECT count(*) FROM expenditures WHERE community_id = $1 AND spent_on < $2`,
					c.ID, fmt.Sprintf("%d-01-01", now.Year())); n == 0 && now.Month() < 12 {
					t.Error("no spending last year")
				}
			})
		}

		// Receipt numbers run 1, 2, 3 … per community and year.
		rows, err := d.QueryContext(ctx, `SELECT community_id, receipt_number FROM payments WHERE receipt_number IS NOT NULL
			ORDER BY community_id, receipt_number`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		next := map[string]int{}
		for rows.Next() {
			var c int64
			var number string
			if err := rows.Scan(&c, &number); err != nil {
				t.Fatal(err)
			}
			year, seq, _ := strings.Cut(strings.TrimPrefix(number, "SJ"), "-")
			k := fmt.Sprint(c, year)
			next[k]++
			if want := fmt.Sprintf("SJ%s-%06d", year, next[k]); number != want {
				t.Fatalf("receipt %s of community %d, want %s: numbers have a gap (seq %s)", number, c, want, seq)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}

		for what, q := range map[string]string{
			"voided receipt with its reason":   `SELECT count(*) FROM payments WHERE status = 'void' AND void_reason <> ''`,
			"receipt taken again after a void": `SELECT count(*) FROM payments WHERE note LIKE '重开收据%'`,
			"prepaid balance":                  `SELECT count(*) FROM prepaid_balances WHERE balance_fen > 0`,
			"bill paid from a prepaid balance": `SELECT count(*) FROM payments WHERE method = 'prepaid'`,
			"装修押金 paid":                        `SELECT count(*) FROM bills WHERE deposit AND status = 'paid'`,
			"期初欠费 carried over":                `SELECT count(*) FROM bills WHERE run_id IS NULL AND NOT deposit`,
			"replaced water meter":             `SELECT count(*) FROM meter_readings WHERE replacement`,
			"waived 滞纳金":                       `SELECT count(*) FROM bills WHERE waived_reason <> ''`,
			"payment by the cashier":           `SELECT count(*) FROM payments p JOIN users u ON u.id = p.cashier_id WHERE u.login = 'cashier'`,
			"lawyer's letter":                  `SELECT count(*) FROM dunning_records WHERE method = 'lawyer_letter'`,
			"payment of the last fortnight":    `SELECT count(*) FROM payments WHERE method <> 'prepaid' AND paid_at > $1`,
		} {
			args := []any{}
			if strings.Contains(q, "$1") {
				args = append(args, time.Now().Add(-14*24*time.Hour).UTC())
			}
			if n := count(t, d, q, args...); n == 0 {
				t.Errorf("no %s", what)
			}
		}
		if n := count(t, d, `SELECT count(*) FROM payments WHERE paid_at > $1`, time.Now().UTC()); n != 0 {
			t.Errorf("%d payments in the future", n)
		}
		// Every payment was taken through the service, with its audit entry.
		for _, tb := range []struct{ table, entity string }{{"fee_items", "fee_item"}, {"bill_runs", "bill_run"},
			{"dunning_records", "dunning"}, {"expenditures", "expenditure"}} {
			if n := count(t, d, `SELECT count(*) FROM `+tb.table+` x WHERE NOT EXISTS
				(SELECT 1 FROM audit_log a WHERE a.entity = $1 AND a.entity_id = x.id)`, tb.entity); n != 0 {
				t.Errorf("%d %s without an audit entry", n, tb.table)
			}
		}
		if n := count(t, d, `SELECT count(*) FROM payments x WHERE receipt_number IS NOT NULL AND NOT EXISTS
			(SELECT 1 FROM audit_log a WHERE a.entity = 'payment' AND a.entity_id = x.id)`); n != 0 {
			t.Errorf("%d receipts without an audit entry", n)
		}
	})
}

func rate(r *float64) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}
