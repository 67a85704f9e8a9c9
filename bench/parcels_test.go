package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// pcCols are the columns of a generated parcel row, all but the id.
var pcCols = []string{"community_id", "house_id", "direction", "kind", "carrier", "tracking_number", "shelf",
	"recipient_name", "recipient_phone", "status", "pickup_code", "arrived_at", "picked_up_at", "picked_up_by",
	"pickup_method", "handed_by", "handed_name", "reminders", "last_reminded_at", "created_by", "created_name",
	"created_at", "updated_at"}

// pcData is what the generator leaves for the queries: the waiting
// parcels' codes per community.
type pcData struct {
	waiting map[int64][]string
}

// pcLoad writes n parcels that arrived evenly over the year before now
// into the dataset's communities (30/25/20/15/10 %) with multi-row
// INSERTs (db.Batch), in transactions of 100k. Nearly all were collected
// within two days; of the last day's 60 % wait, of the two days before
// 20 %, of the rest of the month 2 % (overdue, reminded), of older ones
// 0.1 %. Every waiting parcel has a code unique in its community.
func pcLoad(ctx context.Context, d *db.DB, ds *dataset, st *tkStaff, n int, now time.Time) (*pcData, error) {
	r := rand.New(rand.NewPCG(31, 32))
	houses := map[int64][]int64{}
	for _, h := range ds.houses {
		houses[h.comm] = append(houses[h.comm], h.id)
	}
	var cum []int
	sum := 0
	for _, s := range tkShares[:ds.communities] {
		sum += s
		cum = append(cum, sum)
	}
	out := &pcData{waiting: map[int64][]string{}}
	used := map[int64]map[string]bool{}
	carriers := []string{"中通", "圆通", "韵达", "顺丰", "京东", "申通", "极兔", "邮政EMS"}
	span := 365 * 24 * time.Hour
	start := now.Add(-span)
	const chunk = 100_000
	for done := 0; done < n; {
		end := min(n, done+chunk)
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			bt := db.NewBatch(ctx, tx, d.Dialect, "parcels", pcCols, "", nil)
			for i := done; i < end; i++ {
				arrived := start.Add(time.Duration((float64(i) + r.Float64()) / float64(n) * float64(span))).UTC().Truncate(time.Second)
				c := int64(1)
				for k, x := 0, r.IntN(sum); x >= cum[k]; k++ {
					c = int64(k + 2)
				}
				hs := houses[c]
				house := hs[r.IntN(len(hs))]
				age := now.Sub(arrived)
				odds := 1 // per mille waiting
				switch {
				case age < 24*time.Hour:
					odds = 600
				case age < 72*time.Hour:
					odds = 200
				case age < 30*24*time.Hour:
					odds = 20
				}
				agent := st.agents[c][r.IntN(len(st.agents[c]))]
				code := fmt.Sprintf("%06d", r.IntN(1_000_000))
				var status string
				var pickedAt, pickedBy, method, handedBy, handedName, reminded any = nil, "", "", nil, "", nil
				reminders := 0
				if r.IntN(1000) < odds {
					status = frontdesk.ParcelWaiting
					if used[c] == nil {
						used[c] = map[string]bool{}
					}
					for used[c][code] {
						code = fmt.Sprintf("%06d", r.IntN(1_000_000))
					}
					used[c][code] = true
					out.waiting[c] = append(out.waiting[c], code)
					if age > 3*24*time.Hour {
						reminders, reminded = 1, arrived.Add(3*24*time.Hour)
					}
				} else {
					status = frontdesk.ParcelPickedUp
					at := arrived.Add(time.Duration(r.IntN(max(1, int(min(age, 48*time.Hour)/time.Second)))) * time.Second)
					pickedAt, pickedBy, method, handedBy, handedName = at, "业主", frontdesk.PickupByCode, agent, "基准客服"
				}
				if err := bt.Add(c, house, frontdesk.DirectionIn, frontdesk.KindParcel, carriers[r.IntN(len(carriers))],
					fmt.Sprintf("BX%012d", i), fmt.Sprintf("%c-%02d", 'A'+rune(r.IntN(6)), 1+r.IntN(20)), "", "",
					status, code, arrived, pickedAt, pickedBy, method, handedBy, handedName, reminders, reminded, agent,
					"基准客服", arrived, arrived); err != nil {
					return err
				}
			}
			return bt.Close()
		})
		if err != nil {
			return nil, err
		}
		done = end
	}
	return out, nil
}

