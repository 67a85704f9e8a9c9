package archive

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"slices"
	"strconv"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the archive's migrations.
var Module = db.Module{Name: "archive", FS: migrations}

func init() {
	audit.Describe("community", "小区", map[string]string{"name": "名称", "address": "地址", "type": "类型",
		"total_area": "总面积", "phone": "服务中心电话", "notes": "备注"})
	audit.Describe("building", "楼栋", map[string]string{"name": "名称", "floors": "层数", "notes": "备注"})
	audit.Describe("unit", "单元", map[string]string{"name": "名称"})
	audit.Describe("house", "房屋", map[string]string{"code": "房屋编码", "number": "房号", "floor": "楼层",
		"gross_area": "建筑面积", "inner_area": "套内面积", "use": "用途", "status": "状态", "delivered_on": "交付日期",
		"notes": "备注", "owners": "业主"})
	audit.Describe("owner", "业主", map[string]string{"name": "姓名", "phone": "电话", "phone2": "备用电话",
		"id_type": "证件类型", "id_number": "证件号码", "category": "类别", "notes": "备注"})
	audit.Describe("house_owner", "产权关系", map[string]string{"share": "份额(%)", "since": "起始日期",
		"until": "结束日期", "active": "有效", "end_reason": "结束原因", "name": "业主"})
	audit.Describe("resident", "住户", map[string]string{"name": "姓名", "phone": "电话", "id_number": "证件号码",
		"kind": "类型", "relation": "关系", "lease_start": "租期开始", "lease_end": "租期结束", "moved_out": "已迁出", "notes": "备注"})
	audit.Describe("vehicle", "车辆", map[string]string{"plate": "车牌", "color": "颜色", "brand": "品牌",
		"parking_space": "车位", "owner_name": "车主", "phone": "电话", "removed": "已注销", "notes": "备注"})
}

// Service holds the archive's rules. Every method takes the acting user
// and checks the community scope itself (defence in depth behind the
// route's role check).
type Service struct {
	DB  *db.DB
	Now func() time.Time
}

// NewService returns the archive service.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Scope is the communities a user sees: nil for all.
func Scope(u *auth.User) []int64 {
	if u.AllCommunities() {
		return nil
	}
	if u.Communities == nil {
		return []int64{} // nil would mean every community
	}
	return u.Communities
}

func see(u *auth.User, communityID int64) error {
	if !u.Sees(communityID) {
		return errs.Forbidden("该记录不在您管辖的小区内")
	}
	return nil
}

func today() string { return time.Now().In(shanghai).Format("2006-01-02") }

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// natural orders "2" before "10" and "3栋" before "12栋".
func natural(a, b string) int {
	na, ea := strconv.Atoi(leadingDigits(a))
	nb, eb := strconv.Atoi(leadingDigits(b))
	if ea == nil && eb == nil && na != nb {
		return cmp.Compare(na, nb)
	}
	return cmp.Compare(a, b)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func sortByName[T any](s []T, name func(T) string) {
	slices.SortStableFunc(s, func(a, b T) int { return natural(name(a), name(b)) })
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, entity string, id int64, action string, before, after any) error {
	return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), CommunityID: communityID, Entity: entity,
		EntityID: id, Action: action, Before: before, After: after})
}

// Communities

// Communities lists the communities the user sees.
func (s *Service) Communities(ctx context.Context, by *auth.User) ([]*Community, error) {
	return listCommunities(ctx, s.DB, Scope(by))
}

// Community returns one community.
func (s *Service) Community(ctx context.Context, by *auth.User, id int64) (*Community, error) {
	c, err := getCommunity(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return c, see(by, c.ID)
}

// CommunitiesExist checks ids for the user admin form.
func (s *Service) CommunitiesExist(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := getCommunity(ctx, s.DB, id); err != nil {
			if errs.CodeOf(err) == errs.CodeNotFound {
				return errs.Invalid("communities", "小区 %d 不存在", id)
			}
			return err
		}
	}
	return nil
}

