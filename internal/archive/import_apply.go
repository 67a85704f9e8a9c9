package archive

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// applyImport writes a plan inside the import's transaction.
func (s *Service) applyImport(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, p *importPlan) error {
	now := s.Now()
	log := audit.NewWriter(ctx, tx, s.DB.Dialect, by.Actor(), communityID, audit.ActionImport)
	st := p.st

	// Buildings and units: few, one statement each.
	for _, name := range p.newBuildings {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO buildings (community_id, name, floors, notes, created_at, updated_at)
			VALUES ($1,$2,0,'',$3,$3) RETURNING id`, communityID, name, now).Scan(&id); err != nil {
			return fmt.Errorf("import building: %w", err)
		}
		st.buildings[name] = id
		if err := log.Add("building", id, nil, map[string]string{"name": name}); err != nil {
			return err
		}
	}
	newUnits := map[unitPlan]int64{}
	for _, u := range p.newUnits {
		var id int64
		bid := st.buildings[u.building]
		if err := tx.QueryRowContext(ctx, `INSERT INTO units (community_id, building_id, name, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$4) RETURNING id`, communityID, bid, u.name, now).Scan(&id); err != nil {
			return fmt.Errorf("import unit: %w", err)
		}
		newUnits[u] = id
		if err := log.Add("unit", id, nil, map[string]string{"name": u.name}); err != nil {
			return err
		}
	}

	// Owners.
	created := map[string]*ownerPlan{}
	ownerIns := db.NewBatch(ctx, tx, s.DB.Dialect, "owners", []string{"community_id", "name", "name_key", "name_py", "name_initials", "phone",
		"phone_tail", "phone2", "phone2_tail", "id_type", "id_number", "category", "notes", "created_at", "updated_at"},
		"id, name, phone, id_number", func(r db.Scanner) error {
			var id int64
			var name, phone, idNumber string
			if err := r.Scan(&id, &name, &phone, &idNumber); err != nil {
				return err
			}
			op := created[newOwnerKey(name, phone, idNumber)]
			if op == nil {
				return fmt.Errorf("import: inserted owner %d not in the plan", id)
			}
			op.want.id = id
			return nil
		})
	ownerUpd, err := tx.PrepareContext(ctx, `UPDATE owners SET name=$1, name_key=$2, name_py=$3, name_initials=$4, phone=$5,
		phone_tail=$6, id_type=$7, id_number=$8, category=$9, updated_at=$10 WHERE id=$11`)
	if err != nil {
		return err
	}
	defer ownerUpd.Close()
	for _, op := range p.owners {
		w := &op.want
		key, py, ini := NameKeys(w.name)
		switch {
		case op.cur == nil:
			created[newOwnerKey(w.name, w.phone, w.idNumber)] = op
			if err := ownerIns.Add(communityID, w.name, key, py, ini, w.phone, PhoneTail(w.phone), "", "", w.idType,
				w.idNumber, w.category, "", now, now); err != nil {
				return err
			}
		case op.changed:
			if _, err := ownerUpd.ExecContext(ctx, w.name, key, py, ini, w.phone, PhoneTail(w.phone), w.idType, w.idNumber,
				w.category, now, w.id); err != nil {
				return fmt.Errorf("import owner %d: %w", w.id, err)
			}
			if err := log.Add("owner", w.id, snapOwner(op.cur), snapOwner(w)); err != nil {
				return err
			}
		}
	}
	if err := ownerIns.Close(); err != nil {
		return err
	}
	for _, op := range p.owners {
		if op.cur == nil {
			if err := log.Add("owner", op.want.id, nil, snapOwner(&op.want)); err != nil {
				return err
			}
		}
	}

	// Houses.
	placed := map[houseAt]*housePlan{}
	houseIns := db.NewBatch(ctx, tx, s.DB.Dialect, "houses", []string{"community_id", "building_id", "unit_id", "number", "code", "floor",
		"gross_area", "inner_area", "house_use", "status", "delivered_on", "notes", "created_at", "updated_at"},
		"id, unit_id, number", func(r db.Scanner) error {
			var at houseAt
			var id int64
			if err := r.Scan(&id, &at.unitID, &at.number); err != nil {
				return err
			}
			hp := placed[at]
			if hp == nil {
				return fmt.Errorf("import: inserted house %d not in the plan", id)
			}
			hp.want.id = id
			return nil
		})
	houseUpd, err := tx.PrepareContext(ctx, `UPDATE houses SET floor=$1, gross_area=$2, inner_area=$3, house_use=$4, status=$5,
		delivered_on=$6, notes=$7, updated_at=$8 WHERE id=$9`)
	if err != nil {
		return err
	}
	defer houseUpd.Close()
	for _, hp := range p.houses {
		w := &hp.want
		if hp.cur != nil {
			if hp.fields {
				if _, err := houseUpd.ExecContext(ctx, w.floor, w.gross, w.inner, w.use, w.status, w.deliv, w.nts, now, w.id); err != nil {
					return fmt.Errorf("import house %s: %w", w.code, err)
				}
			}
			continue
		}
		if hp.unitID == 0 {
			hp.unitID = newUnits[unitPlan{hp.fh.key.building, hp.fh.key.unit}]
		}
		w.unitID = hp.unitID
		placed[houseAt{w.unitID, w.number}] = hp
		if err := houseIns.Add(communityID, st.buildings[hp.fh.key.building], w.unitID, w.number, w.code, w.floor, w.gross,
			w.inner, w.use, w.status, w.deliv, w.nts, now, now); err != nil {
			return err
		}
	}
	if err := houseIns.Close(); err != nil {
		return err
	}

	// Ownership: links that stay keep their row (a share may change), the
	// ones that go are ended like a correction, new ones start today.
	linkIns := db.NewBatch(ctx, tx, s.DB.Dialect, "house_owners", []string{"community_id", "house_id", "owner_id", "share", "since", "active",
		"created_at", "updated_at"}, "", nil)
	linkEnd, err := tx.PrepareContext(ctx, `UPDATE house_owners SET active=FALSE, until=$1, end_reason=$2, updated_at=$3 WHERE id=$4`)
	if err != nil {
		return err
	}
	defer linkEnd.Close()
	linkShare, err := tx.PrepareContext(ctx, `UPDATE house_owners SET share=$1, updated_at=$2 WHERE id=$3`)
	if err != nil {
		return err
	}
	defer linkShare.Close()
	since := today()
	for _, hp := range p.houses {
		w := &hp.want
		if hp.linksChanged {
			cur := map[int64]dbLink{}
			for _, l := range w.links {
				cur[l.ownerID] = l
			}
			for _, l := range hp.links {
				oid := l.owner.want.id
				if c, ok := cur[oid]; ok {
					delete(cur, oid)
					if c.share != l.share {
						if _, err := linkShare.ExecContext(ctx, l.share, now, c.id); err != nil {
							return fmt.Errorf("import share: %w", err)
						}
					}
					continue
				}
				if err := linkIns.Add(communityID, w.id, oid, l.share, since, true, now, now); err != nil {
					return err
				}
			}
			for _, c := range w.links {
				if _, gone := cur[c.ownerID]; gone {
					if _, err := linkEnd.ExecContext(ctx, since, "导入更新业主", now, c.id); err != nil {
						return fmt.Errorf("import end link: %w", err)
					}
				}
			}
		}
		if hp.cur != nil && !hp.fields && !hp.linksChanged {
			continue
		}
		after := snapHouse(w, wantNames(hp))
		if hp.cur == nil {
			err = log.Add("house", w.id, nil, after)
		} else {
			if !hp.linksChanged {
				after.Owners = ownerNames(st.owners, hp.cur.links)
			}
			err = log.Add("house", w.id, snapHouse(hp.cur, ownerNames(st.owners, hp.cur.links)), after)
		}
		if err != nil {
			return err
		}
	}
	if err := linkIns.Close(); err != nil {
		return err
	}
	return log.Close()
}

func newOwnerKey(name, phone, idNumber string) string {
	if idNumber != "" {
		return "id:" + idNumber
	}
	return "np:" + npKey(name, phone)
}

// wantNames lists the owners a house will have, as ownerNames does.
func wantNames(hp *housePlan) []string {
	out := make([]string, 0, len(hp.links))
	for _, l := range hp.links {
		out = append(out, fmt.Sprintf("%s(%s%%)", l.owner.want.name, plainArea(l.share)))
	}
	slices.Sort(out)
	return out
}
