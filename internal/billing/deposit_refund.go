package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
)

// 押金退还. A deposit (a bill of an item with the deposit flag: 装修押金)
// is a liability: the 收支公示 counts it apart, as money held, never as
// income. When the deposit is settled — the renovation accepted — it is
// given back in full, or less deductions for violations, each with its
// reason. The deductions are kept by the company: they count as income
// on the day of the refund (DepositDeductionIncome, its own line,
// 押金扣款, in the 收支公示), while the refunded part leaves the books as
// it came in. A refund is recorded once per bill, only for a paid
// deposit, and is never edited.

func init() {
	audit.Describe("deposit_refund", "押金退还", map[string]string{"deposit_fen": "押金(分)", "deductions_fen": "扣款(分)",
		"refund_fen": "退还(分)", "deductions": "扣款明细", "method": "退款方式", "reference": "凭证", "note": "备注"})
	audit.DescribeValues("deposit_refund", Labels)
}

// RefundMethods are the ways a deposit is given back.
var RefundMethods = []string{MethodCash, MethodBank, MethodWeChat, MethodAlipay}

// DepositDeduction is one amount kept from a deposit, with its reason.
type DepositDeduction struct {
	AmountFen int64  `json:"amount_fen"`
	Reason    string `json:"reason"`
}

// DepositRefundInput gives a paid deposit bill back. Method defaults to
// cash; Reference names what settled it (the 装修许可证 number).
type DepositRefundInput struct {
	BillID     int64              `json:"bill_id"`
	Deductions []DepositDeduction `json:"deductions"`
	Method     string             `json:"method"`
	Reference  string             `json:"reference"`
	Note       string             `json:"note"`
}

// DepositRefund is a deposit given back: RefundFen = DepositFen −
// DeductionsFen, exact to the 分.
type DepositRefund struct {
	ID            int64              `json:"id"`
	CommunityID   int64              `json:"community_id"`
	HouseID       int64              `json:"house_id"`
	HouseCode     string             `json:"house_code"`
	BillID        int64              `json:"bill_id"`
	FeeItemName   string             `json:"fee_item_name"`
	DepositFen    int64              `json:"deposit_fen"`
	DeductionsFen int64              `json:"deductions_fen"`
	RefundFen     int64              `json:"refund_fen"`
	Deductions    []DepositDeduction `json:"deductions"`
	Method        string             `json:"method"`
	Reference     string             `json:"reference"`
	Note          string             `json:"note"`
	CreatedBy     int64              `json:"created_by"`
	CreatedName   string             `json:"created_name"`
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
}

// maxDeductions bounds the lines of one refund.
const maxDeductions = 50

// validate checks the deductions and sums them; the sum against the
// deposit is checked once the bill is read.
func (in *DepositRefundInput) validate() (int64, error) {
	var f errs.Fields
	if in.BillID <= 0 {
		f.Add("bill_id", "请指定押金账单")
	}
	var ok bool
	if strings.TrimSpace(in.Method) == "" {
		in.Method = MethodCash
	} else if in.Method, ok = canon(in.Method, RefundMethods); !ok {
		f.Add("method", "退款方式须为 cash/bank/wechat/alipay（现金、银行转账、微信、支付宝）")
	}
	if len(in.Deductions) > maxDeductions {
		f.Add("deductions", "扣款最多 %d 项", maxDeductions)
	}
	var sum int64
	for i := range in.Deductions {
		d := &in.Deductions[i]
		d.Reason = strings.TrimSpace(d.Reason)
		switch {
		case d.AmountFen <= 0:
			f.Add("deductions", "第 %d 项扣款金额须大于 0（分）", i+1)
		case d.AmountFen > 1_000_000_000_00:
			f.Add("deductions", "第 %d 项扣款金额过大", i+1)
		case d.Reason == "":
			f.Add("deductions", "第 %d 项扣款须写明原因", i+1)
		case utf8.RuneCountInString(d.Reason) > 200:
			f.Add("deductions", "第 %d 项扣款原因不能超过 200 个字", i+1)
		default:
			sum += d.AmountFen
		}
	}
	in.Reference, in.Note = strings.TrimSpace(in.Reference), strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Reference) > 100 {
		f.Add("reference", "凭证不能超过 100 个字")
	}
	if utf8.RuneCountInString(in.Note) > 200 {
		f.Add("note", "备注不能超过 200 个字")
	}
	return sum, f.Err()
}

