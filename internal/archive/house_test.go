package archive_test

import (
	"context"
	"encoding/json"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

var ctx = context.Background()

func TestCommunityRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, admin := f.App.Archive, f.Users[auth.RoleAdmin]
		n := countRows(t, f.DB, "communities", "")
		_, err := s.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "  ", Address: "x"})
		wantErr(t, "missing name", err, errs.CodeInvalid, "name")
		_, err = s.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "丙苑" + f.Suffix, Type: "城堡"})
		wantErr(t, "unknown type", err, errs.CodeInvalid, "type")
		_, err = s.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "丙苑" + f.Suffix, TotalArea: "-5"})
		wantErr(t, "negative area", err, errs.CodeInvalid, "total_area")
		_, err = s.CreateCommunity(ctx, admin, archive.CommunityInput{Name: f.A.Community.Name})
		wantErr(t, "duplicate name", err, errs.CodeConflict, "name")
		// Only an administrator creates or edits communities.
		_, err = s.CreateCommunity(ctx, f.Users[auth.RoleDirector], archive.CommunityInput{Name: "丁苑" + f.Suffix})
		wantErr(t, "director creates", err, errs.CodeForbidden, "")
		if got := countRows(t, f.DB, "communities", ""); got != n {
			t.Errorf("refused creates wrote %d communities", got-n)
		}
		c, err := s.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "丙苑" + f.Suffix, Type: "commercial", TotalArea: "12,000.5"})
		if err != nil || c.Type != "商业" || c.TotalArea != "12000.50" {
			t.Errorf("create: %+v %v", c, err)
		}
		// A scoped user lists only their communities and cannot open another.
		cs, err := s.Communities(ctx, f.Users[auth.RoleCSAgent])
		if err != nil || len(cs) != 1 || cs[0].ID != f.A.Community.ID {
			t.Errorf("agent's communities: %v %v", cs, err)
		}
		_, err = s.Community(ctx, f.Users[auth.RoleCSAgent], f.B.Community.ID)
		wantErr(t, "agent opens B", err, errs.CodeForbidden, "")
	})
}

func TestBuildingAndUnitRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, mgr := f.App.Archive, f.Users[auth.RoleCSManager]
		a := f.A.Community.ID
		_, err := s.CreateBuilding(ctx, mgr, archive.BuildingInput{CommunityID: a})
		wantErr(t, "building without name", err, errs.CodeInvalid, "name")
		_, err = s.CreateBuilding(ctx, mgr, archive.BuildingInput{CommunityID: a, Name: "3-1"})
		wantErr(t, "building name with a dash", err, errs.CodeInvalid, "name")
		_, err = s.CreateBuilding(ctx, mgr, archive.BuildingInput{CommunityID: 987654321, Name: "9"})
		wantErr(t, "unknown community", err, errs.CodeInvalid, "community_id")
		_, err = s.CreateBuilding(ctx, mgr, archive.BuildingInput{CommunityID: f.B.Community.ID, Name: "9"})
		wantErr(t, "building in a foreign community", err, errs.CodeForbidden, "")
		_, err = s.CreateBuilding(ctx, mgr, archive.BuildingInput{CommunityID: a, Name: "3"})
		wantErr(t, "duplicate building", err, errs.CodeConflict, "name")
		b, err := s.CreateBuilding(ctx, mgr, archive.BuildingInput{CommunityID: a, Name: "5", Floors: 30})
		if err != nil || b.CommunityID != a || b.Floors != 30 {
			t.Fatalf("create building: %+v %v", b, err)
		}
		_, err = s.CreateUnit(ctx, mgr, archive.UnitInput{BuildingID: 987654321, Name: "1"})
		wantErr(t, "unknown building", err, errs.CodeInvalid, "building_id")
		_, err = s.CreateUnit(ctx, mgr, archive.UnitInput{BuildingID: f.B.Building.ID, Name: "7"})
		wantErr(t, "unit in a foreign building", err, errs.CodeForbidden, "")
		_, err = s.CreateUnit(ctx, mgr, archive.UnitInput{BuildingID: f.A.Building.ID, Name: "2"})
		wantErr(t, "duplicate unit", err, errs.CodeConflict, "name")
		u, err := s.CreateUnit(ctx, mgr, archive.UnitInput{BuildingID: b.ID, Name: "1"})
		if err != nil || u.CommunityID != a || u.BuildingID != b.ID {
			t.Fatalf("create unit: %+v %v", u, err)
		}
		st, err := s.Structure(ctx, mgr, a)
		if err != nil || len(st.Buildings) != 2 || st.Buildings[0].Name != "3" || len(st.Units[b.ID]) != 1 {
			t.Errorf("structure: %+v %v", st, err)
		}
	})
}

func TestHouseValidationWritesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, agent := f.App.Archive, f.Users[auth.RoleCSAgent]
		unit := f.A.Unit.ID
		ok := archive.HouseInput{UnitID: unit, Number: "1301", Floor: 13, GrossArea: "89.50", InnerArea: "75.20"}
		with := func(change func(*archive.HouseInput)) archive.HouseInput {
			in := ok
			change(&in)
			return in
		}
		tests := []struct {
			name  string
			in    archive.HouseInput
			code  errs.Code
			field string
		}{
			{"missing number", with(func(in *archive.HouseInput) { in.Number = " " }), errs.CodeInvalid, "number"},
			{"number with a dash", with(func(in *archive.HouseInput) { in.Number = "13-01" }), errs.CodeInvalid, "number"},
			{"missing area", with(func(in *archive.HouseInput) { in.GrossArea = "" }), errs.CodeInvalid, "gross_area"},
			{"negative area", with(func(in *archive.HouseInput) { in.GrossArea = "-89.50" }), errs.CodeInvalid, "gross_area"},
			{"non-numeric area", with(func(in *archive.HouseInput) { in.GrossArea = "abc" }), errs.CodeInvalid, "gross_area"},
			{"three decimals", with(func(in *archive.HouseInput) { in.GrossArea = "89.505" }), errs.CodeInvalid, "gross_area"},
			{"zero area", with(func(in *archive.HouseInput) { in.GrossArea = "0" }), errs.CodeInvalid, "gross_area"},
			{"inner larger than gross", with(func(in *archive.HouseInput) { in.InnerArea = "90.00" }), errs.CodeInvalid, "inner_area"},
			{"negative inner", with(func(in *archive.HouseInput) { in.InnerArea = "-1" }), errs.CodeInvalid, "inner_area"},
			{"floor out of range", with(func(in *archive.HouseInput) { in.Floor = 500 }), errs.CodeInvalid, "floor"},
			{"unknown use", with(func(in *archive.HouseInput) { in.Use = "城堡" }), errs.CodeInvalid, "use"},
			{"unknown status", with(func(in *archive.HouseInput) { in.Status = "闹鬼" }), errs.CodeInvalid, "status"},
			{"bad delivery date", with(func(in *archive.HouseInput) { in.DeliveredOn = "2026-13-45" }), errs.CodeInvalid, "delivered_on"},
			{"no unit", with(func(in *archive.HouseInput) { in.UnitID = 0 }), errs.CodeInvalid, "unit_id"},
			{"unknown unit", with(func(in *archive.HouseInput) { in.UnitID = 987654321 }), errs.CodeInvalid, "unit_id"},
			{"duplicate number in the unit", with(func(in *archive.HouseInput) { in.Number = "1201" }), errs.CodeConflict, "number"},
			{"unit of a foreign community", with(func(in *archive.HouseInput) { in.UnitID = f.B.Unit.ID }), errs.CodeForbidden, ""},
		}
		houses, audits := countRows(t, f.DB, "houses", ""), countRows(t, f.DB, "audit_log", "")
		for _, tt := range tests {
			_, err := s.CreateHouse(ctx, agent, tt.in)
			wantErr(t, tt.name, err, tt.code, tt.field)
		}
		if got := countRows(t, f.DB, "houses", ""); got != houses {
			t.Errorf("refused houses were written: %d → %d", houses, got)
		}
		if got := countRows(t, f.DB, "audit_log", ""); got != audits {
			t.Errorf("refused houses were audited: %d → %d", audits, got)
		}
		// The same number in another unit is a different house.
		h, err := s.CreateHouse(ctx, agent, archive.HouseInput{UnitID: f.A.Unit.ID, Number: "1301", GrossArea: "89.5", InnerArea: "75.2",
			Use: "shop", Status: "vacant"})
		if err != nil || h.GrossArea != "89.50" || h.InnerArea != "75.20" || h.Use != "商铺" || h.Status != "空置" {
			t.Errorf("valid house: %+v %v", h, err)
		}
	})
}

