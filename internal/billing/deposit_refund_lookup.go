package billing

import (
	"context"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// Look-ups for a module that charges one-off items of its own (装修:
// the deposit and the 垃圾清运费) inside its own transaction: they read
// through the transaction the context carries (db.WithTx), so they see
// what that transaction wrote before them.

// OneOffItem finds a community's one-off fee item by id or, with id 0,
// by name; not found if there is none.
func (s *Service) OneOffItem(ctx context.Context, by *auth.User, communityID, id int64, name string) (*FeeItem, error) {
	if err := see(by, communityID); err != nil {
		return nil, err
	}
	var c cond
	c.Add("community_id = ?", communityID)
	c.Add("kind = ?", KindOneOff)
	if id > 0 {
		c.Add("id = ?", id)
	} else {
		c.Add("name = ?", name)
	}
	items, err := listItems(ctx, s.DB.Q(ctx), &c)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errs.NotFound("收费项目不存在")
	}
	return items[0], nil
}
