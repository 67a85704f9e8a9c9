package ticket_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/ticket"
)

// The staff console's ticket pages, driven as a browser does: a session
// cookie, forms with the CSRF field, redirects followed by hand.

// The page helpers are shared with the other modules' page tests.
var (
	page   = apptest.Page
	submit = apptest.Submit
	follow = apptest.Follow
	has    = apptest.Has
	hasNot = apptest.HasNot
)

// idFrom reads the ticket id of a "/tickets/{id}" location.
func idFrom(t *testing.T, loc string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/tickets/"), 10, 64)
	if err != nil {
		t.Fatalf("not a ticket location: %s", loc)
	}
	return id
}

// TestPhoneCallToCallbackThroughForms registers a call on the form by
// typing the house code, dispatches it to a named worker, who starts and
// resolves it, and closes it from the 回访 queue — every step a form post
// and a redirect with a flash, as a browser does it.
func TestPhoneCallToCallbackThroughForms(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		agent, manager, worker := x.Browser(auth.RoleCSAgent), x.Browser(auth.RoleCSManager), x.Browser(auth.RoleDeptStaff)
		staff := x.user(auth.RoleDeptStaff)

		body := page(t, agent, fmt.Sprintf("/tickets/new?community_id=%d", x.A.Community.ID), http.StatusOK)
		has(t, "new form", body, `name="house_code"`, `hx-get="/tickets/house-lookup"`, `value="phone" selected`, "报修", "首问责任人")
		look := page(t, agent, fmt.Sprintf("/tickets/house-lookup?community_id=%d&house_code=3-2-1201", x.A.Community.ID), http.StatusOK)
		has(t, "house lookup", look, "3-2-1201", x.A.Owner.Name)
		look = page(t, agent, fmt.Sprintf("/tickets/house-lookup?community_id=%d&house_code=9-9-9999", x.A.Community.ID), http.StatusOK)
		has(t, "house lookup miss", look, "本小区没有房屋 9-9-9999")

		// A call taken at 08:10 and typed in at 09:00: backfilled.
		r := submit(t, agent, "/tickets", url.Values{"community_id": {fmt.Sprint(x.A.Community.ID)}, "house_code": {"3-2-1201"},
			"kind": {"repair"}, "urgency": {"normal"}, "channel": {"phone"}, "title": {"卫生间漏水"},
			"description": {"楼下天花板渗水"}, "received_at": {"2026-11-02T08:10"}}, http.StatusSeeOther)
		loc, body := follow(t, agent, r)
		id := idFrom(t, loc)
		tk := x.get(auth.RoleCSAgent, id)
		has(t, "created ticket", body, "已登记工单 "+tk.Number, "卫生间漏水", x.A.Owner.Name, "3-2-1201", tk.ReceiverName,
			"2026-11-02 08:10", "待派工", `id="f-dispatch"`, `id="f-resolve"`, `id="f-cancel"`)
		hasNot(t, "new ticket", body, `id="f-callback"`, `id="f-validity"`, `id="f-start"`)
		if tk.HouseID == nil || *tk.HouseID != x.A.House.ID || tk.RequesterName != x.A.Owner.Name ||
			cst(tk.ReceivedAt) != "2026-11-02T08:10:00+08:00" || tk.ReceiverID != x.user(auth.RoleCSAgent).ID {
			t.Fatalf("created from the form: %+v", tk)
		}

		// The manager sees the worker in the assignee select and dispatches.
		x.clk.Add(10 * time.Minute)
		body = page(t, manager, loc, http.StatusOK)
		has(t, "dispatch form", body, fmt.Sprintf(`<option value="%d" >工程部 · %s</option>`, staff.ID, staff.Name))
		r = submit(t, manager, fmt.Sprintf("/tickets/%d/dispatch", id), url.Values{"department": {"工程部"},
			"assignee_id": {fmt.Sprint(staff.ID)}}, http.StatusSeeOther)
		_, body = follow(t, manager, r)
		has(t, "dispatched", body, tk.Number+" 已派工", "已派工", "派至 工程部 "+staff.Name)

		// The worker's badge counts the assignment; the list shows it.
		badge := page(t, worker, "/notifications/count", http.StatusOK)
		has(t, "badge", badge, `<b class="badge">1</b>`, `hx-get="/notifications/count"`)
		body = page(t, worker, "/notifications", http.StatusOK)
		has(t, "notifications", body, "派给您的工单："+tk.Number, "查看并标为已读")
		body = page(t, worker, "/tickets?mine=assigned", http.StatusOK)
		has(t, "assigned to me", body, tk.Number, `class="on">派给我的`)
		r = submit(t, worker, "/notifications/read", url.Values{}, http.StatusSeeOther)
		if badge = page(t, worker, "/notifications/count", http.StatusOK); strings.Contains(badge, `class="badge"`) {
			t.Errorf("badge after mark read: %s", badge)
		}

		// The worker starts and resolves; the form offers what the state allows.
		x.clk.Add(time.Hour)
		submit(t, worker, fmt.Sprintf("/tickets/%d/start", id), url.Values{}, http.StatusSeeOther)
		body = page(t, worker, loc, http.StatusOK)
		has(t, "in progress", body, "处理中", `id="f-resolve"`)
		hasNot(t, "in progress", body, `id="f-start"`, `id="f-dispatch"`, `id="f-cancel"`) // dept_staff may not dispatch or cancel
		r = submit(t, worker, fmt.Sprintf("/tickets/%d/resolve", id), url.Values{"resolution": {"更换防水层"}}, http.StatusSeeOther)
		_, body = follow(t, worker, r)
		has(t, "resolved", body, tk.Number+" 已处理完成", "已解决待回访", "更换防水层")

		// The 回访 queue lists it; the inline form closes it and returns.
		body = page(t, agent, "/tickets/callbacks", http.StatusOK)
		has(t, "callback queue", body, tk.Number, "更换防水层", `name="back" value="callbacks"`)
		r = submit(t, agent, fmt.Sprintf("/tickets/%d/callback", id), url.Values{"back": {"callbacks"}}, http.StatusUnprocessableEntity)
		has(t, "callback without result", string(r.Body), "回访结果须为")
		r = submit(t, agent, fmt.Sprintf("/tickets/%d/callback", id), url.Values{"back": {"callbacks"}, "result": {"satisfied"},
			"note": {"业主表示满意"}}, http.StatusSeeOther)
		qloc, body := follow(t, agent, r)
		if qloc != "/tickets/callbacks" {
			t.Errorf("callback from the queue went to %s", qloc)
		}
		has(t, "queue after callback", body, tk.Number+" 已回访，工单关闭", "没有待回访的工单")

		got := x.get(auth.RoleCSAgent, id)
		if got.Status != ticket.StatusClosed || got.CallbackResult != ticket.ResultSatisfied ||
			strings.Join(actions(got.Events), ",") != "create,dispatch,start,resolve,callback" {
			t.Errorf("after the forms: %s %s %v", got.Status, got.CallbackResult, actions(got.Events))
		}
		body = page(t, agent, loc, http.StatusOK)
		has(t, "closed timeline", body, "已关闭", "满意：业主表示满意", "开始处理", "处理完成", "回访", `id="f-reopen"`)
	})
}

