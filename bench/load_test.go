package bench

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/app"
	"wuye/internal/archive"
	"wuye/internal/demo"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// BenchmarkLoad is the 客服中心 at its busiest: the demo company
// (demo.Seed: two communities, WUYE_LOAD_HOUSES houses, default 10k,
// with owners, residents, cars, 75 days of tickets and a year of bills)
// served by app.New(d, log).Handler() on a real TCP listener, file-backed
// SQLite in WAL mode as in production, and a fresh PostgreSQL schema.
// WUYE_LOAD_CLIENTS (50) staff sign in through the login form, half of
// them 客服助理, half 收费员, each scoped to one community in proportion
// to its houses (every fifth 客服助理 to all, as the hotline is), and
// for WUYE_LOAD_SECONDS (60) each repeats, with no pause unless
// WUYE_LOAD_THINK_MS asks for one, a weighted mix of what they do at
// the desk:
//
//   - 40 % the header search box (GET /search?q= as htmx sends it):
//     house codes, bare numbers, pinyin, initials, name prefixes, phone
//     tails and plates of their communities;
//   - 30 % a house page (GET /houses/{id});
//   - 15 % a ticket (客服助理): the registration form for a house, then
//     its post (GET /tickets/new, POST /tickets → 303);
//   - 15 % a payment (收费员): the 收银台 of a house, then the payment of
//     its oldest unpaid month (GET /billing/desk, POST /billing/desk/pay
//     → 303), from houses dealt to that cashier alone, so no two
//     cashiers ever pay the same bill.
//
// Every request is timed to its last byte; any transport error, 4xx,
// 5xx or unexpected answer is an error. Afterwards every acknowledged
// ticket and payment must be in the database. Goal: 0 errors, p95 <
// 100 ms. With no think time the clients are a closed loop of 50 always
// waiting, so by Little's law the mean latency is 50 / throughput: the
// benchmark measures the capacity of the box, and the p95 at it.
// WUYE_LOAD_CPUPROFILE=prefix writes a CPU profile of the measured
// window to prefix-sqlite.pprof and prefix-postgres.pprof.
func BenchmarkLoad(b *testing.B) {
	cfg := ldConfig{houses: tkEnv(b, "WUYE_LOAD_HOUSES", 10_000, 10), clients: tkEnv(b, "WUYE_LOAD_CLIENTS", 50, 2),
		window: time.Duration(tkEnv(b, "WUYE_LOAD_SECONDS", 60, 1)) * time.Second,
		think:  time.Duration(tkEnv(b, "WUYE_LOAD_THINK_MS", 0, 0)) * time.Millisecond}
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			for range b.N {
				ldRun(b, dialect, cfg)
			}
		})
	}
}

type ldConfig struct {
	houses, clients int
	window, think   time.Duration
}

// ldPassword is every load-test account's password.
const ldPassword = "Load-pass-1"

