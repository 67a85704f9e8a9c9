package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// A module written once for both databases with the dialect tokens.
var testModule = db.Module{Name: "dbtest", FS: fstest.MapFS{
	"migrations/00001_items.sql": {Data: []byte(`-- +goose Up
CREATE TABLE parents (id {{id}}, name TEXT NOT NULL);
CREATE TABLE items (
    id        {{id}},
    parent_id BIGINT REFERENCES parents(id),
    k         {{key}} NOT NULL UNIQUE,
    at        {{ts}},
    data      {{blob}}
);
-- +goose Down
DROP TABLE items;
DROP TABLE parents;
`)},
}}

func migrate(ctx context.Context, d *db.DB) error { return d.Migrate(ctx, testModule) }

func insert(ctx context.Context, q db.Querier, k string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO items (k) VALUES ($1) RETURNING id`, k).Scan(&id)
	return id, err
}

func exists(t *testing.T, d *db.DB, k string) bool {
	t.Helper()
	var n int
	if err := d.QueryRow(`SELECT count(*) FROM items WHERE k = $1`, k).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		dialect db.Dialect
		conn    string
		ok      bool
	}{
		{"sqlite:data/wuye.db", db.SQLite, "data/wuye.db", true},
		{"sqlite:///tmp/w.db", db.SQLite, "/tmp/w.db", true},
		{"postgres://u@h:5432/wuye", db.Postgres, "postgres://u@h:5432/wuye", true},
		{"postgresql://u@h/wuye", db.Postgres, "postgresql://u@h/wuye", true},
		{"sqlite:", "", "", false},
		{"mysql://u@h/db", "", "", false},
		{"data/wuye.db", "", "", false},
	}
	for _, tt := range tests {
		d, c, err := db.ParseDSN(tt.dsn)
		if (err == nil) != tt.ok || d != tt.dialect || c != tt.conn {
			t.Errorf("ParseDSN(%q) = %q, %q, %v", tt.dsn, d, c, err)
		}
	}
}

func TestTxCommitsOrRollsBackAsAWhole(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := "commit-" + t.Name()
		if err := d.Tx(ctx, func(tx *sql.Tx) error { _, err := insert(ctx, tx, k); return err }); err != nil {
			t.Fatal(err)
		}
		if !exists(t, d, k) {
			t.Error("committed row missing")
		}
		boom := errors.New("boom")
		k1, k2 := "rb1-"+t.Name(), "rb2-"+t.Name()
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := insert(ctx, tx, k1); err != nil {
				return err
			}
			if _, err := insert(ctx, tx, k2); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("Tx returned %v, want the function's error", err)
		}
		if exists(t, d, k1) || exists(t, d, k2) {
			t.Error("a failed transaction left rows behind")
		}
	})
}

func TestConstraintViolationsAreRecognised(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := "dup-" + t.Name()
		if _, err := insert(ctx, d, k); err != nil {
			t.Fatal(err)
		}
		_, err := insert(ctx, d, k)
		if !db.IsUniqueViolation(err) || db.IsForeignKeyViolation(err) {
			t.Errorf("duplicate key: %v not recognised as unique violation", err)
		}
		_, err = d.Exec(`INSERT INTO items (k, parent_id) VALUES ($1, $2)`, "fk-"+t.Name(), 987654321)
		if !db.IsForeignKeyViolation(err) || db.IsUniqueViolation(err) {
			t.Errorf("missing parent: %v not recognised as foreign-key violation", err)
		}
		if db.IsUniqueViolation(nil) || db.IsForeignKeyViolation(nil) {
			t.Error("nil is no violation")
		}
	})
}

func TestKeyColumnsCompareByteWise(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := "ord" + fmt.Sprint(time.Now().UnixNano()) + "-"
		for _, k := range []string{"张三", "a", "B", "z", "ab", "Z"} {
			if _, err := insert(ctx, d, p+k); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := d.Query(`SELECT k FROM items WHERE k >= $1 AND k < $2 ORDER BY k`, p, p+"\U0010FFFF")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var k string
			rows.Scan(&k)
			got = append(got, k[len(p):])
		}
		want := []string{"B", "Z", "a", "ab", "z", "张三"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("order = %v, want byte order %v", got, want)
		}
	})
}

func TestPlaceholdersBindByNumber(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		var a, b string
		var n int64
		if err := d.QueryRow(`SELECT $2, $1, $2`, "first", "second").Scan(&a, &b, new(string)); err != nil {
			t.Fatal(err)
		}
		if a != "second" || b != "first" {
			t.Errorf("got %q %q", a, b)
		}
		in, args := db.In([]any{"x"}, []int64{4, 5, 6})
		if in != "$2,$3,$4" || len(args) != 4 {
			t.Fatalf("In = %q %v", in, args)
		}
		if err := d.QueryRow(`SELECT count(*) FROM (SELECT 4 AS v UNION SELECT 5 UNION SELECT 9) t
			WHERE $1 = 'x' AND v IN (`+in+`)`, args...).Scan(&n); err != nil || n != 2 {
			t.Errorf("IN list matched %d, %v; want 2", n, err)
		}
	})
}

func TestTimesComeBackAsTheSameInstant(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 27, 14, 5, 6, 123456000, time.FixedZone("CST", 8*3600))
		k := "time-" + t.Name()
		if _, err := d.Exec(`INSERT INTO items (k, at) VALUES ($1, $2)`, k, at.UTC()); err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := d.QueryRowContext(ctx, `SELECT at FROM items WHERE k = $1`, k).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at) {
			t.Errorf("got %v, want %v", got, at)
		}
		if _, err := d.Exec(`SELECT count(*) FROM items WHERE at < $1`, at); err != nil {
			t.Errorf("compare with a time: %v", err)
		}
	})
}

func TestConcurrentWritersAllSucceed(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const writers, each = 12, 15
		var wg sync.WaitGroup
		errc := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					errc <- d.Tx(ctx, func(tx *sql.Tx) error {
						var n int
						if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil {
							return err
						}
						_, err := insert(ctx, tx, fmt.Sprintf("conc-%s-%d-%d", t.Name(), w, i))
						return err
					})
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatalf("a concurrent writer failed (SQLITE_BUSY must queue, not fail): %v", err)
			}
		}
		var n int
		d.QueryRow(`SELECT count(*) FROM items WHERE k LIKE $1`, "conc-"+t.Name()+"-%").Scan(&n)
		if n != writers*each {
			t.Errorf("%d rows, want %d", n, writers*each)
		}
	})
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		if err := migrate(context.Background(), d); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

func TestOpenRejectsUnreachableDatabase(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := db.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"); err == nil {
		t.Error("Open of an unreachable server succeeded")
	}
	if _, err := db.Open(ctx, "oracle://x"); err == nil {
		t.Error("Open of an unknown DSN succeeded")
	}
}
