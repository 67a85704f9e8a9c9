package movein

import (
	"slices"
	"strings"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/errs"
)

// 接管验收: before the company takes a new property over it inspects each
// building's common parts and the houses against its 房屋验收标准 (the
// checklist, configured per house use), records every finding with the
// party responsible and a deadline, and keeps the 返修跟进记录 until a
// re-inspection passes.

func init() {
	audit.Describe("takeover_item", "验收标准项目", map[string]string{"house_use": "适用", "category": "类别",
		"name": "项目", "sort": "顺序", "active": "启用"})
	audit.Describe("takeover_inspection", "接管验收", map[string]string{"target": "验收对象", "inspected_on": "验收日期",
		"inspectors": "验收人员", "developer": "开发公司", "contractor": "施工单位", "notes": "备注", "checks": "检查结果"})
	audit.Describe("takeover_finding", "验收问题", map[string]string{"item": "项目", "description": "问题描述",
		"party": "责任方", "party_name": "责任单位", "deadline": "整改期限", "status": "状态", "note": "说明",
		"actor": "经办人", "photo": "照片"})
	audit.DescribeValues("takeover_finding", labels)
}

// CommonParts is the "use" of a building's common parts in the checklist.
const CommonParts = "公共部位"

// TakeoverUses are what a checklist item applies to.
var TakeoverUses = append(slices.Clone(archive.HouseUses), CommonParts)

// Finding statuses, responsible parties, check results and step actions.
const (
	FindingOpen   = "open"
	FindingFixed  = "fixed"
	FindingPassed = "passed"
	FindingFailed = "failed"

	PartyDeveloper  = "developer"
	PartyContractor = "contractor"

	CheckOK   = "ok"
	CheckFail = "fail"

	StepCreate = "create"
	StepFix    = "fix"
	StepPass   = "pass"
	StepReject = "reject"
)

// FindingStatuses in display order.
var FindingStatuses = []string{FindingOpen, FindingFixed, FindingFailed, FindingPassed}

// Parties in display order.
var Parties = []string{PartyDeveloper, PartyContractor}

var labels = map[string]string{
	FindingOpen: "待整改", FindingFixed: "已整改待复验", FindingPassed: "复验合格", FindingFailed: "复验不合格",
	PartyDeveloper: "开发公司", PartyContractor: "施工单位", CheckOK: "合格", CheckFail: "不合格",
	StepCreate: "登记问题", StepFix: "整改完成", StepPass: "复验合格", StepReject: "复验不合格",
	PartyEngineering: "工程部",
}

// Label is the Chinese name of a stored value.
func Label(v string) string {
	if l, ok := labels[v]; ok {
		return l
	}
	return v
}

// Choice is an option of a select: the stored value and its label.
type Choice struct{ Value, Label string }

func choices(vs []string) []Choice {
	out := make([]Choice, len(vs))
	for i, v := range vs {
		out[i] = Choice{v, Label(v)}
	}
	return out
}

// canon accepts a stored value or its Chinese label.
func canon(v string, allowed []string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, a := range allowed {
		if v == a || v == labels[a] {
			return a, true
		}
	}
	return v, false
}

