package ticket_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/ticket"
)

type inbox struct {
	Items  []ticket.Notification `json:"items"`
	Total  int                   `json:"total"`
	Unread int                   `json:"unread"`
}

// inboxOf reads GET /api/v1/notifications as a client.
func inboxOf(t *testing.T, c *apptest.Client) inbox {
	t.Helper()
	r := c.Get("/api/v1/notifications")
	if r.Code != http.StatusOK {
		t.Fatalf("notifications: %s", r)
	}
	var in inbox
	r.JSON(t, &in)
	return in
}

// kinds lists an inbox's (kind, ticket) pairs, oldest first.
func (in inbox) kinds() []string {
	var out []string
	for _, n := range slices.Backward(in.Items) {
		out = append(out, fmt.Sprintf("%s:%d", n.Kind, n.TicketID))
	}
	return out
}

// TestMajorComplaintNotifiesDirectors: a major complaint reaches every
// 中心主任 of the community at once, and then carries a written report.
func TestMajorComplaintNotifiesDirectors(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		director := x.API(auth.RoleDirector)
		director2 := x.NewUser(auth.RoleDirector, x.A.Community.ID, x.B.Community.ID)
		directorB := x.NewUser(auth.RoleDirector, x.B.Community.ID)
		c := x.create(auth.RoleCSAgent, x.complaint("楼顶漏水三个月无人处理"))
		if in := inboxOf(t, director); in.Unread != 0 || in.Total != 0 {
			t.Fatalf("director's inbox before: %+v", in)
		}
		g := x.act(auth.RoleCSManager, c.ID, "validity", map[string]any{"valid": true, "reason": "多户受影响", "major": true})
		if !g.Major || g.Valid == nil || !*g.Valid || !strings.HasPrefix(g.Events[len(g.Events)-1].Note, "重大投诉") {
			t.Errorf("major: %+v", g)
		}
		in := inboxOf(t, director)
		if in.Unread != 1 || in.Total != 1 || in.Items[0].Kind != "major" || in.Items[0].TicketID != c.ID ||
			!strings.Contains(in.Items[0].Title, c.Number) || in.Items[0].ReadAt != nil {
			t.Errorf("director's inbox: %+v", in)
		}
		if in := inboxOf(t, x.APIAs(director2.Login)); in.Unread != 1 {
			t.Errorf("second director of A: %+v", in)
		}
		if in := inboxOf(t, x.APIAs(directorB.Login)); in.Unread != 0 || in.Total != 0 {
			t.Errorf("director of B only was told: %+v", in)
		}
		if in := inboxOf(t, x.API(auth.RoleCSManager)); in.Total != 0 {
			t.Errorf("manager's inbox: %+v", in)
		}
		// Judging it major again does not tell them twice.
		x.act(auth.RoleDirector, c.ID, "validity", map[string]any{"valid": true, "reason": "复核仍为重大", "major": true})
		if in := inboxOf(t, director); in.Total != 1 {
			t.Errorf("second judgement notified again: %+v", in)
		}

		// The written report.
		expectError(t, x.try(auth.RoleCSManager, c.ID, "major-report", map[string]any{"report": " "}), 422, "invalid", "report")
		report := "一、事件经过：……\n二、处理措施：……\n三、整改计划：……"
		g = x.act(auth.RoleCSManager, c.ID, "major-report", map[string]any{"report": report})
		if g.MajorReport != report || g.Events[len(g.Events)-1].Action != "major" {
			t.Errorf("report: %q %v", g.MajorReport, actions(g.Events))
		}
		if g := x.get(auth.RoleAuditor, c.ID); g.MajorReport != report {
			t.Errorf("report not stored: %q", g.MajorReport)
		}

		// Read: the badge goes to 0.
		if r := director.Post("/api/v1/notifications/read", nil); r.Code != http.StatusNoContent {
			t.Errorf("mark read: %s", r)
		}
		if in := inboxOf(t, director); in.Unread != 0 || in.Total != 1 || in.Items[0].ReadAt == nil {
			t.Errorf("after reading: %+v", in)
		}

		// An invalid complaint is never major; a non-major one takes no
		// report.
		d := x.create(auth.RoleCSAgent, x.complaint("普通投诉"))
		if g := x.act(auth.RoleCSManager, d.ID, "validity", map[string]any{"valid": false, "reason": "不属实", "major": true}); g.Major {
			t.Errorf("invalid complaint marked major")
		}
		expectError(t, x.try(auth.RoleCSManager, d.ID, "major-report", map[string]any{"report": report}), 409, "conflict", "major")
		if in := inboxOf(t, director); in.Unread != 0 {
			t.Errorf("invalid complaint notified the director: %+v", in)
		}
	})
}

