package frontdesk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// The duty log's pages (/desk/duty-log): the board of a community's
// current shifts with the entry, handover and acknowledgement forms;
// the history by date; a shift's printable A4 record; the export.

func (h *Handlers) dutyPageRoutes(rt *web.Router) {
	rt.Handle("GET /desk/duty-log", auth.PermDeskRead, h.dutyBoard)
	rt.Handle("POST /desk/duty-log", auth.PermDeskWrite, h.dutyEntryPost)
	rt.Handle("POST /desk/duty-log/open", auth.PermDeskWrite, h.dutyOpenPost)
	rt.Handle("POST /desk/duty-log/handover", auth.PermDeskWrite, h.dutyHandoverPost)
	rt.Handle("POST /desk/duty-log/acknowledge", auth.PermDeskWrite, h.dutyAckPost)
	rt.Handle("GET /desk/duty-log/history", auth.PermDeskRead, h.dutyHistoryPage)
	rt.Handle("GET /desk/duty-log/shift", auth.PermDeskRead, h.dutyShiftPage)
	rt.Handle("GET /desk/duty-log/export.xlsx", auth.PermDeskRead, h.dutyExport)
}

// dutyLane is one shift kind on the board: its open shift, if any, and
// that shift's entries so far.
type dutyLane struct {
	Kind, Label string
	Open        *DutyShift
	Entries     []*DutyEntry
}

// dutyView is the board. Act names the form ("entry-day", "open-night",
// "handover-12", "ack-11") whose values and errors the page holds.
type dutyView struct {
	C        *deskCommunities
	Lanes    []*dutyLane
	Awaiting []*DutyShift
	Reasons  []string
	Kinds    []string
	Act      string
	Form     url.Values
	Errors   map[string]string
	Me       string
}

// V is a value of form act, when the page holds that form's values.
func (v *dutyView) V(act, field string) string {
	if v.Act != act {
		return ""
	}
	return v.Form.Get(field)
}

// E is an error of form act.
func (v *dutyView) E(act, field string) string {
	if v.Act != act {
		return ""
	}
	return v.Errors[field]
}

// Label is DutyLabel, for the template.
func (v *dutyView) Label(s string) string { return DutyLabel(s) }

func (h *Handlers) dutyBoard(w http.ResponseWriter, r *http.Request) error {
	return h.renderDuty(w, r, http.StatusOK, "", nil, nil)
}

func (h *Handlers) renderDuty(w http.ResponseWriter, r *http.Request, status int, act string, form url.Values, errors map[string]string) error {
	u, ctx := user(r), r.Context()
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	v := &dutyView{C: c, Reasons: NoTicketReasons, Kinds: DutyKinds, Act: act, Form: form, Errors: errors, Me: u.Name}
	if c.ID > 0 {
		open, _, err := h.S.DutyShifts(ctx, u, DutyShiftFilter{CommunityID: c.ID, Status: ShiftOpen, Limit: 10})
		if err != nil {
			return err
		}
		for _, k := range ShiftKinds {
			l := &dutyLane{Kind: k, Label: DutyLabel(k)}
			for _, sh := range open {
				if sh.Shift == k {
					l.Open = sh
				}
			}
			if l.Open != nil {
				if l.Entries, err = h.S.ShiftEntries(ctx, u, l.Open.ID); err != nil {
					return err
				}
			}
			v.Lanes = append(v.Lanes, l)
		}
		if v.Awaiting, _, err = h.S.DutyShifts(ctx, u, DutyShiftFilter{CommunityID: c.ID, Status: "await", Limit: 10}); err != nil {
			return err
		}
	}
	pg := &web.Page{Title: "值班记录", Nav: "desk_duty", Data: v}
	if errors != nil {
		pg.Errors = errors
	}
	return h.t.Render(w, r, status, "duty", pg)
}

// dutyBack is the board of the posted form's community.
func dutyBack(r *http.Request) string {
	if id := formID(r, "community_id"); id > 0 {
		return fmt.Sprintf("/desk/duty-log?community_id=%d", id)
	}
	return "/desk/duty-log"
}

