package movein

import (
	"context"
	"fmt"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/web"
)

// Cards returns move-in's 工作台 card: the houses of running campaigns
// still waiting for their keys, batches whose newspaper notice is missing
// or late, takeover findings past their deadline and findings waiting
// for re-inspection — each a count linking to its list.
func (s *Service) Cards(ctx context.Context, by *auth.User) ([]web.Card, error) {
	if !by.Can(auth.PermMoveInRead) {
		return nil, nil
	}
	today := s.today()
	count := func(from string, w db.Where) (int, error) {
		w.Scope("x.community_id", archive.Scope(by))
		var n int
		err := s.DB.Q(ctx).QueryRowContext(ctx, "SELECT count(*) FROM "+from+w.SQL(), w.Args...).Scan(&n)
		return n, err
	}
	var w db.Where
	w.Add("x.handed_over_on = ''")
	w.Add("c.starts_on <= ? AND c.ends_on >= ?", today, today)
	waiting, err := count("movein_houses x JOIN movein_campaigns c ON c.id = x.campaign_id", w)
	if err != nil {
		return nil, fmt.Errorf("movein card: %w", err)
	}
	var late int
	rows, err := s.DB.Q(ctx).QueryContext(ctx, `SELECT community_id, starts_on, newspaper_on FROM movein_batches
		WHERE starts_on >= $1`, today)
	if err != nil {
		return nil, fmt.Errorf("movein card batches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid int64
		var first, paper string
		if err := rows.Scan(&cid, &first, &paper); err != nil {
			return nil, err
		}
		if by.Sees(cid) && newspaperWarning(first, paper) != "" {
			late++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	w = db.Where{}
	w.Add("x.status IN (?, ?) AND x.deadline < ?", FindingOpen, FindingFailed, today)
	overdue, err := count("takeover_findings x", w)
	if err != nil {
		return nil, fmt.Errorf("takeover card: %w", err)
	}
	w = db.Where{}
	w.Add("x.status = ?", FindingFixed)
	fixed, err := count("takeover_findings x", w)
	if err != nil {
		return nil, fmt.Errorf("takeover card: %w", err)
	}
	return []web.Card{{Title: "入伙与接管验收", Items: []web.CardItem{
		{Label: "入伙中未交钥匙", Count: waiting, URL: "/movein"},
		{Label: "批次登报不足一周", Count: late, URL: "/movein", Alert: true},
		{Label: "接管问题超期未整改", Count: overdue, URL: "/takeover/findings?overdue=1", Alert: true},
		{Label: "接管问题待复验", Count: fixed, URL: "/takeover/findings?status=fixed"},
	}}}, nil
}
