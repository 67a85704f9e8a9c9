package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"wuye/internal/app"
	"wuye/internal/demo"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/ticket"
)

// tkOpen is a new database of the dialect with every module's schema.
func tkOpen(b *testing.B, dialect db.Dialect) *db.DB {
	b.Helper()
	d, err := db.Open(context.Background(), dbtest.DSN(b, dialect))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if err := app.Migrate(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	return d
}

// tkEnv reads a positive size from the environment, or def.
func tkEnv(b *testing.B, name string, def, least int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			b.Fatalf("%s=%q: want a number ≥ %d", name, v, least)
		}
		return n
	}
	return def
}

// tkKinds draws kinds in the 客服中心's proportions.
var tkKinds = []struct {
	kind string
	w    int
}{{ticket.KindRepair, 55}, {ticket.KindComplaint, 12}, {ticket.KindInquiry, 18}, {ticket.KindSuggestion, 5},
	{ticket.KindHelp, 7}, {ticket.KindPraise, 3}}

func tkKind(r *rand.Rand) string {
	n := r.IntN(100)
	for _, k := range tkKinds {
		if n < k.w {
			return k.kind
		}
		n -= k.w
	}
	return ticket.KindRepair
}

var tkChannels = []string{"phone", "phone", "phone", "hotline", "hotline", "visit", "portal", "patrol"}

// BenchmarkTicketCreate registers tickets one by one through the JSON API
// — POST /api/v1/tickets on app.New(d, log).Handler() with a Bearer token:
// session lookup, permission and scope checks, validation, SLA policy and
// deadlines, the house's owner as requester, the gap-free number, the
// ticket, its first timeline event and the audit entry, each ticket in its
// own transaction — and then writes the same rows again as raw
// single-row INSERTs, each committed on its own (one prepared statement,
// no checks), in the same run. Goal: API ≥ 50% of the raw rate.
// WUYE_BENCH_CREATES sets the number of tickets (default 3000).
func BenchmarkTicketCreate(b *testing.B) {
	n := tkEnv(b, "WUYE_BENCH_CREATES", 3000, 50)
	ds := generate(3, 2000, 5, 4, false, false)
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			for range b.N {
				benchCreate(b, dialect, ds, n)
			}
		})
	}
}

