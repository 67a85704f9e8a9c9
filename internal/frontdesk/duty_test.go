package frontdesk_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
)

// ticket registers a repair ticket in community c as the admin and
// returns its id and number.
func (x *ndFixture) ticket(c *apptest.Community) (int64, string) {
	x.t.Helper()
	var t struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
	}
	x.call(auth.RoleAdmin, "POST", "/api/v1/tickets", map[string]any{"community_id": c.Community.ID, "house_id": c.House.ID,
		"kind": "repair", "title": "厨房水管漏水", "description": "值班来电", "requester_name": c.Owner.Name,
		"requester_phone": c.Owner.Phone}, http.StatusCreated).JSON(x.t, &t)
	return t.ID, t.Number
}

// entry records a duty-log entry as role and fails unless the status is want.
func (x *ndFixture) entry(role auth.Role, body map[string]any, want int) *frontdesk.DutyEntry {
	x.t.Helper()
	var e frontdesk.DutyEntry
	r := x.call(role, "POST", "/api/v1/duty-log", body, want)
	if want == http.StatusCreated {
		r.JSON(x.t, &e)
	}
	return &e
}

func TestDutyEntriesAnswerEveryCallWithATicketOrAReason(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		a := x.A.Community.ID
		call := func(extra map[string]any) map[string]any {
			m := map[string]any{"community_id": a, "shift": "day", "kind": "call", "summary": "业主来电询问停水时间",
				"caller_name": "3-2-1201 张先生", "caller_phone": "13900001111"}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		// A call without a ticket and without a reason is refused.
		e := ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/duty-log", call(nil)), http.StatusBadRequest, "invalid", "no_ticket_reason")
		if !strings.Contains(e.Message, "未立工单原因") {
			t.Errorf("message %q", e.Message)
		}
		ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/duty-log", call(map[string]any{"kind": "visit", "no_ticket_reason": " "})),
			http.StatusBadRequest, "invalid", "no_ticket_reason")
		first := x.entry(auth.RoleCSAgent, call(map[string]any{"no_ticket_reason": "咨询已答复"}), http.StatusCreated)
		if first.ID == 0 || first.ShiftID == 0 || first.Kind != "call" || first.NoTicketReason != "咨询已答复" || first.TicketID != nil ||
			first.DutyDate != "2026-11-20" || !first.At.Equal(x.clk.Now()) || first.CallerPhone != "13900001111" {
			t.Fatalf("entry %+v", first)
		}
		// A call that made a ticket names it; its reason is not kept.
		tid, number := x.ticket(x.A)
		x.clk.Add(10 * time.Minute)
		withTicket := x.entry(auth.RoleCashier, call(map[string]any{"ticket_id": tid, "no_ticket_reason": "多余"}), http.StatusCreated)
		if withTicket.TicketID == nil || *withTicket.TicketID != tid || withTicket.TicketNumber != number || withTicket.NoTicketReason != "" ||
			withTicket.ShiftID != first.ShiftID {
			t.Errorf("entry with ticket %+v", withTicket)
		}
		// A ticket of another community, or none at all, is refused
		// without telling which.
		bt, _ := x.ticket(x.B)
		for _, id := range []int64{bt, 987654321} {
			e := ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/duty-log", call(map[string]any{"ticket_id": id})),
				http.StatusBadRequest, "invalid", "ticket_id")
			if e.Message != "工单不存在或不属于本小区" {
				t.Errorf("message %q", e.Message)
			}
		}
		// A note needs no reason; the night shift is a shift of its own.
		note := x.entry(auth.RoleCSAgent, map[string]any{"community_id": a, "shift": "day", "kind": "note", "summary": "巡查消防通道畅通"}, http.StatusCreated)
		night := x.entry(auth.RoleCSManager, map[string]any{"community_id": a, "shift": "night", "kind": "note", "summary": "夜班提前到岗"}, http.StatusCreated)
		if note.ShiftID != first.ShiftID || night.ShiftID == first.ShiftID || night.Shift != "night" {
			t.Errorf("shifts: day %d, note %d, night %d", first.ShiftID, note.ShiftID, night.ShiftID)
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{call(map[string]any{"kind": "repair"}), "kind"},
			{call(map[string]any{"shift": "evening"}), "shift"},
			{call(map[string]any{"summary": ""}), "summary"},
			{call(map[string]any{"caller_phone": "call me maybe", "no_ticket_reason": "打错电话"}), "caller_phone"},
			{call(map[string]any{"at": "2026-11-23T10:00:00+08:00", "no_ticket_reason": "打错电话"}), "at"},
			{call(map[string]any{"community_id": nil, "no_ticket_reason": "打错电话"}), "community_id"},
			{call(map[string]any{"ticket_id": "12"}), "ticket_id"},
		} {
			ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/duty-log", c.body), http.StatusBadRequest, "invalid", c.field)
		}
		// The day shift lists its entries and counts; its staff are the writers.
		var shifts struct {
			Items []frontdesk.DutyShift `json:"items"`
			Total int                   `json:"total"`
		}
		x.call(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/duty-log/shifts?community_id=%d&shift=day", a), nil, http.StatusOK).JSON(t, &shifts)
		day := shifts.Items[0]
		if shifts.Total != 1 || day.Entries != 3 || day.Calls != 2 || day.Tickets != 1 || day.Status != "open" ||
			day.Staff != x.Users[auth.RoleCSAgent].Name+"、"+x.Users[auth.RoleCashier].Name {
			t.Errorf("day shift %+v", day)
		}
		var list struct {
			Items []frontdesk.DutyEntry `json:"items"`
			Total int                   `json:"total"`
		}
		x.call(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/duty-log?community_id=%d&shift_id=%d", a, day.ID), nil, http.StatusOK).JSON(t, &list)
		if list.Total != 3 || list.Items[0].ID != note.ID {
			t.Errorf("entries %+v", list)
		}
		x.call(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/duty-log?community_id=%d&kind=call&q=停水", a), nil, http.StatusOK).JSON(t, &list)
		if list.Total != 2 {
			t.Errorf("calls about 停水: %d", list.Total)
		}
		var got frontdesk.DutyEntry
		x.call(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/duty-log/%d", withTicket.ID), nil, http.StatusOK).JSON(t, &got)
		if got.TicketNumber != number {
			t.Errorf("entry %+v", got)
		}
		// dept_staff keeps no duty log; the auditor only reads it.
		x.call(auth.RoleDeptStaff, "GET", "/api/v1/duty-log", nil, http.StatusForbidden)
		x.call(auth.RoleAuditor, "POST", "/api/v1/duty-log", call(map[string]any{"no_ticket_reason": "打错电话"}), http.StatusForbidden)
	})
}

func TestDutyHandoverClosesTheShiftAndTheNextAcknowledges(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		a := x.A.Community.ID
		e := x.entry(auth.RoleCSAgent, map[string]any{"community_id": a, "shift": "day", "kind": "visit", "summary": "访客问路",
			"no_ticket_reason": "咨询已答复"}, http.StatusCreated)
		ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/duty-log/handover", map[string]any{"shift_id": e.ShiftID}),
			http.StatusBadRequest, "invalid", "handover_notes")
		// Acknowledging a shift still open is a conflict.
		ndWantError(t, x.API(auth.RoleCSManager).Post("/api/v1/duty-log/acknowledge", map[string]any{"shift_id": e.ShiftID}),
			http.StatusConflict, "conflict", "shift_id")
		x.clk.Add(10 * time.Hour)
		var sh frontdesk.DutyShift
		x.call(auth.RoleCSAgent, "POST", "/api/v1/duty-log/handover", map[string]any{"shift_id": e.ShiftID,
			"handover_notes": "2栋电梯报修未完成，请夜班跟进"}, http.StatusOK).JSON(t, &sh)
		if sh.Status != "closed" || sh.ClosedName != x.Users[auth.RoleCSAgent].Name || sh.ClosedAt == nil || sh.HandoverNotes != "2栋电梯报修未完成，请夜班跟进" {
			t.Fatalf("handed over %+v", sh)
		}
		// A closed shift takes nothing more.
		ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/duty-log", map[string]any{"community_id": a, "shift_id": e.ShiftID,
			"kind": "note", "summary": "补一条"}), http.StatusConflict, "conflict", "shift_id")
		ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/duty-log/handover", map[string]any{"shift_id": e.ShiftID, "notes": "再交一次"}),
			http.StatusConflict, "conflict", "shift_id")
		// The one who handed over cannot acknowledge.
		ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/duty-log/acknowledge", map[string]any{"shift_id": e.ShiftID}),
			http.StatusConflict, "conflict", "shift_id")
		var ack frontdesk.DutyShift
		x.call(auth.RoleCSManager, "POST", "/api/v1/duty-log/acknowledge", map[string]any{"shift_id": e.ShiftID, "note": "已知悉",
			"staff": "夜班保安老周"}, http.StatusOK).JSON(t, &ack)
		if ack.AckName != x.Users[auth.RoleCSManager].Name || ack.AckAt == nil || !ack.AckAt.Equal(x.clk.Now()) || ack.AckNote != "已知悉" {
			t.Errorf("acknowledged %+v", ack)
		}
		ndWantError(t, x.API(auth.RoleDirector).Post("/api/v1/duty-log/acknowledge", map[string]any{"shift_id": e.ShiftID}),
			http.StatusConflict, "conflict", "shift_id")
		// The acknowledgement opened the night shift with its staff; a
		// second open of it is a conflict.
		var open struct {
			Items []frontdesk.DutyShift `json:"items"`
		}
		x.call(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/duty-log/shifts?community_id=%d&status=open", a), nil, http.StatusOK).JSON(t, &open)
		if len(open.Items) != 1 || open.Items[0].Shift != "night" || open.Items[0].Staff != "夜班保安老周" || open.Items[0].DutyDate != "2026-11-20" {
			t.Fatalf("open shifts %+v", open.Items)
		}
		ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/duty-log/shifts", map[string]any{"community_id": a, "shift": "night"}),
			http.StatusConflict, "conflict", "shift")
		// A day entry after the handover starts a new day shift.
		next := x.entry(auth.RoleCSAgent, map[string]any{"community_id": a, "shift": "day", "kind": "note", "summary": "晚到的白班记事"}, http.StatusCreated)
		if next.ShiftID == e.ShiftID {
			t.Errorf("entry went into the closed shift")
		}
		// The night shift opened after midnight belongs to the day before.
		x.clk.Add(8 * time.Hour) // 2026-11-21 04:00 Shanghai
		var n2 frontdesk.DutyShift
		x.call(auth.RoleCSManager, "POST", "/api/v1/duty-log/shifts", map[string]any{"community_id": x.B.Community.ID, "shift": "night"},
			http.StatusForbidden)
		x.call(auth.RoleAdmin, "POST", "/api/v1/duty-log/shifts", map[string]any{"community_id": x.B.Community.ID, "shift": "night",
			"staff": "王五、赵六"}, http.StatusCreated).JSON(t, &n2)
		if n2.DutyDate != "2026-11-20" || n2.Staff != "王五、赵六" {
			t.Errorf("night shift opened at 04:00: %+v", n2)
		}
		if got := ndStatusMoves(t, x, "duty_shift", e.ShiftID); strings.Join(got, " ") != ">open open>closed closed>closed" {
			t.Errorf("shift history %q", got)
		}
	})
}

