// Package ticket is the 客服部's daily work: 报修 投诉 咨询 建议 求助 表扬
// from every channel, 首问责任制, dispatch, working-day SLAs, escalation,
// 回访, 返修, 有效投诉, and the department's KPIs.
package ticket

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/errs"
)

// Kinds, urgencies, channels, statuses, as stored (English identifiers,
// Chinese labels for the screen).
const (
	KindRepair     = "repair"
	KindComplaint  = "complaint"
	KindInquiry    = "inquiry"
	KindSuggestion = "suggestion"
	KindHelp       = "help"
	KindPraise     = "praise"

	UrgencyNormal = "normal"
	UrgencyUrgent = "urgent"

	StatusNew        = "new"
	StatusDispatched = "dispatched"
	StatusInProgress = "in_progress"
	StatusResolved   = "resolved"
	StatusClosed     = "closed"
	StatusCancelled  = "cancelled"

	ResultSatisfied      = "satisfied"
	ResultBasicSatisfied = "basically_satisfied"
	ResultUnsatisfied    = "unsatisfied"
)

// Kinds in display order.
var Kinds = []string{KindRepair, KindComplaint, KindInquiry, KindSuggestion, KindHelp, KindPraise}

// Urgencies in display order.
var Urgencies = []string{UrgencyNormal, UrgencyUrgent}

// Channels in display order.
var Channels = []string{"phone", "hotline", "visit", "web", "portal", "patrol", "other"}

// Statuses in display order.
var Statuses = []string{StatusNew, StatusDispatched, StatusInProgress, StatusResolved, StatusClosed, StatusCancelled}

// CallbackResults in display order.
var CallbackResults = []string{ResultSatisfied, ResultBasicSatisfied, ResultUnsatisfied}

// Departments a ticket is dispatched to.
var Departments = []string{"工程部", "环境部", "秩序部", "客服部"}

// Labels are the Chinese names of every identifier above.
var Labels = map[string]string{
	KindRepair: "报修", KindComplaint: "投诉", KindInquiry: "咨询", KindSuggestion: "建议", KindHelp: "求助", KindPraise: "表扬",
	UrgencyNormal: "一般", UrgencyUrgent: "紧急",
	"phone": "电话", "hotline": "24小时热线", "visit": "来访", "web": "网站", "portal": "业主端", "patrol": "巡查", "other": "其他",
	StatusNew: "待派工", StatusDispatched: "已派工", StatusInProgress: "处理中", StatusResolved: "已解决待回访",
	StatusClosed: "已关闭", StatusCancelled: "已取消",
	ResultSatisfied: "满意", ResultBasicSatisfied: "基本满意", ResultUnsatisfied: "不满意",
}

// Label returns the Chinese name of an identifier.
func Label(s string) string {
	if l, ok := Labels[s]; ok {
		return l
	}
	return s
}

// aliases accepts the Chinese names on input too.
func canon(v string, allowed []string) (string, bool) {
	v = strings.TrimSpace(v)
	if slices.Contains(allowed, v) {
		return v, true
	}
	for _, a := range allowed {
		if Labels[a] == v {
			return a, true
		}
	}
	return v, false
}

// Ticket is one request.
type Ticket struct {
	ID              int64      `json:"id"`
	CommunityID     int64      `json:"community_id"`
	Number          string     `json:"number"`
	Kind            string     `json:"kind"`
	Urgency         string     `json:"urgency"`
	Channel         string     `json:"channel"`
	Title           string     `json:"title"`
	Description     string     `json:"description"`
	Category        string     `json:"category"`
	HouseID         *int64     `json:"house_id"`
	HouseCode       string     `json:"house_code"`
	Location        string     `json:"location"`
	RequesterName   string     `json:"requester_name"`
	RequesterPhone  string     `json:"requester_phone"`
	ReceiverID      int64      `json:"receiver_id"`
	ReceiverName    string     `json:"receiver_name"`
	Department      string     `json:"department"`
	AssigneeID      *int64     `json:"assignee_id"`
	AssigneeName    string     `json:"assignee_name"`
	Status          string     `json:"status"`
	ReceivedAt      time.Time  `json:"received_at"`
	RespondDueAt    time.Time  `json:"respond_due_at"`
	ResolveDueAt    time.Time  `json:"resolve_due_at"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	FirstResolvedAt *time.Time `json:"first_resolved_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	ClosedAt        *time.Time `json:"closed_at"`
	Resolution      string     `json:"resolution"`
	ReopenCount     int        `json:"reopen_count"`
	CallbackResult  string     `json:"callback_result"`
	CallbackAt      *time.Time `json:"callback_at"`
	Valid           *bool      `json:"valid"`
	ValidityReason  string     `json:"validity_reason"`
	Major           bool       `json:"major"`
	MajorReport     string     `json:"major_report"`
	CancelReason    string     `json:"cancel_reason"`
	Overdue         bool       `json:"overdue"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`

	Events []Event `json:"events,omitempty"`
}

