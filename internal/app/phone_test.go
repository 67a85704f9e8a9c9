package app_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
)

// Phones are masked (138****5678) for a role without phone.view — the
// auditor reads and exports for audit and only needs to see that a phone
// is on file — and whole for the roles that call people.

// recordPhones gives community A a phone in every place one is kept
// (owner, second phone, resident, ticket requester, visitor, parcel
// recipient, key borrower, custody depositor, duty-log caller,
// renovation manager and worker) and returns them by who they are.
func recordPhones(t *testing.T, f *apptest.Fixture) map[string]string {
	t.Helper()
	f.SeedExtra()
	a := f.A
	phones := map[string]string{"业主": a.Owner.Phone, "住户": a.Resident.Phone,
		"访客": "13900001111", "装修负责人": "13900002222"} // SeedExtra's
	admin := f.API(auth.RoleAdmin)
	add := func(who, method, path string, body map[string]any, field string) {
		t.Helper()
		p := apptest.Phone()
		body[field] = p
		if r := admin.Do(method, path, body); r.Code >= 300 {
			t.Fatalf("record %s's phone: %s %s: %s", who, method, path, r)
		}
		phones[who] = p
	}
	add("业主备用电话", "PATCH", fmt.Sprintf("/api/v1/owners/%d", a.Owner.ID), map[string]any{}, "phone2")
	add("收件人", "POST", "/api/v1/parcels", map[string]any{"community_id": a.Community.ID, "house_id": a.House.ID,
		"carrier": "顺丰", "tracking_number": "SF" + apptest.Rand(5), "recipient_name": "张三"}, "recipient_phone")
	add("借钥匙人", "POST", fmt.Sprintf("/api/v1/keys/%d/borrow", a.IDs["keys"]), map[string]any{"borrower_name": "王师傅",
		"purpose": "水泵房例行巡检", "expected_return": time.Now().AddDate(0, 0, 2).Format(time.RFC3339)}, "borrower_phone")
	add("寄存人", "POST", "/api/v1/custody", map[string]any{"community_id": a.Community.ID, "house_id": a.House.ID,
		"description": "纸箱一个", "deposited_by": "快递员"}, "deposited_phone")
	add("来电人", "POST", "/api/v1/duty-log", map[string]any{"community_id": a.Community.ID, "shift": "day", "kind": "call",
		"summary": "业主来电询问停水时间", "caller_name": "张先生", "no_ticket_reason": "咨询已答复"}, "caller_phone")
	add("施工人员", "POST", fmt.Sprintf("/api/v1/renovations/%d/workers", a.IDs["renovations"]),
		map[string]any{"name": "张师傅", "trade": "油漆工"}, "phone")
	return phones
}

// text is a response body as a reader sees it: a workbook's sheets and
// shared strings unzipped, anything else as it is.
func text(t *testing.T, body []byte) string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("PK\x03\x04")) {
		return string(body)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("workbook: %v", err)
	}
	var b strings.Builder
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatalf("workbook %s: %v", zf.Name, err)
		}
		io.Copy(&b, rc)
		rc.Close()
	}
	return b.String()
}

// TestNoRouteShowsTheAuditorAWholePhone walks every GET route the
// auditor may use (pages, prints, exports, API, the audit log; read from
// the router, so a route added tomorrow is walked tomorrow) on community
// A's records: none shows a whole phone, and every phone is shown masked
// somewhere, so the walk did reach it.
func TestNoRouteShowsTheAuditorAWholePhone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		phones := recordPhones(t, f)
		page, api := f.Browser(auth.RoleAuditor), f.API(auth.RoleAuditor)
		masked := map[string]bool{}
		requests := 0
		for _, r := range f.App.Router.Routes() {
			if r.Method != "GET" || r.Perm == "" || !auth.RoleHas(auth.RoleAuditor, r.Perm) {
				continue
			}
			path, _, err := fill(r.Path, ids(f, f.A))
			if err != nil {
				continue // TestPermissionMatrix reports it
			}
			cl := page
			if strings.HasPrefix(path, "/api/") {
				cl = api
			}
			for _, p := range []string{path, fmt.Sprintf("%s?community_id=%d", path, f.A.Community.ID)} {
				res := cl.Get(p)
				requests++
				body := text(t, res.Body)
				for who, phone := range phones {
					if strings.Contains(body, phone) {
						t.Errorf("GET %s (%d) shows the auditor %s's whole phone %s", p, res.Code, who, phone)
					}
					if strings.Contains(body, auth.MaskPhone(phone)) {
						masked[who] = true
					}
				}
			}
		}
		for who, phone := range phones {
			if !masked[who] {
				t.Errorf("no route shows the auditor %s's phone as %s: the walk misses where it is shown", who, auth.MaskPhone(phone))
			}
		}
		t.Logf("%d requests", requests)
	})
}

