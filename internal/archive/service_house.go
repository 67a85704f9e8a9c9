package archive

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// House returns one house with its current owners.
func (s *Service) House(ctx context.Context, by *auth.User, id int64) (*House, error) {
	h, err := getHouse(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return h, see(by, h.CommunityID)
}

// Houses lists houses in the user's scope.
func (s *Service) Houses(ctx context.Context, by *auth.User, f HouseFilter) ([]*House, int, error) {
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
	}
	return listHouses(ctx, s.DB, Scope(by), f)
}

// HouseInputOf returns the editable fields of h, the base a partial
// update decodes over.
func HouseInputOf(h *House) HouseInput {
	return HouseInput{UnitID: h.UnitID, Number: h.Number, Floor: h.Floor, GrossArea: web.Text(h.GrossArea),
		InnerArea: web.Text(h.InnerArea), Use: h.Use, Status: h.Status, DeliveredOn: h.DeliveredOn, Notes: h.Notes}
}

func unitOf(ctx context.Context, tx db.Querier, by *auth.User, unitID int64) (*Unit, *Building, error) {
	u, err := getUnit(ctx, tx, unitID)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return nil, nil, errs.Invalid("unit_id", "单元不存在")
	}
	if err != nil {
		return nil, nil, err
	}
	if err := see(by, u.CommunityID); err != nil {
		return nil, nil, err
	}
	b, err := getBuilding(ctx, tx, u.BuildingID)
	return u, b, err
}

// HouseCode is the 楼栋-单元-房号 code.
func HouseCode(building, unit, number string) string { return building + "-" + unit + "-" + number }

