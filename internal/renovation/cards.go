package renovation

import (
	"context"
	"fmt"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// Cards is renovation's block of the 工作台: applications waiting for a
// decision, works under way, passes running out within a week,
// rectifications past their deadline and deposits waiting to be settled,
// each a count linking to its filtered list.
func (s *Service) Cards(ctx context.Context, u *auth.User) ([]web.Card, error) {
	if !u.Can(auth.PermRenovationRead) {
		return nil, nil
	}
	today := s.today()
	t, _ := time.Parse(dateLayout, today)
	w := Filter{}.where(scope(u), today)
	var waiting, live, expiring, overdue, settle int
	err := s.DB.Q(ctx).QueryRowContext(ctx, fmt.Sprintf(`SELECT
		COALESCE(SUM(CASE WHEN r.status IN ('submitted', 'reviewed') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN r.status IN ('approved', 'in_progress') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN r.status IN ('approved', 'in_progress') AND r.ends_on <= $%d THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM renovation_findings f WHERE f.renovation_id = r.id
			AND f.rectified = FALSE AND f.rectify_by <> '' AND f.rectify_by < $1) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN r.status = 'completed' THEN 1 ELSE 0 END), 0)`+from+w.SQL(), len(w.Args)+1),
		append(w.Args, t.AddDate(0, 0, 7).Format(dateLayout))...).Scan(&waiting, &live, &expiring, &overdue, &settle)
	if err != nil {
		return nil, fmt.Errorf("renovation cards: %w", err)
	}
	return []web.Card{{Title: "装修", Items: []web.CardItem{
		{Label: "待审批", Count: waiting, URL: "/renovations?view=pending"},
		{Label: "在施工程", Count: live, URL: "/renovations?view=active"},
		{Label: "出入证 7 天内到期", Count: expiring, URL: "/renovations?view=expiring", Alert: true},
		{Label: "整改逾期", Count: overdue, URL: "/renovations?view=overdue", Alert: true},
		{Label: "待退押金", Count: settle, URL: "/renovations?status=completed"},
	}}}, nil
}
