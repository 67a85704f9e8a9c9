package archive

import (
	"context"
	"fmt"
	"net/url"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// Cards returns the archive's workbench cards: totals in the user's scope
// and houses by status.
func (s *Service) Cards(ctx context.Context, by *auth.User) ([]web.Card, error) {
	scope := Scope(by)
	total := func(table, alias string, extra string) (int, error) {
		c := &cond{}
		c.Scope(alias+".community_id", scope)
		if extra != "" {
			c.Add(extra)
		}
		return count(ctx, s.DB, table+" "+alias, c)
	}
	archiveCard := web.Card{Title: "业主档案"}
	for _, x := range []struct{ label, table, alias, extra, url string }{
		{"房屋", "houses", "h", "", "/houses"},
		{"业主", "owners", "o", "", "/owners"},
		{"在住住户", "residents", "r", "NOT r.moved_out", "/residents"},
		{"登记车辆", "vehicles", "v", "NOT v.removed", "/vehicles"},
	} {
		n, err := total(x.table, x.alias, x.extra)
		if err != nil {
			return nil, fmt.Errorf("card %s: %w", x.label, err)
		}
		archiveCard.Items = append(archiveCard.Items, web.CardItem{Label: x.label, Count: n, URL: x.url})
	}
	statusCard := web.Card{Title: "房屋状态"}
	c := &cond{}
	c.Scope("h.community_id", scope)
	rows, err := s.DB.QueryContext(ctx, `SELECT h.status, count(*) FROM houses h`+c.SQL()+` GROUP BY h.status`, c.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byStatus := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		byStatus[st] = n
	}
	for _, st := range HouseStatuses {
		statusCard.Items = append(statusCard.Items, web.CardItem{Label: st, Count: byStatus[st], URL: "/houses?status=" + url.QueryEscape(st)})
	}
	// Tenants whose lease ends within 30 days: the 客服 calls them.
	leaseCard := web.Card{Title: "租约提醒"}
	lc := &cond{}
	lc.Scope("r.community_id", scope)
	lc.Add("r.kind = '租户' AND NOT r.moved_out AND r.lease_end <> '' AND r.lease_end <= ?", addDays(30))
	n, err := count(ctx, s.DB, "residents r", lc)
	if err != nil {
		return nil, err
	}
	leaseCard.Items = append(leaseCard.Items, web.CardItem{Label: "30 天内租约到期", Count: n, URL: "/residents?kind=" + url.QueryEscape("租户") + "&lease=expiring"})
	return []web.Card{archiveCard, statusCard, leaseCard}, rows.Err()
}
