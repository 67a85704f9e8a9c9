package frontdesk

import (
	"fmt"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// 来访接待: the desk registers a visitor on arrival — who, whom they
// visit, why, how many, their car — and the time they leave; an owner
// may announce a visitor beforehand (a future expected_at: the portal's
// hook), whom the desk then checks in. A pass can be printed.

// Visitor statuses and sources.
const (
	VisitorExpected  = "expected"  // 预约
	VisitorOnSite    = "on_site"   // 在访
	VisitorLeft      = "left"      // 已离开
	VisitorCancelled = "cancelled" // 预约取消

	SourceDesk   = "desk"
	SourcePortal = "portal"
)

// VisitorStatuses in display order.
var VisitorStatuses = []string{VisitorExpected, VisitorOnSite, VisitorLeft, VisitorCancelled}

// Purposes are offered as suggestions; any text is accepted.
var Purposes = []string{"探亲访友", "送货", "装修施工", "维修", "家政保洁", "中介看房", "办事", "其他"}

var visitorLabels = map[string]string{
	VisitorExpected: "预约", VisitorOnSite: "在访", VisitorLeft: "已离开", VisitorCancelled: "已取消",
	SourceDesk: "前台登记", SourcePortal: "业主预约",
}

// VisitorLabel is the Chinese name of a visitor's stored value.
func VisitorLabel(v string) string {
	if l, ok := visitorLabels[v]; ok {
		return l
	}
	return v
}

func init() {
	audit.Describe("visitor", "访客", map[string]string{"name": "姓名", "phone": "电话", "id_type": "证件类型",
		"id_number": "证件号码", "purpose": "事由", "people": "人数", "plate": "车牌", "host_name": "被访人",
		"status": "状态", "expected_at": "预约时间", "checked_in_at": "到访时间", "checked_out_at": "离开时间", "notes": "备注"})
	audit.DescribeValues("visitor", visitorLabels)
}

// Visitor is one visit. IDNumber is masked for users without
// idnumber.view.
type Visitor struct {
	ID           int64      `json:"id"`
	CommunityID  int64      `json:"community_id"`
	HouseID      int64      `json:"house_id,omitempty"`
	HouseCode    string     `json:"house_code,omitempty"`
	HostName     string     `json:"host_name"`
	Name         string     `json:"name"`
	Phone        string     `json:"phone"`
	IDType       string     `json:"id_type"`
	IDNumber     string     `json:"id_number"`
	Purpose      string     `json:"purpose"`
	People       int        `json:"people"`
	Plate        string     `json:"plate"`
	Notes        string     `json:"notes"`
	Status       string     `json:"status"`
	Source       string     `json:"source"`
	ExpectedAt   *time.Time `json:"expected_at"`
	CheckedInAt  *time.Time `json:"checked_in_at"`
	CheckedOutAt *time.Time `json:"checked_out_at"`
	VisitAt      time.Time  `json:"visit_at"`
	CheckinName  string     `json:"checkin_name"`
	CheckoutName string     `json:"checkout_name"`
	CreatedBy    int64      `json:"created_by"`
	CreatedName  string     `json:"created_name"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// PassNo is the number printed on the visitor's pass.
func (v *Visitor) PassNo() string { return fmt.Sprintf("FK%06d", v.ID) }

// StatusLabel and SourceLabel are for the pages.
func (v *Visitor) StatusLabel() string { return VisitorLabel(v.Status) }
func (v *Visitor) SourceLabel() string { return VisitorLabel(v.Source) }

// Where is whom the visitor visits: the house and the host.
func (v *Visitor) Where() string {
	switch {
	case v.HouseCode != "" && v.HostName != "":
		return v.HouseCode + " " + v.HostName
	case v.HouseCode != "":
		return v.HouseCode
	}
	return v.HostName
}

// VisitorInput registers a visit. Without times the visitor arrives now;
// checked_in_at back-dates the arrival; a future expected_at is a
// pre-registration (status expected) to be checked in later. Source
// "portal" marks one made by the owner.
type VisitorInput struct {
	CommunityID int64  `json:"community_id"`
	HouseID     int64  `json:"house_id"`
	HostName    string `json:"host_name"`
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	IDType      string `json:"id_type"`
	IDNumber    string `json:"id_number"`
	Purpose     string `json:"purpose"`
	People      int    `json:"people"`
	Plate       string `json:"plate"`
	Notes       string `json:"notes"`
	CheckedInAt string `json:"checked_in_at"`
	ExpectedAt  string `json:"expected_at"`
	Source      string `json:"source"`
}

// VisitorFilter selects visits. View is "onsite" (on site now, whatever
// the day they came), "today" (visits of today, Asia/Shanghai, including
// the expected), "expected" (pre-registered, not yet come) or "" (the
// history: From/To on the visit's day).
type VisitorFilter struct {
	CommunityID int64
	HouseID     int64
	View        string
	Status      string
	Name        string // part of the name
	Phone       string // part of the phone
	Q           string // name, phone or plate
	From, To    string // YYYY-MM-DD, both inclusive
	Limit       int
	Offset      int
}

func (h *Handlers) visitorRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/visitors", auth.PermDeskWrite, web.Invalid400(h.apiCreateVisitor))
	rt.Handle("GET /api/v1/visitors", auth.PermDeskRead, web.Invalid400(h.apiVisitors))
	rt.Handle("GET /api/v1/visitors/export.xlsx", auth.PermDeskRead, web.Invalid400(h.apiExportVisitors))
	rt.Handle("GET /api/v1/visitors/{id}", auth.PermDeskRead, web.Invalid400(h.apiVisitor))
	rt.Handle("POST /api/v1/visitors/{id}/checkin", auth.PermDeskWrite, web.Invalid400(h.apiVisitorStep(VisitorCheckIn)))
	rt.Handle("POST /api/v1/visitors/{id}/checkout", auth.PermDeskWrite, web.Invalid400(h.apiVisitorStep(VisitorCheckOut)))
	rt.Handle("POST /api/v1/visitors/{id}/cancel", auth.PermDeskWrite, web.Invalid400(h.apiVisitorStep(VisitorCancel)))

	rt.Handle("GET /desk/visitors", auth.PermDeskRead, h.visitorsPage)
	rt.Handle("POST /desk/visitors", auth.PermDeskWrite, h.registerVisitorPage)
	rt.Handle("GET /desk/visitors/{id}", auth.PermDeskRead, h.visitorPage)
	rt.Handle("GET /desk/visitors/{id}/pass", auth.PermDeskRead, h.visitorPassPage)
	rt.Handle("POST /desk/visitors/{id}/checkin", auth.PermDeskWrite, h.visitorStepPage(VisitorCheckIn))
	rt.Handle("POST /desk/visitors/{id}/checkout", auth.PermDeskWrite, h.visitorStepPage(VisitorCheckOut))
	rt.Handle("POST /desk/visitors/{id}/cancel", auth.PermDeskWrite, h.visitorStepPage(VisitorCancel))
}
