package ticket_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"wuye/internal/platform/auth"
)

// TestDeptStaffSeesTheirDepartmentOnly: 工程部 staff see 工程部's tickets
// and those they received or are assigned, work on them, but neither
// dispatch nor cancel.
func TestDeptStaffSeesTheirDepartmentOnly(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		staff := x.user(auth.RoleDeptStaff) // 工程部, community A
		eng := x.create(auth.RoleCSAgent, x.repair("工程部的"))
		x.act(auth.RoleCSManager, eng.ID, "dispatch", map[string]any{"department": "工程部"})
		env := x.create(auth.RoleCSAgent, x.repair("环境部的"))
		x.act(auth.RoleCSManager, env.ID, "dispatch", map[string]any{"department": "环境部"})
		fresh := x.create(auth.RoleCSAgent, x.repair("未派工"))
		own := x.create(auth.RoleDeptStaff, x.repair("自己受理的"))
		if own.ReceiverID != staff.ID {
			t.Errorf("dept staff's own ticket received by %d", own.ReceiverID)
		}
		assigned := x.create(auth.RoleCSAgent, x.repair("跨部门指派"))
		x.act(auth.RoleCSManager, assigned.ID, "dispatch", map[string]any{"department": "环境部", "assignee_id": staff.ID})

		got := x.list(auth.RoleDeptStaff, "")
		slices.Sort(got)
		want := []int64{eng.ID, own.ID, assigned.ID}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("dept staff list %v, want %v", got, want)
		}
		if got := x.list(auth.RoleDeptStaff, fmt.Sprintf("community_id=%d&status=dispatched", x.A.Community.ID)); len(got) != 2 {
			t.Errorf("dept staff dispatched list %v, want eng and assigned", got)
		}
		for _, id := range []int64{eng.ID, own.ID, assigned.ID} {
			x.get(auth.RoleDeptStaff, id)
		}
		for _, id := range []int64{env.ID, fresh.ID} {
			r := x.API(auth.RoleDeptStaff).Get(fmt.Sprintf("/api/v1/tickets/%d", id))
			expectError(t, r, 403, "forbidden", "")
			if strings.Contains(string(r.Body), "环境部的") || strings.Contains(string(r.Body), "未派工") {
				t.Errorf("403 leaks the ticket: %s", r)
			}
			expectError(t, x.try(auth.RoleDeptStaff, id, "reply", bodies["reply"]), 403, "forbidden", "")
		}

		// Work on their department's ticket.
		if g := x.act(auth.RoleDeptStaff, eng.ID, "start", nil); g.Status != "in_progress" {
			t.Errorf("start: %s", g.Status)
		}
		x.act(auth.RoleDeptStaff, eng.ID, "reply", bodies["reply"])
		if g := x.act(auth.RoleDeptStaff, eng.ID, "resolve", bodies["resolve"]); g.Status != "resolved" {
			t.Errorf("resolve: %s", g.Status)
		}
		x.act(auth.RoleDeptStaff, assigned.ID, "start", nil)
		// Not theirs to decide.
		for _, a := range []string{"dispatch", "cancel", "reopen", "callback", "validity"} {
			expectError(t, x.try(auth.RoleDeptStaff, assigned.ID, a, bodies[a]), 403, "forbidden", "")
		}
		if g := x.get(auth.RoleCSManager, assigned.ID); g.Status != "in_progress" || len(g.Events) != 3 {
			t.Errorf("refused actions changed the ticket: %s %v", g.Status, actions(g.Events))
		}
		// Once reassigned to another department and person, it is gone
		// from their view.
		x.act(auth.RoleCSManager, assigned.ID, "dispatch", map[string]any{"department": "环境部"})
		expectError(t, x.API(auth.RoleDeptStaff).Get(fmt.Sprintf("/api/v1/tickets/%d", assigned.ID)), 403, "forbidden", "")
	})
}

