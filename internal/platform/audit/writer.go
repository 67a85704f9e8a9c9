package audit

import (
	"context"
	"database/sql"

	"wuye/internal/platform/db"
)

// Writer records many changes of one actor in one transaction with
// batched INSERTs — the same rows Record writes, for imports and runs
// that touch thousands of records.
type Writer struct {
	b           *db.Batch
	actor       Actor
	communityID int64
	action      string
	at          any
}

// NewWriter starts a batched audit writer inside tx.
func NewWriter(ctx context.Context, tx *sql.Tx, d db.Dialect, actor Actor, communityID int64, action string) *Writer {
	return &Writer{actor: actor, communityID: communityID, action: action, at: Now(),
		b: db.NewBatch(ctx, tx, d, "audit_log", []string{"at", "user_id", "user_name", "community_id", "entity", "entity_id",
			"action", "before_json", "after_json"}, "", nil)}
}

// Add queues one change.
func (w *Writer) Add(entity string, id int64, before, after any) error {
	bj, err := encode(before)
	if err != nil {
		return err
	}
	aj, err := encode(after)
	if err != nil {
		return err
	}
	return w.b.Add(w.at, w.actor.ID, w.actor.Name, w.communityID, entity, id, w.action, bj, aj)
}

// Close writes what is queued.
func (w *Writer) Close() error { return w.b.Close() }
