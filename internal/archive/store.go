package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
)

type scanner interface{ Scan(...any) error }

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound("%s不存在", what)
	}
	return err
}

// cond is the shared WHERE builder.
type cond = db.Where

func count(ctx context.Context, q db.Querier, from string, c *cond) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+from+c.SQL(), c.Args...).Scan(&n)
	return n, err
}

// communities

const communityCols = `id, name, address, type, total_area, phone, notes, created_at, updated_at`

func scanCommunity(s scanner) (*Community, error) {
	var c Community
	err := s.Scan(&c.ID, &c.Name, &c.Address, &c.Type, &c.totalArea, &c.Phone, &c.Notes, &c.CreatedAt, &c.UpdatedAt)
	c.TotalArea = money.PlainHundredths(c.totalArea)
	return &c, err
}

func getCommunity(ctx context.Context, q db.Querier, id int64) (*Community, error) {
	c, err := scanCommunity(q.QueryRowContext(ctx, `SELECT `+communityCols+` FROM communities WHERE id = $1`, id))
	return c, notFound(err, "小区")
}

func listCommunities(ctx context.Context, q db.Querier, scope []int64) ([]*Community, error) {
	var c cond
	c.Scope("id", scope)
	rows, err := q.QueryContext(ctx, `SELECT `+communityCols+` FROM communities`+c.SQL()+` ORDER BY id`, c.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Community
	for rows.Next() {
		cm, err := scanCommunity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, cm)
	}
	return out, rows.Err()
}

// buildings and units

const buildingCols = `id, community_id, name, floors, notes, created_at, updated_at`

func scanBuilding(s scanner) (*Building, error) {
	var b Building
	err := s.Scan(&b.ID, &b.CommunityID, &b.Name, &b.Floors, &b.Notes, &b.CreatedAt, &b.UpdatedAt)
	return &b, err
}

func getBuilding(ctx context.Context, q db.Querier, id int64) (*Building, error) {
	b, err := scanBuilding(q.QueryRowContext(ctx, `SELECT `+buildingCols+` FROM buildings WHERE id = $1`, id))
	return b, notFound(err, "楼栋")
}

