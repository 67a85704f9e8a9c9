package renovation

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// Statuses of an application, in the order of its life.
const (
	StatusSubmitted  = "submitted"   // 已提交，待审核
	StatusReviewed   = "reviewed"    // 工程部已出审核意见
	StatusApproved   = "approved"    // 已批准，许可证已编号
	StatusRejected   = "rejected"    // 已驳回 (final)
	StatusInProgress = "in_progress" // 施工中：许可证发放，房屋为装修中
	StatusCompleted  = "completed"   // 已竣工验收
	StatusRefunded   = "refunded"    // 押金已结清 (final)
)

// Statuses in display order.
var Statuses = []string{StatusSubmitted, StatusReviewed, StatusApproved, StatusRejected, StatusInProgress,
	StatusCompleted, StatusRefunded}

var statusLabels = map[string]string{
	StatusSubmitted: "待审核", StatusReviewed: "工程部已审核", StatusApproved: "已批准", StatusRejected: "已驳回",
	StatusInProgress: "施工中", StatusCompleted: "已竣工验收", StatusRefunded: "押金已结清",
}

// StatusLabel is a status's Chinese name.
func StatusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

// active are the statuses of works that may be under way: the permit
// and the worker passes are valid, inspections are made.
var active = []string{StatusApproved, StatusInProgress}

// ViolationTypes are the findings of a 巡查, after the manual's 装修治理
// standard.
var ViolationTypes = []string{"未按时施工", "噪音扰民", "垃圾乱放", "破坏承重结构", "未配灭火器", "违规动火",
	"私拉乱接电线", "未关闭通道门窗", "阳台堆放易燃物", "未佩戴出入证", "其他"}

// CompletionResults are the conclusions of the 竣工验收.
var CompletionResults = []string{"验收合格", "整改后合格", "有遗留问题"}

// Trades are the usual 工种 of the workers (any text is accepted).
var Trades = []string{"水电工", "泥瓦工", "木工", "油漆工", "杂工", "防水工", "项目经理"}

// File kinds.
const (
	FileDrawing    = "drawing"          // 装修图纸
	FileWorker     = "worker_photo"     // 施工人员照片 (ref: the worker)
	FileInspection = "inspection_photo" // 巡查照片 (ref: the inspection)
)

// FileKinds in display order.
var FileKinds = []string{FileDrawing, FileWorker, FileInspection}

var fileLabels = map[string]string{FileDrawing: "图纸", FileWorker: "施工人员照片", FileInspection: "巡查照片"}

// FileLabel is a file kind's Chinese name.
func FileLabel(k string) string { return fileLabels[k] }

const dateLayout = "2006-01-02"

// Renovation is an application and everything that happened to it.
type Renovation struct {
	ID                    int64      `json:"id"`
	CommunityID           int64      `json:"community_id"`
	HouseID               int64      `json:"house_id"`
	HouseCode             string     `json:"house_code"`
	Status                string     `json:"status"`
	StatusLabel           string     `json:"status_label"`
	ApplicantName         string     `json:"applicant_name"`
	ApplicantPhone        string     `json:"applicant_phone"`
	Contractor            string     `json:"contractor"`
	ManagerName           string     `json:"manager_name"`
	ManagerPhone          string     `json:"manager_phone"`
	Area                  string     `json:"area"` // m², two decimals
	StartsOn              string     `json:"starts_on"`
	EndsOn                string     `json:"ends_on"`
	Scope                 string     `json:"scope"`
	Notes                 string     `json:"notes"`
	RequiredExtinguishers int        `json:"required_extinguishers"`
	ExtinguisherKg        int        `json:"extinguisher_kg"`
	ExtinguisherRule      string     `json:"extinguisher_rule"`
	ReviewOpinion         string     `json:"review_opinion"`
	ReviewedName          string     `json:"reviewed_name"`
	ReviewedAt            *time.Time `json:"reviewed_at"`
	Conditions            string     `json:"conditions"`
	RejectReason          string     `json:"reject_reason"`
	DecidedName           string     `json:"decided_name"`
	DecidedAt             *time.Time `json:"decided_at"`
	PermitNumber          string     `json:"permit_number"`
	StartedName           string     `json:"started_name"`
	StartedAt             *time.Time `json:"started_at"`
	HouseStatusBefore     string     `json:"house_status_before"`
	CompletionResult      string     `json:"completion_result"`
	CompletionNote        string     `json:"completion_note"`
	CompletedName         string     `json:"completed_name"`
	CompletedAt           *time.Time `json:"completed_at"`
	DepositBillID         *int64     `json:"deposit_bill_id"`
	WasteBillID           *int64     `json:"waste_bill_id"`
	DepositFen            int64      `json:"deposit_fen"`
	WasteFeeFen           int64      `json:"waste_fee_fen"`
	RefundID              *int64     `json:"refund_id"`
	RefundFen             int64      `json:"refund_fen"`
	DeductionsFen         int64      `json:"deductions_fen"`
	RefundedName          string     `json:"refunded_name"`
	RefundedAt            *time.Time `json:"refunded_at"`
	CreatedBy             int64      `json:"created_by"`
	CreatedName           string     `json:"created_name"`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`

	Workers     []Worker     `json:"workers"`
	Inspections []Inspection `json:"inspections"`
	Files       []File       `json:"files"`
	// OpenFindings counts findings not yet rectified; Overdue those of
	// them past their deadline.
	OpenFindings int `json:"open_findings"`
	Overdue      int `json:"overdue_findings"`

	area, extArea int64
}

// AreaHundredths is the area as stored.
func (r *Renovation) AreaHundredths() int64 { return r.area }

// Active reports whether the permit and the passes are valid.
func (r *Renovation) Active() bool { return slices.Contains(active, r.Status) }

// Worker is one 施工人员 with an 出入证.
type Worker struct {
	ID           int64     `json:"id"`
	RenovationID int64     `json:"renovation_id"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone"`
	IDNumber     string    `json:"id_number"` // masked unless the caller may see ID numbers
	Trade        string    `json:"trade"`
	Revoked      bool      `json:"revoked"`
	PhotoID      *int64    `json:"photo_id"`
	CreatedAt    time.Time `json:"created_at"`
}

