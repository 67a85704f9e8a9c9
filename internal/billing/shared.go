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

// SharedReading is one period's reading of a community meter.
type SharedReading struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	FeeItemID   int64     `json:"fee_item_id"`
	Period      string    `json:"period"`
	Reading     string    `json:"reading"`
	Previous    string    `json:"previous"`
	Consumption string    `json:"consumption"`
	Replacement bool      `json:"replacement"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func getSharedReading(ctx context.Context, tx *sql.Tx, itemID int64, period string) (*SharedReading, error) {
	var r SharedReading
	var reading, prev, cons int64
	err := tx.QueryRowContext(ctx, `SELECT id, community_id, fee_item_id, period, reading, previous, consumption, replacement,
		created_at, updated_at FROM shared_readings WHERE fee_item_id = $1 AND period = $2`, itemID, period).Scan(&r.ID,
		&r.CommunityID, &r.FeeItemID, &r.Period, &reading, &prev, &cons, &r.Replacement, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return nil, notFound(err, "总表抄表记录")
	}
	r.Reading, r.Previous, r.Consumption = FormatQuantity(reading), FormatQuantity(prev), FormatQuantity(cons)
	return &r, nil
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
