package ticket

import "context"

// MetricsHelp names the gauges Gauges returns, for /metrics.
var MetricsHelp = map[string]string{
	"wuye_tickets_open":    "Tickets not yet resolved (待派工, 已派工, 处理中), all communities.",
	"wuye_tickets_overdue": "Open tickets past a deadline now or flagged 超时 by escalation.",
}

// Gauges counts the open and overdue tickets of the whole company, for
// the operator's dashboard. Both counts read the partial index of open
// tickets, so a scrape stays cheap at a million tickets.
func (s *Service) Gauges(ctx context.Context) (map[string]float64, error) {
	var open, overdue int64
	err := s.DB.QueryRowContext(ctx, `SELECT
		count(*) FILTER (WHERE status IN ('new','dispatched','in_progress')),
		count(*) FILTER (WHERE overdue OR resolve_due_at < $1 OR (first_response_at IS NULL AND respond_due_at < $1))
		FROM tickets WHERE status IN ('new','dispatched','in_progress')`, s.Now()).Scan(&open, &overdue)
	if err != nil {
		return nil, err
	}
	return map[string]float64{"wuye_tickets_open": float64(open), "wuye_tickets_overdue": float64(overdue)}, nil
}
