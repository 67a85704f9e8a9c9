package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Scanner is a row being read (*sql.Row or *sql.Rows).
type Scanner interface{ Scan(...any) error }

// Batch writes rows with multi-row INSERT statements: one statement per
// few hundred rows instead of one per row is what keeps an import of
// 100k houses within a small factor of raw inserts (bench/RESULTS.md).
// It is the one place that knows SQLite wants anonymous placeholders in
// long statements.
type Batch struct {
	ctx       context.Context
	tx        *sql.Tx
	anon      bool   // "?" placeholders (SQLite), else "$n"
	head      string // INSERT INTO t (cols) VALUES
	returning string
	cols, per int
	args      []any
	full      *sql.Stmt
	onRow     func(Scanner) error
}

// NewBatch starts a batched INSERT of cols into table inside tx. With
// returning set, onRow receives each inserted row's RETURNING columns.
// Call Add per row and Close at the end.
func NewBatch(ctx context.Context, tx *sql.Tx, d Dialect, table string, cols []string, returning string, onRow func(Scanner) error) *Batch {
	return &Batch{ctx: ctx, tx: tx, anon: d == SQLite, head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		returning: returning, cols: len(cols), per: min(500, 30000/len(cols)), onRow: onRow}
}

func (b *Batch) sql(rows int) string {
	var s strings.Builder
	s.WriteString(b.head)
	n := 0
	for r := range rows {
		if r > 0 {
			s.WriteByte(',')
		}
		s.WriteByte('(')
		for c := range b.cols {
			if c > 0 {
				s.WriteByte(',')
			}
			n++
			if b.anon {
				// SQLite looks numbered parameters up in a list, which is
				// quadratic in a statement of thousands of them; anonymous
				// ones bind by position.
				s.WriteByte('?')
			} else {
				fmt.Fprintf(&s, "$%d", n)
			}
		}
		s.WriteByte(')')
	}
	if b.returning != "" {
		s.WriteString(" RETURNING " + b.returning)
	}
	return s.String()
}

// Add queues one row; a full batch is written at once.
func (b *Batch) Add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) == b.per*b.cols {
		return b.Flush()
	}
	return nil
}

// Flush writes the queued rows.
func (b *Batch) Flush() error {
	rows := len(b.args) / b.cols
	if rows == 0 {
		return nil
	}
	args := b.args
	b.args = b.args[:0]
	if rows == b.per && b.full == nil {
		st, err := b.tx.PrepareContext(b.ctx, b.sql(rows))
		if err != nil {
			return fmt.Errorf("prepare %s: %w", b.head, err)
		}
		b.full = st
	}
	if b.onRow == nil {
		var err error
		if rows == b.per {
			_, err = b.full.ExecContext(b.ctx, args...)
		} else {
			_, err = b.tx.ExecContext(b.ctx, b.sql(rows), args...)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", b.head, err)
		}
		return nil
	}
	var rs *sql.Rows
	var err error
	if rows == b.per {
		rs, err = b.full.QueryContext(b.ctx, args...)
	} else {
		rs, err = b.tx.QueryContext(b.ctx, b.sql(rows), args...)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", b.head, err)
	}
	defer rs.Close()
	for rs.Next() {
		if err := b.onRow(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}

// Close writes what is left and releases the prepared statement.
func (b *Batch) Close() error {
	err := b.Flush()
	if b.full != nil {
		b.full.Close()
	}
	return err
}
