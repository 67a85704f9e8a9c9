package check_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/platform/check"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var dialects = []db.Dialect{db.SQLite, db.Postgres}

// eachFresh runs fn on a fixture of its own database per dialect: the
// checks read every row, and the tests break some on purpose.
func eachFresh(t *testing.T, fn func(t *testing.T, f *apptest.Fixture)) {
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			f := apptest.New(t, apptest.FreshDB(t, dialect))
			f.SeedExtra()
			fn(t, f)
		})
	}
}

func run(t *testing.T, d *db.DB, checks ...check.Check) (*check.Report, string) {
	t.Helper()
	rep, err := check.Run(context.Background(), d, checks...)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.Write(&b); err != nil {
		t.Fatal(err)
	}
	return rep, b.String()
}

func all() []check.Check {
	return append([]check.Check{check.Schema(app.Modules...)}, check.Generic()...)
}

// withoutForeignKeys runs stmt on a connection that does not enforce
// foreign keys, as a careless import or a broken restore would.
func withoutForeignKeys(t *testing.T, d *db.DB, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	c, err := d.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	off, on := "PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON"
	if d.Dialect == db.Postgres {
		off, on = "SET session_replication_role = replica", "RESET session_replication_role"
	}
	if _, err := c.ExecContext(ctx, off); err != nil {
		t.Fatal(err)
	}
	defer c.ExecContext(ctx, on)
	if _, err := c.ExecContext(ctx, stmt, args...); err != nil {
		t.Fatal(err)
	}
}

// A database written only through the services passes: schema current,
// storage sound, every foreign key held.
func TestHealthyDatabasePasses(t *testing.T) {
	eachFresh(t, func(t *testing.T, f *apptest.Fixture) {
		rep, text := run(t, f.DB, all()...)
		if !rep.OK() {
			t.Fatalf("healthy database fails:\n%s", text)
		}
		for _, want := range []string{"[正常] 数据结构版本", "[正常] 外键", "全部通过"} {
			if !strings.Contains(text, want) {
				t.Errorf("report lacks %q:\n%s", want, text)
			}
		}
	})
}

// A row pointing at a parent that does not exist, let in with foreign
// keys off (SQLite) or in replica mode (PostgreSQL), is named with its
// table, id, community and the missing key.
func TestOrphanRowsAreNamed(t *testing.T) {
	eachFresh(t, func(t *testing.T, f *apptest.Fixture) {
		withoutForeignKeys(t, f.DB, `UPDATE residents SET house_id = 987654 WHERE id = $1`, f.A.Resident.ID)
		withoutForeignKeys(t, f.DB, `UPDATE vehicles SET community_id = 876543 WHERE id = $1`, f.B.Vehicle.ID)
		rep, text := run(t, f.DB, all()...)
		if rep.OK() || rep.Problems() != 2 {
			t.Fatalf("%d problems, want 2:\n%s", rep.Problems(), text)
		}
		for _, want := range []string{
			fmt.Sprintf("residents #%d（小区 #%d）：house_id = 987654：houses 中没有这条记录", f.A.Resident.ID, f.A.Community.ID),
			fmt.Sprintf("vehicles #%d（小区 #876543）：community_id = 876543：communities 中没有这条记录", f.B.Vehicle.ID),
			"[问题] 外键：2 处", "发现 2 处问题",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("report lacks %q:\n%s", want, text)
			}
		}
	})
}

