package demo

import (
	"context"
	"fmt"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// loader writes a plan through the archive service, record by record, so
// every record is validated and audited exactly as if staff had typed it.
// Seed runs it in one transaction (db.WithTx) that the service calls join.
type loader struct {
	arch *archive.Service
	by   *auth.User
}

// structure creates a community with its buildings and units.
func (l *loader) structure(ctx context.Context, c *commPlan) error {
	cm, err := l.arch.CreateCommunity(ctx, l.by, c.in)
	if err != nil {
		return fmt.Errorf("community %s: %w", c.in.Name, err)
	}
	c.id = cm.ID
	for _, b := range c.buildings {
		bl, err := l.arch.CreateBuilding(ctx, l.by, archive.BuildingInput{CommunityID: c.id, Name: b.name, Floors: b.floors, Notes: b.notes})
		if err != nil {
			return fmt.Errorf("building %s: %w", b.name, err)
		}
		b.id = bl.ID
		for _, u := range b.units {
			un, err := l.arch.CreateUnit(ctx, l.by, archive.UnitInput{BuildingID: b.id, Name: u.name})
			if err != nil {
				return fmt.Errorf("unit %s-%s: %w", b.name, u.name, err)
			}
			u.id = un.ID
		}
	}
	return nil
}

func (l *loader) house(ctx context.Context, h *housePlan) error {
	h.in.UnitID = h.unit.id
	hs, err := l.arch.CreateHouse(ctx, l.by, h.in)
	if err != nil {
		return fmt.Errorf("house %s: %w", h.code, err)
	}
	h.id = hs.ID
	return nil
}

// household creates the owners, registers their houses (a 过户 after the
// first registration where planned), then the residents and vehicles.
func (l *loader) household(ctx context.Context, communityID int64, hh *household) error {
	for _, o := range hh.owners {
		o.in.CommunityID = communityID
		ow, err := l.arch.CreateOwner(ctx, l.by, o.in)
		if err != nil {
			return fmt.Errorf("owner %s: %w", o.in.Name, err)
		}
		o.id = ow.ID
	}
	for _, reg := range hh.regs {
		in := archive.TransferInput{Date: reg.date, Reason: reg.reason}
		for i, o := range reg.owners {
			in.Owners = append(in.Owners, archive.ShareInput{OwnerID: o.id, Share: web.Text(reg.shares[i])})
		}
		if _, err := l.arch.Transfer(ctx, l.by, reg.house.id, in); err != nil {
			return fmt.Errorf("register owners of %s: %w", reg.house.code, err)
		}
	}
	for _, rp := range hh.residents {
		rp.in.HouseID = rp.house.id
		if _, err := l.arch.SaveResident(ctx, l.by, 0, rp.in); err != nil {
			return fmt.Errorf("resident %s of %s: %w", rp.in.Name, rp.house.code, err)
		}
	}
	for _, vp := range hh.vehicles {
		vp.in.HouseID = vp.house.id
		if _, err := l.arch.SaveVehicle(ctx, l.by, 0, vp.in); err != nil {
			return fmt.Errorf("vehicle %s of %s: %w", vp.in.Plate, vp.house.code, err)
		}
	}
	return nil
}

// load writes the whole plan: the structures, then every house, then
// the households.
func (l *loader) load(ctx context.Context, p *plan) error {
	for _, c := range p.communities {
		if err := l.structure(ctx, c); err != nil {
			return err
		}
	}
	for _, c := range p.communities {
		for _, h := range c.houses {
			if err := l.house(ctx, h); err != nil {
				return err
			}
		}
	}
	for _, c := range p.communities {
		for _, hh := range c.households {
			if err := l.household(ctx, c.id, hh); err != nil {
				return err
			}
		}
	}
	return nil
}