func listBuildings(ctx context.Context, q db.Querier, communityID int64) ([]*Building, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+buildingCols+` FROM buildings WHERE community_id = $1`, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Building
	for rows.Next() {
		b, err := scanBuilding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	sortByName(out, func(b *Building) string { return b.Name })
	return out, rows.Err()
}

const unitCols = `id, community_id, building_id, name, created_at, updated_at`

func scanUnit(s scanner) (*Unit, error) {
	var u Unit
	err := s.Scan(&u.ID, &u.CommunityID, &u.BuildingID, &u.Name, &u.CreatedAt, &u.UpdatedAt)
	return &u, err
}

func getUnit(ctx context.Context, q db.Querier, id int64) (*Unit, error) {
	u, err := scanUnit(q.QueryRowContext(ctx, `SELECT `+unitCols+` FROM units WHERE id = $1`, id))
	return u, notFound(err, "单元")
}

func listUnits(ctx context.Context, q db.Querier, communityID int64) ([]*Unit, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+unitCols+` FROM units WHERE community_id = $1`, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	sortByName(out, func(u *Unit) string { return u.Name })
	return out, rows.Err()
}

// houses

const houseCols = `h.id, h.community_id, h.building_id, h.unit_id, h.code, h.number, h.floor, h.gross_area,
	h.inner_area, h.house_use, h.status, h.delivered_on, h.notes, h.created_at, h.updated_at`

func scanHouse(s scanner) (*House, error) {
	var h House
	err := s.Scan(&h.ID, &h.CommunityID, &h.BuildingID, &h.UnitID, &h.Code, &h.Number, &h.Floor, &h.gross,
		&h.inner, &h.Use, &h.Status, &h.DeliveredOn, &h.Notes, &h.CreatedAt, &h.UpdatedAt)
	h.GrossArea, h.InnerArea = money.PlainHundredths(h.gross), money.PlainHundredths(h.inner)
	return &h, err
}

func getHouse(ctx context.Context, q db.Querier, id int64) (*House, error) {
	h, err := scanHouse(q.QueryRowContext(ctx, `SELECT `+houseCols+` FROM houses h WHERE h.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "房屋")
	}
	h.Owners, err = houseOwners(ctx, q, "ho.house_id = $1 AND ho.active", id)
	return h, err
}

// HouseFilter selects houses for lists and exports.
type HouseFilter struct {
	CommunityID int64
	BuildingID  int64
	UnitID      int64
	Status      string
	Use         string
	Q           string // code or number prefix, or owner name
	Limit       int
	Offset      int
}

func (f HouseFilter) cond(scope []int64) *cond {
	c := &cond{}
	c.Scope("h.community_id", scope)
	if f.CommunityID > 0 {
		c.Add("h.community_id = ?", f.CommunityID)
	}
	if f.BuildingID > 0 {
		c.Add("h.building_id = ?", f.BuildingID)
	}
	if f.UnitID > 0 {
		c.Add("h.unit_id = ?", f.UnitID)
	}
	if f.Status != "" {
		c.Add("h.status = ?", f.Status)
	}
	if f.Use != "" {
		c.Add("h.house_use = ?", f.Use)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		lo, hi := prefixRange(q)
		key, py, _ := NameKeys(q)
		ini := strings.ToLower(q) // initials are typed, "zs"; a name's own initials would match every 赵四 for 张三
		klo, khi := prefixRange(key)
		c.Add(`(h.code = ? OR h.number = ? OR (h.code >= ? AND h.code < ?) OR h.id IN (SELECT ho.house_id FROM house_owners ho
			JOIN owners o ON o.id = ho.owner_id WHERE ho.active AND ((o.name_key >= ? AND o.name_key < ?) OR o.name_py = ? OR o.name_initials = ? OR o.phone_tail = ?)))`,
			q, q, lo, hi, klo, khi, py, ini, q)
	}
	return c
}

func listHouses(ctx context.Context, q db.Querier, scope []int64, f HouseFilter) ([]*House, int, error) {
	c := f.cond(scope)
	total, err := count(ctx, q, "houses h", c)
	if err != nil {
		return nil, 0, fmt.Errorf("count houses: %w", err)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := q.QueryContext(ctx, `SELECT `+houseCols+` FROM houses h`+c.SQL()+
		` ORDER BY h.community_id, h.code`+c.Page(f.Limit, f.Offset), c.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list houses: %w", err)
	}
	defer rows.Close()
	var out []*House
	ids := []int64{}
	for rows.Next() {
		h, err := scanHouse(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, h)
		ids = append(ids, h.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if len(ids) > 0 {
		in, args := db.In(nil, ids)
		owners, err := houseOwners(ctx, q, "ho.active AND ho.house_id IN ("+in+")", args...)
		if err != nil {
			return nil, 0, err
		}
		byHouse := map[int64][]HouseOwner{}
		for _, o := range owners {
			byHouse[o.HouseID] = append(byHouse[o.HouseID], o)
		}
		for _, h := range out {
			h.Owners = byHouse[h.ID]
		}
	}
	return out, total, nil
}

// prefixRange gives the [lo, hi) byte range of strings starting with p,
// which both databases answer from a byte-ordered index.
func prefixRange(p string) (string, string) {
	return p, p + "\U0010FFFF"
}

// owners

const ownerCols = `o.id, o.community_id, o.name, o.phone, o.phone2, o.id_type, o.id_number, o.category, o.notes,
	o.created_at, o.updated_at`

func scanOwner(s scanner) (*Owner, error) {
	var o Owner
	err := s.Scan(&o.ID, &o.CommunityID, &o.Name, &o.Phone, &o.Phone2, &o.IDType, &o.IDNumber, &o.Category, &o.Notes,
		&o.CreatedAt, &o.UpdatedAt)
	return &o, err
}

func getOwner(ctx context.Context, q db.Querier, id int64) (*Owner, error) {
	o, err := scanOwner(q.QueryRowContext(ctx, `SELECT `+ownerCols+` FROM owners o WHERE o.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "业主")
	}
	o.Houses, err = houseOwners(ctx, q, "ho.owner_id = $1", id)
	return o, err
}

// OwnerFilter selects owners.
type OwnerFilter struct {
	CommunityID int64
	Category    string
	Q           string
	Limit       int
	Offset      int
}

func (f OwnerFilter) cond(scope []int64) *cond {
	c := &cond{}
	c.Scope("o.community_id", scope)
	if f.CommunityID > 0 {
		c.Add("o.community_id = ?", f.CommunityID)
	}
	if f.Category != "" {
		c.Add("o.category = ?", f.Category)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		key, py, _ := NameKeys(q)
		ini := strings.ToLower(q) // typed initials, as in Search
		klo, khi := prefixRange(key)
		plo, phi := prefixRange(py)
		c.Add(`((o.name_key >= ? AND o.name_key < ?) OR (o.name_py >= ? AND o.name_py < ?) OR o.name_initials = ?
			OR o.phone_tail = ? OR o.phone2_tail = ? OR o.phone = ?)`, klo, khi, plo, phi, ini, q, q, q)
	}
	return c
}

func listOwners(ctx context.Context, q db.Querier, scope []int64, f OwnerFilter) ([]*Owner, int, error) {
	c := f.cond(scope)
	total, err := count(ctx, q, "owners o", c)
	if err != nil {
		return nil, 0, fmt.Errorf("count owners: %w", err)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := q.QueryContext(ctx, `SELECT `+ownerCols+` FROM owners o`+c.SQL()+` ORDER BY o.id`+c.Page(f.Limit, f.Offset), c.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list owners: %w", err)
	}
	defer rows.Close()
	var out []*Owner
	var ids []int64
	for rows.Next() {
		o, err := scanOwner(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
		ids = append(ids, o.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if len(ids) > 0 {
		in, args := db.In(nil, ids)
		links, err := houseOwners(ctx, q, "ho.active AND ho.owner_id IN ("+in+")", args...)
		if err != nil {
			return nil, 0, err
		}
		byOwner := map[int64][]HouseOwner{}
		for _, l := range links {
			byOwner[l.OwnerID] = append(byOwner[l.OwnerID], l)
		}
		for _, o := range out {
			o.Houses = byOwner[o.ID]
		}
	}
	return out, total, nil
}

func houseOwners(ctx context.Context, q db.Querier, where string, args ...any) ([]HouseOwner, error) {
	rows, err := q.QueryContext(ctx, `SELECT ho.id, ho.house_id, ho.owner_id, ho.community_id, ho.share, ho.since, ho.until,
		ho.active, ho.end_reason, o.name, o.phone, o.category, h.code
		FROM house_owners ho JOIN owners o ON o.id = ho.owner_id JOIN houses h ON h.id = ho.house_id
		WHERE `+where+` ORDER BY ho.active DESC, ho.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("house owners: %w", err)
	}
	defer rows.Close()
	var out []HouseOwner
	for rows.Next() {
		var l HouseOwner
		if err := rows.Scan(&l.ID, &l.HouseID, &l.OwnerID, &l.CommunityID, &l.share, &l.Since, &l.Until,
			&l.Active, &l.EndReason, &l.Name, &l.Phone, &l.Category, &l.HouseCode); err != nil {
			return nil, err
		}
		l.Share = money.PlainHundredths(l.share)
		out = append(out, l)
	}
	return out, rows.Err()
}

// residents and vehicles

const residentCols = `r.id, r.community_id, r.house_id, h.code, r.name, r.phone, r.id_number, r.kind, r.relation,
	r.lease_start, r.lease_end, r.moved_out, r.notes, r.created_at, r.updated_at`

func scanResident(s scanner) (*Resident, error) {
	var r Resident
	err := s.Scan(&r.ID, &r.CommunityID, &r.HouseID, &r.HouseCode, &r.Name, &r.Phone, &r.IDNumber, &r.Kind, &r.Relation,
		&r.LeaseStart, &r.LeaseEnd, &r.MovedOut, &r.Notes, &r.CreatedAt, &r.UpdatedAt)
	return &r, err
}

const vehicleCols = `v.id, v.community_id, v.house_id, h.code, v.plate, v.color, v.brand, v.parking_space,
	v.owner_name, v.phone, v.removed, v.notes, v.created_at, v.updated_at`

func scanVehicle(s scanner) (*Vehicle, error) {
	var v Vehicle
	err := s.Scan(&v.ID, &v.CommunityID, &v.HouseID, &v.HouseCode, &v.Plate, &v.Color, &v.Brand, &v.ParkingSpace,
		&v.OwnerName, &v.Phone, &v.Removed, &v.Notes, &v.CreatedAt, &v.UpdatedAt)
	return &v, err
}

// PeopleFilter selects residents or vehicles.
type PeopleFilter struct {
	CommunityID int64
	HouseID     int64
	Kind        string // residents: 家庭成员/租户/其他
	Q           string
	Current     bool // hide moved-out residents and removed vehicles
	Expiring    bool // residents: tenants whose lease ends within 30 days
	Limit       int
	Offset      int
}

func listResidents(ctx context.Context, q db.Querier, scope []int64, f PeopleFilter) ([]*Resident, int, error) {
	c := &cond{}
	c.Scope("r.community_id", scope)
	if f.CommunityID > 0 {
		c.Add("r.community_id = ?", f.CommunityID)
	}
	if f.HouseID > 0 {
		c.Add("r.house_id = ?", f.HouseID)
	}
	if f.Kind != "" {
		c.Add("r.kind = ?", f.Kind)
	}
	if f.Current {
		c.Add("NOT r.moved_out")
	}
	if f.Expiring {
		c.Add("r.kind = '租户' AND r.lease_end <> '' AND r.lease_end <= ?", addDays(30))
	}
	if s := strings.TrimSpace(f.Q); s != "" {
		key, py, _ := NameKeys(s)
		ini := strings.ToLower(s) // typed initials, as in Search
		klo, khi := prefixRange(key)
		plo, phi := prefixRange(py)
		c.Add(`((r.name_key >= ? AND r.name_key < ?) OR (r.name_py >= ? AND r.name_py < ?) OR r.name_initials = ? OR r.phone_tail = ? OR r.phone = ?)`,
			klo, khi, plo, phi, ini, s, s)
	}
	total, err := count(ctx, q, "residents r", c)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := q.QueryContext(ctx, `SELECT `+residentCols+` FROM residents r JOIN houses h ON h.id = r.house_id`+
		c.SQL()+` ORDER BY r.moved_out, h.code, r.id`+c.Page(f.Limit, f.Offset), c.Args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Resident
	for rows.Next() {
		r, err := scanResident(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

func listVehicles(ctx context.Context, q db.Querier, scope []int64, f PeopleFilter) ([]*Vehicle, int, error) {
	c := &cond{}
	c.Scope("v.community_id", scope)
	if f.CommunityID > 0 {
		c.Add("v.community_id = ?", f.CommunityID)
	}
	if f.HouseID > 0 {
		c.Add("v.house_id = ?", f.HouseID)
	}
	if f.Current {
		c.Add("NOT v.removed")
	}
	if s := NormPlate(f.Q); s != "" {
		lo, hi := prefixRange(s)
		c.Add(`((v.plate >= ? AND v.plate < ?) OR (v.plate_tail >= ? AND v.plate_tail < ?) OR v.parking_space = ?)`, lo, hi, lo, hi, f.Q)
	}
	total, err := count(ctx, q, "vehicles v", c)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := q.QueryContext(ctx, `SELECT `+vehicleCols+` FROM vehicles v JOIN houses h ON h.id = v.house_id`+
		c.SQL()+` ORDER BY v.removed, v.plate`+c.Page(f.Limit, f.Offset), c.Args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Vehicle
	for rows.Next() {
		v, err := scanVehicle(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}