// On PostgreSQL a load may leave foreign keys unenforced: triggers
// disabled, constraints NOT VALID. Both are reported, by table.
func TestUnenforcedConstraintsReportedOnPostgres(t *testing.T) {
	f := apptest.New(t, apptest.FreshDB(t, db.Postgres))
	for _, stmt := range []string{`ALTER TABLE residents DISABLE TRIGGER ALL`,
		`ALTER TABLE vehicles ADD CONSTRAINT plate_present CHECK (plate <> '') NOT VALID`} {
		if _, err := f.DB.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	rep, text := run(t, f.DB, check.Generic()...)
	if rep.Problems() != 2 {
		t.Fatalf("%d problems, want 2:\n%s", rep.Problems(), text)
	}
	for _, want := range []string{"residents：外键触发器已停用", "ENABLE TRIGGER ALL", "vehicles：约束 plate_present 未经验证"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

// The report lists the first 20 problems of a check and counts the
// rest; a check that cannot run is reported as such, and the checks
// after it still run (a failed statement spoils a PostgreSQL
// transaction).
func TestReportListsTwentyAndGoesOn(t *testing.T) {
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := apptest.FreshDB(t, dialect)
			many := check.Check{Name: "许多问题", Run: func(ctx context.Context, d *db.DB) ([]check.Problem, error) {
				var out []check.Problem
				for i := range 25 {
					out = append(out, check.Record("bills", int64(i+1), 7, "第 %d 处", i+1))
				}
				return out, nil
			}}
			broken := check.Check{Name: "坏查询", Run: func(ctx context.Context, d *db.DB) ([]check.Problem, error) {
				var n int
				return nil, d.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM no_such_table`).Scan(&n)
			}}
			skipped := check.Check{Name: "不适用", Run: func(ctx context.Context, d *db.DB) ([]check.Problem, error) {
				return nil, check.Skip("此库不适用")
			}}
			rep, text := run(t, d, many, broken, skipped, check.Generic()[1])
			if rep.OK() || rep.Problems() != 25 || rep.Failed() != 1 {
				t.Fatalf("problems %d failed %d:\n%s", rep.Problems(), rep.Failed(), text)
			}
			for _, want := range []string{"[问题] 许多问题：25 处", "bills #20（小区 #7）：第 20 处", "…… 另有 5 处未列出",
				"[未完成] 坏查询：", "[跳过] 不适用：此库不适用", "[正常] 外键", "发现 25 处问题，1 项检查未能完成（共 4 项检查）"} {
				if !strings.Contains(text, want) {
					t.Errorf("report lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, "第 21 处") {
				t.Errorf("report lists past 20:\n%s", text)
			}
		})
	}
}

// A schema behind this binary is a problem named by module, and so is
// one never migrated — found without creating anything.
func TestSchemaBehindIsReported(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d, err := db.Open(ctx, dbtest.DSN(t, dialect))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			rep, text := run(t, d, check.Schema(app.Modules...))
			if rep.Problems() != len(app.Modules) || !strings.Contains(text, "goose_billing：模块 billing 的数据结构尚未建立") {
				t.Errorf("empty database:\n%s", text)
			}
			var tables int
			q := `SELECT count(*) FROM sqlite_master WHERE type = 'table'`
			if dialect == db.Postgres {
				q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`
			}
			if err := d.QueryRow(q).Scan(&tables); err != nil || tables != 0 {
				t.Errorf("the check created %d tables (%v)", tables, err)
			}
			if err := d.MigrateTo(ctx, map[string]int64{"billing": 1}, app.Modules...); err != nil {
				t.Fatal(err)
			}
			_, latest, err := d.Versions(ctx, app.Modules...)
			if err != nil {
				t.Fatal(err)
			}
			rep, text = run(t, d, check.Schema(app.Modules...))
			want := fmt.Sprintf("模块 billing 的数据结构为版本 1，本程序为 %d：请先运行 wuye migrate", latest["billing"])
			if rep.Problems() != 1 || !strings.Contains(text, want) {
				t.Errorf("billing behind:\n%s", text)
			}
		})
	}
}

// Record keeps a key that is not an id as it is.
func TestRecordNamesTheRecord(t *testing.T) {
	for _, c := range []struct {
		p    check.Problem
		want string
	}{
		{check.Record("bills", int64(12), 3, "金额 %s", "¥1.00"), "bills #12（小区 #3）：金额 ¥1.00"},
		{check.Record("receipt_counters", "2026", 3, "缺号"), "receipt_counters #2026（小区 #3）：缺号"},
		{check.Record("", nil, 0, "SQLite 存储损坏"), "SQLite 存储损坏"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
