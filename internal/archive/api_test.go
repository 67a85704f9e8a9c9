package archive_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
)

// TestAPIContract walks the acceptance check's path through the API:
// log in, build a community down to a house, add an owner, read it back.
func TestAPIContract(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		r := f.Anon().Post("/api/v1/login", map[string]string{"login": f.Users[auth.RoleAdmin].Login, "password": apptest.Password})
		if r.Code != 200 {
			t.Fatalf("login: %s", r)
		}
		var login struct {
			Token string
			User  struct {
				ID   int64
				Role string
			}
		}
		r.JSON(t, &login)
		if login.Token == "" || login.User.ID != f.Users[auth.RoleAdmin].ID || login.User.Role != "admin" {
			t.Fatalf("login body: %s", r)
		}
		c := f.API(auth.RoleAdmin)
		created := func(path string, body any) map[string]any {
			t.Helper()
			r := c.Post(path, body)
			if r.Code != http.StatusCreated {
				t.Fatalf("POST %s: %s", path, r)
			}
			m := r.Map(t)
			if id, _ := m["id"].(float64); id <= 0 {
				t.Fatalf("POST %s: no id in %s", path, r)
			}
			return m
		}
		id := func(m map[string]any) int64 { return int64(m["id"].(float64)) }

		com := created("/api/v1/communities", map[string]any{"name": "接口苑" + f.Suffix, "address": "深圳市南山区科技路1号", "type": "住宅"})
		if com["name"] != "接口苑"+f.Suffix || com["address"] != "深圳市南山区科技路1号" || com["type"] != "住宅" {
			t.Errorf("community: %v", com)
		}
		b := created("/api/v1/buildings", map[string]any{"community_id": id(com), "name": "3"})
		u := created("/api/v1/units", map[string]any{"building_id": id(b), "name": "2"})
		h := created("/api/v1/houses", map[string]any{"unit_id": id(u), "number": "1201", "floor": 12,
			"gross_area": "89.50", "inner_area": "75.20", "use": "住宅", "status": "自住"})
		if h["code"] != "3-2-1201" || h["gross_area"] != "89.50" || h["inner_area"] != "75.20" || int64(h["community_id"].(float64)) != id(com) {
			t.Errorf("house: %v", h)
		}
		// Areas may come as JSON numbers, enums as English words.
		h2 := created("/api/v1/houses", map[string]any{"unit_id": id(u), "number": "1202", "floor": 12,
			"gross_area": 89.5, "inner_area": 75.2, "use": "residential", "status": "vacant"})
		if h2["gross_area"] != "89.50" || h2["inner_area"] != "75.20" || h2["use"] != "住宅" || h2["status"] != "空置" {
			t.Errorf("house with numbers: %v", h2)
		}
		phone := apptest.Phone()
		o := created("/api/v1/owners", map[string]any{"community_id": id(com), "name": "张三", "phone": phone,
			"id_number": apptest.IDNumber(), "category": "普通"})
		link := created(fmt.Sprintf("/api/v1/houses/%d/owners", id(h)), map[string]any{"owner_id": id(o), "share": "100"})
		if id(link) != id(o) || link["link_id"] == nil {
			t.Errorf("link: %v", link)
		}

		r = c.Get(fmt.Sprintf("/api/v1/houses/%d", id(h)))
		var house struct {
			ID          int64
			Code        string
			CommunityID int64 `json:"community_id"`
			Owners      []struct {
				ID      int64  `json:"id"`
				LinkID  int64  `json:"link_id"`
				OwnerID int64  `json:"owner_id"`
				Name    string `json:"name"`
				Phone   string `json:"phone"`
				Share   string `json:"share"`
			}
		}
		r.JSON(t, &house)
		if r.Code != 200 || house.Code != "3-2-1201" || house.CommunityID != id(com) || len(house.Owners) != 1 {
			t.Fatalf("GET house: %s", r)
		}
		if ow := house.Owners[0]; ow.ID != id(o) || ow.OwnerID != id(o) || ow.LinkID <= 0 || ow.Name != "张三" || ow.Phone != phone || ow.Share != "100.00" {
			t.Errorf("owner of the house: %+v", ow)
		}

		r = c.Get(fmt.Sprintf("/api/v1/houses?community_id=%d&q=1201", id(com)))
		var list struct {
			Items []struct{ ID int64 }
			Total int
		}
		r.JSON(t, &list)
		if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != id(h) {
			t.Errorf("house list: %s", r)
		}
		r = c.Get(fmt.Sprintf("/api/v1/houses?community_id=%d&per_page=1&page=2", id(com)))
		r.JSON(t, &list)
		if list.Total != 2 || len(list.Items) != 1 || list.Items[0].ID != id(h2) {
			t.Errorf("second page: %s", r)
		}
		r = c.Get(fmt.Sprintf("/api/v1/communities/%d/structure", id(com)))
		if r.Code != 200 || !strings.Contains(string(r.Body), `"units":[{`) {
			t.Errorf("structure: %s", r)
		}

		// Update answers 200 with the whole record; PATCH keeps what is not sent.
		r = c.Do("PATCH", fmt.Sprintf("/api/v1/houses/%d", id(h)), map[string]any{"status": "出租"})
		if m := r.Map(t); r.Code != 200 || m["status"] != "出租" || m["gross_area"] != "89.50" || m["code"] != "3-2-1201" {
			t.Errorf("PATCH house: %s", r)
		}
	})
}