func TestHouseCodeIsBuildingUnitNumber(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		if f.A.House.Code != "3-2-1201" {
			t.Errorf("code = %q, want 3-2-1201", f.A.House.Code)
		}
		s, mgr := f.App.Archive, f.Users[auth.RoleCSManager]
		u, err := s.CreateUnit(ctx, mgr, archive.UnitInput{BuildingID: f.A.Building.ID, Name: "1"})
		if err != nil {
			t.Fatal(err)
		}
		h, err := s.CreateHouse(ctx, mgr, archive.HouseInput{UnitID: u.ID, Number: "0502", GrossArea: "60"})
		if err != nil || h.Code != "3-1-0502" || h.BuildingID != f.A.Building.ID || h.CommunityID != f.A.Community.ID {
			t.Fatalf("new house: %+v %v", h, err)
		}
		// Moving the house to another unit or renumbering it moves its code.
		in := archive.HouseInputOf(h)
		in.UnitID, in.Number = f.A.Unit.ID, "0503"
		h, err = s.UpdateHouse(ctx, mgr, h.ID, in)
		if err != nil || h.Code != "3-2-0503" {
			t.Errorf("moved house: %+v %v", h, err)
		}
		// But not into another community.
		in.UnitID = f.B.Unit.ID
		_, err = s.UpdateHouse(ctx, f.Users[auth.RoleAdmin], h.ID, in)
		wantErr(t, "move across communities", err, errs.CodeInvalid, "unit_id")
	})
}

func TestHouseUpdateIsAuditedWithBeforeAndAfter(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, agent := f.App.Archive, f.Users[auth.RoleCSAgent]
		id := f.A.House.ID
		before := auditRows(t, f.DB, "house", id)
		in := archive.HouseInputOf(f.A.House)
		in.GrossArea = "92.30"
		h, err := s.UpdateHouse(ctx, agent, id, in)
		if err != nil || h.GrossArea != "92.30" || h.GrossHundredths() != 9230 {
			t.Fatalf("update: %+v %v", h, err)
		}
		if got := auditRows(t, f.DB, "house", id); got != before+1 {
			t.Fatalf("update wrote %d audit entries, want 1", got-before)
		}
		es, err := audit.History(ctx, f.DB, "house", id)
		if err != nil {
			t.Fatal(err)
		}
		e := es[0]
		if e.Action != audit.ActionUpdate || e.UserID != agent.ID || e.UserName != agent.Name || e.CommunityID != f.A.Community.ID {
			t.Errorf("entry = %+v", e)
		}
		var b, a struct {
			GrossArea string `json:"gross_area"`
			InnerArea string `json:"inner_area"`
		}
		json.Unmarshal(e.Before, &b)
		json.Unmarshal(e.After, &a)
		if b.GrossArea != "89.50" || a.GrossArea != "92.30" || a.InnerArea != "75.20" {
			t.Errorf("before %+v after %+v", b, a)
		}
		var shown bool
		for _, c := range e.Changes() {
			if c.Field == "建筑面积" && c.Before == "89.50" && c.After == "92.30" {
				shown = true
			}
		}
		if !shown {
			t.Errorf("history panel does not show the area change: %+v", e.Changes())
		}
		// A refused update leaves the house and its history alone.
		in.GrossArea = "1.005"
		_, err = s.UpdateHouse(ctx, agent, id, in)
		wantErr(t, "three decimals", err, errs.CodeInvalid, "gross_area")
		if got := auditRows(t, f.DB, "house", id); got != before+1 {
			t.Errorf("refused update was audited")
		}
		// A foreign house cannot be touched.
		_, err = s.UpdateHouse(ctx, agent, f.B.House.ID, archive.HouseInputOf(f.B.House))
		wantErr(t, "update B's house", err, errs.CodeForbidden, "")
	})
}

func TestHouseListFiltersInScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, agent := f.App.Archive, f.Users[auth.RoleCSAgent]
		a := f.A.Community.ID
		for _, q := range []string{"3-2-1201", "1201", "3-2", "张三", "zs", f.A.Owner.Phone[7:]} {
			hs, total, err := s.Houses(ctx, agent, archive.HouseFilter{CommunityID: a, Q: q})
			if err != nil || total != 1 || len(hs) != 1 || hs[0].ID != f.A.House.ID {
				t.Errorf("q=%q: %d houses (%v)", q, total, err)
			}
		}
		hs, _, err := s.Houses(ctx, agent, archive.HouseFilter{Q: "1201"})
		if err != nil || len(hs) != 1 || hs[0].CommunityID != a {
			t.Errorf("without a community filter the agent still sees only A: %v %v", hs, err)
		}
		if len(hs) == 1 && (len(hs[0].Owners) != 1 || hs[0].Owners[0].OwnerID != f.A.Owner.ID) {
			t.Errorf("listed house without its owner: %+v", hs[0].Owners)
		}
		_, _, err = s.Houses(ctx, agent, archive.HouseFilter{CommunityID: f.B.Community.ID})
		wantErr(t, "list B", err, errs.CodeForbidden, "")
		if _, total, _ := s.Houses(ctx, agent, archive.HouseFilter{CommunityID: a, Status: "出租"}); total != 0 {
			t.Errorf("status filter: %d", total)
		}
	})
}
