package billing

import (
	"context"
	"fmt"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// Cards returns billing's 工作台 card: the houses owing, the 催缴
// follow-ups due today or earlier, and for whoever takes payments their
// own takings today — each a count linking to its filtered list.
func (s *Service) Cards(ctx context.Context, by *auth.User) ([]web.Card, error) {
	if !by.Can(auth.PermBillingRead) {
		return nil, nil
	}
	card := web.Card{Title: "收费"}
	var c cond
	c.Add("status = 'unpaid'")
	c.Add("deposit = ?", false)
	c.Scope("community_id", Scope(by))
	var owing int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(DISTINCT house_id) FROM bills`+c.SQL(), c.Args...).Scan(&owing); err != nil {
		return nil, fmt.Errorf("billing card owing: %w", err)
	}
	card.Items = append(card.Items, web.CardItem{Label: "欠费户数", Count: owing, URL: "/billing/arrears"})
	if by.Can(auth.PermDunning) {
		today := s.Now().In(shanghai).Format("2006-01-02")
		_, due, err := s.DunningRecords(ctx, by, DunningFilter{Due: today, Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("billing card dunning: %w", err)
		}
		card.Items = append(card.Items, web.CardItem{Label: "催缴待跟进", Count: due, URL: "/billing/dunning", Alert: true})
	}
	if by.Can(auth.PermBillingCharge) {
		today := s.Now().In(shanghai).Format("2006-01-02")
		start := dayStart(today)
		var n int
		var total int64
		if err := s.DB.QueryRowContext(ctx, `SELECT count(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM payments
			WHERE cashier_id = $1 AND status = 'valid' AND method <> $2 AND paid_at >= $3 AND paid_at < $4`,
			by.ID, MethodPrepaid, start, start.Add(24*time.Hour)).Scan(&n, &total); err != nil {
			return nil, fmt.Errorf("billing card takings: %w", err)
		}
		card.Items = append(card.Items, web.CardItem{Label: "我今日收款 " + money.Fen(total).String(), Count: n,
			URL: fmt.Sprintf("/billing/payments?cashier_id=%d&from=%s&to=%s&status=valid", by.ID, today, today)})
	}
	return []web.Card{card}, nil
}
