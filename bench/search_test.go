package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// searchQuery is one box entry and the single indexed SELECT that answers
// its main branch, the floor Search is compared with.
type searchQuery struct {
	kind, q string
	raw     string
	args    []any
}

// queryMix is a fixed mix of n entries, the kinds the hotline types:
// a full house code, a bare number, pinyin initials, full pinyin, a
// Chinese name prefix, a phone's last four digits, a plate.
func queryMix(ds *dataset, n int) []searchQuery {
	r := rand.New(rand.NewPCG(42, 43))
	hi := func(s string) string { return s + "\U0010FFFF" }
	var out []searchQuery
	for len(out) < n {
		h := ds.houses[r.IntN(len(ds.houses))]
		o := ds.owners[r.IntN(len(ds.owners))]
		code := archive.HouseCode(h.bname, h.uname, h.number)
		name := []rune(o.name)
		prefix := string(name[:min(2, len(name))])
		tail := archive.PhoneTail(o.phone)
		qs := []searchQuery{
			{"house code", code, `SELECT id FROM houses WHERE code >= $1 AND code < $2 ORDER BY code LIMIT 10`, []any{code, hi(code)}},
			{"number", h.number, `SELECT id FROM houses WHERE number >= $1 AND number < $2 ORDER BY number LIMIT 10`, []any{h.number, hi(h.number)}},
			{"initials", o.ini, `SELECT id FROM owners WHERE name_initials = $1 LIMIT 10`, []any{o.ini}},
			{"pinyin", o.py, `SELECT id FROM owners WHERE name_py >= $1 AND name_py < $2 ORDER BY name_py LIMIT 10`, []any{o.py, hi(o.py)}},
			{"name prefix", prefix, `SELECT id FROM owners WHERE name_key >= $1 AND name_key < $2 ORDER BY name_key LIMIT 10`, []any{prefix, hi(prefix)}},
			{"phone tail", tail, `SELECT id FROM owners WHERE phone_tail = $1 LIMIT 10`, []any{tail}},
		}
		if len(ds.vehicles) > 0 {
			v := ds.vehicles[r.IntN(len(ds.vehicles))]
			p := v.plate
			if r.IntN(2) == 0 {
				p = v.tail // typed without the province
			}
			qs = append(qs, searchQuery{"plate", p, `SELECT id FROM vehicles WHERE plate_tail >= $1 AND plate_tail < $2 ORDER BY plate_tail LIMIT 10`,
				[]any{archive.PlateTail(p), hi(archive.PlateTail(p))}})
		}
		out = append(out, qs...)
	}
	return out[:n]
}

type latencies []time.Duration

func (l latencies) pct(p float64) float64 {
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return float64(s[max(0, min(i, len(s)-1))].Microseconds()) / 1000
}

// BenchmarkSearch loads 100k houses in 10 communities with 150k owners,
// 50k residents and 33k cars (raw multi-row inserts), then runs a fixed
// mix of 500 one-box searches through archive.Service.Search as a
// cs_manager scoped to three communities and as an administrator, and the
// same mix as the single indexed SELECT of each query's main branch.
// Goal: p95 < 50 ms.
func BenchmarkSearch(b *testing.B) {
	n := benchHouses(b)
	ds := generate(2, n, 10, 2, true, true)
	mix := queryMix(ds, 500)
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			ctx := context.Background()
			b.StopTimer()
			d := freshDB(b, dialect)
			t0 := time.Now()
			if err := ds.rawLoad(ctx, d, 500); err != nil {
				b.Fatal(err)
			}
			if dialect == db.Postgres {
				// autovacuum would analyse the tables within a minute
				if _, err := d.ExecContext(ctx, "ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			fmt.Printf("search %s: loaded %d houses, %d owners, %d residents, %d vehicles in %.1fs\n", dialect,
				len(ds.houses), len(ds.owners), len(ds.residents), len(ds.vehicles), time.Since(t0).Seconds())
			s := archive.NewService(d)
			users := []struct {
				name string
				u    *auth.User
			}{
				{"scoped", &auth.User{ID: 2, Name: "客服经理", Role: auth.RoleCSManager, Communities: []int64{2, 5, 9}}},
				{"admin", admin},
			}
			for range b.N {
				for _, q := range mix[:50] { // warm the caches
					s.Search(ctx, admin, q.q)
				}
				b.StartTimer()
				byKind := map[string]latencies{}
				var adminP95 float64
				for _, u := range users {
					var lat latencies
					for _, q := range mix {
						t := time.Now()
						hits, err := s.Search(ctx, u.u, q.q)
						el := time.Since(t)
						if err != nil {
							b.Fatalf("search %q: %v", q.q, err)
						}
						if u.name == "admin" && len(hits) == 0 {
							b.Fatalf("search %s %q found nothing", q.kind, q.q)
						}
						lat = append(lat, el)
						byKind[u.name+" "+q.kind] = append(byKind[u.name+" "+q.kind], el)
					}
					b.ReportMetric(lat.pct(50), u.name+"_p50_ms")
					b.ReportMetric(lat.pct(95), u.name+"_p95_ms")
					b.ReportMetric(lat.pct(99), u.name+"_p99_ms")
					fmt.Printf("search %s %-6s: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms\n", dialect, u.name,
						lat.pct(50), lat.pct(95), lat.pct(99), lat.pct(100))
					if u.name == "admin" {
						adminP95 = lat.pct(95)
						b.ReportMetric(adminP95, "p95_ms")
					}
				}
				var raw latencies
				for _, q := range mix {
					t := time.Now()
					rows, err := d.QueryContext(ctx, q.raw, q.args...)
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
					}
					rows.Close()
					el := time.Since(t)
					raw = append(raw, el)
					byKind["raw "+q.kind] = append(byKind["raw "+q.kind], el)
				}
				b.StopTimer()
				b.ReportMetric(raw.pct(95), "raw_p95_ms")
				b.ReportMetric(adminP95/raw.pct(95), "x_raw_p95")
				fmt.Printf("search %s raw   : p50 %.2f ms, p95 %.2f ms, p99 %.2f ms; admin p95 / raw p95 = %.1fx\n", dialect,
					raw.pct(50), raw.pct(95), raw.pct(99), adminP95/raw.pct(95))
				kinds := make([]string, 0, len(byKind))
				for k := range byKind {
					kinds = append(kinds, k)
				}
				slices.Sort(kinds)
				for _, k := range kinds {
					fmt.Printf("  %s %-20s p50 %6.2f ms  p95 %6.2f ms  max %6.2f ms\n", dialect, k, byKind[k].pct(50),
						byKind[k].pct(95), byKind[k].pct(100))
				}
			}
		})
	}
}
