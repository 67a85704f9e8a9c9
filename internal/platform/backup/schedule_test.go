package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/backup"
	"wuye/internal/platform/db"
	"wuye/internal/platform/web"
)

// clock is a settable time for a scheduler.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// shanghai is a wall-clock time in Asia/Shanghai.
func shanghai(day string, hh, mm int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, day, web.Shanghai)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

// scheduled is a database with records, its admin, and a scheduler on
// it with a clock of the test's, saving into a folder of the test's.
type scheduled struct {
	d     *db.DB
	admin *auth.User
	s     *backup.Scheduler
	clock *clock
	dir   string
}

func newScheduled(t *testing.T, dialect db.Dialect, hour, keep int) *scheduled {
	t.Helper()
	d := apptest.FreshDB(t, dialect)
	f := apptest.New(t, d)
	x := &scheduled{d: d, admin: f.Users[auth.RoleAdmin], clock: &clock{}, dir: t.TempDir()}
	x.s = x.scheduler()
	x.save(t, true, hour, x.dir, keep)
	return x
}

// scheduler is another server's scheduler on the same database and clock.
func (x *scheduled) scheduler() *backup.Scheduler {
	s := backup.NewScheduler(x.d, "test", app.Modules)
	s.Now = x.clock.now
	return s
}

func (x *scheduled) save(t *testing.T, enabled bool, hour int, dir string, keep int) {
	t.Helper()
	_, err := x.s.SaveSettings(context.Background(), x.admin, backup.SettingsInput{Enabled: enabled,
		Hour: strconv.Itoa(hour), Dir: dir, Keep: strconv.Itoa(keep)})
	if err != nil {
		t.Fatal(err)
	}
}

func (x *scheduled) runs(t *testing.T) []*backup.Run { t.Helper(); return runsOf(t, x.s) }

// runsOf lists s's runs, newest first.
func runsOf(t *testing.T, s *backup.Scheduler) []*backup.Run {
	t.Helper()
	runs, _, err := s.Runs(context.Background(), web.Paging{Page: 1, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// backups lists the backup files in dir, oldest first.
func backups(t *testing.T, dir string) []string {
	t.Helper()
	fs, err := backup.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	slices.Sort(out)
	return out
}

func eachDialect(t *testing.T, fn func(t *testing.T, dialect db.Dialect)) {
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) { fn(t, dialect) })
	}
}

