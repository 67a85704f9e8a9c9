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
	{"publications", "/api/v1/statement/publish", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "year": 2026}
	}, nil},
	// frontdesk (API contract of issue #5): a key, a parcel, a visitor,
	// a custody item, a notice, a duty-log entry.
	{"keys", "/api/v1/keys", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "label": "K-" + c.Community.Name, "class": "unit_door",
			"house_id": c.House.ID, "copies": 2}
	}, nil},
	{"parcels", "/api/v1/parcels", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "house_id": c.House.ID, "carrier": "顺丰", "tracking_number": "SF1234567890"}
	}, nil},
	{"visitors", "/api/v1/visitors", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "house_id": c.House.ID, "name": "访客甲", "phone": "13900001111", "purpose": "探亲"}
	}, nil},
	{"custody", "/api/v1/custody", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "house_id": c.House.ID, "description": "纸箱一个", "deposited_by": "快递员"}
	}, nil},
	{"notices", "/api/v1/notices", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "title": "停水通知", "body": "明日9:00-12:00停水",
			"starts_at": "2026-01-01T00:00:00+08:00", "ends_at": "2036-01-01T00:00:00+08:00"}
	}, nil},
	{"duty-log", "/api/v1/duty-log", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "shift": "day", "kind": "note", "summary": "交接班正常"}
	}, nil},
	// movein (issue #6): a campaign (it brings the standard document pack),
	// a batch with a slot, a pack document, a takeover inspection of the
	// building's common parts with a finding, a checklist item.
	{"campaigns", "/api/v1/movein/campaigns", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "name": "入伙计划", "starts_on": "2026-12-01", "ends_on": "2026-12-31"}
	}, nil},
	{"batches", "/api/v1/movein/batches", func(c *Community) map[string]any {
		return map[string]any{"campaign_id": c.IDs["campaigns"], "name": "第一批", "starts_on": "2026-12-05",
			"slots": []map[string]any{{"day": "2026-12-05", "from": "09:00", "to": "11:30", "capacity": 10}}}
	}, nil},
	{"documents", "/api/v1/movein/documents", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "name": "住宅使用说明书"}
	}, nil},
	{"takeover", "/api/v1/takeover", func(c *Community) map[string]any {
		return map[string]any{"building_id": c.Building.ID, "developer": "开发公司"}
	}, nil},
	{"takeover-findings", "/api/v1/takeover-findings", func(c *Community) map[string]any {
		return map[string]any{"inspection_id": c.IDs["takeover"], "item": "屋面防水", "description": "屋面渗水", "deadline": "2036-01-01"}
	}, nil},
	{"takeover-checklist", "/api/v1/takeover-checklist", func(c *Community) map[string]any {
		return map[string]any{"community_id": c.Community.ID, "house_use": "住宅", "name": "入户门开启灵活"}
	}, nil},
	// renovation (API contract of issue #6): an application.
	{"renovations", "/api/v1/renovations", func(c *Community) map[string]any {
		return map[string]any{"house_id": c.House.ID, "contractor": "矩阵装饰", "manager_name": "王工", "manager_phone": "13900002222",
			"area": "85.5", "starts_on": "2026-12-01", "ends_on": "2027-02-28"}
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
