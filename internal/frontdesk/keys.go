package frontdesk

import (
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// 钥匙管理: the manual asks that public keys be labelled, classified and
// kept by a named post, that every borrowing be registered, and that a
// key list (钥匙清单) be kept. A key is lent to one borrower at a time;
// a lost key is not lent until it is found again.

func init() {
	audit.Describe("desk_key", "钥匙", map[string]string{"label": "标识编号", "class": "类别", "house": "房屋",
		"location": "位置", "copies": "份数", "cabinet_position": "存放位置", "notes": "备注", "status": "状态",
		"lost_reason": "遗失原因", "borrower": "借用人", "expected_return": "预计归还"})
	audit.DescribeValues("desk_key", keyValueLabels)
	audit.Describe("desk_key_loan", "钥匙借用", map[string]string{"key": "钥匙", "borrower_kind": "借用人类别",
		"borrower_name": "借用人", "borrower_phone": "电话", "borrower_company": "单位", "id_type": "证件类型", "id_number": "证件号码",
		"purpose": "用途", "expected_return": "预计归还", "returned_at": "归还时间", "received_by": "接收人",
		"return_note": "归还说明", "lost": "遗失"})
	audit.DescribeValues("desk_key_loan", keyValueLabels)
}

// Key classes.
const (
	KeyUnitDoor      = "unit_door"
	KeyCommonArea    = "common_area"
	KeyEquipmentRoom = "equipment_room"
	KeyMailbox       = "mailbox"
	KeyVacantHouse   = "vacant_house"
)

// KeyClasses in display order.
var KeyClasses = []string{KeyUnitDoor, KeyCommonArea, KeyEquipmentRoom, KeyMailbox, KeyVacantHouse}

// Key statuses; "overdue" is a filter (out past the expected return), not
// a stored status.
const (
	KeyIn      = "in"
	KeyOut     = "out"
	KeyLost    = "lost"
	KeyOverdue = "overdue"
)

// KeyStatuses are the list filter's choices.
var KeyStatuses = []string{KeyIn, KeyOut, KeyOverdue, KeyLost}

// Borrower kinds.
const (
	BorrowerStaff      = "staff"
	BorrowerContractor = "contractor"
	BorrowerOwner      = "owner"
)

// BorrowerKinds in display order.
var BorrowerKinds = []string{BorrowerStaff, BorrowerContractor, BorrowerOwner}

var keyValueLabels = map[string]string{
	KeyUnitDoor: "单元门", KeyCommonArea: "公共区域", KeyEquipmentRoom: "设备房", KeyMailbox: "信报箱", KeyVacantHouse: "空置房",
	KeyIn: "在柜", KeyOut: "借出", KeyLost: "遗失", KeyOverdue: "逾期未还",
	BorrowerStaff: "员工", BorrowerContractor: "外单位/施工", BorrowerOwner: "业主",
}

// KeyLabel is the Chinese name of a key class, status or borrower kind.
func KeyLabel(v string) string {
	if l, ok := keyValueLabels[v]; ok {
		return l
	}
	return v
}

// KeyChoice is an option of a select: the stored value and its label.
type KeyChoice struct{ Value, Label string }

func keyChoices(vs []string) []KeyChoice {
	out := make([]KeyChoice, len(vs))
	for i, v := range vs {
		out[i] = KeyChoice{v, KeyLabel(v)}
	}
	return out
}

// Key is one key (or set of identical copies on one hook) of the cabinet.
type Key struct {
	ID              int64      `json:"id"`
	CommunityID     int64      `json:"community_id"`
	Label           string     `json:"label"`
	Class           string     `json:"class"`
	ClassLabel      string     `json:"class_label"`
	HouseID         int64      `json:"house_id,omitempty"`
	HouseCode       string     `json:"house_code,omitempty"`
	Location        string     `json:"location"`
	Copies          int        `json:"copies"`
	CabinetPosition string     `json:"cabinet_position"`
	Notes           string     `json:"notes"`
	Status          string     `json:"status"`
	StatusLabel     string     `json:"status_label"`
	Overdue         bool       `json:"overdue"`
	LostReason      string     `json:"lost_reason,omitempty"`
	LostAt          *time.Time `json:"lost_at,omitempty"`
	Loan            *KeyLoan   `json:"loan,omitempty"` // the open lending while out
	CreatedBy       int64      `json:"created_by"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// Where is what the key opens: the house code or the location (or both).
func (k *Key) Where() string {
	switch {
	case k.HouseCode != "" && k.Location != "":
		return k.HouseCode + " " + k.Location
	case k.HouseCode != "":
		return k.HouseCode
	}
	return k.Location
}

// KeyInput creates or edits a key.
type KeyInput struct {
	CommunityID     int64  `json:"community_id"`
	Label           string `json:"label"`
	Class           string `json:"class"`
	HouseID         int64  `json:"house_id"`
	Location        string `json:"location"`
	Copies          int    `json:"copies"`
	CabinetPosition string `json:"cabinet_position"`
	Notes           string `json:"notes"`
}

// KeyInputOf is k's editable fields, the base a partial update decodes over.
func KeyInputOf(k *Key) KeyInput {
	return KeyInput{CommunityID: k.CommunityID, Label: k.Label, Class: k.Class, HouseID: k.HouseID, Location: k.Location,
		Copies: k.Copies, CabinetPosition: k.CabinetPosition, Notes: k.Notes}
}

// KeyLoan is one lending of a key: who took it, why, until when, and its
// return.
type KeyLoan struct {
	ID              int64      `json:"id"`
	CommunityID     int64      `json:"community_id"`
	KeyID           int64      `json:"key_id"`
	KeyLabel        string     `json:"key_label"`
	KeyWhere        string     `json:"key_where"`
	BorrowerKind    string     `json:"borrower_kind"`
	BorrowerLabel   string     `json:"borrower_kind_label"`
	BorrowerName    string     `json:"borrower_name"`
	BorrowerPhone   string     `json:"borrower_phone"`
	BorrowerCompany string     `json:"borrower_company"`
	IDType          string     `json:"borrower_id_type"`
	IDNumber        string     `json:"borrower_id_number"`
	Purpose         string     `json:"purpose"`
	Note            string     `json:"note"`
	LentAt          time.Time  `json:"lent_at"`
	LentBy          int64      `json:"lent_by"`
	LentByName      string     `json:"lent_by_name"`
	ExpectedReturn  time.Time  `json:"expected_return"`
	Overdue         bool       `json:"overdue"`
	ReturnedAt      *time.Time `json:"returned_at"`
	ReceivedBy      int64      `json:"received_by_id"`
	ReceivedByName  string     `json:"received_by"`
	ReturnNote      string     `json:"return_note"`
	Lost            bool       `json:"lost"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// BorrowInput registers a lending. ExpectedReturn is RFC 3339, a local
// "2026-11-28T18:00" or a day (its end).
type BorrowInput struct {
	BorrowerKind     string `json:"borrower_kind"`
	BorrowerName     string `json:"borrower_name"`
	BorrowerPhone    string `json:"borrower_phone"`
	BorrowerCompany  string `json:"borrower_company"`
	BorrowerIDType   string `json:"borrower_id_type"`
	BorrowerIDNumber string `json:"borrower_id_number"`
	Purpose          string `json:"purpose"`
	ExpectedReturn   string `json:"expected_return"`
	Note             string `json:"note"`
}

// ReturnInput records a return; ReturnedAt defaults to now and
// ReceivedBy to the acting user's name.
type ReturnInput struct {
	ReturnedAt string `json:"returned_at"`
	ReceivedBy string `json:"received_by"`
	Note       string `json:"note"`
}

// KeyFilter selects keys for the list, the print-out and the export.
type KeyFilter struct {
	CommunityID int64
	Class       string
	Status      string // in | out | overdue | lost
	Q           string // label, location or house code
	Limit       int
	Offset      int
}

func (h *Handlers) keyRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/keys", auth.PermDeskWrite, web.Invalid400(h.apiKeyCreate))
	rt.Handle("GET /api/v1/keys", auth.PermDeskRead, web.Invalid400(h.apiKeys))
	rt.Handle("GET /api/v1/keys/overdue", auth.PermDeskRead, web.Invalid400(h.apiKeysOverdue))
	rt.Handle("GET /api/v1/keys/export.xlsx", auth.PermDeskRead, web.Invalid400(h.keysExport))
	rt.Handle("GET /api/v1/keys/{id}", auth.PermDeskRead, h.apiKey)
	rt.Handle("PUT /api/v1/keys/{id}", auth.PermDeskWrite, web.Invalid400(h.apiKeyUpdate))
	rt.Handle("GET /api/v1/keys/{id}/loans", auth.PermDeskRead, h.apiKeyLoans)
	h.keyActionRoutes(rt)

	rt.Handle("GET /desk/keys", auth.PermDeskRead, h.keysPage)
	rt.Handle("POST /desk/keys", auth.PermDeskWrite, h.keyCreatePage)
	rt.Handle("GET /desk/keys/new", auth.PermDeskWrite, h.keyNewPage)
	rt.Handle("GET /desk/keys/print", auth.PermDeskRead, h.keysPrintPage)
	rt.Handle("GET /desk/keys/export.xlsx", auth.PermDeskRead, h.keysExport)
	rt.Handle("GET /desk/keys/{id}", auth.PermDeskRead, h.keyPage)
	rt.Handle("POST /desk/keys/{id}", auth.PermDeskWrite, h.keyUpdatePage)
	rt.Handle("POST /desk/keys/{id}/borrow", auth.PermDeskWrite, h.keyBorrowPage)
	rt.Handle("POST /desk/keys/{id}/return", auth.PermDeskWrite, h.keyReturnPage)
	rt.Handle("POST /desk/keys/{id}/lost", auth.PermDeskWrite, h.keyLostPage)
	rt.Handle("POST /desk/keys/{id}/found", auth.PermDeskWrite, h.keyFoundPage)
}
