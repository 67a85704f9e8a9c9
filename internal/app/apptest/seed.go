package apptest

import (
	"net/http"
	"strconv"
	"strings"

	"wuye/internal/platform/auth"
)

// ExtraRecords are records of the modules beyond the archive, created in
// each fixture community through their own API by SeedExtra, so that
// the permission matrix can fill paths such as /api/v1/tickets/{id}.
// A module whose routes take a record id adds a line here.
var ExtraRecords = []struct {
	Segment string // the path segment before {id}: "tickets"
	Create  string // a POST route answering 201 {"id": …}
	Body    func(c *Community) map[string]any
	Then    []Step // follow-up calls on the new record
}{
	{"tickets", "/api/v1/tickets", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "house_id": c.House.ID, "kind": "repair",
			"title": "厨房水管漏水", "description": "测试工单", "requester_name": c.Owner.Name, "requester_phone": c.Owner.Phone}
	}, []Step{{"/api/v1/tickets/{id}/dispatch", map[string]any{"department": "工程部"}}}}, // the fixture's dept_staff is 工程部
}

// Step is a POST on a record just created; {id} in Path is its id.
type Step struct {
	Path string
	Body map[string]any
}

// SeedExtra creates ExtraRecords in A and B as the admin. A record whose
// create route is not wired (404/405) is skipped.
func (f *Fixture) SeedExtra() {
	f.T.Helper()
	admin := f.API(auth.RoleAdmin)
	for _, x := range ExtraRecords {
		for _, c := range []*Community{f.A, f.B} {
			r := admin.Post(x.Create, x.Body(c))
			if r.Code == http.StatusNotFound || r.Code == http.StatusMethodNotAllowed {
				continue
			}
			var out struct{ ID int64 }
			r.JSON(f.T, &out)
			if r.Code != http.StatusCreated || out.ID == 0 {
				f.T.Fatalf("seed %s: POST %s: %s", x.Segment, x.Create, r)
			}
			c.IDs[x.Segment] = out.ID
			for _, st := range x.Then {
				p := strings.ReplaceAll(st.Path, "{id}", strconv.FormatInt(out.ID, 10))
				if r := admin.Post(p, st.Body); r.Code >= 300 {
					f.T.Fatalf("seed %s: POST %s: %s", x.Segment, p, r)
				}
			}
		}
	}
}
