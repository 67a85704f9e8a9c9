package movein

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// 物业入伙治理规程: the 中心主任 plans the campaign with the developer
// (dates, work plan, staff on each post), the developer's 营销部 sends the
// 入伙通知书 and 收楼手续流程表 by registered mail and publishes a
// newspaper notice a week ahead, the 客服部 receives owners by
// appointment: documents signed, fees paid, 验房 with the engineering
// department (defects become repair tickets), keys handed over.

func init() {
	audit.Describe("movein_campaign", "入伙计划", map[string]string{"name": "名称", "starts_on": "开始日期",
		"ends_on": "结束日期", "work_plan": "工作方案", "posts": "岗位安排", "fee_item_ids": "必缴收费项目"})
	audit.Describe("movein_batch", "入伙批次", map[string]string{"name": "名称", "starts_on": "首日",
		"newspaper": "登报媒体", "newspaper_on": "登报日期", "notes": "备注", "slots": "预约时段", "houses": "房屋"})
	audit.Describe("movein_document", "入伙资料", map[string]string{"name": "名称", "required": "交钥匙前必签",
		"version": "版本", "revised_on": "修订日期", "version_note": "修订说明", "active": "启用", "sort": "顺序"})
	audit.Describe("movein_house", "入伙办理", map[string]string{"house": "房屋", "campaign": "入伙计划", "batch": "批次",
		"slot": "预约时段", "notice": "通知寄送", "document": "签署资料", "defect": "验房问题", "accepted_on": "验房验收日期",
		"accepted_by": "验收人", "acceptance_note": "验收说明", "handed_over_on": "交钥匙日期", "handover_by": "签收业主",
		"keys": "钥匙", "occupied": "入住", "handover_note": "交接说明"})
}

// Documents of the notice by mail.
const (
	DocNotice = "入伙通知书"
	DocFlow   = "收楼手续流程表"
)

// NoticeDocuments are what the developer mails to each house.
var NoticeDocuments = []string{DocNotice, DocFlow}

// NoticeMethods are the ways a notice goes out; the manual's is 挂号信.
var NoticeMethods = []string{"挂号信", "快递", "当面送达", "其他"}

// Defect parties: who repairs a 验房 defect.
const PartyEngineering = "engineering"

// DefectParties in display order.
var DefectParties = []string{PartyDeveloper, PartyEngineering}

// defaultPack is a community's 入伙资料 until the director changes it:
// name and whether the owner must sign it before the keys.
var defaultPack = []struct {
	name     string
	required bool
}{
	{"业主手册", true}, {"安全责任书", true}, {"临时管理规约", true}, {"前期物业服务协议", true},
	{DocNotice, false}, {"装修申请表", false}, {"业主住户情形登记表", false},
}

// Post is one post of the campaign and the staff on it.
type Post struct {
	Post  string `json:"post"`
	Staff string `json:"staff"`
}

// Posts are a campaign's posts. On input they may also come as an object
// {"post": "staff"} and staff as a list of names.
type Posts []Post

