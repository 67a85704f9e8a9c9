// Package backup writes and restores wuye's logical backups: every table
// of the schema, read in one consistent snapshot while the server keeps
// running, as gzip-compressed JSON lines that carry their own manifest
// (schema version of every module, rows per table, SHA-256). A backup
// restores into an empty database of either kind, so it is also the way
// from SQLite to PostgreSQL when a company outgrows one machine.
//
// The file, uncompressed, is:
//
//	{"format":"wuye-backup","format_version":1,…,"schema":{"archive":3,…}}   header
//	{"table":"houses","columns":["id",…]}                                  each table
//	[1,"1-1-101",…]                                                        its rows
//	{"manifest":{…,"tables":{"houses":2400,…},"sha256":"…"}}               trailer
//
// The SHA-256 covers every byte before the trailer. Values are JSON
// numbers, strings, booleans and null, with {"t":RFC3339Nano} for a time
// and {"b":base64} for bytes, so nothing depends on the source database.
package backup

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/db"
)

// Format names the file format; FormatVersion is its version.
const (
	Format        = "wuye-backup"
	FormatVersion = 1
)

// Header is the first line of a backup.
type Header struct {
	Format        string           `json:"format"`
	FormatVersion int              `json:"format_version"`
	AppVersion    string           `json:"app_version"`
	Dialect       db.Dialect       `json:"dialect"`
	CreatedAt     time.Time        `json:"created_at"`
	Schema        map[string]int64 `json:"schema"` // module → goose version
}

// Manifest is what a backup holds: its header's facts, the rows of each
// table and the checksum of the content.
type Manifest struct {
	Header
	Tables map[string]int64 `json:"tables"`
	Rows   int64            `json:"rows"`
	SHA256 string           `json:"sha256"`
}

// tableHead starts a table's rows.
type tableHead struct {
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
}

// Write writes a backup of d — every table of mods' schema — to w and
// returns its manifest. It reads one snapshot (SQLite: a read
// transaction on one connection, which does not block writers in WAL
// mode; PostgreSQL: a REPEATABLE READ READ ONLY transaction), so the
// backup is consistent while the server keeps writing.
func Write(ctx context.Context, d *db.DB, w io.Writer, appVersion string, mods ...db.Module) (*Manifest, error) {
	applied, _, err := d.Versions(ctx, mods...)
	if err != nil {
		return nil, err
	}
	snap, done, err := snapshot(ctx, d)
	if err != nil {
		return nil, err
	}
	defer done()
	tables, err := tableOrder(ctx, snap, d.Dialect)
	if err != nil {
		return nil, err
	}
	gz := gzip.NewWriter(w)
	sum := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(gz, sum), 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	m := &Manifest{Header: Header{Format: Format, FormatVersion: FormatVersion, AppVersion: appVersion,
		Dialect: d.Dialect, CreatedAt: time.Now().UTC(), Schema: applied}, Tables: map[string]int64{}}
	if err := enc.Encode(m.Header); err != nil {
		return nil, err
	}
	for _, t := range tables {
		n, err := writeTable(ctx, snap, enc, t)
		if err != nil {
			return nil, fmt.Errorf("backup %s: %w", t, err)
		}
		m.Tables[t] = n
		m.Rows += n
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	m.SHA256 = hex.EncodeToString(sum.Sum(nil))
	// The trailer goes to the file only, outside the checksum.
	trailer, err := json.Marshal(map[string]*Manifest{"manifest": m})
	if err != nil {
		return nil, err
	}
	if _, err := gz.Write(append(trailer, '\n')); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return m, nil
}

// snapshot returns a querier that sees one consistent state of d and the
// function that ends it.
func snapshot(ctx context.Context, d *db.DB) (db.Querier, func(), error) {
	if d.Dialect == db.Postgres {
		tx, err := d.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return nil, nil, fmt.Errorf("backup snapshot: %w", err)
		}
		return tx, func() { tx.Rollback() }, nil
	}
	// The pool begins IMMEDIATE transactions (writers queue on them); a
	// reader needs a DEFERRED one, begun by hand on a connection of its
	// own: in WAL mode it reads the state of its first read throughout.
	c, err := d.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := c.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("backup snapshot: %w", err)
	}
	return c, func() {
		c.ExecContext(context.Background(), "ROLLBACK")
		c.Close()
	}, nil
}

func writeTable(ctx context.Context, q db.Querier, enc *json.Encoder, table string) (int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT * FROM `+quote(table)+orderBy(ctx, q, table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	if err := enc.Encode(tableHead{table, cols}); err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := make([]any, len(cols))
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, v := range vals {
			out[i] = encodeValue(v)
		}
		if err := enc.Encode(out); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// orderBy orders a table's rows by its id when it has one, so that rows
// referring to earlier rows of the same table load after them.
func orderBy(ctx context.Context, q db.Querier, table string) string {
	rows, err := q.QueryContext(ctx, `SELECT * FROM `+quote(table)+` WHERE 1 = 0`)
	if err != nil {
		return ""
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if slices.Contains(cols, "id") {
		return " ORDER BY id"
	}
	return ""
}

func encodeValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return map[string]string{"t": x.UTC().Format(time.RFC3339Nano)}
	case []byte:
		return map[string]string{"b": base64.StdEncoding.EncodeToString(x)}
	default:
		return x
	}
}

// tableOrder lists the schema's tables, each after the tables its
// foreign keys refer to (ties by name), so a restore can load them in
// this order with every constraint on.
func tableOrder(ctx context.Context, q db.Querier, dialect db.Dialect) ([]string, error) {
	listSQL := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	fkSQL := `SELECT m.name, p."table" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	if dialect == db.Postgres {
		listSQL = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
		fkSQL = `SELECT c.relname, f.relname FROM pg_constraint k
			JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid
			WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`
	}
	names, err := strings2(ctx, q, listSQL)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	deps := map[string][]string{}
	rows, err := q.QueryContext(ctx, fkSQL)
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			rows.Close()
			return nil, err
		}
		if from != to {
			deps[from] = append(deps[from], to)
		}
	}
	rows.Close()
	var out []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(t string) error {
		switch state[t] {
		case 1:
			return fmt.Errorf("foreign keys form a cycle at %s", t)
		case 2:
			return nil
		}
		state[t] = 1
		for _, dep := range deps[t] {
			if slices.Contains(names, dep) {
				if err := visit(dep); err != nil {
					return err
				}
			}
		}
		state[t] = 2
		out = append(out, t)
		return nil
	}
	for _, t := range names {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func strings2(ctx context.Context, q db.Querier, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// ErrDamaged is returned for a file that is not a whole, unaltered
// backup.
var ErrDamaged = errors.New("备份文件已损坏或不完整")
