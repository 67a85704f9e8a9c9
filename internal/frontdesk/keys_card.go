package frontdesk

import (
	"context"
	"fmt"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/web"
)

// KeyCardItems are the key cabinet's and custody's counts for the 前台
// card of the 工作台: keys out, keys past their return time, items
// waiting to be collected — each linking to its filtered list.
func (s *Service) KeyCardItems(ctx context.Context, by *auth.User) ([]web.CardItem, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, nil
	}
	count := func(table, cond string, args ...any) (int, error) {
		var w db.Where
		w.Add(cond, args...)
		w.Scope("community_id", deskScope(by))
		var n int
		err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM `+table+w.SQL(), w.Args...).Scan(&n)
		return n, err
	}
	out, err := count("desk_keys", "status = ?", KeyOut)
	if err != nil {
		return nil, fmt.Errorf("key card: %w", err)
	}
	overdue, err := count("desk_key_loans", "returned_at IS NULL AND expected_return < ?", s.now())
	if err != nil {
		return nil, fmt.Errorf("key card: %w", err)
	}
	held, err := count("desk_custody", "status = ?", CustodyHeld)
	if err != nil {
		return nil, fmt.Errorf("custody card: %w", err)
	}
	return []web.CardItem{
		{Label: "钥匙借出中", Count: out, URL: "/desk/keys?status=out"},
		{Label: "钥匙逾期未还", Count: overdue, URL: "/desk/keys?status=overdue", Alert: true},
		{Label: "寄存物品待领取", Count: held, URL: "/desk/custody?status=held"},
	}, nil
}
