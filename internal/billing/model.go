// Package billing is 收费与催缴: fee items and their price history,
// exemptions, meter readings, idempotent monthly bill runs, payments with
// gap-free receipts, prepaid balances, late fees, arrears and 催缴, the
// collection reports and the yearly 收支公示.
//
// Money is int64 分 everywhere; unit prices are int64 1/10000 元 (up to
// four decimals, exact); quantities and areas are hundredths. Nothing is
// ever a float.
package billing

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/web"
)

// Fee item kinds.
const (
	KindArea    = "area"    // 元/m²/月 × gross area
	KindFixed   = "fixed"   // 元/月
	KindMetered = "metered" // 元/unit × the period's consumption
	KindOneOff  = "oneoff"  // charged by hand (装修押金, 工本费); not in bill runs
)

// Statuses of bills, payments and runs.
const (
	BillUnpaid = "unpaid"
	BillPaid   = "paid"
	BillVoid   = "void"

	PaymentValid = "valid"
	PaymentVoid  = "void"

	RunDone = "done"
	RunVoid = "void"
)

// Payment methods. MethodPrepaid is internal: a bill run paying bills
// from a house's prepaid balance.
const (
	MethodCash    = "cash"
	MethodWeChat  = "wechat"
	MethodAlipay  = "alipay"
	MethodBank    = "bank"
	MethodPOS     = "pos"
	MethodPrepaid = "prepaid"
)

// Kinds in display order.
var Kinds = []string{KindArea, KindFixed, KindMetered, KindOneOff}

// Methods a cashier may take, in display order.
var Methods = []string{MethodCash, MethodWeChat, MethodAlipay, MethodBank, MethodPOS}

// DunningMethods are the ways of chasing arrears, in display order.
var DunningMethods = []string{"phone", "notice", "visit", "sms", "lawyer_letter"}

// ExpenditureCategories are the 收支公示's spending categories.
var ExpenditureCategories = []string{"人员费用", "公共设施设备维护", "绿化养护", "清洁卫生", "秩序维护",
	"公共水电", "办公及管理费用", "保险", "税费", "其他"}

// Labels are the Chinese names of the identifiers above.
var Labels = map[string]string{
	KindArea: "按面积", KindFixed: "固定", KindMetered: "抄表", KindOneOff: "一次性",
	BillUnpaid: "未缴", BillPaid: "已缴", BillVoid: "作废", PaymentValid: "有效", RunDone: "已出账",
	MethodCash: "现金", MethodWeChat: "微信", MethodAlipay: "支付宝", MethodBank: "银行转账", MethodPOS: "POS刷卡",
	MethodPrepaid: "预存抵扣",
	"phone":       "电话", "notice": "书面通知", "visit": "上门", "sms": "短信", "lawyer_letter": "律师函",
}

// Label returns the Chinese name of an identifier (itself if unknown).
func Label(s string) string {
	if l, ok := Labels[s]; ok {
		return l
	}
	return s
}

// canon accepts an identifier or its Chinese label.
func canon(v string, allowed []string) (string, bool) {
	v = strings.TrimSpace(v)
	if slices.Contains(allowed, strings.ToLower(v)) {
		return strings.ToLower(v), true
	}
	for _, a := range allowed {
		if Labels[a] == v {
			return a, true
		}
	}
	return v, false
}

// AppliesTo says which houses an item is charged to: every criterion
// given must match (use AND building AND house); none given = every house.
type AppliesTo struct {
	Uses        []string `json:"use,omitempty"`
	BuildingIDs []int64  `json:"building_ids,omitempty"`
	HouseIDs    []int64  `json:"house_ids,omitempty"`
}