func TestDutyLogOfAnotherCommunityStaysHidden(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		b := x.entry(auth.RoleAdmin, map[string]any{"community_id": x.B.Community.ID, "shift": "day", "kind": "call",
			"summary": "乙苑业主投诉噪音", "caller_phone": "13811112222", "no_ticket_reason": "已转相关部门"}, http.StatusCreated)
		x.entry(auth.RoleCSAgent, map[string]any{"community_id": x.A.Community.ID, "shift": "day", "kind": "note", "summary": "甲苑记事"}, http.StatusCreated)
		for _, role := range []auth.Role{auth.RoleCSAgent, auth.RoleCSManager, auth.RoleDirector, auth.RoleCashier, auth.RoleAuditor} {
			api := x.API(role)
			for _, p := range []string{"/api/v1/duty-log", "/api/v1/duty-log/shifts", "/api/v1/duty-log/export.xlsx?from=2026-01-01"} {
				r := api.Get(p)
				if r.Code != http.StatusOK || strings.Contains(string(r.Body), "乙苑业主投诉噪音") || strings.Contains(string(r.Body), "13811112222") {
					t.Errorf("%s as %s: %d, shows B's entry", p, role, r.Code)
				}
			}
			for _, p := range []string{fmt.Sprintf("/api/v1/duty-log/%d", b.ID), fmt.Sprintf("/api/v1/duty-log?community_id=%d", x.B.Community.ID)} {
				if r := api.Get(p); r.Code != http.StatusForbidden {
					t.Errorf("%s as %s: %s", p, role, r)
				}
			}
		}
		for _, p := range []struct {
			path string
			body map[string]any
		}{
			{"/api/v1/duty-log", map[string]any{"community_id": x.B.Community.ID, "shift": "day", "kind": "note", "summary": "越权"}},
			{"/api/v1/duty-log", map[string]any{"community_id": x.A.Community.ID, "shift_id": b.ShiftID, "kind": "note", "summary": "越权"}},
			{"/api/v1/duty-log/handover", map[string]any{"shift_id": b.ShiftID, "handover_notes": "越权"}},
			{"/api/v1/duty-log/acknowledge", map[string]any{"shift_id": b.ShiftID}},
		} {
			ndWantError(t, x.API(auth.RoleCSManager).Post(p.path, p.body), http.StatusForbidden, "forbidden", "")
		}
		page := x.Browser(auth.RoleCSAgent)
		body := apptest.Page(t, page, "/desk/duty-log", http.StatusOK)
		apptest.Has(t, "board", body, "甲苑记事")
		apptest.HasNot(t, "board", body, "乙苑业主投诉噪音", x.B.Community.Name)
		if r := page.Get(fmt.Sprintf("/desk/duty-log/shift?shift_id=%d", b.ShiftID)); r.Code != http.StatusForbidden {
			t.Errorf("B's shift page: %s", r)
		}
		if r := page.Get(fmt.Sprintf("/desk/duty-log?community_id=%d", x.B.Community.ID)); r.Code != http.StatusForbidden {
			t.Errorf("B's board: %s", r)
		}
		body = apptest.Page(t, page, "/desk/duty-log/history", http.StatusOK)
		apptest.HasNot(t, "history", body, x.B.Community.Name)
	})
}

