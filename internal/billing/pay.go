package billing

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
)

// underpaidField is the field of the one validation error the API
// answers with 400 instead of 422: an amount below the bills' total.
const underpaidField = "amount_fen"

func (in *PaymentInput) validate() error {
	var f errs.Fields
	var ok bool
	if in.Method, ok = canon(in.Method, Methods); !ok {
		f.Add("method", "缴费方式须为 cash/wechat/alipay/bank/pos（现金、微信、支付宝、银行转账、POS刷卡）")
	}
	if in.AmountFen <= 0 {
		f.Add("amount_fen", "请填写收款金额（分，大于 0）")
	} else if in.AmountFen > 1_000_000_000_00 {
		f.Add("amount_fen", "金额过大")
	}
	in.Reference = strings.TrimSpace(in.Reference)
	if utf8.RuneCountInString(in.Reference) > 100 {
		f.Add("reference", "交易参考号不能超过 100 个字")
	}
	if utf8.RuneCountInString(in.Note) > 200 {
		f.Add("note", "备注不能超过 200 个字")
	}
	if len(in.BillIDs) > 1000 {
		f.Add("bill_ids", "一次最多缴 1000 笔账单")
	}
	for _, id := range in.BillIDs {
		if id <= 0 {
			f.Add("bill_ids", "账单编号无效")
			break
		}
	}
	in.BillIDs = slices.Compact(slices.Sorted(slices.Values(in.BillIDs)))
	return f.Err()
}

// Pay takes a payment for a selection of a house's unpaid bills, each
// paid in full. With in.LateFee, each bill's 滞纳金 as of the payment (as
// the desk shows it; none once waived) is charged too, on lines of its
// own. An amount above the total goes to the house's prepaid balance;
// below it is refused. The receipt number is allocated in the same
// transaction, so numbers have no gaps. Of two cashiers paying the same
// bill at once exactly one succeeds; the other gets a conflict.
//
// in.LateFee is false unless asked for: the desk asks for it (its
// “收取滞纳金” box is ticked by default), while an API caller that sends
// no "late_fee" pays the bills alone, so an amount covering the bills is
// accepted exactly as the API contract says. With "late_fee": true an
// amount that does not cover bills and late fees is refused (400) with
// both figures, never split silently.
func (s *Service) Pay(ctx context.Context, by *auth.User, in PaymentInput) (*Payment, error) {
	if err := can(by, auth.PermBillingCharge, "收费"); err != nil {
		return nil, err
	}
	verr := in.validate()
	release, err := s.payTurn(ctx, in.HouseID)
	if err != nil {
		return nil, err
	}
	defer release()
	var p *Payment
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		h, err := houseFor(ctx, tx, by, in.HouseID, "house_id")
		if err != nil {
			return err
		}
		if verr != nil {
			return verr
		}
		if err := lockCommunity(ctx, tx, h.CommunityID); err != nil {
			return err
		}
		lines, sum, err := unpaidLines(ctx, tx, h.ID, in.BillIDs)
		if err != nil {
			return err
		}
		now := s.Now()
		var late []Line
		var lateSum int64
		if in.LateFee {
			if late, lateSum, err = lateFeeLines(ctx, tx, lines, now); err != nil {
				return err
			}
		}
		if in.LateFee && in.LateFeeFen != nil && *in.LateFeeFen != lateSum {
			return errs.Invalid("late_fee_fen", "滞纳金已按收款时重新计算为 %s（所示 %s），应收 %s，请核对后重新收款",
				money.Fen(lateSum), money.Fen(*in.LateFeeFen), money.Fen(sum+lateSum))
		}
		if in.AmountFen < sum+lateSum {
			if lateSum > 0 {
				return errs.Invalid(underpaidField, "收款金额 %s 少于所选账单合计 %s 加滞纳金 %s，共 %s（账单及滞纳金须全额缴纳；不收滞纳金请取消勾选“收取滞纳金”，接口请传 late_fee: false）",
					money.Fen(in.AmountFen), money.Fen(sum), money.Fen(lateSum), money.Fen(sum+lateSum))
			}
			return errs.Invalid(underpaidField, "收款金额 %s 少于所选账单合计 %s（账单须全额缴纳）",
				money.Fen(in.AmountFen), money.Fen(sum))
		}
		receipt, err := nextReceipt(ctx, tx, h.CommunityID, now.In(shanghai).Year())
		if err != nil {
			return err
		}
		surplus := in.AmountFen - sum - lateSum
		id, err := insertPayment(ctx, tx, payRow{community: h.CommunityID, house: h.ID, receipt: receipt, method: in.Method,
			reference: in.Reference, amount: in.AmountFen, bills: sum, late: lateSum, added: surplus, by: by, at: now, note: in.Note})
		if err != nil {
			return err
		}
		if err := settle(ctx, tx, h.CommunityID, id, lines, now); err != nil {
			return err
		}
		if err := insertLines(ctx, tx, h.CommunityID, id, LineLateFee, late); err != nil {
			return err
		}
		if surplus > 0 {
			if _, err := addPrepaid(ctx, tx, h.CommunityID, h.ID, id, surplus, "add", now); err != nil {
				return err
			}
		}
		if p, err = getPayment(ctx, tx, id); err != nil {
			return err
		}
		return record(ctx, tx, by, p.CommunityID, "payment", id, audit.ActionCreate, nil, p)
	})
	return p, err
}