// UnmarshalJSON accepts "use" as a list or one value, and the aliases
// buildings/houses, and refuses any other key: an item meant for some
// houses must never silently apply to all of them.
func (a *AppliesTo) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return &web.FieldError{Field: "applies_to", Message: "适用范围须为对象，如 {\"use\":[\"住宅\"]}"}
	}
	var out AppliesTo
	for k, v := range m {
		var err error
		switch k {
		case "use", "uses":
			var one string
			if json.Unmarshal(v, &one) == nil {
				out.Uses = []string{one}
			} else {
				err = json.Unmarshal(v, &out.Uses)
			}
		case "building_ids", "buildings":
			err = json.Unmarshal(v, &out.BuildingIDs)
		case "house_ids", "houses":
			err = json.Unmarshal(v, &out.HouseIDs)
		default:
			return &web.FieldError{Field: "applies_to", Message: "适用范围只能按 use（用途）、building_ids（楼栋）、house_ids（房屋）设定，不认识 " + k}
		}
		if err != nil {
			return &web.FieldError{Field: "applies_to", Message: "适用范围的 " + k + " 格式不正确"}
		}
	}
	*a = out
	return nil
}

func (a AppliesTo) matches(houseID, buildingID int64, use string) bool {
	return (len(a.Uses) == 0 || slices.Contains(a.Uses, use)) &&
		(len(a.BuildingIDs) == 0 || slices.Contains(a.BuildingIDs, buildingID)) &&
		(len(a.HouseIDs) == 0 || slices.Contains(a.HouseIDs, houseID))
}

// FeeItem is a 收费项目 with its 收费标准 history.
type FeeItem struct {
	ID               int64     `json:"id"`
	CommunityID      int64     `json:"community_id"`
	Name             string    `json:"name"`
	Kind             string    `json:"kind"`
	Deposit          bool      `json:"deposit"`
	Shared           bool      `json:"shared"` // 公摊: metered at a community meter, split by gross area
	AppliesTo        AppliesTo `json:"applies_to"`
	UnitPrice        string    `json:"unit_price"`          // the latest price, "2.35"
	Prices           []Price   `json:"prices"`              // oldest first
	LateFeeRate      string    `json:"late_fee_daily_rate"` // percent per day, "0.05"
	LateFeeGraceDays int       `json:"late_fee_grace_days"`
	LateFeeCap       string    `json:"late_fee_cap"` // percent of the bill, "100"
	Active           bool      `json:"active"`
	Notes            string    `json:"notes"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`

	lateRate, lateCap int64
}

// Price is one 收费标准: from period EffectiveFrom on ("" = from the start).
type Price struct {
	ID            int64     `json:"id"`
	EffectiveFrom string    `json:"effective_from"`
	UnitPrice     string    `json:"unit_price"`
	CreatedAt     time.Time `json:"created_at"`

	price int64
}

// PriceAt returns the unit price (1/10000 元) for period, false if the
// item has none yet.
func (it *FeeItem) PriceAt(period string) (int64, bool) {
	for i := len(it.Prices) - 1; i >= 0; i-- {
		if it.Prices[i].EffectiveFrom <= period {
			return it.Prices[i].price, true
		}
	}
	return 0, false
}

// FeeItemInput creates or edits a fee item. UnitPrice and EffectiveFrom
// set the first price on create; later prices go through SetPrice.
type FeeItemInput struct {
	CommunityID      int64     `json:"community_id"`
	Name             string    `json:"name"`
	Kind             string    `json:"kind"`
	Deposit          bool      `json:"deposit"`
	Shared           bool      `json:"shared"`
	UnitPrice        web.Text  `json:"unit_price"`
	EffectiveFrom    string    `json:"effective_from"`
	AppliesTo        AppliesTo `json:"applies_to"`
	LateFeeRate      web.Text  `json:"late_fee_daily_rate"`
	LateFeeGraceDays int       `json:"late_fee_grace_days"`
	LateFeeCap       web.Text  `json:"late_fee_cap"`
	Active           *bool     `json:"active"`
	Notes            string    `json:"notes"`
}

// FeeItemInputOf returns the editable fields of it, the base a partial
// update decodes over. An item without a late fee has its rule empty, so
// turning one on sets the cap as a new rule would (100% by default).
func FeeItemInputOf(it *FeeItem) FeeItemInput {
	active := it.Active
	in := FeeItemInput{CommunityID: it.CommunityID, Name: it.Name, Kind: it.Kind, Deposit: it.Deposit, Shared: it.Shared,
		AppliesTo: it.AppliesTo, LateFeeRate: web.Text(it.LateFeeRate), LateFeeGraceDays: it.LateFeeGraceDays,
		LateFeeCap: web.Text(it.LateFeeCap), Active: &active, Notes: it.Notes}
	if !it.HasLateFee() {
		in.LateFeeRate, in.LateFeeCap = "", ""
	}
	return in
}

