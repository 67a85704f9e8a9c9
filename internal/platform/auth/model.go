// Package auth holds staff accounts, roles and their permissions, the
// community scope of every user, sessions, API tokens and login
// throttling.
package auth

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is a staff role.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleDirector  Role = "director"
	RoleCSManager Role = "cs_manager"
	RoleCSAgent   Role = "cs_agent"
	RoleCashier   Role = "cashier"
	RoleDeptStaff Role = "dept_staff"
	RoleAuditor   Role = "auditor"
)

// Roles in display order.
var Roles = []Role{RoleAdmin, RoleDirector, RoleCSManager, RoleCSAgent, RoleCashier, RoleDeptStaff, RoleAuditor}

var roleLabels = map[Role]string{
	RoleAdmin: "系统管理员", RoleDirector: "中心主任", RoleCSManager: "客服经理", RoleCSAgent: "客服助理",
	RoleCashier: "收费员", RoleDeptStaff: "部门员工", RoleAuditor: "只读审计",
}

// Label is the role's Chinese name.
func (r Role) Label() string { return roleLabels[r] }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleLabels[r]; return ok }

// Departments a dept_staff user belongs to.
var Departments = []string{"工程部", "环境部", "秩序部", "客服部"}

// Permissions. Routes name the one they need; roles grant sets of them.
const (
	PermArchiveRead     = "archive.read"     // see houses, owners, residents, vehicles
	PermArchiveWrite    = "archive.write"    // create and edit them
	PermArchiveTransfer = "archive.transfer" // 过户
	PermArchiveImport   = "archive.import"   // Excel import
	PermArchiveExport   = "archive.export"   // Excel export
	PermCommunityAdmin  = "community.admin"  // create communities, edit their details
	PermIDNumberView    = "idnumber.view"    // see ID numbers unmasked
	PermPhoneView       = "phone.view"       // see owners', residents', visitors' … phones unmasked (not the auditor)
	PermAuditRead       = "audit.read"       // the audit log page
	PermUsersAdmin      = "users.admin"      // staff accounts
	PermCalendarAdmin   = "calendar.admin"   // working-day calendar overrides
	PermBackupManage    = "backup.manage"    // backup settings, 立即备份, download backups (admin only)
	PermSignedIn        = "signed_in"        // any signed-in user

	PermTicketRead     = "ticket.read"     // see tickets (dept_staff: their department's)
	PermTicketCreate   = "ticket.create"   // register a ticket (首问)
	PermTicketWork     = "ticket.work"     // start, reply, resolve, attach
	PermTicketHandle   = "ticket.handle"   // dispatch, reopen, cancel
	PermTicketCallback = "ticket.callback" // 回访
	PermTicketJudge    = "ticket.judge"    // 有效投诉 and 重大投诉
	PermSLAAdmin       = "sla.admin"       // edit SLA policies
	PermKPIRead        = "kpi.read"        // KPIs, dashboard, monthly report

	// Billing (收费与催缴). The manual gives fee collection to the 客服部:
	// cashiers take payments, the manager and the director set fees, run
	// bills and void receipts ("voided with a reason by a manager"), the
	// director alone enters the spending published in the 收支公示, and
	// every front-line role chases arrears.
	PermBillingRead   = "billing.read"        // bills, payments, arrears, reports (not dept_staff)
	PermBillingCharge = "billing.charge"      // take payments, issue one-off charges (cashier, manager, director)
	PermBillingAdmin  = "billing.admin"       // fee items, prices, exemptions, bill runs (manager, director)
	PermBillingVoid   = "billing.void"        // void receipts, waive late fees (manager, director)
	PermBillingMeter  = "billing.meter"       // enter meter readings
	PermDunning       = "billing.dunning"     // 催缴 records, follow-ups, notices
	PermExpenditure   = "billing.expenditure" // 收支公示 spending (director)

	// Front desk (前台): visitors, parcels, keys, custody, duty log — the
	// daily records every front-line role keeps; notices are drafted by
	// the desk and approved by the 客服经理 or the director.
	PermDeskRead      = "desk.read"      // see the front-desk records
	PermDeskWrite     = "desk.write"     // register visitors, parcels, keys, custody, duty-log entries
	PermNoticeWrite   = "notice.write"   // draft and edit notices (公告)
	PermNoticeApprove = "notice.approve" // approve, publish and withdraw notices

	// Renovation (装修治理): the desk registers applications and inspects
	// the works, the engineering department reviews them, the 客服经理
	// approves, accepts completion and settles the deposit.
	PermRenovationRead    = "renovation.read"    // see applications, permits, inspections
	PermRenovationWrite   = "renovation.write"   // register applications, workers, inspections
	PermRenovationReview  = "renovation.review"  // engineering review of an application
	PermRenovationApprove = "renovation.approve" // approve/reject, completion, deposit refund, rules

	// Move-in (入伙治理) and takeover inspection (接管验收): the director
	// plans the campaign (with the 客服经理, who runs it and may set it
	// up), 客服助理 enter owners' documents and handovers, the engineering
	// department inspects.
	PermMoveInRead    = "movein.read"    // see campaigns, houses' progress, takeover findings
	PermMoveInWork    = "movein.work"    // notices, appointments, documents, 验房 defects, key handover
	PermMoveInInspect = "movein.inspect" // takeover inspection findings and re-inspection
	PermMoveInPlan    = "movein.plan"    // create and plan campaigns, document packs, checklists (director, manager)
)

