package movein_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"wuye/internal/movein"
	"wuye/internal/platform/auth"
)

// TestNewspaperWarningBoundary: the manual wants the newspaper notice a
// week before a batch's first day. Exactly 7 days before is fine; 6 days
// (or none at all) is a warning on the batch and on the campaign.
func TestNewspaperWarningBoundary(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		c := x.campaign(nil, nil)
		batch := func(name, published string) *movein.Batch {
			var b movein.Batch
			x.do(auth.RoleDirector, "POST", "/api/v1/movein/batches", map[string]any{"campaign_id": c.ID, "name": name,
				"starts_on": "2026-12-10", "newspaper": "南方日报", "newspaper_on": published}, http.StatusCreated).JSON(t, &b)
			return &b
		}
		week := batch("一周前", "2026-12-03")
		if week.Warning != "" {
			t.Errorf("7 days before the first day: warning %q", week.Warning)
		}
		six := batch("六天前", "2026-12-04")
		if !strings.Contains(six.Warning, "仅 6 天") {
			t.Errorf("6 days before the first day: warning %q", six.Warning)
		}
		none := batch("未登报", "")
		if !strings.Contains(none.Warning, "尚未登记登报") {
			t.Errorf("no newspaper: warning %q", none.Warning)
		}
		var cv movein.Campaign
		x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/movein/campaigns/%d", c.ID), nil, http.StatusOK).JSON(t, &cv)
		if len(cv.Warnings) != 2 || !strings.HasPrefix(cv.Warnings[0], "六天前") && !strings.HasPrefix(cv.Warnings[1], "六天前") {
			t.Errorf("campaign warnings: %q", cv.Warnings)
		}
		// The desk records a corrected publication; the warning goes.
		var b movein.Batch
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/movein/batches/%d/newspaper", six.ID),
			map[string]any{"newspaper": "南方日报", "newspaper_on": "2026-12-02"}, http.StatusOK).JSON(t, &b)
		if b.Warning != "" || b.NewspaperOn != "2026-12-02" {
			t.Errorf("after correction: %+v", b)
		}
		// The list page shows the remaining warning.
		page := x.Browser(auth.RoleCSAgent).Get("/movein")
		if page.Code != http.StatusOK || !strings.Contains(string(page.Body), "未登报：尚未登记登报公示日期") {
			t.Errorf("campaign list without its warning: %s", page)
		}
	})
}

// TestAppointmentsAndBatches: houses join a batch by code or building;
// a slot takes as many houses as its capacity and then refuses (409).
func TestAppointmentsAndBatches(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		c := x.campaign(nil, nil)
		var b movein.Batch
		x.do(auth.RoleDirector, "POST", "/api/v1/movein/batches", map[string]any{"campaign_id": c.ID, "name": "第一批",
			"starts_on": "2026-12-05", "newspaper_on": "2026-11-27",
			"slots": []map[string]any{{"day": "2026-12-05", "from": "9:00", "to": "11:30", "capacity": 1}}}, http.StatusCreated).JSON(t, &b)
		if len(b.Slots) != 1 || b.Slots[0].From != "09:00" {
			t.Fatalf("batch slots: %+v", b.Slots)
		}
		var res struct {
			Assigned int           `json:"assigned"`
			Batch    *movein.Batch `json:"batch"`
		}
		x.do(auth.RoleDirector, "POST", fmt.Sprintf("/api/v1/movein/batches/%d/houses", b.ID),
			map[string]any{"house_codes": "3-2-1201，3-2-1202"}, http.StatusOK).JSON(t, &res)
		if res.Assigned != 2 || res.Batch.Houses != 2 {
			t.Errorf("assigned %d, batch %+v", res.Assigned, res.Batch)
		}
		x.apiError(x.API(auth.RoleDirector).Post(fmt.Sprintf("/api/v1/movein/batches/%d/houses", b.ID),
			map[string]any{"house_codes": "9-9-999"}), http.StatusBadRequest, "house_codes", "本小区没有房屋 9-9-999")
		// Posts may come as {"post": staff}, the work plan as "plan".
		other := x.campaign(nil, map[string]any{"name": "另一计划", "plan": "集中办理", "posts": map[string]any{"接待": []string{"王婷", "赵雪"}}})
		if other.WorkPlan != "集中办理" || len(other.Posts) != 1 || other.Posts[0] != (movein.Post{Post: "接待", Staff: "王婷、赵雪"}) {
			t.Errorf("flexible campaign body: %+v", other)
		}
		x.apiError(x.API(auth.RoleDirector).Post("/api/v1/movein/campaigns", map[string]any{"community_id": x.A.Community.ID,
			"name": "x", "starts_on": "2026-12-01", "ends_on": "2026-12-31", "posts": 5}), http.StatusBadRequest, "posts", "岗位")
		slot := b.Slots[0].ID
		var e movein.Entry
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/movein/houses/%d/appointment", x.A.House.ID),
			map[string]any{"slot_id": slot}, http.StatusOK).JSON(t, &e)
		if e.Slot != "2026-12-05 09:00-11:30" || !e.Stages.Appointed || e.Batch != "第一批" {
			t.Errorf("appointment: %+v", e)
		}
		x.apiError(x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/movein/houses/%d/appointment", x.second.ID),
			map[string]any{"slot_id": slot}), http.StatusConflict, "slot_id", "已约满")
		var houses struct {
			Items []movein.Entry
			Total int
		}
		x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/movein/campaigns/%d/houses?stage=appointed", c.ID), nil, http.StatusOK).JSON(t, &houses)
		if houses.Total != 1 || houses.Items[0].HouseCode != "3-2-1201" {
			t.Errorf("appointed houses: %+v", houses)
		}
		x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/movein/campaigns/%d/houses?missing=appointed", c.ID), nil, http.StatusOK).JSON(t, &houses)
		if houses.Total != 1 || houses.Items[0].HouseCode != "3-2-1202" {
			t.Errorf("houses not appointed: %+v", houses)
		}
		// A notice by registered mail counts the house as notified.
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/movein/houses/%d/notices", x.second.ID),
			map[string]any{"method": "挂号信", "mail_number": "XA12345678", "sent_on": "2026-11-18"}, http.StatusCreated).JSON(t, &e)
		if !e.Stages.Notified || len(e.Notices) != 2 || e.Notices[0].MailNumber != "XA12345678" {
			t.Errorf("notices: %+v", e.Notices)
		}
		x.apiError(x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/movein/houses/%d/notices", x.second.ID),
			map[string]any{"method": "挂号信", "sent_on": "2026-11-18"}), http.StatusBadRequest, "mail_number", "挂号信号码")
	})
}