// Inspection is one 巡查 with its findings.
type Inspection struct {
	ID            int64     `json:"id"`
	RenovationID  int64     `json:"renovation_id"`
	Note          string    `json:"note"`
	InspectorName string    `json:"inspector_name"`
	Findings      []Finding `json:"findings"`
	PhotoIDs      []int64   `json:"photo_ids"`
	CreatedAt     time.Time `json:"created_at"`
}

// Finding is a violation found, tracked to its re-check.
type Finding struct {
	ID            int64      `json:"id"`
	InspectionID  int64      `json:"inspection_id"`
	Type          string     `json:"type"`
	Note          string     `json:"note"`
	RectifyBy     string     `json:"rectify_by"`
	Rectified     bool       `json:"rectified"`
	RecheckNote   string     `json:"recheck_note"`
	RectifiedName string     `json:"rectified_name"`
	RectifiedAt   *time.Time `json:"rectified_at"`
	Overdue       bool       `json:"overdue"`
	CreatedAt     time.Time  `json:"created_at"`
}

// File is a drawing or a photo kept with an application.
type File struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	RefID       int64     `json:"ref_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

// Input registers an application. Area is m² as a number or a string
// ("85.5"); dates are YYYY-MM-DD.
type Input struct {
	HouseID        int64         `json:"house_id"`
	ApplicantName  string        `json:"applicant_name"`
	ApplicantPhone string        `json:"applicant_phone"`
	Contractor     string        `json:"contractor"`
	ManagerName    string        `json:"manager_name"`
	ManagerPhone   string        `json:"manager_phone"`
	Area           web.Text      `json:"area"`
	StartsOn       string        `json:"starts_on"`
	EndsOn         string        `json:"ends_on"`
	Scope          string        `json:"scope"`
	Notes          string        `json:"notes"`
	Workers        []WorkerInput `json:"workers"`
}

// WorkerInput adds a worker.
type WorkerInput struct {
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	IDNumber string `json:"id_number"`
	Trade    string `json:"trade"`
}

// InspectionInput records a 巡查; no findings = nothing wrong.
type InspectionInput struct {
	Note     string         `json:"note"`
	Findings []FindingInput `json:"findings"`
}

// FindingInput is one violation found.
type FindingInput struct {
	Type      string `json:"type"`
	Note      string `json:"note"`
	RectifyBy string `json:"rectify_by"`
}

// CompleteInput is the 竣工验收: Result defaults to 验收合格.
type CompleteInput struct {
	Result string `json:"result"`
	Note   string `json:"note"`
}

// RefundInput settles the deposit: the deductions, each with its reason.
type RefundInput struct {
	Deductions []billing.DepositDeduction `json:"deductions"`
	Method     string                     `json:"method"`
	Note       string                     `json:"note"`
}

// Extinguishers is the manual's rule: 每 per 平方米至少配备 count 个灭火器,
// 不足 per 平方米的按 per 平方米计算 — ceil(area ÷ per) × count, in
// integers (area and per in hundredths of m²).
func Extinguishers(area, per int64, count int) int {
	if area <= 0 || per <= 0 || count <= 0 {
		return 0
	}
	return int((area+per-1)/per) * count
}

var phoneRe = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8}|400-?\d{3}-?\d{4})$`)

var phoneClean = strings.NewReplacer(" ", "", "—", "-", "－", "-")

// text trims s and checks its length; required adds a 请填写 error.
func text(f *errs.Fields, s *string, field, what string, max int, required bool) {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "" && required:
		f.Add(field, "请填写%s", what)
	case utf8.RuneCountInString(*s) > max:
		f.Add(field, "%s不能超过 %d 个字", what, max)
	}
}

func phone(f *errs.Fields, s *string, field, what string, required bool) {
	*s = phoneClean.Replace(strings.TrimSpace(*s))
	switch {
	case *s == "" && required:
		f.Add(field, "请填写%s", what)
	case *s != "" && !phoneRe.MatchString(*s):
		f.Add(field, "%s格式不正确，手机号应为 11 位", what)
	}
}

