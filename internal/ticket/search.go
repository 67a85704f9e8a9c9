package ticket

import (
	"context"
	"fmt"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
)

// Search finds tickets for the header's one box: a ticket number
// ("TS2026-000123", or its last digits "123" after "TS"), within the
// caller's scope, newest first.
func (s *Service) Search(ctx context.Context, by *auth.User, q string) ([]archive.Hit, error) {
	q = strings.ToUpper(strings.TrimSpace(q))
	if !strings.HasPrefix(q, "TS") || len(q) < 3 {
		return nil, nil
	}
	f := Filter{Limit: 10}
	scopeFilter(by, &f)
	c := f.cond(s.Now())
	c.Add("t.number >= ? AND t.number < ?", q, q+"\U0010FFFF")
	rows, err := s.DB.QueryContext(ctx, `SELECT t.id, t.number, t.title, t.status, t.community_id FROM tickets t`+c.SQL()+
		` ORDER BY t.number DESC LIMIT 10`, c.Args...)
	if err != nil {
		return nil, fmt.Errorf("search tickets: %w", err)
	}
	defer rows.Close()
	var out []archive.Hit
	for rows.Next() {
		h := archive.Hit{Kind: "ticket"}
		var status string
		if err := rows.Scan(&h.ID, &h.Title, &h.Subtitle, &status, &h.CommunityID); err != nil {
			return nil, err
		}
		h.Subtitle += " · " + Label(status)
		h.URL = fmt.Sprintf("/tickets/%d", h.ID)
		out = append(out, h)
	}
	return out, rows.Err()
}
