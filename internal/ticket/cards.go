package ticket

import (
	"context"
	"fmt"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// Cards returns the ticket module's 工作台 cards: what needs the user
// today, each a count linking to its filtered list.
func (s *Service) Cards(ctx context.Context, by *auth.User) ([]web.Card, error) {
	now := s.Now()
	count := func(f Filter) (int, error) {
		scopeFilter(by, &f)
		c := f.cond(now)
		var n int
		err := s.DB.QueryRowContext(ctx, "SELECT count(*) FROM tickets t"+c.SQL(), c.Args...).Scan(&n)
		return n, err
	}
	items := []struct {
		label string
		f     Filter
		url   string
		alert bool
	}{
		{"派给我的待办", Filter{AssigneeID: by.ID, Status: "open"}, "/tickets?mine=assigned&status=open", false},
		{"待派工", Filter{Status: StatusNew}, "/tickets?status=new", false},
		{"已超时", Filter{Overdue: true}, "/tickets?overdue=1", true},
		{"待回访", Filter{Callback: true}, "/tickets/callbacks", false},
		{"我受理的未结", Filter{ReceiverID: by.ID, Status: "open"}, "/tickets?mine=received&status=open", false},
	}
	card := web.Card{Title: "工单"}
	for _, it := range items {
		if it.label == "待回访" && !by.Can(auth.PermTicketCallback) {
			continue
		}
		n, err := count(it.f)
		if err != nil {
			return nil, fmt.Errorf("ticket card %s: %w", it.label, err)
		}
		card.Items = append(card.Items, web.CardItem{Label: it.label, Count: n, URL: it.url, Alert: it.alert})
	}
	return []web.Card{card}, nil
}
