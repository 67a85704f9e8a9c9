// Package dbtest gives tests real databases: a fresh SQLite file and a
// fresh PostgreSQL schema, migrated, for every test package. No mocks.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"wuye/internal/platform/db"
)

// PGAdminDSN is the server the tests create their schemas on; override
// with WUYE_TEST_PG.
func PGAdminDSN() string {
	if v := os.Getenv("WUYE_TEST_PG"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

var (
	mu      sync.Mutex
	opened  = map[db.Dialect]*db.DB{}
	cleanup []func()
)

// Migrator is what a test package passes to bring a fresh database to the
// schema it needs (usually app.Migrate).
type Migrator func(ctx context.Context, d *db.DB) error

// Each runs fn once on SQLite and once on PostgreSQL as subtests. The two
// databases are created on first use and shared by the test package.
func Each(t *testing.T, migrate Migrator, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			fn(t, Open(t, dialect, migrate))
		})
	}
}

// Open returns the package's database of the given dialect, creating and
// migrating it on first use.
func Open(t testing.TB, dialect db.Dialect, migrate Migrator) *db.DB {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if d, ok := opened[dialect]; ok {
		return d
	}
	d, err := create(dialect)
	if err != nil {
		t.Fatalf("open %s test database: %v", dialect, err)
	}
	if migrate != nil {
		if err := migrate(context.Background(), d); err != nil {
			t.Fatalf("migrate %s: %v", dialect, err)
		}
	}
	opened[dialect] = d
	return d
}

// DSN returns a fresh database DSN of the given dialect that is not yet
// opened (for tests of commands that open it themselves).
func DSN(t testing.TB, dialect db.Dialect) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	dsn, err := fresh(dialect)
	if err != nil {
		t.Fatalf("fresh %s database: %v", dialect, err)
	}
	return dsn
}

func randomName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func fresh(dialect db.Dialect) (string, error) {
	if dialect == db.SQLite {
		dir, err := os.MkdirTemp("", "wuye-test-")
		if err != nil {
			return "", err
		}
		cleanup = append(cleanup, func() { os.RemoveAll(dir) })
		return "sqlite:" + filepath.Join(dir, "test.db"), nil
	}
	schema := "t_" + randomName()
	admin, err := sql.Open("pgx", PGAdminDSN())
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		return "", fmt.Errorf("PostgreSQL at %s (start it, see .ci/run): %w", PGAdminDSN(), err)
	}
	cleanup = append(cleanup, func() {
		if a, err := sql.Open("pgx", PGAdminDSN()); err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(PGAdminDSN())
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func create(dialect db.Dialect) (*db.DB, error) {
	dsn, err := fresh(dialect)
	if err != nil {
		return nil, err
	}
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		return nil, err
	}
	cleanup = append([]func(){func() { d.Close() }}, cleanup...)
	return d, nil
}

// Main wraps testing.M: it runs the package's tests, then drops every
// schema and file they created. Use it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	for _, f := range cleanup {
		f()
	}
	mu.Unlock()
	os.Exit(code)
}
