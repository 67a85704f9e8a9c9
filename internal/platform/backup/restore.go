package backup

import (
	"bufio"
	"bytes"
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
	"os"
	"strings"
	"time"

	"wuye/internal/platform/db"
)

// maxLine bounds one line of a backup: a row with its attachments
// (photos and PDFs of at most 10 MB each, base64).
const maxLine = 256 << 20

// Verify reads the backup at path through and checks that it is whole
// and unaltered: the gzip stream, the header, the checksum and the row
// counts of the trailer. It returns the manifest.
func Verify(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m *Manifest
	sum := sha256.New()
	counts := map[string]int64{}
	var table string
	err = lines(f, func(line []byte, n int) error {
		if m != nil {
			return fmt.Errorf("%w：清单之后还有内容", ErrDamaged)
		}
		switch {
		case n == 0:
			if _, err := header(line); err != nil {
				return err
			}
		case bytes.HasPrefix(line, []byte(`{"manifest":`)):
			var t struct{ Manifest *Manifest }
			if err := json.Unmarshal(line, &t); err != nil || t.Manifest == nil {
				return fmt.Errorf("%w：清单无法读取", ErrDamaged)
			}
			m = t.Manifest
			return nil
		case bytes.HasPrefix(line, []byte(`{"table":`)):
			var t struct{ Table string }
			if err := json.Unmarshal(line, &t); err != nil {
				return fmt.Errorf("%w：第 %d 行无法读取", ErrDamaged, n+1)
			}
			table = t.Table
		default:
			counts[table]++
		}
		sum.Write(line)
		sum.Write([]byte{'\n'})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%w：没有清单（文件不完整）", ErrDamaged)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != m.SHA256 {
		return nil, fmt.Errorf("%w：校验和不符", ErrDamaged)
	}
	for t, n := range m.Tables {
		if counts[t] != n {
			return nil, fmt.Errorf("%w：表 %s 应有 %d 行，文件中 %d 行", ErrDamaged, t, n, counts[t])
		}
	}
	return m, nil
}

func header(line []byte) (*Header, error) {
	var h Header
	if err := json.Unmarshal(line, &h); err != nil || h.Format != Format {
		return nil, fmt.Errorf("%w：不是 wuye 备份文件", ErrDamaged)
	}
	if h.FormatVersion > FormatVersion {
		return nil, fmt.Errorf("备份文件格式 %d 比本程序支持的 %d 新，请用新版本的 wuye 恢复", h.FormatVersion, FormatVersion)
	}
	return &h, nil
}

// lines calls fn with each line of the gzip stream r (without its
// newline) and its index.
func lines(r io.Reader, fn func(line []byte, n int) error) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w：不是 gzip 文件", ErrDamaged)
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 0, 1<<20), maxLine)
	n := 0
	for sc.Scan() {
		if err := fn(sc.Bytes(), n); err != nil {
			return err
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w：%v", ErrDamaged, err)
	}
	return nil
}

// Restore loads the backup at path into d, which must hold no records:
// a database never migrated, or migrated by this schema and empty. It
// verifies the whole file first; then it brings the schema to the
// backup's versions, loads every table in one transaction (all or
// nothing), checks the row counts against the manifest, and migrates up
// to this binary's schema. A backup from a newer schema is refused.
func Restore(ctx context.Context, d *db.DB, path string, mods ...db.Module) (*Manifest, error) {
	m, err := Verify(path)
	if err != nil {
		return nil, err
	}
	applied, latest, err := d.Versions(ctx, mods...)
	if err != nil {
		return nil, err
	}
	for name, v := range m.Schema {
		l, ok := latest[name]
		if !ok || v > l {
			return nil, fmt.Errorf("备份的数据结构（%s 版本 %d）比本程序的（%d）新，请用新版本的 wuye 恢复", name, v, l)
		}
		if applied[name] > v {
			return nil, fmt.Errorf("目标数据库的数据结构（%s 版本 %d）比备份的（%d）新，请恢复到一个空数据库", name, applied[name], v)
		}
	}
	upto := map[string]int64{}
	for _, mod := range mods {
		upto[mod.Name] = m.Schema[mod.Name] // a module the backup lacks stays empty until the end
	}
	if err := d.MigrateTo(ctx, upto, mods...); err != nil {
		return nil, err
	}
	if err := load(ctx, d, path, m); err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx, mods...); err != nil {
		return nil, err
	}
	return m, nil
}

