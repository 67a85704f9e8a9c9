package demo_test

import (
	"context"
	"strings"
	"testing"

	"wuye/internal/app"
	"wuye/internal/archive"
	"wuye/internal/demo"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// tables are the demo's tables, counted before and after a second Seed.
var tables = []string{"communities", "buildings", "units", "houses", "owners", "house_owners", "residents",
	"vehicles", "users", "user_communities", "audit_log"}

func TestSeedLoadsARealisticCompanyOnce(t *testing.T) {
	dbtest.Each(t, app.Migrate, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		res, err := demo.Seed(ctx, d, 200)
		if err != nil {
			t.Fatal(err)
		}
		if res.Skipped || res.Communities != 2 || res.Houses != 200 || res.Owners < res.Houses {
			t.Fatalf("Seed(200) = %+v", res)
		}
		if n := count(t, d, `SELECT count(*) FROM communities`); n != 2 {
			t.Errorf("%d communities, want 2", n)
		}
		if n := count(t, d, `SELECT count(*) FROM houses`); n != 200 {
			t.Errorf("%d houses, want 200", n)
		}
		if n := count(t, d, `SELECT count(DISTINCT code) FROM houses`); n != 200 {
			t.Errorf("%d distinct house codes, want 200", n)
		}
		owners := count(t, d, `SELECT count(*) FROM owners`)
		if owners != res.Owners || owners < 200 {
			t.Errorf("%d owners (Seed said %d), want at least one per house", owners, res.Owners)
		}
		if n := count(t, d, `SELECT count(*) FROM houses h WHERE NOT EXISTS
			(SELECT 1 FROM house_owners ho WHERE ho.house_id = h.id AND ho.active)`); n != 0 {
			t.Errorf("%d houses without an owner", n)
		}
		if n := count(t, d, `SELECT count(*) FROM (SELECT house_id FROM house_owners WHERE active
			GROUP BY house_id HAVING count(*) = 2) co`); n < 10 {
			t.Errorf("%d co-owned houses, want some", n)
		}
		if n := count(t, d, `SELECT count(*) FROM (SELECT house_id FROM house_owners WHERE active
			GROUP BY house_id HAVING sum(share) <> 10000) bad`); n != 0 {
			t.Errorf("%d houses whose shares do not add up to 100%%", n)
		}
		if n := count(t, d, `SELECT count(*) FROM house_owners WHERE NOT active AND end_reason <> ''`); n == 0 {
			t.Error("no 过户 in the ownership history")
		}
		if n := count(t, d, `SELECT count(*) FROM residents WHERE kind = '租户'`); n == 0 {
			t.Error("no tenants")
		}
		if n := count(t, d, `SELECT count(*) FROM vehicles`); n < 40 {
			t.Errorf("%d vehicles, want about 35%% of the houses", n)
		}
		if n := count(t, d, `SELECT count(*) FROM vehicles v JOIN houses h ON h.community_id = v.community_id
			AND h.code = v.parking_space AND h.house_use = '车位'`); n == 0 {
			t.Error("no car parks in a space of its community")
		}
		if n := count(t, d, `SELECT count(*) FROM owners WHERE id_type = '营业执照'`); n == 0 {
			t.Error("no company owners")
		}
		// Every record was written through the service, with its audit entry.
		for _, tb := range []struct{ table, entity string }{{"communities", "community"}, {"houses", "house"},
			{"owners", "owner"}, {"residents", "resident"}, {"vehicles", "vehicle"}, {"users", "user"}} {
			if n := count(t, d, `SELECT count(*) FROM `+tb.table+` x WHERE NOT EXISTS
				(SELECT 1 FROM audit_log a WHERE a.entity = $1 AND a.entity_id = x.id)`, tb.entity); n != 0 {
				t.Errorf("%d %s without an audit entry", n, tb.table)
			}
		}

		rows, err := d.QueryContext(ctx, `SELECT name, id_number FROM owners WHERE id_type = '身份证'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var name, id string
			if err := rows.Scan(&name, &id); err != nil {
				t.Fatal(err)
			}
			if !archive.ValidIDNumber(id) {
				t.Errorf("owner %s has an invalid ID number %q", name, id)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}

		arch := archive.NewService(d)
		admin := &auth.User{Role: auth.RoleAdmin}
		for q, want := range map[string]string{"zs": "张三", "oyxy": "欧阳修远"} {
			hits, err := arch.Search(ctx, admin, q)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, h := range hits {
				found = found || h.Kind == "owner" && h.Title == want
			}
			if !found {
				t.Errorf("Search(%q) = %+v, want owner %s", q, hits, want)
			}
		}

		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = count(t, d, `SELECT count(*) FROM `+tb)
		}
		again, err := demo.Seed(ctx, d, 200)
		if err != nil || !again.Skipped {
			t.Fatalf("second Seed = %+v, %v; want skipped", again, err)
		}
		for _, tb := range tables {
			if n := count(t, d, `SELECT count(*) FROM `+tb); n != before[tb] {
				t.Errorf("second Seed changed %s: %d → %d rows", tb, before[tb], n)
			}
		}
	})
}

// open returns a new, migrated database of dialect, so that a test does
// not depend on what other tests seeded into the shared one.
func open(tb testing.TB, dialect db.Dialect) *db.DB {
	tb.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dbtest.DSN(tb, dialect))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := app.Migrate(ctx, d); err != nil {
		tb.Fatal(err)
	}
	return d
}

// fresh runs fn on a new database of each dialect.
func fresh(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) { fn(t, open(t, dialect)) })
	}
}

func TestDemoLoginsWorkAndAreScoped(t *testing.T) {
	fresh(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if res, err := demo.Seed(ctx, d, 50); err != nil || res.Skipped {
			t.Fatalf("Seed(50) = %+v, %v", res, err)
		}
		a := app.New(d, nil)
		roles := map[auth.Role]bool{}
		for _, l := range demo.Logins {
			if l.Label == "" {
				t.Errorf("login %s has no label", l.Login)
			}
			_, u, err := a.Auth.Login(ctx, l.Login, demo.Password, "127.0.0.1", "test", auth.KindAPI)
			if err != nil {
				t.Fatalf("login %s: %v", l.Login, err)
			}
			roles[u.Role] = true
			cs, err := a.Archive.Communities(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			want := 2
			if l.Login == "agent2" {
				want = 1
			}
			if len(cs) != want {
				t.Errorf("%s sees %d communities, want %d", l.Login, len(cs), want)
			}
		}
		for _, r := range auth.Roles {
			if !roles[r] {
				t.Errorf("no demo login of role %s", r)
			}
		}
	})
}

// An account made before the demo is loaded keeps its password; the demo
// adds the others.
func TestSeedKeepsAnExistingAccount(t *testing.T) {
	fresh(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := app.New(d, nil)
		if _, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "admin", Name: "李管理", Role: auth.RoleAdmin}, "MyOwn-pass9"); err != nil {
			t.Fatal(err)
		}
		if res, err := demo.Seed(ctx, d, 20); err != nil || res.Skipped {
			t.Fatalf("Seed = %+v, %v", res, err)
		}
		if _, u, err := a.Auth.Login(ctx, "admin", "MyOwn-pass9", "127.0.0.1", "test", auth.KindWeb); err != nil || u.Name != "李管理" {
			t.Errorf("existing admin: %+v, %v", u, err)
		}
		if _, _, err := a.Auth.Login(ctx, "director", demo.Password, "127.0.0.1", "test", auth.KindWeb); err != nil {
			t.Errorf("demo director: %v", err)
		}
	})
}

// A load that fails part way leaves nothing behind, so running it again
// (once the fault is gone) loads the whole company instead of reporting
// "already loaded" over half of it.
func TestFailedSeedLeavesNothing(t *testing.T) {
	fresh(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		block, unblock := []string{`CREATE TRIGGER no_cars BEFORE INSERT ON vehicles BEGIN SELECT RAISE(ABORT, 'no cars'); END`},
			[]string{`DROP TRIGGER no_cars`}
		if d.Dialect == db.Postgres {
			block = []string{`CREATE FUNCTION no_cars() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no cars'; END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER no_cars BEFORE INSERT ON vehicles FOR EACH ROW EXECUTE FUNCTION no_cars()`}
			unblock = []string{`DROP TRIGGER no_cars ON vehicles`}
		}
		for _, q := range block {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := demo.Seed(ctx, d, 50); err == nil || !strings.Contains(err.Error(), "no cars") {
			t.Fatalf("Seed with vehicles blocked: %v, want the trigger's error", err)
		}
		for _, tb := range tables {
			if n := count(t, d, `SELECT count(*) FROM `+tb); n != 0 {
				t.Errorf("failed Seed left %d rows in %s", n, tb)
			}
		}
		for _, q := range unblock {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if res, err := demo.Seed(ctx, d, 50); err != nil || res.Skipped || res.Houses != 50 {
			t.Fatalf("Seed after the fault = %+v, %v", res, err)
		}
	})
}

// BenchmarkSeed times "wuye demo" at its default size:
//
//	go test -run '^$' -bench Seed -benchtime 1x ./internal/demo/
func BenchmarkSeed(b *testing.B) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				d := open(b, dialect)
				b.StartTimer()
				if res, err := demo.Seed(context.Background(), d, 2400); err != nil || res.Houses != 2400 {
					b.Fatalf("Seed(2400) = %+v, %v", res, err)
				}
			}
		})
	}
}