var rolePerms = map[Role][]string{
	RoleDirector: {PermArchiveRead, PermArchiveWrite, PermArchiveTransfer, PermArchiveImport,
		PermArchiveExport, PermIDNumberView, PermPhoneView, PermAuditRead, PermCalendarAdmin,
		PermTicketRead, PermTicketCreate, PermTicketWork, PermTicketHandle, PermTicketCallback, PermTicketJudge,
		PermSLAAdmin, PermKPIRead,
		PermBillingRead, PermBillingCharge, PermBillingAdmin, PermBillingVoid, PermBillingMeter, PermDunning, PermExpenditure,
		PermDeskRead, PermDeskWrite, PermNoticeWrite, PermNoticeApprove,
		PermRenovationRead, PermRenovationWrite, PermRenovationReview, PermRenovationApprove,
		PermMoveInRead, PermMoveInWork, PermMoveInInspect, PermMoveInPlan},
	RoleCSManager: {PermArchiveRead, PermArchiveWrite, PermArchiveTransfer, PermArchiveImport, PermArchiveExport, PermPhoneView,
		PermTicketRead, PermTicketCreate, PermTicketWork, PermTicketHandle, PermTicketCallback, PermTicketJudge, PermKPIRead,
		PermBillingRead, PermBillingCharge, PermBillingAdmin, PermBillingVoid, PermBillingMeter, PermDunning,
		PermDeskRead, PermDeskWrite, PermNoticeWrite, PermNoticeApprove,
		PermRenovationRead, PermRenovationWrite, PermRenovationReview, PermRenovationApprove,
		PermMoveInRead, PermMoveInWork, PermMoveInInspect, PermMoveInPlan},
	RoleCSAgent: {PermArchiveRead, PermArchiveWrite, PermArchiveExport, PermPhoneView,
		PermTicketRead, PermTicketCreate, PermTicketWork, PermTicketHandle, PermTicketCallback,
		PermBillingRead, PermBillingMeter, PermDunning,
		PermDeskRead, PermDeskWrite, PermNoticeWrite,
		PermRenovationRead, PermRenovationWrite,
		PermMoveInRead, PermMoveInWork},
	RoleCashier: {PermArchiveRead, PermArchiveExport, PermPhoneView, PermTicketRead, PermTicketCreate,
		PermBillingRead, PermBillingCharge, PermBillingMeter, PermDunning,
		PermDeskRead, PermDeskWrite, PermMoveInRead},
	RoleDeptStaff: {PermArchiveRead, PermPhoneView, PermTicketRead, PermTicketCreate, PermTicketWork,
		PermRenovationRead, PermRenovationReview, PermMoveInRead, PermMoveInInspect},
	RoleAuditor: {PermArchiveRead, PermArchiveExport, PermAuditRead, PermTicketRead, PermKPIRead, PermBillingRead,
		PermDeskRead, PermRenovationRead, PermMoveInRead},
}

// RoleHas reports whether role grants perm. Admin has every permission.
func RoleHas(role Role, perm string) bool {
	if role == RoleAdmin || perm == PermSignedIn || perm == "" {
		return true
	}
	return slices.Contains(rolePerms[role], perm)
}

// User is a staff account.
type User struct {
	ID         int64  `json:"id"`
	Login      string `json:"login"`
	Name       string `json:"name"`
	Role       Role   `json:"role"`
	Department string `json:"department,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"` // for e-mailed notifications; "" = none
	Disabled   bool   `json:"disabled"`
	// LockedAt is when too many wrong passwords locked the account; nil
	// when it is not locked (a lapsed lock reads as nil).
	LockedAt    *time.Time `json:"locked_at,omitempty"`
	Communities []int64    `json:"communities"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// DisplayName, RoleLabel and Can make *User a web.Viewer.
func (u *User) DisplayName() string { return u.Name }
func (u *User) RoleLabel() string {
	if u.Role == RoleDeptStaff && u.Department != "" {
		return u.Department
	}
	return u.Role.Label()
}
func (u *User) Can(perm string) bool { return u != nil && !u.Disabled && RoleHas(u.Role, perm) }

// ShowPhone is a person's phone as u may see it: whole with phone.view,
// masked (138****5678) otherwise. Every page, export and API response
// that shows an owner's, resident's, visitor's … phone passes it here;
// staff accounts' own phones do not.
func (u *User) ShowPhone(phone string) string {
	if u.Can(PermPhoneView) {
		return phone
	}
	return MaskPhone(phone)
}

// AllCommunities reports whether the user sees every community.
func (u *User) AllCommunities() bool { return u.Role == RoleAdmin }

// Sees reports whether communityID is within the user's scope.
func (u *User) Sees(communityID int64) bool {
	return u.AllCommunities() || slices.Contains(u.Communities, communityID)
}

type userKey struct{}

// WithUser puts the signed-in user into ctx.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserOf returns the signed-in user or nil.
func UserOf(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// MaskID shows an ID number as 110101********1234.
func MaskID(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 8 {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:6]) + strings.Repeat("*", n-10) + string(r[n-4:])
}

// MaskPhone shows a phone as 138****5678. At least four characters stay
// hidden: a landline 88886666 shows as ****6666, a short number not at all.
// Masking a masked phone changes nothing.
func MaskPhone(s string) string {
	r := []rune(s)
	head, tail := 0, 0
	if len(r) >= 8 {
		tail = 4
	}
	if len(r) >= 11 {
		head = 3
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}
