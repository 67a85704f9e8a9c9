// Package db opens SQLite or PostgreSQL from one DSN and keeps every
// difference between the two inside this package: connection settings,
// migration dialect tokens, and the write-transaction discipline.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	_ "modernc.org/sqlite"             // registers driver "sqlite"
)

// Dialect names the database family behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a database handle that knows its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
	DSN     string
	// writer serialises write transactions on SQLite so that concurrent
	// writers queue in Go instead of failing with SQLITE_BUSY.
	writer chan struct{}
}

// ParseDSN checks a wuye DSN ("sqlite:PATH" or "postgres://…") and returns
// its dialect and the driver connection string.
func ParseDSN(dsn string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return "", "", fmt.Errorf("bad DSN %q: sqlite: needs a file path, e.g. sqlite:data/wuye.db", dsn)
		}
		return SQLite, path, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, dsn, nil
	default:
		return "", "", fmt.Errorf("bad DSN %q: use sqlite:PATH or postgres://user@host:port/db", dsn)
	}
}

// Open opens and pings the database named by dsn.
func Open(ctx context.Context, dsn string) (*DB, error) {
	dialect, conn, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	d := &DB{Dialect: dialect, DSN: dsn}
	switch dialect {
	case SQLite:
		if dir := filepath.Dir(conn); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database folder: %w", err)
			}
		}
		q := "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=temp_store(2)&_txlock=immediate&_time_format=sqlite&_timezone=UTC"
		d.DB, err = sql.Open("sqlite", "file:"+conn+q)
		if err != nil {
			return nil, err
		}
		d.SetMaxOpenConns(8)
		// Keep them all: database/sql keeps 2 idle by default, and every
		// new SQLite connection runs the pragmas and reads the schema
		// again (80 reopenings a second under bench/load_test.go).
		d.SetMaxIdleConns(8)
		d.writer = make(chan struct{}, 1)
	case Postgres:
		d.DB, err = sql.Open("pgx", conn)
		if err != nil {
			return nil, err
		}
		d.SetMaxOpenConns(20)
		d.SetMaxIdleConns(10)
	}
	d.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.PingContext(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	return d, nil
}

// Querier is what both *sql.DB and *sql.Tx offer; stores take it so the
// same query runs inside or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx runs fn in one write transaction: commit if fn returns nil, roll back
// otherwise. On SQLite the write lock is taken up front (BEGIN IMMEDIATE)
// and writers queue on a Go channel, so a writer never sees SQLITE_BUSY.
// In a context made by WithTx, fn runs in that transaction instead.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(tx)
	}
	if d.writer != nil {
		select {
		case d.writer <- struct{}{}:
			defer func() { <-d.writer }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type txKey struct{}

// Q is the transaction ctx carries (WithTx), or d. A change that is one
// statement runs through it: outside a transaction of the caller's, the
// statement is its own transaction, all or nothing, with no BEGIN and
// COMMIT round trips.
func (d *DB) Q(ctx context.Context) Querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return d.DB
}

// WithTx returns a context in which Tx joins tx instead of beginning a
// transaction of its own, so that a bulk load made of many service calls
// commits once, or not at all. Reads those calls make outside their
// transaction function do not see the uncommitted work.
func WithTx(ctx context.Context, tx *sql.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either database.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// IsForeignKeyViolation reports whether err is a foreign-key failure.
func IsForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503")
}

// In renders "$n,$n+1,…" for len(vals) placeholders starting at n and
// appends the values to args; used for IN lists of community ids.
func In[T any](args []any, vals []T) (string, []any) {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		args = append(args, v)
		fmt.Fprintf(&b, "$%d", len(args))
	}
	return b.String(), args
}

// TryJobLock takes a transaction-scoped lock for a background job, so that
// of several app servers only one runs the job at a time. On PostgreSQL it
// is an advisory lock released at commit; on SQLite the write transaction
// already excludes everyone else.
func (d *DB) TryJobLock(ctx context.Context, tx *sql.Tx, key int64) (bool, error) {
	if d.Dialect != Postgres {
		return true, nil
	}
	var ok bool
	err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1)`, key).Scan(&ok)
	return ok, err
}
