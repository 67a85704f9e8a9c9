package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"wuye/internal/billing"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// billRunHouses is how many houses the killed run bills: enough that it
// is still writing for a good while (≈ 0.3 s on SQLite, 1.3 s on
// PostgreSQL here) after it has been seen writing.
const billRunHouses = 30000

// TestBillRunKilledMidwayLeavesNothingHalfDone: a bill run (POST
// /api/v1/bill-runs, as the 出账 page) is one transaction. Killed with
// SIGKILL while it is writing its bills — seen writing: on SQLite the
// WAL grows by the run's uncommitted pages (1, 2, then 3 MiB of them),
// on PostgreSQL the server's session is inserting bills (as soon as
// seen, then 150 and 300 ms later) — it leaves no bill, no run record,
// no prepaid draw-down and no audit entry behind. After the restart the
// rerun issues every bill once, and a further run issues none.
func TestBillRunKilledMidwayLeavesNothingHalfDone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := crashBinary(t)
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) { billRunKills(t, bin, dialect) })
	}
}

func billRunKills(t *testing.T, bin string, dialect db.Dialect) {
	dsn := crashDSN(t, dialect)
	crashRun(t, bin, "demo", "--db", dsn, "--houses", "10")
	cid, prepaid := billRunFixture(t, dsn)
	srv := newCrashServer(t, bin, dsn)
	srv.start()
	api := newCrashAPI(srv.base)
	token, cashier := api.login(t, "manager"), api.login(t, "cashier")
	for _, h := range prepaid { // 预存: the run draws these down on the new bills, in its transaction
		rep := api.post("/api/v1/payments", cashier, map[string]any{"house_id": h, "amount_fen": 100000, "method": "cash"}, nil)
		if rep.status != http.StatusCreated || rep.err != nil {
			t.Fatalf("prepay house %d: %d %s %v", h, rep.status, rep.body, rep.err)
		}
	}
	this, _ := time.Parse("2006-01", billing.PeriodOf(time.Now()))
	in := map[string]any{"community_id": cid, "period": this.AddDate(0, 1, 0).Format("2006-01")}
	var preview billing.BillRun
	if rep := api.post("/api/v1/bill-runs/preview", token, in, &preview); rep.status != http.StatusOK || rep.err != nil {
		t.Fatalf("preview: %d %s %v", rep.status, rep.body, rep.err)
	}
	want := preview.Created
	if want < billRunHouses {
		t.Fatalf("the run would issue %d bills, want at least %d", want, billRunHouses)
	}

	var kills []string
	for k := range 3 {
		seen := billRunWatch(t, dialect, dsn, k)
		done := make(chan crashReply, 1)
		go func() { done <- api.post("/api/v1/bill-runs", token, in, nil) }()
		what := ""
		for what == "" {
			select {
			case rep := <-done:
				t.Fatalf("kill %d: the run answered %d before it was seen writing: make it bigger", k+1, rep.status)
			default:
			}
			if ok, how := seen(); ok {
				what = how
			} else {
				time.Sleep(time.Millisecond)
			}
		}
		srv.kill()
		rep := <-done
		st := billRunStateOf(t, dsn, in)
		if st.orphans != "" {
			t.Errorf("kill %d (%s): %s", k+1, what, st.orphans)
		}
		if st.bills != 0 || st.runs != 0 || st.draws != 0 {
			t.Fatalf("kill %d (%s), answer %d %v: %d bills, %d runs, %d prepaid draw-downs of the month are left, want none",
				k+1, what, rep.status, rep.err, st.bills, st.runs, st.draws)
		}
		kills = append(kills, what)
		srv.start()
	}

	var run billing.BillRun
	if rep := api.post("/api/v1/bill-runs", token, in, &run); rep.status != http.StatusCreated || rep.err != nil {
		t.Fatalf("rerun after the kills: %d %s %v", rep.status, rep.body, rep.err)
	}
	if run.Status != billing.RunDone || run.Created != want || run.TotalFen != preview.TotalFen {
		t.Errorf("rerun: %s, %d bills, %d fen; the preview said %d bills, %d fen", run.Status, run.Created, run.TotalFen,
			want, preview.TotalFen)
	}
	var again billing.BillRun
	if rep := api.post("/api/v1/bill-runs", token, in, &again); rep.status != http.StatusCreated || rep.err != nil {
		t.Fatalf("a further run: %d %s %v", rep.status, rep.body, rep.err)
	}
	if again.Status != "unchanged" || again.Created != 0 || again.Skipped != want || again.ID != run.ID {
		t.Errorf("a further run: %+v, want it unchanged with %d skipped", again, want)
	}
	srv.stop()
	st := billRunStateOf(t, dsn, in)
	if st.bills != want || st.runs != 1 || st.draws != len(prepaid) || run.PrepaidFen == 0 || st.orphans != "" {
		t.Errorf("after the rerun: %d bills, %d runs, %d prepaid draw-downs of the month (want %d, 1, %d) %s",
			st.bills, st.runs, st.draws, want, len(prepaid), st.orphans)
	}
	crashCheck(t, bin, dsn)
	t.Logf("bill run %s: killed 3 times while writing its %d bills (%s), nothing half-done each time; "+
		"the rerun issued %d bills (%d prepaid draw-downs), a further run 0", dialect, want, strings.Join(kills, "; "),
		run.Created, st.draws)
}

