package frontdesk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
)

// visitor registers a visitor of community A's house through the API.
func (x *pvFixture) visitor(role auth.Role, extra map[string]any) *frontdesk.Visitor {
	x.t.Helper()
	body := map[string]any{"community_id": x.A.Community.ID, "house_id": x.A.House.ID, "name": "王五", "phone": "13800138000",
		"purpose": "探亲访友"}
	for k, v := range extra {
		body[k] = v
	}
	var v frontdesk.Visitor
	x.do(role, "POST", "/api/v1/visitors", body, http.StatusCreated).JSON(x.t, &v)
	return &v
}

type visitorList struct {
	Items []frontdesk.Visitor `json:"items"`
	Total int                 `json:"total"`
}

func (x *pvFixture) visitors(role auth.Role, query string) visitorList {
	x.t.Helper()
	var out visitorList
	x.do(role, "GET", "/api/v1/visitors?"+query, nil, http.StatusOK).JSON(x.t, &out)
	return out
}

func TestVisitorChecksInAndOutOnce(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		id := apptest.IDNumber()
		v := x.visitor(auth.RoleCSAgent, map[string]any{"id_type": "身份证", "id_number": id, "people": 3, "plate": "粤b 12345"})
		if v.Status != frontdesk.VisitorOnSite || v.CheckedInAt == nil || !v.CheckedInAt.Equal(x.clk.Now()) || v.People != 3 ||
			v.Plate != "粤B12345" || v.HouseCode != "3-2-1201" || v.IDNumber != auth.MaskID(id) {
			t.Fatalf("registered %+v", v)
		}
		// The number is kept whole; only idnumber.view shows it.
		var got frontdesk.Visitor
		x.do(auth.RoleDirector, "GET", fmt.Sprintf("/api/v1/visitors/%d", v.ID), nil, http.StatusOK).JSON(t, &got)
		if got.IDNumber != id {
			t.Errorf("director sees %q", got.IDNumber)
		}
		if l := x.visitors(auth.RoleCashier, fmt.Sprintf("community_id=%d&view=onsite", x.A.Community.ID)); l.Total != 1 ||
			l.Items[0].IDNumber != auth.MaskID(id) {
			t.Errorf("on site %+v", l)
		}
		x.clk.Add(90 * time.Minute)
		path := fmt.Sprintf("/api/v1/visitors/%d/checkout", v.ID)
		x.do(auth.RoleCashier, "POST", path, nil, http.StatusOK).JSON(t, &got)
		if got.Status != frontdesk.VisitorLeft || got.CheckedOutAt == nil || !got.CheckedOutAt.Equal(x.clk.Now()) {
			t.Errorf("checked out %+v", got)
		}
		e := wantError(t, x.API(auth.RoleCSAgent).Post(path, nil), http.StatusConflict, "conflict", "")
		if !strings.Contains(e.Message, "已于") {
			t.Errorf("second checkout: %q", e.Message)
		}
		if l := x.visitors(auth.RoleCashier, fmt.Sprintf("community_id=%d&view=onsite", x.A.Community.ID)); l.Total != 0 {
			t.Errorf("still on site: %+v", l)
		}
		if l := x.visitors(auth.RoleCashier, fmt.Sprintf("community_id=%d&view=today", x.A.Community.ID)); l.Total != 1 {
			t.Errorf("today: %+v", l)
		}
		// Two desks checking out one visitor at once: one wins.
		w := x.visitor(auth.RoleCSAgent, nil)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := x.App.Desk.StepVisitor(context.Background(), x.Users[auth.RoleCSAgent], w.ID, frontdesk.VisitorCheckOut); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("%d concurrent checkouts succeeded", ok)
		}
	})
}