// Item is one line of the 房屋验收标准.
type Item struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	Use         string    `json:"house_use"`
	Category    string    `json:"category"`
	Name        string    `json:"name"`
	Sort        int       `json:"sort"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ItemInput adds or edits a checklist item.
type ItemInput struct {
	CommunityID int64  `json:"community_id"`
	Use         string `json:"house_use"`
	Category    string `json:"category"`
	Name        string `json:"name"`
	Sort        int    `json:"sort"`
	Active      *bool  `json:"active"`
}

func (in *ItemInput) validate() error {
	var f errs.Fields
	if in.Use = strings.TrimSpace(in.Use); in.Use == "" {
		in.Use = "住宅"
	}
	if !slices.Contains(TakeoverUses, in.Use) {
		f.Add("house_use", "适用对象须为 %s 之一", strings.Join(TakeoverUses, "/"))
	}
	text(&f, &in.Category, "category", "类别", 20, false)
	text(&f, &in.Name, "name", "项目", 60, true)
	if in.Sort < 0 || in.Sort > 9999 {
		f.Add("sort", "顺序须为 0 到 9999")
	}
	return f.Err()
}

// defaultItems is the checklist a community starts with, after the
// manual's 房屋验收标准: what the inspectors look at per house use.
var defaultItems = map[string][][2]string{
	"住宅": {{"土建", "墙面、顶棚：无空鼓、裂缝、渗水"}, {"土建", "地面：平整，无空鼓、起砂"},
		{"门窗", "入户门、室内门：开启灵活，五金齐全"}, {"门窗", "窗户及玻璃：开启、密封良好，无破损"},
		{"给排水", "给水管、龙头：通水无渗漏"}, {"给排水", "地漏、排水管：排水通畅"},
		{"防水", "卫生间、厨房、阳台：闭水试验无渗漏"}, {"电气", "开关、插座、灯具：通电正常"},
		{"电气", "户内配电箱：标识清楚，漏电保护有效"}, {"设备", "燃气、可视对讲、弱电接口：齐全可用"},
		{"阳台", "栏杆牢固，高度符合要求"}},
	"商铺": {{"土建", "墙面、地面：无空鼓、裂缝"}, {"门窗", "卷帘门、玻璃门：开启正常"},
		{"给排水", "给排水：通水无渗漏"}, {"电气", "电气容量、配电箱：符合设计"}, {"消防", "喷淋、烟感：齐全有效"}},
	"车位":  {{"土建", "地面、划线及编号：清楚完好"}, {"电气", "照明：正常"}},
	"储藏室": {{"门窗", "门锁：开启正常"}, {"土建", "墙面、地面：无渗水"}, {"电气", "照明、通风：正常"}},
	CommonParts: {{"土建", "大堂、楼梯间、走道：墙地面完好"}, {"设备", "电梯：运行正常，有合格证"},
		{"消防", "消防栓、喷淋、烟感、应急照明：齐全有效"}, {"给排水", "水泵房、管井：无渗漏"},
		{"电气", "配电房、公共照明：正常"}, {"防水", "屋面、外立面：无渗漏、无空鼓"},
		{"设备", "单元门禁、对讲：可用"}, {"资料", "竣工图纸、设备资料：移交齐全"}},
}

// Inspection is one takeover inspection of a building's common parts
// or of a house, with its checklist and findings.
type Inspection struct {
	ID          int64      `json:"id"`
	CommunityID int64      `json:"community_id"`
	BuildingID  int64      `json:"building_id"`
	HouseID     *int64     `json:"house_id"`
	Target      string     `json:"target"`
	Use         string     `json:"house_use"`
	InspectedOn string     `json:"inspected_on"`
	Inspectors  string     `json:"inspectors"`
	Developer   string     `json:"developer"`
	Contractor  string     `json:"contractor"`
	Notes       string     `json:"notes"`
	Checks      []Check    `json:"checks,omitempty"`
	Findings    []*Finding `json:"findings,omitempty"`
	Open        int        `json:"open_findings"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// InspectionInput starts an inspection: of a house (house_id) or of a
// building's common parts (building_id alone).
type InspectionInput struct {
	CommunityID int64  `json:"community_id"`
	BuildingID  int64  `json:"building_id"`
	HouseID     int64  `json:"house_id"`
	InspectedOn string `json:"inspected_on"`
	Inspectors  string `json:"inspectors"`
	Developer   string `json:"developer"`
	Contractor  string `json:"contractor"`
	Notes       string `json:"notes"`
}

func (in *InspectionInput) validate(today string) error {
	var f errs.Fields
	if in.HouseID <= 0 && in.BuildingID <= 0 {
		f.Add("building_id", "请选择楼栋（验收公共部位）或房屋")
	}
	if in.InspectedOn == "" {
		in.InspectedOn = today
	}
	day(&f, &in.InspectedOn, "inspected_on", "验收日期", true)
	if in.InspectedOn > today {
		f.Add("inspected_on", "验收日期不能晚于今天")
	}
	text(&f, &in.Inspectors, "inspectors", "验收人员", 100, false)
	text(&f, &in.Developer, "developer", "开发公司", 60, false)
	text(&f, &in.Contractor, "contractor", "施工单位", 60, false)
	text(&f, &in.Notes, "notes", "备注", 500, false)
	return f.Err()
}

