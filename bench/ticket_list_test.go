package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/workday"
	"wuye/internal/ticket"
)

// tkQuery is one ticket list of the mix.
type tkQuery struct {
	kind string
	by   *auth.User
	f    ticket.Filter
}

// tkMix is a fixed mix of n lists: the workbench (a community's open
// tickets), closed ones, a kind, the overdue list, a department's queue,
// a month or a week, the 回访 queue, cancelled ones and everything, each
// at its first page and at page 20 (offset 950), as an administrator or
// as a manager of two communities.
func tkMix(st *tkStaff, n, communities int, now time.Time) []tkQuery {
	r := rand.New(rand.NewPCG(21, 22))
	var out []tkQuery
	for len(out) < n {
		c := int64(1 + r.IntN(communities))
		by, scoped := st.admin, r.IntN(3) == 0
		if scoped {
			by, c = st.manager, []int64{2, 4}[r.IntN(2)]
		}
		month := now.AddDate(0, -1-r.IntN(22), 0)
		from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, cst)
		week := now.AddDate(0, 0, -7*(1+r.IntN(100)))
		qs := []tkQuery{
			{"community+open", by, ticket.Filter{CommunityID: c, Status: "open"}},
			{"community+closed", by, ticket.Filter{CommunityID: c, Status: ticket.StatusClosed}},
			{"kind", by, ticket.Filter{Kind: []string{ticket.KindComplaint, ticket.KindRepair, ticket.KindPraise}[r.IntN(3)]}},
			{"overdue", by, ticket.Filter{CommunityID: c, Overdue: true}},
			{"department", by, ticket.Filter{CommunityID: c, Department: []string{"工程部", "环境部", "秩序部", "客服部"}[r.IntN(4)]}},
			{"month", by, ticket.Filter{CommunityID: c, From: from, To: from.AddDate(0, 1, 0)}},
			{"kind+week", by, ticket.Filter{Kind: ticket.KindRepair, From: week, To: week.AddDate(0, 0, 7)}},
			{"callback queue", by, ticket.Filter{CommunityID: c, Callback: true}},
			{"cancelled", by, ticket.Filter{Status: ticket.StatusCancelled}},
			{"all", by, ticket.Filter{}},
		}
		for _, q := range qs {
			if r.IntN(2) == 0 {
				q.f.Offset = 19 * 50
				q.kind += " p20"
			}
			q.f.Limit = 50
			out = append(out, q)
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:n]
}

// BenchmarkTicketList1M loads 1M tickets (WUYE_BENCH_TICKETS for fewer)
// into 5 communities of 10k houses over two years with raw multi-row
// INSERTs, then times 200 lists of the mix through ticket.Service.List
// (the count and the page, as GET /api/v1/tickets runs them) and the six
// KPIs of a year through ticket.Service.KPI, for all communities and for
// one. Goals: list p95 < 50 ms, KPI of a year < 500 ms.
func BenchmarkTicketList1M(b *testing.B) {
	n := tkEnv(b, "WUYE_BENCH_TICKETS", 1_000_000, 1000)
	ds := generate(4, 10_000, 5, 4, false, false)
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			ctx := context.Background()
			b.StopTimer()
			d := tkOpen(b, dialect)
			if err := ds.rawLoad(ctx, d, 500); err != nil {
				b.Fatal(err)
			}
			st := tkCreateStaff(b, d, ds.communities)
			now := time.Now().UTC().Truncate(time.Second)
			t0 := time.Now()
			if err := tkLoadTickets(ctx, d, ds, st, n, now); err != nil {
				b.Fatal(err)
			}
			load := time.Since(t0)
			if dialect == db.Postgres {
				// autovacuum would vacuum and analyse the new table within
				// minutes; the visibility map lets counts use the indexes
				if _, err := d.ExecContext(ctx, "VACUUM ANALYZE tickets"); err != nil {
					b.Fatal(err)
				}
			}
			fmt.Printf("tickets %s: loaded %d tickets in %.1fs (%.0f rows/s)\n", dialect, n, load.Seconds(),
				float64(n)/load.Seconds())
			s := ticket.NewService(d, workday.NewCalendar(d))
			s.Now = func() time.Time { return now }
			mix := tkMix(st, 200, ds.communities, now)
			for range b.N {
				for _, q := range mix[:20] { // warm the caches
					if _, _, err := s.List(ctx, q.by, q.f); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				var all latencies
				byKind := map[string]latencies{}
				for _, q := range mix {
					t := time.Now()
					items, total, err := s.List(ctx, q.by, q.f)
					el := time.Since(t)
					if err != nil {
						b.Fatalf("list %s: %v", q.kind, err)
					}
					if total > q.f.Offset && len(items) == 0 {
						b.Fatalf("list %s: total %d, empty page", q.kind, total)
					}
					all = append(all, el)
					byKind[q.kind] = append(byKind[q.kind], el)
				}
				kpi := map[string]latencies{}
				year := time.Date(now.In(cst).Year()-1, 1, 1, 0, 0, 0, 0, cst)
				for range 5 {
					for _, k := range []struct {
						name string
						c    int64
					}{{"all communities", 0}, {"one community", 1}} {
						t := time.Now()
						res, err := s.KPI(ctx, st.admin, k.c, year, year.AddDate(1, 0, 0))
						el := time.Since(t)
						if err != nil || res.Tickets == 0 || res.CallbackSatisfactionRate.Value == nil {
							b.Fatalf("KPI %s: %+v %v", k.name, res, err)
						}
						kpi[k.name] = append(kpi[k.name], el)
					}
				}
				b.StopTimer()
				b.ReportMetric(all.pct(50), "list_p50_ms")
				b.ReportMetric(all.pct(95), "list_p95_ms")
				b.ReportMetric(all.pct(99), "list_p99_ms")
				b.ReportMetric(kpi["all communities"].pct(100), "kpi_year_max_ms")
				fmt.Printf("tickets %s lists: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms\n", dialect,
					all.pct(50), all.pct(95), all.pct(99), all.pct(100))
				kinds := make([]string, 0, len(byKind))
				for k := range byKind {
					kinds = append(kinds, k)
				}
				slices.Sort(kinds)
				for _, k := range kinds {
					fmt.Printf("  %s %-22s n=%3d p50 %7.2f ms  p95 %7.2f ms  max %7.2f ms\n", dialect, k, len(byKind[k]),
						byKind[k].pct(50), byKind[k].pct(95), byKind[k].pct(100))
				}
				for _, k := range []string{"all communities", "one community"} {
					fmt.Printf("tickets %s KPI %d (%s): median %.1f ms, max %.1f ms\n", dialect, year.Year(), k,
						kpi[k].pct(50), kpi[k].pct(100))
				}
			}
		})
	}
}