// TestValidationIsA400WithField: bad input is a 400 naming the field in
// Chinese, and nothing is written.
func TestValidationIsA400WithField(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		count := func() int {
			var n int
			x.DB.QueryRow(`SELECT count(*) FROM movein_campaigns WHERE community_id = $1`, x.A.Community.ID).Scan(&n)
			return n
		}
		dir := x.API(auth.RoleDirector)
		cases := []struct {
			body  map[string]any
			field string
			msg   string
		}{
			{map[string]any{"community_id": x.A.Community.ID, "starts_on": "2026-12-01", "ends_on": "2026-12-31"}, "name", "请填写计划名称"},
			{map[string]any{"community_id": x.A.Community.ID, "name": "x", "starts_on": "2026-12-01", "ends_on": "2026-11-30"}, "ends_on", "结束日期不能早于开始日期"},
			{map[string]any{"community_id": x.A.Community.ID, "name": "x", "starts_on": "12月1日", "ends_on": "2026-12-31"}, "starts_on", "开始日期格式应为"},
			{map[string]any{"name": "x", "starts_on": "2026-12-01", "ends_on": "2026-12-31"}, "community_id", "请选择小区"},
			{map[string]any{"community_id": x.A.Community.ID, "name": "x", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
				"fee_item_ids": []int64{987654}}, "fee_item_ids", "必缴收费项目"},
		}
		for _, c := range cases {
			x.apiError(dir.Post("/api/v1/movein/campaigns", c.body), http.StatusBadRequest, c.field, c.msg)
		}
		x.apiError(dir.Post("/api/v1/movein/campaigns", "{"), http.StatusBadRequest, "", "JSON")
		if n := count(); n != 0 {
			t.Fatalf("%d campaigns written by bad requests", n)
		}
		x.campaign(nil, nil)
		house := x.A.House.ID
		agent := x.API(auth.RoleCSAgent)
		x.apiError(agent.Post(fmt.Sprintf("/api/v1/movein/houses/%d/defects", house), map[string]any{"description": "渗水"}),
			http.StatusBadRequest, "room", "请填写房间")
		x.apiError(agent.Post(fmt.Sprintf("/api/v1/movein/houses/%d/documents", house), map[string]any{"document": "购房合同", "signed_by": "张三"}),
			http.StatusBadRequest, "document", "没有「购房合同」")
		x.apiError(agent.Post(fmt.Sprintf("/api/v1/movein/houses/%d/documents", house), map[string]any{"document": "安全责任书"}),
			http.StatusBadRequest, "signed_by", "请填写签署人")
		x.apiError(agent.Post(fmt.Sprintf("/api/v1/movein/houses/%d/handover", house), map[string]any{"keys": []map[string]any{{"name": "", "count": 0}}}),
			http.StatusBadRequest, "keys", "第 1 种钥匙")
		x.apiError(agent.Post(fmt.Sprintf("/api/v1/movein/houses/%d/documents", house), map[string]any{"document": "安全责任书",
			"signed_by": "张三", "signed_on": "2026-11-21"}), http.StatusBadRequest, "signed_on", "不能晚于今天")
		var n int
		x.DB.QueryRow(`SELECT count(*) FROM movein_houses WHERE house_id = $1`, house).Scan(&n)
		var tickets int
		x.DB.QueryRow(`SELECT count(*) FROM tickets WHERE house_id = $1 AND category = '验房'`, house).Scan(&tickets)
		if n != 0 || tickets != 0 {
			t.Errorf("bad requests enrolled the house (%d) or made tickets (%d)", n, tickets)
		}
	})
}

