package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

type scanner interface{ Scan(...any) error }

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound("%s不存在", what)
	}
	return err
}

// cond is the shared WHERE builder.
type cond = db.Where

// lockCommunity queues this transaction behind every other billing write
// of the community: an upsert takes the row lock on PostgreSQL (SQLite
// has a single writer anyway). Payments, voids and runs therefore never
// interleave on one community's bills and balances, and never deadlock.
func lockCommunity(ctx context.Context, tx *sql.Tx, communityID int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO billing_locks (community_id, n) VALUES ($1, 1)
		ON CONFLICT (community_id) DO UPDATE SET n = billing_locks.n + 1`, communityID)
	if err != nil {
		return fmt.Errorf("billing lock: %w", err)
	}
	return nil
}

// payTurn waits, on PostgreSQL, for this process's turn at the money of
// the house's community before the payment takes a connection. The
// transaction still takes lockCommunity, which is what keeps several
// servers apart; the turn only keeps one server's cashiers of a busy
// community from each holding a pooled connection while they wait on
// that row lock, which starved every other request of connections under
// load (bench/RESULTS.md, Load). SQLite queues all writers in db.Tx
// before they take one already. An unknown house takes no turn; the
// transaction reports it.
func (s *Service) payTurn(ctx context.Context, houseID int64) (release func(), err error) {
	release = func() {}
	if s.DB.Dialect != db.Postgres {
		return release, nil
	}
	var cid int64
	if err := s.DB.QueryRowContext(ctx, `SELECT community_id FROM houses WHERE id = $1`, houseID).Scan(&cid); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return release, nil
		}
		return nil, err
	}
	v, _ := s.turns.LoadOrStore(cid, make(chan struct{}, 1))
	turn := v.(chan struct{})
	select {
	case turn <- struct{}{}:
		return func() { <-turn }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// nextReceipt allocates the next receipt number of a community and year
// in tx: an upsert on the counter row, rolled back with the payment, so
// no number is skipped or given twice.
func nextReceipt(ctx context.Context, tx *sql.Tx, communityID int64, year int) (string, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `INSERT INTO receipt_counters (community_id, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (community_id, year) DO UPDATE SET last = receipt_counters.last + 1 RETURNING last`,
		communityID, year).Scan(&last)
	if err != nil {
		return "", fmt.Errorf("receipt number: %w", err)
	}
	return fmt.Sprintf("SJ%d-%06d", year, last), nil
}

// house is what billing needs of an archive house.
type house struct {
	ID, CommunityID, BuildingID int64
	Code, Use                   string
	Gross                       int64
}

func getHouse(ctx context.Context, q db.Querier, id int64) (*house, error) {
	var h house
	err := q.QueryRowContext(ctx, `SELECT id, community_id, building_id, code, house_use, gross_area FROM houses WHERE id = $1`, id).
		Scan(&h.ID, &h.CommunityID, &h.BuildingID, &h.Code, &h.Use, &h.Gross)
	return &h, notFound(err, "房屋")
}

func communityExists(ctx context.Context, q db.Querier, id int64) error {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM communities WHERE id = $1`, id).Scan(&n)
	if err == nil && n == 0 {
		return errs.Invalid("community_id", "小区不存在")
	}
	return err
}

// fee items

const itemCols = `id, community_id, name, kind, deposit, applies_to, late_fee_rate, late_fee_grace_days, late_fee_cap,
	active, notes, created_at, updated_at, shared`

func scanItem(s scanner) (*FeeItem, error) {
	var it FeeItem
	var applies string
	err := s.Scan(&it.ID, &it.CommunityID, &it.Name, &it.Kind, &it.Deposit, &applies, &it.lateRate,
		&it.LateFeeGraceDays, &it.lateCap, &it.Active, &it.Notes, &it.CreatedAt, &it.UpdatedAt, &it.Shared)
	if err != nil {
		return nil, err
	}
	json.Unmarshal([]byte(applies), &it.AppliesTo)
	it.LateFeeRate, it.LateFeeCap = FormatRate(it.lateRate), FormatRate(it.lateCap)
	it.Prices = []Price{}
	return &it, nil
}