func ldRun(b *testing.B, dialect db.Dialect, cfg ldConfig) {
	ctx := context.Background()
	b.StopTimer()
	d := tkOpen(b, dialect)
	t0 := time.Now()
	res, err := demo.Seed(ctx, d, cfg.houses)
	if err != nil {
		b.Fatal(err)
	}
	if dialect == db.Postgres {
		if _, err := d.ExecContext(ctx, "ANALYZE"); err != nil { // autovacuum would within a minute
			b.Fatal(err)
		}
	}
	fmt.Printf("load %s: demo company of %d communities, %d houses, %d owners, %d tickets, %d bills, %d payments seeded in %.0fs\n",
		dialect, res.Communities, res.Houses, res.Owners, res.Tickets, res.Bills, res.Payments, time.Since(t0).Seconds())
	co := ldReadCompany(b, d)
	logs := &ldLog{}
	a := app.New(d, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	users := ldCreateStaff(b, a, co, cfg.clients)
	clients := make([]*ldClient, len(users))
	var wg sync.WaitGroup
	// argon2id makes a login slow and takes 64 MiB: four at a time.
	sem := make(chan struct{}, 4)
	for i, u := range users {
		clients[i] = newLdClient(srv.URL, u, uint64(i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := clients[i].login(); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	for _, c := range clients {
		c.warm()
	}
	if prefix := os.Getenv("WUYE_LOAD_CPUPROFILE"); prefix != "" {
		f, err := os.Create(prefix + "-" + string(dialect) + ".pprof")
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	pool := d.Stats()
	b.StartTimer()
	start := time.Now()
	deadline := start.Add(cfg.window)
	for _, c := range clients {
		wg.Add(1)
		go func() { defer wg.Done(); c.run(deadline, cfg.think) }()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	total := ldReport(b, dialect, cfg, clients, elapsed)
	after := d.Stats()
	fmt.Printf("load %s: connection pool of %d: %d waits for a connection (%.1fs in all), %d connections closed as surplus idle, %d opened\n",
		dialect, after.MaxOpenConnections, after.WaitCount-pool.WaitCount, (after.WaitDuration - pool.WaitDuration).Seconds(),
		after.MaxIdleClosed-pool.MaxIdleClosed, after.MaxIdleClosed+after.MaxIdleTimeClosed+after.MaxLifetimeClosed-
			pool.MaxIdleClosed-pool.MaxIdleTimeClosed-pool.MaxLifetimeClosed+int64(after.OpenConnections-pool.OpenConnections))
	if n, lines := logs.lines(); n > 0 {
		fmt.Printf("load %s: the server logged %d warnings and errors, the first:\n  %s\n", dialect, n, strings.Join(lines, "\n  "))
	}
	ldVerify(b, d, clients)
	b.ReportMetric(total.lat.pct(50), "p50_ms")
	b.ReportMetric(total.lat.pct(95), "p95_ms")
	b.ReportMetric(total.lat.pct(99), "p99_ms")
	b.ReportMetric(float64(len(total.lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(total.errors), "errors")
}

// ldCompany is what the clients need to know of the seeded company.
type ldCompany struct {
	comms []*ldComm
	byID  map[int64]*ldComm
}

type ldComm struct {
	id     int64
	houses []ldHouse
	terms  []string // what the search box is typed with
	pays   []ldPay  // unpaid months, oldest first per house
}

type ldHouse struct {
	id, comm int64
	code     string
}

// ldPay is one month of one house's unpaid bills.
type ldPay struct {
	house  int64
	period string
	bills  []int64
	fen    int64
}

// ldReadCompany reads the houses, the search terms and the unpaid bills.
// The search terms are queryMix's, over a dataset of each community's
// houses, owners and cars as the seeder wrote them.
func ldReadCompany(b *testing.B, d *db.DB) *ldCompany {
	co := &ldCompany{byID: map[int64]*ldComm{}}
	sets := map[int64]*dataset{}
	for _, r := range tkRows(b, d, `SELECT id FROM communities ORDER BY id`) {
		c := &ldComm{id: r[0].(int64)}
		co.comms = append(co.comms, c)
		co.byID[c.id] = c
		sets[c.id] = &dataset{communities: 1}
	}
	for _, r := range tkRows(b, d, `SELECT h.id, h.community_id, bl.name, u.name, h.number, h.code FROM houses h
		JOIN buildings bl ON bl.id = h.building_id JOIN units u ON u.id = h.unit_id ORDER BY h.id`) {
		comm := r[1].(int64)
		co.byID[comm].houses = append(co.byID[comm].houses, ldHouse{id: r[0].(int64), comm: comm, code: ldStr(r[5])})
		sets[comm].houses = append(sets[comm].houses, bHouse{id: r[0].(int64), comm: comm, bname: ldStr(r[2]),
			uname: ldStr(r[3]), number: ldStr(r[4])})
	}
	for _, r := range tkRows(b, d, `SELECT community_id, name, name_py, name_initials, phone FROM owners ORDER BY id`) {
		comm := r[0].(int64)
		sets[comm].owners = append(sets[comm].owners, bOwner{comm: comm, name: ldStr(r[1]), py: ldStr(r[2]),
			ini: ldStr(r[3]), phone: ldStr(r[4])})
	}
	for _, r := range tkRows(b, d, `SELECT community_id, plate FROM vehicles ORDER BY id`) {
		comm := r[0].(int64)
		sets[comm].vehicles = append(sets[comm].vehicles, bVehicle{comm: comm, plate: ldStr(r[1]),
			tail: archive.PlateTail(ldStr(r[1]))})
	}
	for _, c := range co.comms {
		for _, q := range queryMix(sets[c.id], 1000) {
			c.terms = append(c.terms, q.q)
		}
	}
	for _, r := range tkRows(b, d, `SELECT community_id, house_id, period, id, amount_fen FROM bills
		WHERE status = 'unpaid' AND NOT deposit AND amount_fen > 0 ORDER BY house_id, period, id`) {
		c := co.byID[r[0].(int64)]
		house, period := r[1].(int64), ldStr(r[2])
		if n := len(c.pays); n == 0 || c.pays[n-1].house != house || c.pays[n-1].period != period {
			c.pays = append(c.pays, ldPay{house: house, period: period})
		}
		p := &c.pays[len(c.pays)-1]
		p.bills = append(p.bills, r[3].(int64))
		p.fen += r[4].(int64)
	}
	return co
}

func ldStr(v any) string {
	if s, ok := v.([]byte); ok {
		return string(s)
	}
	return fmt.Sprint(v)
}

// ldUser is a load-test account and what it works on.
type ldUser struct {
	id    int64
	login string
	role  auth.Role
	comms []*ldComm
	pays  []ldPay // a cashier's own unpaid months
}

// ldCreateStaff makes n accounts: n/2 客服助理 and the rest 收费员, each
// scoped to one community in proportion to its houses, every fifth
// 客服助理 to all of them; it deals each community's unpaid houses out
// to its cashiers, a house to one cashier only.
func ldCreateStaff(b *testing.B, a *app.App, co *ldCompany, n int) []*ldUser {
	ctx := context.Background()
	total := 0
	for _, c := range co.comms {
		total += len(c.houses)
	}
	home := func(i, k int) *ldComm {
		at := (float64(i) + 0.5) / float64(k) * float64(total)
		for _, c := range co.comms {
			if at < float64(len(c.houses)) {
				return c
			}
			at -= float64(len(c.houses))
		}
		return co.comms[len(co.comms)-1]
	}
	r := rand.New(rand.NewPCG(21, 22))
	agents := n / 2
	var users []*ldUser
	cashiers := map[int64][]*ldUser{}
	for i := range n {
		u := &ldUser{role: auth.RoleCSAgent}
		j, k := i, agents
		if i >= agents {
			u.role, j, k = auth.RoleCashier, i-agents, n-agents
		}
		u.comms = []*ldComm{home(j, k)}
		if u.role == auth.RoleCSAgent && j%5 == 4 {
			u.comms = co.comms
		}
		u.login = fmt.Sprintf("load_%s_%02d", u.role, j+1)
		var ids []int64
		for _, c := range u.comms {
			ids = append(ids, c.id)
		}
		made, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: u.login, Name: demo.PersonName(r), Role: u.role,
			Communities: ids}, ldPassword)
		if err != nil {
			b.Fatal(err)
		}
		u.id = made.ID
		if u.role == auth.RoleCashier {
			cashiers[u.comms[0].id] = append(cashiers[u.comms[0].id], u)
		}
		users = append(users, u)
	}
	for _, c := range co.comms {
		cs := cashiers[c.id]
		fmt.Printf("load: community %d: %d houses, %d search terms, %d unpaid months dealt to %d cashiers\n", c.id,
			len(c.houses), len(c.terms), len(c.pays), len(cs))
		dealt := -1
		for i, p := range c.pays {
			if len(cs) == 0 {
				break
			}
			if i == 0 || c.pays[i-1].house != p.house {
				dealt++
			}
			u := cs[dealt%len(cs)]
			u.pays = append(u.pays, p)
		}
	}
	return users
}

// ldStat is the record of one kind of request.
type ldStat struct {
	lat    latencies
	errors int
}

// ldOps are the requests, in the order the table shows them.
var ldOps = []string{"search", "house", "ticket_form", "ticket", "desk", "pay"}

// ldReport prints the table of every request kind and returns the total.
func ldReport(b *testing.B, dialect db.Dialect, cfg ldConfig, clients []*ldClient, elapsed time.Duration) *ldStat {
	byOp := map[string]*ldStat{}
	total := &ldStat{}
	var agents, cashiers, skipped int
	var samples []string
	for _, c := range clients {
		if c.u.role == auth.RoleCashier {
			cashiers++
		} else {
			agents++
		}
		skipped += c.skipped
		samples = append(samples, c.samples...)
		for op, s := range c.stats {
			if byOp[op] == nil {
				byOp[op] = &ldStat{}
			}
			byOp[op].lat = append(byOp[op].lat, s.lat...)
			byOp[op].errors += s.errors
			total.lat = append(total.lat, s.lat...)
			total.errors += s.errors
		}
	}
	fmt.Printf("load %s: %d clients (%d 客服助理, %d 收费员), think time %v, %.1fs:\n", dialect, len(clients), agents, cashiers,
		cfg.think, elapsed.Seconds())
	fmt.Printf("  %-12s %7s %8s %8s %8s %8s %8s %7s\n", "request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
	line := func(name string, s *ldStat) {
		if len(s.lat) == 0 {
			return
		}
		fmt.Printf("  %-12s %7d %8.1f %8.1f %8.1f %8.1f %8.1f %7d\n", name, len(s.lat), float64(len(s.lat))/elapsed.Seconds(),
			s.lat.pct(50), s.lat.pct(95), s.lat.pct(99), s.lat.pct(100), s.errors)
	}
	for _, op := range ldOps {
		if s := byOp[op]; s != nil {
			line(op, s)
		}
	}
	line("all", total)
	if skipped > 0 {
		fmt.Printf("load %s: %d payments not taken: the cashiers ran out of unpaid months (seed more houses)\n", dialect, skipped)
	}
	if len(samples) > 0 {
		fmt.Printf("load %s: errors, the first of each client:\n  %s\n", dialect, strings.Join(samples[:min(len(samples), 10)], "\n  "))
	}
	if len(total.lat) == 0 {
		b.Fatal("no request finished")
	}
	return total
}

// ldVerify checks that every ticket and payment the server acknowledged
// (303 to the new record) is in the database: the tickets, the valid
// payments, and the bills those payments settled.
func ldVerify(b *testing.B, d *db.DB, clients []*ldClient) {
	var tickets, payments []int64
	bills := 0
	for _, c := range clients {
		tickets = append(tickets, c.tickets...)
		payments = append(payments, c.payments...)
		bills += c.bills
	}
	found := func(query string, ids []int64) int {
		n := 0
		for chunk := range slices.Chunk(ids, 500) {
			in, args := db.In(nil, chunk)
			var k int
			if err := d.QueryRow(strings.ReplaceAll(query, "IDS", in), args...).Scan(&k); err != nil {
				b.Fatal(err)
			}
			n += k
		}
		return n
	}
	gotT := found(`SELECT count(*) FROM tickets WHERE id IN (IDS)`, tickets)
	gotP := found(`SELECT count(*) FROM payments WHERE id IN (IDS) AND status = 'valid'`, payments)
	gotB := found(`SELECT count(*) FROM bills WHERE payment_id IN (IDS) AND status = 'paid'`, payments)
	fmt.Printf("load %s: acknowledged %d tickets, %d payments of %d bills; in the database: %d, %d, %d\n", d.Dialect,
		len(tickets), len(payments), bills, gotT, gotP, gotB)
	if gotT != len(tickets) || gotP != len(payments) || gotB != bills {
		b.Errorf("acknowledged work missing from the database")
	}
}

// ldLog keeps the first lines the server logs at warning level or above.
type ldLog struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (l *ldLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	if len(l.first) < 10 {
		l.first = append(l.first, strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func (l *ldLog) lines() (int, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n, l.first
}
