package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// A batch of more rows than one statement holds writes every row once,
// returns every id, and is undone with its transaction.
func TestBatchWritesEveryRowAndRollsBack(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		prefix := fmt.Sprintf("batch-%s-", d.Dialect)
		var ids []int64
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			b := db.NewBatch(ctx, tx, d.Dialect, "items", []string{"k"}, "id", func(r db.Scanner) error {
				var id int64
				err := r.Scan(&id)
				ids = append(ids, id)
				return err
			})
			for i := range 1234 {
				if err := b.Add(fmt.Sprintf("%s%04d", prefix, i)); err != nil {
					return err
				}
			}
			return b.Close()
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		d.QueryRow(`SELECT count(*) FROM items WHERE k LIKE $1`, prefix+"%").Scan(&n)
		if n != 1234 || len(ids) != 1234 {
			t.Fatalf("rows = %d, ids = %d, want 1234", n, len(ids))
		}
		// A failing row (a duplicate key) takes the whole batch with it.
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			b := db.NewBatch(ctx, tx, d.Dialect, "items", []string{"k"}, "", nil)
			b.Add(prefix + "new")
			b.Add(prefix + "0001")
			return b.Close()
		})
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate in batch: %v", err)
		}
		d.QueryRow(`SELECT count(*) FROM items WHERE k = $1`, prefix+"new").Scan(&n)
		if n != 0 {
			t.Fatal("a failed batch left a row behind")
		}
	})
}

// A time written in any zone is stored in UTC, so SQL comparisons of
// stored times are right on SQLite too (where they compare as text).
func TestTimesCompareInUTCWhateverTheirZone(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cst := time.FixedZone("CST", 8*3600)
		early := time.Date(2026, 10, 8, 10, 0, 0, 0, cst) // 02:00 UTC
		late := time.Date(2026, 10, 8, 3, 0, 0, 0, time.UTC)
		k := fmt.Sprintf("tz-%s", d.Dialect)
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO items (k, at) VALUES ($1, $2)`, k, early)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		d.QueryRow(`SELECT count(*) FROM items WHERE k = $1 AND at < $2`, k, late).Scan(&n)
		if n != 1 {
			t.Fatalf("10:00 +08:00 is before 03:00 UTC, but the database says otherwise")
		}
		var got time.Time
		d.QueryRow(`SELECT at FROM items WHERE k = $1`, k).Scan(&got)
		if !got.Equal(early) {
			t.Fatalf("read back %v, want %v", got, early)
		}
	})
}