// unpaidLines reads the bills to pay, which must all be the house's and
// unpaid, and their total.
func unpaidLines(ctx context.Context, tx *sql.Tx, houseID int64, ids []int64) ([]Line, int64, error) {
	if len(ids) == 0 {
		return nil, 0, nil
	}
	in, args := db.In(nil, ids)
	rows, err := tx.QueryContext(ctx, `SELECT id, house_id, status, fee_item_id, period, amount_fen FROM bills WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("bills to pay: %w", err)
	}
	defer rows.Close()
	found := map[int64]bool{}
	var lines []Line
	var sum int64
	for rows.Next() {
		var l Line
		var house int64
		var status string
		if err := rows.Scan(&l.BillID, &house, &status, &l.FeeItemID, &l.Period, &l.AmountFen); err != nil {
			return nil, 0, err
		}
		found[l.BillID] = true
		switch {
		case house != houseID:
			return nil, 0, errs.Invalid("bill_ids", "账单 %d 不属于该房屋", l.BillID)
		case status == BillPaid:
			return nil, 0, errs.Conflict("bill_ids", "账单 %d（%s）已缴费，不能重复收取", l.BillID, l.Period)
		case status != BillUnpaid:
			return nil, 0, errs.Conflict("bill_ids", "账单 %d 已作废", l.BillID)
		}
		lines = append(lines, l)
		sum += l.AmountFen
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for _, id := range ids {
		if !found[id] {
			return nil, 0, errs.Invalid("bill_ids", "账单 %d 不存在", id)
		}
	}
	return lines, sum, nil
}

type payRow struct {
	community, house           int64
	receipt                    string // "" = none (prepaid draw-down)
	method, reference          string
	amount, bills, late, added int64
	run                        *int64
	by                         *auth.User
	at                         time.Time
	note                       string
}

func insertPayment(ctx context.Context, tx *sql.Tx, r payRow) (int64, error) {
	var receipt any
	if r.receipt != "" {
		receipt = r.receipt
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO payments (community_id, house_id, receipt_number, method, reference, amount_fen,
		bills_fen, prepaid_added_fen, run_id, cashier_id, cashier_name, paid_at, status, note, created_at, updated_at, late_fee_fen)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,'valid',$13,$12,$12,$14) RETURNING id`, r.community, r.house, receipt,
		r.method, r.reference, r.amount, r.bills, r.added, r.run, r.by.ID, r.by.Name, r.at, r.note, r.late).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert payment: %w", err)
	}
	return id, nil
}

// settle marks the bills paid by payment id — only those still unpaid,
// and all of them or the transaction fails — and writes the lines.
func settle(ctx context.Context, tx *sql.Tx, communityID, paymentID int64, lines []Line, now time.Time) error {
	if len(lines) == 0 {
		return nil
	}
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.BillID
	}
	in, args := db.In([]any{paymentID, now}, ids)
	res, err := tx.ExecContext(ctx, `UPDATE bills SET status = 'paid', payment_id = $1, paid_at = $2, updated_at = $2
		WHERE id IN (`+in+`) AND status = 'unpaid'`, args...)
	if err != nil {
		return fmt.Errorf("settle bills: %w", err)
	}
	if n, _ := res.RowsAffected(); n != int64(len(ids)) {
		return errs.Conflict("bill_ids", "所选账单已被他人收取，请刷新后重试")
	}
	return insertLines(ctx, tx, communityID, paymentID, LineBill, lines)
}

