package ticket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/ticket"
)

// bodies are valid request bodies of every action.
var bodies = map[string]any{
	"dispatch": map[string]any{"department": "工程部"},
	"start":    nil,
	"reply":    map[string]any{"text": "已收到，正在安排"},
	"resolve":  map[string]any{"resolution": "已处理完毕"},
	"callback": map[string]any{"result": "satisfied", "note": "业主满意"},
	"reopen":   map[string]any{"reason": "问题复发"},
	"cancel":   map[string]any{"reason": "重复登记"},
	"validity": map[string]any{"valid": true, "reason": "经核实属实"},
}

// allowed is the workflow of the issue, written out independently of the
// code: from each status, the actions allowed and the status they lead to.
var allowed = map[string]map[string]string{
	"new":         {"dispatch": "dispatched", "reply": "new", "resolve": "resolved", "cancel": "cancelled", "validity": "new"},
	"dispatched":  {"dispatch": "dispatched", "start": "in_progress", "reply": "dispatched", "resolve": "resolved", "cancel": "cancelled", "validity": "dispatched"},
	"in_progress": {"dispatch": "dispatched", "reply": "in_progress", "resolve": "resolved", "cancel": "cancelled", "validity": "in_progress"},
	"resolved":    {"reply": "resolved", "callback": "closed", "reopen": "dispatched", "validity": "resolved"},
	"closed":      {"reopen": "dispatched", "validity": "closed"},
	"cancelled":   {},
}

// path is how a fresh ticket reaches each status.
var path = map[string][]string{
	"new":         {},
	"dispatched":  {"dispatch"},
	"in_progress": {"dispatch", "start"},
	"resolved":    {"dispatch", "start", "resolve"},
	"closed":      {"dispatch", "start", "resolve", "callback"},
	"cancelled":   {"cancel"},
}

// ticketIn creates a complaint and walks it to status.
func (x *fx) ticketIn(status string) *ticket.Ticket {
	x.t.Helper()
	tk := x.create(auth.RoleCSAgent, x.complaint("状态"+status))
	for _, a := range path[status] {
		x.clk.Add(time.Minute)
		tk = x.act(auth.RoleCSManager, tk.ID, a, bodies[a])
	}
	if tk.Status != status {
		x.t.Fatalf("could not reach %s: %s", status, tk.Status)
	}
	return tk
}

// TestEveryTransition tries every action from every status: the allowed
// ones succeed and lead where the workflow says, the others are 409 and
// change nothing.
func TestEveryTransition(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		for _, from := range ticket.Statuses {
			// One ticket takes every forbidden action in turn.
			stuck := x.ticketIn(from)
			before := x.get(auth.RoleCSManager, stuck.ID)
			for _, action := range []string{"dispatch", "start", "reply", "resolve", "callback", "reopen", "cancel", "validity"} {
				to, ok := allowed[from][action]
				if !ok {
					r := x.try(auth.RoleCSManager, stuck.ID, action, bodies[action])
					expectError(t, r, 409, "conflict", "status")
					continue
				}
				tk := x.ticketIn(from)
				x.clk.Add(time.Minute)
				got := x.act(auth.RoleCSManager, tk.ID, action, bodies[action])
				if got.Status != to {
					t.Errorf("%s from %s: status %s, want %s", action, from, got.Status, to)
				}
				last := got.Events[len(got.Events)-1]
				if len(got.Events) != len(path[from])+2 || last.Action != action || last.FromStatus != from || last.ToStatus != to {
					t.Errorf("%s from %s: timeline %v, last %+v", action, from, actions(got.Events), last)
				}
				if !got.UpdatedAt.Equal(x.clk.Now()) {
					t.Errorf("%s from %s: updated_at %s", action, from, got.UpdatedAt)
				}
			}
			after := x.get(auth.RoleCSManager, stuck.ID)
			if after.Status != before.Status || !after.UpdatedAt.Equal(before.UpdatedAt) || len(after.Events) != len(before.Events) ||
				after.ReopenCount != before.ReopenCount || (after.Valid == nil) != (before.Valid == nil) || after.CancelReason != before.CancelReason {
				t.Errorf("forbidden actions from %s changed the ticket: %+v → %+v", from, before, after)
			}
		}
	})
}

