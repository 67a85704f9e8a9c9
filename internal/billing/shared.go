package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"net/http"
	"sort"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// 公摊: a shared metered item is read at one community meter per period;
// the bill run splits the period's charge over the houses the item
// applies to by gross area.

func init() {
	audit.Describe("shared_reading", "总表抄表", map[string]string{"period": "月份", "reading": "读数", "previous": "上次读数",
		"consumption": "用量", "replacement": "换表"})
}

// SharedReadingInput is a community meter's reading of a shared item.
type SharedReadingInput struct {
	FeeItemID    int64    `json:"fee_item_id"`
	Period       string   `json:"period"`
	Reading      web.Text `json:"reading"`
	Replacement  bool     `json:"replacement"`
	StartReading web.Text `json:"start_reading"`
}

// SharedReading is one period's reading of a community meter, with who
// entered it first.
type SharedReading struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	FeeItemID   int64     `json:"fee_item_id"`
	FeeItemName string    `json:"fee_item_name"`
	Period      string    `json:"period"`
	Reading     string    `json:"reading"`
	Previous    string    `json:"previous"`
	Consumption string    `json:"consumption"`
	Replacement bool      `json:"replacement"`
	CreatedBy   int64     `json:"created_by"`
	CreatedName string    `json:"created_name"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Edited reports whether the reading was corrected after it was entered.
func (r *SharedReading) Edited() bool { return !r.UpdatedAt.Equal(r.CreatedAt) }

const sharedReadingSelect = `SELECT r.id, r.community_id, r.fee_item_id, f.name, r.period, r.reading, r.previous, r.consumption,
	r.replacement, r.created_by, COALESCE(u.name, ''), r.created_at, r.updated_at
	FROM shared_readings r JOIN fee_items f ON f.id = r.fee_item_id LEFT JOIN users u ON u.id = r.created_by`

func scanSharedReading(s scanner) (*SharedReading, error) {
	var r SharedReading
	var reading, prev, cons int64
	if err := s.Scan(&r.ID, &r.CommunityID, &r.FeeItemID, &r.FeeItemName, &r.Period, &reading, &prev, &cons, &r.Replacement,
		&r.CreatedBy, &r.CreatedName, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.Reading, r.Previous, r.Consumption = FormatQuantity(reading), FormatQuantity(prev), FormatQuantity(cons)
	return &r, nil
}

func getSharedReading(ctx context.Context, tx *sql.Tx, itemID int64, period string) (*SharedReading, error) {
	r, err := scanSharedReading(tx.QueryRowContext(ctx, sharedReadingSelect+` WHERE r.fee_item_id = $1 AND r.period = $2`,
		itemID, period))
	if err != nil {
		return nil, notFound(err, "总表抄表记录")
	}
	return r, nil
}

// SharedReadingFilter selects shared readings.
type SharedReadingFilter struct {
	CommunityID, FeeItemID int64
	Period                 string
	Limit, Offset          int
}

// SharedReadings lists the community meters' readings in scope, latest
// period first.
func (s *Service) SharedReadings(ctx context.Context, by *auth.User, f SharedReadingFilter) ([]*SharedReading, int, error) {
	if err := canRead(by); err != nil {
		return nil, 0, err
	}
	var c cond
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
		c.Add("r.community_id = ?", f.CommunityID)
	}
	if f.FeeItemID > 0 {
		c.Add("r.fee_item_id = ?", f.FeeItemID)
	}
	if f.Period != "" {
		c.Add("r.period = ?", f.Period)
	}
	c.Scope("r.community_id", Scope(by))
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM shared_readings r`+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count shared readings: %w", err)
	}
	rows, err := s.DB.QueryContext(ctx, sharedReadingSelect+c.SQL()+` ORDER BY r.period DESC, r.fee_item_id`+
		c.Page(f.Limit, f.Offset), c.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list shared readings: %w", err)
	}
	defer rows.Close()
	out := []*SharedReading{}
	for rows.Next() {
		r, err := scanSharedReading(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// RecordSharedReading enters (or, until the period is billed, corrects)
// the community meter's reading of a shared item. A reading lower than
// the previous one needs a meter replacement, as for a house.
func (s *Service) RecordSharedReading(ctx context.Context, by *auth.User, in SharedReadingInput) (*SharedReading, error) {
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
	var r *SharedReading
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if in.FeeItemID <= 0 {
			return errs.Invalid("fee_item_id", "请选择抄表项目")
		}
		it, err := getItem(ctx, tx, in.FeeItemID)
		if errs.CodeOf(err) == errs.CodeNotFound {
			return errs.Invalid("fee_item_id", "收费项目不存在")
		}
		if err != nil {
			return err
		}
		if err := see(by, it.CommunityID); err != nil {
			return err
		}
		if !it.Shared {
			return errs.Invalid("fee_item_id", "%s 不是按总表公摊的项目", it.Name)
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := lockCommunity(ctx, tx, it.CommunityID); err != nil { // as for a house's reading
			return err
		}
		var prev int64
		err = tx.QueryRowContext(ctx, `SELECT reading FROM shared_readings WHERE fee_item_id = $1 AND period < $2
			ORDER BY period DESC LIMIT 1`, it.ID, in.Period).Scan(&prev)
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
		var later, billed int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM shared_readings WHERE fee_item_id = $1 AND period > $2`,
			it.ID, in.Period).Scan(&later); err != nil {
			return err
		}
		if later > 0 {
			return errs.Conflict("period", "%s 之后的总表读数已录入，不能再改动 %s", in.Period, in.Period)
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bills WHERE fee_item_id = $1 AND period = $2 AND status <> 'void'`,
			it.ID, in.Period).Scan(&billed); err != nil {
			return err
		}
		if billed > 0 {
			return errs.Conflict("period", "%s 的%s已出账，读数不能再修改", in.Period, it.Name)
		}
		before, err := getSharedReading(ctx, tx, it.ID, in.Period)
		if err != nil && errs.CodeOf(err) != errs.CodeNotFound {
			return err
		}
		now := s.Now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO shared_readings (community_id, fee_item_id, period, reading, previous,
			consumption, replacement, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9)
			ON CONFLICT (fee_item_id, period) DO UPDATE SET reading = $4, previous = $5, consumption = $6, replacement = $7,
			updated_at = $9 RETURNING id`, it.CommunityID, it.ID, in.Period, reading, prev, cons, in.Replacement, by.ID,
			now).Scan(&id); err != nil {
			return fmt.Errorf("save shared reading: %w", err)
		}
		if r, err = getSharedReading(ctx, tx, it.ID, in.Period); err != nil {
			return err
		}
		action, old := audit.ActionCreate, any(nil)
		if before != nil {
			action, old = audit.ActionUpdate, before
		}
		return record(ctx, tx, by, it.CommunityID, "shared_reading", id, action, old, r)
	})
	return r, err
}

// SplitByWeight splits total (≥ 0) over weights (≥ 0) in proportion,
// by the largest remainder: every part is floor(total × w / W) plus one
// for the parts with the largest remainders (earlier index first on a
// tie) until the parts add up to total exactly. All weights 0 gives all
// parts 0.
func SplitByWeight(total int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	var sum uint64
	for _, w := range weights {
		sum += uint64(max(w, 0))
	}
	if sum == 0 || total <= 0 {
		return out
	}
	rem := make([]uint64, len(weights))
	var given int64
	for i, w := range weights {
		hi, lo := bits.Mul64(uint64(total), uint64(max(w, 0)))
		q, r := bits.Div64(hi, lo, sum) // hi < sum since w ≤ sum
		out[i], rem[i] = int64(q), r
		given += int64(q)
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]] > rem[order[b]] })
	for k := 0; given < total; k++ {
		out[order[k]]++
		given++
	}
	return out
}

func (h *Handlers) recordSharedReading(w http.ResponseWriter, r *http.Request) error {
	var in SharedReadingInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	rd, err := h.S.RecordSharedReading(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, rd)
}

// listSharedReadings serves GET /api/v1/shared-readings?community_id=
// &period=&fee_item_id=.
func (h *Handlers) listSharedReadings(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	f := SharedReadingFilter{CommunityID: q.id("community_id"), FeeItemID: q.id("fee_item_id"), Period: q.period("period")}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	rs, total, err := h.S.SharedReadings(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return list(w, rs, total)
}
