package archive_test

import (
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// Renaming a building or unit re-codes its houses in the same step, so
// 3-2-1201 becomes 3A-2-1201 everywhere the code is shown or searched.
func TestRenamingABuildingOrUnitRecodesItsHouses(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, mgr := f.App.Archive, f.Users[auth.RoleCSManager]
		b, err := s.UpdateBuilding(ctx, mgr, f.A.Building.ID, archive.BuildingInput{Name: "3A", Floors: 18})
		if err != nil || b.Name != "3A" || b.Floors != 18 {
			t.Fatalf("rename building: %+v %v", b, err)
		}
		h, err := s.House(ctx, mgr, f.A.House.ID)
		if err != nil || h.Code != "3A-2-1201" {
			t.Fatalf("house code after building rename = %q (%v), want 3A-2-1201", h.Code, err)
		}
		if _, err := s.UpdateUnit(ctx, mgr, f.A.Unit.ID, "东"); err != nil {
			t.Fatal(err)
		}
		hits, err := s.Search(ctx, mgr, "3A-东-1201")
		if err != nil || len(hits) == 0 || hits[0].ID != f.A.House.ID {
			t.Fatalf("search by the new code: %+v %v", hits, err)
		}
		if auditRows(t, f.DB, "building", f.A.Building.ID) < 2 || auditRows(t, f.DB, "unit", f.A.Unit.ID) < 2 {
			t.Error("renames are not in the audit log")
		}
		_, err = s.UpdateBuilding(ctx, mgr, f.A.Building.ID, archive.BuildingInput{Name: "3-1"})
		wantErr(t, "dash in a building name", err, errs.CodeInvalid, "name")
		_, err = s.UpdateBuilding(ctx, mgr, f.B.Building.ID, archive.BuildingInput{Name: "9"})
		wantErr(t, "rename in another community", err, errs.CodeForbidden, "")
		_, err = s.UpdateUnit(ctx, f.Users[auth.RoleCSAgent], f.B.Unit.ID, "9")
		wantErr(t, "unit rename in another community", err, errs.CodeForbidden, "")
	})
}