// TestFormErrorsAndConflicts: a wrong-state step shows the conflict, a
// bad form keeps its values and shows the error next to its field.
func TestFormErrorsAndConflicts(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		agent, manager := x.Browser(auth.RoleCSAgent), x.Browser(auth.RoleCSManager)
		tk := x.create(auth.RoleCSAgent, x.repair("门禁失灵"))

		// Starting a ticket nobody was dispatched to: 409 and the message.
		r := submit(t, agent, fmt.Sprintf("/tickets/%d/start", tk.ID), url.Values{}, http.StatusConflict)
		has(t, "conflict", string(r.Body), "工单当前状态为“待派工”，不能开始处理", tk.Number)
		if g := x.get(auth.RoleCSAgent, tk.ID); g.Status != ticket.StatusNew || len(g.Events) != 1 {
			t.Errorf("a refused step changed the ticket: %s %v", g.Status, actions(g.Events))
		}
		// An empty reason is shown on the cancel form, not the others.
		r = submit(t, manager, fmt.Sprintf("/tickets/%d/cancel", tk.ID), url.Values{"reason": {"  "}}, http.StatusUnprocessableEntity)
		has(t, "cancel error", string(r.Body), "请填写取消原因")
		// A dispatch without department or assignee keeps the others empty.
		r = submit(t, manager, fmt.Sprintf("/tickets/%d/dispatch", tk.ID), url.Values{"department": {"物业部"}}, http.StatusUnprocessableEntity)
		has(t, "dispatch error", string(r.Body), "部门须为")

		// Registration: every error inline, the typed values kept.
		r = submit(t, agent, "/tickets", url.Values{"community_id": {fmt.Sprint(x.A.Community.ID)}, "house_code": {"3-2-9999"},
			"kind": {"complaint"}, "title": {""}, "description": {"楼上噪音很大"}, "received_at": {"昨天"}}, http.StatusUnprocessableEntity)
		body := string(r.Body)
		has(t, "registration errors", body, "本小区没有房屋 3-2-9999", "受理时间格式应为", "楼上噪音很大", `value="3-2-9999"`,
			`value="complaint" selected`)
		r = submit(t, agent, "/tickets", url.Values{"community_id": {fmt.Sprint(x.A.Community.ID)}, "kind": {"repair"},
			"location": {"5栋电梯厅"}, "title": {""}}, http.StatusUnprocessableEntity)
		has(t, "title error", string(r.Body), "请填写标题", `value="5栋电梯厅"`)
		// Another community's ticket page and registration are refused.
		tb := x.create(auth.RoleAdmin, map[string]any{"community_id": x.B.Community.ID, "location": "东门", "kind": "repair", "title": "道闸故障"})
		page(t, agent, fmt.Sprintf("/tickets/%d", tb.ID), http.StatusForbidden)
		submit(t, agent, "/tickets", url.Values{"community_id": {fmt.Sprint(x.B.Community.ID)}, "kind": {"repair"},
			"location": {"东门"}, "title": {"越权"}}, http.StatusForbidden)
		page(t, agent, fmt.Sprintf("/tickets?community_id=%d", x.B.Community.ID), http.StatusForbidden)
		body = page(t, agent, "/tickets", http.StatusOK)
		hasNot(t, "list of A", body, tb.Title, x.B.Community.Name)
		// A form without the CSRF field is refused.
		r = agent.Post(fmt.Sprintf("/tickets/%d/reply", tk.ID), url.Values{"csrf": {"forged"}, "text": {"x"}})
		if r.Code != http.StatusForbidden {
			t.Errorf("forged CSRF: %s", r)
		}
	})
}

