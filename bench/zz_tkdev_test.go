package bench

import (
	"context"
	"os"
	"testing"
	"time"

	"wuye/internal/app"
	"wuye/internal/platform/db"
)

func TestZZLoadDev(t *testing.T) {
	dsn := os.Getenv("TKDEV_DSN")
	if dsn == "" {
		t.Skip()
	}
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	ds := generate(4, 10_000, 5, 4, false, false)
	if err := ds.rawLoad(ctx, d, 500); err != nil {
		t.Fatal(err)
	}
	st := tkCreateStaff(t, d, ds.communities)
	if err := tkLoadTickets(ctx, d, ds, st, 1_000_000, time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}