func TestAPIBadInputIs4xxAndWritesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		c := f.API(auth.RoleCSManager)
		unit := f.A.Unit.ID
		houses := countRows(t, f.DB, "houses", "")
		audits := countRows(t, f.DB, "audit_log", "")
		tests := []struct {
			name, method, path string
			body               any
			status             int
			code, field        string
		}{
			{"area not a number", "POST", "/api/v1/houses", map[string]any{"unit_id": unit, "number": "1801", "gross_area": "abc"}, 422, "invalid", "gross_area"},
			{"area with 3 decimals", "POST", "/api/v1/houses", map[string]any{"unit_id": unit, "number": "1801", "gross_area": 89.505}, 422, "invalid", "gross_area"},
			{"negative area", "POST", "/api/v1/houses", map[string]any{"unit_id": unit, "number": "1801", "gross_area": -1}, 422, "invalid", "gross_area"},
			{"inner above gross", "POST", "/api/v1/houses", map[string]any{"unit_id": unit, "number": "1801", "gross_area": "80", "inner_area": "81"}, 422, "invalid", "inner_area"},
			{"unknown unit", "POST", "/api/v1/houses", map[string]any{"unit_id": 987654321, "number": "1801", "gross_area": "80"}, 422, "invalid", "unit_id"},
			{"unit_id of the wrong type", "POST", "/api/v1/houses", `{"unit_id":"three","number":"1801","gross_area":"80"}`, 422, "invalid", "unit_id"},
			{"duplicate number", "POST", "/api/v1/houses", map[string]any{"unit_id": unit, "number": "1201", "gross_area": "80"}, 409, "conflict", "number"},
			{"malformed JSON", "POST", "/api/v1/houses", `{"unit_id": 1,`, 422, "invalid", ""},
			{"empty body", "POST", "/api/v1/houses", nil, 422, "invalid", ""},
			{"owner without name", "POST", "/api/v1/owners", map[string]any{"community_id": f.A.Community.ID, "phone": "13800001111"}, 422, "invalid", "name"},
			{"owner with a bad phone", "POST", "/api/v1/owners", map[string]any{"community_id": f.A.Community.ID, "name": "王五", "phone": "12"}, 422, "invalid", "phone"},
			{"share above 100", "POST", fmt.Sprintf("/api/v1/houses/%d/owners", f.A.House.ID), map[string]any{"owner_id": f.A.Owner.ID, "share": 150}, 422, "invalid", "share"},
			{"house in B", "POST", "/api/v1/houses", map[string]any{"unit_id": f.B.Unit.ID, "number": "1801", "gross_area": "80"}, 403, "forbidden", ""},
			{"edit B's house", "PUT", fmt.Sprintf("/api/v1/houses/%d", f.B.House.ID), map[string]any{"gross_area": "1"}, 403, "forbidden", ""},
			{"bad area on update", "PATCH", fmt.Sprintf("/api/v1/houses/%d", f.A.House.ID), map[string]any{"gross_area": "八十"}, 422, "invalid", "gross_area"},
			{"bad query id", "GET", "/api/v1/houses?community_id=abc", nil, 422, "invalid", "community_id"},
			{"bad path id", "GET", "/api/v1/houses/abc", nil, 404, "not_found", ""},
			{"missing house", "GET", "/api/v1/houses/987654321", nil, 404, "not_found", ""},
			{"community admin only", "POST", "/api/v1/communities", map[string]any{"name": "越权苑"}, 403, "forbidden", ""},
		}
		for _, tt := range tests {
			r := c.Do(tt.method, tt.path, tt.body)
			if r.Code != tt.status {
				t.Errorf("%s: %s, want %d", tt.name, r, tt.status)
				continue
			}
			if e := r.Error(t); e.Code != tt.code || e.Field != tt.field || e.Message == "" {
				t.Errorf("%s: error %+v, want %s on %q", tt.name, e, tt.code, tt.field)
			}
		}
		if got := countRows(t, f.DB, "houses", ""); got != houses {
			t.Errorf("refused requests wrote %d houses", got-houses)
		}
		if got := countRows(t, f.DB, "audit_log", ""); got != audits {
			t.Errorf("refused requests wrote %d audit entries", got-audits)
		}
		if h, _ := f.App.Archive.House(ctx, f.Users[auth.RoleAdmin], f.B.House.ID); h.GrossArea != "89.50" {
			t.Errorf("B's house was changed: %+v", h)
		}
	})
}