// pcQuery is one query of the mix: through the service, and the same
// page as one raw SELECT.
type pcQuery struct {
	kind string
	by   *auth.User
	f    frontdesk.ParcelFilter
	raw  string
	args []any
}

// pcMix is a fixed mix of n queries: the owner's code typed at a
// community's desk (one of its waiting parcels; one in ten a code that
// is not), today's arrivals, the uncollected list and the overdue list
// of a community; today's arrivals of a manager's two communities and of
// every community (admin).
func pcMix(st *tkStaff, data *pcData, n, communities int, now time.Time) []pcQuery {
	r := rand.New(rand.NewPCG(33, 34))
	day := time.Date(now.In(cst).Year(), now.In(cst).Month(), now.In(cst).Day(), 0, 0, 0, 0, cst).UTC()
	cols := `SELECT p.id, p.house_id, p.tracking_number, p.status, p.arrived_at FROM parcels p`
	var out []pcQuery
	for len(out) < n {
		c := int64(1 + r.IntN(communities))
		code := fmt.Sprintf("%06d", r.IntN(1_000_000))
		if w := data.waiting[c]; len(w) > 0 && r.IntN(10) > 0 {
			code = w[r.IntN(len(w))]
		}
		cutoff := now.Add(-3 * 24 * time.Hour)
		out = append(out,
			pcQuery{"code lookup", st.admin, frontdesk.ParcelFilter{CommunityID: c, Code: code},
				cols + ` WHERE p.pickup_code = $1 AND p.community_id = $2 AND p.status = 'waiting'`, []any{code, c}},
			pcQuery{"code lookup", st.admin, frontdesk.ParcelFilter{CommunityID: c, Code: code},
				cols + ` WHERE p.pickup_code = $1 AND p.community_id = $2 AND p.status = 'waiting'`, []any{code, c}},
			pcQuery{"today", st.admin, frontdesk.ParcelFilter{CommunityID: c, View: "today"},
				cols + ` WHERE p.community_id = $1 AND p.arrived_at >= $2 AND p.arrived_at < $3 ORDER BY p.arrived_at DESC, p.id DESC LIMIT 50`,
				[]any{c, day, day.Add(24 * time.Hour)}},
			pcQuery{"waiting", st.admin, frontdesk.ParcelFilter{CommunityID: c, View: "waiting"},
				cols + ` WHERE p.community_id = $1 AND p.status = 'waiting' ORDER BY p.arrived_at, p.id LIMIT 50`, []any{c}},
			pcQuery{"overdue", st.admin, frontdesk.ParcelFilter{CommunityID: c, View: "overdue", OverdueDays: 3},
				cols + ` WHERE p.community_id = $1 AND p.status = 'waiting' AND p.arrived_at <= $2 ORDER BY p.arrived_at, p.id LIMIT 50`,
				[]any{c, cutoff}},
			pcQuery{"today, 2 communities", st.manager, frontdesk.ParcelFilter{View: "today"},
				cols + ` WHERE p.community_id IN (2, 4) AND p.arrived_at >= $1 AND p.arrived_at < $2 ORDER BY p.arrived_at DESC, p.id DESC LIMIT 50`,
				[]any{day, day.Add(24 * time.Hour)}},
			pcQuery{"today, all", st.admin, frontdesk.ParcelFilter{View: "today"},
				cols + ` WHERE p.arrived_at >= $1 AND p.arrived_at < $2 ORDER BY p.arrived_at DESC, p.id DESC LIMIT 50`,
				[]any{day, day.Add(24 * time.Hour)}},
		)
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:n]
}

