package ticket_test

import (
	"fmt"
	"math"
	"net/http"
	"testing"

	"wuye/internal/platform/auth"
)

// TestKPIOnHandCheckedFixture builds November 2026 of community A by hand
// and checks the six rates against answers worked out on paper.
//
// Repairs, all urgent (respond 30 min, resolve 4 h after receipt):
//
//	R1 11-02 09:00  resolved 10:00 (due 13:00, on time)  callback satisfied → closed
//	R2 11-03 09:00  resolved 11:00 (on time)              callback unsatisfied → reopened, left open
//	R3 11-04 09:00  resolved 12:00 (on time)              no callback yet
//	R4 11-05 09:00  resolved 15:00 (due 13:00, LATE)      callback basically_satisfied → closed
//	R5 11-06 09:00  dispatched, started, never resolved
//
// Complaints, normal (respond 1 working day, resolve 3; no holidays):
//
//	C1 Mon 11-09 10:00  dispatched 11-09 14:00 (respond due 11-10 10:00, on time)  valid
//	                    resolved, callback unsatisfied → reopened, resolved again,
//	                    callback satisfied → closed (the latest result counts)
//	C2 Tue 11-10 10:00  replied 11-11 09:00 (due 11-11 10:00, on time)  valid, resolved, no callback
//	C3 Wed 11-11 10:00  dispatched 11-12 11:00 (due 11-12 10:00, LATE)   INVALID, resolved,
//	                    callback satisfied → closed
//
// P1 a praise, cancelled. Not counted at all: a late repair received
// 10-31 23:59 and a valid complaint received 12-01 00:00 (outside
// [11-01, 12-01)), and community B's late repair and valid complaint.
//
// Hand-checked answer:
//
//	repair_on_time_rate           R1 R2 R3 / R1 R2 R3 R4                    = 3/4 = 0.75
//	rework_rate                   R2 / R1 R2 R3 R4                          = 1/4 = 0.25
//	callback_rate                 R1 R2 R4 C1 C3 / R1 R2 R3 R4 C1 C2 C3     = 5/7
//	callback_satisfaction_rate    R1 R4 C1 C3 / R1 R2 R4 C1 C3              = 4/5 = 0.8
//	valid_complaint_handling_rate C1 / C1 C2                                = 1/2 = 0.5
//	complaint_on_time_rate        C1 C2 / C1 C2 C3                          = 2/3
//	tickets                       R1..R5 C1..C3 P1                          = 9
func TestKPIOnHandCheckedFixture(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		m := auth.RoleCSManager
		urgent := func(title string) map[string]any {
			b := x.repair(title)
			b["urgency"] = "urgent"
			return b
		}
		// do runs one step at a Shanghai time.
		type step struct {
			at, action string
			body       any
		}
		run := func(created string, body map[string]any, steps ...step) int64 {
			t.Helper()
			x.clk.Set(created)
			tk := x.create(auth.RoleCSAgent, body)
			for _, s := range steps {
				x.clk.Set(s.at)
				x.act(m, tk.ID, s.action, s.body)
			}
			return tk.ID
		}
		disp := map[string]any{"department": "工程部"}
		res := map[string]any{"resolution": "已修复"}
		cb := func(r string) map[string]any { return map[string]any{"result": r, "note": "回访记录"} }
		valid := func(v bool) map[string]any { return map[string]any{"valid": v, "reason": "核实"} }

		run("2026-11-02T09:00:00+08:00", urgent("R1"),
			step{"2026-11-02T09:10:00+08:00", "dispatch", disp},
			step{"2026-11-02T10:00:00+08:00", "resolve", res},
			step{"2026-11-02T15:00:00+08:00", "callback", cb("satisfied")})
		run("2026-11-03T09:00:00+08:00", urgent("R2"),
			step{"2026-11-03T09:05:00+08:00", "dispatch", disp},
			step{"2026-11-03T11:00:00+08:00", "resolve", res},
			step{"2026-11-03T15:00:00+08:00", "callback", cb("unsatisfied")})
		run("2026-11-04T09:00:00+08:00", urgent("R3"),
			step{"2026-11-04T09:10:00+08:00", "dispatch", disp},
			step{"2026-11-04T12:00:00+08:00", "resolve", res})
		run("2026-11-05T09:00:00+08:00", urgent("R4"),
			step{"2026-11-05T09:10:00+08:00", "dispatch", disp},
			step{"2026-11-05T09:20:00+08:00", "start", nil},
			step{"2026-11-05T15:00:00+08:00", "resolve", res},
			step{"2026-11-06T10:00:00+08:00", "callback", cb("basically_satisfied")})
		run("2026-11-06T09:00:00+08:00", urgent("R5"),
			step{"2026-11-06T09:10:00+08:00", "dispatch", disp},
			step{"2026-11-06T09:20:00+08:00", "start", nil})

		run("2026-11-09T10:00:00+08:00", x.complaint("C1"),
			step{"2026-11-09T14:00:00+08:00", "dispatch", disp},
			step{"2026-11-09T14:10:00+08:00", "validity", valid(true)},
			step{"2026-11-10T09:00:00+08:00", "resolve", res},
			step{"2026-11-10T15:00:00+08:00", "callback", cb("unsatisfied")},
			step{"2026-11-11T10:00:00+08:00", "resolve", res},
			step{"2026-11-11T15:00:00+08:00", "callback", cb("satisfied")})
		run("2026-11-10T10:00:00+08:00", x.complaint("C2"),
			step{"2026-11-11T09:00:00+08:00", "reply", map[string]any{"text": "已联系业主"}},
			step{"2026-11-11T09:30:00+08:00", "validity", valid(true)},
			step{"2026-11-12T09:00:00+08:00", "resolve", res})
		run("2026-11-11T10:00:00+08:00", x.complaint("C3"),
			step{"2026-11-12T11:00:00+08:00", "dispatch", disp},
			step{"2026-11-12T11:10:00+08:00", "validity", valid(false)},
			step{"2026-11-12T16:00:00+08:00", "resolve", res},
			step{"2026-11-12T17:00:00+08:00", "callback", cb("satisfied")})
		praise := x.repair("P1")
		praise["kind"] = "praise"
		run("2026-11-13T10:00:00+08:00", praise, step{"2026-11-13T10:05:00+08:00", "cancel", map[string]any{"reason": "重复"}})

		// Outside the period.
		run("2026-10-31T23:59:00+08:00", urgent("十月底"), step{"2026-11-01T08:00:00+08:00", "resolve", res})
		run("2026-12-01T00:00:00+08:00", x.complaint("十二月初"), step{"2026-12-01T08:00:00+08:00", "validity", valid(true)})
		// Another community.
		x.clk.Set("2026-11-02T09:00:00+08:00")
		rb := x.create(auth.RoleAdmin, map[string]any{"community_id": x.B.Community.ID, "location": "B区", "kind": "repair", "urgency": "urgent", "title": "B报修"})
		x.clk.Set("2026-11-03T09:00:00+08:00")
		x.act(auth.RoleAdmin, rb.ID, "resolve", res)
		cbody := map[string]any{"community_id": x.B.Community.ID, "location": "B区", "kind": "complaint", "title": "B投诉"}
		x.act(auth.RoleAdmin, x.create(auth.RoleAdmin, cbody).ID, "validity", valid(true))

		want := map[string][2]int{
			"repair_on_time_rate":           {3, 4},
			"rework_rate":                   {1, 4},
			"callback_rate":                 {5, 7},
			"callback_satisfaction_rate":    {4, 5},
			"valid_complaint_handling_rate": {1, 2},
			"complaint_on_time_rate":        {2, 3},
		}
		check := func(role auth.Role, query string) {
			t.Helper()
			k := raw(t, x.do(role, "GET", "/api/v1/kpi?"+query, nil, http.StatusOK))
			if k["tickets"] != float64(9) {
				t.Errorf("%s ?%s: tickets %v, want 9", role, query, k["tickets"])
			}
			for name, nd := range want {
				r, _ := k[name].(map[string]any)
				v, _ := r["value"].(float64)
				if r == nil || r["numerator"] != float64(nd[0]) || r["denominator"] != float64(nd[1]) ||
					math.Abs(v-float64(nd[0])/float64(nd[1])) > 1e-9 {
					t.Errorf("%s ?%s: %s = %v, want %d/%d", role, query, name, k[name], nd[0], nd[1])
				}
			}
		}
		a := fmt.Sprintf("community_id=%d", x.A.Community.ID)
		check(auth.RoleCSManager, a+"&from=2026-11-01&to=2026-12-01")
		check(auth.RoleAdmin, a+"&from=2026-11-01&to=2026-12-01")
		check(auth.RoleAuditor, a+"&from=2026-11-01&to=2026-12-01")
		check(auth.RoleDirector, a+"&from=2026-11-01&to=2026-12-01")
		// Without a community, the caller's scope (A only) applies.
		check(auth.RoleCSManager, "from=2026-11-01&to=2026-12-01")

		// An empty period: every rate is null, not 0.
		k := raw(t, x.do(auth.RoleCSManager, "GET", "/api/v1/kpi?"+a+"&from=2025-01-01&to=2025-02-01", nil, http.StatusOK))
		for name := range want {
			r, _ := k[name].(map[string]any)
			if v, present := r["value"]; r == nil || !present || v != nil || r["numerator"] != float64(0) || r["denominator"] != float64(0) {
				t.Errorf("empty period %s = %v, want value null", name, k[name])
			}
		}
		// A period with repairs but no complaints: only complaint rates null.
		k = raw(t, x.do(auth.RoleCSManager, "GET", "/api/v1/kpi?"+a+"&from=2026-11-02&to=2026-11-07", nil, http.StatusOK))
		for name, isNull := range map[string]bool{"repair_on_time_rate": false, "rework_rate": false, "callback_rate": false,
			"callback_satisfaction_rate": false, "valid_complaint_handling_rate": true, "complaint_on_time_rate": true} {
			r, _ := k[name].(map[string]any)
			if (r["value"] == nil) != isNull {
				t.Errorf("first week %s = %v", name, r)
			}
		}

		// Scope: B is not the manager's or the auditor's; dept staff and
		// agents have no KPIs.
		b := fmt.Sprintf("community_id=%d&from=2026-11-01&to=2026-12-01", x.B.Community.ID)
		expectError(t, x.API(auth.RoleCSManager).Get("/api/v1/kpi?"+b), 403, "forbidden", "")
		expectError(t, x.API(auth.RoleAuditor).Get("/api/v1/kpi?"+b), 403, "forbidden", "")
		expectError(t, x.API(auth.RoleDeptStaff).Get("/api/v1/kpi?"+a), 403, "forbidden", "")
		expectError(t, x.API(auth.RoleCSAgent).Get("/api/v1/kpi?"+a), 403, "forbidden", "")
		// B on its own: its late repair and its open valid complaint.
		kb := raw(t, x.do(auth.RoleAdmin, "GET", "/api/v1/kpi?"+b, nil, http.StatusOK))
		if r := kb["repair_on_time_rate"].(map[string]any); r["numerator"] != float64(0) || r["denominator"] != float64(1) || r["value"] != float64(0) {
			t.Errorf("B repair_on_time_rate %v", r)
		}
		if r := kb["valid_complaint_handling_rate"].(map[string]any); r["numerator"] != float64(0) || r["denominator"] != float64(1) {
			t.Errorf("B valid_complaint_handling_rate %v", r)
		}

		// Bad periods.
		expectError(t, x.API(auth.RoleCSManager).Get("/api/v1/kpi?"+a+"&from=2026-12-01&to=2026-11-01"), 422, "invalid", "to")
		expectError(t, x.API(auth.RoleCSManager).Get("/api/v1/kpi?"+a+"&from=2026-11-01&to=2026-11-01"), 422, "invalid", "to")
		expectError(t, x.API(auth.RoleCSManager).Get("/api/v1/kpi?"+a+"&from=11/01/2026"), 422, "invalid", "from")
	})
}