// RefundDeposit gives a paid deposit bill back, less the deductions. It
// is refused (409) when the bill is not paid (or voided) and when the
// deposit was given back already; deductions beyond the deposit are
// invalid input. It joins the caller's transaction (db.WithTx), so a
// module settling its own record with it commits both or neither.
func (s *Service) RefundDeposit(ctx context.Context, by *auth.User, in DepositRefundInput) (*DepositRefund, error) {
	if err := can(by, auth.PermBillingCharge, "退还押金"); err != nil {
		return nil, err
	}
	sum, verr := in.validate()
	var out *DepositRefund
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if in.BillID <= 0 {
			return verr
		}
		b, err := getBill(ctx, tx, in.BillID, time.Time{})
		if err != nil {
			return err
		}
		if err := see(by, b.CommunityID); err != nil {
			return err
		}
		if verr != nil {
			return verr
		}
		if !b.Deposit {
			return errs.Invalid("bill_id", "%s 不是押金，不能按押金退还", b.FeeItemName)
		}
		if err := lockCommunity(ctx, tx, b.CommunityID); err != nil {
			return err
		}
		// Read again behind the lock: a payment or a void may have just
		// changed it.
		if b, err = getBill(ctx, tx, in.BillID, time.Time{}); err != nil {
			return err
		}
		if prev, err := refundOfBill(ctx, tx, b.ID); err == nil {
			return errs.Conflict("bill_id", "该押金已于 %s 退还 %s，不能重复退还",
				prev.CreatedAt.In(shanghai).Format("2006-01-02 15:04"), money.Fen(prev.RefundFen))
		} else if errs.CodeOf(err) != errs.CodeNotFound {
			return err
		}
		switch b.Status {
		case BillUnpaid:
			return errs.Conflict("bill_id", "押金 %s 尚未缴纳，不能退还：请先在收银台收取，或不收押金直接结案", money.Fen(b.AmountFen))
		case BillVoid:
			return errs.Conflict("bill_id", "押金账单已作废，不能退还")
		}
		if sum > b.AmountFen {
			return errs.Invalid("deductions", "扣款合计 %s 超过押金 %s", money.Fen(sum), money.Fen(b.AmountFen))
		}
		if in.Deductions == nil {
			in.Deductions = []DepositDeduction{}
		}
		lines, _ := json.Marshal(in.Deductions)
		now := s.Now()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO deposit_refunds (community_id, house_id, bill_id, deposit_fen, deductions_fen,
			refund_fen, deductions, method, reference, note, created_by, created_name, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id`, b.CommunityID, b.HouseID, b.ID, b.AmountFen,
			sum, b.AmountFen-sum, string(lines), in.Method, in.Reference, in.Note, by.ID, by.Name, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("bill_id", "该押金已退还，不能重复退还")
		}
		if err != nil {
			return fmt.Errorf("insert deposit refund: %w", err)
		}
		if out, err = getDepositRefund(ctx, tx, `r.id = $1`, id); err != nil {
			return err
		}
		return record(ctx, tx, by, out.CommunityID, "deposit_refund", id, audit.ActionCreate, nil, out)
	})
	return out, err
}

// DepositRefundOf returns the refund of a deposit bill; not found if it
// has not been given back.
func (s *Service) DepositRefundOf(ctx context.Context, by *auth.User, billID int64) (*DepositRefund, error) {
	r, err := refundOfBill(ctx, s.DB.Q(ctx), billID)
	if err != nil {
		return nil, err
	}
	return r, see(by, r.CommunityID)
}

// DepositDeductionIncome is what was kept of deposits refunded in
// [start, end) in a community: income of the 收支公示 (its own line,
// 押金扣款), unlike the deposits themselves.
func (s *Service) DepositDeductionIncome(ctx context.Context, communityID int64, start, end time.Time) (int64, error) {
	var fen int64
	err := s.DB.Q(ctx).QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(deductions_fen), 0) AS BIGINT) FROM deposit_refunds
		WHERE community_id = $1 AND created_at >= $2 AND created_at < $3`, communityID, start.UTC(), end.UTC()).Scan(&fen)
	if err != nil {
		return 0, fmt.Errorf("deposit deductions: %w", err)
	}
	return fen, nil
}

// DepositDeductionIncomeName is the 收支公示's line of the deductions.
const DepositDeductionIncomeName = "押金扣款"

func refundOfBill(ctx context.Context, q db.Querier, billID int64) (*DepositRefund, error) {
	return getDepositRefund(ctx, q, `r.bill_id = $1`, billID)
}

func getDepositRefund(ctx context.Context, q db.Querier, where string, arg int64) (*DepositRefund, error) {
	var r DepositRefund
	var lines string
	err := q.QueryRowContext(ctx, `SELECT r.id, r.community_id, r.house_id, h.code, r.bill_id, f.name, r.deposit_fen,
		r.deductions_fen, r.refund_fen, r.deductions, r.method, r.reference, r.note, r.created_by, r.created_name,
		r.created_at, r.updated_at
		FROM deposit_refunds r JOIN houses h ON h.id = r.house_id JOIN bills b ON b.id = r.bill_id
		JOIN fee_items f ON f.id = b.fee_item_id WHERE `+where, arg).Scan(&r.ID, &r.CommunityID, &r.HouseID, &r.HouseCode,
		&r.BillID, &r.FeeItemName, &r.DepositFen, &r.DeductionsFen, &r.RefundFen, &lines, &r.Method, &r.Reference, &r.Note,
		&r.CreatedBy, &r.CreatedName, &r.CreatedAt, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("押金退还记录不存在")
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(lines), &r.Deductions); err != nil {
		return nil, fmt.Errorf("deposit refund %d deductions: %w", r.ID, err)
	}
	return &r, nil
}
