package frontdesk

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// 公告 (notices): the desk drafts one, the 客服经理 or the director
// approves it (or sends it back with a reason), and it is published to
// the community — or to chosen buildings — between its start and end.
// A published notice may be withdrawn (撤回) with a reason. Only a draft
// may be edited. The published list inside its dates is also the owner
// portal's list.

// Notice statuses.
const (
	NoticeDraft     = "draft"
	NoticeSubmitted = "submitted"
	NoticeApproved  = "approved"
	NoticePublished = "published"
	NoticeWithdrawn = "withdrawn"
)

// NoticeStatuses in the order of the desk's tabs.
var NoticeStatuses = []string{NoticeDraft, NoticeSubmitted, NoticeApproved, NoticePublished, NoticeWithdrawn}

var noticeStatusLabels = map[string]string{NoticeDraft: "草稿", NoticeSubmitted: "待审批", NoticeApproved: "已批准",
	NoticePublished: "已发布", NoticeWithdrawn: "已撤回"}

// NoticeStatusLabel is a status's Chinese name.
func NoticeStatusLabel(s string) string { return noticeStatusLabels[s] }

// NoticeCategories are the kinds of notice on the board.
var NoticeCategories = []string{"停水停电", "缴费", "安全", "活动", "其他"}

// MaxNoticeFile is the largest attachment of a notice.
const MaxNoticeFile = 10 << 20

func init() {
	audit.Describe("notice", "公告", map[string]string{"title": "标题", "body": "正文", "category": "分类", "pinned": "置顶",
		"buildings": "发布范围", "starts_at": "开始时间", "ends_at": "结束时间", "status": "状态", "reject_reason": "退回原因",
		"withdraw_reason": "撤回原因", "attachment": "附件"})
	audit.DescribeValues("notice", noticeStatusLabels)
}