// Open reports whether the ticket still needs work.
func (t *Ticket) Open() bool {
	return t.Status == StatusNew || t.Status == StatusDispatched || t.Status == StatusInProgress
}

// LateAt reports whether the ticket is past a deadline at now: not
// responded by respond_due_at, or not resolved by resolve_due_at.
func (t *Ticket) LateAt(now time.Time) bool {
	if t.Status == StatusCancelled || t.Status == StatusClosed {
		return false
	}
	if t.FirstResponseAt == nil && now.After(t.RespondDueAt) {
		return true
	}
	return t.Open() && now.After(t.ResolveDueAt)
}

// Event is one step of a ticket's timeline.
type Event struct {
	ID         int64     `json:"id"`
	TicketID   int64     `json:"ticket_id"`
	At         time.Time `json:"at"`
	UserID     int64     `json:"user_id"`
	UserName   string    `json:"user_name"`
	Action     string    `json:"action"`
	FromStatus string    `json:"from_status"`
	ToStatus   string    `json:"to_status"`
	Note       string    `json:"note"`
}

// ActionLabel is the event's Chinese name.
func (e Event) ActionLabel() string { return actionLabels[e.Action] }

var actionLabels = map[string]string{
	"create": "登记", "dispatch": "派工", "start": "开始处理", "reply": "答复业主", "resolve": "处理完成",
	"callback": "回访", "reopen": "重新处理", "cancel": "取消", "validity": "投诉定性",
	"escalate": "超时升级", "attach": "上传附件", "major": "重大投诉报告",
}

// CreateInput registers a ticket.
type CreateInput struct {
	CommunityID    int64  `json:"community_id"`
	HouseID        *int64 `json:"house_id"`
	Location       string `json:"location"`
	Kind           string `json:"kind"`
	Urgency        string `json:"urgency"`
	Channel        string `json:"channel"`
	Title          string `json:"title"`
	Description    string `json:"description"`
	Category       string `json:"category"`
	RequesterName  string `json:"requester_name"`
	RequesterPhone string `json:"requester_phone"`
	ReceivedAt     string `json:"received_at"` // RFC 3339, optional backfill
}

func (in *CreateInput) validate(now time.Time) (time.Time, error) {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	var ok bool
	if in.Kind, ok = canon(in.Kind, Kinds); !ok {
		f.Add("kind", "工单类型须为 报修/投诉/咨询/建议/求助/表扬")
	}
	if in.Urgency == "" {
		in.Urgency = UrgencyNormal
	}
	if in.Urgency, ok = canon(in.Urgency, Urgencies); !ok {
		f.Add("urgency", "紧急程度须为 一般/紧急")
	}
	if in.Channel == "" {
		in.Channel = "phone"
	}
	if in.Channel, ok = canon(in.Channel, Channels); !ok {
		f.Add("channel", "来源渠道无效")
	}
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		f.Add("title", "请填写标题")
	} else if utf8.RuneCountInString(in.Title) > 100 {
		f.Add("title", "标题不能超过 100 个字")
	}
	if utf8.RuneCountInString(in.Description) > 5000 {
		f.Add("description", "内容不能超过 5000 个字")
	}
	in.RequesterName = strings.TrimSpace(in.RequesterName)
	in.RequesterPhone = strings.TrimSpace(in.RequesterPhone)
	if in.HouseID == nil && strings.TrimSpace(in.Location) == "" && in.RequesterName == "" {
		f.Add("house_id", "请选择房屋，或填写公共区域位置或报事人")
	}
	received := now
	if s := strings.TrimSpace(in.ReceivedAt); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		switch {
		case err != nil:
			f.Add("received_at", "受理时间格式应为 RFC 3339，如 2026-11-27T22:10:00+08:00")
		case t.After(now.Add(time.Minute)):
			f.Add("received_at", "受理时间不能晚于现在")
		case t.Before(now.AddDate(0, 0, -30)):
			f.Add("received_at", "只能补录 30 天内受理的工单")
		default:
			received = t.UTC().Truncate(time.Microsecond)
		}
	}
	return received, f.Err()
}

