package ticket_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"wuye/internal/platform/auth"
)

// TestSLAOnStatutoryCalendar checks deadlines against the real 2026/2027
// holidays: 国庆 2026 off 10-01..10-07 with 调休 Sun 09-20 and Sat 10-10;
// 春节 2027 off 02-05..02-13 with 调休 Sun 01-31 and Sun 02-14.
func TestSLAOnStatutoryCalendar(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		deadlines := func(now string, body map[string]any, respond, resolve string) {
			t.Helper()
			x.clk.Set(now)
			tk := x.create(auth.RoleCSAgent, body)
			if cst(tk.RespondDueAt) != respond || cst(tk.ResolveDueAt) != resolve {
				t.Errorf("%s %s received %s: respond_due %s resolve_due %s, want %s %s", body["kind"], body["urgency"], now,
					cst(tk.RespondDueAt), cst(tk.ResolveDueAt), respond, resolve)
			}
		}
		urgentRepair := x.repair("水管爆裂")
		urgentRepair["urgency"] = "urgent"

		// Wednesday before 国庆: a complaint (1 and 3 working days) is due
		// Thursday 10-08 for the response and the 调休 Saturday 10-10 for
		// the resolution.
		deadlines("2026-09-30T10:00:00+08:00", x.complaint("国庆前投诉"), "2026-10-08T10:00:00+08:00", "2026-10-10T10:00:00+08:00")
		// An urgent repair is calendar time: 30 minutes and 4 hours,
		// holiday or not.
		deadlines("2026-09-30T10:00:00+08:00", urgentRepair, "2026-09-30T10:30:00+08:00", "2026-09-30T14:00:00+08:00")
		deadlines("2026-10-03T23:50:00+08:00", urgentRepair, "2026-10-04T00:20:00+08:00", "2026-10-04T03:50:00+08:00")
		// A normal repair on Friday 10-09 (2 working days): the 调休
		// Saturday counts, Sunday does not.
		deadlines("2026-10-09T17:00:00+08:00", x.repair("节后报修"), "2026-10-09T19:00:00+08:00", "2026-10-12T17:00:00+08:00")
		// A complaint taken during the holiday counts from the next
		// working day.
		deadlines("2026-10-02T11:00:00+08:00", x.complaint("假期投诉"), "2026-10-08T11:00:00+08:00", "2026-10-10T11:00:00+08:00")
		// 春节 2027: from Friday 01-29 the 调休 Sunday 01-31 is the first
		// working day; from Thursday 02-04 it is the 调休 Sunday 02-14.
		deadlines("2027-01-29T16:00:00+08:00", x.complaint("年前投诉"), "2027-01-31T16:00:00+08:00", "2027-02-02T16:00:00+08:00")
		deadlines("2027-02-04T09:00:00+08:00", x.complaint("春节前投诉"), "2027-02-14T09:00:00+08:00", "2027-02-16T09:00:00+08:00")

		// The calendar API gives the same answer.
		var add struct{ At string }
		x.do(auth.RoleCSAgent, "GET", "/api/v1/workdays/add?from=2026-09-30T10:00:00%2B08:00&days=3", nil, http.StatusOK).JSON(t, &add)
		if add.At != "2026-10-10T10:00:00+08:00" {
			t.Errorf("workdays/add: %s", add.At)
		}

		// A call taken on the night of 09-30 and typed in on 10-09 counts
		// from when it was received, not from now.
		x.clk.Set("2026-10-09T08:30:00+08:00")
		b := x.complaint("夜间来电补录")
		b["received_at"] = "2026-09-30T22:10:00+08:00"
		tk := x.create(auth.RoleCSAgent, b)
		if cst(tk.ReceivedAt) != "2026-09-30T22:10:00+08:00" || cst(tk.RespondDueAt) != "2026-10-08T22:10:00+08:00" ||
			cst(tk.ResolveDueAt) != "2026-10-10T22:10:00+08:00" || cst(tk.CreatedAt) != "2026-10-09T08:30:00+08:00" {
			t.Errorf("backfilled: received %s respond %s resolve %s created %s", cst(tk.ReceivedAt), cst(tk.RespondDueAt),
				cst(tk.ResolveDueAt), cst(tk.CreatedAt))
		}
		g := x.get(auth.RoleCSAgent, tk.ID)
		if len(g.Events) != 1 || !strings.Contains(g.Events[0].Note, "补录") || !strings.Contains(g.Events[0].Note, "2026-09-30 22:10") {
			t.Errorf("backfill not on the timeline: %+v", g.Events)
		}
		// It is already late on both counts when typed in.
		if !g.Overdue {
			t.Errorf("backfilled ticket past its deadlines not overdue")
		}
		// An offset other than +08:00 is the same instant.
		b["received_at"] = "2026-09-30T14:10:00Z"
		if tk := x.create(auth.RoleCSAgent, b); cst(tk.ReceivedAt) != "2026-09-30T22:10:00+08:00" || cst(tk.RespondDueAt) != "2026-10-08T22:10:00+08:00" {
			t.Errorf("UTC input: received %s respond %s", cst(tk.ReceivedAt), cst(tk.RespondDueAt))
		}
	})
}

// TestSLAFollowsCalendarOverrides: an admin making Thursday 2026-10-08 a
// day off moves the next ticket's deadlines; earlier tickets keep theirs.
func TestSLAFollowsCalendarOverrides(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		// The override table is shared by the package's tests.
		t.Cleanup(func() {
			x.DB.ExecContext(context.Background(), `DELETE FROM workday_overrides WHERE day = '2026-10-08'`)
			x.App.Workdays.Invalidate()
		})
		x.clk.Set("2026-09-30T10:00:00+08:00")
		before := x.create(auth.RoleCSAgent, x.complaint("调整前"))
		if cst(before.RespondDueAt) != "2026-10-08T10:00:00+08:00" {
			t.Fatalf("before the override: %s", cst(before.RespondDueAt))
		}
		x.do(auth.RoleAdmin, "PUT", "/api/v1/workdays/2026-10-08", map[string]any{"working": false, "note": "全员消防演练"}, http.StatusOK)
		x.clk.Set("2026-09-30T10:05:00+08:00")
		after := x.create(auth.RoleCSAgent, x.complaint("调整后"))
		// 1 working day: Friday 10-09. 3: 10-09, Sat 10-10 (调休), Mon 10-12.
		if cst(after.RespondDueAt) != "2026-10-09T10:05:00+08:00" || cst(after.ResolveDueAt) != "2026-10-12T10:05:00+08:00" {
			t.Errorf("with 10-08 off: respond %s resolve %s", cst(after.RespondDueAt), cst(after.ResolveDueAt))
		}
		if g := x.get(auth.RoleCSAgent, before.ID); !g.RespondDueAt.Equal(before.RespondDueAt) || !g.ResolveDueAt.Equal(before.ResolveDueAt) {
			t.Errorf("earlier ticket moved: %s %s", cst(g.RespondDueAt), cst(g.ResolveDueAt))
		}
		// Removing the override restores the statutory answer.
		x.do(auth.RoleAdmin, "DELETE", "/api/v1/workdays/2026-10-08", nil, http.StatusOK)
		if again := x.create(auth.RoleCSAgent, x.complaint("恢复后")); cst(again.RespondDueAt) != "2026-10-08T10:05:00+08:00" {
			t.Errorf("after removing the override: %s", cst(again.RespondDueAt))
		}
	})
}