// TestFirstResponseReopenAndCancel: first_response_at is set once by the
// first dispatch, reply or resolution; reopening counts 返修; callbacks
// close or reopen; cancel keeps the record; the timeline only grows.
func TestFirstResponseReopenAndCancel(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.clk.Set("2026-11-02T09:00:00+08:00")
		hm := func(s string) time.Time { return at("2026-11-02T" + s + ":00+08:00") }
		set := func(hm string) { x.clk.Set("2026-11-02T" + hm + ":00+08:00") }
		same := func(p *time.Time, want time.Time) bool { return p != nil && p.Equal(want) }

		// A reply first: dispatch and resolution later do not move it.
		a := x.create(auth.RoleCSAgent, x.repair("回复在先"))
		if a.FirstResponseAt != nil {
			t.Errorf("new ticket has first_response_at %s", a.FirstResponseAt)
		}
		set("09:10")
		x.act(auth.RoleCSAgent, a.ID, "reply", bodies["reply"])
		set("09:20")
		x.act(auth.RoleCSAgent, a.ID, "dispatch", bodies["dispatch"])
		set("09:30")
		x.act(auth.RoleCSAgent, a.ID, "reply", map[string]any{"text": "师傅已出发"})
		set("09:40")
		if g := x.act(auth.RoleCSAgent, a.ID, "resolve", bodies["resolve"]); !same(g.FirstResponseAt, hm("09:10")) {
			t.Errorf("reply first: first_response_at %v, want 09:10", g.FirstResponseAt)
		}
		// A dispatch first.
		set("09:00")
		b := x.create(auth.RoleCSAgent, x.repair("派工在先"))
		set("09:05")
		x.act(auth.RoleCSAgent, b.ID, "dispatch", bodies["dispatch"])
		set("09:50")
		if g := x.act(auth.RoleCSAgent, b.ID, "reply", bodies["reply"]); !same(g.FirstResponseAt, hm("09:05")) {
			t.Errorf("dispatch first: first_response_at %v, want 09:05", g.FirstResponseAt)
		}

		// Resolved on the spot: the resolution is the first response.
		set("10:00")
		c := x.create(auth.RoleCSAgent, x.repair("当场解决"))
		set("10:15")
		g := x.act(auth.RoleCSAgent, c.ID, "resolve", map[string]any{"resolution": "指导业主复位空开"})
		if !same(g.FirstResponseAt, hm("10:15")) || !same(g.FirstResolvedAt, hm("10:15")) || !same(g.ResolvedAt, hm("10:15")) {
			t.Errorf("resolve first: %v %v %v", g.FirstResponseAt, g.FirstResolvedAt, g.ResolvedAt)
		}
		events := len(g.Events)
		grew := func(g *ticket.Ticket) {
			t.Helper()
			if len(g.Events) != events+1 {
				t.Errorf("timeline %v did not grow by one from %d", actions(g.Events), events)
			}
			events = len(g.Events)
		}
		// Reopen from resolved: back to dispatched, one 返修.
		set("11:00")
		g = x.act(auth.RoleCSManager, c.ID, "reopen", map[string]any{"reason": "跳闸复发"})
		grew(g)
		if g.Status != "dispatched" || g.ReopenCount != 1 || g.ResolvedAt != nil || !same(g.FirstResolvedAt, hm("10:15")) ||
			!strings.HasPrefix(g.Events[len(g.Events)-1].Note, "返修") {
			t.Errorf("reopen from resolved: %+v last %+v", g, g.Events[len(g.Events)-1])
		}
		set("12:00")
		g = x.act(auth.RoleCSAgent, c.ID, "resolve", map[string]any{"resolution": "更换空开"})
		grew(g)
		if !same(g.ResolvedAt, hm("12:00")) || !same(g.FirstResolvedAt, hm("10:15")) || !same(g.FirstResponseAt, hm("10:15")) {
			t.Errorf("second resolution: resolved %v first_resolved %v first_response %v", g.ResolvedAt, g.FirstResolvedAt, g.FirstResponseAt)
		}
		// A satisfied callback closes.
		set("13:00")
		g = x.act(auth.RoleCSAgent, c.ID, "callback", map[string]any{"result": "basically_satisfied", "note": "基本满意"})
		grew(g)
		if g.Status != "closed" || !same(g.ClosedAt, hm("13:00")) || g.CallbackResult != "basically_satisfied" || !same(g.CallbackAt, hm("13:00")) {
			t.Errorf("callback: %+v", g)
		}
		// Reopen from closed: a second 返修.
		set("14:00")
		g = x.act(auth.RoleCSManager, c.ID, "reopen", map[string]any{"reason": "再次跳闸"})
		grew(g)
		if g.Status != "dispatched" || g.ReopenCount != 2 || g.ClosedAt != nil {
			t.Errorf("reopen from closed: %+v", g)
		}
		// An unsatisfied callback reopens: a third.
		set("15:00")
		grew(x.act(auth.RoleCSAgent, c.ID, "resolve", map[string]any{"resolution": "重新布线"}))
		set("16:00")
		g = x.act(auth.RoleCSAgent, c.ID, "callback", map[string]any{"result": "不满意", "note": "仍然跳闸"})
		grew(g)
		last := g.Events[len(g.Events)-1]
		if g.Status != "dispatched" || g.ReopenCount != 3 || g.CallbackResult != "unsatisfied" || g.ClosedAt != nil || g.ResolvedAt != nil ||
			last.Action != "callback" || last.FromStatus != "resolved" || last.ToStatus != "dispatched" || !strings.Contains(last.Note, "仍然跳闸") {
			t.Errorf("unsatisfied callback: %+v last %+v", g, last)
		}
		want := []string{"create", "resolve", "reopen", "resolve", "callback", "reopen", "resolve", "callback"}
		if !slices.Equal(actions(g.Events), want) {
			t.Errorf("timeline %v", actions(g.Events))
		}

		// Cancel keeps the record with its reason; it is still listed and
		// read, and nothing more can happen to it.
		set("16:30")
		g = x.act(auth.RoleCSManager, b.ID, "cancel", map[string]any{"reason": "业主撤回"})
		if g.Status != "cancelled" || g.CancelReason != "业主撤回" || g.Events[len(g.Events)-1].Note != "业主撤回" {
			t.Errorf("cancel: %+v", g)
		}
		if ids := x.list(auth.RoleCSAgent, fmt.Sprintf("community_id=%d&status=cancelled", x.A.Community.ID)); !slices.Equal(ids, []int64{b.ID}) {
			t.Errorf("cancelled list: %v", ids)
		}
		expectError(t, x.try(auth.RoleCSManager, b.ID, "reopen", bodies["reopen"]), 409, "conflict", "status")
		if g := x.get(auth.RoleCSAgent, b.ID); g.Status != "cancelled" || len(g.Events) != 4 {
			t.Errorf("cancelled ticket: %s %v", g.Status, actions(g.Events))
		}

		// A complaint reopened is not called 返修 but still counted.
		d := x.ticketIn("closed")
		g = x.act(auth.RoleCSManager, d.ID, "reopen", map[string]any{"reason": "业主再次投诉"})
		if g.ReopenCount != 1 || strings.HasPrefix(g.Events[len(g.Events)-1].Note, "返修") {
			t.Errorf("complaint reopen: %d %q", g.ReopenCount, g.Events[len(g.Events)-1].Note)
		}

		// Every event ever written is still there.
		var n int
		if err := x.DB.QueryRowContext(context.Background(), `SELECT count(*) FROM ticket_events WHERE ticket_id IN ($1,$2,$3,$4)`,
			a.ID, b.ID, c.ID, d.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := 5 + 4 + events + 6; n != want {
			t.Errorf("%d events stored, want %d", n, want)
		}
	})
}

