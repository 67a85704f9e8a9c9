// Package audit is the append-only log of every change to a business
// record: who, when, which record, what it was before and after. Entries
// are written in the same transaction as the change, so a change without
// its entry cannot exist.
package audit

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"wuye/internal/platform/db"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the audit log's migrations.
var Module = db.Module{Name: "audit", FS: migrations}

// Actions.
const (
	ActionCreate   = "create"
	ActionUpdate   = "update"
	ActionDelete   = "delete"
	ActionVoid     = "void"
	ActionImport   = "import"
	ActionTransfer = "transfer"
	ActionLogin    = "login"
)

var actionLabels = map[string]string{
	ActionCreate: "新建", ActionUpdate: "修改", ActionDelete: "删除", ActionVoid: "作废",
	ActionImport: "导入", ActionTransfer: "过户", ActionLogin: "登录",
	"disable": "停用", "enable": "启用", "reset_password": "重置密码", "end": "结束",
}

// DescribeActions names a module's own actions (借出, 取件, 发布 …) in
// Chinese for the history panels and the audit page; call it from an
// init function, like Describe.
func DescribeActions(labels map[string]string) {
	for k, v := range labels {
		actionLabels[k] = v
	}
}

// Actor is who makes a change.
type Actor struct {
	ID   int64
	Name string
}

// Event is one change to record.
type Event struct {
	Actor       Actor
	CommunityID int64
	Entity      string
	EntityID    int64
	Action      string
	Before      any // nil for create
	After       any // nil for delete
}

// Now is the clock; tests may replace it.
var Now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Record writes e in q, which must be the change's transaction.
func Record(ctx context.Context, q db.Querier, e Event) error {
	vals, err := Values(e)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO audit_log (`+Columns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, vals...)
	if err != nil {
		return fmt.Errorf("audit %s %d: %w", e.Entity, e.EntityID, err)
	}
	return nil
}

// Columns are the audit_log columns Values fills, in order. A module
// whose change is one statement (a PostgreSQL data-modifying CTE that
// writes the record and its audit row together) inserts them itself.
const Columns = "at, user_id, user_name, community_id, entity, entity_id, action, before_json, after_json"

// Values are e's audit_log row in Columns order, stamped now.
func Values(e Event) ([]any, error) {
	before, err := encode(e.Before)
	if err != nil {
		return nil, err
	}
	after, err := encode(e.After)
	if err != nil {
		return nil, err
	}
	return []any{Now(), e.Actor.ID, e.Actor.Name, e.CommunityID, e.Entity, e.EntityID, e.Action, before, after}, nil
}

func encode(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit encode: %w", err)
	}
	return string(b), nil
}

// Entry is one stored audit row.
type Entry struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	UserID      int64           `json:"user_id"`
	UserName    string          `json:"user_name"`
	CommunityID int64           `json:"community_id"`
	Entity      string          `json:"entity"`
	EntityID    int64           `json:"entity_id"`
	Action      string          `json:"action"`
	Before      json.RawMessage `json:"before"`
	After       json.RawMessage `json:"after"`
}

// ActionLabel is the action's Chinese name.
func (e Entry) ActionLabel() string {
	if l, ok := actionLabels[e.Action]; ok {
		return l
	}
	return e.Action
}

// EntityLabel is the entity's Chinese name.
func (e Entry) EntityLabel() string {
	labelsMu.RLock()
	defer labelsMu.RUnlock()
	if l, ok := entityLabels[e.Entity]; ok {
		return l
	}
	return e.Entity
}

// Change is one field that differs between before and after.
type Change struct{ Field, Before, After string }

// Changes lists the fields that differ, with the entity's field labels.
func (e Entry) Changes() []Change {
	var b, a map[string]any
	json.Unmarshal(e.Before, &b)
	json.Unmarshal(e.After, &a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	labelsMu.RLock()
	labels := fieldLabels[e.Entity]
	vl := valueLabels[e.Entity]
	labelsMu.RUnlock()
	var out []Change
	for k := range keys {
		if k == "updated_at" || k == "created_at" {
			continue
		}
		bv, av := show(b[k]), show(a[k])
		if vl != nil {
			if l, ok := vl[bv]; ok {
				bv = l
			}
			if l, ok := vl[av]; ok {
				av = l
			}
		}
		if bv == av {
			continue
		}
		name, ok := labels[k]
		if !ok {
			if len(labels) > 0 {
				continue // ids and bookkeeping fields the user does not edit
			}
			name = k
		}
		out = append(out, Change{Field: name, Before: bv, After: av})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", x), "0"), ".")
	case bool:
		if x {
			return "是"
		}
		return "否"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return strings.Join(parts, "、")
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

var (
	labelsMu     sync.RWMutex
	entityLabels = map[string]string{}
	fieldLabels  = map[string]map[string]string{}
	valueLabels  = map[string]map[string]string{}
)

// DescribeValues registers the Chinese names of an entity's stored
// values ("wechat" → 微信), so history panels show words, not codes.
func DescribeValues(entity string, labels map[string]string) {
	labelsMu.Lock()
	defer labelsMu.Unlock()
	valueLabels[entity] = labels
}

// Describe registers an entity's Chinese name and field labels, so that
// history panels speak the user's language.
func Describe(entity, label string, fields map[string]string) {
	labelsMu.Lock()
	defer labelsMu.Unlock()
	entityLabels[entity] = label
	fieldLabels[entity] = fields
}

// Entities lists the described entities (for the audit page filter).
func Entities() map[string]string {
	labelsMu.RLock()
	defer labelsMu.RUnlock()
	out := map[string]string{}
	for k, v := range entityLabels {
		out[k] = v
	}
	return out
}

// Filter selects audit entries.
type Filter struct {
	Entity      string
	EntityID    int64
	UserID      int64
	From, To    time.Time // To is exclusive
	Communities []int64   // nil = all
	Limit       int
	Offset      int
}

// List returns entries matching f, newest first, and the total count.
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Entity != "" {
		add("entity = $%d", f.Entity)
	}
	if f.EntityID != 0 {
		add("entity_id = $%d", f.EntityID)
	}
	if f.UserID != 0 {
		add("user_id = $%d", f.UserID)
	}
	if !f.From.IsZero() {
		add("at >= $%d", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < $%d", f.To.UTC())
	}
	if f.Communities != nil {
		var in string
		in, args = db.In(args, append([]int64{0}, f.Communities...))
		where = append(where, "community_id IN ("+in+")")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM audit_log"+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit: %w", err)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT id, at, user_id, user_name, community_id, entity, entity_id,
		action, before_json, after_json FROM audit_log%s ORDER BY id DESC LIMIT $%d OFFSET $%d`,
		cond, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var before, after string
		if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.UserName, &e.CommunityID, &e.Entity, &e.EntityID,
			&e.Action, &before, &after); err != nil {
			return nil, 0, err
		}
		e.Before, e.After = raw(before), raw(after)
		out = append(out, e)
	}
	return out, total, rows.Err()
}

func raw(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// History is the change list of one record, for its history panel, with
// the phones the reader in ctx may not see masked.
func History(ctx context.Context, q db.Querier, entity string, id int64) ([]Entry, error) {
	e, _, err := List(ctx, q, Filter{Entity: entity, EntityID: id, Limit: 200})
	return shownTo(ctx, e), err
}