// insertLines writes a payment's lines of one kind (bill or late_fee).
func insertLines(ctx context.Context, tx *sql.Tx, communityID, paymentID int64, kind string, lines []Line) error {
	if len(lines) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO payment_lines (payment_id, bill_id, community_id, fee_item_id, period, amount_fen, kind) VALUES `)
	args := []any{kind}
	for i, l := range lines {
		if i > 0 {
			b.WriteByte(',')
		}
		args = append(args, l.Period)
		fmt.Fprintf(&b, "(%d,%d,%d,%d,$%d,%d,$1)", paymentID, l.BillID, communityID, l.FeeItemID, len(args), l.AmountFen)
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("payment lines: %w", err)
	}
	return nil
}

// VoidPayment voids a payment with a reason: the receipt shows 作废 (its
// number is never reused), the bills become unpaid again (accruing their
// 滞纳金 again; a late fee it collected is no longer counted anywhere, as
// the reports count valid payments only) and its prepaid effects are
// reversed. A surplus already drawn down by a bill run
// cannot be reversed; void that draw-down first.
func (s *Service) VoidPayment(ctx context.Context, by *auth.User, id int64, reason string) (*Payment, error) {
	if err := can(by, auth.PermBillingVoid, "作废收据"); err != nil {
		return nil, err
	}
	var p *Payment
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getPayment(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		if reason = strings.TrimSpace(reason); reason == "" {
			return errs.Invalid("reason", "请填写作废原因")
		}
		if utf8.RuneCountInString(reason) > 200 {
			return errs.Invalid("reason", "作废原因不能超过 200 个字")
		}
		if err := lockCommunity(ctx, tx, before.CommunityID); err != nil {
			return err
		}
		if p, err = s.voidPayment(ctx, tx, by, before, reason); err != nil {
			return err
		}
		return nil
	})
	return p, err
}

func (s *Service) voidPayment(ctx context.Context, tx *sql.Tx, by *auth.User, p *Payment, reason string) (*Payment, error) {
	now := s.Now()
	// A deposit already refunded (deposit_refund.go) was paid back out:
	// voiding its receipt would make it owed again.
	var refunded int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM deposit_refunds r JOIN bills b ON b.id = r.bill_id
		WHERE b.payment_id = $1`, p.ID).Scan(&refunded); err != nil {
		return nil, fmt.Errorf("void payment: %w", err)
	}
	if refunded > 0 {
		return nil, errs.Conflict("", "收据 %s 所收押金已退还，不能作废", p.ReceiptNumber)
	}
	res, err := tx.ExecContext(ctx, `UPDATE payments SET status = 'void', void_reason = $1, voided_by = $2, voided_name = $3,
		voided_at = $4, updated_at = $4 WHERE id = $5 AND status = 'valid'`, reason, by.ID, by.Name, now, p.ID)
	if err != nil {
		return nil, fmt.Errorf("void payment: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errs.Conflict("", "收据 %s 已作废", p.ReceiptNumber)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bills SET status = 'unpaid', payment_id = NULL, paid_at = NULL, updated_at = $1
		WHERE payment_id = $2 AND status = 'paid'`, now, p.ID); err != nil {
		return nil, fmt.Errorf("unpay bills: %w", err)
	}
	if p.PrepaidAddedFen > 0 {
		ok, err := addPrepaid(ctx, tx, p.CommunityID, p.HouseID, p.ID, -p.PrepaidAddedFen, "void", now)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errs.Conflict("", "该笔预存的 %s 已被抵扣账单，请先作废相应的预存抵扣记录", money.Fen(p.PrepaidAddedFen))
		}
	}
	if p.Method == MethodPrepaid {
		if _, err := addPrepaid(ctx, tx, p.CommunityID, p.HouseID, p.ID, p.AmountFen, "void", now); err != nil {
			return nil, err
		}
	}
	after, err := getPayment(ctx, tx, p.ID)
	if err != nil {
		return nil, err
	}
	return after, record(ctx, tx, by, p.CommunityID, "payment", p.ID, audit.ActionVoid, p, after)
}

// PaymentFilter selects payments. Day, From and To (inclusive) are
// YYYY-MM-DD (Asia/Shanghai).
type PaymentFilter struct {
	CommunityID, HouseID, CashierID int64
	Day, Status, Method, Receipt    string
	From, To                        string
	Limit, Offset                   int
}

// Payments lists payments in scope, newest first, with their lines.
func (s *Service) Payments(ctx context.Context, by *auth.User, f PaymentFilter) ([]*Payment, int, error) {
	if err := canRead(by); err != nil {
		return nil, 0, err
	}
	var c cond
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
		c.Add("p.community_id = ?", f.CommunityID)
	}
	if f.HouseID > 0 {
		c.Add("p.house_id = ?", f.HouseID)
	}
	if f.CashierID > 0 {
		c.Add("p.cashier_id = ?", f.CashierID)
	}
	if f.Day != "" {
		start := dayStart(f.Day)
		c.Add("p.paid_at >= ? AND p.paid_at < ?", start, start.Add(24*time.Hour))
	}
	if f.From != "" {
		c.Add("p.paid_at >= ?", dayStart(f.From))
	}
	if f.To != "" {
		c.Add("p.paid_at < ?", dayStart(f.To).Add(24*time.Hour))
	}
	if f.Status != "" {
		c.Add("p.status = ?", f.Status)
	}
	if f.Method != "" {
		c.Add("p.method = ?", f.Method)
	}
	if f.Receipt != "" {
		c.Add("p.receipt_number = ?", strings.ToUpper(f.Receipt))
	}
	c.Scope("p.community_id", Scope(by))
	return listPayments(ctx, s.DB, &c, f.Limit, f.Offset)
}

// Payment returns one payment with its lines: the receipt.
func (s *Service) Payment(ctx context.Context, by *auth.User, id int64) (*Payment, error) {
	if err := canRead(by); err != nil {
		return nil, err
	}
	p, err := getPayment(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return p, see(by, p.CommunityID)
}

// Account is a house at the cashier desk: prepaid balance, unpaid bills
// oldest first with their late fees as of now, the latest payments. Its
// 欠费 leaves deposits out: a 押金 awaiting payment is counted apart.
func (s *Service) Account(ctx context.Context, by *auth.User, houseID int64) (*Account, error) {
	if err := canRead(by); err != nil {
		return nil, err
	}
	h, err := getHouse(ctx, s.DB, houseID)
	if err != nil {
		return nil, err
	}
	if err := see(by, h.CommunityID); err != nil {
		return nil, err
	}
	a := &Account{HouseID: h.ID, HouseCode: h.Code, CommunityID: h.CommunityID, GrossArea: FormatQuantity(h.Gross),
		Use: h.Use, Owners: []string{}}
	rows, err := s.DB.QueryContext(ctx, `SELECT o.name FROM house_owners ho JOIN owners o ON o.id = ho.owner_id
		WHERE ho.house_id = $1 AND ho.active ORDER BY ho.id`, h.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		a.Owners = append(a.Owners, n)
	}
	rows.Close()
	if a.PrepaidFen, err = prepaidBalance(ctx, s.DB, h.ID); err != nil {
		return nil, err
	}
	var c cond
	c.Add("b.house_id = ?", h.ID)
	c.Add("b.status = ?", BillUnpaid)
	if a.Unpaid, _, err = listBills(ctx, s.DB, &c, "b.period, b.fee_item_id, b.id", 5000, 0, s.Now()); err != nil {
		return nil, err
	}
	for _, b := range a.Unpaid {
		if b.Deposit {
			a.DepositFen += b.AmountFen
			a.Deposits++
		} else {
			a.OwedFen += b.AmountFen
			a.OwedBills++
		}
		a.LateFeeFen += b.LateFeeFen
	}
	var pc cond
	pc.Add("p.house_id = ?", h.ID)
	a.Payments, _, err = listPayments(ctx, s.DB, &pc, 20, 0)
	return a, err
}