// TestReceiverNeverChanges: 首问责任制 — whoever registered the ticket
// stays its receiver through dispatch, reassignment, reopening and
// callback; dispatching hands over the work only.
func TestReceiverNeverChanges(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		agent := x.user(auth.RoleCSAgent)
		env, err := x.App.Auth.CreateUser(context.Background(), nil, auth.UserInput{Login: "env_" + x.Suffix, Name: "环境部王五",
			Role: auth.RoleDeptStaff, Department: "环境部", Communities: []int64{x.A.Community.ID}}, "Secret123")
		if err != nil {
			t.Fatal(err)
		}
		tk := x.create(auth.RoleCSAgent, x.repair("楼道积水"))
		check := func(step string, g *ticket.Ticket) {
			t.Helper()
			if g.ReceiverID != agent.ID || g.ReceiverName != agent.Name {
				t.Errorf("after %s: receiver %d %q, want %d %q", step, g.ReceiverID, g.ReceiverName, agent.ID, agent.Name)
			}
		}
		check("create", tk)
		staff := x.user(auth.RoleDeptStaff)
		g := x.act(auth.RoleCSManager, tk.ID, "dispatch", map[string]any{"department": "工程部", "assignee_id": staff.ID})
		check("dispatch", g)
		g = x.act(auth.RoleDirector, tk.ID, "dispatch", map[string]any{"assignee_id": env.ID})
		check("reassign", g)
		if g.Department != "环境部" || g.AssigneeID == nil || *g.AssigneeID != env.ID {
			t.Errorf("reassigned to %q %v, want the assignee's department 环境部", g.Department, g.AssigneeID)
		}
		check("start", x.act(auth.RoleCSManager, tk.ID, "start", nil))
		check("resolve", x.act(auth.RoleDirector, tk.ID, "resolve", bodies["resolve"]))
		check("callback", x.act(auth.RoleCSManager, tk.ID, "callback", map[string]any{"result": "unsatisfied", "note": "还在积水"}))
		check("resolve again", x.act(auth.RoleCSManager, tk.ID, "resolve", bodies["resolve"]))
		check("reopen", x.act(auth.RoleAdmin, tk.ID, "reopen", bodies["reopen"]))
		check("read by the manager", x.get(auth.RoleCSManager, tk.ID))
		// The receiver's list of received tickets is still theirs.
		var receiver int64
		x.DB.QueryRowContext(context.Background(), `SELECT receiver_id FROM tickets WHERE id = $1`, tk.ID).Scan(&receiver)
		if receiver != agent.ID {
			t.Errorf("stored receiver_id %d", receiver)
		}
	})
}