func TestDutyPagesRecordHandOverAndPrint(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		agent, mgr := x.Browser(auth.RoleCSAgent), x.Browser(auth.RoleCSManager)
		a := fmt.Sprint(x.A.Community.ID)
		body := apptest.Page(t, agent, "/desk/duty-log", http.StatusOK)
		apptest.Has(t, "empty board", body, "未开班", `id="entry-day"`, `id="entry-night"`, "/tickets/new?community_id="+a)
		// A call without a ticket or a reason: the error by the field, the
		// values kept.
		form := url.Values{"community_id": {a}, "shift": {"day"}, "kind": {"call"}, "caller_name": {"5-1-302 李女士"},
			"summary": {"询问快递代收时间"}}
		r := apptest.Submit(t, agent, "/desk/duty-log", form, http.StatusUnprocessableEntity)
		apptest.Has(t, "entry error", string(r.Body), "须填写未立工单原因", "询问快递代收时间", "5-1-302 李女士")
		form.Set("no_ticket_reason", "咨询已答复")
		_, body = apptest.Follow(t, agent, apptest.Submit(t, agent, "/desk/duty-log", form, http.StatusSeeOther))
		apptest.Has(t, "after the entry", body, "已记录来电", "询问快递代收时间", "未立单：咨询已答复", "值班中")
		_, number := x.ticket(x.A)
		form = url.Values{"community_id": {a}, "shift": {"day"}, "kind": {"call"}, "summary": {"厨房漏水已派工"}, "ticket_number": {"ts2026-999999"}}
		r = apptest.Submit(t, agent, "/desk/duty-log", form, http.StatusUnprocessableEntity)
		apptest.Has(t, "unknown ticket", string(r.Body), "工单不存在或不属于本小区")
		form.Set("ticket_number", strings.ToLower(number))
		_, body = apptest.Follow(t, agent, apptest.Submit(t, agent, "/desk/duty-log", form, http.StatusSeeOther))
		apptest.Has(t, "entry with a ticket", body, "（工单 "+number+"）", ">"+number+"</a>")

		var shiftID int64
		x.DB.QueryRow(`SELECT id FROM duty_shifts WHERE community_id = $1 AND shift = 'day'`, x.A.Community.ID).Scan(&shiftID)
		sid := fmt.Sprint(shiftID)
		r = apptest.Submit(t, agent, "/desk/duty-log/handover", url.Values{"community_id": {a}, "shift_id": {sid}, "handover_notes": {" "}},
			http.StatusUnprocessableEntity)
		apptest.Has(t, "handover without notes", string(r.Body), "请填写交接事项")
		_, body = apptest.Follow(t, agent, apptest.Submit(t, agent, "/desk/duty-log/handover",
			url.Values{"community_id": {a}, "shift_id": {sid}, "handover_notes": {"前台钥匙2把已清点"}}, http.StatusSeeOther))
		apptest.Has(t, "after the handover", body, "已交班", "待接班确认", "前台钥匙2把已清点")
		// An entry posted to the closed shift (a stale page) is refused.
		r = apptest.Submit(t, agent, "/desk/duty-log", url.Values{"community_id": {a}, "shift": {"day"}, "shift_id": {sid}, "kind": {"note"},
			"summary": {"迟到的记事"}}, http.StatusSeeOther)
		_, body = apptest.Follow(t, agent, r)
		apptest.Has(t, "closed shift", body, "已交班，不能再添加记录")
		// The manager acknowledges; the night shift starts.
		_, body = apptest.Follow(t, mgr, apptest.Submit(t, mgr, "/desk/duty-log/acknowledge",
			url.Values{"community_id": {a}, "shift_id": {sid}, "note": {"已知悉"}, "staff": {"刘晓燕、老周"}}, http.StatusSeeOther))
		apptest.Has(t, "after the acknowledgement", body, "已确认接班", "夜班开始", "刘晓燕、老周")
		apptest.HasNot(t, "after the acknowledgement", body, "待接班确认")

		body = apptest.Page(t, agent, "/desk/duty-log/shift?shift_id="+sid, http.StatusOK)
		apptest.Has(t, "shift record", body, "值班记录表", x.A.Community.Name, "2026-11-20", "白班", "询问快递代收时间", "咨询已答复", number,
			"前台钥匙2把已清点", x.Users[auth.RoleCSManager].Name, "已知悉", "接班人签字", "变更记录")
		body = apptest.Page(t, agent, "/desk/duty-log/history?community_id="+a, http.StatusOK)
		apptest.Has(t, "history", body, "已接班", "值班中", "夜班")

		res := agent.Get("/desk/duty-log/export.xlsx?community_id=" + a + "&from=2026-11-20&to=2026-11-20")
		if res.Code != http.StatusOK || res.Header.Get("Content-Type") != excel.ContentType {
			t.Fatalf("export: %s", res)
		}
		rows := ndReadXLSX(t, res.Body)
		if len(rows) != 3 || rows[1][7] != "厨房漏水已派工" || rows[1][8] != number || rows[2][9] != "咨询已答复" {
			t.Errorf("export rows %q", rows)
		}
		if r := agent.Get("/desk/duty-log/history?from=20261120"); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("bad date: %s", r)
		}
	})
}
