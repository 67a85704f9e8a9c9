// Package renovation is 装修治理: applications, approval, permits and
// worker passes, the community's rules (working hours, waste removal,
// fire extinguishers), inspections with rectification, completion
// acceptance and the deposit refund through billing.
//
// The money goes through billing: approval charges the 装修押金 (a
// deposit: a liability, not income) and the 装修垃圾清运费 as one-off
// bills of the house, and the refund is billing's RefundDeposit, in the
// same transaction as the renovation's own change. The house's status
// becomes 装修中 when the works start and returns when they are
// accepted, through the archive service.
package renovation

import (
	"context"
	"database/sql"
	"embed"
	"time"

	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is renovation's migrations (after archive, ticket and billing).
var Module = db.Module{Name: "renovation", FS: migrations}

func init() {
	audit.Describe("renovation", "装修", map[string]string{"status": "状态", "applicant_name": "申请人",
		"applicant_phone": "申请人电话", "contractor": "施工单位", "manager_name": "现场负责人", "manager_phone": "负责人电话",
		"area": "装修面积(m²)", "starts_on": "开工日期", "ends_on": "完工日期", "scope": "装修内容", "notes": "备注",
		"required_extinguishers": "应配灭火器(个)", "review_opinion": "工程部意见", "conditions": "批准条件",
		"reject_reason": "驳回原因", "permit_number": "许可证号", "completion_result": "验收结论",
		"completion_note": "验收说明", "deposit_fen": "押金(分)", "waste_fee_fen": "垃圾清运费(分)",
		"refund_fen": "退还押金(分)", "deductions_fen": "押金扣款(分)", "deductions": "扣款明细", "workers": "施工人员",
		"inspections": "巡查次数", "open_findings": "未整改问题", "files": "附件", "extension": "延期原因"})
	audit.DescribeValues("renovation", statusLabels)
	audit.Describe("renovation_rules", "装修管理规定", map[string]string{"weekday_hours": "工作日施工时间",
		"weekend_hours": "周末施工时间", "weekend_note": "周末及节假日规定", "waste_times": "垃圾清运时间",
		"waste_place": "垃圾堆放地点", "extinguisher_area": "灭火器：每(m²)", "extinguisher_count": "灭火器：个数",
		"extinguisher_kg": "灭火器：公斤", "forbidden": "禁止事项", "deposit_fen": "押金(分)",
		"waste_fee_fen": "垃圾清运费(分)", "deposit_item_id": "押金收费项目", "waste_item_id": "清运费收费项目"})
}

// Service holds the renovation rules. Every method takes the acting user
// and checks the permission and the community scope itself (defence in
// depth behind the route's role check). Archive and Billing are the
// services it goes through for the house and the money; NewService makes
// its own, app may share its ones.
type Service struct {
	DB      *db.DB
	Now     func() time.Time
	Archive *archive.Service
	Billing *billing.Service
}

// NewService returns the renovation service on d.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		Archive: archive.NewService(d), Billing: billing.NewService(d)}
}

// today is the date in Asia/Shanghai, YYYY-MM-DD.
func (s *Service) today() string { return s.Now().In(shanghai).Format(dateLayout) }

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// can checks that by holds perm and sees communityID (lists filter by
// scope instead).
func can(by *auth.User, perm string, communityID int64) error {
	if !by.Can(perm) {
		return errs.Forbidden("您没有该装修操作的权限")
	}
	if !by.Sees(communityID) {
		return errs.Forbidden("该记录不在您管辖的小区内")
	}
	return nil
}

// scope is the communities a user sees: nil for all.
func scope(u *auth.User) []int64 { return archive.Scope(u) }

func record(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, entity string, id int64, action string, before, after any) error {
	return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), CommunityID: communityID, Entity: entity,
		EntityID: id, Action: action, Before: before, After: after})
}