// TestRolePermissions: cashier registers but does not dispatch; auditor
// reads and sees KPIs but does not register; validity is for complaints
// and for 客服经理, 中心主任 and admin only.
func TestRolePermissions(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		tk := x.create(auth.RoleCashier, x.repair("收费处登记"))
		if tk.ReceiverID != x.user(auth.RoleCashier).ID {
			t.Errorf("cashier's ticket receiver %d", tk.ReceiverID)
		}
		for _, a := range []string{"dispatch", "start", "resolve", "cancel"} {
			expectError(t, x.try(auth.RoleCashier, tk.ID, a, bodies[a]), 403, "forbidden", "")
		}
		x.get(auth.RoleCashier, tk.ID)

		expectError(t, x.API(auth.RoleAuditor).Post("/api/v1/tickets", x.repair("审计不能登记")), 403, "forbidden", "")
		if ids := x.list(auth.RoleAuditor, fmt.Sprintf("community_id=%d", x.A.Community.ID)); !slices.Equal(ids, []int64{tk.ID}) {
			t.Errorf("auditor list %v", ids)
		}
		x.get(auth.RoleAuditor, tk.ID)
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/kpi?community_id=%d", x.A.Community.ID), nil, http.StatusOK)
		for _, a := range []string{"dispatch", "reply", "callback", "validity"} {
			expectError(t, x.try(auth.RoleAuditor, tk.ID, a, bodies[a]), 403, "forbidden", "")
		}
		expectError(t, x.API(auth.RoleAuditor).Do("PUT", "/api/v1/sla-policies", map[string]any{}), 403, "forbidden", "")
		if r := x.Anon().Get("/api/v1/tickets"); r.Code != http.StatusUnauthorized {
			t.Errorf("anonymous list: %s", r)
		}

		// Validity: complaints only, and only the judges.
		expectError(t, x.try(auth.RoleCSManager, tk.ID, "validity", bodies["validity"]), 409, "conflict", "kind")
		c := x.create(auth.RoleCSAgent, x.complaint("投诉定性"))
		expectError(t, x.try(auth.RoleCSAgent, c.ID, "validity", bodies["validity"]), 403, "forbidden", "")
		expectError(t, x.try(auth.RoleCSAgent, c.ID, "major-report", map[string]any{"report": "报告"}), 403, "forbidden", "")
		for _, r := range []auth.Role{auth.RoleCSManager, auth.RoleDirector, auth.RoleAdmin} {
			if g := x.act(r, c.ID, "validity", map[string]any{"valid": r != auth.RoleAdmin, "reason": "定性 " + string(r)}); g.Valid == nil ||
				*g.Valid != (r != auth.RoleAdmin) || g.ValidityReason != "定性 "+string(r) {
				t.Errorf("validity by %s: %v %q", r, g.Valid, g.ValidityReason)
			}
		}
	})
}

// TestNobodySeesAnotherCommunity: a ticket of community B is invisible to
// every user scoped to A — excluded from lists, 403 on read and on act.
func TestNobodySeesAnotherCommunity(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		b := x.create(auth.RoleAdmin, map[string]any{"community_id": x.B.Community.ID, "house_id": x.B.House.ID,
			"kind": "complaint", "title": "乙苑秘密投诉"})
		x.act(auth.RoleAdmin, b.ID, "dispatch", map[string]any{"department": "工程部"})
		a := x.create(auth.RoleCSAgent, x.repair("甲苑报修"))
		for _, role := range auth.Roles {
			if role == auth.RoleAdmin {
				continue
			}
			ids := x.list(role, "")
			if slices.Contains(ids, b.ID) {
				t.Errorf("%s lists B's ticket", role)
			}
			if role != auth.RoleDeptStaff && !slices.Contains(ids, a.ID) {
				t.Errorf("%s does not list A's ticket", role)
			}
			if r := x.API(role).Get("/api/v1/tickets?q=" + "乙苑秘密投诉"); strings.Contains(string(r.Body), "乙苑秘密投诉") {
				t.Errorf("%s finds B's ticket by search: %s", role, r)
			}
			expectError(t, x.API(role).Get(fmt.Sprintf("/api/v1/tickets?community_id=%d", x.B.Community.ID)), 403, "forbidden", "")
			r := x.API(role).Get(fmt.Sprintf("/api/v1/tickets/%d", b.ID))
			expectError(t, r, 403, "forbidden", "")
			for _, m := range append(x.Markers(), "乙苑秘密投诉") {
				if strings.Contains(string(r.Body), m) {
					t.Errorf("%s: 403 body leaks %q", role, m)
				}
			}
			for _, act := range []string{"dispatch", "start", "reply", "resolve", "cancel", "validity"} {
				if r := x.try(role, b.ID, act, bodies[act]); r.Code != http.StatusForbidden {
					t.Errorf("%s %s on B's ticket: %s", role, act, r)
				}
			}
			if role != auth.RoleAuditor {
				body := map[string]any{"community_id": x.B.Community.ID, "location": "B", "kind": "repair", "title": "越权登记"}
				expectError(t, x.API(role).Post("/api/v1/tickets", body), 403, "forbidden", "")
			}
		}
		if g := x.get(auth.RoleAdmin, b.ID); g.Status != "dispatched" || len(g.Events) != 2 || g.Valid != nil {
			t.Errorf("B's ticket changed: %s %v", g.Status, actions(g.Events))
		}
	})
}
