package ticket_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/ticket"
)

// TestCreateContract checks POST /api/v1/tickets as the acceptance check
// reads it: 201 with id, number, status, receiver_id and both deadlines;
// numbers run per community and per year of receipt.
func TestCreateContract(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.clk.Set("2026-09-30T10:00:00+08:00")
		r := x.do(auth.RoleCSAgent, "POST", "/api/v1/tickets", x.repair("厨房漏水"), http.StatusCreated)
		m := raw(t, r)
		for _, k := range []string{"id", "number", "status", "receiver_id", "respond_due_at", "resolve_due_at"} {
			if m[k] == nil {
				t.Errorf("201 body has no %s: %s", k, r)
			}
		}
		tk := x.ticketOf(r)
		agent := x.user(auth.RoleCSAgent)
		// A normal repair: respond within 120 minutes, resolve within 2
		// working days; 10-01..10-07 are 国庆, so the 2nd is Friday 10-09.
		if tk.Number != "TS2026-000001" || tk.Status != "new" || tk.ReceiverID != agent.ID || tk.Kind != "repair" ||
			tk.Urgency != "normal" || tk.CommunityID != x.A.Community.ID {
			t.Errorf("created: %+v", tk)
		}
		if cst(tk.ReceivedAt) != "2026-09-30T10:00:00+08:00" || cst(tk.RespondDueAt) != "2026-09-30T12:00:00+08:00" ||
			cst(tk.ResolveDueAt) != "2026-10-09T10:00:00+08:00" {
			t.Errorf("received %s respond_due %s resolve_due %s", cst(tk.ReceivedAt), cst(tk.RespondDueAt), cst(tk.ResolveDueAt))
		}
		// The house's current owner is the default requester.
		if tk.RequesterName != x.A.Owner.Name || tk.RequesterPhone != x.A.Owner.Phone || tk.HouseCode == "" {
			t.Errorf("requester %q %q house %q", tk.RequesterName, tk.RequesterPhone, tk.HouseCode)
		}

		// Sequential within the community, whoever registers; Chinese names
		// are accepted for the enums.
		body := x.complaint("噪音")
		body["kind"], body["channel"] = "投诉", "来访"
		tk2 := x.create(auth.RoleCashier, body)
		if tk2.Number != "TS2026-000002" || tk2.Kind != "complaint" || tk2.Channel != "visit" || tk2.ReceiverID != x.user(auth.RoleCashier).ID {
			t.Errorf("second: %s %s %s receiver %d", tk2.Number, tk2.Kind, tk2.Channel, tk2.ReceiverID)
		}
		// Another community starts again at 1.
		b := map[string]any{"community_id": x.B.Community.ID, "location": "地下车库B2", "kind": "repair", "title": "照明不亮"}
		if tb := x.create(auth.RoleAdmin, b); tb.Number != "TS2026-000001" || tb.Channel != "phone" {
			t.Errorf("community B: %s channel %s", tb.Number, tb.Channel)
		}
		// A new year starts again at 1; a call of 12-31 typed in on 01-04
		// keeps the old year's sequence.
		x.clk.Set("2027-01-04T09:00:00+08:00")
		if tk := x.create(auth.RoleCSAgent, x.repair("新年第一单")); tk.Number != "TS2027-000001" {
			t.Errorf("2027: %s", tk.Number)
		}
		late := x.repair("除夕前夜来电")
		late["received_at"] = "2026-12-31T23:30:00+08:00"
		if tk := x.create(auth.RoleCSAgent, late); tk.Number != "TS2026-000003" || cst(tk.ReceivedAt) != "2026-12-31T23:30:00+08:00" {
			t.Errorf("backfilled into 2026: %s received %s", tk.Number, cst(tk.ReceivedAt))
		}
		if tk := x.create(auth.RoleCSAgent, x.repair("新年第二单")); tk.Number != "TS2027-000002" {
			t.Errorf("2027 second: %s", tk.Number)
		}
	})
}