// dutyAgain answers a posted form: a mistake of the user's shows the
// board with the form's values and errors, anything else goes up.
func (h *Handlers) dutyAgain(w http.ResponseWriter, r *http.Request, act string, err error) error {
	e, ok := formFault(err)
	if !ok {
		return err
	}
	if e.Code == errs.CodeConflict {
		web.Redirect(w, r, dutyBack(r), "未保存："+e.Message)
		return nil
	}
	fe := errs.ByField(err)
	if _, ok := fe["community_id"]; ok {
		fe[""] = fe["community_id"]
	}
	return h.renderDuty(w, r, web.StatusOf(err), act, r.PostForm, fe)
}

func (h *Handlers) dutyEntryPost(w http.ResponseWriter, r *http.Request) error {
	in := DutyEntryInput{Shift: r.PostFormValue("shift"), Kind: r.PostFormValue("kind"),
		Summary: r.PostFormValue("summary"), CallerName: r.PostFormValue("caller_name"), CallerPhone: r.PostFormValue("caller_phone"),
		At: r.PostFormValue("at"), TicketNumber: r.PostFormValue("ticket_number"), NoTicketReason: r.PostFormValue("no_ticket_reason")}
	in.CommunityID, in.ShiftID = formID(r, "community_id"), formID(r, "shift_id")
	e, err := h.S.AddDutyEntry(r.Context(), user(r), in)
	if err != nil {
		return h.dutyAgain(w, r, "entry-"+in.Shift, err)
	}
	msg := fmt.Sprintf("已记录%s%s", e.KindLabel, ndIf(e.TicketNumber != "", "（工单 "+e.TicketNumber+"）"))
	web.Redirect(w, r, fmt.Sprintf("/desk/duty-log?community_id=%d", e.CommunityID), msg)
	return nil
}

func ndIf(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

func (h *Handlers) dutyOpenPost(w http.ResponseWriter, r *http.Request) error {
	in := DutyShiftInput{Shift: r.PostFormValue("shift"), Staff: r.PostFormValue("staff")}
	in.CommunityID = formID(r, "community_id")
	sh, err := h.S.OpenDutyShift(r.Context(), user(r), in)
	if err != nil {
		return h.dutyAgain(w, r, "open-"+in.Shift, err)
	}
	web.Redirect(w, r, dutyBack(r), fmt.Sprintf("已开始 %s %s，值班人员：%s", sh.DutyDate, sh.ShiftLabel, sh.Staff))
	return nil
}

func (h *Handlers) dutyHandoverPost(w http.ResponseWriter, r *http.Request) error {
	id := formID(r, "shift_id")
	sh, err := h.S.HandOverDuty(r.Context(), user(r), id, r.PostFormValue("handover_notes"))
	if err != nil {
		return h.dutyAgain(w, r, fmt.Sprintf("handover-%d", id), err)
	}
	web.Redirect(w, r, fmt.Sprintf("/desk/duty-log?community_id=%d", sh.CommunityID),
		fmt.Sprintf("已交班：%s %s，共 %d 条记录；请接班人员确认", sh.DutyDate, sh.ShiftLabel, sh.Entries))
	return nil
}

func (h *Handlers) dutyAckPost(w http.ResponseWriter, r *http.Request) error {
	in := DutyAckInput{Note: r.PostFormValue("note"), Staff: r.PostFormValue("staff")}
	in.ShiftID = formID(r, "shift_id")
	sh, err := h.S.AcknowledgeDuty(r.Context(), user(r), in)
	if err != nil {
		return h.dutyAgain(w, r, fmt.Sprintf("ack-%d", in.ShiftID), err)
	}
	web.Redirect(w, r, fmt.Sprintf("/desk/duty-log?community_id=%d", sh.CommunityID),
		fmt.Sprintf("已确认接班（%s %s），%s开始", sh.DutyDate, sh.ShiftLabel, DutyLabel(otherShift(sh.Shift))))
	return nil
}

func (h *Handlers) dutyHistoryPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, false)
	if err != nil {
		return err
	}
	f, err := dutyShiftFilterOf(r)
	if err != nil {
		return err
	}
	ss, total, err := h.S.DutyShifts(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "duty_history", &web.Page{Title: "值班记录 · 历史", Nav: "desk_duty", Data: map[string]any{
		"C": c, "Items": ss, "Pager": deskPager(r, total)}})
}