// Within is an SLA duration: calendar minutes or working days.
type Within struct {
	Minutes  int `json:"minutes,omitempty"`
	Workdays int `json:"workdays,omitempty"`
}

// String renders "30 分钟" or "3 个工作日".
func (w Within) String() string {
	switch {
	case w.Workdays > 0:
		return itoa(w.Workdays) + " 个工作日"
	case w.Minutes >= 60 && w.Minutes%60 == 0:
		return itoa(w.Minutes/60) + " 小时"
	default:
		return itoa(w.Minutes) + " 分钟"
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func (w Within) valid() bool {
	return (w.Minutes > 0) != (w.Workdays > 0) && w.Minutes >= 0 && w.Workdays >= 0 &&
		w.Minutes <= 60*24*90 && w.Workdays <= 60
}

// Policy is the SLA for one (kind, urgency).
type Policy struct {
	Kind          string    `json:"kind"`
	Urgency       string    `json:"urgency"`
	RespondWithin Within    `json:"respond_within"`
	ResolveWithin Within    `json:"resolve_within"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// DefaultPolicies apply until an admin changes them: the manual asks for
// feedback on complaints within working days; urgent repairs are hours.
var DefaultPolicies = []Policy{
	{Kind: KindRepair, Urgency: UrgencyUrgent, RespondWithin: Within{Minutes: 30}, ResolveWithin: Within{Minutes: 240}},
	{Kind: KindRepair, Urgency: UrgencyNormal, RespondWithin: Within{Minutes: 120}, ResolveWithin: Within{Workdays: 2}},
	{Kind: KindComplaint, Urgency: UrgencyUrgent, RespondWithin: Within{Minutes: 60}, ResolveWithin: Within{Workdays: 1}},
	{Kind: KindComplaint, Urgency: UrgencyNormal, RespondWithin: Within{Workdays: 1}, ResolveWithin: Within{Workdays: 3}},
	{Kind: KindInquiry, Urgency: UrgencyUrgent, RespondWithin: Within{Minutes: 30}, ResolveWithin: Within{Minutes: 240}},
	{Kind: KindInquiry, Urgency: UrgencyNormal, RespondWithin: Within{Minutes: 240}, ResolveWithin: Within{Workdays: 1}},
	{Kind: KindSuggestion, Urgency: UrgencyUrgent, RespondWithin: Within{Workdays: 1}, ResolveWithin: Within{Workdays: 3}},
	{Kind: KindSuggestion, Urgency: UrgencyNormal, RespondWithin: Within{Workdays: 1}, ResolveWithin: Within{Workdays: 5}},
	{Kind: KindHelp, Urgency: UrgencyUrgent, RespondWithin: Within{Minutes: 15}, ResolveWithin: Within{Minutes: 120}},
	{Kind: KindHelp, Urgency: UrgencyNormal, RespondWithin: Within{Minutes: 120}, ResolveWithin: Within{Workdays: 1}},
	{Kind: KindPraise, Urgency: UrgencyUrgent, RespondWithin: Within{Workdays: 1}, ResolveWithin: Within{Workdays: 3}},
	{Kind: KindPraise, Urgency: UrgencyNormal, RespondWithin: Within{Workdays: 1}, ResolveWithin: Within{Workdays: 3}},
}
