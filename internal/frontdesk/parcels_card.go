package frontdesk

import (
	"context"
	"fmt"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// ParcelCardItems are the parcels' and visitors' counts for the 前台 card
// of the 工作台: parcels waiting, those overdue, visitors on site and
// visitors expected — each linking to its list.
func (s *Service) ParcelCardItems(ctx context.Context, by *auth.User) ([]web.CardItem, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, nil
	}
	var counts [4]int
	for i, f := range []ParcelFilter{{View: "waiting"}, {View: "overdue"}} {
		f.Limit = 1
		_, n, err := s.Parcels(ctx, by, f)
		if err != nil {
			return nil, fmt.Errorf("parcel card: %w", err)
		}
		counts[i] = n
	}
	for i, f := range []VisitorFilter{{View: "onsite"}, {View: "expected"}} {
		f.Limit = 1
		_, n, err := s.Visitors(ctx, by, f)
		if err != nil {
			return nil, fmt.Errorf("visitor card: %w", err)
		}
		counts[2+i] = n
	}
	return []web.CardItem{
		{Label: "快递待取", Count: counts[0], URL: "/desk/parcels?view=waiting"},
		{Label: fmt.Sprintf("快递超 %d 天未取", DefaultOverdueDays), Count: counts[1], URL: "/desk/parcels?view=overdue", Alert: true},
		{Label: "访客在访", Count: counts[2], URL: "/desk/visitors?view=onsite"},
		{Label: "访客预约待到", Count: counts[3], URL: "/desk/visitors?view=expected"},
	}, nil
}