func TestCreateValidation(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.clk.Set("2026-11-20T15:00:00+08:00")
		with := func(k string, v any) map[string]any {
			b := x.repair("漏水")
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
			return b
		}
		cases := []struct {
			name  string
			body  any
			field string
		}{
			{"no title", with("title", nil), "title"},
			{"blank title", with("title", "   "), "title"},
			{"bad kind", with("kind", "complain"), "kind"},
			{"bad urgency", with("urgency", "asap"), "urgency"},
			{"bad channel", with("channel", "fax"), "channel"},
			{"no house, place or requester", map[string]any{"community_id": x.A.Community.ID, "kind": "repair", "title": "漏水"}, "house_id"},
			{"house of another community", with("house_id", x.B.House.ID), "house_id"},
			{"received_at not RFC 3339", with("received_at", "2026-11-20 14:00"), "received_at"},
			{"received_at in the future", with("received_at", "2026-11-20T15:30:00+08:00"), "received_at"},
			{"received_at 31 days ago", with("received_at", "2026-10-20T14:59:00+08:00"), "received_at"},
			{"not JSON", "{", ""},
		}
		for _, c := range cases {
			r := x.API(auth.RoleCSAgent).Post("/api/v1/tickets", c.body)
			if r.Code != http.StatusUnprocessableEntity {
				t.Errorf("%s: %s", c.name, r)
				continue
			}
			if e := r.Error(t); e.Field != c.field || e.Code != "invalid" {
				t.Errorf("%s: error %+v, want field %q", c.name, e, c.field)
			}
		}
		// 29 days back is a valid backfill.
		if tk := x.create(auth.RoleCSAgent, with("received_at", "2026-10-22T15:00:00+08:00")); cst(tk.ReceivedAt) != "2026-10-22T15:00:00+08:00" {
			t.Errorf("29 days back: %s", cst(tk.ReceivedAt))
		}
		// An unknown community is invalid for an admin, forbidden for the
		// others (it is not in their scope).
		body := with("community_id", 987654321)
		delete(body, "house_id")
		body["location"] = "大门"
		expectError(t, x.API(auth.RoleAdmin).Post("/api/v1/tickets", body), 422, "invalid", "community_id")
		expectError(t, x.API(auth.RoleCSAgent).Post("/api/v1/tickets", body), 403, "forbidden", "")
		// Nothing failed left a ticket or used a number.
		if tk := x.create(auth.RoleCSAgent, x.repair("第二单")); tk.Number != "TS2026-000002" {
			t.Errorf("number after failures: %s", tk.Number)
		}
	})
}

// TestNumbersGapFreeUnderConcurrency creates 20 tickets at once in each of
// two communities through the service: each gets exactly 1..20.
func TestNumbersGapFreeUnderConcurrency(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		const n = 20
		ctx := context.Background()
		var mu sync.Mutex
		got := map[int64][]string{}
		var wg sync.WaitGroup
		var failed []error
		for i := 0; i < n; i++ {
			for _, c := range []struct {
				by  *auth.User
				cid int64
			}{{x.user(auth.RoleCSAgent), x.A.Community.ID}, {x.user(auth.RoleAdmin), x.B.Community.ID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tk, err := x.svc.Create(ctx, c.by, ticket.CreateInput{CommunityID: c.cid, Kind: "repair",
						Title: fmt.Sprintf("并发%d", i), Location: "公共区域"})
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						failed = append(failed, err)
						return
					}
					got[c.cid] = append(got[c.cid], tk.Number)
				}()
			}
		}
		wg.Wait()
		if len(failed) > 0 {
			t.Fatalf("%d creations failed, first: %v", len(failed), failed[0])
		}
		var want []string
		for i := 1; i <= n; i++ {
			want = append(want, fmt.Sprintf("TS2026-%06d", i))
		}
		for _, cid := range []int64{x.A.Community.ID, x.B.Community.ID} {
			nums := got[cid]
			slices.Sort(nums)
			if !slices.Equal(nums, want) {
				t.Errorf("community %d numbers: %v", cid, nums)
			}
		}
	})
}