func TestAPIAuthentication(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		path := fmt.Sprintf("/api/v1/houses/%d", f.A.House.ID)
		forged := f.Anon()
		forged.Token = "forged-token"
		for name, c := range map[string]*apptest.Client{"no token": f.Anon(), "bad token": forged} {
			r := c.Get(path)
			if r.Code != 401 || r.Error(t).Code != "unauthorized" {
				t.Errorf("%s: %s", name, r)
			}
		}
		// A browser's own calls to the API carry its session cookie.
		if r := f.Browser(auth.RoleCSAgent).Get(path); r.Code != 200 {
			t.Errorf("browser session on the API: %s", r)
		}
		// Foreign community records are refused, not revealed.
		c := f.API(auth.RoleCSAgent)
		for _, p := range []string{
			fmt.Sprintf("/api/v1/houses/%d", f.B.House.ID),
			fmt.Sprintf("/api/v1/owners/%d", f.B.Owner.ID),
			fmt.Sprintf("/api/v1/residents/%d", f.B.Resident.ID),
			fmt.Sprintf("/api/v1/vehicles/%d", f.B.Vehicle.ID),
			fmt.Sprintf("/api/v1/communities/%d", f.B.Community.ID),
			fmt.Sprintf("/api/v1/buildings/%d", f.B.Building.ID),
			fmt.Sprintf("/api/v1/units/%d", f.B.Unit.ID),
			fmt.Sprintf("/api/v1/houses?community_id=%d", f.B.Community.ID),
			fmt.Sprintf("/api/v1/owners?community_id=%d", f.B.Community.ID),
		} {
			r := c.Get(p)
			if r.Code != 403 && r.Code != 404 {
				t.Errorf("GET %s by A's agent: %s", p, r)
			}
			for _, m := range f.Markers() {
				if strings.Contains(string(r.Body), m) {
					t.Errorf("GET %s leaks %q", p, m)
				}
			}
		}
	})
}
