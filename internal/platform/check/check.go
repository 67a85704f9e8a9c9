// Package check verifies a wuye database without changing it: that the
// storage is sound, that every foreign key holds — also where it was not
// enforced (SQLite with foreign_keys off, PostgreSQL constraints NOT
// VALID or with their triggers disabled during a load) — and, through
// the checks each business package writes over its own tables, that the
// money adds up. Every check reads one consistent snapshot, so a check
// of a live database does not see half of a payment.
package check

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"wuye/internal/platform/db"
)

// Problem is one record that is not as it should be.
type Problem struct {
	Table       string // the table of the record
	ID          string // its key ("" when the table has no id)
	CommunityID int64  // its community, 0 when it has none
	Message     string // what is wrong, in Chinese
}

// Record makes the problem of record id (an integer or a key) of table
// in community (0: none).
func Record(table string, id any, community int64, format string, args ...any) Problem {
	key := ""
	switch v := id.(type) {
	case nil:
	case int64:
		key = strconv.FormatInt(v, 10)
	default:
		key = fmt.Sprint(v)
	}
	return Problem{Table: table, ID: key, CommunityID: community, Message: fmt.Sprintf(format, args...)}
}

// String names the record, then what is wrong:
// "bills #12（小区 #3）：金额 …".
func (p Problem) String() string {
	s := p.Table
	if p.ID != "" {
		s += " #" + p.ID
	}
	if p.CommunityID != 0 {
		s += fmt.Sprintf("（小区 #%d）", p.CommunityID)
	}
	if s == "" {
		return p.Message
	}
	return s + "：" + p.Message
}

// Check is one verification. Run reads through d.Q(ctx), which is the
// snapshot every check of a Run shares; it returns what it found wrong,
// or an error when it could not look (Skip: it does not apply here).
type Check struct {
	Name string // in Chinese, for the report
	Run  func(ctx context.Context, d *db.DB) ([]Problem, error)
}

type skipped struct{ reason string }

func (s skipped) Error() string { return s.reason }

// Skip is what a check returns where it does not apply (a SQLite-only
// check on PostgreSQL), with the reason the report shows.
func Skip(reason string) error { return skipped{reason} }

// Result is what one check found.
type Result struct {
	Name     string
	Problems []Problem
	Err      error  // the check could not run to the end
	Skipped  string // why it does not apply, if it does not
	Elapsed  time.Duration
}

// Report is the outcome of a Run.
type Report struct {
	Dialect db.Dialect
	At      time.Time
	Results []Result
}

// Problems counts the problems found.
func (r *Report) Problems() (n int) {
	for _, x := range r.Results {
		n += len(x.Problems)
	}
	return n
}

// Failed counts the checks that could not run to the end.
func (r *Report) Failed() (n int) {
	for _, x := range r.Results {
		if x.Err != nil {
			n++
		}
	}
	return n
}

// OK reports whether every check ran and found nothing.
func (r *Report) OK() bool { return r.Problems() == 0 && r.Failed() == 0 }

// Run runs the checks on d in one read-only snapshot (SQLite: a deferred
// read transaction, which in WAL mode does not hold writers up;
// PostgreSQL: REPEATABLE READ) and reports what each found. In a context
// made by db.WithTx the checks read that transaction instead, its
// uncommitted changes included. The error is for a database that cannot
// be read at all.
func Run(ctx context.Context, d *db.DB, checks ...Check) (*Report, error) {
	tx, joined := d.Q(ctx).(*sql.Tx)
	if !joined {
		opts := &sql.TxOptions{ReadOnly: true}
		if d.Dialect == db.Postgres {
			opts.Isolation = sql.LevelRepeatableRead
		}
		var err error
		if tx, err = d.BeginTx(ctx, opts); err != nil {
			return nil, fmt.Errorf("check snapshot: %w", err)
		}
		defer tx.Rollback()
	}
	sctx := db.WithTx(ctx, tx)
	rep := &Report{Dialect: d.Dialect, At: time.Now().UTC()}
	for _, c := range checks {
		rep.Results = append(rep.Results, runOne(sctx, d, tx, c))
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// runOne runs c inside a savepoint: on PostgreSQL a failed statement
// spoils the transaction, and the checks after it must still run.
func runOne(ctx context.Context, d *db.DB, tx *sql.Tx, c Check) Result {
	start := time.Now()
	res := Result{Name: c.Name}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT wuye_check"); err != nil {
		res.Err = err
		return res
	}
	res.Problems, res.Err = c.Run(ctx, d)
	undo := []string{"RELEASE SAVEPOINT wuye_check"}
	if res.Err != nil {
		undo = append([]string{"ROLLBACK TO SAVEPOINT wuye_check"}, undo...)
	}
	for _, q := range undo {
		if _, err := tx.ExecContext(ctx, q); err != nil && res.Err == nil {
			res.Err = err
		}
	}
	var s skipped
	if errors.As(res.Err, &s) {
		res.Err, res.Skipped = nil, s.reason
	}
	res.Elapsed = time.Since(start)
	return res
}

// Rows runs query on the snapshot ctx carries and calls fn after
// scanning each row into dest: the loop of a check that reads the
// records breaking its rule.
func Rows(ctx context.Context, d *db.DB, query string, dest []any, fn func()) error {
	return each(ctx, d.Q(ctx), query, nil, dest, fn)
}

func each(ctx context.Context, q db.Querier, query string, args, dest []any, fn func()) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		fn()
	}
	return rows.Err()
}