func TestPreRegisteredVisitorIsCheckedIn(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		at := x.clk.Now().Add(3 * time.Hour)
		v := x.visitor(auth.RoleCSAgent, map[string]any{"expected_at": at.Format(time.RFC3339), "source": "portal"})
		if v.Status != frontdesk.VisitorExpected || v.CheckedInAt != nil || v.ExpectedAt == nil || !v.ExpectedAt.Equal(at) ||
			v.Source != "portal" {
			t.Fatalf("pre-registered %+v", v)
		}
		a := x.A.Community.ID
		if l := x.visitors(auth.RoleCSAgent, fmt.Sprintf("community_id=%d&view=expected", a)); l.Total != 1 {
			t.Errorf("expected list %+v", l)
		}
		path := fmt.Sprintf("/api/v1/visitors/%d", v.ID)
		wantError(t, x.API(auth.RoleCSAgent).Post(path+"/checkout", nil), http.StatusConflict, "conflict", "")
		x.clk.Add(2 * time.Hour)
		var got frontdesk.Visitor
		x.do(auth.RoleCSAgent, "POST", path+"/checkin", nil, http.StatusOK).JSON(t, &got)
		if got.Status != frontdesk.VisitorOnSite || got.CheckedInAt == nil || !got.CheckedInAt.Equal(x.clk.Now()) || !got.VisitAt.Equal(x.clk.Now()) {
			t.Errorf("checked in %+v", got)
		}
		wantError(t, x.API(auth.RoleCSAgent).Post(path+"/checkin", nil), http.StatusConflict, "conflict", "")
		x.do(auth.RoleCSAgent, "POST", path+"/checkout", nil, http.StatusOK)
		// A pre-registration may be cancelled, once.
		c := x.visitor(auth.RoleCSAgent, map[string]any{"expected_at": x.clk.Now().Add(24 * time.Hour).Format(time.RFC3339)})
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/visitors/%d/cancel", c.ID), nil, http.StatusOK)
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/visitors/%d/checkin", c.ID), nil, http.StatusConflict)
	})
}

func TestVisitorValidationIsChineseAndPerField(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		a, h := x.A.Community.ID, x.A.House.ID
		now := x.clk.Now()
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"house_id": h, "name": "王五", "phone": "13800138000", "purpose": "探亲"}, "community_id"},
			{map[string]any{"community_id": a, "name": "王五", "phone": "13800138000", "purpose": "探亲"}, "house_id"},
			{map[string]any{"community_id": a, "house_id": x.B.House.ID, "name": "王五", "phone": "13800138000", "purpose": "探亲"}, "house_id"},
			{map[string]any{"community_id": a, "house_id": h, "phone": "13800138000", "purpose": "探亲"}, "name"},
			{map[string]any{"community_id": a, "house_id": h, "name": "王五", "purpose": "探亲"}, "phone"},
			{map[string]any{"community_id": a, "house_id": h, "name": "王五", "phone": "1380", "purpose": "探亲"}, "phone"},
			{map[string]any{"community_id": a, "house_id": h, "name": "王五", "phone": "13800138000"}, "purpose"},
			{map[string]any{"community_id": a, "house_id": h, "name": "王五", "phone": "13800138000", "purpose": "探亲",
				"id_type": "身份证", "id_number": "110105199001011234"}, "id_number"},
			{map[string]any{"community_id": a, "house_id": h, "name": "王五", "phone": "13800138000", "purpose": "探亲", "people": 120}, "people"},
			{map[string]any{"community_id": a, "house_id": h, "name": "王五", "phone": "13800138000", "purpose": "探亲", "people": "两"}, "people"},
			{map[string]any{"community_id": a, "house_id": h, "name": "王五", "phone": "13800138000", "purpose": "探亲",
				"expected_at": now.Add(-time.Hour).Format(time.RFC3339)}, "expected_at"},
			{map[string]any{"community_id": a, "house_id": h, "name": "王五", "phone": "13800138000", "purpose": "探亲",
				"checked_in_at": now.Add(time.Hour).Format(time.RFC3339)}, "checked_in_at"},
			{map[string]any{"community_id": a, "house_id": h, "name": "王五", "phone": "13800138000", "purpose": "探亲",
				"checked_in_at": "明天"}, "checked_in_at"},
		} {
			wantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/visitors", c.body), http.StatusBadRequest, "invalid", c.field)
		}
		var n int
		if err := x.DB.QueryRow(`SELECT count(*) FROM visitors WHERE community_id = $1`, a).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d visitors written by refused requests (%v)", n, err)
		}
		// The office as host, no house.
		v := x.visitor(auth.RoleCSAgent, map[string]any{"house_id": 0, "host_name": "物业办公室", "purpose": "面试"})
		if v.HouseID != 0 || v.Where() != "物业办公室" {
			t.Errorf("office visitor %+v", v)
		}
	})
}

