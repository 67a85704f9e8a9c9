package frontdesk

import (
	"context"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// Cards is the 前台 card of the 工作台: each area's counts (parcels and
// visitors, keys and custody, notices and shifts) for what the user may
// see.
func (s *Service) Cards(ctx context.Context, by *auth.User) ([]web.Card, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, nil
	}
	card := web.Card{Title: "前台"}
	for _, items := range []func(context.Context, *auth.User) ([]web.CardItem, error){
		s.ParcelCardItems, s.KeyCardItems, s.NoticeCardItems,
	} {
		it, err := items(ctx, by)
		if err != nil {
			return nil, err
		}
		card.Items = append(card.Items, it...)
	}
	return []web.Card{card}, nil
}
