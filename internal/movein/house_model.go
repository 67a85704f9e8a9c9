package movein

import (
	"encoding/json"
	"strings"
	"time"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// Entry is a house's 收楼 record in a campaign: every step of the
// checklist and what still blocks the key handover.
type Entry struct {
	ID             int64            `json:"id"`       // 0 while the house is not yet enrolled
	Enrolled       bool             `json:"enrolled"` // a record exists (the first action enrols the house)
	CampaignID     int64            `json:"campaign_id"`
	Campaign       string           `json:"campaign"`
	CommunityID    int64            `json:"community_id"`
	HouseID        int64            `json:"house_id"`
	HouseCode      string           `json:"house_code"`
	HouseStatus    string           `json:"house_status"`
	Owners         []string         `json:"owners"`
	BatchID        *int64           `json:"batch_id"`
	Batch          string           `json:"batch"`
	SlotID         *int64           `json:"slot_id"`
	Slot           string           `json:"slot"`
	Notices        []Notice         `json:"notices"`
	Documents      []DocumentStatus `json:"documents"`
	Fees           Fees             `json:"fees"`
	Defects        []Defect         `json:"defects"`
	AcceptedOn     string           `json:"accepted_on"`
	AcceptedBy     string           `json:"accepted_by"`
	AcceptanceNote string           `json:"acceptance_note"`
	HandedOverOn   string           `json:"handed_over_on"`
	HandoverBy     string           `json:"handover_by"`
	Keys           []Key            `json:"keys"`
	Occupied       bool             `json:"occupied"`
	HandoverNote   string           `json:"handover_note"`
	Stages         Stages           `json:"stages"`
	Missing        []string         `json:"missing"` // what blocks the key handover
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
}

// HandedOver reports whether the keys have been handed over.
func (e *Entry) HandedOver() bool { return e.HandedOverOn != "" }

// OpenDefects counts the defects whose repair ticket is still open.
func (e *Entry) OpenDefects() int {
	n := 0
	for _, d := range e.Defects {
		if d.Open {
			n++
		}
	}
	return n
}

// Noticed returns the latest notice of a document, if any.
func (e *Entry) Noticed(doc string) *Notice {
	for i := len(e.Notices) - 1; i >= 0; i-- {
		if e.Notices[i].Document == doc {
			return &e.Notices[i]
		}
	}
	return nil
}

// Stages are the milestones of a house, as the dashboard counts them.
type Stages struct {
	Notified   bool `json:"notified"`    // 入伙通知书 sent
	Appointed  bool `json:"appointed"`   // an appointment slot booked
	Signed     bool `json:"signed"`      // every required document signed
	FeesPaid   bool `json:"fees_paid"`   // the move-in fees charged and paid
	Inspected  bool `json:"inspected"`   // 验房 accepted by the owner
	HandedOver bool `json:"handed_over"` // keys handed over
}

// StageNames are the stages in order, as the dashboard and filters name
// them, with their labels.
var StageNames = []Choice{{"notified", "已通知"}, {"appointed", "已预约"}, {"signed", "资料已签"},
	{"fees_paid", "费用已缴"}, {"inspected", "已验房"}, {"handed_over", "已交钥匙"}}

// Has reports whether stage name is reached.
func (s Stages) Has(name string) bool {
	switch name {
	case "notified":
		return s.Notified
	case "appointed":
		return s.Appointed
	case "signed":
		return s.Signed
	case "fees_paid":
		return s.FeesPaid
	case "inspected":
		return s.Inspected
	case "handed_over":
		return s.HandedOver
	}
	return false
}

// Notice is one mailing of a notice document to a house.
type Notice struct {
	ID         int64     `json:"id"`
	Document   string    `json:"document"`
	Method     string    `json:"method"`
	MailNumber string    `json:"mail_number"`
	SentOn     string    `json:"sent_on"`
	Note       string    `json:"note"`
	CreatedAt  time.Time `json:"created_at"`
}

// NoticeInput records how and when notices went to a house; Documents
// defaults to both the 入伙通知书 and the 收楼手续流程表.
type NoticeInput struct {
	CampaignID int64    `json:"campaign_id"`
	Documents  []string `json:"documents"`
	Method     string   `json:"method"`
	MailNumber string   `json:"mail_number"`
	SentOn     string   `json:"sent_on"`
	Note       string   `json:"note"`
}

func (in *NoticeInput) validate(today string) error {
	var f errs.Fields
	if len(in.Documents) == 0 {
		in.Documents = NoticeDocuments
	}
	for _, d := range in.Documents {
		if d != DocNotice && d != DocFlow {
			f.Add("documents", "寄送的资料须为 %s 或 %s", DocNotice, DocFlow)
		}
	}
	if in.Method = strings.TrimSpace(in.Method); in.Method == "" {
		in.Method = NoticeMethods[0]
	}
	text(&f, &in.Method, "method", "寄送方式", 20, true)
	text(&f, &in.MailNumber, "mail_number", "挂号信号码", 40, in.Method == "挂号信")
	if in.SentOn == "" {
		in.SentOn = today
	}
	day(&f, &in.SentOn, "sent_on", "寄出日期", true)
	if in.SentOn > today {
		f.Add("sent_on", "寄出日期不能晚于今天")
	}
	text(&f, &in.Note, "note", "备注", 200, false)
	return f.Err()
}

// DocumentStatus is one document of the pack for a house: signed or not.
type DocumentStatus struct {
	DocumentID    int64  `json:"document_id"`
	Name          string `json:"name"`
	Required      bool   `json:"required"`
	Version       int    `json:"version"`
	Signed        bool   `json:"signed"`
	SignedVersion int    `json:"signed_version"`
	SignedBy      string `json:"signed_by"`
	SignedOn      string `json:"signed_on"`
}

// SignInput records a signature; Document is the document's id or name.
type SignInput struct {
	CampaignID int64    `json:"campaign_id"`
	Document   web.Text `json:"document"`
	SignedBy   string   `json:"signed_by"`
	SignedOn   string   `json:"signed_on"`
	Note       string   `json:"note"`
}

// Signature is a document signed for a house.
type Signature struct {
	ID         int64     `json:"id"`
	CampaignID int64     `json:"campaign_id"`
	HouseID    int64     `json:"house_id"`
	HouseCode  string    `json:"house_code"`
	DocumentID int64     `json:"document_id"`
	Document   string    `json:"document"`
	Version    int       `json:"version"`
	SignedBy   string    `json:"signed_by"`
	SignedOn   string    `json:"signed_on"`
	Note       string    `json:"note"`
	Missing    []string  `json:"missing"` // what still blocks the handover
	CreatedAt  time.Time `json:"created_at"`
}

// Fees are a house's move-in fees: the bills of the campaign's required
// fee items (or, when it names none, of every one-off non-deposit item).
type Fees struct {
	Configured bool      `json:"configured"` // the campaign names its fee items
	State      string    `json:"state"`      // paid | unpaid | none (nothing charged)
	Lines      []FeeLine `json:"lines"`
	UnpaidFen  int64     `json:"unpaid_fen"`
}

// FeeLine is one fee item's bills for a house.
type FeeLine struct {
	FeeItemID int64  `json:"fee_item_id"`
	Name      string `json:"name"`
	PaidFen   int64  `json:"paid_fen"`
	UnpaidFen int64  `json:"unpaid_fen"`
	Paid      int    `json:"paid"`
	Unpaid    int    `json:"unpaid"`
}

// Problem is what the line still lacks ("" when settled).
func (l FeeLine) Problem() string {
	switch {
	case l.Unpaid > 0:
		return l.Name + "未缴 " + money.Fen(l.UnpaidFen).String()
	case l.Paid == 0:
		return l.Name + "未开具"
	}
	return ""
}

// Defect is a 验房 defect and its repair ticket.
type Defect struct {
	ID           int64     `json:"id"`
	Room         string    `json:"room"`
	Description  string    `json:"description"`
	Party        string    `json:"party"`
	PartyLabel   string    `json:"party_label"`
	TicketID     int64     `json:"ticket_id"`
	TicketNumber string    `json:"ticket_number"`
	TicketStatus string    `json:"ticket_status"`
	StatusLabel  string    `json:"ticket_status_label"`
	Open         bool      `json:"open"`
	HouseID      int64     `json:"house_id"`
	CampaignID   int64     `json:"campaign_id"`
	CreatedAt    time.Time `json:"created_at"`
}

// DefectInput records a defect found with the owner.
type DefectInput struct {
	CampaignID  int64  `json:"campaign_id"`
	Room        string `json:"room"`
	Description string `json:"description"`
	Party       string `json:"party"`
}

// Rooms are the rooms the 验房 form offers.
var Rooms = []string{"客厅", "餐厅", "主卧", "次卧", "书房", "厨房", "主卫", "次卫", "阳台", "入户门", "其他"}

func (in *DefectInput) validate() error {
	var f errs.Fields
	text(&f, &in.Room, "room", "房间", 20, true)
	text(&f, &in.Description, "description", "问题描述", 500, true)
	var ok bool
	if in.Party == "" {
		in.Party = PartyDeveloper
	}
	if in.Party, ok = canon(in.Party, DefectParties); !ok {
		f.Add("party", "维修责任方须为 开发公司/工程部")
	}
	return f.Err()
}

// AcceptInput records the owner's acceptance of the house after 验房,
// open defects or not.
type AcceptInput struct {
	CampaignID int64  `json:"campaign_id"`
	AcceptedBy string `json:"accepted_by"`
	AcceptedOn string `json:"accepted_on"`
	Note       string `json:"note"`
}

// Key is one kind of key handed over.
type Key struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// UnmarshalJSON takes {"name","count"}, or a bare name (one key).
func (k *Key) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*k = Key{Name: name, Count: 1}
		return nil
	}
	type plain Key
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return &web.FieldError{Field: "keys", Message: "钥匙须为 {\"name\":\"入户门钥匙\",\"count\":3}"}
	}
	*k = Key(p)
	return nil
}

