package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"wuye/internal/app"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// blSetup is a database with every module's schema, the dataset loaded
// with raw multi-row INSERTs, the app and an administrator.
func blSetup(b *testing.B, dialect db.Dialect, ds *dataset) (*db.DB, *app.App, *auth.User) {
	ctx := context.Background()
	d := tkOpen(b, dialect)
	if err := ds.rawLoad(ctx, d, 500); err != nil {
		b.Fatal(err)
	}
	a := app.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	admin, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "bench_admin", Name: "李主任", Role: auth.RoleAdmin},
		"Bench-pass-1")
	if err != nil {
		b.Fatal(err)
	}
	return d, a, admin
}

// blItems creates the three fee items of community 1: 物业服务费 by gross
// area at 2.35 元/m²/月 with a 0.05 %/day late fee, 垃圾清运费 fixed 15 元
// for every house, and 车位管理费 fixed 80 元 for the houses of every
// third building (a subset, as car spaces are).
func blItems(b *testing.B, a *app.App, admin *auth.User, ds *dataset) {
	ctx := context.Background()
	var parking []int64
	for _, x := range ds.buildings {
		if x.comm == 1 && x.id%3 == 0 {
			parking = append(parking, x.id)
		}
	}
	for _, in := range []billing.FeeItemInput{
		{Name: "物业服务费", Kind: "area", UnitPrice: "2.35", LateFeeRate: "0.05", LateFeeGraceDays: 30},
		{Name: "垃圾清运费", Kind: "fixed", UnitPrice: "15"},
		{Name: "车位管理费", Kind: "fixed", UnitPrice: "80", AppliesTo: billing.AppliesTo{BuildingIDs: parking}},
	} {
		in.CommunityID = 1
		if _, err := a.Billing.CreateFeeItem(ctx, admin, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBillRun100k bills one month of a community of 100k houses
// (WUYE_BENCH_HOUSES for fewer) × 3 fee items through
// billing.Service.Run — plan, one transaction of multi-row INSERTs, the
// prepaid draw-down and the audit entry — then writes exactly the same
// bill lines again, for the next month, as raw multi-row INSERTs (500
// rows, parameters) into the same table with the same indexes, in one
// transaction. Goal: run / raw ≤ 2×.
func BenchmarkBillRun100k(b *testing.B) {
	n := benchHouses(b)
	ds := generate(5, n, 1, 0, false, false)
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			ctx := context.Background()
			b.StopTimer()
			d, a, admin := blSetup(b, dialect, ds)
			blItems(b, a, admin, ds)
			if dialect == db.Postgres {
				if _, err := d.ExecContext(ctx, "ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			for range b.N {
				b.StartTimer()
				t0 := time.Now()
				run, err := a.Billing.Run(ctx, admin, billing.RunInput{CommunityID: 1, Period: "2026-11"})
				runDur := time.Since(t0)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				lines := count(b, d, "bills")
				if run.Created != lines || lines < 2*n {
					b.Fatalf("run created %d, bills %d, want ≥ %d", run.Created, lines, 2*n)
				}
				again, err := a.Billing.Run(ctx, admin, billing.RunInput{CommunityID: 1, Period: "2026-11"})
				if err != nil || again.Created != 0 {
					b.Fatalf("rerun: %+v %v", again, err)
				}
				raw, err := blRaw(ctx, d, run.ID)
				if err != nil {
					b.Fatal(err)
				}
				if got := count(b, d, "bills"); got != 2*lines {
					b.Fatalf("raw wrote %d bills, want %d", got-lines, lines)
				}
				fmt.Printf("bill run %s: %d houses, %d lines, %.2f 元: run %.2fs, raw %.2fs, ratio %.2f×\n", dialect, n,
					lines, float64(run.TotalFen)/100, runDur.Seconds(), raw.Seconds(), runDur.Seconds()/raw.Seconds())
				b.ReportMetric(runDur.Seconds(), "run_s")
				b.ReportMetric(raw.Seconds(), "raw_s")
				b.ReportMetric(runDur.Seconds()/raw.Seconds(), "ratio")
				b.ReportMetric(float64(lines), "lines")
				if _, err := d.ExecContext(ctx, `DELETE FROM bills WHERE period = '2026-12'`); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// blRaw reads the lines of a run and writes them again for 2026-12 with
// plain multi-row INSERTs in one transaction, timing only the writing.
func blRaw(ctx context.Context, d *db.DB, runID int64) (time.Duration, error) {
	type row struct{ comm, house, item, qty, price, amount int64 }
	var rs []row
	rows, err := d.QueryContext(ctx, `SELECT community_id, house_id, fee_item_id, quantity, unit_price, amount_fen
		FROM bills WHERE run_id = $1 ORDER BY id`, runID)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.comm, &r.house, &r.item, &r.qty, &r.price, &r.amount); err != nil {
			rows.Close()
			return 0, err
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	cols := []string{"community_id", "house_id", "fee_item_id", "run_id", "period", "quantity", "unit_price", "amount_fen",
		"deposit", "status", "created_at", "updated_at"}
	t0 := time.Now()
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		return insertRows(ctx, tx, d.Dialect, "bills", cols, len(rs), 500, func(i int) []any {
			r := rs[i]
			return []any{r.comm, r.house, r.item, runID, "2026-12", r.qty, r.price, r.amount, false, "unpaid", now, now}
		})
	})
	return time.Since(t0), err
}

// BenchmarkCashierDesk: a community of 400 houses billed monthly for ten
// years (2016-12 … 2026-11, 3 items, 120 runs through Service.Run: 144k
// bills); house 1 has 360 bills, paid month by month in 120 payments of
// which the last 10 are voided (330 bills paid, 30 unpaid, with late
// fees). Times 200 GETs of /billing/desk?house_id=1 through the real
// handler with a cashier's session cookie, and 200 calls of
// billing.Service.Account. Goal: p95 < 50 ms.
func BenchmarkCashierDesk(b *testing.B) {
	ds := generate(6, 400, 1, 0, false, false)
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			ctx := context.Background()
			b.StopTimer()
			d, a, admin := blSetup(b, dialect, ds)
			blItems(b, a, admin, ds)
			start := time.Date(2016, 12, 1, 0, 0, 0, 0, time.UTC)
			var periods []string
			for i := range 120 {
				periods = append(periods, start.AddDate(0, i, 0).Format("2006-01"))
			}
			t0 := time.Now()
			for _, p := range periods {
				if _, err := a.Billing.Run(ctx, admin, billing.RunInput{CommunityID: 1, Period: p}); err != nil {
					b.Fatal(err)
				}
			}
			unpaid, _, err := a.Billing.Bills(ctx, admin, billing.BillFilter{HouseID: 1, Status: "unpaid", Limit: 1000})
			if err != nil {
				b.Fatal(err)
			}
			byPeriod := map[string][]int64{}
			sums := map[string]int64{}
			for _, x := range unpaid {
				byPeriod[x.Period] = append(byPeriod[x.Period], x.ID)
				sums[x.Period] += x.AmountFen
			}
			var voids []int64
			for i, p := range periods {
				pay, err := a.Billing.Pay(ctx, admin, billing.PaymentInput{HouseID: 1, BillIDs: byPeriod[p],
					AmountFen: sums[p], Method: billing.MethodCash})
				if err != nil {
					b.Fatal(err)
				}
				if i >= 110 {
					voids = append(voids, pay.ID)
				}
			}
			for _, id := range voids {
				if _, err := a.Billing.VoidPayment(ctx, admin, id, "收款有误"); err != nil {
					b.Fatal(err)
				}
			}
			fmt.Printf("desk %s: %d bills loaded in %.1fs\n", dialect, count(b, d, "bills"), time.Since(t0).Seconds())
			if dialect == db.Postgres {
				if _, err := d.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "bench_cashier", Name: "赵出纳",
				Role: auth.RoleCashier, Communities: []int64{1}}, "Bench-pass-1"); err != nil {
				b.Fatal(err)
			}
			token, cashier, err := a.Auth.Login(ctx, "bench_cashier", "Bench-pass-1", "127.0.0.1", "bench", auth.KindWeb)
			if err != nil {
				b.Fatal(err)
			}
			h := a.Handler()
			get := func() {
				req := httptest.NewRequest(http.MethodGet, "/billing/desk?house_id=1", nil)
				req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: token})
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("GET desk: %d %s", w.Code, w.Body.String())
				}
			}
			for range b.N {
				for range 20 { // warm the caches
					get()
				}
				acc, err := a.Billing.Account(ctx, cashier, 1)
				if err != nil {
					b.Fatal(err)
				}
				if len(acc.Unpaid) != 30 {
					b.Fatalf("account: %d unpaid bills, want 30", len(acc.Unpaid))
				}
				b.StartTimer()
				var page, account latencies
				for range 200 {
					t := time.Now()
					get()
					page = append(page, time.Since(t))
				}
				for range 200 {
					t := time.Now()
					if _, err := a.Billing.Account(ctx, cashier, 1); err != nil {
						b.Fatal(err)
					}
					account = append(account, time.Since(t))
				}
				b.StopTimer()
				fmt.Printf("desk %s: page p50 %.1f ms p95 %.1f ms; Account p50 %.1f ms p95 %.1f ms\n", dialect,
					page.pct(50), page.pct(95), account.pct(50), account.pct(95))
				b.ReportMetric(page.pct(95), "page_p95_ms")
				b.ReportMetric(account.pct(95), "account_p95_ms")
			}
		})
	}
}