// billRunFixture adds billRunHouses houses to the community of the
// demo's first 住宅, as copies of it (so each gets its 物业服务费), and
// returns the community and three of the copies. Plain SQL: it is the
// fixture, not what is tested, and the archive's import would take
// minutes.
func billRunFixture(t *testing.T, dsn string) (int64, []int64) {
	d := crashOpen(t, dsn)
	defer d.Close()
	var id, cid int64
	if err := d.QueryRow(`SELECT id, community_id FROM houses WHERE house_use = '住宅' ORDER BY id LIMIT 1`).Scan(&id, &cid); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $1)
		INSERT INTO houses (community_id, building_id, unit_id, number, code, floor, gross_area, house_use, status,
			created_at, updated_at)
		SELECT h.community_id, h.building_id, h.unit_id, 'K' || CAST(s.n AS TEXT), h.code || '-K' || CAST(s.n AS TEXT),
			h.floor, h.gross_area, h.house_use, h.status, h.created_at, h.updated_at FROM s, houses h WHERE h.id = $2`,
		billRunHouses, id); err != nil {
		t.Fatal(err)
	}
	var copies []int64
	crashRows(t, d, `SELECT id FROM houses WHERE community_id = $1 ORDER BY id DESC LIMIT 3`, []any{cid},
		func(scan func(...any)) {
			var h int64
			scan(&h)
			copies = append(copies, h)
		})
	return cid, copies
}

// billRunWatch returns a probe that says when the run in flight has
// reached stage k of its writing, and how it knows.
func billRunWatch(t *testing.T, dialect db.Dialect, dsn string, k int) func() (bool, string) {
	if dialect == db.SQLite {
		// The transaction's pages spill into the WAL once the page cache
		// is full; they only count once the commit record follows them.
		wal := strings.TrimPrefix(dsn, "sqlite:") + "-wal"
		size := func() int64 {
			fi, err := os.Stat(wal)
			if err != nil {
				return 0
			}
			return fi.Size()
		}
		base, step := size(), int64(k+1)<<20
		return func() (bool, string) {
			grown := size() - base
			return grown >= step, fmt.Sprintf("WAL +%.1f MiB written by the run", float64(grown)/(1<<20))
		}
	}
	admin := crashOpen(t, dbtest.PGAdminDSN())
	t.Cleanup(func() { admin.Close() })
	app := strings.SplitN(strings.SplitN(dsn, "application_name=", 2)[1], "&", 2)[0]
	var first time.Time
	wait := time.Duration(k) * 150 * time.Millisecond
	return func() (bool, string) {
		var n int
		if err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle'
			AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO bills%'`, app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return false, ""
		}
		if first.IsZero() {
			first = time.Now()
		}
		in := time.Since(first)
		return in >= wait, fmt.Sprintf("inserting bills for %d ms", in.Milliseconds())
	}
}

// billRunState is what the database holds of a month's run, and
// anything of any run that stands without the rest of it.
type billRunState struct {
	bills, runs, draws int
	orphans            string
}

func billRunStateOf(t *testing.T, dsn string, in map[string]any) billRunState {
	d := crashOpen(t, dsn)
	defer d.Close()
	var st billRunState
	month := []any{in["community_id"], in["period"]}
	for _, c := range []struct {
		n    *int
		q    string
		args []any
	}{
		{&st.bills, `SELECT count(*) FROM bills WHERE community_id = $1 AND period = $2 AND run_id IS NOT NULL`, month},
		{&st.runs, `SELECT count(*) FROM bill_runs WHERE community_id = $1 AND period = $2`, month},
		{&st.draws, `SELECT count(*) FROM payments p JOIN bill_runs r ON r.id = p.run_id WHERE r.community_id = $1
			AND r.period = $2`, month},
	} {
		if err := d.QueryRow(c.q, c.args...).Scan(c.n); err != nil {
			t.Fatal(err)
		}
	}
	var problems []string
	for what, q := range map[string]string{
		"runs recorded done without their bills": `SELECT count(*) FROM bill_runs r WHERE r.status = 'done'
			AND r.created <> (SELECT count(*) FROM bills b WHERE b.run_id = r.id)`,
		"bills of no run": `SELECT count(*) FROM bills b WHERE b.run_id IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM bill_runs r WHERE r.id = b.run_id)`,
		"prepaid draw-downs of no run": `SELECT count(*) FROM payments p WHERE p.run_id IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM bill_runs r WHERE r.id = p.run_id)`,
		"audit entries of no run": `SELECT count(*) FROM audit_log a WHERE a.entity = 'bill_run'
			AND NOT EXISTS (SELECT 1 FROM bill_runs r WHERE r.id = a.entity_id)`,
		"house × item × month billed twice": `SELECT count(*) FROM (SELECT house_id FROM bills WHERE run_id IS NOT NULL
			AND status <> 'void' GROUP BY house_id, fee_item_id, period HAVING count(*) > 1) x`,
	} {
		var n int
		if err := d.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			problems = append(problems, fmt.Sprintf("%d %s", n, what))
		}
	}
	st.orphans = strings.Join(problems, ", ")
	return st
}