// TestComplaintJudgementForms marks a complaint valid and major from its
// page; the major one then asks for its written report.
func TestComplaintJudgementForms(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		manager, agent := x.Browser(auth.RoleCSManager), x.Browser(auth.RoleCSAgent)
		c := x.create(auth.RoleCSAgent, x.complaint("保安态度差"))
		loc := fmt.Sprintf("/tickets/%d", c.ID)
		hasNot(t, "agent", page(t, agent, loc, http.StatusOK), `id="f-validity"`)
		has(t, "manager", page(t, manager, loc, http.StatusOK), `id="f-validity"`)
		hasNot(t, "manager before major", page(t, manager, loc, http.StatusOK), `id="f-major"`)

		r := submit(t, manager, loc+"/validity", url.Values{"reason": {"已核实"}}, http.StatusUnprocessableEntity)
		has(t, "validity without choice", string(r.Body), "请选择是否有效投诉", "已核实")
		submit(t, agent, loc+"/validity", url.Values{"valid": {"yes"}, "reason": {"越权"}}, http.StatusForbidden)
		r = submit(t, manager, loc+"/validity", url.Values{"valid": {"yes"}, "reason": {"监控核实属实"}, "major": {"1"}}, http.StatusSeeOther)
		_, body := follow(t, manager, r)
		has(t, "major", body, "重大投诉", "监控核实属实", `id="f-major"`, "尚未提交书面报告")
		r = submit(t, manager, loc+"/major-report", url.Values{"report": {"事件经过与整改措施"}}, http.StatusSeeOther)
		_, body = follow(t, manager, r)
		has(t, "major report", body, "已提交重大投诉书面报告", "事件经过与整改措施")
		hasNot(t, "major report", body, "尚未提交书面报告")
		director := x.Browser(auth.RoleDirector)
		has(t, "director notified", page(t, director, "/notifications", http.StatusOK), "重大投诉："+c.Number)
	})
}