// date normalises a YYYY-MM-DD day.
func date(s string) (string, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "/", "-"))
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return s, false
	}
	return t.Format(dateLayout), true
}

// validate checks an application; it returns the area in hundredths.
func (in *Input) validate() (int64, error) {
	var f errs.Fields
	if in.HouseID <= 0 {
		f.Add("house_id", "请选择房屋")
	}
	text(&f, &in.ApplicantName, "applicant_name", "申请人", 40, false)
	phone(&f, &in.ApplicantPhone, "applicant_phone", "申请人电话", false)
	text(&f, &in.Contractor, "contractor", "施工单位（业主自装请填“业主自装”）", 80, true)
	text(&f, &in.ManagerName, "manager_name", "现场负责人", 40, true)
	phone(&f, &in.ManagerPhone, "manager_phone", "负责人电话", true)
	var area int64
	if strings.TrimSpace(string(in.Area)) == "" {
		f.Add("area", "请填写装修面积（m²）")
	} else if v, err := money.ParseHundredths(string(in.Area)); err != nil {
		f.Add("area", "装修面积须为数字（m²），最多两位小数，如 85.50")
	} else if v <= 0 {
		f.Add("area", "装修面积须大于 0")
	} else if v > 100_000_00 {
		f.Add("area", "装修面积过大")
	} else {
		area = v
	}
	var okStart, okEnd bool
	if strings.TrimSpace(in.StartsOn) == "" {
		f.Add("starts_on", "请填写开工日期")
	} else if in.StartsOn, okStart = date(in.StartsOn); !okStart {
		f.Add("starts_on", "开工日期格式应为 2026-12-01")
	}
	if strings.TrimSpace(in.EndsOn) == "" {
		f.Add("ends_on", "请填写完工日期")
	} else if in.EndsOn, okEnd = date(in.EndsOn); !okEnd {
		f.Add("ends_on", "完工日期格式应为 2026-12-31")
	}
	if okStart && okEnd {
		if in.EndsOn < in.StartsOn {
			f.Add("ends_on", "完工日期不能早于开工日期")
		} else if s, _ := time.Parse(dateLayout, in.StartsOn); s.AddDate(1, 0, 0).Format(dateLayout) < in.EndsOn {
			f.Add("ends_on", "装修工期不能超过一年")
		}
	}
	text(&f, &in.Scope, "scope", "装修内容", 2000, false)
	text(&f, &in.Notes, "notes", "备注", 500, false)
	if len(in.Workers) > 100 {
		f.Add("workers", "施工人员一次最多登记 100 人")
	}
	for i := range in.Workers {
		in.Workers[i].validate(&f, "workers")
	}
	return area, f.Err()
}

// validate checks a worker; field names the errors (workers in an
// application, the worker's own fields on its form).
func (in *WorkerInput) validate(f *errs.Fields, field string) {
	pick := func(own string) string {
		if field != "" {
			return field
		}
		return own
	}
	text(f, &in.Name, pick("name"), "施工人员姓名", 40, true)
	phone(f, &in.Phone, pick("phone"), "施工人员电话", false)
	text(f, &in.Trade, pick("trade"), "工种", 20, false)
	in.IDNumber = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(in.IDNumber), " ", ""))
	switch {
	case in.IDNumber == "":
	case len(in.IDNumber) == 18 && !archive.ValidIDNumber(in.IDNumber):
		f.Add(pick("id_number"), "身份证号码 %s 不正确（校验位或出生日期有误）", in.IDNumber)
	case len(in.IDNumber) < 5 || len(in.IDNumber) > 30 || strings.Trim(in.IDNumber, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-") != "":
		f.Add(pick("id_number"), "证件号码格式不正确")
	}
}

// validate checks an inspection against today (rectification deadlines
// cannot lie in the past).
func (in *InspectionInput) validate(today string) error {
	var f errs.Fields
	text(&f, &in.Note, "note", "巡查记录", 1000, false)
	if len(in.Findings) > 50 {
		f.Add("findings", "一次巡查最多登记 50 个问题")
	}
	for i := range in.Findings {
		x := &in.Findings[i]
		x.Type = strings.TrimSpace(x.Type)
		x.Note = strings.TrimSpace(x.Note)
		switch {
		case !slices.Contains(ViolationTypes, x.Type):
			f.Add("findings", "第 %d 个问题的类型须为 %s 之一", i+1, strings.Join(ViolationTypes, "/"))
		case x.Type == "其他" && x.Note == "":
			f.Add("findings", "第 %d 个问题类型为“其他”，请写明情况", i+1)
		case utf8.RuneCountInString(x.Note) > 500:
			f.Add("findings", "第 %d 个问题的说明不能超过 500 个字", i+1)
		}
		if strings.TrimSpace(x.RectifyBy) == "" {
			continue
		}
		d, ok := date(x.RectifyBy)
		switch {
		case !ok:
			f.Add("findings", "第 %d 个问题的整改期限格式应为 2026-12-05", i+1)
		case d < today:
			f.Add("findings", "第 %d 个问题的整改期限不能早于今天", i+1)
		}
		x.RectifyBy = d
	}
	return f.Err()
}
