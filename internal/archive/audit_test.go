package archive_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
)

// TestEveryChangeWritesExactlyOneAuditEntry creates and then edits one
// record of every kind and checks the single entry each change leaves.
func TestEveryChangeWritesExactlyOneAuditEntry(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, admin, mgr := f.App.Archive, f.Users[auth.RoleAdmin], f.Users[auth.RoleCSManager]
		check := func(what string, by *auth.User, entity string, id int64, action string, communityID int64) {
			t.Helper()
			if n := auditRows(t, f.DB, entity, id); n != 1 && action == audit.ActionCreate {
				t.Errorf("%s: %d audit entries after create, want 1", what, n)
			}
			es, err := audit.History(ctx, f.DB, entity, id)
			if err != nil || len(es) == 0 {
				t.Fatalf("%s: no audit entry (%v)", what, err)
			}
			e := es[0]
			if e.Action != action || e.UserID != by.ID || e.UserName != by.Name || e.Entity != entity || e.EntityID != id || e.CommunityID != communityID {
				t.Errorf("%s: entry %+v; want %s by %d of %s %d in community %d", what, e, action, by.ID, entity, id, communityID)
			}
			if action == audit.ActionCreate && (string(e.Before) != "null" || !strings.Contains(string(e.After), fmt.Sprintf(`"id":%d`, id))) {
				t.Errorf("%s: create entry before=%s after=%s", what, e.Before, e.After)
			}
		}
		edited := func(what, entity string, id int64, change func() error, by *auth.User, communityID int64) {
			t.Helper()
			n := auditRows(t, f.DB, entity, id)
			if err := change(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if got := auditRows(t, f.DB, entity, id); got != n+1 {
				t.Errorf("%s: %d audit entries, want exactly 1", what, got-n)
			}
			check(what, by, entity, id, audit.ActionUpdate, communityID)
		}

		c, err := s.CreateCommunity(ctx, admin, archive.CommunityInput{Name: "丙苑" + f.Suffix})
		if err != nil {
			t.Fatal(err)
		}
		check("community", admin, "community", c.ID, audit.ActionCreate, c.ID)
		edited("community edit", "community", c.ID, func() error {
			_, err := s.UpdateCommunity(ctx, admin, c.ID, archive.CommunityInput{Name: c.Name, Phone: "0755-26881234"})
			return err
		}, admin, c.ID)

		a := f.A.Community.ID
		b, err := s.CreateBuilding(ctx, mgr, archive.BuildingInput{CommunityID: a, Name: "8"})
		if err != nil {
			t.Fatal(err)
		}
		check("building", mgr, "building", b.ID, audit.ActionCreate, a)
		u, err := s.CreateUnit(ctx, mgr, archive.UnitInput{BuildingID: b.ID, Name: "1"})
		if err != nil {
			t.Fatal(err)
		}
		check("unit", mgr, "unit", u.ID, audit.ActionCreate, a)
		h, err := s.CreateHouse(ctx, mgr, archive.HouseInput{UnitID: u.ID, Number: "101", GrossArea: "50"})
		if err != nil {
			t.Fatal(err)
		}
		check("house", mgr, "house", h.ID, audit.ActionCreate, a)
		edited("house edit", "house", h.ID, func() error {
			in := archive.HouseInputOf(h)
			in.Status = "出租"
			_, err := s.UpdateHouse(ctx, mgr, h.ID, in)
			return err
		}, mgr, a)
		o, err := s.CreateOwner(ctx, mgr, archive.OwnerInput{CommunityID: a, Name: "审计业主", IDNumber: apptest.IDNumber()})
		if err != nil {
			t.Fatal(err)
		}
		check("owner", mgr, "owner", o.ID, audit.ActionCreate, a)
		edited("owner edit", "owner", o.ID, func() error {
			in := archive.OwnerInputOf(o)
			in.Phone = apptest.Phone()
			_, err := s.UpdateOwner(ctx, mgr, o.ID, in)
			return err
		}, mgr, a)
		edited("owner linked to the house", "house", h.ID, func() error {
			_, err := s.AddHouseOwner(ctx, mgr, h.ID, archive.ShareInput{OwnerID: o.ID})
			return err
		}, mgr, a)
		r, err := s.SaveResident(ctx, mgr, 0, archive.ResidentInput{HouseID: h.ID, Name: "审计住户"})
		if err != nil {
			t.Fatal(err)
		}
		check("resident", mgr, "resident", r.ID, audit.ActionCreate, a)
		edited("resident edit", "resident", r.ID, func() error {
			in := archive.ResidentInputOf(r)
			in.Relation = "父母"
			_, err := s.SaveResident(ctx, mgr, r.ID, in)
			return err
		}, mgr, a)
		v, err := s.SaveVehicle(ctx, mgr, 0, archive.VehicleInput{HouseID: h.ID, Plate: "粤B6A" + fmt.Sprint(100+apptest.RandInt(899))})
		if err != nil {
			t.Fatal(err)
		}
		check("vehicle", mgr, "vehicle", v.ID, audit.ActionCreate, a)
		edited("vehicle edit", "vehicle", v.ID, func() error {
			in := archive.VehicleInputOf(v)
			in.Color = "红"
			_, err := s.SaveVehicle(ctx, mgr, v.ID, in)
			return err
		}, mgr, a)
	})
}

