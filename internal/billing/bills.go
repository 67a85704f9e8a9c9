package billing

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// BillFilter selects bills. AsOf is the moment late fees are computed
// up to, an exclusive bound like the reports' as_of: a day's as_of is its
// end, so the fee counts that day and not the next (zero: now).
type BillFilter struct {
	CommunityID, HouseID, FeeItemID, RunID int64
	Status, Period                         string
	Limit, Offset                          int
	AsOf                                   time.Time
}

// Bills lists bills in scope, oldest period first.
func (s *Service) Bills(ctx context.Context, by *auth.User, f BillFilter) ([]*Bill, int, error) {
	if err := canRead(by); err != nil {
		return nil, 0, err
	}
	var c cond
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
		c.Add("b.community_id = ?", f.CommunityID)
	}
	if f.HouseID > 0 {
		h, err := getHouse(ctx, s.DB, f.HouseID)
		if err != nil {
			return nil, 0, err
		}
		if err := see(by, h.CommunityID); err != nil {
			return nil, 0, err
		}
		c.Add("b.house_id = ?", f.HouseID)
	}
	if f.FeeItemID > 0 {
		c.Add("b.fee_item_id = ?", f.FeeItemID)
	}
	if f.RunID > 0 {
		c.Add("b.run_id = ?", f.RunID)
	}
	if f.Status != "" {
		c.Add("b.status = ?", f.Status)
	}
	if f.Period != "" {
		c.Add("b.period = ?", f.Period)
	}
	c.Scope("b.community_id", Scope(by))
	lateAt := s.Now()
	if !f.AsOf.IsZero() {
		lateAt = f.AsOf.Add(-time.Microsecond) // the last instant before the bound
	}
	return listBills(ctx, s.DB, &c, "b.period, b.house_id, b.fee_item_id, b.id", f.Limit, f.Offset, lateAt)
}

// Bill returns one bill with its late fee as of now, to a user who may
// read billing (billing.read) in its community. Another module showing a
// bill of its own record (a renovation's deposit) asks the same: whether
// a bill is paid is billing's to tell, so department staff, who read
// renovations but not billing, see the amounts without it.
func (s *Service) Bill(ctx context.Context, by *auth.User, id int64) (*Bill, error) {
	if err := canRead(by); err != nil {
		return nil, err
	}
	b, err := getBill(ctx, s.DB, id, s.Now())
	if err != nil {
		return nil, err
	}
	return b, see(by, b.CommunityID)
}

// Charge issues a one-off charge (an item of kind oneoff: 装修押金,
// 工本费 …) to a house: quantity × the item's price for the period, with
// the item's 滞纳金 rule as of now. Unlike a run's bills, a house may be
// charged an item more than once in a month (two 工本费).
func (s *Service) Charge(ctx context.Context, by *auth.User, in ChargeInput) (*Bill, error) {
	if err := can(by, auth.PermBillingCharge, "开具收费"); err != nil {
		return nil, err
	}
	var f errs.Fields
	var ok bool
	if in.Period == "" {
		in.Period = PeriodOf(s.Now())
	} else if in.Period, ok = normPeriod(in.Period); !ok {
		f.Add("period", "月份格式应为 2026-11")
	}
	qty := int64(100)
	if strings.TrimSpace(string(in.Quantity)) != "" {
		v, err := parseDecimal(string(in.Quantity), 2)
		if err != nil || v <= 0 || v > 1_000_000_00 {
			f.Add("quantity", "数量须为大于 0 的数字，最多两位小数")
		}
		qty = v
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 200 {
		f.Add("note", "备注不能超过 200 个字")
	}
	var b *Bill
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		h, err := houseFor(ctx, tx, by, in.HouseID, "house_id")
		if err != nil {
			return err
		}
		it, err := getItem(ctx, tx, in.FeeItemID)
		if err != nil || it.CommunityID != h.CommunityID {
			return errs.Invalid("fee_item_id", "收费项目不存在")
		}
		if it.Kind != KindOneOff {
			return errs.Invalid("fee_item_id", "%s 按月出账，不能单独开具；一次性收费请选择一次性项目", it.Name)
		}
		if !it.Active {
			return errs.Invalid("fee_item_id", "%s 已停用", it.Name)
		}
		if err := f.Err(); err != nil {
			return err
		}
		price, ok := it.PriceAt(in.Period)
		if !ok {
			return errs.Invalid("period", "%s 在 %s 还没有收费标准", it.Name, in.Period)
		}
		amount, err := LineAmount(qty, price)
		if err != nil || amount <= 0 {
			return errs.Invalid("quantity", "金额须大于 0 且不超出范围")
		}
		if err := lockCommunity(ctx, tx, h.CommunityID); err != nil {
			return err
		}
		now := s.Now()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO bills (community_id, house_id, fee_item_id, period, quantity, unit_price, amount_fen,
			deposit, status, note, created_at, updated_at, late_fee_rate, late_fee_grace_days, late_fee_cap)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'unpaid',$9,$10,$10,$11,$12,$13) RETURNING id`,
			h.CommunityID, h.ID, it.ID, in.Period, qty, price, amount, it.Deposit, in.Note, now, it.lateRate,
			it.LateFeeGraceDays, it.lateCap).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert bill: %w", err)
		}
		if b, err = getBill(ctx, tx, id, now); err != nil {
			return err
		}
		return record(ctx, tx, by, b.CommunityID, "bill", id, audit.ActionCreate, nil, b)
	})
	return b, err
}

// WaiveLateFee waives an unpaid bill's 滞纳金 with a reason.
func (s *Service) WaiveLateFee(ctx context.Context, by *auth.User, id int64, reason string) (*Bill, error) {
	if err := can(by, auth.PermBillingVoid, "减免滞纳金"); err != nil {
		return nil, err
	}
	var b *Bill
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getBill(ctx, tx, id, s.Now())
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		if reason = strings.TrimSpace(reason); reason == "" {
			return errs.Invalid("reason", "请填写减免原因")
		}
		if utf8.RuneCountInString(reason) > 200 {
			return errs.Invalid("reason", "原因不能超过 200 个字")
		}
		res, err := tx.ExecContext(ctx, `UPDATE bills SET waived_reason = $1, waived_by = $2, updated_at = $3
			WHERE id = $4 AND status = 'unpaid' AND waived_reason = ''`, reason, by.ID, s.Now(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.Conflict("", "只能减免未缴账单的滞纳金，且每笔只减免一次")
		}
		if b, err = getBill(ctx, tx, id, s.Now()); err != nil {
			return err
		}
		return record(ctx, tx, by, b.CommunityID, "bill", id, audit.ActionUpdate, before, b)
	})
	return b, err
}