// TestActionEndpoints drives every action endpoint with the issue's
// bodies and reads the timeline back in order.
func TestActionEndpoints(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		staff := x.user(auth.RoleDeptStaff)
		tk := x.create(auth.RoleCSAgent, x.repair("卫生间漏水"))
		step := func(role auth.Role, action string, body any) *ticket.Ticket {
			t.Helper()
			x.clk.Add(10 * time.Minute)
			return x.act(role, tk.ID, action, body)
		}
		d := step(auth.RoleCSAgent, "dispatch", map[string]any{"department": "工程部", "assignee_id": staff.ID})
		if d.Status != "dispatched" || d.Department != "工程部" || d.AssigneeID == nil || *d.AssigneeID != staff.ID ||
			d.AssigneeName != staff.Name || d.FirstResponseAt == nil || !d.FirstResponseAt.Equal(x.clk.Now()) {
			t.Errorf("dispatch: %+v", d)
		}
		if s := step(auth.RoleDeptStaff, "start", nil); s.Status != "in_progress" {
			t.Errorf("start: %s", s.Status)
		}
		if s := step(auth.RoleDeptStaff, "reply", map[string]any{"text": "师傅下午两点上门"}); s.Status != "in_progress" {
			t.Errorf("reply: %s", s.Status)
		}
		s := step(auth.RoleDeptStaff, "resolve", map[string]any{"resolution": "更换角阀"})
		if s.Status != "resolved" || s.Resolution != "更换角阀" || s.ResolvedAt == nil || !s.ResolvedAt.Equal(x.clk.Now()) ||
			s.FirstResolvedAt == nil || !s.FirstResolvedAt.Equal(*s.ResolvedAt) {
			t.Errorf("resolve: %+v", s)
		}
		s = step(auth.RoleCSAgent, "callback", map[string]any{"result": "satisfied", "note": "业主表示满意"})
		if s.Status != "closed" || s.CallbackResult != "satisfied" || s.ClosedAt == nil || !s.ClosedAt.Equal(x.clk.Now()) {
			t.Errorf("callback: %+v", s)
		}
		s = step(auth.RoleCSManager, "reopen", map[string]any{"reason": "又开始渗水"})
		if s.Status != "dispatched" || s.ReopenCount != 1 || s.ClosedAt != nil || s.ResolvedAt != nil {
			t.Errorf("reopen: %+v", s)
		}
		s = step(auth.RoleCSManager, "cancel", map[string]any{"reason": "业主自行找人维修"})
		if s.Status != "cancelled" || s.CancelReason != "业主自行找人维修" {
			t.Errorf("cancel: %+v", s)
		}

		g := x.get(auth.RoleCSAgent, tk.ID)
		want := []string{"create", "dispatch", "start", "reply", "resolve", "callback", "reopen", "cancel"}
		if got := actions(g.Events); !slices.Equal(got, want) {
			t.Fatalf("timeline %v, want %v", got, want)
		}
		from := []string{"", "new", "dispatched", "in_progress", "in_progress", "resolved", "closed", "dispatched"}
		to := []string{"new", "dispatched", "in_progress", "in_progress", "resolved", "closed", "dispatched", "cancelled"}
		for i, e := range g.Events {
			if e.FromStatus != from[i] || e.ToStatus != to[i] || e.TicketID != tk.ID || e.UserName == "" {
				t.Errorf("event %d %s: %s → %s by %q", i, e.Action, e.FromStatus, e.ToStatus, e.UserName)
			}
			if i > 0 && !e.At.After(g.Events[i-1].At) {
				t.Errorf("event %d at %s not after %s", i, e.At, g.Events[i-1].At)
			}
		}
		if g.Events[3].Note != "师傅下午两点上门" || g.Events[7].Note != "业主自行找人维修" || g.Events[1].UserID != x.user(auth.RoleCSAgent).ID {
			t.Errorf("notes: %+v", g.Events)
		}

		// validity, on a complaint.
		c := x.create(auth.RoleCSAgent, x.complaint("物业费公示不清"))
		v := x.act(auth.RoleCSManager, c.ID, "validity", map[string]any{"valid": true, "reason": "经核实属实"})
		if v.Valid == nil || !*v.Valid || v.ValidityReason != "经核实属实" || v.Major || v.Status != "new" {
			t.Errorf("validity: %+v", v)
		}
		v = x.act(auth.RoleCSManager, c.ID, "validity", map[string]any{"valid": false, "reason": "复核后不属实"})
		if v.Valid == nil || *v.Valid {
			t.Errorf("validity changed back: %+v", v)
		}

		// Bad bodies are 422 on the field, and change nothing.
		n := x.create(auth.RoleCSAgent, x.repair("门禁坏了"))
		path := func(a string) string { return fmt.Sprintf("/api/v1/tickets/%d/%s", n.ID, a) }
		bOther := x.NewUser(auth.RoleDeptStaff, x.B.Community.ID)
		for _, c := range []struct {
			action string
			body   any
			field  string
		}{
			{"dispatch", map[string]any{}, "department"},
			{"dispatch", map[string]any{"department": "财务部"}, "department"},
			{"dispatch", map[string]any{"department": "工程部", "assignee_id": bOther.ID}, "assignee_id"},
			{"dispatch", map[string]any{"assignee_id": 987654321}, "assignee_id"},
			{"reply", map[string]any{"text": "  "}, "text"},
			{"resolve", map[string]any{}, "resolution"},
			{"callback", map[string]any{"result": "great"}, "result"},
			{"reopen", map[string]any{}, "reason"},
			{"cancel", map[string]any{"reason": ""}, "reason"},
			{"dispatch", "[1,2]", ""},
		} {
			expectError(t, x.API(auth.RoleCSManager).Post(path(c.action), c.body), 422, "invalid", c.field)
		}
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/tickets/"+fmt.Sprint(c.ID)+"/validity", map[string]any{"reason": "未选择"}), 422, "invalid", "valid")
		if g := x.get(auth.RoleCSAgent, n.ID); g.Status != "new" || len(g.Events) != 1 || g.Department != "" {
			t.Errorf("after bad bodies: %s %v %q", g.Status, actions(g.Events), g.Department)
		}
		// Missing tickets are 404 on read and on act.
		expectError(t, x.API(auth.RoleCSAgent).Get("/api/v1/tickets/987654321"), 404, "not_found", "")
		expectError(t, x.API(auth.RoleCSAgent).Post("/api/v1/tickets/987654321/start", nil), 404, "not_found", "")
		// There is no way to delete a ticket.
		if r := x.API(auth.RoleAdmin).Do("DELETE", fmt.Sprintf("/api/v1/tickets/%d", n.ID), nil); r.Code < 400 {
			t.Errorf("DELETE ticket: %s", r)
		}
		x.get(auth.RoleAdmin, n.ID)
	})
}