// CreateCommunity adds a community (system administrators only).
func (s *Service) CreateCommunity(ctx context.Context, by *auth.User, in CommunityInput) (*Community, error) {
	if !by.Can(auth.PermCommunityAdmin) {
		return nil, errs.Forbidden("只有系统管理员可以新建小区")
	}
	area, err := in.validate()
	if err != nil {
		return nil, err
	}
	var c *Community
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO communities (name, address, type, total_area, phone, notes, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id`, in.Name, in.Address, in.Type, area, in.Phone, in.Notes, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("name", "已有同名小区：%s", in.Name)
		}
		if err != nil {
			return fmt.Errorf("insert community: %w", err)
		}
		if c, err = getCommunity(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, id, "community", id, audit.ActionCreate, nil, c)
	})
	return c, err
}

// UpdateCommunity edits a community's details.
func (s *Service) UpdateCommunity(ctx context.Context, by *auth.User, id int64, in CommunityInput) (*Community, error) {
	if !by.Can(auth.PermCommunityAdmin) {
		return nil, errs.Forbidden("只有系统管理员可以修改小区信息")
	}
	area, err := in.validate()
	if err != nil {
		return nil, err
	}
	var c *Community
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getCommunity(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE communities SET name=$1, address=$2, type=$3, total_area=$4, phone=$5, notes=$6,
			updated_at=$7 WHERE id=$8`, in.Name, in.Address, in.Type, area, in.Phone, in.Notes, s.Now(), id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("name", "已有同名小区：%s", in.Name)
		}
		if err != nil {
			return err
		}
		if c, err = getCommunity(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, id, "community", id, audit.ActionUpdate, before, c)
	})
	return c, err
}

// Buildings and units

// Structure is a community's buildings, each with its units.
type Structure struct {
	Community *Community
	Buildings []*Building
	Units     map[int64][]*Unit // by building id
}

// Structure returns a community's buildings and units.
func (s *Service) Structure(ctx context.Context, by *auth.User, communityID int64) (*Structure, error) {
	c, err := s.Community(ctx, by, communityID)
	if err != nil {
		return nil, err
	}
	bs, err := listBuildings(ctx, s.DB, communityID)
	if err != nil {
		return nil, err
	}
	us, err := listUnits(ctx, s.DB, communityID)
	if err != nil {
		return nil, err
	}
	st := &Structure{Community: c, Buildings: bs, Units: map[int64][]*Unit{}}
	for _, u := range us {
		st.Units[u.BuildingID] = append(st.Units[u.BuildingID], u)
	}
	return st, nil
}

// Building returns one building.
func (s *Service) Building(ctx context.Context, by *auth.User, id int64) (*Building, error) {
	b, err := getBuilding(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return b, see(by, b.CommunityID)
}

// Unit returns one unit.
func (s *Service) Unit(ctx context.Context, by *auth.User, id int64) (*Unit, error) {
	u, err := getUnit(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return u, see(by, u.CommunityID)
}

// CreateBuilding adds a 楼栋 to a community.
func (s *Service) CreateBuilding(ctx context.Context, by *auth.User, in BuildingInput) (*Building, error) {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	in.Name = validSegment(&f, "name", "楼栋名称", in.Name)
	if in.Floors < 0 || in.Floors > 200 {
		f.Add("floors", "层数须在 0 到 200 之间")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var b *Building
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := getCommunity(ctx, tx, in.CommunityID); err != nil {
			if errs.CodeOf(err) == errs.CodeNotFound {
				return errs.Invalid("community_id", "小区不存在")
			}
			return err
		}
		if err := see(by, in.CommunityID); err != nil {
			return err
		}
		now := s.Now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO buildings (community_id, name, floors, notes, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$5) RETURNING id`, in.CommunityID, in.Name, in.Floors, in.Notes, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("name", "该小区已有楼栋 %s", in.Name)
		}
		if err != nil {
			return fmt.Errorf("insert building: %w", err)
		}
		if b, err = getBuilding(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, b.CommunityID, "building", id, audit.ActionCreate, nil, b)
	})
	return b, err
}

// CreateUnit adds a 单元 to a building.
func (s *Service) CreateUnit(ctx context.Context, by *auth.User, in UnitInput) (*Unit, error) {
	var f errs.Fields
	if in.BuildingID <= 0 {
		f.Add("building_id", "请选择楼栋")
	}
	in.Name = validSegment(&f, "name", "单元名称", in.Name)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var u *Unit
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		b, err := getBuilding(ctx, tx, in.BuildingID)
		if errs.CodeOf(err) == errs.CodeNotFound {
			return errs.Invalid("building_id", "楼栋不存在")
		}
		if err != nil {
			return err
		}
		if err := see(by, b.CommunityID); err != nil {
			return err
		}
		now := s.Now()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO units (community_id, building_id, name, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$4) RETURNING id`, b.CommunityID, b.ID, in.Name, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("name", "楼栋 %s 已有单元 %s", b.Name, in.Name)
		}
		if err != nil {
			return fmt.Errorf("insert unit: %w", err)
		}
		if u, err = getUnit(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, u.CommunityID, "unit", id, audit.ActionCreate, nil, u)
	})
	return u, err
}