func TestVisitorsOfAnotherCommunityAreOutOfScope(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		var vb frontdesk.Visitor
		r := x.API(auth.RoleAdmin).Post("/api/v1/visitors", map[string]any{"community_id": x.B.Community.ID, "house_id": x.B.House.ID,
			"name": "乙苑访客", "phone": "13911112222", "purpose": "探亲"})
		if r.Code != http.StatusCreated {
			t.Fatal(r)
		}
		r.JSON(t, &vb)
		x.visitor(auth.RoleCSAgent, nil)
		for _, role := range []auth.Role{auth.RoleCSAgent, auth.RoleCashier, auth.RoleAuditor, auth.RoleCSManager} {
			c := x.API(role)
			for _, path := range []string{fmt.Sprintf("/api/v1/visitors/%d", vb.ID),
				fmt.Sprintf("/api/v1/visitors?community_id=%d", x.B.Community.ID)} {
				if r := c.Get(path); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
					t.Errorf("%s GET %s: %s", role, path, r)
				}
			}
			for _, path := range []string{"/api/v1/visitors?view=history", "/api/v1/visitors?q=乙苑", "/api/v1/visitors/export.xlsx"} {
				if r := c.Get(path); r.Code != http.StatusOK || strings.Contains(string(r.Body), "乙苑访客") || strings.Contains(string(r.Body), "13911112222") {
					t.Errorf("%s GET %s shows B: %s", role, path, r)
				}
			}
		}
		c := x.Browser(auth.RoleCSAgent)
		for _, path := range []string{fmt.Sprintf("/desk/visitors/%d", vb.ID), fmt.Sprintf("/desk/visitors/%d/pass", vb.ID),
			fmt.Sprintf("/desk/visitors?community_id=%d", x.B.Community.ID)} {
			if r := c.Get(path); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
				t.Errorf("page %s: %s", path, r)
			}
		}
		if r := apptest.Submit(t, c, fmt.Sprintf("/desk/visitors/%d/checkout", vb.ID), url.Values{}, http.StatusForbidden); r == nil {
			t.Error("no response")
		}
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/visitors/%d/checkout", vb.ID), nil, http.StatusForbidden)
		x.do(auth.RoleCSAgent, "POST", "/api/v1/visitors", map[string]any{"community_id": x.B.Community.ID, "house_id": x.B.House.ID,
			"name": "越权", "phone": "13800138000", "purpose": "探亲"}, http.StatusForbidden)
		x.do(auth.RoleAuditor, "POST", "/api/v1/visitors", map[string]any{"community_id": x.A.Community.ID, "house_id": x.A.House.ID,
			"name": "只读", "phone": "13800138000", "purpose": "探亲"}, http.StatusForbidden)
		x.do(auth.RoleDeptStaff, "GET", "/api/v1/visitors", nil, http.StatusForbidden)
		var st string
		if err := x.DB.QueryRow(`SELECT status FROM visitors WHERE id = $1`, vb.ID).Scan(&st); err != nil || st != "on_site" {
			t.Errorf("B's visitor is %q (%v)", st, err)
		}
	})
}