// HasLateFee reports whether the item charges a 滞纳金.
func (it *FeeItem) HasLateFee() bool { return it.lateRate > 0 }

// PriceInput adds a price from a period on.
type PriceInput struct {
	UnitPrice     web.Text `json:"unit_price"`
	EffectiveFrom string   `json:"effective_from"`
}

// Exemption frees a house from one item (or every item) for a range of
// periods, with a reason.
type Exemption struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	HouseID     int64     `json:"house_id"`
	HouseCode   string    `json:"house_code"`
	FeeItemID   *int64    `json:"fee_item_id"` // nil = every item
	From        string    `json:"from"`
	To          string    `json:"to"`
	Reason      string    `json:"reason"`
	Voided      bool      `json:"voided"`
	VoidReason  string    `json:"void_reason"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ExemptionInput creates an exemption.
type ExemptionInput struct {
	HouseID   int64  `json:"house_id"`
	FeeItemID int64  `json:"fee_item_id"` // 0 = every item
	From      string `json:"from"`
	To        string `json:"to"`
	Reason    string `json:"reason"`
}

// Reading is a meter reading of a house for a metered item and period.
type Reading struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	HouseID     int64     `json:"house_id"`
	FeeItemID   int64     `json:"fee_item_id"`
	Period      string    `json:"period"`
	Reading     string    `json:"reading"`
	Previous    string    `json:"previous"`
	Consumption string    `json:"consumption"`
	Replacement bool      `json:"replacement"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ReadingInput records a reading. A replacement meter starts again at
// StartReading (default 0) instead of the old meter's last reading.
type ReadingInput struct {
	HouseID      int64    `json:"house_id"`
	FeeItemID    int64    `json:"fee_item_id"`
	Period       string   `json:"period"`
	Reading      web.Text `json:"reading"`
	Replacement  bool     `json:"replacement"`
	StartReading web.Text `json:"start_reading"`
}

// BillRun is one run of a community and month, or its preview (ID 0).
type BillRun struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	Period      string    `json:"period"`
	Status      string    `json:"status"`
	Created     int       `json:"created"`
	Skipped     int       `json:"skipped"` // lines that already existed
	Exempt      int       `json:"exempt"`
	Missing     int       `json:"missing_readings"`
	TotalFen    int64     `json:"total_fen"`
	PrepaidFen  int64     `json:"prepaid_drawn_fen"`
	Items       []RunItem `json:"items,omitempty"`
	CreatedBy   int64     `json:"created_by"`
	CreatedName string    `json:"created_name"`
	VoidReason  string    `json:"void_reason"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// RunItem is one item's share of a run (lines created and their total).
type RunItem struct {
	FeeItemID int64  `json:"fee_item_id"`
	Name      string `json:"name"`
	Lines     int    `json:"lines"`
	TotalFen  int64  `json:"total_fen"`
}

// RunInput names the community and month of a run.
type RunInput struct {
	CommunityID int64  `json:"community_id"`
	Period      string `json:"period"`
}

// Bill is one bill line: a house, an item, a period.
type Bill struct {
	ID           int64      `json:"id"`
	CommunityID  int64      `json:"community_id"`
	HouseID      int64      `json:"house_id"`
	HouseCode    string     `json:"house_code"`
	FeeItemID    int64      `json:"fee_item_id"`
	FeeItemName  string     `json:"fee_item_name"`
	RunID        *int64     `json:"run_id"`
	Period       string     `json:"period"`
	Quantity     string     `json:"quantity"`
	UnitPrice    string     `json:"unit_price"`
	AmountFen    int64      `json:"amount_fen"`
	Deposit      bool       `json:"deposit"`
	Status       string     `json:"status"`
	PaymentID    *int64     `json:"payment_id"`
	PaidAt       *time.Time `json:"paid_at"`
	LateFeeFen   int64      `json:"late_fee_fen"` // unpaid bills, as of the request
	WaivedReason string     `json:"late_fee_waived_reason"`
	// The 滞纳金 rule the bill was issued with (its item's at the time):
	// percent per day, grace days, cap in percent of the bill.
	LateFeeRate      string    `json:"late_fee_daily_rate"`
	LateFeeGraceDays int       `json:"late_fee_grace_days"`
	LateFeeCap       string    `json:"late_fee_cap"`
	Note             string    `json:"note"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// ChargeInput issues a one-off charge (an item of kind oneoff).
