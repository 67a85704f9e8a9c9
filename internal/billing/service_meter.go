package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// Exemptions

const exemptionCols = `e.id, e.community_id, e.house_id, h.code, e.fee_item_id, e.from_period, e.to_period, e.reason,
	e.voided, e.void_reason, e.created_at, e.updated_at`

func scanExemption(s scanner) (*Exemption, error) {
	var e Exemption
	err := s.Scan(&e.ID, &e.CommunityID, &e.HouseID, &e.HouseCode, &e.FeeItemID, &e.From, &e.To, &e.Reason,
		&e.Voided, &e.VoidReason, &e.CreatedAt, &e.UpdatedAt)
	return &e, err
}

func getExemption(ctx context.Context, q db.Querier, id int64) (*Exemption, error) {
	e, err := scanExemption(q.QueryRowContext(ctx, `SELECT `+exemptionCols+` FROM fee_exemptions e
		JOIN houses h ON h.id = e.house_id WHERE e.id = $1`, id))
	return e, notFound(err, "减免记录")
}

// CreateExemption frees a house from an item (or every item) for the
// periods From..To inclusive; bill runs skip it.
func (s *Service) CreateExemption(ctx context.Context, by *auth.User, in ExemptionInput) (*Exemption, error) {
	if err := can(by, auth.PermBillingAdmin, "设置减免"); err != nil {
		return nil, err
	}
	var f errs.Fields
	var ok bool
	if in.From, ok = normPeriod(in.From); !ok {
		f.Add("from", "起始月份格式应为 2026-01")
	}
	if in.To, ok = normPeriod(in.To); !ok {
		f.Add("to", "结束月份格式应为 2026-12")
	} else if in.To < in.From {
		f.Add("to", "结束月份不能早于起始月份")
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		f.Add("reason", "请填写减免原因")
	} else if utf8.RuneCountInString(in.Reason) > 200 {
		f.Add("reason", "原因不能超过 200 个字")
	}
	var e *Exemption
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		h, err := houseFor(ctx, tx, by, in.HouseID, "house_id")
		if err != nil {
			return err
		}
		var item any
		if in.FeeItemID != 0 {
			it, err := getItem(ctx, tx, in.FeeItemID)
			if err != nil || it.CommunityID != h.CommunityID {
				return errs.Invalid("fee_item_id", "收费项目不存在")
			}
			item = in.FeeItemID
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO fee_exemptions (community_id, house_id, fee_item_id, from_period, to_period,
			reason, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id`,
			h.CommunityID, h.ID, item, in.From, in.To, in.Reason, by.ID, now).Scan(&id); err != nil {
			return fmt.Errorf("insert exemption: %w", err)
		}
		if e, err = getExemption(ctx, tx, id); err != nil {
			return err
		}
		return record(ctx, tx, by, e.CommunityID, "fee_exemption", id, audit.ActionCreate, nil, e)
	})
	return e, err
}

// VoidExemption ends an exemption; bills already issued stay as they are.
func (s *Service) VoidExemption(ctx context.Context, by *auth.User, id int64, reason string) (*Exemption, error) {
	if err := can(by, auth.PermBillingAdmin, "设置减免"); err != nil {
		return nil, err
	}
	var e *Exemption
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getExemption(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		if reason = strings.TrimSpace(reason); reason == "" {
			return errs.Invalid("reason", "请填写作废原因")
		}
		res, err := tx.ExecContext(ctx, `UPDATE fee_exemptions SET voided = TRUE, void_reason = $1, updated_at = $2
			WHERE id = $3 AND voided = FALSE`, reason, s.Now(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.Conflict("", "该减免已作废")
		}
		if e, err = getExemption(ctx, tx, id); err != nil {
			return err
		}
		return record(ctx, tx, by, e.CommunityID, "fee_exemption", id, audit.ActionVoid, before, e)
	})
	return e, err
}

// ExemptionFilter selects exemptions.
type ExemptionFilter struct {
	CommunityID, HouseID int64
	Limit, Offset        int
}

// Exemptions lists exemptions in scope, newest first.
func (s *Service) Exemptions(ctx context.Context, by *auth.User, f ExemptionFilter) ([]*Exemption, int, error) {
	if err := canRead(by); err != nil {
		return nil, 0, err
	}
	var c cond
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
		c.Add("e.community_id = ?", f.CommunityID)
	}
	if f.HouseID > 0 {
		c.Add("e.house_id = ?", f.HouseID)
	}
	c.Scope("e.community_id", Scope(by))
	from := ` FROM fee_exemptions e JOIN houses h ON h.id = e.house_id`
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*)`+from+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+exemptionCols+from+c.SQL()+` ORDER BY e.id DESC`+c.Page(f.Limit, f.Offset), c.Args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*Exemption{}
	for rows.Next() {
		e, err := scanExemption(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// Meter readings

const readingCols = `id, community_id, house_id, fee_item_id, period, reading, previous, consumption, replacement, created_at, updated_at`

func scanReading(s scanner) (*Reading, error) {
	var r Reading
	var reading, prev, cons int64
	err := s.Scan(&r.ID, &r.CommunityID, &r.HouseID, &r.FeeItemID, &r.Period, &reading, &prev, &cons, &r.Replacement,
		&r.CreatedAt, &r.UpdatedAt)
	r.Reading, r.Previous, r.Consumption = FormatQuantity(reading), FormatQuantity(prev), FormatQuantity(cons)
	return &r, err
}

func parseReading(f *errs.Fields, field, s string, required bool) int64 {
	if strings.TrimSpace(s) == "" {
		if required {
			f.Add(field, "请填写读数")
		}
		return 0
	}
	v, err := parseDecimal(s, 2)
	switch {
	case err == errPrecision:
		f.Add(field, "读数最多两位小数")
	case err != nil:
		f.Add(field, "读数须为不小于 0 的数字，如 1234.5")
	case v > 100_000_000_00:
		f.Add(field, "读数过大")
	}
	return v
}

// RecordReading enters a house's reading of a metered item for a period.
// A reading lower than the previous one is refused unless the meter was
// replaced. Entering the same period again corrects it, until it is
// billed.
func (s *Service) RecordReading(ctx context.Context, by *auth.User, in ReadingInput) (*Reading, error) {
	if err := can(by, auth.PermBillingMeter, "录入抄表"); err != nil {
		return nil, err
	}
	var f errs.Fields
	var ok bool
	if in.Period, ok = normPeriod(in.Period); !ok {
		f.Add("period", "月份格式应为 2026-11")
	}
	reading := parseReading(&f, "reading", string(in.Reading), true)
	start := parseReading(&f, "start_reading", string(in.StartReading), false)
	var r *Reading
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		h, err := houseFor(ctx, tx, by, in.HouseID, "house_id")
		if err != nil {
			return err
		}
		it, err := getItem(ctx, tx, in.FeeItemID)
		if err != nil || it.CommunityID != h.CommunityID {
			return errs.Invalid("fee_item_id", "收费项目不存在")
		}
		if it.Kind != KindMetered {
			return errs.Invalid("fee_item_id", "%s 不是抄表计费的项目", it.Name)
		}
		if it.Shared {
			return errs.Invalid("fee_item_id", "%s 按总表公摊，请录入总表读数", it.Name)
		}
		if err := f.Err(); err != nil {
			return err
		}
		// Queue behind a bill run of the community, so the run either
		// sees this reading or has billed the period before it is read.
		if err := lockCommunity(ctx, tx, h.CommunityID); err != nil {
			return err
		}
		var prev int64
		err = tx.QueryRowContext(ctx, `SELECT reading FROM meter_readings WHERE house_id = $1 AND fee_item_id = $2 AND period < $3
			ORDER BY period DESC LIMIT 1`, h.ID, it.ID, in.Period).Scan(&prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		cons := reading - prev
		if in.Replacement {
			cons = reading - start
		}
		if cons < 0 {
			if in.Replacement {
				return errs.Invalid("reading", "读数不能小于新表起始读数 %s", FormatQuantity(start))
			}
			return errs.Invalid("reading", "读数 %s 小于上次读数 %s；如已换表请勾选“换表”", FormatQuantity(reading), FormatQuantity(prev))
		}
		var billed int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bills WHERE house_id = $1 AND fee_item_id = $2 AND period = $3
			AND status <> 'void'`, h.ID, it.ID, in.Period).Scan(&billed); err != nil {
			return err
		}
		if billed > 0 {
			return errs.Conflict("period", "%s 的%s已出账，读数不能再修改", in.Period, it.Name)
		}
		before, err := getReading(ctx, tx, h.ID, it.ID, in.Period)
		if err != nil && errs.CodeOf(err) != errs.CodeNotFound {
			return err
		}
		now := s.Now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO meter_readings (community_id, house_id, fee_item_id, period, reading, previous,
			consumption, replacement, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)
			ON CONFLICT (house_id, fee_item_id, period) DO UPDATE SET reading = $5, previous = $6, consumption = $7,
			replacement = $8, updated_at = $10 RETURNING id`, h.CommunityID, h.ID, it.ID, in.Period, reading, prev, cons,
			in.Replacement, by.ID, now).Scan(&id); err != nil {
			return fmt.Errorf("save reading: %w", err)
		}
		if err := fixNextReading(ctx, tx, h.ID, it.ID, in.Period, reading); err != nil {
			return err
		}
		if r, err = getReading(ctx, tx, h.ID, it.ID, in.Period); err != nil {
			return err
		}
		action, old := audit.ActionCreate, any(nil)
		if before != nil {
			action, old = audit.ActionUpdate, before
		}
		return record(ctx, tx, by, r.CommunityID, "meter_reading", id, action, old, r)
	})
	return r, err
}

// fixNextReading keeps the next period's consumption right when an
// earlier reading is entered or corrected after it: it must not be
// lower, and must not be billed already.
func fixNextReading(ctx context.Context, tx *sql.Tx, houseID, itemID int64, period string, reading int64) error {
	var id, next int64
	var nextPeriod string
	var replacement bool
	err := tx.QueryRowContext(ctx, `SELECT id, period, reading, replacement FROM meter_readings
		WHERE house_id = $1 AND fee_item_id = $2 AND period > $3 ORDER BY period LIMIT 1`, houseID, itemID, period).
		Scan(&id, &nextPeriod, &next, &replacement)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && replacement) {
		return nil
	}
	if err != nil {
		return err
	}
	if next < reading {
		return errs.Invalid("reading", "读数 %s 大于 %s 的读数 %s", FormatQuantity(reading), nextPeriod, FormatQuantity(next))
	}
	var billed int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bills WHERE house_id = $1 AND fee_item_id = $2 AND period = $3
		AND status <> 'void'`, houseID, itemID, nextPeriod).Scan(&billed); err != nil {
		return err
	}
	var prev int64
	if err := tx.QueryRowContext(ctx, `SELECT previous FROM meter_readings WHERE id = $1`, id).Scan(&prev); err != nil {
		return err
	}
	if prev == reading {
		return nil
	}
	if billed > 0 {
		return errs.Conflict("period", "%s 已按原读数出账，不能再改动之前月份的读数", nextPeriod)
	}
	_, err = tx.ExecContext(ctx, `UPDATE meter_readings SET previous = $1, consumption = $2 WHERE id = $3`, reading, next-reading, id)
	return err
}

func getReading(ctx context.Context, q db.Querier, houseID, itemID int64, period string) (*Reading, error) {
	r, err := scanReading(q.QueryRowContext(ctx, `SELECT `+readingCols+` FROM meter_readings
		WHERE house_id = $1 AND fee_item_id = $2 AND period = $3`, houseID, itemID, period))
	if err != nil {
		return nil, notFound(err, "抄表记录")
	}
	return r, nil
}

// ReadingFilter selects readings.
type ReadingFilter struct {
	CommunityID, HouseID, FeeItemID int64
	Period                          string
	Limit, Offset                   int
}

// Readings lists readings in scope, latest period first.
func (s *Service) Readings(ctx context.Context, by *auth.User, f ReadingFilter) ([]*Reading, int, error) {
	if err := canRead(by); err != nil {
		return nil, 0, err
	}
	var c cond
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
		c.Add("community_id = ?", f.CommunityID)
	}
	if f.HouseID > 0 {
		c.Add("house_id = ?", f.HouseID)
	}
	if f.FeeItemID > 0 {
		c.Add("fee_item_id = ?", f.FeeItemID)
	}
	if f.Period != "" {
		c.Add("period = ?", f.Period)
	}
	c.Scope("community_id", Scope(by))
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM meter_readings`+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+readingCols+` FROM meter_readings`+c.SQL()+
		` ORDER BY period DESC, house_id`+c.Page(f.Limit, f.Offset), c.Args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*Reading{}
	for rows.Next() {
		r, err := scanReading(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}
