package frontdesk

import (
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// 物品寄存: the manual's 顾客财产 — whatever an owner entrusts to the
// service center is received and handed out against a record, with
// clear responsibility. Nothing leaves without a release that names who
// took it, who handed it out and the name signed.

func init() {
	audit.Describe("desk_custody", "物品寄存", map[string]string{"house": "房屋", "description": "物品",
		"quantity": "数量", "deposited_by": "寄存人", "deposited_phone": "寄存人电话", "pickup_name": "指定领取人",
		"pickup_phone": "领取人电话", "notes": "备注", "status": "状态", "picked_up_by": "领取人",
		"picked_up_phone": "领取人电话", "id_type": "证件类型", "id_number": "证件号码", "signature": "签名",
		"release_note": "领取说明", "released_at": "领取时间", "photo": "照片"})
	audit.DescribeValues("desk_custody", custodyLabels)
}

// Custody statuses.
const (
	CustodyHeld     = "held"
	CustodyReleased = "released"
)

// CustodyStatuses are the list filter's choices.
var CustodyStatuses = []string{CustodyHeld, CustodyReleased}

var custodyLabels = map[string]string{CustodyHeld: "待领取", CustodyReleased: "已领取"}

// MaxCustodyPhoto is the largest photo of an item.
const MaxCustodyPhoto = 10 << 20

// CustodyItem is one item held for a house.
type CustodyItem struct {
	ID             int64         `json:"id"`
	CommunityID    int64         `json:"community_id"`
	HouseID        int64         `json:"house_id"`
	HouseCode      string        `json:"house_code"`
	Description    string        `json:"description"`
	Quantity       int           `json:"quantity"`
	DepositedBy    string        `json:"deposited_by"`
	DepositedPhone string        `json:"deposited_phone"`
	PickupName     string        `json:"pickup_name"`
	PickupPhone    string        `json:"pickup_phone"`
	Notes          string        `json:"notes"`
	Status         string        `json:"status"`
	StatusLabel    string        `json:"status_label"`
	ReceivedAt     time.Time     `json:"received_at"`
	ReceivedBy     int64         `json:"received_by"`
	ReceivedByName string        `json:"received_by_name"`
	ReleasedAt     *time.Time    `json:"released_at"`
	PickedUpBy     string        `json:"picked_up_by"`
	PickedUpPhone  string        `json:"picked_up_phone"`
	IDType         string        `json:"id_type"`
	IDNumber       string        `json:"id_number"`
	Signature      string        `json:"signature"`
	ReleasedBy     int64         `json:"released_by"`
	ReleasedByName string        `json:"released_by_name"`
	ReleaseNote    string        `json:"release_note"`
	Photo          *CustodyPhoto `json:"photo,omitempty"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
}

// Days is how many days the item has been (or was) held.
func (c *CustodyItem) Days(now time.Time) int {
	end := now
	if c.ReleasedAt != nil {
		end = *c.ReleasedAt
	}
	return int(end.Sub(c.ReceivedAt).Hours() / 24)
}

// CustodyPhoto is the photo of an item as received (its content is
// served at URL).
type CustodyPhoto struct {
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
}

// CustodyInput receives an item.
type CustodyInput struct {
	CommunityID    int64  `json:"community_id"`
	HouseID        int64  `json:"house_id"`
	Description    string `json:"description"`
	Quantity       int    `json:"quantity"`
	DepositedBy    string `json:"deposited_by"`
	DepositedPhone string `json:"deposited_phone"`
	PickupName     string `json:"pickup_name"`
	PickupPhone    string `json:"pickup_phone"`
	Notes          string `json:"notes"`
}

// ReleaseInput hands an item out. Signature defaults to PickedUpBy.
type ReleaseInput struct {
	PickedUpBy    string `json:"picked_up_by"`
	PickedUpPhone string `json:"picked_up_phone"`
	IDType        string `json:"id_type"`
	IDNumber      string `json:"id_number"`
	Signature     string `json:"signature"`
	Note          string `json:"note"`
}

// CustodyFilter selects items for the list and the export.
type CustodyFilter struct {
	CommunityID int64
	HouseID     int64
	HouseCode   string
	Status      string // held | released
	Q           string // description, depositor or pickup name
	Limit       int
	Offset      int
}

func (h *Handlers) custodyRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/custody", auth.PermDeskWrite, web.Invalid400(h.apiCustodyCreate))
	rt.Handle("GET /api/v1/custody", auth.PermDeskRead, web.Invalid400(h.apiCustodyList))
	rt.Handle("GET /api/v1/custody/export.xlsx", auth.PermDeskRead, web.Invalid400(h.custodyExport))
	rt.Handle("GET /api/v1/custody/{id}", auth.PermDeskRead, h.apiCustody)
	rt.Handle("POST /api/v1/custody/{id}/release", auth.PermDeskWrite, web.Invalid400(h.apiCustodyRelease))
	rt.Handle("POST /api/v1/custody/{id}/photo", auth.PermDeskWrite, web.Invalid400(h.custodyPhotoUpload(true)))
	rt.Handle("GET /api/v1/custody/{id}/photo", auth.PermDeskRead, h.custodyPhoto)

	rt.Handle("GET /desk/custody", auth.PermDeskRead, h.custodyPage)
	rt.Handle("POST /desk/custody", auth.PermDeskWrite, h.custodyCreatePage)
	rt.Handle("GET /desk/custody/new", auth.PermDeskWrite, h.custodyNewPage)
	rt.Handle("GET /desk/custody/export.xlsx", auth.PermDeskRead, h.custodyExport)
	rt.Handle("GET /desk/custody/{id}", auth.PermDeskRead, h.custodyItemPage)
	rt.Handle("POST /desk/custody/{id}/release", auth.PermDeskWrite, h.custodyReleasePage)
	rt.Handle("POST /desk/custody/{id}/photo", auth.PermDeskWrite, h.custodyPhotoUpload(false))
	rt.Handle("GET /desk/custody/{id}/photo", auth.PermDeskRead, h.custodyPhoto)
}