// TestTransitionsAreAudited: every step writes one audit row for entity
// "ticket" with the status before and after; a refused step writes none.
func TestTransitionsAreAudited(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		tk := x.create(auth.RoleCSAgent, x.complaint("电梯广告噪音"))
		steps := []struct {
			role   auth.Role
			action string
		}{
			{auth.RoleCSManager, "dispatch"}, {auth.RoleDeptStaff, "start"}, {auth.RoleDeptStaff, "reply"},
			{auth.RoleCSManager, "validity"}, {auth.RoleDeptStaff, "resolve"}, {auth.RoleCSAgent, "callback"},
			{auth.RoleCSManager, "reopen"}, {auth.RoleCSManager, "cancel"},
		}
		for _, s := range steps {
			x.clk.Add(time.Minute)
			x.act(s.role, tk.ID, s.action, bodies[s.action])
		}
		// Refused: no row.
		expectError(t, x.try(auth.RoleCSManager, tk.ID, "start", nil), 409, "conflict", "status")

		es, err := audit.History(context.Background(), x.DB, "ticket", tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(es) // oldest first
		type rec struct {
			Status     string `json:"status"`
			ReceiverID int64  `json:"receiver_id"`
		}
		statusOf := func(raw json.RawMessage) string {
			var r *rec
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatalf("audit json %s: %v", raw, err)
			}
			if r == nil {
				return ""
			}
			return r.Status
		}
		want := []struct{ action, before, after string }{
			{"create", "", "new"}, {"dispatch", "new", "dispatched"}, {"start", "dispatched", "in_progress"},
			{"reply", "in_progress", "in_progress"}, {"validity", "in_progress", "in_progress"},
			{"resolve", "in_progress", "resolved"}, {"callback", "resolved", "closed"}, {"reopen", "closed", "dispatched"},
			{"cancel", "dispatched", "cancelled"},
		}
		if len(es) != len(want) {
			t.Fatalf("%d audit rows, want %d", len(es), len(want))
		}
		roles := append([]auth.Role{auth.RoleCSAgent}, func() []auth.Role {
			var rs []auth.Role
			for _, s := range steps {
				rs = append(rs, s.role)
			}
			return rs
		}()...)
		for i, w := range want {
			e := es[i]
			if e.Entity != "ticket" || e.EntityID != tk.ID || e.Action != w.action || statusOf(e.Before) != w.before ||
				statusOf(e.After) != w.after || e.CommunityID != x.A.Community.ID || e.UserID != x.user(roles[i]).ID {
				t.Errorf("audit %d: %s %s → %s by %d in %d, want %s %s → %s by %s", i, e.Action, statusOf(e.Before), statusOf(e.After),
					e.UserID, e.CommunityID, w.action, w.before, w.after, roles[i])
			}
		}
		// The validity row shows what changed.
		var v struct {
			Valid *bool `json:"valid"`
		}
		json.Unmarshal(es[4].After, &v)
		if v.Valid == nil || !*v.Valid {
			t.Errorf("validity audit after: %s", es[4].After)
		}
	})
}