func load(ctx context.Context, d *db.DB, path string, m *Manifest) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var cur *tableLoad
		err := lines(f, func(line []byte, n int) error {
			switch {
			case n == 0 || bytes.HasPrefix(line, []byte(`{"manifest":`)):
				return nil
			case bytes.HasPrefix(line, []byte(`{"table":`)):
				if err := cur.close(); err != nil {
					return err
				}
				var t tableHead
				if err := json.Unmarshal(line, &t); err != nil {
					return err
				}
				cur, err = startTable(ctx, tx, d.Dialect, t.Table, t.Columns)
				return err
			}
			return cur.add(line)
		})
		if err != nil {
			return err
		}
		if err := cur.close(); err != nil {
			return err
		}
		for t, want := range m.Tables {
			if strings.HasPrefix(t, "goose_") {
				continue
			}
			var got int64
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+quote(t)).Scan(&got); err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("恢复后表 %s 有 %d 行，清单为 %d 行", t, got, want)
			}
		}
		return nil
	})
}

// tableLoad inserts one table's rows, converting each value to the
// target column's type.
type tableLoad struct {
	ctx     context.Context
	tx      *sql.Tx
	dialect db.Dialect
	table   string
	types   []string // target column types, lower case
	batch   *db.Batch
	bytes   int
	skip    bool // a goose version table: the migrations wrote it
	hasID   bool
}

func startTable(ctx context.Context, tx *sql.Tx, dialect db.Dialect, table string, cols []string) (*tableLoad, error) {
	t := &tableLoad{ctx: ctx, tx: tx, dialect: dialect, table: table, skip: strings.HasPrefix(table, "goose_")}
	if t.skip {
		return t, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+quote(table)).Scan(&n); err != nil {
		return nil, fmt.Errorf("备份中的表 %s 在目标数据库中不存在：%w", table, err)
	}
	if n > 0 {
		return nil, fmt.Errorf("目标数据库不是空的（表 %s 已有 %d 行），请恢复到一个空数据库", table, n)
	}
	types, err := columnTypes(ctx, tx, dialect, table)
	if err != nil {
		return nil, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		ty, ok := types[c]
		if !ok {
			return nil, fmt.Errorf("备份中的列 %s.%s 在目标数据库中不存在", table, c)
		}
		t.types = append(t.types, ty)
		quoted[i] = quote(c)
		t.hasID = t.hasID || c == "id"
	}
	t.batch = db.NewBatch(ctx, tx, dialect, quote(table), quoted, "", nil)
	return t, nil
}

func (t *tableLoad) add(line []byte) error {
	if t == nil {
		return fmt.Errorf("%w：数据行之前没有表头", ErrDamaged)
	}
	if t.skip {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var raw []any
	if err := dec.Decode(&raw); err != nil || len(raw) != len(t.types) {
		return fmt.Errorf("%w：表 %s 的一行无法读取", ErrDamaged, t.table)
	}
	vals := make([]any, len(raw))
	for i, v := range raw {
		x, err := convert(v, t.types[i])
		if err != nil {
			return fmt.Errorf("表 %s：%w", t.table, err)
		}
		vals[i] = x
	}
	if err := t.batch.Add(vals...); err != nil {
		return err
	}
	// Rows with attachments are large: write them before the statement
	// grows past a few megabytes.
	if t.bytes += len(line); t.bytes > 4<<20 {
		t.bytes = 0
		return t.batch.Flush()
	}
	return nil
}

func (t *tableLoad) close() error {
	if t == nil || t.skip {
		return nil
	}
	if err := t.batch.Close(); err != nil {
		return fmt.Errorf("恢复表 %s：%w", t.table, err)
	}
	if t.dialect == db.Postgres && t.hasID {
		// Identity columns go on after the largest restored id.
		if _, err := t.tx.ExecContext(t.ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'),
			(SELECT coalesce(max(id), 0) + 1 FROM `+quote(t.table)+`), false)
			WHERE pg_get_serial_sequence($1, 'id') IS NOT NULL`, quote(t.table)); err != nil {
			return fmt.Errorf("恢复表 %s 的编号序列：%w", t.table, err)
		}
	}
	return nil
}

func columnTypes(ctx context.Context, tx *sql.Tx, dialect db.Dialect, table string) (map[string]string, error) {
	q := `SELECT name, lower(type) FROM pragma_table_info($1)`
	if dialect == db.Postgres {
		q = `SELECT column_name, lower(data_type) FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`
	}
	rows, err := tx.QueryContext(ctx, q, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, ty string
		if err := rows.Scan(&c, &ty); err != nil {
			return nil, err
		}
		out[c] = ty
	}
	return out, rows.Err()
}

// convert turns a decoded JSON value into what the target column of type
// ty takes, whichever database wrote it.
func convert(v any, ty string) (any, error) {
	switch x := v.(type) {
	case nil, string:
		return x, nil
	case bool:
		if ty == "boolean" {
			return x, nil
		}
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case json.Number:
		if ty == "boolean" { // SQLite stores booleans as 0 and 1
			return x.String() != "0", nil
		}
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		return x.Float64()
	case map[string]any:
		if s, ok := x["t"].(string); ok {
			return time.Parse(time.RFC3339Nano, s)
		}
		if s, ok := x["b"].(string); ok {
			return base64.StdEncoding.DecodeString(s)
		}
	}
	return nil, errors.New("无法识别的值")
}
