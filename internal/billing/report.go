package billing

import (
	"context"
	"fmt"
	"slices"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// rate is num ÷ den, nil when there is nothing to divide by: "no data"
// is neither 0% nor 100%.
func rate(num, den int64) *float64 {
	if den <= 0 {
		return nil
	}
	v := float64(num) / float64(den)
	return &v
}

// Percent renders a rate as "92.3%" (truncated to 0.1%) or "—".
func Percent(num, den int64) string {
	if den <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(num*1000/den)/10)
}

// now is the exclusive bound "as of now": just after the current instant
// (times are kept to the microsecond), so what happened now counts.
func (s *Service) now() time.Time { return s.Now().Add(time.Microsecond) }

func (s *Service) reportScope(by *auth.User, communityID int64) error {
	if err := can(by, auth.PermBillingRead, "查看收费报表"); err != nil {
		return err
	}
	if communityID <= 0 {
		return errs.Invalid("community_id", "请选择小区")
	}
	return see(by, communityID)
}

// ItemRate is one fee item's share of a collection rate.
type ItemRate struct {
	FeeItemID int64    `json:"fee_item_id"`
	Name      string   `json:"name"`
	BilledFen int64    `json:"billed_fen"`
	PaidFen   int64    `json:"paid_fen"`
	Rate      *float64 `json:"rate"`
}

// CollectionRate is the 收缴率 of a month's bills as of a moment.
type CollectionRate struct {
	CommunityID int64      `json:"community_id"`
	Period      string     `json:"period"`
	AsOf        time.Time  `json:"as_of"`
	BilledFen   int64      `json:"billed_fen"`
	PaidFen     int64      `json:"paid_fen"`
	Rate        *float64   `json:"rate"`
	Items       []ItemRate `json:"items"`
}

