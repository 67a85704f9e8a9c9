package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// line is one bill a run would create, with its item's 滞纳金 rule.
type line struct {
	house, item, qty, price, amount int64
	lateRate, lateCap               int64
	lateGrace                       int
}

type pair struct{ house, item int64 }

// plan computes the lines of a community's run for period, as of the
// state q sees: one line per house × item (area, fixed, metered) that
// applies to the house, has a price for the period, is not exempt and
// not billed yet. Metered lines need the period's reading; lines of
// zero are not issued.
func plan(ctx context.Context, q db.Querier, communityID int64, period string) (*BillRun, []line, error) {
	var c cond
	c.Add("community_id = ?", communityID)
	c.Add("active = ?", true)
	c.Add("kind IN ('area','fixed','metered')")
	items, err := listItems(ctx, q, &c)
	if err != nil {
		return nil, nil, err
	}
	run := &BillRun{CommunityID: communityID, Period: period, Items: []RunItem{}}
	if len(items) == 0 {
		return run, nil, nil
	}
	type houseRow struct {
		id, building, gross int64
		use                 string
	}
	var houses []houseRow
	rows, err := q.QueryContext(ctx, `SELECT id, building_id, gross_area, house_use FROM houses WHERE community_id = $1 ORDER BY id`, communityID)
	if err != nil {
		return nil, nil, fmt.Errorf("run houses: %w", err)
	}
	for rows.Next() {
		var h houseRow
		if err := rows.Scan(&h.id, &h.building, &h.gross, &h.use); err != nil {
			rows.Close()
			return nil, nil, err
		}
		houses = append(houses, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	exempt := map[pair]bool{} // item 0 = every item
	if err := eachRow(ctx, q, `SELECT house_id, COALESCE(fee_item_id, 0) FROM fee_exemptions
		WHERE community_id = $1 AND voided = FALSE AND from_period <= $2 AND to_period >= $2`, []any{communityID, period},
		func(a, b int64) { exempt[pair{a, b}] = true }); err != nil {
		return nil, nil, err
	}
	billed := map[pair]bool{}
	if err := eachRow(ctx, q, `SELECT house_id, fee_item_id FROM bills WHERE community_id = $1 AND period = $2 AND status <> 'void'`,
		[]any{communityID, period}, func(a, b int64) { billed[pair{a, b}] = true }); err != nil {
		return nil, nil, err
	}
	readings := map[pair]int64{}
	rows, err = q.QueryContext(ctx, `SELECT house_id, fee_item_id, consumption FROM meter_readings WHERE community_id = $1 AND period = $2`,
		communityID, period)
	if err != nil {
		return nil, nil, fmt.Errorf("run readings: %w", err)
	}
	for rows.Next() {
		var k pair
		var v int64
		if err := rows.Scan(&k.house, &k.item, &v); err != nil {
			rows.Close()
			return nil, nil, err
		}
		readings[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	shared := map[int64]int64{} // 公摊: the community meter's consumption per item
	if err := eachRow(ctx, q, `SELECT fee_item_id, consumption FROM shared_readings WHERE community_id = $1 AND period = $2`,
		[]any{communityID, period}, func(a, b int64) { shared[a] = b }); err != nil {
		return nil, nil, err
	}

	var lines []line
	for _, it := range items {
		price, ok := it.PriceAt(period)
		if !ok {
			continue
		}
		ri := RunItem{FeeItemID: it.ID, Name: it.Name}
		// A shared item's charge (consumption × price, half-up) is split
		// over all the houses it applies to by gross area, exempt and
		// already billed ones included, so every run gives a house the
		// same share and an exempt house's share is not passed on.
		var shareQty, shareFen map[int64]int64
		if it.Kind == KindMetered && it.Shared {
			if cons, ok := shared[it.ID]; ok {
				var ids, areas []int64
				for _, h := range houses {
					if it.AppliesTo.matches(h.id, h.building, h.use) {
						ids, areas = append(ids, h.id), append(areas, h.gross)
					}
				}
				total, err := LineAmount(cons, price)
				if err != nil {
					return nil, nil, errs.Invalid("period", "%s 的金额超出范围", it.Name)
				}
				qs, fs := SplitByWeight(cons, areas), SplitByWeight(total, areas)
				shareQty, shareFen = make(map[int64]int64, len(ids)), make(map[int64]int64, len(ids))
				for i, id := range ids {
					shareQty[id], shareFen[id] = qs[i], fs[i]
				}
			}
		}
		for _, h := range houses {
			if !it.AppliesTo.matches(h.id, h.building, h.use) {
				continue
			}
			k := pair{h.id, it.ID}
			if exempt[k] || exempt[pair{h.id, 0}] {
				run.Exempt++
				continue
			}
			if billed[k] {
				run.Skipped++
				continue
			}
			var qty int64
			switch it.Kind {
			case KindArea:
				qty = h.gross
			case KindFixed:
				qty = 100
			case KindMetered:
				v, ok := readings[k]
				if it.Shared {
					v, ok = shareQty[h.id]
				}
				if !ok {
					run.Missing++
					continue
				}
				qty = v
			}
			amount, err := LineAmount(qty, price)
			if err != nil {
				return nil, nil, errs.Invalid("period", "%s 的金额超出范围", it.Name)
			}
			if it.Kind == KindMetered && it.Shared {
				amount = shareFen[h.id] // the split of the total, so the lines add up to it
			}
			if amount == 0 {
				continue
			}
			lines = append(lines, line{house: h.id, item: it.ID, qty: qty, price: price, amount: amount,
				lateRate: it.lateRate, lateCap: it.lateCap, lateGrace: it.LateFeeGraceDays})
			ri.Lines++
			ri.TotalFen += amount
		}
		run.Created += ri.Lines
		run.TotalFen += ri.TotalFen
		run.Items = append(run.Items, ri)
	}
	return run, lines, nil
}

func eachRow(ctx context.Context, q db.Querier, query string, args []any, fn func(a, b int64)) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}

// check validates a run of the community and month as of now: a month
// can be billed at most one month ahead (December from November on).
func (in *RunInput) check(by *auth.User, now time.Time) error {
	if err := can(by, auth.PermBillingAdmin, "出账"); err != nil {
		return err
	}
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	var ok bool
	n := now.In(shanghai)
	latest := time.Date(n.Year(), n.Month()+1, 1, 12, 0, 0, 0, shanghai).Format("2006-01")
	if in.Period, ok = normPeriod(in.Period); !ok {
		f.Add("period", "月份格式应为 2026-11")
	} else if in.Period > latest {
		f.Add("period", "只能为本月或下月出账：%s 晚于 %s", in.Period, latest)
	}
	if err := f.Err(); err != nil {
		return err
	}
	return see(by, in.CommunityID)
}

// PreviewRun shows what Run would create, without writing anything.
func (s *Service) PreviewRun(ctx context.Context, by *auth.User, in RunInput) (*BillRun, error) {
	if err := in.check(by, s.Now()); err != nil {
		return nil, err
	}
	if err := communityExists(ctx, s.DB, in.CommunityID); err != nil {
		return nil, err
	}
	run, _, err := plan(ctx, s.DB, in.CommunityID, in.Period)
	if err == nil {
		run.Status = "preview"
	}
	return run, err
}

// Run issues the bills of a community and month in one transaction: all
// of them or, if anything fails, none. Rerunning creates only what is
// missing (the natural key house × item × period), so a second call
// creates 0. Prepaid balances are then drawn down on the houses' unpaid
// bills, oldest first, each paid in full, as payments of method prepaid.
// Each bill carries its item's 滞纳金 rule as of now. A rerun that
// creates no bill and draws nothing records no run: it answers with the
// month's latest run and what it found (status "unchanged"); the
// month's first run is recorded even when it issues nothing.
func (s *Service) Run(ctx context.Context, by *auth.User, in RunInput) (*BillRun, error) {
	if err := in.check(by, s.Now()); err != nil {
		return nil, err
	}
	var run *BillRun
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := communityExists(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		if err := lockCommunity(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		planned, lines, err := plan(ctx, tx, in.CommunityID, in.Period)
		if err != nil {
			return err
		}
		now := s.Now()
		var draws []*draw
		if len(lines) == 0 { // a rerun is recorded only if it draws down a balance
			if draws, err = prepaidDraws(ctx, tx, in.CommunityID); err != nil {
				return err
			}
			if len(draws) == 0 {
				last, err := scanRun(tx.QueryRowContext(ctx, `SELECT `+runCols+` FROM bill_runs WHERE community_id = $1
					AND period = $2 AND status = 'done' ORDER BY id DESC LIMIT 1`, in.CommunityID, in.Period))
				if err == nil {
					run = unchanged(planned, last)
					return nil
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO bill_runs (community_id, period, status, created, skipped, exempt, missing,
			total_fen, created_by, created_name, created_at, updated_at) VALUES ($1,$2,'done',$3,$4,$5,$6,$7,$8,$9,$10,$10)
			RETURNING id`, in.CommunityID, in.Period, planned.Created, planned.Skipped, planned.Exempt, planned.Missing,
			planned.TotalFen, by.ID, by.Name, now).Scan(&id); err != nil {
			return fmt.Errorf("insert bill run: %w", err)
		}
		if err := s.insertLines(ctx, tx, in.CommunityID, id, in.Period, lines, now); err != nil {
			return err
		}
		if len(lines) > 0 {
			if draws, err = prepaidDraws(ctx, tx, in.CommunityID); err != nil {
				return err
			}
		}
		drawn, err := s.drawPrepaid(ctx, tx, by, in.CommunityID, id, draws, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bill_runs SET prepaid_fen = $1 WHERE id = $2`, drawn, id); err != nil {
			return err
		}
		if run, err = getRun(ctx, tx, id); err != nil {
			return err
		}
		run.Items = planned.Items
		return record(ctx, tx, by, in.CommunityID, "bill_run", id, audit.ActionCreate, nil, run)
	})
	return run, err
}

// insertLines writes the lines in multi-row INSERTs. Every value but the
// timestamp is an integer or the checked period, so they are inlined.
func (s *Service) insertLines(ctx context.Context, tx *sql.Tx, communityID, runID int64, period string, lines []line, now time.Time) error {
	batch := max(s.batch, 1)
	var b strings.Builder
	for start := 0; start < len(lines); start += batch {
		end := min(start+batch, len(lines))
		b.Reset()
		b.WriteString(`INSERT INTO bills (community_id, house_id, fee_item_id, run_id, period, quantity, unit_price, amount_fen,
			deposit, status, created_at, updated_at, late_fee_rate, late_fee_grace_days, late_fee_cap) VALUES `)
		for i, l := range lines[start:end] {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,%d,%d,%d,'%s',%d,%d,%d,FALSE,'unpaid',$1,$1,%d,%d,%d)",
				communityID, l.house, l.item, runID, period, l.qty, l.price, l.amount, l.lateRate, l.lateGrace, l.lateCap)
		}
		if _, err := tx.ExecContext(ctx, b.String(), now); err != nil {
			if db.IsUniqueViolation(err) {
				return errs.Conflict("period", "%s 的账单正在被另一次出账生成，请稍后重试", period)
			}
			return fmt.Errorf("insert bills: %w", err)
		}
		if s.afterBatch != nil {
			if err := s.afterBatch(end); err != nil {
				return err
			}
		}
	}
	return nil
}

// draw is what a run takes from one house's prepaid balance: its unpaid
// bills, oldest first, while the balance covers each in full.
type draw struct {
	house, left int64
	lines       []Line
	sum         int64
	full        bool
}

// prepaidDraws plans the draw-downs of the community's houses with a
// prepaid balance on their unpaid bills (deposits aside), oldest first,
// each bill in full while the balance covers it; houses with nothing to
// draw are left out.
func prepaidDraws(ctx context.Context, tx *sql.Tx, communityID int64) ([]*draw, error) {
	rows, err := tx.QueryContext(ctx, `SELECT b.house_id, p.balance_fen, b.id, b.fee_item_id, b.period, b.amount_fen
		FROM bills b JOIN prepaid_balances p ON p.house_id = b.house_id
		WHERE p.community_id = $1 AND p.balance_fen > 0 AND b.status = 'unpaid' AND b.deposit = FALSE
		ORDER BY b.house_id, b.period, b.fee_item_id, b.id`, communityID)
	if err != nil {
		return nil, fmt.Errorf("prepaid bills: %w", err)
	}
	defer rows.Close()
	var draws []*draw
	for rows.Next() {
		var house, bal int64
		var l Line
		if err := rows.Scan(&house, &bal, &l.BillID, &l.FeeItemID, &l.Period, &l.AmountFen); err != nil {
			return nil, err
		}
		if len(draws) == 0 || draws[len(draws)-1].house != house {
			draws = append(draws, &draw{house: house, left: bal})
		}
		d := draws[len(draws)-1]
		if d.full || l.AmountFen > d.left {
			d.full = true // oldest first: never skip an older bill for a newer one
			continue
		}
		d.lines = append(d.lines, l)
		d.sum += l.AmountFen
		d.left -= l.AmountFen
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(draws, func(d *draw) bool { return d.sum == 0 }), nil
}

// drawPrepaid makes the draw-downs of run runID: one payment of method
// prepaid per house, each audited, and returns their total.
func (s *Service) drawPrepaid(ctx context.Context, tx *sql.Tx, by *auth.User, communityID, runID int64, draws []*draw, now time.Time) (int64, error) {
	var total int64
	for _, d := range draws {
		id, err := insertPayment(ctx, tx, payRow{community: communityID, house: d.house, method: MethodPrepaid,
			amount: d.sum, bills: d.sum, run: &runID, by: by, at: now, note: "出账时自动抵扣预存款"})
		if err != nil {
			return 0, err
		}
		if err := settle(ctx, tx, communityID, id, d.lines, now); err != nil {
			return 0, err
		}
		ok, err := addPrepaid(ctx, tx, communityID, d.house, id, -d.sum, "draw", now)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("prepaid balance of house %d went negative", d.house)
		}
		p, err := getPayment(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		if err := record(ctx, tx, by, communityID, "payment", id, audit.ActionCreate, nil, p); err != nil {
			return 0, err
		}
		total += d.sum
	}
	return total, nil
}

// unchanged answers a rerun that created and drew nothing: the month's
// latest run last, with the counts of this call.
func unchanged(planned, last *BillRun) *BillRun {
	run := *planned
	run.Status = "unchanged"
	run.ID, run.CreatedBy, run.CreatedName, run.CreatedAt, run.UpdatedAt = last.ID, last.CreatedBy, last.CreatedName,
		last.CreatedAt, last.UpdatedAt
	return &run
}

const runCols = `id, community_id, period, status, created, skipped, exempt, missing, total_fen, prepaid_fen,
	created_by, created_name, void_reason, created_at, updated_at`

func scanRun(s scanner) (*BillRun, error) {
	var r BillRun
	err := s.Scan(&r.ID, &r.CommunityID, &r.Period, &r.Status, &r.Created, &r.Skipped, &r.Exempt, &r.Missing,
		&r.TotalFen, &r.PrepaidFen, &r.CreatedBy, &r.CreatedName, &r.VoidReason, &r.CreatedAt, &r.UpdatedAt)
	return &r, err
}

func getRun(ctx context.Context, q db.Querier, id int64) (*BillRun, error) {
	r, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runCols+` FROM bill_runs WHERE id = $1`, id))
	return r, notFound(err, "出账记录")
}

// BillRun returns one run with its per-item totals.
func (s *Service) BillRun(ctx context.Context, by *auth.User, id int64) (*BillRun, error) {
	if err := canRead(by); err != nil {
		return nil, err
	}
	r, err := getRun(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if err := see(by, r.CommunityID); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT b.fee_item_id, f.name, count(*), CAST(COALESCE(SUM(b.amount_fen), 0) AS BIGINT)
		FROM bills b JOIN fee_items f ON f.id = b.fee_item_id WHERE b.run_id = $1 GROUP BY b.fee_item_id, f.name
		ORDER BY b.fee_item_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	r.Items = []RunItem{}
	for rows.Next() {
		var ri RunItem
		if err := rows.Scan(&ri.FeeItemID, &ri.Name, &ri.Lines, &ri.TotalFen); err != nil {
			return nil, err
		}
		r.Items = append(r.Items, ri)
	}
	return r, rows.Err()
}

// BillRuns lists the runs of a community (0 = all in scope), newest first.
func (s *Service) BillRuns(ctx context.Context, by *auth.User, communityID int64, limit, offset int) ([]*BillRun, int, error) {
	if err := canRead(by); err != nil {
		return nil, 0, err
	}
	var c cond
	if communityID > 0 {
		if err := see(by, communityID); err != nil {
			return nil, 0, err
		}
		c.Add("community_id = ?", communityID)
	}
	c.Scope("community_id", Scope(by))
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM bill_runs`+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+runCols+` FROM bill_runs`+c.SQL()+` ORDER BY id DESC`+c.Page(limit, offset), c.Args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*BillRun{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// VoidRun voids a whole run while none of its bills is paid (its own
// prepaid draw-downs are reversed first). The month can then be run
// again.
func (s *Service) VoidRun(ctx context.Context, by *auth.User, id int64, reason string) (*BillRun, error) {
	if err := can(by, auth.PermBillingAdmin, "作废出账"); err != nil {
		return nil, err
	}
	var run *BillRun
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		if reason = strings.TrimSpace(reason); reason == "" {
			return errs.Invalid("reason", "请填写作废原因")
		}
		if before.Status != RunDone {
			return errs.Conflict("", "该次出账已作废")
		}
		if err := lockCommunity(ctx, tx, before.CommunityID); err != nil {
			return err
		}
		var paid int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bills b JOIN payments p ON p.id = b.payment_id
			WHERE b.run_id = $1 AND b.status = 'paid' AND NOT (p.method = 'prepaid' AND p.run_id = $1)`, id).Scan(&paid); err != nil {
			return err
		}
		if paid > 0 {
			return errs.Conflict("", "该次出账已有 %d 笔账单缴费，不能整体作废；请先作废相应收据", paid)
		}
		var c cond
		c.Add("p.run_id = ?", id)
		c.Add("p.status = ?", PaymentValid)
		draws, _, err := listPayments(ctx, tx, &c, 1_000_000, 0)
		if err != nil {
			return err
		}
		for _, p := range draws {
			if _, err := s.voidPayment(ctx, tx, by, p, "出账作废："+reason); err != nil {
				return err
			}
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE bills SET status = 'void', updated_at = $1 WHERE run_id = $2 AND status = 'unpaid'`,
			now, id); err != nil {
			return fmt.Errorf("void bills: %w", err)
		}
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bills WHERE run_id = $1 AND status <> 'void'`, id).Scan(&left); err != nil {
			return err
		}
		if left > 0 {
			return errs.Conflict("", "该次出账的账单刚被缴费，不能作废")
		}
		res, err := tx.ExecContext(ctx, `UPDATE bill_runs SET status = 'void', void_reason = $1, updated_at = $2
			WHERE id = $3 AND status = 'done'`, reason, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.Conflict("", "该次出账已作废")
		}
		if run, err = getRun(ctx, tx, id); err != nil {
			return err
		}
		return record(ctx, tx, by, run.CommunityID, "bill_run", id, audit.ActionVoid, before, run)
	})
	return run, err
}