// TestDispatchAndResolveNotify: the assignee hears of a dispatch, the
// receiver of a callback due.
func TestDispatchAndResolveNotify(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		staff := x.user(auth.RoleDeptStaff)
		a := x.create(auth.RoleCSAgent, x.repair("派给个人"))
		b := x.create(auth.RoleCSAgent, x.repair("只派部门"))
		x.act(auth.RoleCSManager, a.ID, "dispatch", map[string]any{"department": "工程部", "assignee_id": staff.ID})
		x.act(auth.RoleCSManager, b.ID, "dispatch", map[string]any{"department": "工程部"})
		in := inboxOf(t, x.API(auth.RoleDeptStaff))
		if !slices.Equal(in.kinds(), []string{fmt.Sprintf("assigned:%d", a.ID)}) || in.Unread != 1 ||
			!strings.Contains(in.Items[0].Title, a.Number) {
			t.Errorf("assignee's inbox: %v %+v", in.kinds(), in)
		}
		x.act(auth.RoleDeptStaff, a.ID, "resolve", bodies["resolve"])
		if in := inboxOf(t, x.API(auth.RoleCSAgent)); !slices.Equal(in.kinds(), []string{fmt.Sprintf("callback_due:%d", a.ID)}) {
			t.Errorf("receiver's inbox: %v", in.kinds())
		}
		// A malformed id is refused, not taken for "all".
		c := x.API(auth.RoleDeptStaff)
		expectError(t, c.Post("/api/v1/notifications/read?id=abc", nil), 422, "invalid", "id")
		if in := inboxOf(t, c); in.Unread != 1 {
			t.Errorf("a malformed id marked notifications read: %+v", in)
		}
		// One notification can be marked read on its own.
		if r := c.Post(fmt.Sprintf("/api/v1/notifications/read?id=%d", in.Items[0].ID), nil); r.Code != http.StatusNoContent {
			t.Fatalf("mark one read: %s", r)
		}
		if in := inboxOf(t, c); in.Unread != 0 {
			t.Errorf("after marking it read: %+v", in)
		}
		// The assignee hears of the reopening.
		x.act(auth.RoleCSAgent, a.ID, "callback", map[string]any{"result": "unsatisfied", "note": "未修好"})
		in = inboxOf(t, c)
		if in.Unread != 1 || in.Items[0].Kind != "reopen-1" || in.Items[0].TicketID != a.ID {
			t.Errorf("assignee not told of the reopening: %v", in.kinds())
		}
		// Another user cannot mark it read.
		x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/notifications/read?id=%d", in.Items[0].ID), nil)
		if in := inboxOf(t, c); in.Unread != 1 {
			t.Errorf("another user marked the assignee's notification read")
		}
	})
}

// escalateAll runs the escalation job until it has nothing left to flag
// at the current time (it works in batches) and returns the total.
func escalateAll(t *testing.T, x *fx) int {
	t.Helper()
	total := 0
	for {
		n, err := x.svc.Escalate(context.Background())
		if err != nil {
			t.Fatalf("escalate: %v", err)
		}
		total += n
		if n < 500 {
			return total
		}
	}
}

