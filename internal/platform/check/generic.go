package check

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"wuye/internal/platform/db"
)

// Generic are the checks that hold for every table: storage and
// constraints, and foreign keys.
func Generic() []Check {
	return []Check{
		{Name: "存储与约束状态", Run: storage},
		{Name: "外键", Run: foreignKeys},
	}
}

// Schema checks that every module's schema is at this binary's version.
// It creates nothing: a module whose version table is missing was never
// migrated, and is reported so.
func Schema(mods ...db.Module) Check {
	return Check{Name: "数据结构版本", Run: func(ctx context.Context, d *db.DB) ([]Problem, error) {
		have, err := tables(ctx, d.Q(ctx), d.Dialect)
		if err != nil {
			return nil, err
		}
		var out []Problem
		var present []db.Module
		for _, m := range mods {
			if slices.Contains(have, "goose_"+m.Name) {
				present = append(present, m)
			} else {
				out = append(out, Record("goose_"+m.Name, nil, 0, "模块 %s 的数据结构尚未建立，请先运行 wuye migrate", m.Name))
			}
		}
		// goose reads the versions on a connection of its own, outside
		// the snapshot: they change only when someone migrates.
		applied, latest, err := d.Versions(ctx, present...)
		if err != nil {
			return nil, err
		}
		for _, m := range present {
			switch a, l := applied[m.Name], latest[m.Name]; {
			case a < l:
				out = append(out, Record("goose_"+m.Name, nil, 0, "模块 %s 的数据结构为版本 %d，本程序为 %d：请先运行 wuye migrate", m.Name, a, l))
			case a > l:
				out = append(out, Record("goose_"+m.Name, nil, 0, "模块 %s 的数据结构为版本 %d，比本程序的 %d 新：请用新版本的 wuye 检查", m.Name, a, l))
			}
		}
		return out, nil
	}}
}

// storage is SQLite's own integrity check of pages and indexes. On
// PostgreSQL, which checks its own pages, it looks for what a bulk load
// may leave behind: constraints never validated (NOT VALID) and
// triggers disabled, under which foreign keys are no longer enforced.
func storage(ctx context.Context, d *db.DB) ([]Problem, error) {
	q := d.Q(ctx)
	var out []Problem
	if d.Dialect == db.SQLite {
		msgs, err := strs(ctx, q, `PRAGMA integrity_check`)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m != "ok" {
				out = append(out, Record("", nil, 0, "SQLite 存储损坏：%s", m))
			}
		}
		return out, nil
	}
	var table, name string
	err := each(ctx, q, `SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
		WHERE NOT k.convalidated AND k.connamespace = current_schema()::regnamespace ORDER BY 1, 2`, nil,
		[]any{&table, &name}, func() {
			out = append(out, Record(table, nil, 0, "约束 %s 未经验证（NOT VALID）：已有记录未受其检查", name))
		})
	if err != nil {
		return nil, err
	}
	var internal bool
	err = each(ctx, q, `SELECT c.relname, string_agg(t.tgname, ', ' ORDER BY t.tgname), bool_or(t.tgisinternal)
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		WHERE t.tgenabled = 'D' AND c.relnamespace = current_schema()::regnamespace GROUP BY c.relname ORDER BY 1`, nil,
		[]any{&table, &name, &internal}, func() {
			msg := "触发器已停用：" + name
			if internal {
				msg = "外键触发器已停用（DISABLE TRIGGER），外键不再强制；请运行 ALTER TABLE " + table + " ENABLE TRIGGER ALL"
			}
			out = append(out, Record(table, nil, 0, "%s", msg))
		})
	return out, err
}

// foreignKey is one foreign key of the schema.
type foreignKey struct {
	table, parent string
	cols, refs    []string
}

