package bench

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

var admin = &auth.User{ID: 1, Name: "基准测试", Role: auth.RoleAdmin}

// BenchmarkImport100k imports an .xlsx of 100k houses with their owners
// (a co-owner on every 4th house) into an empty community through
// archive.Service.ImportHouses: read, validate every row, plan, write in
// one transaction with an audit entry per record. On a second fresh
// database the same houses, owners and links go in as raw single-row
// prepared INSERTs. x_raw is import time / raw time (goal ≤ 3).
func BenchmarkImport100k(b *testing.B) {
	n := benchHouses(b)
	ds := generate(1, n, 1, 4, false, false)
	file := ds.xlsx(b)
	fmt.Printf("import file: %d houses, %d owners, %d rows, %.1f MB\n", len(ds.houses), len(ds.owners), len(ds.links),
		float64(len(file))/(1<<20))
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			for range b.N {
				benchImport(b, dialect, ds, file)
			}
		})
	}
}

func benchImport(b *testing.B, dialect db.Dialect, ds *dataset, file []byte) {
	ctx := context.Background()
	b.StopTimer()
	d := freshDB(b, dialect)
	s := archive.NewService(d)
	c, err := s.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "基准小区1", Type: "住宅"})
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()

	t0 := time.Now()
	rep, err := s.ImportHouses(ctx, admin, c.ID, bytes.NewReader(file), false)
	if err != nil {
		b.Fatalf("preview: %v %v", err, rep)
	}
	preview := time.Since(t0)

	t0 = time.Now()
	rep, err = s.ImportHouses(ctx, admin, c.ID, bytes.NewReader(file), true)
	if err != nil {
		b.Fatalf("import: %v %v", err, rep)
	}
	imp := time.Since(t0)
	if rep.NewHouses != len(ds.houses) || rep.NewOwners != len(ds.owners) || count(b, d, "house_owners") != len(ds.links) {
		b.Fatalf("import wrote %+v, want %d houses, %d owners", rep, len(ds.houses), len(ds.owners))
	}
	audits := count(b, d, "audit_log")

	t0 = time.Now()
	rep, err = s.ImportHouses(ctx, admin, c.ID, bytes.NewReader(file), true)
	if err != nil || rep.Unchanged != len(ds.houses) || count(b, d, "audit_log") != audits {
		b.Fatalf("reimport: %v %+v", err, rep)
	}
	again := time.Since(t0)
	b.StopTimer()

	raw := freshDB(b, dialect)
	t0 = time.Now()
	if err := ds.rawLoad(ctx, raw, 1); err != nil {
		b.Fatal(err)
	}
	rawT := time.Since(t0)
	if count(b, raw, "houses") != len(ds.houses) {
		b.Fatal("raw load incomplete")
	}

	ratio := imp.Seconds() / rawT.Seconds()
	b.ReportMetric(imp.Seconds(), "s_import")
	b.ReportMetric(preview.Seconds(), "s_preview")
	b.ReportMetric(again.Seconds(), "s_reimport")
	b.ReportMetric(rawT.Seconds(), "s_raw")
	b.ReportMetric(ratio, "x_raw")
	fmt.Printf("import %s: %d houses, %d owners, %d audit entries: preview %.2fs, import %.2fs, reimport (no change) %.2fs; raw inserts %.2fs; import/raw = %.2fx\n",
		dialect, len(ds.houses), len(ds.owners), audits, preview.Seconds(), imp.Seconds(), again.Seconds(), rawT.Seconds(), ratio)
	b.StartTimer()
}