// TestEscalation: the job flags each late ticket once, puts it on the
// timeline, tells the community's 客服经理 and the assignee, and warns
// the assignee an hour ahead; running it again changes nothing.
func TestEscalation(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		staff := x.user(auth.RoleDeptStaff)
		x.clk.Set("2026-11-02T09:00:00+08:00") // Monday
		urgent := x.repair("配电房跳闸")
		urgent["urgency"] = "urgent"
		r := x.create(auth.RoleCSAgent, urgent)                 // respond by 09:30, resolve by 13:00
		c := x.create(auth.RoleCSAgent, x.complaint("垃圾清运不及时")) // respond by Tue 09:00
		done := x.create(auth.RoleCSAgent, x.repair("换灯泡"))
		gone := x.create(auth.RoleCSAgent, urgent)
		x.clk.Set("2026-11-02T09:10:00+08:00")
		x.act(auth.RoleCSManager, r.ID, "dispatch", map[string]any{"department": "工程部", "assignee_id": staff.ID})
		x.act(auth.RoleCSAgent, done.ID, "resolve", bodies["resolve"])
		x.act(auth.RoleCSAgent, gone.ID, "cancel", map[string]any{"reason": "误报"})

		escalations := func(id int64) int {
			t.Helper()
			n := 0
			for _, e := range x.get(auth.RoleAdmin, id).Events {
				if e.Action == "escalate" {
					n++
				}
			}
			return n
		}
		manager := x.API(auth.RoleCSManager)
		staffC := x.API(auth.RoleDeptStaff)

		// 12:30: nothing is late; the assignee is warned of 13:00.
		x.clk.Set("2026-11-02T12:30:00+08:00")
		escalateAll(t, x)
		if escalations(r.ID) != 0 || inboxOf(t, manager).Total != 0 {
			t.Errorf("escalated before any deadline")
		}
		want := []string{fmt.Sprintf("assigned:%d", r.ID), fmt.Sprintf("due_soon:%d", r.ID)}
		if got := inboxOf(t, staffC).kinds(); !slices.Equal(got, want) {
			t.Errorf("assignee at 12:30: %v, want %v", got, want)
		}
		escalateAll(t, x)
		if got := inboxOf(t, staffC).kinds(); !slices.Equal(got, want) {
			t.Errorf("warned twice: %v", got)
		}

		// 13:30: the repair is past its resolve deadline.
		x.clk.Set("2026-11-02T13:30:00+08:00")
		if n := escalateAll(t, x); n < 1 {
			t.Errorf("escalate flagged %d", n)
		}
		g := x.get(auth.RoleAdmin, r.ID)
		last := g.Events[len(g.Events)-1]
		if !g.Overdue || last.Action != "escalate" || last.UserName != "系统" || last.FromStatus != "dispatched" ||
			last.ToStatus != "dispatched" || !strings.Contains(last.Note, "完成时限") {
			t.Errorf("escalated repair: overdue %v last %+v", g.Overdue, last)
		}
		if got := inboxOf(t, manager).kinds(); !slices.Equal(got, []string{fmt.Sprintf("overdue:%d", r.ID)}) {
			t.Errorf("manager at 13:30: %v", got)
		}
		want = append(want, fmt.Sprintf("overdue:%d", r.ID))
		if got := inboxOf(t, staffC).kinds(); !slices.Equal(got, want) {
			t.Errorf("assignee at 13:30: %v", got)
		}
		// Idempotent.
		if n := escalateAll(t, x); n != 0 {
			t.Errorf("second run flagged %d more", n)
		}
		if escalations(r.ID) != 1 || inboxOf(t, manager).Total != 1 || len(inboxOf(t, staffC).Items) != 3 {
			t.Errorf("second run repeated itself")
		}

		// Tuesday 09:30: the complaint was not answered within 1 working day.
		x.clk.Set("2026-11-03T09:30:00+08:00")
		escalateAll(t, x)
		g = x.get(auth.RoleAdmin, c.ID)
		if !g.Overdue || escalations(c.ID) != 1 || !strings.Contains(g.Events[len(g.Events)-1].Note, "响应时限") {
			t.Errorf("late complaint: overdue %v timeline %v", g.Overdue, actions(g.Events))
		}
		wantM := []string{fmt.Sprintf("overdue:%d", r.ID), fmt.Sprintf("overdue:%d", c.ID)}
		if got := inboxOf(t, manager).kinds(); !slices.Equal(got, wantM) {
			t.Errorf("manager on Tuesday: %v", got)
		}
		if n := escalateAll(t, x); n != 0 {
			t.Errorf("third run flagged %d", n)
		}
		if escalations(r.ID) != 1 || escalations(done.ID) != 0 || escalations(gone.ID) != 0 {
			t.Errorf("escalations: repair %d resolved %d cancelled %d", escalations(r.ID), escalations(done.ID), escalations(gone.ID))
		}
		// The list shows exactly the late ones, flagged red.
		var out struct{ Items []ticket.Ticket }
		x.do(auth.RoleCSManager, "GET", fmt.Sprintf("/api/v1/tickets?community_id=%d&overdue=true", x.A.Community.ID), nil, http.StatusOK).JSON(t, &out)
		var ids []int64
		for _, tk := range out.Items {
			ids = append(ids, tk.ID)
			if !tk.Overdue {
				t.Errorf("ticket %d in the overdue list not flagged", tk.ID)
			}
		}
		slices.Sort(ids)
		if want := []int64{r.ID, c.ID}; !slices.Equal(ids, want) {
			t.Errorf("overdue list %v, want %v", ids, want)
		}
	})
}