// foreignKeys finds the rows whose foreign key names no parent row. The
// same query runs on both databases, row by row against the parent's
// key, so it finds what SQLite's foreign_keys(0) or PostgreSQL's
// replica mode let in, and names each record and its community.
func foreignKeys(ctx context.Context, d *db.DB) ([]Problem, error) {
	q := d.Q(ctx)
	fks, err := listForeignKeys(ctx, q, d.Dialect)
	if err != nil {
		return nil, err
	}
	var out []Problem
	for _, fk := range fks {
		cols, err := columns(ctx, q, d.Dialect, fk.table)
		if err != nil {
			return nil, err
		}
		sel, order := "NULL", ""
		if slices.Contains(cols, "id") {
			sel, order = `c.id`, ` ORDER BY c.id`
		}
		if slices.Contains(cols, "community_id") {
			sel += `, c.community_id`
		} else {
			sel += `, NULL`
		}
		var where, match []string
		for i, c := range fk.cols {
			sel += ", c." + quote(c)
			where = append(where, "c."+quote(c)+" IS NOT NULL")
			match = append(match, "p."+quote(fk.refs[i])+" = c."+quote(c))
		}
		vals := make([]any, 2+len(fk.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		err = each(ctx, q, `SELECT `+sel+` FROM `+quote(fk.table)+` c WHERE `+strings.Join(where, " AND ")+
			` AND NOT EXISTS (SELECT 1 FROM `+quote(fk.parent)+` p WHERE `+strings.Join(match, " AND ")+`)`+order, nil,
			ptrs, func() {
				key := make([]string, len(fk.cols))
				for i := range fk.cols {
					key[i] = fmt.Sprintf("%s = %v", fk.cols[i], text(vals[2+i]))
				}
				out = append(out, Record(fk.table, text(vals[0]), integer(vals[1]), "%s：%s 中没有这条记录",
					strings.Join(key, "，"), fk.parent))
			})
		if err != nil {
			return nil, fmt.Errorf("%s → %s: %w", fk.table, fk.parent, err)
		}
	}
	return out, nil
}

// integer is a scanned integer column's value (0: NULL).
func integer(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	}
	return 0
}

// text shows a scanned value: bytes as the text they hold.
func text(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// listForeignKeys lists the schema's foreign keys, by table.
func listForeignKeys(ctx context.Context, q db.Querier, dialect db.Dialect) ([]foreignKey, error) {
	query := `SELECT m.name || '/' || p.id, m.name, p."table", p."from", COALESCE(p."to", '')
		FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.id, p.seq`
	if dialect == db.Postgres {
		query = `SELECT k.oid::text, c.relname, f.relname, a.attname, r.attname
			FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid
			CROSS JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(col, ref, i)
			JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.col
			JOIN pg_attribute r ON r.attrelid = k.confrelid AND r.attnum = u.ref
			WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace ORDER BY c.relname, k.conname, u.i`
	}
	var out []foreignKey
	var id, last, table, parent, col, ref string
	err := each(ctx, q, query, nil, []any{&id, &table, &parent, &col, &ref}, func() {
		if id != last {
			out = append(out, foreignKey{table: table, parent: parent})
			last = id
		}
		fk := &out[len(out)-1]
		fk.cols, fk.refs = append(fk.cols, col), append(fk.refs, ref)
	})
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	// SQLite leaves "to" empty for a key naming the parent's primary key.
	for i, fk := range out {
		if slices.Contains(fk.refs, "") {
			pk, err := strs(ctx, q, `SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk`, fk.parent)
			if err != nil {
				return nil, err
			}
			if len(pk) != len(fk.cols) {
				return nil, fmt.Errorf("%s 的外键与 %s 的主键列数不符", fk.table, fk.parent)
			}
			out[i].refs = pk
		}
	}
	return out, nil
}

// tables lists the schema's tables.
func tables(ctx context.Context, q db.Querier, dialect db.Dialect) ([]string, error) {
	if dialect == db.Postgres {
		return strs(ctx, q, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`)
	}
	return strs(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`)
}

// columns lists a table's columns.
func columns(ctx context.Context, q db.Querier, dialect db.Dialect, table string) ([]string, error) {
	if dialect == db.Postgres {
		return strs(ctx, q, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	}
	return strs(ctx, q, `SELECT name FROM pragma_table_info($1) ORDER BY cid`, table)
}

func strs(ctx context.Context, q db.Querier, query string, args ...any) ([]string, error) {
	var out []string
	var s string
	err := each(ctx, q, query, args, []any{&s}, func() { out = append(out, s) })
	return out, err
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
