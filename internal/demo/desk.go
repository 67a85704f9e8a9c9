package demo

import (
	"context"
	"database/sql"
	"time"

	"wuye/internal/platform/db"
)

// loadDesk loads the front desk's records: each area's loader in turn.
func loadDesk(ctx context.Context, tx *sql.Tx, d *db.DB, p *plan, now time.Time) error {
	for _, load := range []func(context.Context, *sql.Tx, *db.DB, *plan, time.Time) error{
		loadDeskKeys, loadDeskParcels, loadDeskNotices,
	} {
		if err := load(ctx, tx, d, p, now); err != nil {
			return err
		}
	}
	return nil
}