// TestListFilters checks community_id, kind, status and overdue.
func TestListFilters(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.clk.Set("2026-11-02T09:00:00+08:00") // Monday
		urgent := x.repair("电梯困人")
		urgent["urgency"] = "urgent"
		rUrgent := x.create(auth.RoleCSAgent, urgent)         // respond by 09:30
		rNew := x.create(auth.RoleCSAgent, x.repair("灯不亮"))   // respond by 11:00
		c := x.create(auth.RoleCSAgent, x.complaint("保洁不到位")) // respond by Tue 09:00
		rDone := x.create(auth.RoleCSAgent, x.repair("门锁坏"))  // resolved at once
		x.act(auth.RoleCSAgent, rDone.ID, "resolve", map[string]any{"resolution": "已修好"})
		rB := x.create(auth.RoleAdmin, map[string]any{"community_id": x.B.Community.ID, "location": "东门", "kind": "repair", "title": "道闸故障"})

		a := fmt.Sprintf("community_id=%d", x.A.Community.ID)
		sorted := func(ids ...int64) []int64 { slices.Sort(ids); return ids }
		check := func(role auth.Role, q string, want ...int64) {
			t.Helper()
			got := x.list(role, q)
			slices.Sort(got)
			if !slices.Equal(got, sorted(want...)) {
				t.Errorf("?%s as %s: %v, want %v", q, role, got, sorted(want...))
			}
		}
		check(auth.RoleCSAgent, a, rUrgent.ID, rNew.ID, c.ID, rDone.ID)
		check(auth.RoleAdmin, a+"&kind=repair", rUrgent.ID, rNew.ID, rDone.ID)
		check(auth.RoleAdmin, a+"&kind=投诉", c.ID)
		check(auth.RoleAdmin, a+"&status=resolved", rDone.ID)
		check(auth.RoleAdmin, a+"&status=open", rUrgent.ID, rNew.ID, c.ID)
		check(auth.RoleAdmin, a+"&kind=repair&status=new", rUrgent.ID, rNew.ID)
		check(auth.RoleAdmin, fmt.Sprintf("community_id=%d", x.B.Community.ID), rB.ID)
		check(auth.RoleAdmin, a+"&overdue=true")

		// 09:40: only the urgent repair is past its 30-minute response.
		x.clk.Set("2026-11-02T09:40:00+08:00")
		check(auth.RoleAdmin, a+"&overdue=true", rUrgent.ID)
		// Tuesday 09:30: the normal repair (2 h) and the complaint (1
		// working day, due Tue 09:00) have not been answered either; the
		// resolved one is not late.
		x.clk.Set("2026-11-03T09:30:00+08:00")
		check(auth.RoleCSAgent, a+"&overdue=true", rUrgent.ID, rNew.ID, c.ID)
		check(auth.RoleCSAgent, a+"&overdue=true&kind=complaint", c.ID)
		if g := x.get(auth.RoleCSAgent, c.ID); !g.Overdue {
			t.Errorf("complaint past its response deadline not shown overdue")
		}
		if g := x.get(auth.RoleCSAgent, rDone.ID); g.Overdue {
			t.Errorf("resolved repair shown overdue")
		}
		// Answering the complaint takes it off the list.
		x.act(auth.RoleCSAgent, c.ID, "reply", map[string]any{"text": "已安排保洁主管跟进"})
		check(auth.RoleCSAgent, a+"&overdue=true", rUrgent.ID, rNew.ID)

		expectError(t, x.API(auth.RoleAdmin).Get("/api/v1/tickets?status=lost"), 422, "invalid", "status")
		expectError(t, x.API(auth.RoleAdmin).Get("/api/v1/tickets?kind=lost"), 422, "invalid", "kind")
		expectError(t, x.API(auth.RoleAdmin).Get("/api/v1/tickets?community_id=abc"), 422, "invalid", "community_id")
	})
}