// Check is one checklist line of an inspection.
type Check struct {
	ID       int64  `json:"id"`
	Category string `json:"category"`
	Name     string `json:"name"`
	Result   string `json:"result"` // "" | ok | fail
	Note     string `json:"note"`
}

// CheckInput sets one line's result.
type CheckInput struct {
	ID     int64  `json:"id"`
	Result string `json:"result"`
	Note   string `json:"note"`
}

// Finding is one problem found, tracked to a passed re-inspection.
type Finding struct {
	ID           int64     `json:"id"`
	CommunityID  int64     `json:"community_id"`
	InspectionID int64     `json:"inspection_id"`
	BuildingID   int64     `json:"building_id"`
	Target       string    `json:"target"`
	Item         string    `json:"item"`
	Description  string    `json:"description"`
	Party        string    `json:"party"`
	PartyLabel   string    `json:"party_label"`
	PartyName    string    `json:"party_name"`
	Deadline     string    `json:"deadline"`
	Status       string    `json:"status"`
	StatusLabel  string    `json:"status_label"`
	Overdue      bool      `json:"overdue"`
	Rounds       int       `json:"rounds"`
	Steps        []Step    `json:"steps,omitempty"`
	Photos       []Photo   `json:"photos,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Done reports whether a re-inspection has passed it.
func (f *Finding) Done() bool { return f.Status == FindingPassed }

// FindingInput records a finding.
type FindingInput struct {
	InspectionID int64  `json:"inspection_id"`
	Item         string `json:"item"`
	Description  string `json:"description"`
	Party        string `json:"party"`
	PartyName    string `json:"party_name"`
	Deadline     string `json:"deadline"`
}

func (in *FindingInput) validate() error {
	var f errs.Fields
	text(&f, &in.Item, "item", "项目", 60, true)
	text(&f, &in.Description, "description", "问题描述", 500, true)
	var ok bool
	if in.Party == "" {
		in.Party = PartyDeveloper
	}
	if in.Party, ok = canon(in.Party, Parties); !ok {
		f.Add("party", "责任方须为 开发公司/施工单位")
	}
	text(&f, &in.PartyName, "party_name", "责任单位", 60, false)
	day(&f, &in.Deadline, "deadline", "整改期限", true)
	return f.Err()
}

// Step is one line of the 返修跟进记录.
type Step struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Action   string    `json:"action"`
	Label    string    `json:"label"`
	Status   string    `json:"status"`
	Actor    string    `json:"actor"`
	Note     string    `json:"note"`
	UserName string    `json:"user_name"`
}

// FixInput records the responsible party's repair.
type FixInput struct {
	FixedBy string `json:"fixed_by"`
	Note    string `json:"note"`
}

// ReinspectInput records a re-inspection; a failed one may set a new
// deadline.
type ReinspectInput struct {
	Passed   *bool  `json:"passed"`
	Note     string `json:"note"`
	Deadline string `json:"deadline"`
}

// Photo is a photo of a finding (the content stays in the database).
type Photo struct {
	ID          int64     `json:"id"`
	FindingID   int64     `json:"finding_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

// BuildingSummary counts one building's findings.
type BuildingSummary struct {
	BuildingID  int64  `json:"building_id"`
	Building    string `json:"building"`
	Inspections int    `json:"inspections"`
	Open        int    `json:"open"`   // open or failed: waiting for the party
	Fixed       int    `json:"fixed"`  // waiting for re-inspection
	Passed      int    `json:"passed"` // closed
	Overdue     int    `json:"overdue"`
}

// FindingFilter selects findings.
type FindingFilter struct {
	CommunityID, BuildingID, InspectionID int64
	Status                                string // a status, or "pending" (not passed)
	Overdue                               bool
	Limit, Offset                         int
}