type ChargeInput struct {
	HouseID   int64    `json:"house_id"`
	FeeItemID int64    `json:"fee_item_id"`
	Period    string   `json:"period"`   // default: this month
	Quantity  web.Text `json:"quantity"` // default 1
	Note      string   `json:"note"`
}

// Payment is a 缴费 and its 收据.
type Payment struct {
	ID              int64      `json:"id"`
	CommunityID     int64      `json:"community_id"`
	HouseID         int64      `json:"house_id"`
	HouseCode       string     `json:"house_code"`
	ReceiptNumber   string     `json:"receipt_number"` // "" for prepaid draw-downs
	Method          string     `json:"method"`
	Reference       string     `json:"reference"`
	AmountFen       int64      `json:"amount_fen"`
	AmountInWords   string     `json:"amount_in_words"`
	BillsFen        int64      `json:"bills_fen"`
	LateFeeFen      int64      `json:"late_fee_fen"` // 滞纳金 collected with the bills
	PrepaidAddedFen int64      `json:"prepaid_added_fen"`
	RunID           *int64     `json:"run_id"`
	CashierID       int64      `json:"cashier_id"`
	CashierName     string     `json:"cashier_name"`
	PaidAt          time.Time  `json:"paid_at"`
	Status          string     `json:"status"`
	VoidReason      string     `json:"void_reason"`
	VoidedBy        int64      `json:"voided_by"`
	VoidedName      string     `json:"voided_name"`
	VoidedAt        *time.Time `json:"voided_at"`
	Note            string     `json:"note"`
	Lines           []Line     `json:"lines"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// Line is one bill a payment settled (Kind bill), or the 滞纳金 it
// collected on that bill (Kind late_fee, the bill's item and period).
type Line struct {
	Kind        string `json:"kind"`
	BillID      int64  `json:"bill_id"`
	FeeItemID   int64  `json:"fee_item_id"`
	FeeItemName string `json:"fee_item_name"`
	Period      string `json:"period"`
	AmountFen   int64  `json:"amount_fen"`
}

// PaymentInput pays a selection of a house's unpaid bills in full. With
// no bills, the whole amount is a prepayment (预存). LateFee also charges
// each bill's 滞纳金 as of the payment; it is off unless asked for (the
// desk's “收取滞纳金” box is ticked by default), so an API caller that
// knows nothing of late fees pays exactly the bills, as the contract has
// it. LateFeeFen, when sent with LateFee, is the 滞纳金 the payer was
// shown: the payment is refused if it is no longer what is due (past
// midnight, a day more). See Pay.
type PaymentInput struct {
	HouseID    int64   `json:"house_id"`
	BillIDs    []int64 `json:"bill_ids"`
	AmountFen  int64   `json:"amount_fen"`
	Method     string  `json:"method"`
	Reference  string  `json:"reference"`
	Note       string  `json:"note"`
	LateFee    bool    `json:"late_fee"`
	LateFeeFen *int64  `json:"late_fee_fen"`
}

// Account is a house at the cashier desk: its prepaid balance and unpaid
// bills (deposits among them), oldest first.
type Account struct {
	HouseID     int64      `json:"house_id"`
	HouseCode   string     `json:"house_code"`
	CommunityID int64      `json:"community_id"`
	GrossArea   string     `json:"gross_area"`
	Use         string     `json:"use"`
	Owners      []string   `json:"owners"`
	PrepaidFen  int64      `json:"prepaid_fen"`
	OwedFen     int64      `json:"owed_fen"`    // 欠费: the unpaid bills, deposits aside
	OwedBills   int        `json:"owed_bills"`  // how many
	DepositFen  int64      `json:"deposit_fen"` // 押金 charged and not yet paid (not arrears)
	Deposits    int        `json:"deposit_bills"`
	LateFeeFen  int64      `json:"late_fee_fen"`
	Unpaid      []*Bill    `json:"unpaid"`
	Payments    []*Payment `json:"payments"` // the latest, newest first
}