// CollectionRate is paid ÷ billed for the bills of period (deposits
// aside): billed counts the bills issued before asOf, paid the part of
// them settled by payments made before asOf and not voided by then. A
// 滞纳金 collected with a bill is neither: it is not billed, so only the
// payment lines of kind bill count.
func (s *Service) CollectionRate(ctx context.Context, by *auth.User, communityID int64, period string, asOf time.Time) (*CollectionRate, error) {
	if err := s.reportScope(by, communityID); err != nil {
		return nil, err
	}
	p, ok := normPeriod(period)
	if !ok {
		return nil, errs.Invalid("period", "月份格式应为 2026-11")
	}
	if asOf.IsZero() {
		asOf = s.now()
	}
	asOf = asOf.UTC()
	cr := &CollectionRate{CommunityID: communityID, Period: p, AsOf: asOf, Items: []ItemRate{}}
	rows, err := s.DB.QueryContext(ctx, `SELECT f.id, f.name, CAST(COALESCE(SUM(b.amount_fen), 0) AS BIGINT),
		CAST(COALESCE(SUM((SELECT SUM(pl.amount_fen) FROM payment_lines pl JOIN payments p ON p.id = pl.payment_id
			WHERE pl.bill_id = b.id AND pl.kind = 'bill' AND p.paid_at < $3 AND (p.status = 'valid' OR p.voided_at >= $3))), 0) AS BIGINT)
		FROM bills b JOIN fee_items f ON f.id = b.fee_item_id
		WHERE b.community_id = $1 AND b.period = $2 AND b.status <> 'void' AND b.deposit = FALSE AND b.created_at < $3
		GROUP BY f.id, f.name ORDER BY f.id`, communityID, p, asOf)
	if err != nil {
		return nil, fmt.Errorf("collection rate: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it ItemRate
		if err := rows.Scan(&it.FeeItemID, &it.Name, &it.BilledFen, &it.PaidFen); err != nil {
			return nil, err
		}
		it.Rate = rate(it.PaidFen, it.BilledFen)
		cr.Items = append(cr.Items, it)
		cr.BilledFen += it.BilledFen
		cr.PaidFen += it.PaidFen
	}
	cr.Rate = rate(cr.PaidFen, cr.BilledFen)
	return cr, rows.Err()
}

// ClearanceRate is the 清欠率 from a period on.
type ClearanceRate struct {
	CommunityID  int64     `json:"community_id"`
	From         string    `json:"from"`
	AsOf         time.Time `json:"as_of"`
	ArrearsFen   int64     `json:"arrears_fen"`   // owed at the start of From for earlier periods
	CollectedFen int64     `json:"collected_fen"` // of that, paid since
	Rate         *float64  `json:"rate"`
}

// ClearanceRate is past arrears collected ÷ past arrears at the start of
// period from: the bills of earlier periods unpaid at that moment, and
// the part of them paid between then and asOf (and not voided by then).
// Like 收缴率, it is about bills: 滞纳金 collected does not count.
func (s *Service) ClearanceRate(ctx context.Context, by *auth.User, communityID int64, from string, asOf time.Time) (*ClearanceRate, error) {
	if err := s.reportScope(by, communityID); err != nil {
		return nil, err
	}
	p, ok := normPeriod(from)
	if !ok {
		return nil, errs.Invalid("from", "起始月份格式应为 2026-01")
	}
	start, _ := periodStart(p)
	start = start.UTC()
	if asOf.IsZero() {
		asOf = s.now()
	}
	asOf = asOf.UTC()
	cr := &ClearanceRate{CommunityID: communityID, From: p, AsOf: asOf}
	err := s.DB.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(b.amount_fen), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM payment_lines pl JOIN payments p ON p.id = pl.payment_id
			WHERE pl.bill_id = b.id AND pl.kind = 'bill' AND p.paid_at >= $3 AND p.paid_at < $4 AND (p.status = 'valid' OR p.voided_at >= $4))
			THEN b.amount_fen ELSE 0 END), 0) AS BIGINT)
		FROM bills b WHERE b.community_id = $1 AND b.period < $2 AND b.status <> 'void' AND b.deposit = FALSE AND b.created_at < $3
		AND NOT EXISTS (SELECT 1 FROM payment_lines pl JOIN payments p ON p.id = pl.payment_id
			WHERE pl.bill_id = b.id AND pl.kind = 'bill' AND p.paid_at < $3 AND (p.status = 'valid' OR p.voided_at >= $3))`,
		communityID, p, start, asOf).Scan(&cr.ArrearsFen, &cr.CollectedFen)
	if err != nil {
		return nil, fmt.Errorf("clearance rate: %w", err)
	}
	cr.Rate = rate(cr.CollectedFen, cr.ArrearsFen)
	return cr, nil
}

// MethodTotal is the takings of one payment method: the receipts
// counted and, apart, the refunds (receipts of earlier days voided);
// AmountFen is what is left of it, received − refunded.
type MethodTotal struct {
	Method      string `json:"method"`
	Label       string `json:"label"`
	Count       int    `json:"count"`
	AmountFen   int64  `json:"amount_fen"`
	RefundCount int    `json:"refund_count"`
	RefundFen   int64  `json:"refund_fen"`
}

// CashierDay is one user's day at the till. Payments are the receipts
// they took that day which were valid at its end, counted even if voided
// later (that void is a refund of the day it happens); Voided are their
// receipts of the day voided the same day (listed, not counted); Refunds
// are receipts of earlier days they voided that day, money given back.
// TotalFen is what the till must hold: ReceivedFen − RefundFen;
// LateFeeFen is the part of it that is 滞纳金.
type CashierDay struct {
	CashierID   int64         `json:"cashier_id"`
	CashierName string        `json:"cashier_name"`
	Count       int           `json:"count"`
	ReceivedFen int64         `json:"received_fen"`
	RefundCount int           `json:"refund_count"`
	RefundFen   int64         `json:"refund_fen"`
	TotalFen    int64         `json:"total_fen"`
	LateFeeFen  int64         `json:"late_fee_fen"`
	ByMethod    []MethodTotal `json:"by_method"`
	VoidedCount int           `json:"voided_count"`
	VoidedFen   int64         `json:"voided_fen"`
	Payments    []*Payment    `json:"payments"`
	Voided      []*Payment    `json:"voided"`
	Refunds     []*Payment    `json:"refunds"`
}

// CashReport is the 日报 of a community's day, per user, to reconcile the
// till. A closed day never changes: a receipt counts on the day it was
// taken if it was still valid at the day's end, and voiding it on a later
// day is a refund of that later day, under the user who voided it.
// Prepaid draw-downs are not money received and are left out. 滞纳金
// collected is money received: in the totals, and apart in LateFeeFen.
type CashReport struct {
	CommunityID int64         `json:"community_id"`
	Day         string        `json:"day"`
	Count       int           `json:"count"`
	ReceivedFen int64         `json:"received_fen"`
	RefundCount int           `json:"refund_count"`
	RefundFen   int64         `json:"refund_fen"`
	TotalFen    int64         `json:"total_fen"`
	LateFeeFen  int64         `json:"late_fee_fen"`
	ByMethod    []MethodTotal `json:"by_method"`
	Cashiers    []*CashierDay `json:"cashiers"`
}

// addMethod adds a receipt (refund false) or a refund of amount to ms.
func addMethod(ms []MethodTotal, method string, amount int64, refund bool) []MethodTotal {
	i := slices.IndexFunc(ms, func(m MethodTotal) bool { return m.Method == method })
	if i < 0 {
		ms = append(ms, MethodTotal{Method: method, Label: Label(method)})
		slices.SortFunc(ms, func(a, b MethodTotal) int { return slices.Index(Methods, a.Method) - slices.Index(Methods, b.Method) })
		i = slices.IndexFunc(ms, func(m MethodTotal) bool { return m.Method == method })
	}
	if refund {
		ms[i].RefundCount++
		ms[i].RefundFen += amount
		ms[i].AmountFen -= amount
	} else {
		ms[i].Count++
		ms[i].AmountFen += amount
	}
	return ms
}

// add counts a receipt valid at the day's end, or a refund, into the
// report and the user's day.
func (rep *CashReport) add(cd *CashierDay, p *Payment, refund bool) {
	sign := int64(1)
	if refund {
		sign = -1
		cd.Refunds = append(cd.Refunds, p)
		cd.RefundCount++
		cd.RefundFen += p.AmountFen
		rep.RefundCount++
		rep.RefundFen += p.AmountFen
	} else {
		cd.Payments = append(cd.Payments, p)
		cd.Count++
		cd.ReceivedFen += p.AmountFen
		rep.Count++
		rep.ReceivedFen += p.AmountFen
	}
	cd.TotalFen += sign * p.AmountFen
	cd.LateFeeFen += sign * p.LateFeeFen
	cd.ByMethod = addMethod(cd.ByMethod, p.Method, p.AmountFen, refund)
	rep.TotalFen += sign * p.AmountFen
	rep.LateFeeFen += sign * p.LateFeeFen
	rep.ByMethod = addMethod(rep.ByMethod, p.Method, p.AmountFen, refund)
}

// CashReport gathers the day's receipts and refunds (YYYY-MM-DD, Asia/
// Shanghai) of a community by user; userID > 0 keeps one user's (the
// receipts they took, the refunds they made).
func (s *Service) CashReport(ctx context.Context, by *auth.User, communityID int64, day string, userID int64) (*CashReport, error) {
	if err := s.reportScope(by, communityID); err != nil {
		return nil, err
	}
	d, ok := normDay(day)
	if !ok {
		return nil, errs.Invalid("date", "日期格式应为 2026-11-27")
	}
	start := dayStart(d)
	end := start.Add(24 * time.Hour)
	var c cond
	c.Add("p.community_id = ?", communityID)
	c.Add("p.paid_at >= ? AND p.paid_at < ?", start, end)
	c.Add("p.method <> ?", MethodPrepaid)
	if userID > 0 {
		c.Add("p.cashier_id = ?", userID)
	}
	taken, _, err := listPayments(ctx, s.DB, &c, 100_000, 0)
	if err != nil {
		return nil, err
	}
	var v cond
	v.Add("p.community_id = ?", communityID)
	v.Add("p.voided_at >= ? AND p.voided_at < ?", start, end)
	v.Add("p.paid_at < ?", start)
	v.Add("p.method <> ?", MethodPrepaid)
	if userID > 0 {
		v.Add("p.voided_by = ?", userID)
	}
	refunds, _, err := listPayments(ctx, s.DB, &v, 100_000, 0)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(refunds, func(a, b *Payment) int { return a.VoidedAt.Compare(*b.VoidedAt) })
	rep := &CashReport{CommunityID: communityID, Day: d, ByMethod: []MethodTotal{}, Cashiers: []*CashierDay{}}
	byUser := map[int64]*CashierDay{}
	dayOf := func(id int64, name string) *CashierDay {
		cd := byUser[id]
		if cd == nil {
			cd = &CashierDay{CashierID: id, CashierName: name, ByMethod: []MethodTotal{}, Payments: []*Payment{},
				Voided: []*Payment{}, Refunds: []*Payment{}}
			byUser[id] = cd
			rep.Cashiers = append(rep.Cashiers, cd)
		}
		return cd
	}
	for i := len(taken) - 1; i >= 0; i-- { // oldest first
		p := taken[i]
		cd := dayOf(p.CashierID, p.CashierName)
		if p.Status != PaymentValid && p.VoidedAt != nil && p.VoidedAt.Before(end) {
			cd.Voided = append(cd.Voided, p)
			cd.VoidedCount++
			cd.VoidedFen += p.AmountFen
			continue
		}
		rep.add(cd, p, false)
	}
	for _, p := range refunds {
		rep.add(dayOf(p.VoidedBy, p.VoidedName), p, true)
	}
	return rep, nil
}