// TestPhonesAreWholeForStaffWhoCallAndMaskedForTheAuditor checks the
// places a phone is read most, for a 客服助理 (or the director, for the
// audit log) and for the auditor, including the header search, which
// finds a person by their phone for both.
func TestPhonesAreWholeForStaffWhoCallAndMaskedForTheAuditor(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		phones := recordPhones(t, f)
		a := f.A
		owner, ticket := phones["业主"], a.IDs["tickets"]
		cases := []struct {
			caller auth.Role // who sees it whole
			path   string
			who    []string
		}{
			{auth.RoleCSAgent, fmt.Sprintf("/owners?community_id=%d", a.Community.ID), []string{"业主", "业主备用电话"}},
			{auth.RoleCSAgent, fmt.Sprintf("/owners/%d", a.Owner.ID), []string{"业主", "业主备用电话"}},
			{auth.RoleCSAgent, fmt.Sprintf("/houses/%d", a.House.ID), []string{"业主", "住户"}},
			{auth.RoleCSAgent, fmt.Sprintf("/houses/%d/print", a.House.ID), []string{"业主", "住户"}},
			{auth.RoleCSAgent, fmt.Sprintf("/owners/export.xlsx?community_id=%d", a.Community.ID), []string{"业主", "业主备用电话"}},
			{auth.RoleCSAgent, fmt.Sprintf("/api/v1/owners/%d", a.Owner.ID), []string{"业主", "业主备用电话"}},
			{auth.RoleCSAgent, "/tickets", []string{"业主"}},
			{auth.RoleCSAgent, fmt.Sprintf("/tickets/%d", ticket), []string{"业主"}},
			{auth.RoleCSAgent, "/tickets/export.xlsx", []string{"业主"}},
			{auth.RoleCSAgent, fmt.Sprintf("/api/v1/tickets/%d", ticket), []string{"业主"}},
			{auth.RoleCSAgent, "/desk/visitors", []string{"访客"}},
			{auth.RoleCSAgent, "/api/v1/visitors/export.xlsx", []string{"访客"}},
			{auth.RoleCSAgent, "/desk/keys", []string{"借钥匙人"}},
			{auth.RoleCSAgent, fmt.Sprintf("/renovations/%d", a.IDs["renovations"]), []string{"装修负责人", "施工人员"}},
			{auth.RoleDirector, fmt.Sprintf("/audit?entity=owner&entity_id=%d", a.Owner.ID), []string{"业主", "业主备用电话"}},
			{auth.RoleDirector, fmt.Sprintf("/api/v1/audit?entity=owner&entity_id=%d", a.Owner.ID), []string{"业主", "业主备用电话"}},
			// The header search finds a person by a whole phone or its
			// last four digits (the page repeats the query: not a whole one).
			{auth.RoleCSAgent, "/search?list=1&q=" + owner[len(owner)-4:], []string{"业主"}},
			{auth.RoleCSAgent, "/api/v1/search?q=" + owner, []string{"业主"}},
		}
		for _, c := range cases {
			for _, role := range []auth.Role{c.caller, auth.RoleAuditor} {
				cl := f.Browser(role)
				if strings.HasPrefix(c.path, "/api/") {
					cl = f.API(role)
				}
				res := cl.Get(c.path)
				if res.Code != 200 {
					t.Errorf("GET %s as %s: %s", c.path, role, res)
					continue
				}
				body := text(t, res.Body)
				if strings.Contains(c.path, "search") && !strings.Contains(body, fmt.Sprintf("/owners/%d", a.Owner.ID)) {
					t.Errorf("GET %s as %s does not find the owner", c.path, role)
				}
				for _, who := range c.who {
					whole, masked := phones[who], auth.MaskPhone(phones[who])
					switch {
					case role == auth.RoleAuditor && strings.Contains(body, whole):
						t.Errorf("GET %s shows the auditor %s's whole phone", c.path, who)
					case role == auth.RoleAuditor && !strings.Contains(body, masked):
						t.Errorf("GET %s does not show the auditor %s's phone as %s", c.path, who, masked)
					case role != auth.RoleAuditor && !strings.Contains(body, whole):
						t.Errorf("GET %s does not show %s %s's whole phone %s", c.path, role, who, whole)
					}
				}
			}
		}
	})
}