// CreateHouse adds a house to a unit.
func (s *Service) CreateHouse(ctx context.Context, by *auth.User, in HouseInput) (*House, error) {
	gross, inner, err := in.validate()
	if err != nil {
		return nil, err
	}
	var h *House
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		u, b, err := unitOf(ctx, tx, by, in.UnitID)
		if err != nil {
			return err
		}
		now := s.Now()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO houses (community_id, building_id, unit_id, number, code, floor, gross_area,
			inner_area, house_use, status, delivered_on, notes, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id`,
			u.CommunityID, b.ID, u.ID, in.Number, HouseCode(b.Name, u.Name, in.Number), in.Floor, gross, inner,
			in.Use, in.Status, in.DeliveredOn, in.Notes, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("number", "%s栋%s单元已有房号 %s", b.Name, u.Name, in.Number)
		}
		if err != nil {
			return fmt.Errorf("insert house: %w", err)
		}
		if h, err = getHouse(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, h.CommunityID, "house", id, audit.ActionCreate, nil, h)
	})
	return h, err
}

// UpdateHouse edits a house. Moving it to another unit is allowed within
// the same community; its code follows.
func (s *Service) UpdateHouse(ctx context.Context, by *auth.User, id int64, in HouseInput) (*House, error) {
	gross, inner, err := in.validate()
	if err != nil {
		return nil, err
	}
	var h *House
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getHouse(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		u, b, err := unitOf(ctx, tx, by, in.UnitID)
		if err != nil {
			return err
		}
		if u.CommunityID != before.CommunityID {
			return errs.Invalid("unit_id", "不能把房屋移到其他小区")
		}
		_, err = tx.ExecContext(ctx, `UPDATE houses SET building_id=$1, unit_id=$2, number=$3, code=$4, floor=$5,
			gross_area=$6, inner_area=$7, house_use=$8, status=$9, delivered_on=$10, notes=$11, updated_at=$12 WHERE id=$13`,
			b.ID, u.ID, in.Number, HouseCode(b.Name, u.Name, in.Number), in.Floor, gross, inner, in.Use, in.Status,
			in.DeliveredOn, in.Notes, s.Now(), id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("number", "%s栋%s单元已有房号 %s", b.Name, u.Name, in.Number)
		}
		if err != nil {
			return fmt.Errorf("update house: %w", err)
		}
		if h, err = getHouse(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, h.CommunityID, "house", id, audit.ActionUpdate, before, h)
	})
	return h, err
}

// Owners

// Owner returns one owner with the houses owned now and before.
func (s *Service) Owner(ctx context.Context, by *auth.User, id int64) (*Owner, error) {
	o, err := getOwner(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return o, see(by, o.CommunityID)
}

// Owners lists owners in scope.
func (s *Service) Owners(ctx context.Context, by *auth.User, f OwnerFilter) ([]*Owner, int, error) {
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
	}
	return listOwners(ctx, s.DB, Scope(by), f)
}

// OwnerInputOf returns the editable fields of o.
func OwnerInputOf(o *Owner) OwnerInput {
	return OwnerInput{CommunityID: o.CommunityID, Name: o.Name, Phone: o.Phone, Phone2: o.Phone2, IDType: o.IDType,
		IDNumber: o.IDNumber, Category: o.Category, Notes: o.Notes}
}

func (s *Service) checkCommunity(ctx context.Context, q db.Querier, by *auth.User, id int64) error {
	if _, err := getCommunity(ctx, q, id); err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound {
			return errs.Invalid("community_id", "小区不存在")
		}
		return err
	}
	return see(by, id)
}

func dupIDNumber(ctx context.Context, q db.Querier, communityID int64, idNumber string, self int64) error {
	if idNumber == "" {
		return nil
	}
	var other int64
	err := q.QueryRowContext(ctx, `SELECT id FROM owners WHERE community_id = $1 AND id_number = $2 AND id <> $3 LIMIT 1`,
		communityID, idNumber, self).Scan(&other)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	return errs.Conflict("id_number", "本小区已有该证件号码的业主（编号 %d）", other)
}

// CreateOwner adds an owner to a community.
func (s *Service) CreateOwner(ctx context.Context, by *auth.User, in OwnerInput) (*Owner, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var o *Owner
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = s.createOwner(ctx, tx, by, in)
		return err
	})
	return o, err
}

// createOwner inserts a validated owner inside tx.
func (s *Service) createOwner(ctx context.Context, tx *sql.Tx, by *auth.User, in OwnerInput) (*Owner, error) {
	if err := s.checkCommunity(ctx, tx, by, in.CommunityID); err != nil {
		return nil, err
	}
	if err := dupIDNumber(ctx, tx, in.CommunityID, in.IDNumber, 0); err != nil {
		return nil, err
	}
	key, py, ini := NameKeys(in.Name)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO owners (community_id, name, name_key, name_py, name_initials, phone, phone_tail,
		phone2, phone2_tail, id_type, id_number, category, notes, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$14) RETURNING id`,
		in.CommunityID, in.Name, key, py, ini, in.Phone, PhoneTail(in.Phone), in.Phone2, PhoneTail(in.Phone2),
		in.IDType, in.IDNumber, in.Category, in.Notes, s.Now()).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("insert owner: %w", err)
	}
	o, err := getOwner(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return o, s.record(ctx, tx, by, o.CommunityID, "owner", id, audit.ActionCreate, nil, o)
}