// BenchmarkParcelLookup1M loads 1M parcels (WUYE_BENCH_PARCELS for
// fewer) into 5 communities of 2,000 houses over a year with raw
// multi-row INSERTs, then times 300 queries of the mix through
// frontdesk.Service.Parcels — the count and the page, as
// GET /api/v1/parcels runs them — and the same pages as one raw SELECT
// each (no count, no house join). Goal: pickup-code lookup and today's
// lists p95 < 20 ms.
func BenchmarkParcelLookup1M(b *testing.B) {
	n := tkEnv(b, "WUYE_BENCH_PARCELS", 1_000_000, 1000)
	ds := generate(6, 10_000, 5, 4, false, false)
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
			data, err := pcLoad(ctx, d, ds, st, n, now)
			if err != nil {
				b.Fatal(err)
			}
			load := time.Since(t0)
			if dialect == db.Postgres {
				// as autovacuum would, within minutes of the load
				if _, err := d.ExecContext(ctx, "VACUUM ANALYZE parcels"); err != nil {
					b.Fatal(err)
				}
			}
			waiting := 0
			for _, w := range data.waiting {
				waiting += len(w)
			}
			fmt.Printf("parcels %s: loaded %d parcels (%d waiting) in %.1fs (%.0f rows/s)\n", dialect, n, waiting,
				load.Seconds(), float64(n)/load.Seconds())
			s := frontdesk.NewService(d)
			s.Now = func() time.Time { return now }
			mix := pcMix(st, data, 300, ds.communities, now)
			for range b.N {
				for _, q := range mix[:30] { // warm the caches
					if _, _, err := s.Parcels(ctx, q.by, q.f); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				byKind := map[string]latencies{}
				var kinds []string
				for _, q := range mix {
					t := time.Now()
					items, total, err := s.Parcels(ctx, q.by, q.f)
					el := time.Since(t)
					if err != nil {
						b.Fatalf("%s: %v", q.kind, err)
					}
					if total > 0 && len(items) == 0 {
						b.Fatalf("%s: total %d, %d items", q.kind, total, len(items))
					}
					if _, ok := byKind[q.kind]; !ok {
						kinds = append(kinds, q.kind)
					}
					byKind[q.kind] = append(byKind[q.kind], el)
				}
				b.StopTimer()
				raw := map[string]latencies{}
				for _, q := range mix {
					t := time.Now()
					rows, err := d.QueryContext(ctx, q.raw, q.args...)
					if err != nil {
						b.Fatalf("raw %s: %v", q.kind, err)
					}
					for rows.Next() {
					}
					rows.Close()
					raw[q.kind] = append(raw[q.kind], time.Since(t))
				}
				slices.Sort(kinds)
				var all, allRaw latencies
				for _, k := range kinds {
					l, rl := byKind[k], raw[k]
					all, allRaw = append(all, l...), append(allRaw, rl...)
					fmt.Printf("  %s %-22s n=%3d p50 %6.2f ms  p95 %6.2f ms  max %6.2f ms | raw p50 %5.2f ms  p95 %5.2f ms | p95 ×%.1f\n",
						dialect, k, len(l), l.pct(50), l.pct(95), l.pct(100), rl.pct(50), rl.pct(95), l.pct(95)/max(rl.pct(95), 0.001))
				}
				b.ReportMetric(byKind["code lookup"].pct(95), "code_p95_ms")
				b.ReportMetric(byKind["today"].pct(95), "today_p95_ms")
				b.ReportMetric(byKind["waiting"].pct(95), "waiting_p95_ms")
				b.ReportMetric(all.pct(95), "all_p95_ms")
				b.ReportMetric(all.pct(95)/max(allRaw.pct(95), 0.001), "p95_vs_raw")
				fmt.Printf("parcels %s: all p50 %.2f ms, p95 %.2f ms, max %.2f ms; raw p50 %.2f ms, p95 %.2f ms\n", dialect,
					all.pct(50), all.pct(95), all.pct(100), allRaw.pct(50), allRaw.pct(95))
			}
		})
	}
}