// TestListFiltersAndOverdueRows: the list filters as the API does, shows
// late tickets red, and its export holds the same rows.
func TestListFiltersAndOverdueRows(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		agent := x.Browser(auth.RoleCSAgent)
		x.clk.Set("2026-11-02T09:00:00+08:00")
		urgent := x.repair("电梯困人")
		urgent["urgency"] = "urgent" // respond 30 min, resolve 4 h
		late := x.create(auth.RoleCSAgent, urgent)
		x.clk.Set("2026-11-02T13:45:00+08:00")
		onTime := x.create(auth.RoleCSAgent, urgent) // respond by 14:15
		x.act(auth.RoleCSAgent, onTime.ID, "dispatch", map[string]any{"department": "工程部"})
		x.clk.Set("2026-11-02T14:00:00+08:00") // late is past its 13:00 resolve deadline

		a := fmt.Sprintf("community_id=%d", x.A.Community.ID)
		body := page(t, agent, "/tickets?"+a+"&overdue=1", http.StatusOK)
		has(t, "overdue list", body, late.Number, `class="on">超时`, fmt.Sprintf(`<tr class="late" data-id="%d">`, late.ID), "共 1 条")
		hasNot(t, "overdue list", body, onTime.Number)
		body = page(t, agent, "/tickets?"+a, http.StatusOK)
		has(t, "all", body, late.Number, onTime.Number, fmt.Sprintf(`<tr  data-id="%d">`, onTime.ID), "共 2 条")
		body = page(t, agent, "/tickets?"+a+"&status=dispatched", http.StatusOK)
		has(t, "dispatched", body, onTime.Number)
		hasNot(t, "dispatched", body, late.Number)
		body = page(t, agent, "/tickets?q="+url.QueryEscape(late.Number), http.StatusOK)
		has(t, "by number", body, late.Number, "共 1 条")
		body = page(t, agent, "/tickets?from=2026-11-02&to=2026-11-02", http.StatusOK)
		has(t, "to is inclusive", body, late.Number, onTime.Number)
		body = page(t, agent, "/tickets?from=2026-11-03", http.StatusOK)
		hasNot(t, "from tomorrow", body, late.Number)
		page(t, agent, "/tickets?status=lost", http.StatusUnprocessableEntity)

		r := agent.Get("/tickets/export.xlsx?" + a + "&overdue=1")
		rows := xlsxRows(t, r, "工单")
		if len(rows) != 2 || rows[0][0] != "工单号" || rows[1][0] != late.Number || rows[1][2] != "报修" ||
			rows[1][12] != "待派工" || rows[1][20] != "是" {
			t.Errorf("overdue export: %v", rows)
		}
		if rows = xlsxRows(t, agent.Get("/tickets/export.xlsx?"+a), "工单"); len(rows) != 3 {
			t.Errorf("export of all: %d rows", len(rows))
		}
	})
}