// UnmarshalJSON accepts [{"post","staff"}] (staff a name or a list of
// names) or {"post": staff}.
func (ps *Posts) UnmarshalJSON(b []byte) error {
	names := func(raw json.RawMessage) (string, error) {
		var one string
		if err := json.Unmarshal(raw, &one); err == nil {
			return one, nil
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil {
			return "", &web.FieldError{Field: "posts", Message: "岗位人员须为姓名或姓名列表"}
		}
		return strings.Join(many, "、"), nil
	}
	var list []struct {
		Post  string          `json:"post"`
		Staff json.RawMessage `json:"staff"`
	}
	if err := json.Unmarshal(b, &list); err == nil {
		*ps = Posts{}
		for _, p := range list {
			staff := ""
			if len(p.Staff) > 0 && string(p.Staff) != "null" {
				var err error
				if staff, err = names(p.Staff); err != nil {
					return err
				}
			}
			*ps = append(*ps, Post{Post: p.Post, Staff: staff})
		}
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return &web.FieldError{Field: "posts", Message: "岗位安排须为 [{\"post\":\"岗位\",\"staff\":\"人员\"}]"}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	*ps = Posts{}
	for _, k := range keys {
		staff, err := names(m[k])
		if err != nil {
			return err
		}
		*ps = append(*ps, Post{Post: k, Staff: staff})
	}
	return nil
}

// Campaign is one move-in campaign of a community.
type Campaign struct {
	ID          int64      `json:"id"`
	CommunityID int64      `json:"community_id"`
	Community   string     `json:"community"`
	Name        string     `json:"name"`
	StartsOn    string     `json:"starts_on"`
	EndsOn      string     `json:"ends_on"`
	WorkPlan    string     `json:"work_plan"`
	Posts       Posts      `json:"posts"`
	FeeItemIDs  []int64    `json:"fee_item_ids"`
	FeeItems    []FeeItem  `json:"fee_items"`
	Batches     []*Batch   `json:"batches"`
	Warnings    []string   `json:"warnings"`
	Houses      int        `json:"houses"`
	HandedOver  int        `json:"handed_over"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Stages      *Dashboard `json:"dashboard,omitempty"`
}

// FeeItem is a billing fee item the handover waits for.
type FeeItem struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// CampaignInput creates or edits a campaign.
type CampaignInput struct {
	CommunityID int64   `json:"community_id"`
	Name        string  `json:"name"`
	StartsOn    string  `json:"starts_on"`
	EndsOn      string  `json:"ends_on"`
	WorkPlan    string  `json:"work_plan"`
	Plan        string  `json:"plan"` // another name of work_plan
	Posts       Posts   `json:"posts"`
	FeeItemIDs  []int64 `json:"fee_item_ids"`
}

// CampaignInputOf is a campaign's editable fields, the base of a partial
// update.
func CampaignInputOf(c *Campaign) CampaignInput {
	return CampaignInput{CommunityID: c.CommunityID, Name: c.Name, StartsOn: c.StartsOn, EndsOn: c.EndsOn,
		WorkPlan: c.WorkPlan, Posts: slices.Clone(c.Posts), FeeItemIDs: slices.Clone(c.FeeItemIDs)}
}

func (in *CampaignInput) validate() error {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	text(&f, &in.Name, "name", "计划名称", 60, true)
	day(&f, &in.StartsOn, "starts_on", "开始日期", true)
	day(&f, &in.EndsOn, "ends_on", "结束日期", true)
	if in.StartsOn != "" && in.EndsOn != "" {
		switch n := daysBetween(in.StartsOn, in.EndsOn); {
		case n < 0:
			f.Add("ends_on", "结束日期不能早于开始日期")
		case n > 366:
			f.Add("ends_on", "一个入伙计划最长一年")
		}
	}
	if strings.TrimSpace(in.WorkPlan) == "" {
		in.WorkPlan, in.Plan = in.Plan, ""
	}
	text(&f, &in.WorkPlan, "work_plan", "工作方案", 5000, false)
	var posts Posts
	for i, p := range in.Posts {
		p.Post, p.Staff = strings.TrimSpace(p.Post), strings.TrimSpace(p.Staff)
		if p.Post == "" && p.Staff == "" {
			continue
		}
		if p.Post == "" || len([]rune(p.Post)) > 30 {
			f.Add("posts", "第 %d 个岗位的名称须为 1 到 30 个字", i+1)
		}
		if len([]rune(p.Staff)) > 100 {
			f.Add("posts", "第 %d 个岗位的人员不能超过 100 个字", i+1)
		}
		posts = append(posts, p)
	}
	if len(posts) > 30 {
		f.Add("posts", "岗位最多 30 个")
	}
	in.Posts = posts
	if in.Posts == nil {
		in.Posts = Posts{}
	}
	slices.Sort(in.FeeItemIDs)
	in.FeeItemIDs = slices.Compact(in.FeeItemIDs)
	if in.FeeItemIDs == nil {
		in.FeeItemIDs = []int64{}
	}
	return f.Err()
}

// DefaultPosts are the manual's posts, offered on a new campaign.
var DefaultPosts = Posts{{Post: "总负责（中心主任）"}, {Post: "入伙手续办理（客服经理）"}, {Post: "资料录入（客服助理）"},
	{Post: "费用收取（内勤）"}, {Post: "陪同验房（设备部）"}}

// Batch is a group of houses received from its first day, with its
// appointment slots and newspaper notice.
type Batch struct {
	ID          int64     `json:"id"`
	CampaignID  int64     `json:"campaign_id"`
	CommunityID int64     `json:"community_id"`
	Name        string    `json:"name"`
	StartsOn    string    `json:"starts_on"`
	Newspaper   string    `json:"newspaper"`
	NewspaperOn string    `json:"newspaper_on"`
	Notes       string    `json:"notes"`
	Warning     string    `json:"warning"`
	Slots       []*Slot   `json:"slots"`
	Houses      int       `json:"houses"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NoticeLead is how many days before a batch's first day the manual
// wants the newspaper notice (入伙前一周).
const NoticeLead = 7

// newspaperWarning is the warning a batch shows while its newspaper
// notice is missing or less than a week before its first day.
func newspaperWarning(startsOn, newspaperOn string) string {
	if newspaperOn == "" {
		return fmt.Sprintf("尚未登记登报公示日期：须在首日 %s 前至少 %d 天登报", startsOn, NoticeLead)
	}
	if n := daysBetween(newspaperOn, startsOn); n < NoticeLead {
		return fmt.Sprintf("登报公示（%s）距首日 %s 仅 %d 天，不足 %d 天（入伙前一周）", newspaperOn, startsOn, n, NoticeLead)
	}
	return ""
}

// BatchInput creates or edits a batch; Slots may come with a new one.
type BatchInput struct {
	CampaignID  int64       `json:"campaign_id"`
	Name        string      `json:"name"`
	StartsOn    string      `json:"starts_on"`
	Newspaper   string      `json:"newspaper"`
	NewspaperOn string      `json:"newspaper_on"`
	Notes       string      `json:"notes"`
	Slots       []SlotInput `json:"slots"`
}

// BatchInputOf is a batch's editable fields.
func BatchInputOf(b *Batch) BatchInput {
	return BatchInput{CampaignID: b.CampaignID, Name: b.Name, StartsOn: b.StartsOn, Newspaper: b.Newspaper,
		NewspaperOn: b.NewspaperOn, Notes: b.Notes}
}

func (in *BatchInput) validate(c *Campaign) error {
	var f errs.Fields
	text(&f, &in.Name, "name", "批次名称", 30, true)
	day(&f, &in.StartsOn, "starts_on", "首日", true)
	if in.StartsOn != "" && (in.StartsOn < c.StartsOn || in.StartsOn > c.EndsOn) {
		f.Add("starts_on", "首日须在入伙计划 %s 至 %s 之内", c.StartsOn, c.EndsOn)
	}
	text(&f, &in.Newspaper, "newspaper", "登报媒体", 60, false)
	day(&f, &in.NewspaperOn, "newspaper_on", "登报日期", false)
	text(&f, &in.Notes, "notes", "备注", 500, false)
	if len(in.Slots) > 100 {
		f.Add("slots", "一次最多 100 个时段")
	}
	return f.Err()
}

// Slot is an appointment slot of a batch.
type Slot struct {
	ID       int64  `json:"id"`
	BatchID  int64  `json:"batch_id"`
	Day      string `json:"day"`
	From     string `json:"from"`
	To       string `json:"to"`
	Capacity int    `json:"capacity"`
	Booked   int    `json:"booked"`
}

// Label is "2026-12-05 09:00-11:00".
func (s *Slot) Label() string { return s.Day + " " + s.From + "-" + s.To }

// Full reports whether the slot has no place left.
func (s *Slot) Full() bool { return s.Booked >= s.Capacity }

// SlotInput adds a slot.
type SlotInput struct {
	Day      string `json:"day"`
	From     string `json:"from"`
	To       string `json:"to"`
	Capacity int    `json:"capacity"`
}

var clockRe = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)

func (in *SlotInput) validate(f *errs.Fields, c *Campaign, firstDay string, n int) {
	field := "slots"
	what := fmt.Sprintf("第 %d 个时段", n)
	if n == 0 {
		field, what = "day", "时段"
	}
	day(f, &in.Day, field, what+"的日期", true)
	if in.Day != "" && (in.Day < firstDay || in.Day > c.EndsOn) {
		f.Add(field, "%s须在批次首日 %s 至计划结束 %s 之间", what, firstDay, c.EndsOn)
	}
	for _, t := range []*string{&in.From, &in.To} {
		*t = strings.TrimSpace(*t)
		if m := clockRe.FindStringSubmatch(*t); m != nil && len(m[1]) == 1 {
			*t = "0" + *t
		}
	}
	if n == 0 {
		field = "from"
	}
	if !clockRe.MatchString(in.From) || !clockRe.MatchString(in.To) {
		f.Add(field, "%s的起止时间格式应为 09:00", what)
	} else if in.From >= in.To {
		f.Add(field, "%s的结束时间须晚于开始时间", what)
	}
	if n == 0 {
		field = "capacity"
	}
	if in.Capacity < 1 || in.Capacity > 500 {
		f.Add(field, "%s的可约户数须为 1 到 500", what)
	}
}

// Document is one document of a community's 入伙资料.
type Document struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	Name        string    `json:"name"`
	Required    bool      `json:"required"`
	Version     int       `json:"version"`
	RevisedOn   string    `json:"revised_on"`
	VersionNote string    `json:"version_note"`
	Sort        int       `json:"sort"`
	Active      bool      `json:"active"`
	Versions    []Version `json:"versions,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Version is one revision of a document.
type Version struct {
	Version   int       `json:"version"`
	RevisedOn string    `json:"revised_on"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

// DocumentInput adds or edits a document of the pack.
type DocumentInput struct {
	CommunityID int64  `json:"community_id"`
	Name        string `json:"name"`
	Required    *bool  `json:"required"`
	Sort        int    `json:"sort"`
	Active      *bool  `json:"active"`
	VersionNote string `json:"version_note"`
}

func (in *DocumentInput) validate() error {
	var f errs.Fields
	text(&f, &in.Name, "name", "资料名称", 40, true)
	if in.Sort < 0 || in.Sort > 9999 {
		f.Add("sort", "顺序须为 0 到 9999")
	}
	text(&f, &in.VersionNote, "version_note", "修订说明", 200, false)
	return f.Err()
}

// RevisionInput issues a new version of a document.
type RevisionInput struct {
	RevisedOn string `json:"revised_on"`
	Note      string `json:"note"`
}

// formatDay shows a stored time as a Shanghai day.
func formatDay(t time.Time) string { return t.In(web.Shanghai).Format(dayLayout) }
