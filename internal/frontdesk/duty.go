package frontdesk

import (
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// 值班记录 (the duty log): the 24-hour hotline is always answered, and
// every call, visit and note of a shift is an entry of that shift's
// record.
//
// Shifts. Each community has a 白班 (day) and a 夜班 (night) shift. An
// entry names its community and shift kind and attaches to the OPEN
// shift of that kind, which is opened on the spot if there is none (its
// on-duty staff start as the writer; everyone who writes an entry is
// added). A shift may also be opened explicitly with its staff. The
// outgoing staff write the handover notes and close the shift (交班); a
// closed shift takes no more entries (409). The incoming staff then
// acknowledge it (接班确认: who, when) — someone other than the one who
// closed it — which opens their own shift of the other kind if it is
// not open yet. A shift's date is the Asia/Shanghai day it began; a
// night shift opened before noon belongs to the previous day.
//
// Entries. kind is call (来电), visit (来访) or note (记事). A call or a
// visit either names the ticket it created (ticket_id, a ticket of the
// same community) or says why there is none (no_ticket_reason: 咨询已答复,
// 打错电话, 重复来电 …).

// Shift kinds.
const (
	ShiftDay   = "day"
	ShiftNight = "night"
)

// Entry kinds.
const (
	DutyCall  = "call"
	DutyVisit = "visit"
	DutyNote  = "note"
)

// Shift statuses.
const (
	ShiftOpen   = "open"
	ShiftClosed = "closed"
)

// ShiftKinds and DutyKinds in display order.
var (
	ShiftKinds = []string{ShiftDay, ShiftNight}
	DutyKinds  = []string{DutyCall, DutyVisit, DutyNote}
)

// NoTicketReasons are the usual reasons a call or visit made no ticket;
// any text is accepted.
var NoTicketReasons = []string{"咨询已答复", "打错电话", "重复来电", "已转相关部门", "业主已自行解决", "投诉已当场处理"}

var dutyLabels = map[string]string{ShiftDay: "白班", ShiftNight: "夜班", DutyCall: "来电", DutyVisit: "来访", DutyNote: "记事",
	ShiftOpen: "值班中", ShiftClosed: "已交班"}

// DutyLabel is the Chinese name of a shift kind, entry kind or status.
func DutyLabel(s string) string {
	if l, ok := dutyLabels[s]; ok {
		return l
	}
	return s
}

func init() {
	audit.Describe("duty_shift", "值班班次", map[string]string{"shift": "班次", "duty_date": "日期", "staff": "值班人员",
		"status": "状态", "handover_notes": "交接事项", "ack_name": "接班确认人", "ack_note": "接班备注"})
	audit.DescribeValues("duty_shift", dutyLabels)
	audit.Describe("duty_entry", "值班记录", map[string]string{"kind": "类型", "at": "时间", "caller_name": "来电/来访人",
		"caller_phone": "电话", "summary": "内容", "ticket": "工单", "no_ticket_reason": "未立工单原因"})
	audit.DescribeValues("duty_entry", dutyLabels)
}

// DutyShift is one shift's record sheet.
type DutyShift struct {
	ID            int64      `json:"id"`
	CommunityID   int64      `json:"community_id"`
	Shift         string     `json:"shift"`
	ShiftLabel    string     `json:"shift_label"`
	DutyDate      string     `json:"duty_date"`
	Staff         string     `json:"staff"`
	Status        string     `json:"status"`
	OpenedBy      int64      `json:"opened_by"`
	OpenedName    string     `json:"opened_name"`
	OpenedAt      time.Time  `json:"opened_at"`
	HandoverNotes string     `json:"handover_notes"`
	ClosedBy      int64      `json:"closed_by"`
	ClosedName    string     `json:"closed_name"`
	ClosedAt      *time.Time `json:"closed_at"`
	AckBy         int64      `json:"ack_by"`
	AckName       string     `json:"ack_name"`
	AckAt         *time.Time `json:"ack_at"`
	AckNote       string     `json:"ack_note"`
	Entries       int        `json:"entries"` // how many entries
	Calls         int        `json:"calls"`
	Visits        int        `json:"visits"`
	Tickets       int        `json:"tickets"` // entries that made a ticket
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// StatusLabel is 值班中, 已交班 or 已接班.
func (s *DutyShift) StatusLabel() string {
	if s.AckAt != nil {
		return "已接班"
	}
	return DutyLabel(s.Status)
}

// NextLabel names the shift that takes over from this one.
func (s *DutyShift) NextLabel() string { return DutyLabel(otherShift(s.Shift)) }

// Open reports whether the shift still takes entries.
func (s *DutyShift) Open() bool { return s.Status == ShiftOpen }

// AwaitingAck reports whether the shift is handed over and not yet
// acknowledged.
func (s *DutyShift) AwaitingAck() bool { return s.Status == ShiftClosed && s.AckAt == nil }

func (s *DutyShift) snapshot() map[string]any {
	return map[string]any{"shift": s.Shift, "duty_date": s.DutyDate, "staff": s.Staff, "status": s.Status,
		"handover_notes": s.HandoverNotes, "ack_name": s.AckName, "ack_note": s.AckNote}
}

// DutyEntry is one call, visit or note of a shift.
type DutyEntry struct {
	ID             int64     `json:"id"`
	CommunityID    int64     `json:"community_id"`
	ShiftID        int64     `json:"shift_id"`
	Shift          string    `json:"shift"`
	DutyDate       string    `json:"duty_date"`
	Kind           string    `json:"kind"`
	KindLabel      string    `json:"kind_label"`
	At             time.Time `json:"at"`
	CallerName     string    `json:"caller_name"`
	CallerPhone    string    `json:"caller_phone"`
	Summary        string    `json:"summary"`
	TicketID       *int64    `json:"ticket_id"`
	TicketNumber   string    `json:"ticket_number"`
	NoTicketReason string    `json:"no_ticket_reason"`
	CreatedBy      int64     `json:"created_by"`
	CreatedName    string    `json:"created_name"`
	CreatedAt      time.Time `json:"created_at"`
}

func (e *DutyEntry) snapshot() map[string]any {
	return map[string]any{"kind": e.Kind, "at": ndShow(e.At), "caller_name": e.CallerName, "caller_phone": e.CallerPhone,
		"summary": e.Summary, "ticket": e.TicketNumber, "no_ticket_reason": e.NoTicketReason}
}

// DutyEntryInput records a call, visit or note. ShiftID, when given,
// names the open shift to write in (the page's form does); otherwise
// the open shift of CommunityID and Shift is used, or opened. The
// ticket is TicketID or, from the page, TicketNumber (TS2026-000123)
// of the same community. At defaults to now.
type DutyEntryInput struct {
	CommunityID    int64  `json:"community_id"`
	Shift          string `json:"shift"`
	ShiftID        int64  `json:"shift_id"`
	Kind           string `json:"kind"`
	Summary        string `json:"summary"`
	CallerName     string `json:"caller_name"`
	CallerPhone    string `json:"caller_phone"`
	At             string `json:"at"`
	TicketID       int64  `json:"ticket_id"`
	TicketNumber   string `json:"ticket_number"`
	NoTicketReason string `json:"no_ticket_reason"`
}

// validate checks the fields and returns the entry's time.
func (in *DutyEntryInput) validate(now time.Time) (time.Time, error) {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	in.Shift = strings.TrimSpace(in.Shift)
	if in.ShiftID <= 0 && !slices.Contains(ShiftKinds, in.Shift) {
		f.Add("shift", "班次须为 day（白班）或 night（夜班）")
	}
	in.Kind = strings.TrimSpace(in.Kind)
	if !slices.Contains(DutyKinds, in.Kind) {
		f.Add("kind", "类型须为 call（来电）、visit（来访）或 note（记事）")
	}
	deskText(&f, &in.Summary, "summary", "内容摘要", 1000, true)
	deskText(&f, &in.CallerName, "caller_name", "来电/来访人", 50, false)
	deskPhone(&f, &in.CallerPhone, "caller_phone", "电话", false)
	in.TicketNumber = strings.ToUpper(strings.TrimSpace(in.TicketNumber))
	if in.TicketID < 0 {
		f.Add("ticket_id", "工单不存在或不属于本小区")
	}
	deskText(&f, &in.NoTicketReason, "no_ticket_reason", "未立工单原因", 100, false)
	if in.TicketID != 0 || in.TicketNumber != "" {
		in.NoTicketReason = ""
	} else if (in.Kind == DutyCall || in.Kind == DutyVisit) && in.NoTicketReason == "" {
		// The hotline is always answered: a call or a visit without a
		// ticket says why.
		f.Add("no_ticket_reason", "来电或来访未登记工单时，须填写未立工单原因（如 咨询已答复、打错电话、重复来电）")
	}
	at, err := parseDeskTime(in.At, "at", "时间")
	switch {
	case err != nil:
		e, _ := errs.As(err)
		f = append(f, e)
	case at.IsZero():
		at = now
	case at.After(now.Add(5 * time.Minute)):
		f.Add("at", "时间不能晚于现在")
	case at.Before(now.Add(-48 * time.Hour)):
		f.Add("at", "只能补记 48 小时内的来电来访")
	}
	return at, f.Err()
}

// dutyDate is the duty date of a shift opened at t.
func dutyDate(kind string, t time.Time) string {
	local := t.In(web.Shanghai)
	if kind == ShiftNight && local.Hour() < 12 {
		local = local.AddDate(0, 0, -1)
	}
	return local.Format("2006-01-02")
}

// otherShift is the shift that takes over from kind.
func otherShift(kind string) string {
	if kind == ShiftDay {
		return ShiftNight
	}
	return ShiftDay
}

// dutyRoutes registers the duty log's API and pages.
func (h *Handlers) dutyRoutes(rt *web.Router) {
	h.dutyAPIRoutes(rt)
	h.dutyPageRoutes(rt)
}