// dutyShiftPage is a shift's record on one A4 sheet, with its history.
func (h *Handlers) dutyShiftPage(w http.ResponseWriter, r *http.Request) error {
	u, ctx := user(r), r.Context()
	id, err := web.QueryID(r, "shift_id")
	if err != nil {
		return err
	}
	if id == 0 {
		return errs.NotFound("请从值班记录中选择班次")
	}
	sh, err := h.S.DutyShift(ctx, u, id)
	if err != nil {
		return err
	}
	c, err := h.Arch.Community(ctx, u, sh.CommunityID)
	if err != nil {
		return err
	}
	es, err := h.S.ShiftEntries(ctx, u, id)
	if err != nil {
		return err
	}
	hist, err := h.S.DutyHistory(ctx, u, id)
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "duty_shift", &web.Page{Title: fmt.Sprintf("值班记录 %s %s", sh.DutyDate, sh.ShiftLabel),
		Nav: "desk_duty", Data: map[string]any{"S": sh, "Community": c, "Entries": es, "History": hist}})
}

// DutyWorkbook is the entries of the filter (every page) and the
// shifts of the same communities and dates.
func (s *Service) DutyWorkbook(ctx context.Context, by *auth.User, f DutyEntryFilter) (*excel.Writer, error) {
	names, err := s.ndCommunityNames(ctx, by)
	if err != nil {
		return nil, err
	}
	wb := excel.NewWriter()
	if err := wb.Sheet("值班记录", []excel.Column{{Header: "小区", Width: 14}, {Header: "日期", Width: 11}, {Header: "班次"},
		{Header: "时间", Width: 17}, {Header: "类型"}, {Header: "来电/来访人"}, {Header: "电话", Width: 14}, {Header: "内容摘要", Width: 40},
		{Header: "工单号", Width: 15}, {Header: "未立工单原因", Width: 16}, {Header: "记录人"}}); err != nil {
		return nil, err
	}
	f.Limit, f.Offset = 500, 0
	for f.Offset < 100_000 {
		es, _, err := s.DutyEntries(ctx, by, f)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if err := wb.Row(names[e.CommunityID], e.DutyDate, DutyLabel(e.Shift), ndShow(e.At), e.KindLabel, e.CallerName,
				e.CallerPhone, e.Summary, e.TicketNumber, e.NoTicketReason, e.CreatedName); err != nil {
				return nil, err
			}
		}
		if len(es) < f.Limit {
			break
		}
		f.Offset += len(es)
	}
	if err := wb.Sheet("交接班", []excel.Column{{Header: "小区", Width: 14}, {Header: "日期", Width: 11}, {Header: "班次"},
		{Header: "值班人员", Width: 16}, {Header: "记录数", Format: excel.Integer}, {Header: "来电", Format: excel.Integer},
		{Header: "来访", Format: excel.Integer}, {Header: "立工单", Format: excel.Integer}, {Header: "状态"},
		{Header: "交班人"}, {Header: "交班时间", Width: 17}, {Header: "交接事项", Width: 40}, {Header: "接班确认人"},
		{Header: "接班时间", Width: 17}, {Header: "接班备注", Width: 20}}); err != nil {
		return nil, err
	}
	sf := DutyShiftFilter{CommunityID: f.CommunityID, From: f.From, To: f.To, Limit: 500}
	for sf.Offset < 100_000 {
		ss, _, err := s.DutyShifts(ctx, by, sf)
		if err != nil {
			return nil, err
		}
		for _, sh := range ss {
			closed, acked := "", ""
			if sh.ClosedAt != nil {
				closed = ndShow(*sh.ClosedAt)
			}
			if sh.AckAt != nil {
				acked = ndShow(*sh.AckAt)
			}
			if err := wb.Row(names[sh.CommunityID], sh.DutyDate, sh.ShiftLabel, sh.Staff, sh.Entries, sh.Calls, sh.Visits, sh.Tickets,
				sh.StatusLabel(), sh.ClosedName, closed, sh.HandoverNotes, sh.AckName, acked, sh.AckNote); err != nil {
				return nil, err
			}
		}
		if len(ss) < sf.Limit {
			break
		}
		sf.Offset += len(ss)
	}
	return wb, nil
}
