package archive_test

import (
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

func TestResidentRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, agent := f.App.Archive, f.Users[auth.RoleCSAgent]
		h := f.A.House.ID
		tests := []struct {
			name  string
			in    archive.ResidentInput
			code  errs.Code
			field string
		}{
			{"tenant without lease start", archive.ResidentInput{HouseID: h, Name: "租客", Kind: "租户"}, errs.CodeInvalid, "lease_start"},
			{"lease ends before it starts", archive.ResidentInput{HouseID: h, Name: "租客", Kind: "tenant", LeaseStart: "2026-03-01", LeaseEnd: "2026-02-28"}, errs.CodeInvalid, "lease_end"},
			{"bad lease date", archive.ResidentInput{HouseID: h, Name: "租客", Kind: "租户", LeaseStart: "明年"}, errs.CodeInvalid, "lease_start"},
			{"unknown kind", archive.ResidentInput{HouseID: h, Name: "某人", Kind: "室友"}, errs.CodeInvalid, "kind"},
			{"missing name", archive.ResidentInput{HouseID: h}, errs.CodeInvalid, "name"},
			{"bad phone", archive.ResidentInput{HouseID: h, Name: "某人", Phone: "123"}, errs.CodeInvalid, "phone"},
			{"unknown house", archive.ResidentInput{HouseID: 987654321, Name: "某人"}, errs.CodeInvalid, "house_id"},
			{"foreign house", archive.ResidentInput{HouseID: f.B.House.ID, Name: "某人"}, errs.CodeForbidden, ""},
		}
		n := countRows(t, f.DB, "residents", "")
		for _, tt := range tests {
			_, err := s.SaveResident(ctx, agent, 0, tt.in)
			wantErr(t, tt.name, err, tt.code, tt.field)
		}
		if got := countRows(t, f.DB, "residents", ""); got != n {
			t.Errorf("refused residents were written: %d", got-n)
		}
		r, err := s.SaveResident(ctx, agent, 0, archive.ResidentInput{HouseID: h, Name: "租客王", Kind: "租户",
			LeaseStart: "2026/3/1", LeaseEnd: "2027.2.28", Phone: apptest.Phone()})
		if err != nil || r.Kind != "租户" || r.LeaseStart != "2026-03-01" || r.LeaseEnd != "2027-02-28" || r.HouseCode != "3-2-1201" {
			t.Fatalf("tenant: %+v %v", r, err)
		}
		// A family member has no lease.
		m, err := s.SaveResident(ctx, agent, 0, archive.ResidentInput{HouseID: h, Name: "儿子", LeaseStart: "2026-01-01"})
		if err != nil || m.Kind != "家庭成员" || m.LeaseStart != "" {
			t.Errorf("family member: %+v %v", m, err)
		}
		// Moving out hides a resident from the current list, not from all.
		in := archive.ResidentInputOf(r)
		in.MovedOut = true
		if _, err := s.SaveResident(ctx, agent, r.ID, in); err != nil {
			t.Fatal(err)
		}
		_, cur, _ := s.Residents(ctx, agent, archive.PeopleFilter{HouseID: h, Current: true})
		_, all, _ := s.Residents(ctx, agent, archive.PeopleFilter{HouseID: h})
		if cur != 2 || all != 3 {
			t.Errorf("current %d all %d, want 2 and 3", cur, all)
		}
		_, err = s.SaveResident(ctx, agent, f.B.Resident.ID, archive.ResidentInputOf(f.B.Resident))
		wantErr(t, "edit B's resident", err, errs.CodeForbidden, "")
		_, err = s.Resident(ctx, agent, f.B.Resident.ID)
		wantErr(t, "read B's resident", err, errs.CodeForbidden, "")
	})
}

func TestVehiclePlatesAreNormalisedAndUnique(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, agent := f.App.Archive, f.Users[auth.RoleCSAgent]
		h := f.A.House.ID
		if f.A.Vehicle.Plate != "粤B12345" {
			t.Errorf("stored plate %q", f.A.Vehicle.Plate)
		}
		if got := archive.NormPlate(" 粤b 12345 "); got != "粤B12345" {
			t.Errorf("NormPlate = %q", got)
		}
		n := countRows(t, f.DB, "vehicles", "")
		// "粤b 12345" is the plate A already has.
		_, err := s.SaveVehicle(ctx, agent, 0, archive.VehicleInput{HouseID: h, Plate: "粤b 12345"})
		wantErr(t, "duplicate plate written differently", err, errs.CodeConflict, "plate")
		for _, bad := range []string{"", "12345", "粤12345", "粤B1", "ABC12345"} {
			_, err := s.SaveVehicle(ctx, agent, 0, archive.VehicleInput{HouseID: h, Plate: bad})
			wantErr(t, "plate "+bad, err, errs.CodeInvalid, "plate")
		}
		_, err = s.SaveVehicle(ctx, agent, 0, archive.VehicleInput{HouseID: f.B.House.ID, Plate: "粤B77777"})
		wantErr(t, "car for B's house", err, errs.CodeForbidden, "")
		if got := countRows(t, f.DB, "vehicles", ""); got != n {
			t.Errorf("refused vehicles were written: %d", got-n)
		}
		v, err := s.SaveVehicle(ctx, agent, 0, archive.VehicleInput{HouseID: h, Plate: "京a·d1234", Color: "黑"})
		if err != nil || v.Plate != "京AD1234" || v.HouseCode != "3-2-1201" {
			t.Fatalf("new energy plate: %+v %v", v, err)
		}
		// Renaming a car onto a taken plate conflicts; B's identical plate
		// is another community's business.
		in := archive.VehicleInputOf(v)
		in.Plate = "粤B12345"
		_, err = s.SaveVehicle(ctx, agent, v.ID, in)
		wantErr(t, "rename onto a taken plate", err, errs.CodeConflict, "plate")
		if f.B.Vehicle.Plate != "粤B12345" {
			t.Errorf("B could not register the same plate")
		}
		// A removed car drops out of the current list.
		in = archive.VehicleInputOf(v)
		in.Removed = true
		if _, err := s.SaveVehicle(ctx, agent, v.ID, in); err != nil {
			t.Fatal(err)
		}
		vs, total, _ := s.Vehicles(ctx, agent, archive.PeopleFilter{HouseID: h, Current: true})
		if total != 1 || vs[0].ID != f.A.Vehicle.ID {
			t.Errorf("current vehicles: %d", total)
		}
		vs, total, _ = s.Vehicles(ctx, agent, archive.PeopleFilter{Q: "b12345", Current: true})
		if total != 1 || vs[0].ID != f.A.Vehicle.ID {
			t.Errorf("plate search in the list: %d", total)
		}
	})
}