// The daily backup starts at the first tick after its hour (Shanghai
// time), not before; later ticks of the day, on this server or another,
// write nothing more; the next day writes the next one. Each file is a
// whole, verified backup recorded as 定时.
func TestScheduledBackupRunsOnceADayAfterItsHour(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect db.Dialect) {
		ctx := context.Background()
		x := newScheduled(t, dialect, 2, 7)
		other := x.scheduler()

		x.clock.set(shanghai("2030-03-10", 1, 59))
		if err := x.s.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := backups(t, x.dir); len(got) != 0 {
			t.Fatalf("before 02:00: %v written", got)
		}
		if g, err := x.s.Gauges(ctx); err != nil || g["wuye_backup_last_success_timestamp_seconds"] != 0 || g["wuye_backup_enabled"] != 1 {
			t.Errorf("gauges before any backup: %v %v", g, err)
		}

		// Two servers tick at 02:00 at once: one backup.
		x.clock.set(shanghai("2030-03-10", 2, 0))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []*backup.Scheduler{x.s, other} {
			wg.Go(func() { errs[i] = s.RunDue(ctx) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"wuye-20300310-020000.jsonl.gz"}
		if got := backups(t, x.dir); !slices.Equal(got, want) {
			t.Fatalf("at 02:00 two servers wrote %v, want %v", got, want)
		}
		m, err := backup.Verify(filepath.Join(x.dir, want[0]))
		if err != nil {
			t.Fatalf("the scheduled backup does not verify: %v", err)
		}
		if m.Tables["houses"] < 2 {
			t.Errorf("backup holds %d houses, want the fixture's", m.Tables["houses"])
		}
		runs := x.runs(t)
		if len(runs) != 1 {
			t.Fatalf("%d runs recorded, want 1", len(runs))
		}
		r := runs[0]
		if r.Kind != backup.KindScheduled || r.Status != backup.StatusOK || r.File != want[0] || r.SHA256 != m.SHA256 ||
			r.Rows != m.Rows || r.Bytes == 0 || !r.Exists || r.FinishedAt == nil || r.UserName != "定时" {
			t.Errorf("run recorded as %+v, manifest %s rows %d", r, m.SHA256, m.Rows)
		}

		if g, err := x.s.Gauges(ctx); err != nil || g["wuye_backup_last_success_timestamp_seconds"] != float64(shanghai("2030-03-10", 2, 0).Unix()) {
			t.Errorf("gauges after the backup: %v %v", g, err)
		}

		for _, tick := range []time.Time{shanghai("2030-03-10", 2, 1), shanghai("2030-03-10", 23, 59), shanghai("2030-03-11", 1, 0)} {
			x.clock.set(tick)
			for _, s := range []*backup.Scheduler{x.s, other} {
				if err := s.RunDue(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got := backups(t, x.dir); !slices.Equal(got, want) {
			t.Fatalf("later ticks of the day wrote %v, want only %v", got, want)
		}
		next, err := x.s.NextRun(ctx)
		if err != nil || !next.Equal(shanghai("2030-03-11", 2, 0)) {
			t.Errorf("next run at %v (%v), want 2030-03-11 02:00", next.In(web.Shanghai), err)
		}

		x.clock.set(shanghai("2030-03-11", 2, 7))
		if err := other.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		want = append(want, "wuye-20300311-020700.jsonl.gz")
		if got := backups(t, x.dir); !slices.Equal(got, want) {
			t.Errorf("the next day: %v, want %v", got, want)
		}

		// Turned off, it writes nothing.
		x.save(t, false, 2, x.dir, 7)
		x.clock.set(shanghai("2030-03-12", 9, 0))
		if err := x.s.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := backups(t, x.dir); len(got) != 2 {
			t.Errorf("disabled, the scheduler wrote %v", got)
		}
	})
}

// After a backup, the folder keeps the newest Keep backups; files not
// named as backups — notes, other programs' backups, renamed copies —
// stay, and so does a backup being written; a partial file of a backup
// dropped long ago goes.
func TestPruneKeepsTheNewestBackupsAndNothingElse(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect db.Dialect) {
		x := newScheduled(t, dialect, 0, 3)
		old := []string{"wuye-20300101-020000.jsonl.gz", "wuye-20300102-020000.jsonl.gz",
			"wuye-20300103-020000.jsonl.gz", "wuye-20300104-020000.jsonl.gz"}
		foreign := []string{"notes.txt", "wuye-2030-01-01.backup", "wuye-20300101-020000.jsonl.gz.bak",
			"copy-wuye-20300101-020000.jsonl.gz", "wuye-20300105-020000.jsonl.gz.partial"}
		for _, n := range append(slices.Clone(old), foreign...) {
			if err := os.WriteFile(filepath.Join(x.dir, n), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Mkdir(filepath.Join(x.dir, "wuye-20291231-020000.jsonl.gz"), 0o700); err != nil {
			t.Fatal(err) // a folder named like a backup is not one
		}
		stale := "wuye-20300102-020000.jsonl.gz.partial"
		if err := os.WriteFile(filepath.Join(x.dir, stale), []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
		long := time.Now().Add(-24 * time.Hour)
		if err := os.Chtimes(filepath.Join(x.dir, stale), long, long); err != nil {
			t.Fatal(err)
		}

		x.clock.set(shanghai("2030-01-06", 8, 30))
		if err := x.s.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := []string{"wuye-20300103-020000.jsonl.gz", "wuye-20300104-020000.jsonl.gz", "wuye-20300106-083000.jsonl.gz"}
		if got := backups(t, x.dir); !slices.Equal(got, want) {
			t.Errorf("kept %v, want the newest 3 %v", got, want)
		}
		for _, n := range append(foreign, "wuye-20291231-020000.jsonl.gz") {
			if _, err := os.Stat(filepath.Join(x.dir, n)); err != nil {
				t.Errorf("%s was touched: %v", n, err)
			}
		}
		if _, err := os.Stat(filepath.Join(x.dir, stale)); !os.IsNotExist(err) {
			t.Errorf("the stale partial file is still there (%v)", err)
		}
	})
}

// A backup that cannot be written is recorded as failed with its reason
// and returned to the job loop; it is retried after RetryAfter, not
// every minute, and succeeds once the folder is back. A run its server
// dropped half-way does not block the day forever.
func TestFailedBackupIsRecordedAndRetried(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect db.Dialect) {
		ctx := context.Background()
		x := newScheduled(t, dialect, 3, 7)
		if err := os.Remove(x.dir); err != nil {
			t.Fatal(err)
		}
		x.clock.set(shanghai("2030-05-01", 3, 0))
		err := x.s.RunDue(ctx)
		if err == nil || !strings.Contains(err.Error(), "备份") {
			t.Fatalf("RunDue into a missing folder: %v, want the failure", err)
		}
		runs := x.runs(t)
		if len(runs) != 1 || runs[0].Status != backup.StatusFailed || !strings.Contains(runs[0].Error, x.dir) ||
			runs[0].FinishedAt == nil {
			t.Fatalf("runs %+v, want one failed run naming %s", runs[0], x.dir)
		}

		x.clock.set(shanghai("2030-05-01", 3, 30))
		if err := x.s.RunDue(ctx); err != nil {
			t.Errorf("within the retry pause: %v", err)
		}
		if n := len(x.runs(t)); n != 1 {
			t.Errorf("%d runs within the retry pause, want 1", n)
		}

		if err := os.Mkdir(x.dir, 0o700); err != nil {
			t.Fatal(err)
		}
		x.clock.set(shanghai("2030-05-01", 4, 1))
		if err := x.s.RunDue(ctx); err != nil {
			t.Fatalf("retry with the folder back: %v", err)
		}
		runs = x.runs(t)
		if len(runs) != 2 || runs[0].Status != backup.StatusOK || len(backups(t, x.dir)) != 1 {
			t.Fatalf("after the retry: %d runs, newest %+v, files %v", len(runs), runs[0], backups(t, x.dir))
		}

		// The next day a server dies half-way: its run stays "running".
		// Six hours on, the day is taken again.
		x.clock.set(shanghai("2030-05-02", 3, 0))
		if _, err := x.d.Exec(`INSERT INTO backup_runs (kind, day, status, started_at, dir, file)
			VALUES ('scheduled', '2030-05-02', 'running', $1, $2, 'wuye-20300502-030000.jsonl.gz')`, x.clock.now().UTC(), x.dir); err != nil {
			t.Fatal(err)
		}
		x.clock.set(shanghai("2030-05-02", 8, 59))
		if err := x.s.RunDue(ctx); err != nil || len(backups(t, x.dir)) != 1 {
			t.Fatalf("while the dropped run is recent: %v, files %v", err, backups(t, x.dir))
		}
		x.clock.set(shanghai("2030-05-02", 9, 1))
		if err := x.s.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		runs = x.runs(t)
		if len(backups(t, x.dir)) != 2 || runs[0].Status != backup.StatusOK || runs[1].Status != backup.StatusFailed ||
			!strings.Contains(runs[1].Error, "服务器在备份过程中停止") {
			t.Errorf("after the dropped run went stale: files %v, runs %+v %+v", backups(t, x.dir), runs[0], runs[1])
		}
	})
}
