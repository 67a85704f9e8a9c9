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
	// billing: a deposit item, a one-off charge of it paid with a surplus
	// to the prepaid balance, an (empty) bill run, an exemption, an expenditure.
	{"fee-items", "/api/v1/fee-items", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "name": "装修押金", "kind": "oneoff", "deposit": true, "unit_price": "3000"}
	}, nil},
	{"bills", "/api/v1/bills", func(c *Community) map[string]any {
		return map[string]any{"house_id": c.House.ID, "fee_item_id": c.IDs["fee-items"], "period": "2026-01"}
	}, nil},
	{"payments", "/api/v1/payments", func(c *Community) map[string]any {
		return map[string]any{"house_id": c.House.ID, "bill_ids": []int64{c.IDs["bills"]}, "amount_fen": 310000, "method": "cash"}
	}, nil},
	{"bill-runs", "/api/v1/bill-runs", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "period": "2026-01"}
	}, nil},
	{"exemptions", "/api/v1/exemptions", func(c *Community) map[string]any {
		return map[string]any{"house_id": c.House.ID, "from": "2026-01", "to": "2026-12", "reason": "矩阵减免"}
	}, nil},
	{"expenditures", "/api/v1/expenditures", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "spent_on": "2026-01-15", "category": "绿化养护", "amount_fen": 50000}
	}, nil},
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