// TestSLAPolicyAPI edits a policy: the next ticket uses it, earlier ones
// keep their deadlines; malformed durations are refused on their field.
func TestSLAPolicyAPI(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		// The policy table is shared by the package's tests: restore the
		// default of the one policy this test edits.
		t.Cleanup(func() {
			x.DB.ExecContext(context.Background(), `DELETE FROM sla_policies WHERE kind = 'suggestion' AND urgency = 'urgent'`)
		})
		x.clk.Set("2026-11-04T10:00:00+08:00") // Wednesday
		body := x.repair("建议增加充电桩")
		body["kind"], body["urgency"] = "suggestion", "urgent"
		before := x.create(auth.RoleCSAgent, body) // default: 1 and 3 working days
		if cst(before.RespondDueAt) != "2026-11-05T10:00:00+08:00" || cst(before.ResolveDueAt) != "2026-11-09T10:00:00+08:00" {
			t.Errorf("default urgent suggestion: %s %s", cst(before.RespondDueAt), cst(before.ResolveDueAt))
		}

		r := x.do(auth.RoleDirector, "PUT", "/api/v1/sla-policies", map[string]any{"kind": "suggestion", "urgency": "urgent",
			"respond_within": map[string]any{"minutes": 45}, "resolve_within": map[string]any{"workdays": 2}}, http.StatusOK)
		var p ticket.Policy
		r.JSON(t, &p)
		if p.Kind != "suggestion" || p.Urgency != "urgent" || p.RespondWithin != (ticket.Within{Minutes: 45}) || p.ResolveWithin != (ticket.Within{Workdays: 2}) {
			t.Errorf("saved policy: %+v", p)
		}
		var list struct{ Items []ticket.Policy }
		x.do(auth.RoleCSAgent, "GET", "/api/v1/sla-policies", nil, http.StatusOK).JSON(t, &list)
		if len(list.Items) != len(ticket.Kinds)*len(ticket.Urgencies) {
			t.Errorf("%d policies listed", len(list.Items))
		}
		for _, q := range list.Items {
			if q.Kind == "suggestion" && q.Urgency == "urgent" && (q.RespondWithin.Minutes != 45 || q.ResolveWithin.Workdays != 2) {
				t.Errorf("listed: %+v", q)
			}
		}
		x.clk.Add(time.Minute)
		after := x.create(auth.RoleCSAgent, body)
		if cst(after.RespondDueAt) != "2026-11-04T10:46:00+08:00" || cst(after.ResolveDueAt) != "2026-11-06T10:01:00+08:00" {
			t.Errorf("with the new policy: %s %s", cst(after.RespondDueAt), cst(after.ResolveDueAt))
		}
		if g := x.get(auth.RoleCSAgent, before.ID); !g.RespondDueAt.Equal(before.RespondDueAt) || !g.ResolveDueAt.Equal(before.ResolveDueAt) {
			t.Errorf("an existing ticket's deadlines moved: %s %s", cst(g.RespondDueAt), cst(g.ResolveDueAt))
		}

		ok := map[string]any{"minutes": 30}
		for _, c := range []struct {
			name    string
			body    map[string]any
			field   string
			respond any
		}{
			{"both", nil, "respond_within", map[string]any{"minutes": 30, "workdays": 1}},
			{"neither", nil, "respond_within", map[string]any{}},
			{"missing", nil, "respond_within", nil},
			{"zero", nil, "respond_within", map[string]any{"minutes": 0}},
			{"negative minutes with workdays", nil, "respond_within", map[string]any{"minutes": -30, "workdays": 1}},
			{"negative workdays", nil, "respond_within", map[string]any{"workdays": -1}},
			{"resolve both", map[string]any{"kind": "repair", "respond_within": ok,
				"resolve_within": map[string]any{"minutes": 60, "workdays": 2}}, "resolve_within", nil},
			{"bad kind", map[string]any{"kind": "noise", "respond_within": ok, "resolve_within": ok}, "kind", nil},
			{"not a number", map[string]any{"kind": "repair", "respond_within": map[string]any{"minutes": "30"}, "resolve_within": ok}, "respond_within.minutes", nil},
		} {
			b := c.body
			if b == nil {
				b = map[string]any{"kind": "suggestion", "urgency": "urgent", "resolve_within": ok}
				if c.respond != nil {
					b["respond_within"] = c.respond
				}
			}
			r := x.API(auth.RoleAdmin).Do("PUT", "/api/v1/sla-policies", b)
			if r.Code != 422 {
				t.Errorf("%s: %s", c.name, r)
				continue
			}
			if e := r.Error(t); e.Field != c.field {
				t.Errorf("%s: field %q, want %q", c.name, e.Field, c.field)
			}
		}
		// Only admin and director edit policies.
		expectError(t, x.API(auth.RoleCSManager).Do("PUT", "/api/v1/sla-policies", map[string]any{"kind": "suggestion",
			"urgency": "urgent", "respond_within": ok, "resolve_within": ok}), 403, "forbidden", "")
		// The refused edits changed nothing.
		x.clk.Add(time.Minute)
		if again := x.create(auth.RoleCSAgent, body); cst(again.RespondDueAt) != "2026-11-04T10:47:00+08:00" {
			t.Errorf("policy changed by a refused edit: %s", cst(again.RespondDueAt))
		}
	})
}