// resolveOwner returns the owner a ShareInput names: an existing owner of
// the house's community, or a new one (reusing an owner with the same ID
// number in the community instead of creating a duplicate).
func (s *Service) resolveOwner(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, in ShareInput, field string) (*Owner, error) {
	if in.New != nil {
		in.New.CommunityID = communityID
		if err := in.New.validate(); err != nil {
			return nil, err
		}
		if in.New.IDNumber != "" {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM owners WHERE community_id = $1 AND id_number = $2`, communityID, in.New.IDNumber).Scan(&id)
			if err == nil {
				return getOwner(ctx, tx, id)
			}
			if err != sql.ErrNoRows {
				return nil, err
			}
		}
		return s.createOwner(ctx, tx, by, *in.New)
	}
	o, err := getOwner(ctx, tx, in.OwnerID)
	if errs.CodeOf(err) == errs.CodeNotFound || (err == nil && o.CommunityID != communityID) {
		return nil, errs.Invalid(field, "业主不存在或与房屋不在同一小区")
	}
	return o, err
}

// UpdateOwner edits an owner; the community cannot change.
func (s *Service) UpdateOwner(ctx context.Context, by *auth.User, id int64, in OwnerInput) (*Owner, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var o *Owner
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getOwner(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		if in.CommunityID != before.CommunityID {
			return errs.Invalid("community_id", "业主所属小区不能修改")
		}
		if err := dupIDNumber(ctx, tx, before.CommunityID, in.IDNumber, id); err != nil {
			return err
		}
		key, py, ini := NameKeys(in.Name)
		if _, err := tx.ExecContext(ctx, `UPDATE owners SET name=$1, name_key=$2, name_py=$3, name_initials=$4, phone=$5,
			phone_tail=$6, phone2=$7, phone2_tail=$8, id_type=$9, id_number=$10, category=$11, notes=$12, updated_at=$13
			WHERE id=$14`, in.Name, key, py, ini, in.Phone, PhoneTail(in.Phone), in.Phone2, PhoneTail(in.Phone2),
			in.IDType, in.IDNumber, in.Category, in.Notes, s.Now(), id); err != nil {
			return fmt.Errorf("update owner: %w", err)
		}
		if o, err = getOwner(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, o.CommunityID, "owner", id, audit.ActionUpdate, before, o)
	})
	return o, err
}

// AddHouseOwner links an owner to a house (a co-owner, or the first owner).
// Without a share, the owner takes what is left of 100%.
func (s *Service) AddHouseOwner(ctx context.Context, by *auth.User, houseID int64, in ShareInput) (*HouseOwner, error) {
	var f errs.Fields
	if in.OwnerID <= 0 && in.New == nil {
		f.Add("owner_id", "请选择业主")
	}
	share := parseShare(&f, string(in.Share))
	if err := f.Err(); err != nil {
		return nil, err
	}
	var link *HouseOwner
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getHouse(ctx, tx, houseID)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		o, err := s.resolveOwner(ctx, tx, by, before.CommunityID, in, "owner_id")
		if err != nil {
			return err
		}
		var held int64
		for _, cur := range before.Owners {
			if cur.OwnerID == o.ID {
				return errs.Conflict("owner_id", "%s 已是该房屋的业主", o.Name)
			}
			held += cur.share
		}
		if share == 0 {
			share = 100_00 - held
		}
		if share <= 0 || held+share > 100_00 {
			return errs.Invalid("share", "产权份额合计不能超过 100%%（现有业主已占 %s%%）", money.PlainHundredths(held))
		}
		id, err := insertLink(ctx, tx, before, o.ID, share, today(), s.Now())
		if err != nil {
			return err
		}
		after, err := getHouse(ctx, tx, houseID)
		if err != nil {
			return err
		}
		for i := range after.Owners {
			if after.Owners[i].ID == id {
				link = &after.Owners[i]
			}
		}
		return s.record(ctx, tx, by, after.CommunityID, "house", houseID, audit.ActionUpdate,
			ownersSnapshot(before), ownersSnapshot(after))
	})
	return link, err
}

func insertLink(ctx context.Context, tx db.Querier, h *House, ownerID, share int64, since string, now any) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO house_owners (community_id, house_id, owner_id, share, since, active, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,TRUE,$6,$6) RETURNING id`, h.CommunityID, h.ID, ownerID, share, since, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert house owner: %w", err)
	}
	return id, nil
}

// ownersSnapshot is what the audit log keeps of a house's ownership.
func ownersSnapshot(h *House) map[string]any {
	var names []string
	for _, o := range h.Owners {
		names = append(names, fmt.Sprintf("%s(%s%%)", o.Name, o.Share))
	}
	return map[string]any{"code": h.Code, "owners": names}
}

// EndHouseOwner ends one ownership link without a transfer (a correction
// of the record); it stays in the history with the reason.
func (s *Service) EndHouseOwner(ctx context.Context, by *auth.User, houseID, linkID int64, reason string) error {
	if reason == "" {
		return errs.Invalid("reason", "请填写原因")
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getHouse(ctx, tx, houseID)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE house_owners SET active=FALSE, until=$1, end_reason=$2, updated_at=$3
			WHERE id=$4 AND house_id=$5 AND active`, today(), reason, s.Now(), linkID, houseID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFound("该产权关系不存在或已结束")
		}
		after, err := getHouse(ctx, tx, houseID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, by, after.CommunityID, "house", houseID, "end", ownersSnapshot(before), ownersSnapshot(after))
	})
}

// Transfer is a 过户: every current owner's link ends on the date with the
// reason, and the new owners' links start; nothing is deleted.
func (s *Service) Transfer(ctx context.Context, by *auth.User, houseID int64, in TransferInput) (*House, error) {
	if !by.Can(auth.PermArchiveTransfer) {
		return nil, errs.Forbidden("您的角色无权办理过户")
	}
	var f errs.Fields
	in.Date = parseDate(&f, "date", in.Date)
	if in.Date == "" {
		in.Date = today()
	}
	if in.Reason == "" {
		in.Reason = "过户"
	}
	if len(in.Owners) == 0 {
		f.Add("owners", "请选择过户后的业主")
	}
	shares := make([]int64, len(in.Owners))
	var total int64
	seen := map[int64]bool{}
	for i, o := range in.Owners {
		if o.New == nil && (o.OwnerID <= 0 || seen[o.OwnerID]) {
			f.Add("owners", "业主选择有误或重复")
		}
		seen[o.OwnerID] = true
		shares[i] = parseShare(&f, string(o.Share))
		if shares[i] == 0 {
			shares[i] = (100_00 - total) / int64(len(in.Owners)-i)
		}
		total += shares[i]
	}
	if len(in.Owners) > 0 && total != 100_00 {
		f.Add("share", "过户后产权份额合计须为 100%%（现为 %s%%）", money.PlainHundredths(total))
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var h *House
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getHouse(ctx, tx, houseID)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		ids := make([]int64, len(in.Owners))
		for i, o := range in.Owners {
			ow, err := s.resolveOwner(ctx, tx, by, before.CommunityID, o, "owners")
			if err != nil {
				return err
			}
			if slices.Contains(ids[:i], ow.ID) {
				return errs.Invalid("owners", "业主 %s 重复", ow.Name)
			}
			ids[i] = ow.ID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE house_owners SET active=FALSE, until=$1, end_reason=$2, updated_at=$3
			WHERE house_id=$4 AND active`, in.Date, in.Reason, s.Now(), houseID); err != nil {
			return err
		}
		for i := range in.Owners {
			if _, err := insertLink(ctx, tx, before, ids[i], shares[i], in.Date, s.Now()); err != nil {
				return err
			}
		}
		if h, err = getHouse(ctx, tx, houseID); err != nil {
			return err
		}
		after := ownersSnapshot(h)
		after["date"], after["reason"] = in.Date, in.Reason
		return s.record(ctx, tx, by, h.CommunityID, "house", houseID, audit.ActionTransfer, ownersSnapshot(before), after)
	})
	return h, err
}

// OwnershipHistory lists every owner a house has had, current first.
func (s *Service) OwnershipHistory(ctx context.Context, by *auth.User, houseID int64) ([]HouseOwner, error) {
	h, err := s.House(ctx, by, houseID)
	if err != nil {
		return nil, err
	}
	return houseOwners(ctx, s.DB, "ho.house_id = $1", h.ID)
}