// Notice is one 公告.
type Notice struct {
	ID             int64       `json:"id"`
	CommunityID    int64       `json:"community_id"`
	Title          string      `json:"title"`
	Body           string      `json:"body"`
	Category       string      `json:"category"`
	Pinned         bool        `json:"pinned"`
	BuildingIDs    []int64     `json:"building_ids"`   // empty: the whole community
	BuildingNames  []string    `json:"building_names"` // of BuildingIDs, in order
	StartsAt       time.Time   `json:"starts_at"`
	EndsAt         time.Time   `json:"ends_at"`
	Status         string      `json:"status"`
	StatusLabel    string      `json:"status_label"`
	Active         bool        `json:"active"` // published and inside its dates now
	RejectReason   string      `json:"reject_reason"`
	WithdrawReason string      `json:"withdraw_reason"`
	SubmittedName  string      `json:"submitted_name"`
	SubmittedAt    *time.Time  `json:"submitted_at"`
	ApprovedName   string      `json:"approved_name"`
	ApprovedAt     *time.Time  `json:"approved_at"`
	PublishedName  string      `json:"published_name"`
	PublishedAt    *time.Time  `json:"published_at"`
	WithdrawnName  string      `json:"withdrawn_name"`
	WithdrawnAt    *time.Time  `json:"withdrawn_at"`
	Views          int64       `json:"views"` // owner-portal reads (later)
	Attachment     *NoticeFile `json:"attachment"`
	CreatedBy      int64       `json:"created_by"`
	CreatedName    string      `json:"created_name"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

// NoticeFile is a notice's attachment, without its content.
type NoticeFile struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

// SizeLabel is the file's size in KB or MB.
func (f *NoticeFile) SizeLabel() string {
	if f.Size >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(f.Size)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (f.Size+1023)/1024)
}

// Scope says who the notice is for: 全体 or its buildings.
func (n *Notice) Scope() string {
	if len(n.BuildingNames) == 0 {
		return "全小区"
	}
	parts := make([]string, len(n.BuildingNames))
	for i, b := range n.BuildingNames {
		parts[i] = b + "栋"
	}
	return strings.Join(parts, "、")
}

// Phase is where a published notice stands in its dates at now: 未开始,
// 生效中 or 已过期; "" for the other statuses.
func (n *Notice) Phase(now time.Time) string {
	if n.Status != NoticePublished {
		return ""
	}
	switch {
	case now.Before(n.StartsAt):
		return "未开始"
	case now.Before(n.EndsAt):
		return "生效中"
	}
	return "已过期"
}

// snapshot is what the audit log keeps of a notice: its content in the
// user's words (times as shown on screen).
func (n *Notice) snapshot() map[string]any {
	m := map[string]any{"title": n.Title, "body": n.Body, "category": n.Category, "pinned": n.Pinned,
		"buildings": n.Scope(), "starts_at": ndShow(n.StartsAt), "ends_at": ndShow(n.EndsAt), "status": n.Status,
		"reject_reason": n.RejectReason, "withdraw_reason": n.WithdrawReason, "attachment": ""}
	if n.Attachment != nil {
		m["attachment"] = n.Attachment.Name
	}
	return m
}

// NoticeInput drafts or edits a notice. Times are RFC 3339, or as a
// form sends them ("2026-12-01T08:00", "2026-12-01"), in Asia/Shanghai;
// an end given as a date alone is the end of that day.
type NoticeInput struct {
	CommunityID int64   `json:"community_id"`
	Title       string  `json:"title"`
	Body        string  `json:"body"`
	Category    string  `json:"category"`
	Pinned      bool    `json:"pinned"`
	BuildingIDs []int64 `json:"building_ids"`
	StartsAt    string  `json:"starts_at"`
	EndsAt      string  `json:"ends_at"`
}

// validate checks the fields and returns the parsed start and end.
func (in *NoticeInput) validate() (start, end time.Time, err error) {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	deskText(&f, &in.Title, "title", "公告标题", 100, true)
	in.Body = strings.ReplaceAll(in.Body, "\r\n", "\n")
	deskText(&f, &in.Body, "body", "公告正文", 10000, true)
	if in.Category = strings.TrimSpace(in.Category); in.Category == "" {
		in.Category = "其他"
	} else if !slices.Contains(NoticeCategories, in.Category) {
		f.Add("category", "分类须为 %s 之一", strings.Join(NoticeCategories, "、"))
	}
	start, errStart := noticeTime(in.StartsAt, "starts_at", "开始时间", false)
	if errStart != nil {
		f = append(f, errStart)
	}
	end, errEnd := noticeTime(in.EndsAt, "ends_at", "结束时间", true)
	if errEnd != nil {
		f = append(f, errEnd)
	}
	if errStart == nil && errEnd == nil && !end.After(start) {
		f.Add("ends_at", "结束时间须晚于开始时间")
	}
	return start, end, f.Err()
}

// noticeTime reads a required time of a notice: as parseDeskTime does,
// or a day alone (Asia/Shanghai), which as an end means the end of
// that day.
func noticeTime(s, field, what string, end bool) (time.Time, *errs.Error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, errs.Invalid(field, "请填写%s", what)
	}
	if d, ok := normDeskDay(s); ok {
		t := deskDayStart(d)
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := parseDeskTime(s, field, what)
	if err != nil {
		e, _ := errs.As(err)
		return time.Time{}, e
	}
	if t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, errs.Invalid(field, "%s须在 2000 年至 2200 年之间", what)
	}
	return t.Truncate(time.Second), nil
}

// ndShow is a time as the screen shows it.
func ndShow(t time.Time) string { return t.In(web.Shanghai).Format("2006-01-02 15:04") }

// noticeStep is one move of the approval flow.
type noticeStep struct {
	verb   string // for messages: 提交审批
	perm   string
	from   []string
	to     string
	reason bool // a reason is required (reject, withdraw)
}

var noticeSteps = map[string]noticeStep{
	"submit":   {"提交审批", auth.PermNoticeWrite, []string{NoticeDraft}, NoticeSubmitted, false},
	"approve":  {"审批通过", auth.PermNoticeApprove, []string{NoticeDraft, NoticeSubmitted}, NoticeApproved, false},
	"reject":   {"退回", auth.PermNoticeApprove, []string{NoticeSubmitted, NoticeApproved}, NoticeDraft, true},
	"publish":  {"发布", auth.PermNoticeApprove, []string{NoticeDraft, NoticeSubmitted, NoticeApproved}, NoticePublished, false},
	"withdraw": {"撤回", auth.PermNoticeApprove, []string{NoticePublished}, NoticeWithdrawn, true},
}

// noticeStepNames are the steps, in the order of the page's buttons.
var noticeStepNames = []string{"submit", "approve", "reject", "publish", "withdraw"}

// CanStep reports whether u may take step on n now (for the page's
// buttons; the service checks again).
func (n *Notice) CanStep(u *auth.User, step string) bool {
	st, ok := noticeSteps[step]
	return ok && u.Can(st.perm) && slices.Contains(st.from, n.Status)
}

// Editable reports whether n is a draft u may edit.
func (n *Notice) Editable(u *auth.User) bool {
	return n.Status == NoticeDraft && u.Can(auth.PermNoticeWrite)
}

// noticeRoutes registers the notices' API and pages.
func (h *Handlers) noticeRoutes(rt *web.Router) {
	h.noticeAPIRoutes(rt)
	h.noticePageRoutes(rt)
}