func TestVisitorPagesRegisterSearchAndCheckOut(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		c := x.Browser(auth.RoleCSAgent)
		a := fmt.Sprint(x.A.Community.ID)
		r := apptest.Submit(t, c, "/desk/visitors", url.Values{"community_id": {a}, "house": {"3-2-1201"}, "name": {"赵六"},
			"phone": {"abc"}, "purpose": {"送货"}, "people": {"1"}}, http.StatusUnprocessableEntity)
		apptest.Has(t, "bad phone", string(r.Body), "访客电话格式不正确", `value="赵六"`)
		r = apptest.Submit(t, c, "/desk/visitors", url.Values{"community_id": {a}, "house": {"3-2-1201"}, "name": {"赵六"},
			"phone": {"13712345678"}, "purpose": {"送货"}, "people": {"2"}, "plate": {"粤B54321"}, "id_type": {"身份证"},
			"id_number": {apptest.IDNumber()}}, http.StatusSeeOther)
		_, body := apptest.Follow(t, c, r)
		apptest.Has(t, "on site", body, "已登记访客 赵六（2 人）来访 3-2-1201", "粤B54321", "登记离开")
		var id int64
		if err := x.DB.QueryRow(`SELECT id FROM visitors WHERE name = '赵六'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		body = apptest.Page(t, c, fmt.Sprintf("/desk/visitors/%d/pass", id), http.StatusOK)
		apptest.Has(t, "pass", body, "访客通行证", fmt.Sprintf("FK%06d", id), "赵六 等 2 人", "3-2-1201",
			`class="pv-pass-qr" src="data:image/png;base64,`) // the guard scans it
		// A pre-registration from the form's datetime-local field.
		r = apptest.Submit(t, c, "/desk/visitors", url.Values{"community_id": {a}, "house": {"3-2-1201"}, "name": {"钱七"},
			"phone": {"13712345679"}, "purpose": {"探亲访友"}, "expected_at": {"2026-11-21T15:30"}}, http.StatusSeeOther)
		_, body = apptest.Follow(t, c, r)
		apptest.Has(t, "expected", body, "已登记预约：钱七，2026-11-21 15:30", "到访")
		// History search by name, phone, house and date range.
		body = apptest.Page(t, c, "/desk/visitors?community_id="+a+"&view=history&name=赵&house=3-2-1201&from=2026-11-20&to=2026-11-20", http.StatusOK)
		apptest.Has(t, "history", body, "赵六")
		apptest.HasNot(t, "history", body, "钱七")
		body = apptest.Page(t, c, "/desk/visitors?community_id="+a+"&view=history&phone=5679", http.StatusOK)
		apptest.Has(t, "by phone", body, "钱七")
		apptest.HasNot(t, "by phone", body, "赵六")
		body = apptest.Page(t, c, "/desk/visitors?community_id="+a+"&view=history&from=2026-99-01", http.StatusOK)
		apptest.Has(t, "bad date", body, "日期格式应为")
		// Check out from the list; again from a stale page: told, not 500.
		form := url.Values{"from": {"list"}, "view": {"onsite"}}
		r = apptest.Submit(t, c, fmt.Sprintf("/desk/visitors/%d/checkout", id), form, http.StatusSeeOther)
		_, body = apptest.Follow(t, c, r)
		apptest.Has(t, "checked out", body, "已登记离开：赵六", "当前没有在访的访客")
		r = apptest.Submit(t, c, fmt.Sprintf("/desk/visitors/%d/checkout", id), form, http.StatusSeeOther)
		_, body = apptest.Follow(t, c, r)
		apptest.Has(t, "twice", body, "未办理：该访客已于")
		body = apptest.Page(t, c, fmt.Sprintf("/desk/visitors/%d", id), http.StatusOK)
		apptest.Has(t, "record", body, "已离开", "变更记录", "离开时间")
		r = c.Get("/api/v1/visitors/export.xlsx?community_id=" + a + "&view=history")
		if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheet") {
			t.Errorf("export: %s", r)
		}
	})
}