type auditItem struct {
	ID       int64           `json:"id"`
	Action   string          `json:"action"`
	UserID   int64           `json:"user_id"`
	At       string          `json:"at"`
	Entity   string          `json:"entity"`
	EntityID int64           `json:"entity_id"`
	Before   json.RawMessage `json:"before"`
	After    json.RawMessage `json:"after"`
}

func TestAuditAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		// The house was created by admin, then cs_agent changes its area.
		agent := f.API(auth.RoleCSAgent)
		r := agent.Do("PATCH", fmt.Sprintf("/api/v1/houses/%d", f.A.House.ID), map[string]any{"gross_area": "95.00"})
		if r.Code != 200 {
			t.Fatalf("patch: %s", r)
		}
		get := func(c *apptest.Client, entity string, id int64) []auditItem {
			t.Helper()
			r := c.Get(fmt.Sprintf("/api/v1/audit?entity=%s&entity_id=%d", entity, id))
			if r.Code != 200 {
				t.Fatalf("audit: %s", r)
			}
			var out struct {
				Items []auditItem
				Total int
			}
			r.JSON(t, &out)
			if out.Total != len(out.Items) {
				t.Errorf("total %d for %d items", out.Total, len(out.Items))
			}
			return out.Items
		}
		items := get(f.API(auth.RoleDirector), "house", f.A.House.ID)
		if len(items) < 2 {
			t.Fatalf("house history: %+v", items)
		}
		upd := items[0]
		if upd.Action != "update" || upd.UserID != f.Users[auth.RoleCSAgent].ID || upd.At == "" || upd.Entity != "house" || upd.EntityID != f.A.House.ID {
			t.Errorf("latest entry: %+v", upd)
		}
		if !strings.Contains(string(upd.Before), `"gross_area":"89.50"`) || !strings.Contains(string(upd.After), `"gross_area":"95.00"`) {
			t.Errorf("before %s after %s", upd.Before, upd.After)
		}
		if last := items[len(items)-1]; last.Action != "create" || last.UserID != f.Users[auth.RoleAdmin].ID {
			t.Errorf("first entry: %+v", last)
		}

		// ID numbers: plain for the director, masked for the auditor.
		id := f.A.Owner.IDNumber
		masked := auth.MaskID(id)
		dir := get(f.API(auth.RoleDirector), "owner", f.A.Owner.ID)
		aud := get(f.API(auth.RoleAuditor), "owner", f.A.Owner.ID)
		if len(dir) != 1 || !strings.Contains(string(dir[0].After), id) {
			t.Errorf("director's view: %+v", dir)
		}
		if len(aud) != 1 || strings.Contains(string(aud[0].After), id) || !strings.Contains(string(aud[0].After), masked) {
			t.Errorf("auditor's view is not masked: %+v", aud)
		}
		// An auditor of A sees nothing of B.
		if items := get(f.API(auth.RoleAuditor), "house", f.B.House.ID); len(items) != 0 {
			t.Errorf("auditor of A sees B's history: %+v", items)
		}
		r = f.API(auth.RoleAuditor).Get("/api/v1/audit?per_page=500")
		for _, m := range f.Markers() {
			if strings.Contains(string(r.Body), m) {
				t.Errorf("auditor of A sees %q of B in the audit log", m)
			}
		}

		// The audit log is not for agents, cashiers or department staff.
		for _, role := range []auth.Role{auth.RoleCSAgent, auth.RoleCSManager, auth.RoleCashier, auth.RoleDeptStaff} {
			if r := f.API(role).Get("/api/v1/audit"); r.Code != 403 || r.Error(t).Code != "forbidden" {
				t.Errorf("%s GET /api/v1/audit: %s", role, r)
			}
			if r := f.Browser(role).Get("/audit"); r.Code != 403 {
				t.Errorf("%s GET /audit: %d", role, r.Code)
			}
		}
		for _, role := range []auth.Role{auth.RoleAuditor, auth.RoleDirector, auth.RoleAdmin} {
			if r := f.Browser(role).Get("/audit?entity=house"); r.Code != 200 {
				t.Errorf("%s GET /audit: %d", role, r.Code)
			}
		}
		// Bad filters are a 4xx, never a 500.
		for _, q := range []string{"entity_id=abc", "from=yesterday", "user_id=-1"} {
			if r := f.API(auth.RoleDirector).Get("/api/v1/audit?" + q); r.Code != 422 {
				t.Errorf("audit ?%s: %s", q, r)
			}
		}
	})
}

