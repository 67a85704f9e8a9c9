package audit_test

import (
	"context"
	"strings"
	"testing"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/web"
)

// reader is a web.Viewer that may or may not see phones.
type reader struct{ phones bool }

func (reader) DisplayName() string  { return "读者" }
func (reader) RoleLabel() string    { return "只读审计" }
func (reader) Can(perm string) bool { return false }
func (r reader) ShowPhone(s string) string {
	if r.phones {
		return s
	}
	return "masked"
}

func TestHistoryMasksPhonesTheReaderMayNotSee(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		ent := entity(t)
		type worker struct {
			Name  string `json:"name"`
			Phone string `json:"phone"`
		}
		type application struct {
			ManagerPhone   string   `json:"manager_phone"`
			Phone2         string   `json:"phone2"`
			CommunityPhone string   `json:"community_phone"`
			AmountFen      int64    `json:"amount_fen"`
			Workers        []worker `json:"workers"`
		}
		record(t, d, audit.Event{Actor: audit.Actor{ID: 7, Name: "王经理"}, CommunityID: 3, Entity: ent, EntityID: 1,
			Action: audit.ActionUpdate, Before: application{ManagerPhone: "13900002222", AmountFen: 9007199254740993},
			After: application{ManagerPhone: "13900002222", Phone2: "13900003333", CommunityPhone: "0571-88886666",
				AmountFen: 9007199254740993, Workers: []worker{{"李工", "13900004444"}}}})

		hidden := []string{"13900002222", "13900003333", "13900004444"}
		ctx := web.WithViewer(context.Background(), reader{phones: false})
		es, err := audit.History(ctx, d, ent, 1)
		if err != nil || len(es) != 1 {
			t.Fatalf("history: %v %v", es, err)
		}
		snap := string(es[0].Before) + string(es[0].After)
		for _, p := range hidden {
			if strings.Contains(snap, p) {
				t.Errorf("a reader without phone.view sees %s in %s", p, snap)
			}
		}
		if !strings.Contains(snap, "0571-88886666") || !strings.Contains(string(es[0].After), "9007199254740993") {
			t.Errorf("the service centre's number or an amount changed: %s", snap)
		}

		for _, ctx := range []context.Context{web.WithViewer(context.Background(), reader{phones: true}), context.Background()} {
			es, err := audit.History(ctx, d, ent, 1)
			if err != nil || len(es) != 1 {
				t.Fatalf("history: %v %v", es, err)
			}
			for _, p := range hidden {
				if !strings.Contains(string(es[0].After), p) {
					t.Errorf("%s missing for a reader who may see it: %s", p, es[0].After)
				}
			}
		}
	})
}