func addDays(n int) string { return time.Now().In(shanghai).AddDate(0, 0, n).Format("2006-01-02") }

// UpdateBuilding renames a 楼栋 or changes its floors; the codes of its
// houses follow the new name in the same transaction.
func (s *Service) UpdateBuilding(ctx context.Context, by *auth.User, id int64, in BuildingInput) (*Building, error) {
	var f errs.Fields
	in.Name = validSegment(&f, "name", "楼栋名称", in.Name)
	if in.Floors < 0 || in.Floors > 200 {
		f.Add("floors", "层数须在 0 到 200 之间")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var b *Building
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getBuilding(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE buildings SET name=$1, floors=$2, notes=$3, updated_at=$4 WHERE id=$5`,
			in.Name, in.Floors, in.Notes, s.Now(), id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("name", "该小区已有楼栋 %s", in.Name)
		}
		if err != nil {
			return err
		}
		if in.Name != before.Name {
			if err := recode(ctx, tx, "h.building_id = $1", id); err != nil {
				return err
			}
		}
		if b, err = getBuilding(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, b.CommunityID, "building", id, audit.ActionUpdate, before, b)
	})
	return b, err
}

// UpdateUnit renames a 单元; its houses' codes follow.
func (s *Service) UpdateUnit(ctx context.Context, by *auth.User, id int64, name string) (*Unit, error) {
	var f errs.Fields
	name = validSegment(&f, "name", "单元名称", name)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var u *Unit
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getUnit(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE units SET name=$1, updated_at=$2 WHERE id=$3`, name, s.Now(), id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("name", "该楼栋已有单元 %s", name)
		}
		if err != nil {
			return err
		}
		if name != before.Name {
			if err := recode(ctx, tx, "h.unit_id = $1", id); err != nil {
				return err
			}
		}
		if u, err = getUnit(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, by, u.CommunityID, "unit", id, audit.ActionUpdate, before, u)
	})
	return u, err
}

// recode recomputes the 楼栋-单元-房号 codes of the houses matching where.
func recode(ctx context.Context, tx *sql.Tx, where string, arg int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT h.id, b.name, u.name, h.number FROM houses h
		JOIN buildings b ON b.id = h.building_id JOIN units u ON u.id = h.unit_id WHERE `+where, arg)
	if err != nil {
		return err
	}
	type code struct {
		id   int64
		code string
	}
	var codes []code
	for rows.Next() {
		var c code
		var b, u, n string
		if err := rows.Scan(&c.id, &b, &u, &n); err != nil {
			rows.Close()
			return err
		}
		c.code = HouseCode(b, u, n)
		codes = append(codes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, `UPDATE houses SET code = $1 WHERE id = $2`, c.code, c.id); err != nil {
			return fmt.Errorf("recode house %d: %w", c.id, err)
		}
	}
	return nil
}
