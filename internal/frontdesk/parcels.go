package frontdesk

import (
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// 快递/邮件 (邮件收发): what arrives at the desk for a house is registered
// with a 6-digit pickup code; the owner shows the code (or, having lost
// it, an ID card and a reason) and the desk records who took it and when.
// Outgoing mail is registered when handed in and marked sent when the
// courier takes it.

// Parcel directions, kinds and statuses.
const (
	DirectionIn  = "in"
	DirectionOut = "out"

	KindParcel     = "parcel"     // 快递
	KindMail       = "mail"       // 平信
	KindRegistered = "registered" // 挂号信

	ParcelWaiting  = "waiting"   // 待取件
	ParcelPickedUp = "picked_up" // 已取件
	ParcelReturned = "returned"  // 已退回
	ParcelPending  = "pending"   // 待寄出
	ParcelSent     = "sent"      // 已寄出

	PickupByCode = "code"
	PickupByID   = "id"
)

// ParcelKinds in display order.
var ParcelKinds = []string{KindParcel, KindMail, KindRegistered}

// Carriers are offered as suggestions; any name is accepted.
var Carriers = []string{"顺丰", "京东", "中通", "圆通", "韵达", "申通", "极兔", "邮政EMS", "中国邮政", "德邦", "菜鸟"}

var parcelLabels = map[string]string{
	DirectionIn: "收件", DirectionOut: "寄件",
	KindParcel: "快递", KindMail: "平信", KindRegistered: "挂号信",
	ParcelWaiting: "待取件", ParcelPickedUp: "已取件", ParcelReturned: "已退回", ParcelPending: "待寄出", ParcelSent: "已寄出",
	PickupByCode: "取件码", PickupByID: "凭证件",
}

// ParcelLabel is the Chinese name of a parcel's stored value.
func ParcelLabel(v string) string {
	if l, ok := parcelLabels[v]; ok {
		return l
	}
	return v
}

func init() {
	audit.Describe("parcel", "快递邮件", map[string]string{"kind": "类型", "carrier": "快递公司", "tracking_number": "运单号",
		"shelf": "货架", "recipient_name": "收件人", "recipient_phone": "收件人电话", "address": "寄往地址",
		"sender_name": "寄件人", "sender_phone": "寄件人电话", "notes": "备注", "status": "状态",
		"picked_up_by": "取件人", "pickup_method": "取件方式", "pickup_id_number": "取件人证件号",
		"pickup_reason": "未凭取件码原因", "return_reason": "退回原因", "reminders": "提醒次数"})
	audit.DescribeValues("parcel", parcelLabels)
}

// Parcel is one arrival for a house, or one piece of outgoing mail.
type Parcel struct {
	ID             int64  `json:"id"`
	CommunityID    int64  `json:"community_id"`
	HouseID        int64  `json:"house_id,omitempty"`
	HouseCode      string `json:"house_code,omitempty"`
	Direction      string `json:"direction"`
	Kind           string `json:"kind"`
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	Shelf          string `json:"shelf"`
	RecipientName  string `json:"recipient_name"`
	RecipientPhone string `json:"recipient_phone"`
	Address        string `json:"address,omitempty"`
	SenderName     string `json:"sender_name,omitempty"`
	SenderPhone    string `json:"sender_phone,omitempty"`
	Notes          string `json:"notes"`
	Status         string `json:"status"`
	// PickupCode is shown once, when the parcel is registered, to be given
	// to the owner, and to a lookup by the code itself; never in lists or
	// the record, so that only the owner's code or an ID hands it out.
	PickupCode     string     `json:"pickup_code,omitempty"`
	ArrivedAt      time.Time  `json:"arrived_at"`
	PickedUpAt     *time.Time `json:"picked_up_at"`
	PickedUpBy     string     `json:"picked_up_by"`
	PickupMethod   string     `json:"pickup_method"`
	PickupIDType   string     `json:"pickup_id_type,omitempty"`
	PickupIDNumber string     `json:"pickup_id_number,omitempty"` // masked
	PickupReason   string     `json:"pickup_reason,omitempty"`
	HandedBy       int64      `json:"handed_by,omitempty"`
	HandedName     string     `json:"handed_name,omitempty"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
	ReturnReason   string     `json:"return_reason,omitempty"`
	Reminders      int        `json:"reminders"`
	LastRemindedAt *time.Time `json:"last_reminded_at"`
	CreatedBy      int64      `json:"created_by"`
	CreatedName    string     `json:"created_name"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`

	wrongCodes  int
	lastWrongAt *time.Time
}

// Days is how many whole days the parcel has waited by now.
func (p *Parcel) Days(now time.Time) int {
	return int(now.Sub(p.ArrivedAt).Hours() / 24)
}

// StatusLabel, KindLabel and DirectionLabel are for the pages.
func (p *Parcel) StatusLabel() string    { return ParcelLabel(p.Status) }
func (p *Parcel) KindLabel() string      { return ParcelLabel(p.Kind) }
func (p *Parcel) DirectionLabel() string { return ParcelLabel(p.Direction) }

// ParcelInput registers an arrival (direction "in", the default) or an
// outgoing item ("out"). Times are RFC 3339; empty means now.
type ParcelInput struct {
	CommunityID    int64  `json:"community_id"`
	HouseID        int64  `json:"house_id"`
	Direction      string `json:"direction"`
	Kind           string `json:"kind"`
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	Shelf          string `json:"shelf"`
	RecipientName  string `json:"recipient_name"`
	RecipientPhone string `json:"recipient_phone"`
	Address        string `json:"address"`
	SenderName     string `json:"sender_name"`
	SenderPhone    string `json:"sender_phone"`
	Notes          string `json:"notes"`
	ArrivedAt      string `json:"arrived_at"`
}

// PickupInput hands a parcel out: with the code, or by_id with the
// collector's ID document and the reason the code is not shown.
type PickupInput struct {
	Code       string `json:"code"`
	ByID       bool   `json:"by_id"`
	IDType     string `json:"id_type"`
	IDNumber   string `json:"id_number"`
	Reason     string `json:"reason"`
	PickedUpBy string `json:"picked_up_by"`
}

// SendInput marks outgoing mail as handed to the courier.
type SendInput struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
}

// ParcelFilter selects parcels for lists and exports. View is one of
// "today" (arrived today, Asia/Shanghai), "waiting" (uncollected),
// "overdue" (uncollected for OverdueDays days or more) or "" (all, with
// the From/To day range).
type ParcelFilter struct {
	CommunityID int64
	HouseID     int64
	View        string
	Direction   string
	Kind        string
	Status      string
	Carrier     string
	Code        string // a waiting parcel's pickup code
	Q           string // tracking number, recipient, phone
	From, To    string // YYYY-MM-DD, both inclusive
	OverdueDays int
	Limit       int
	Offset      int
}

// Overdue parcels: uncollected after this many days unless a query says
// otherwise; reminders of the batch action are at most one a day.
const DefaultOverdueDays = 3

// Pickup-code throttling: this many wrong codes, each within the window
// of the one before, lock the parcel's code until the window has passed
// since the last.
const (
	MaxWrongCodes   = 5
	WrongCodeWindow = 15 * time.Minute
)

func (h *Handlers) parcelRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/parcels", auth.PermDeskWrite, web.Invalid400(h.apiCreateParcel))
	rt.Handle("GET /api/v1/parcels", auth.PermDeskRead, web.Invalid400(h.apiParcels))
	rt.Handle("GET /api/v1/parcels/overdue", auth.PermDeskRead, web.Invalid400(h.apiOverdueParcels))
	rt.Handle("GET /api/v1/parcels/export.xlsx", auth.PermDeskRead, web.Invalid400(h.apiExportParcels))
	rt.Handle("POST /api/v1/parcels/remind-overdue", auth.PermDeskWrite, web.Invalid400(h.apiRemindOverdue))
	rt.Handle("GET /api/v1/parcels/{id}", auth.PermDeskRead, web.Invalid400(h.apiParcel))
	rt.Handle("POST /api/v1/parcels/{id}/pickup", auth.PermDeskWrite, web.Invalid400(h.apiPickupParcel))
	rt.Handle("POST /api/v1/parcels/{id}/remind", auth.PermDeskWrite, web.Invalid400(h.apiRemindParcel))
	rt.Handle("POST /api/v1/parcels/{id}/return", auth.PermDeskWrite, web.Invalid400(h.apiReturnParcel))
	rt.Handle("POST /api/v1/parcels/{id}/send", auth.PermDeskWrite, web.Invalid400(h.apiSendParcel))

	rt.Handle("GET /desk/parcels", auth.PermDeskRead, h.parcelsPage)
	rt.Handle("POST /desk/parcels", auth.PermDeskWrite, h.registerParcelPage)
	rt.Handle("POST /desk/parcels/remind-overdue", auth.PermDeskWrite, h.remindOverduePage)
	rt.Handle("GET /desk/parcels/{id}", auth.PermDeskRead, h.parcelPage)
	rt.Handle("POST /desk/parcels/{id}/pickup", auth.PermDeskWrite, h.pickupParcelPage)
	rt.Handle("POST /desk/parcels/{id}/remind", auth.PermDeskWrite, h.remindParcelPage)
	rt.Handle("POST /desk/parcels/{id}/return", auth.PermDeskWrite, h.returnParcelPage)
	rt.Handle("POST /desk/parcels/{id}/send", auth.PermDeskWrite, h.sendParcelPage)
}