func getItem(ctx context.Context, q db.Querier, id int64) (*FeeItem, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemCols+` FROM fee_items WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "收费项目")
	}
	return it, loadPrices(ctx, q, []*FeeItem{it})
}

// listItems returns the items of the communities (nil = all), with prices.
func listItems(ctx context.Context, q db.Querier, c *cond) ([]*FeeItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+itemCols+` FROM fee_items`+c.SQL()+` ORDER BY community_id, id`, c.Args...)
	if err != nil {
		return nil, fmt.Errorf("list fee items: %w", err)
	}
	defer rows.Close()
	out := []*FeeItem{}
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, loadPrices(ctx, q, out)
}

func loadPrices(ctx context.Context, q db.Querier, items []*FeeItem) error {
	if len(items) == 0 {
		return nil
	}
	byID := map[int64]*FeeItem{}
	ids := make([]int64, len(items))
	for i, it := range items {
		byID[it.ID], ids[i] = it, it.ID
	}
	in, args := db.In(nil, ids)
	rows, err := q.QueryContext(ctx, `SELECT id, fee_item_id, effective_from, unit_price, created_at FROM fee_prices
		WHERE fee_item_id IN (`+in+`) ORDER BY fee_item_id, effective_from`, args...)
	if err != nil {
		return fmt.Errorf("fee prices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Price
		var item int64
		if err := rows.Scan(&p.ID, &item, &p.EffectiveFrom, &p.price, &p.CreatedAt); err != nil {
			return err
		}
		p.UnitPrice = FormatPrice(p.price)
		it := byID[item]
		it.Prices = append(it.Prices, p)
		it.UnitPrice = p.UnitPrice
	}
	return rows.Err()
}

// bills

const billCols = `b.id, b.community_id, b.house_id, h.code, b.fee_item_id, f.name, b.run_id, b.period, b.quantity, b.unit_price,
	b.amount_fen, b.deposit, b.status, b.payment_id, b.paid_at, b.waived_reason, b.note, b.created_at, b.updated_at,
	b.late_fee_rate, b.late_fee_cap, b.late_fee_grace_days`

const billFrom = ` FROM bills b JOIN houses h ON h.id = b.house_id JOIN fee_items f ON f.id = b.fee_item_id`

// scanBill reads a bill and its late fee as of asOf (zero: none), by the
// rule the bill was issued with.
func scanBill(s scanner, asOf time.Time) (*Bill, error) {
	var b Bill
	var qty, price, rate, capRate int64
	err := s.Scan(&b.ID, &b.CommunityID, &b.HouseID, &b.HouseCode, &b.FeeItemID, &b.FeeItemName, &b.RunID, &b.Period,
		&qty, &price, &b.AmountFen, &b.Deposit, &b.Status, &b.PaymentID, &b.PaidAt, &b.WaivedReason, &b.Note,
		&b.CreatedAt, &b.UpdatedAt, &rate, &capRate, &b.LateFeeGraceDays)
	if err != nil {
		return nil, err
	}
	b.Quantity, b.UnitPrice = FormatQuantity(qty), FormatPrice(price)
	b.LateFeeRate, b.LateFeeCap = FormatRate(rate), FormatRate(capRate)
	if b.Status == BillUnpaid && b.WaivedReason == "" && !asOf.IsZero() {
		b.LateFeeFen = LateFee(b.AmountFen, b.Period, b.CreatedAt, rate, capRate, b.LateFeeGraceDays, asOf)
	}
	return &b, nil
}

func getBill(ctx context.Context, q db.Querier, id int64, asOf time.Time) (*Bill, error) {
	b, err := scanBill(q.QueryRowContext(ctx, `SELECT `+billCols+billFrom+` WHERE b.id = $1`, id), asOf)
	return b, notFound(err, "账单")
}

func listBills(ctx context.Context, q db.Querier, c *cond, order string, limit, offset int, asOf time.Time) ([]*Bill, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT count(*)`+billFrom+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count bills: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+billCols+billFrom+c.SQL()+` ORDER BY `+order+c.Page(limit, offset), c.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list bills: %w", err)
	}
	defer rows.Close()
	out := []*Bill{}
	for rows.Next() {
		b, err := scanBill(rows, asOf)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, b)
	}
	return out, total, rows.Err()
}

// payments

const paymentCols = `p.id, p.community_id, p.house_id, h.code, p.receipt_number, p.method, p.reference, p.amount_fen,
	p.bills_fen, p.prepaid_added_fen, p.run_id, p.cashier_id, p.cashier_name, p.paid_at, p.status, p.void_reason,
	p.voided_by, p.voided_name, p.voided_at, p.note, p.created_at, p.updated_at, p.late_fee_fen`