func TestIDNumbersAreMaskedForAgents(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		id := f.A.Owner.IDNumber
		path := fmt.Sprintf("/api/v1/owners/%d", f.A.Owner.ID)
		if body := string(f.API(auth.RoleCSAgent).Get(path).Body); strings.Contains(body, id) || !strings.Contains(body, auth.MaskID(id)) {
			t.Errorf("agent sees the ID number: %s", body)
		}
		if body := string(f.API(auth.RoleDirector).Get(path).Body); !strings.Contains(body, id) {
			t.Errorf("director does not see the ID number: %s", body)
		}
		// An agent who saves the owner back (echoing the mask) keeps the number.
		r := f.API(auth.RoleCSAgent).Do("PATCH", path, map[string]any{"id_number": auth.MaskID(id), "notes": "改备注"})
		if r.Code != 200 {
			t.Fatalf("patch: %s", r)
		}
		o, _ := f.App.Archive.Owner(ctx, f.Users[auth.RoleAdmin], f.A.Owner.ID)
		if o.IDNumber != id || o.Notes != "改备注" {
			t.Errorf("after the agent's save: %q %q", o.IDNumber, o.Notes)
		}
		// The owner's page, history panel included, masks it for the agent.
		page := fmt.Sprintf("/owners/%d", f.A.Owner.ID)
		if r := f.Browser(auth.RoleCSAgent).Get(page); r.Code != 200 || strings.Contains(string(r.Body), id) {
			t.Errorf("agent's owner page: %d, shows the ID number: %v", r.Code, strings.Contains(string(r.Body), id))
		}
		if r := f.Browser(auth.RoleDirector).Get(page); r.Code != 200 || !strings.Contains(string(r.Body), id) {
			t.Errorf("director's owner page: %d, shows the ID number: %v", r.Code, strings.Contains(string(r.Body), id))
		}
		// The resident's number too.
		rp := fmt.Sprintf("/api/v1/residents/%d", f.A.Resident.ID)
		if body := string(f.API(auth.RoleCSAgent).Get(rp).Body); strings.Contains(body, f.A.Resident.IDNumber) {
			t.Errorf("agent sees the resident's ID number: %s", body)
		}
		if body := string(f.API(auth.RoleCSAgent).Get(fmt.Sprintf("/api/v1/owners?community_id=%d", f.A.Community.ID)).Body); strings.Contains(body, id) {
			t.Errorf("owner list shows the ID number to an agent")
		}
	})
}