// TestSLAAdminPage: the director edits a policy on its row; others read.
func TestSLAAdminPage(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		director, agent := x.Browser(auth.RoleDirector), x.Browser(auth.RoleCSAgent)
		body := page(t, agent, "/admin/sla", http.StatusOK)
		has(t, "read-only", body, "报修", "紧急", "30 分钟", "4 小时", "2 个工作日")
		hasNot(t, "read-only", body, `name="respond_n"`)
		submit(t, agent, "/admin/sla", url.Values{"kind": {"repair"}, "urgency": {"urgent"}, "respond_n": {"1"},
			"respond_unit": {"hours"}, "resolve_n": {"1"}, "resolve_unit": {"workdays"}}, http.StatusForbidden)

		// 表扬（紧急） is a policy no other test relies on; put it back after.
		t.Cleanup(func() {
			for _, p := range ticket.DefaultPolicies {
				if p.Kind == ticket.KindPraise && p.Urgency == ticket.UrgencyUrgent {
					if _, err := x.svc.SetPolicy(context.Background(), x.user(auth.RoleAdmin), p); err != nil {
						t.Errorf("restore policy: %v", err)
					}
				}
			}
		})
		body = page(t, director, "/admin/sla", http.StatusOK)
		has(t, "editable", body, `id="sla-praise-urgent-f"`, `name="respond_n"`)
		r := submit(t, director, "/admin/sla", url.Values{"kind": {"praise"}, "urgency": {"urgent"}, "respond_n": {"0"},
			"respond_unit": {"minutes"}, "resolve_n": {"6"}, "resolve_unit": {"hours"}}, http.StatusUnprocessableEntity)
		has(t, "bad amount", string(r.Body), "请填写正整数", `value="6"`)
		r = submit(t, director, "/admin/sla", url.Values{"kind": {"praise"}, "urgency": {"urgent"}, "respond_n": {"45"},
			"respond_unit": {"minutes"}, "resolve_n": {"6"}, "resolve_unit": {"hours"}}, http.StatusSeeOther)
		_, body = follow(t, director, r)
		has(t, "saved", body, "已保存 表扬（紧急）的时限标准", `value="45"`)
		praise := x.repair("保安拾金不昧")
		praise["kind"], praise["urgency"] = "praise", "urgent"
		tk := x.create(auth.RoleCSAgent, praise)
		if d := tk.ResolveDueAt.Sub(tk.ReceivedAt); d != 6*time.Hour || tk.RespondDueAt.Sub(tk.ReceivedAt) != 45*time.Minute {
			t.Errorf("new policy not applied: respond %v resolve %v", tk.RespondDueAt.Sub(tk.ReceivedAt), d)
		}
	})
}

// TestPagesEnforceTheirPermissions: each role reaches the pages its
// permissions name and no others.
func TestPagesEnforceTheirPermissions(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		for _, c := range []struct {
			path string
			ok   []auth.Role
		}{
			{"/tickets", []auth.Role{auth.RoleCashier, auth.RoleDeptStaff, auth.RoleAuditor, auth.RoleCSAgent}},
			{"/tickets/new", []auth.Role{auth.RoleCashier, auth.RoleDeptStaff, auth.RoleCSAgent}},
			{"/tickets/callbacks", []auth.Role{auth.RoleCSAgent, auth.RoleCSManager, auth.RoleDirector}},
			{"/tickets/dashboard", []auth.Role{auth.RoleCSManager, auth.RoleDirector, auth.RoleAuditor}},
			{"/tickets/report", []auth.Role{auth.RoleCSManager, auth.RoleAuditor}},
			{"/notifications", []auth.Role{auth.RoleCashier, auth.RoleAuditor}},
		} {
			for _, role := range []auth.Role{auth.RoleCSAgent, auth.RoleCashier, auth.RoleDeptStaff, auth.RoleAuditor, auth.RoleCSManager, auth.RoleDirector} {
				want := http.StatusForbidden
				if auth.RoleHas(role, permOf(c.path)) {
					want = http.StatusOK
				}
				for _, r := range c.ok {
					if r == role && want != http.StatusOK {
						t.Errorf("%s: %s should be allowed", c.path, role)
					}
				}
				page(t, x.Browser(role), c.path, want)
			}
		}
	})
}

func permOf(path string) string {
	switch path {
	case "/tickets":
		return auth.PermTicketRead
	case "/tickets/new":
		return auth.PermTicketCreate
	case "/tickets/callbacks":
		return auth.PermTicketCallback
	case "/notifications":
		return auth.PermSignedIn
	}
	return auth.PermKPIRead
}