// TestScope: another community's staff cannot see or touch a campaign,
// a house's record or a finding (403/404), and lists hold only their
// own community's records; roles without the permission get 403.
func TestScope(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		own := x.campaign(nil, map[string]any{"name": "甲苑入伙"})
		foreign := x.campaign(x.B, map[string]any{"name": "乙苑入伙"})
		var insp movein.Inspection
		x.do(auth.RoleAdmin, "POST", "/api/v1/takeover", map[string]any{"building_id": x.B.Building.ID}, http.StatusCreated).JSON(t, &insp)
		var f movein.Finding
		x.do(auth.RoleAdmin, "POST", "/api/v1/takeover-findings", map[string]any{"inspection_id": insp.ID, "item": "电梯",
			"description": "乙苑电梯异响", "deadline": "2026-12-01"}, http.StatusCreated).JSON(t, &f)
		for _, role := range []auth.Role{auth.RoleDirector, auth.RoleCSManager, auth.RoleCSAgent, auth.RoleDeptStaff} {
			c := x.API(role)
			for _, p := range []string{fmt.Sprintf("/api/v1/movein/campaigns/%d", foreign.ID),
				fmt.Sprintf("/api/v1/movein/houses/%d", x.B.House.ID), fmt.Sprintf("/api/v1/takeover/%d", insp.ID),
				fmt.Sprintf("/api/v1/takeover-findings/%d", f.ID)} {
				if r := c.Get(p); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
					t.Errorf("%s GET %s: %s", role, p, r)
				}
			}
			if r := c.Post(fmt.Sprintf("/api/v1/movein/houses/%d/handover", x.B.House.ID), keys); r.Code != http.StatusForbidden {
				t.Errorf("%s handover in B: %s", role, r)
			}
			if r := c.Post(fmt.Sprintf("/api/v1/takeover-findings/%d/fix", f.ID), map[string]any{"note": "修好了"}); r.Code != http.StatusForbidden {
				t.Errorf("%s fix in B: %s", role, r)
			}
			var l struct {
				Items []movein.Campaign
				Total int
			}
			c.Get("/api/v1/movein/campaigns").JSON(t, &l)
			if l.Total != 1 || l.Items[0].ID != own.ID {
				t.Errorf("%s sees campaigns %+v", role, l.Items)
			}
			var fl struct{ Total int }
			c.Get("/api/v1/takeover-findings").JSON(t, &fl)
			if fl.Total != 0 {
				t.Errorf("%s sees %d findings of B", role, fl.Total)
			}
		}
		// Roles: the cashier reads but cannot work; the agent cannot plan;
		// nobody but inspectors records takeover findings.
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/movein/campaigns/%d", own.ID), nil, http.StatusOK)
		x.do(auth.RoleCashier, "POST", fmt.Sprintf("/api/v1/movein/houses/%d/handover", x.A.House.ID), keys, http.StatusForbidden)
		x.do(auth.RoleCSAgent, "POST", "/api/v1/movein/campaigns", map[string]any{"community_id": x.A.Community.ID}, http.StatusForbidden)
		x.do(auth.RoleCSAgent, "POST", "/api/v1/takeover", map[string]any{"building_id": x.A.Building.ID}, http.StatusForbidden)
		x.do(auth.RoleDeptStaff, "POST", fmt.Sprintf("/api/v1/movein/houses/%d/defects", x.A.House.ID),
			map[string]any{"room": "厨房", "description": "x"}, http.StatusForbidden)
		// A director scoped to A cannot plan in B by naming it.
		x.apiError(x.API(auth.RoleDirector).Post("/api/v1/movein/campaigns", map[string]any{"community_id": x.B.Community.ID,
			"name": "x", "starts_on": "2026-12-01", "ends_on": "2026-12-31"}), http.StatusForbidden, "")
	})
}
