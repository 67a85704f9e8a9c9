package audit_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func migrate(ctx context.Context, d *db.DB) error { return d.Migrate(ctx, audit.Module) }

// entity makes an entity name unique per subtest: the database is shared
// by the package.
func entity(t *testing.T) string {
	return "thing_" + strings.NewReplacer("/", "_").Replace(t.Name())
}

func record(t *testing.T, d *db.DB, e audit.Event) {
	t.Helper()
	if err := d.Tx(context.Background(), func(tx *sql.Tx) error { return audit.Record(context.Background(), tx, e) }); err != nil {
		t.Fatal(err)
	}
}

func TestRecordKeepsWhoWhatBeforeAndAfter(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ent := entity(t)
		type house struct {
			Code      string `json:"code"`
			GrossArea string `json:"gross_area"`
		}
		record(t, d, audit.Event{Actor: audit.Actor{ID: 7, Name: "王经理"}, CommunityID: 3, Entity: ent, EntityID: 42,
			Action: audit.ActionCreate, After: house{"3-2-1201", "89.50"}})
		record(t, d, audit.Event{Actor: audit.Actor{ID: 8, Name: "李助理"}, CommunityID: 3, Entity: ent, EntityID: 42,
			Action: audit.ActionUpdate, Before: house{"3-2-1201", "89.50"}, After: house{"3-2-1201", "90.00"}})
		record(t, d, audit.Event{Actor: audit.Actor{ID: 8, Name: "李助理"}, CommunityID: 3, Entity: ent, EntityID: 43,
			Action: audit.ActionCreate, After: house{"3-2-1202", "70.00"}})

		es, err := audit.History(context.Background(), d, ent, 42)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 {
			t.Fatalf("history has %d entries, want 2", len(es))
		}
		upd, cre := es[0], es[1] // newest first
		if upd.Action != "update" || upd.UserID != 8 || upd.UserName != "李助理" || upd.CommunityID != 3 || upd.EntityID != 42 {
			t.Errorf("update entry = %+v", upd)
		}
		if cre.Action != "create" || string(cre.Before) != "null" || !strings.Contains(string(cre.After), `"89.50"`) {
			t.Errorf("create entry = %+v", cre)
		}
		if upd.At.IsZero() || upd.At.Before(cre.At) {
			t.Errorf("times: create %v, update %v", cre.At, upd.At)
		}
		var before, after map[string]string
		json.Unmarshal(upd.Before, &before)
		json.Unmarshal(upd.After, &after)
		if before["gross_area"] != "89.50" || after["gross_area"] != "90.00" {
			t.Errorf("before %v after %v", before, after)
		}
		if upd.ActionLabel() != "修改" || cre.ActionLabel() != "新建" {
			t.Errorf("labels %q %q", upd.ActionLabel(), cre.ActionLabel())
		}
	})
}

func TestEntryIsWrittenOnlyWithItsChange(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ent := entity(t)
		boom := errors.New("the change failed")
		err := d.Tx(context.Background(), func(tx *sql.Tx) error {
			if err := audit.Record(context.Background(), tx, audit.Event{Entity: ent, EntityID: 1, Action: "update"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if es, _ := audit.History(context.Background(), d, ent, 1); len(es) != 0 {
			t.Errorf("a rolled-back change left %d audit entries", len(es))
		}
	})
}

func TestListFiltersAndScope(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ent := entity(t)
		for i, c := range []int64{1, 1, 2, 0, 2, 1} {
			record(t, d, audit.Event{Actor: audit.Actor{ID: int64(100 + i%2)}, CommunityID: c, Entity: ent, EntityID: int64(i + 1), Action: "create"})
		}
		count := func(f audit.Filter) int {
			f.Entity = ent
			es, total, err := audit.List(ctx, d, f)
			if err != nil {
				t.Fatal(err)
			}
			if f.Limit == 0 && len(es) != total {
				t.Errorf("%+v: %d entries but total %d", f, len(es), total)
			}
			return total
		}
		if n := count(audit.Filter{}); n != 6 {
			t.Errorf("all: %d", n)
		}
		// A user scoped to community 1 sees its entries and the global
		// ones (community 0, such as user accounts), never community 2's.
		if n := count(audit.Filter{Communities: []int64{1}}); n != 4 {
			t.Errorf("scope [1]: %d, want 4", n)
		}
		if n := count(audit.Filter{Communities: []int64{}}); n != 1 {
			t.Errorf("empty scope: %d, want only the global entry", n)
		}
		if n := count(audit.Filter{UserID: 101}); n != 3 {
			t.Errorf("by user: %d", n)
		}
		if n := count(audit.Filter{EntityID: 4}); n != 1 {
			t.Errorf("by entity id: %d", n)
		}
		es, total, err := audit.List(ctx, d, audit.Filter{Entity: ent, Limit: 2, Offset: 2})
		if err != nil || total != 6 || len(es) != 2 || es[0].EntityID != 4 || es[1].EntityID != 3 {
			t.Errorf("page 2: total %d, %+v, %v", total, es, err)
		}
	})
}

func TestChangesListOnlyWhatDiffersWithLabels(t *testing.T) {
	before := json.RawMessage(`{"gross_area":"89.50","status":"自住","floor":12,"updated_at":"2026-01-01","x":true}`)
	after := json.RawMessage(`{"gross_area":"90.00","status":"自住","floor":13,"updated_at":"2026-02-01","x":false}`)
	changes := func(e audit.Entry) map[string][2]string {
		got := map[string][2]string{}
		for _, c := range e.Changes() {
			got[c.Field] = [2]string{c.Before, c.After}
		}
		return got
	}
	// A described entity shows its labelled fields only, in Chinese.
	audit.Describe("test_house", "房屋", map[string]string{"gross_area": "建筑面积", "status": "状态"})
	e := audit.Entry{Entity: "test_house", Before: before, After: after}
	if got := changes(e); len(got) != 1 || got["建筑面积"] != [2]string{"89.50", "90.00"} {
		t.Errorf("described entity changes = %v", got)
	}
	if e.EntityLabel() != "房屋" {
		t.Errorf("EntityLabel = %q", e.EntityLabel())
	}
	// An undescribed one shows every changed field by name, with values
	// rendered for people (numbers plainly, booleans as 是/否).
	got := changes(audit.Entry{Entity: "test_undescribed", Before: before, After: after})
	want := map[string][2]string{"gross_area": {"89.50", "90.00"}, "floor": {"12", "13"}, "x": {"是", "否"}}
	if len(got) != len(want) {
		t.Errorf("changes = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("change %s = %v, want %v", k, got[k], v)
		}
	}
}

func TestMaskFieldsHidesIDNumbers(t *testing.T) {
	raw := json.RawMessage(`{"name":"张三","id_number":"11010519491231002X","phone":"13800001234"}`)
	var m map[string]string
	json.Unmarshal(audit.MaskFields(raw, "id_number"), &m)
	if m["id_number"] != "110105********002X" || m["name"] != "张三" || m["phone"] != "13800001234" {
		t.Errorf("masked = %v", m)
	}
	if got := string(audit.MaskFields(json.RawMessage("null"), "id_number")); got != "null" {
		t.Errorf("null snapshot = %s", got)
	}
	short := audit.MaskFields(json.RawMessage(`{"id_number":"A123"}`), "id_number")
	if strings.Contains(string(short), "A123") {
		t.Errorf("short number not masked: %s", short)
	}
}