func benchCreate(b *testing.B, dialect db.Dialect, ds *dataset, n int) {
	ctx := context.Background()
	b.StopTimer()
	d := tkOpen(b, dialect)
	if err := ds.rawLoad(ctx, d, 500); err != nil {
		b.Fatal(err)
	}
	a := app.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var all []int64
	for c := 1; c <= ds.communities; c++ {
		all = append(all, int64(c))
	}
	if _, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "bench_agent", Name: "王婷", Role: auth.RoleCSAgent,
		Communities: all}, "Bench-pass-1"); err != nil {
		b.Fatal(err)
	}
	token, _, err := a.Auth.Login(ctx, "bench_agent", "Bench-pass-1", "127.0.0.1", "bench", auth.KindAPI)
	if err != nil {
		b.Fatal(err)
	}
	h := a.Handler()
	r := rand.New(rand.NewPCG(7, 8))
	bodies := make([][]byte, n+100)
	for i := range bodies {
		house := ds.houses[r.IntN(len(ds.houses))]
		kind := tkKind(r)
		title, desc, category, _ := demo.TicketText(r, kind)
		in := map[string]any{"community_id": house.comm, "house_id": house.id, "kind": kind,
			"channel": tkChannels[r.IntN(len(tkChannels))], "title": title, "description": desc, "category": category}
		if r.IntN(100) < 10 {
			in["urgency"] = "urgent"
		}
		bodies[i], _ = json.Marshal(in)
	}
	post := func(body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/tickets", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = "127.0.0.1:50000"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusCreated {
			b.Fatalf("POST /api/v1/tickets: %d %s", w.Code, w.Body)
		}
	}
	for _, body := range bodies[n:] { // warm up: prepared statements, caches
		post(body)
	}
	raw := newTkRaw(b, d)
	raw.block(b, d, 0) // warm up the raw statements on the warm-up tickets
	// The API and the raw writes take turns in blocks of tkBlock tickets,
	// so that both meet the same disk and the same database state (the
	// fsync time of this machine drifts by half within a minute).
	var api, rawOne, rawTx, rawSame time.Duration
	for i := 0; i < n; i += tkBlock {
		b.StartTimer()
		t0 := time.Now()
		for _, body := range bodies[i:min(i+tkBlock, n)] {
			post(body)
		}
		api += time.Since(t0)
		b.StopTimer()
		one, tx, same := raw.block(b, d, raw.last)
		rawOne, rawTx, rawSame = rawOne+one, rawTx+tx, rawSame+same
	}
	var audits int
	d.QueryRow(`SELECT count(*) FROM audit_log WHERE entity = 'ticket' AND user_id > 0`).Scan(&audits)
	if audits < n+100 {
		b.Fatalf("%d audit entries for %d tickets", audits, n+100)
	}
	rate := func(t time.Duration) float64 { return float64(n) / t.Seconds() }
	ms := func(t time.Duration) float64 { return t.Seconds() * 1000 / float64(n) }
	b.ReportMetric(rate(api), "api_tickets/s")
	b.ReportMetric(rate(rawOne), "raw_tickets/s")
	b.ReportMetric(rate(rawTx), "rawtx_tickets/s")
	b.ReportMetric(rate(rawSame), "rawsame_tickets/s")
	b.ReportMetric(rate(api)/rate(rawOne), "api/raw")
	b.ReportMetric(rate(api)/rate(rawSame), "api/rawsame")
	fmt.Printf("create %s: %d tickets in blocks of %d: API %.0f tickets/s (%.3f ms each); raw single-row INSERTs %.0f rows/s (%.3f ms each); "+
		"raw INSERT in its own db.Tx %.0f rows/s (%.3f ms each); raw same writes %.0f tickets/s (%.3f ms each); "+
		"API/raw = %.0f%%, API/raw-in-Tx = %.0f%%, API/raw-same-writes = %.0f%%\n",
		dialect, n, tkBlock, rate(api), ms(api), rate(rawOne), ms(rawOne), rate(rawTx), ms(rawTx), rate(rawSame), ms(rawSame),
		100*rate(api)/rate(rawOne), 100*rate(api)/rate(rawTx), 100*rate(api)/rate(rawSame))
	b.StartTimer()
}

// tkBlock is how many tickets the API and the raw writes take in turn.
const tkBlock = 100

// tkRaw writes, for the tickets the API registered since the last block,
// the same rows again three ways:
//
//   - raw single-row INSERTs of the ticket row (every column, a new
//     number), one prepared statement, each row committed on its own;
//   - the same INSERT inside a db.Tx of its own (BEGIN, INSERT, COMMIT),
//     the frame of any transactional write;
//   - the raw database doing the same writes as the API: the counter
//     row, the ticket, its "create" event and its audit entry, as raw
//     single-row statements, prepared once, one transaction per ticket —
//     without the session, checks, HTTP and JSON.
type tkRaw struct {
	last                                 int64 // the last ticket id read
	one, counter, ticket, event, auditSt *sql.Stmt
	ctx                                  context.Context
}