// HandoverInput hands the keys over. SignedBy defaults to the house's
// first owner, the date to today, Occupied to true (已入住; false: 空置).
type HandoverInput struct {
	CampaignID int64  `json:"campaign_id"`
	Keys       []Key  `json:"keys"`
	SignedBy   string `json:"signed_by"`
	SignedOn   string `json:"signed_on"`
	Date       string `json:"date"`
	Occupied   *bool  `json:"occupied"`
	Note       string `json:"note"`
}

func (in *HandoverInput) validate(today string) error {
	var f errs.Fields
	if len(in.Keys) == 0 {
		f.Add("keys", "请登记交付的钥匙（名称和数量）")
	}
	if len(in.Keys) > 30 {
		f.Add("keys", "钥匙最多登记 30 种")
	}
	for i := range in.Keys {
		k := &in.Keys[i]
		k.Name = strings.TrimSpace(k.Name)
		if k.Name == "" || len([]rune(k.Name)) > 30 {
			f.Add("keys", "第 %d 种钥匙的名称须为 1 到 30 个字", i+1)
		}
		if k.Count < 1 || k.Count > 99 {
			f.Add("keys", "第 %d 种钥匙的数量须为 1 到 99", i+1)
		}
	}
	text(&f, &in.SignedBy, "signed_by", "签收业主", 40, false)
	if in.SignedOn == "" {
		in.SignedOn = in.Date
	}
	if in.SignedOn == "" {
		in.SignedOn = today
	}
	day(&f, &in.SignedOn, "signed_on", "交接日期", true)
	if in.SignedOn > today {
		f.Add("signed_on", "交接日期不能晚于今天")
	}
	text(&f, &in.Note, "note", "交接说明", 500, false)
	return f.Err()
}

// DefaultKeys are the keys a handover form starts with.
var DefaultKeys = []Key{{"入户门钥匙", 3}, {"单元门禁卡", 2}, {"信报箱钥匙", 1}}

// AppointInput books a slot for a house.
type AppointInput struct {
	CampaignID int64 `json:"campaign_id"`
	SlotID     int64 `json:"slot_id"`
}
