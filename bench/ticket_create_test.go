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
	b.StartTimer()
	t0 := time.Now()
	for _, body := range bodies[:n] {
		post(body)
	}
	api := time.Since(t0)
	b.StopTimer()

	// The same rows, as raw single-row INSERTs of their every column.
	rows, err := d.QueryContext(ctx, `SELECT `+tkRawCols+` FROM tickets ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	var vals [][]any
	for rows.Next() {
		v := make([]any, tkRawN)
		p := make([]any, tkRawN)
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			b.Fatal(err)
		}
		v[1] = "R" + fmt.Sprint(v[1]) // number: unique per community
		vals = append(vals, v)
	}
	rows.Close()
	if len(vals) != n+100 {
		b.Fatalf("%d tickets created, want %d", len(vals), n+100)
	}
	st, err := d.PrepareContext(ctx, tkRawInsert)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for _, v := range vals[:100] {
		if _, err := st.ExecContext(ctx, v...); err != nil {
			b.Fatal(err)
		}
	}
	b.StartTimer()
	t0 = time.Now()
	for _, v := range vals[100:] {
		if _, err := st.ExecContext(ctx, v...); err != nil {
			b.Fatal(err)
		}
	}
	raw := time.Since(t0)
	b.StopTimer()
	// For scale: the same INSERT in a transaction of its own through
	// db.Tx (BEGIN, INSERT, COMMIT), the frame every API write has.
	for i, v := range vals {
		v[1] = "T" + fmt.Sprint(v[1])[1:]
		vals[i] = v
	}
	t0 = time.Now()
	for _, v := range vals[100:] {
		if err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.StmtContext(ctx, st).ExecContext(ctx, v...)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	rawTx := time.Since(t0)
	var audits, events int
	d.QueryRow(`SELECT count(*) FROM audit_log WHERE entity = 'ticket'`).Scan(&audits)
	d.QueryRow(`SELECT count(*) FROM ticket_events`).Scan(&events)
	if audits != n+100 || events != n+100 {
		b.Fatalf("%d audit entries and %d events for %d tickets", audits, events, n+100)
	}
	same := rawSameWrites(b, d, vals)
	apiRate, rawRate, txRate := float64(n)/api.Seconds(), float64(n)/raw.Seconds(), float64(n)/rawTx.Seconds()
	sameRate := float64(n) / same.Seconds()
	b.ReportMetric(apiRate, "api_tickets/s")
	b.ReportMetric(rawRate, "raw_tickets/s")
	b.ReportMetric(txRate, "rawtx_tickets/s")
	b.ReportMetric(sameRate, "rawsame_tickets/s")
	b.ReportMetric(apiRate/rawRate, "api/raw")
	b.ReportMetric(apiRate/sameRate, "api/rawsame")
	fmt.Printf("create %s: %d tickets: API %.0f tickets/s (%.3f ms each); raw single-row INSERTs %.0f rows/s (%.3f ms each); "+
		"raw INSERT in its own db.Tx %.0f rows/s (%.3f ms each); raw same writes %.0f tickets/s (%.3f ms each); "+
		"API/raw = %.0f%%, API/raw-in-Tx = %.0f%%, API/raw-same-writes = %.0f%%\n",
		dialect, n, apiRate, api.Seconds()*1000/float64(n), rawRate, raw.Seconds()*1000/float64(n), txRate,
		rawTx.Seconds()*1000/float64(n), sameRate, same.Seconds()*1000/float64(n),
		100*apiRate/rawRate, 100*apiRate/txRate, 100*apiRate/sameRate)
	b.StartTimer()
}

// rawSameWrites writes what a registration writes — the counter row, the
// ticket, its "create" event and its audit entry (the stored values read
// back, a new number) — as raw single-row statements, prepared once, one
// transaction per ticket: the raw database doing the same writes as the
// API, without its session, checks, HTTP and JSON. It returns the time of
// all but the first 100 (warm-up) tickets.
func rawSameWrites(b *testing.B, d *db.DB, vals [][]any) time.Duration {
	ctx := context.Background()
	var events, audits [][]any
	for _, q := range []struct {
		sql string
		out *[][]any
	}{
		{`SELECT ` + tkEventCols + ` FROM ticket_events ORDER BY ticket_id`, &events},
		{`SELECT ` + audit.Columns + ` FROM audit_log WHERE entity = 'ticket' ORDER BY entity_id`, &audits},
	} {
		rows, err := d.QueryContext(ctx, q.sql)
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			v := make([]any, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				b.Fatal(err)
			}
			*q.out = append(*q.out, v)
		}
		rows.Close()
	}
	if len(events) != len(vals) || len(audits) != len(vals) {
		b.Fatalf("%d events and %d audit entries for %d tickets", len(events), len(audits), len(vals))
	}
	prep := func(q string) *sql.Stmt {
		st, err := d.PrepareContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st
	}
	counter := prep(`INSERT INTO ticket_counters (community_id, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (community_id, year) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last`)
	ticketSt := prep(tkRawInsert + ` RETURNING id`)
	eventSt := prep(`INSERT INTO ticket_events (` + tkEventCols + `) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`)
	auditSt := prep(`INSERT INTO audit_log (` + audit.Columns + `) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`)
	one := func(i int) {
		tx, err := d.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		v := vals[i]
		var last, id int64
		if err := tx.StmtContext(ctx, counter).QueryRowContext(ctx, v[0], v[2]).Scan(&last); err != nil {
			b.Fatal(err)
		}
		v[1] = fmt.Sprintf("S%d-%06d", v[2], last)
		if err := tx.StmtContext(ctx, ticketSt).QueryRowContext(ctx, v...).Scan(&id); err != nil {
			b.Fatal(err)
		}
		e := events[i]
		e[0] = id
		if _, err := tx.StmtContext(ctx, eventSt).ExecContext(ctx, e...); err != nil {
			b.Fatal(err)
		}
		a := audits[i]
		a[5] = id
		if _, err := tx.StmtContext(ctx, auditSt).ExecContext(ctx, a...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 100 {
		one(i)
	}
	b.StartTimer()
	t0 := time.Now()
	for i := 100; i < len(vals); i++ {
		one(i)
	}
	took := time.Since(t0)
	b.StopTimer()
	return took
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