func newTkRaw(b *testing.B, d *db.DB) *tkRaw {
	ctx := context.Background()
	prep := func(q string) *sql.Stmt {
		st, err := d.PrepareContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	return &tkRaw{ctx: ctx, one: prep(tkRawInsert),
		counter: prep(`INSERT INTO ticket_counters (community_id, year, last) VALUES ($1, $2, 1)
			ON CONFLICT (community_id, year) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last`),
		ticket:  prep(tkRawInsert + ` RETURNING id`),
		event:   prep(`INSERT INTO ticket_events (` + tkEventCols + `) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`),
		auditSt: prep(`INSERT INTO audit_log (` + audit.Columns + `) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`)}
}

// rows reads query's rows as values.
func tkRows(b *testing.B, d *db.DB, query string, args ...any) [][]any {
	rows, err := d.QueryContext(context.Background(), query, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		v := make([]any, len(cols))
		p := make([]any, len(cols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			b.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// block writes the API's tickets after id since the three raw ways and
// returns the time of each.
func (r *tkRaw) block(b *testing.B, d *db.DB, since int64) (one, inTx, same time.Duration) {
	ctx := r.ctx
	vals := tkRows(b, d, `SELECT `+tkRawCols+`, id FROM tickets WHERE id > $1 AND number LIKE 'TS%' ORDER BY id`, since)
	if len(vals) == 0 {
		b.Fatal("no tickets to copy")
	}
	first, last := vals[0][tkRawN].(int64), vals[len(vals)-1][tkRawN].(int64)
	r.last = last
	events := tkRows(b, d, `SELECT `+tkEventCols+` FROM ticket_events WHERE ticket_id BETWEEN $1 AND $2 ORDER BY ticket_id`, first, last)
	audits := tkRows(b, d, `SELECT `+audit.Columns+` FROM audit_log WHERE entity = 'ticket' AND entity_id BETWEEN $1 AND $2
		AND action = 'create' ORDER BY entity_id`, first, last)
	if len(events) != len(vals) || len(audits) != len(vals) {
		b.Fatalf("%d events and %d audit entries for %d tickets", len(events), len(audits), len(vals))
	}
	for i := range vals {
		vals[i] = vals[i][:tkRawN]
	}
	number := func(v []any, prefix string) {
		v[1] = prefix + strings.TrimPrefix(fmt.Sprint(v[1]), "TS")
	}
	b.StartTimer()
	t0 := time.Now()
	for _, v := range vals {
		number(v, "R")
		if _, err := r.one.ExecContext(ctx, v...); err != nil {
			b.Fatal(err)
		}
	}
	one = time.Since(t0)
	t0 = time.Now()
	for _, v := range vals {
		number(v, "T")
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.StmtContext(ctx, r.one).ExecContext(ctx, v...)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	inTx = time.Since(t0)
	t0 = time.Now()
	for i, v := range vals {
		tx, err := d.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		var seq, id int64
		if err := tx.StmtContext(ctx, r.counter).QueryRowContext(ctx, v[0], v[2]).Scan(&seq); err != nil {
			b.Fatal(err)
		}
		v[1] = fmt.Sprintf("S%d-%06d", v[2], seq)
		if err := tx.StmtContext(ctx, r.ticket).QueryRowContext(ctx, v...).Scan(&id); err != nil {
			b.Fatal(err)
		}
		e, a := events[i], audits[i]
		e[0], a[5] = id, id
		if _, err := tx.StmtContext(ctx, r.event).ExecContext(ctx, e...); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.StmtContext(ctx, r.auditSt).ExecContext(ctx, a...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	same = time.Since(t0)
	b.StopTimer()
	return one, inTx, same
}

// tkEventCols are a timeline event's columns.
const tkEventCols = `ticket_id, community_id, at, user_id, user_name, action, from_status, to_status, note`

// tkRawCols are the columns a ticket is created with.
const tkRawCols = `community_id, number, year, kind, urgency, channel, title, description, category, house_id, location,
	requester_name, requester_phone, receiver_id, status, received_at, respond_due_at, resolve_due_at, created_at, updated_at`

var tkRawN = strings.Count(tkRawCols, ",") + 1

var tkRawInsert = func() string {
	ps := make([]string, tkRawN)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(i+1)
	}
	return `INSERT INTO tickets (` + tkRawCols + `) VALUES (` + strings.Join(ps, ",") + `)`
}()
