package archive_test

import (
	"testing"

	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/errs"
)

// The archive's tests drive the wired app (internal/app/apptest) on a
// real SQLite and PostgreSQL database each; no mocks.
func TestMain(m *testing.M) { dbtest.Main(m) }

// wantErr fails unless err is a business error of code on field.
func wantErr(t *testing.T, what string, err error, code errs.Code, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || e.Field != field {
		t.Errorf("%s: got %v, want %s on field %q", what, err, code, field)
	}
}

// rows counts the rows of table matching where (a condition on $1…).
func countRows(t *testing.T, d *db.DB, table, where string, args ...any) int {
	t.Helper()
	q := "SELECT count(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := d.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// auditRows counts the audit entries of one record.
func auditRows(t *testing.T, d *db.DB, entity string, id int64) int {
	t.Helper()
	return countRows(t, d, "audit_log", "entity = $1 AND entity_id = $2", entity, id)
}