const paymentFrom = ` FROM payments p JOIN houses h ON h.id = p.house_id`

func scanPayment(s scanner) (*Payment, error) {
	var p Payment
	var receipt sql.NullString
	err := s.Scan(&p.ID, &p.CommunityID, &p.HouseID, &p.HouseCode, &receipt, &p.Method, &p.Reference, &p.AmountFen,
		&p.BillsFen, &p.PrepaidAddedFen, &p.RunID, &p.CashierID, &p.CashierName, &p.PaidAt, &p.Status, &p.VoidReason,
		&p.VoidedBy, &p.VoidedName, &p.VoidedAt, &p.Note, &p.CreatedAt, &p.UpdatedAt, &p.LateFeeFen)
	if err != nil {
		return nil, err
	}
	p.ReceiptNumber = receipt.String
	p.AmountInWords = AmountInWords(p.AmountFen)
	p.Lines = []Line{}
	return &p, nil
}

func getPayment(ctx context.Context, q db.Querier, id int64) (*Payment, error) {
	p, err := scanPayment(q.QueryRowContext(ctx, `SELECT `+paymentCols+paymentFrom+` WHERE p.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "缴费记录")
	}
	return p, loadLines(ctx, q, []*Payment{p})
}

func listPayments(ctx context.Context, q db.Querier, c *cond, limit, offset int) ([]*Payment, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT count(*)`+paymentFrom+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count payments: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+paymentCols+paymentFrom+c.SQL()+` ORDER BY p.paid_at DESC, p.id DESC`+
		c.Page(limit, offset), c.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list payments: %w", err)
	}
	defer rows.Close()
	out := []*Payment{}
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, loadLines(ctx, q, out)
}

func loadLines(ctx context.Context, q db.Querier, ps []*Payment) error {
	if len(ps) == 0 {
		return nil
	}
	byID := map[int64]*Payment{}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		byID[p.ID], ids[i] = p, p.ID
	}
	in, args := db.In(nil, ids)
	// The bills first, then the 滞纳金 collected on them ('bill' < 'late_fee').
	rows, err := q.QueryContext(ctx, `SELECT l.payment_id, l.kind, l.bill_id, l.fee_item_id, f.name, l.period, l.amount_fen
		FROM payment_lines l JOIN fee_items f ON f.id = l.fee_item_id
		WHERE l.payment_id IN (`+in+`) ORDER BY l.payment_id, l.kind, l.period, l.id`, args...)
	if err != nil {
		return fmt.Errorf("payment lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l Line
		var pid int64
		if err := rows.Scan(&pid, &l.Kind, &l.BillID, &l.FeeItemID, &l.FeeItemName, &l.Period, &l.AmountFen); err != nil {
			return err
		}
		byID[pid].Lines = append(byID[pid].Lines, l)
	}
	return rows.Err()
}

// prepaid balances

func prepaidBalance(ctx context.Context, q db.Querier, houseID int64) (int64, error) {
	var bal int64
	err := q.QueryRowContext(ctx, `SELECT balance_fen FROM prepaid_balances WHERE house_id = $1`, houseID).Scan(&bal)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return bal, err
}

// addPrepaid changes a house's balance by delta and writes the ledger
// entry; a change that would make it negative fails with ok false.
func addPrepaid(ctx context.Context, tx *sql.Tx, communityID, houseID, paymentID, delta int64, kind string, now time.Time) (bool, error) {
	var bal int64
	err := tx.QueryRowContext(ctx, `INSERT INTO prepaid_balances (house_id, community_id, balance_fen, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (house_id) DO UPDATE SET balance_fen = prepaid_balances.balance_fen + $3, updated_at = $4
		RETURNING balance_fen`, houseID, communityID, delta, now).Scan(&bal)
	if err != nil {
		return false, fmt.Errorf("prepaid balance: %w", err)
	}
	if bal < 0 {
		return false, nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO prepaid_entries (community_id, house_id, payment_id, amount_fen, kind, balance_fen, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7)`, communityID, houseID, paymentID, delta, kind, bal, now)
	if err != nil {
		return false, fmt.Errorf("prepaid entry: %w", err)
	}
	return true, nil
}
