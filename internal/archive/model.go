// Package archive is the 业主档案: communities, buildings, units, houses,
// owners (with co-ownership and 过户 history), residents and vehicles,
// and the one-box search over all of them.
package archive

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// Enumerations, stored as the manual's own words.
var (
	CommunityTypes   = []string{"住宅", "商业", "写字楼", "混合"}
	HouseUses        = []string{"住宅", "商铺", "车位", "储藏室"}
	HouseStatuses    = []string{"空置", "自住", "出租", "装修中", "已入住"}
	OwnerCategories  = []string{"普通", "VIP", "业委会成员", "重点关注"}
	IDTypes          = []string{"身份证", "护照", "港澳台通行证", "营业执照", "其他"}
	ResidentKinds    = []string{"家庭成员", "租户", "其他"}
	VehicleColors    = []string{"白", "黑", "银", "灰", "红", "蓝", "金", "绿", "其他"}
	englishEnumAlias = map[string]string{
		"residential": "住宅", "commercial": "商业", "office": "写字楼", "mixed": "混合",
		"shop": "商铺", "parking": "车位", "storage": "储藏室",
		"vacant": "空置", "owner_occupied": "自住", "occupied": "自住", "rented": "出租", "renovating": "装修中", "moved_in": "已入住",
		"normal": "普通", "vip": "VIP", "committee": "业委会成员", "watch": "重点关注", "attention": "重点关注",
		"family": "家庭成员", "tenant": "租户", "other": "其他",
	}
)

// enum normalises v (a Chinese value or an English alias) against allowed;
// empty takes def.
func enum(v, def string, allowed []string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, def != ""
	}
	if a, ok := englishEnumAlias[strings.ToLower(v)]; ok {
		v = a
	}
	return v, slices.Contains(allowed, v)
}

// Community is a 小区/项目, the scope of data and permissions.
type Community struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Address   string    `json:"address"`
	Type      string    `json:"type"`
	TotalArea string    `json:"total_area"` // m², two decimals
	Phone     string    `json:"phone"`
	Notes     string    `json:"notes"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	totalArea int64
}

// CommunityInput is what a form or API call sets on a community.
type CommunityInput struct {
	Name      string   `json:"name"`
	Address   string   `json:"address"`
	Type      string   `json:"type"`
	TotalArea web.Text `json:"total_area"`
	Phone     string   `json:"phone"`
	Notes     string   `json:"notes"`
}

func (in *CommunityInput) validate() (area int64, err error) {
	var f errs.Fields
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		f.Add("name", "请填写小区名称")
	} else if utf8.RuneCountInString(in.Name) > 60 {
		f.Add("name", "小区名称不能超过 60 个字")
	}
	var ok bool
	if in.Type, ok = enum(in.Type, "住宅", CommunityTypes); !ok {
		f.Add("type", "小区类型须为 住宅/商业/写字楼/混合")
	}
	area = parseArea(&f, "total_area", string(in.TotalArea), false)
	if in.Phone = strings.TrimSpace(in.Phone); in.Phone != "" && !phoneRe.MatchString(in.Phone) {
		f.Add("phone", "电话号码格式不正确")
	}
	in.Address = strings.TrimSpace(in.Address)
	return area, f.Err()
}

// Building is a 楼栋.
type Building struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	Name        string    `json:"name"`
	Floors      int       `json:"floors"`
	Notes       string    `json:"notes"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// BuildingInput creates or edits a building.
type BuildingInput struct {
	CommunityID int64  `json:"community_id"`
	Name        string `json:"name"`
	Floors      int    `json:"floors"`
	Notes       string `json:"notes"`
}

// Unit is a 单元 of a building.
type Unit struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	BuildingID  int64     `json:"building_id"`
	Name        string    `json:"name"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// UnitInput creates or edits a unit.
type UnitInput struct {
	BuildingID int64  `json:"building_id"`
	Name       string `json:"name"`
}

var segmentRe = regexp.MustCompile(`^[\p{Han}A-Za-z0-9#号栋座幢单元区期]{1,20}$`)

func validSegment(f *errs.Fields, field, label, v string) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		f.Add(field, "请填写%s", label)
	case strings.Contains(v, "-"):
		f.Add(field, "%s不能包含短横线（房屋编码用它分隔楼栋-单元-房号）", label)
	case !segmentRe.MatchString(v):
		f.Add(field, "%s只能包含汉字、字母和数字，最多 20 个字", label)
	}
	return v
}

// House is a 房屋, shown by its code 楼栋-单元-房号.
type House struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	BuildingID  int64     `json:"building_id"`
	UnitID      int64     `json:"unit_id"`
	Code        string    `json:"code"`
	Number      string    `json:"number"`
	Floor       int       `json:"floor"`
	GrossArea   string    `json:"gross_area"`
	InnerArea   string    `json:"inner_area"`
	Use         string    `json:"use"`
	Status      string    `json:"status"`
	DeliveredOn string    `json:"delivered_on"`
	Notes       string    `json:"notes"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	Owners []HouseOwner `json:"owners,omitempty"`

	gross, inner int64
}

// GrossHundredths and InnerHundredths are the areas as stored.
func (h *House) GrossHundredths() int64 { return h.gross }
func (h *House) InnerHundredths() int64 { return h.inner }

// HouseInput creates or edits a house. Areas arrive as decimal strings or
// JSON numbers.
type HouseInput struct {
	UnitID      int64    `json:"unit_id"`
	Number      string   `json:"number"`
	Floor       int      `json:"floor"`
	GrossArea   web.Text `json:"gross_area"`
	InnerArea   web.Text `json:"inner_area"`
	Use         string   `json:"use"`
	Status      string   `json:"status"`
	DeliveredOn string   `json:"delivered_on"`
	Notes       string   `json:"notes"`
}

var numberRe = regexp.MustCompile(`^[A-Za-z0-9]{1,12}$`)

func (in *HouseInput) validate() (gross, inner int64, err error) {
	var f errs.Fields
	if in.UnitID <= 0 {
		f.Add("unit_id", "请选择单元")
	}
	in.Number = strings.TrimSpace(in.Number)
	switch {
	case in.Number == "":
		f.Add("number", "请填写房号")
	case !numberRe.MatchString(in.Number):
		f.Add("number", "房号只能包含字母和数字，最多 12 位")
	}
	if in.Floor < -10 || in.Floor > 200 {
		f.Add("floor", "楼层须在 -10 到 200 之间")
	}
	gross = parseArea(&f, "gross_area", string(in.GrossArea), true)
	inner = parseArea(&f, "inner_area", string(in.InnerArea), false)
	if gross > 0 && inner > gross {
		f.Add("inner_area", "套内面积不能大于建筑面积")
	}
	var ok bool
	if in.Use, ok = enum(in.Use, "住宅", HouseUses); !ok {
		f.Add("use", "用途须为 住宅/商铺/车位/储藏室")
	}
	if in.Status, ok = enum(in.Status, "空置", HouseStatuses); !ok {
		f.Add("status", "状态须为 空置/自住/出租/装修中/已入住")
	}
	in.DeliveredOn = parseDate(&f, "delivered_on", in.DeliveredOn)
	return gross, inner, f.Err()
}

// parseArea reads a m² value with at most two decimals; required areas
// must be positive, optional ones may be empty (0) but never negative.
func parseArea(f *errs.Fields, field, s string, required bool) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			f.Add(field, "请填写面积")
		}
		return 0
	}
	v, err := money.ParseHundredths(s)
	switch {
	case err == money.ErrPrecision:
		f.Add(field, "面积最多两位小数")
	case err != nil:
		f.Add(field, "面积须为数字，如 89.50")
	case v < 0:
		f.Add(field, "面积不能为负数")
	case v == 0 && required:
		f.Add(field, "面积必须大于 0")
	case v > 100_000_000_00:
		f.Add(field, "面积过大")
	}
	return v
}

// parseDate accepts YYYY-MM-DD (also YYYY/MM/DD and YYYY.MM.DD) or empty.
func parseDate(f *errs.Fields, field, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("/", "-", ".", "-").Replace(s)
	t, err := time.Parse("2006-1-2", s)
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		f.Add(field, "日期格式应为 2026-01-31")
		return s
	}
	return t.Format("2006-01-02")
}

// Owner is a 业主 (a person or an organisation) in one community.
type Owner struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	Name        string    `json:"name"`
	Phone       string    `json:"phone"`
	Phone2      string    `json:"phone2"`
	IDType      string    `json:"id_type"`
	IDNumber    string    `json:"id_number"`
	Category    string    `json:"category"`
	Notes       string    `json:"notes"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	Houses []HouseOwner `json:"houses,omitempty"`
}

// OwnerInput creates or edits an owner.
type OwnerInput struct {
	CommunityID int64  `json:"community_id"`
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	Phone2      string `json:"phone2"`
	IDType      string `json:"id_type"`
	IDNumber    string `json:"id_number"`
	Category    string `json:"category"`
	Notes       string `json:"notes"`
}

var phoneRe = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8}|400-?\d{3}-?\d{4})$`)

func validPerson(f *errs.Fields, name, phone *string, required bool) {
	*name = strings.TrimSpace(*name)
	if *name == "" {
		f.Add("name", "请填写姓名")
	} else if utf8.RuneCountInString(*name) > 60 {
		f.Add("name", "姓名不能超过 60 个字")
	}
	*phone = normPhone(*phone)
	if *phone == "" && required {
		f.Add("phone", "请填写联系电话")
	} else if *phone != "" && !phoneRe.MatchString(*phone) {
		f.Add("phone", "电话号码格式不正确，手机号应为 11 位")
	}
}

var phoneClean = strings.NewReplacer(" ", "", "—", "-")

func normPhone(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+86")
	return phoneClean.Replace(strings.TrimSpace(s))
}

func (in *OwnerInput) validate() error {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	validPerson(&f, &in.Name, &in.Phone, false)
	if in.Phone2 = normPhone(in.Phone2); in.Phone2 != "" && !phoneRe.MatchString(in.Phone2) {
		f.Add("phone2", "备用电话格式不正确")
	}
	var ok bool
	if in.IDType, ok = enum(in.IDType, "身份证", IDTypes); !ok {
		f.Add("id_type", "证件类型无效")
	}
	in.IDNumber = strings.ToUpper(strings.TrimSpace(in.IDNumber))
	if in.IDNumber != "" && in.IDType == "身份证" && !ValidIDNumber(in.IDNumber) {
		f.Add("id_number", "身份证号码无效（应为 18 位且校验位正确）")
	}
	if len(in.IDNumber) > 40 {
		f.Add("id_number", "证件号码过长")
	}
	if in.Category, ok = enum(in.Category, "普通", OwnerCategories); !ok {
		f.Add("category", "业主类别须为 普通/VIP/业委会成员/重点关注")
	}
	return f.Err()
}

// HouseOwner links an owner to a house with a share; ended links are the
// ownership history (过户 keeps the previous owners).
type HouseOwner struct {
	ID          int64  `json:"link_id"` // the link; JSON "id" is the owner (see MarshalJSON)
	HouseID     int64  `json:"house_id"`
	OwnerID     int64  `json:"owner_id"`
	CommunityID int64  `json:"community_id"`
	Share       string `json:"share"` // percent, two decimals
	Since       string `json:"since"`
	Until       string `json:"until"`
	Active      bool   `json:"active"`
	EndReason   string `json:"end_reason,omitempty"`

	// Denormalised for display.
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	Category  string `json:"category,omitempty"`
	HouseCode string `json:"house_code,omitempty"`

	share int64
}

// MarshalJSON shows a link as the owner it names: "id" is the owner's id
// (as in "owners":[{"id","name","phone"}] of a house), "link_id" the
// link's own id, which ending a link needs.
func (l HouseOwner) MarshalJSON() ([]byte, error) {
	type plain HouseOwner
	return json.Marshal(struct {
		plain
		ID int64 `json:"id"`
	}{plain(l), l.OwnerID})
}

// ShareInput names one owner and share when linking or transferring.
type ShareInput struct {
	OwnerID int64       `json:"owner_id"`
	Share   web.Text    `json:"share"`
	New     *OwnerInput `json:"new,omitempty"` // a new owner instead of owner_id
}

// parseShare reads a percent such as "50", "50.5" or "50%"; empty is 0.
func parseShare(f *errs.Fields, s string) int64 {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	if s == "" {
		return 0
	}
	v, err := money.ParseHundredths(s)
	if err != nil || v <= 0 || v > 100_00 {
		f.Add("share", "产权份额须为 0 到 100 之间的百分比，如 50")
	}
	return v
}

// TransferInput is a 过户: the new owners replace every current one.
type TransferInput struct {
	Date   string       `json:"date"`
	Reason string       `json:"reason"`
	Owners []ShareInput `json:"owners"`
}

// Resident is a 住户: a family member, a tenant or another occupant.
type Resident struct {
	ID          int64     `json:"id"`
	CommunityID int64     `json:"community_id"`
	HouseID     int64     `json:"house_id"`
	HouseCode   string    `json:"house_code"`
	Name        string    `json:"name"`
	Phone       string    `json:"phone"`
	IDNumber    string    `json:"id_number"`
	Kind        string    `json:"kind"`
	Relation    string    `json:"relation"`
	LeaseStart  string    `json:"lease_start"`
	LeaseEnd    string    `json:"lease_end"`
	MovedOut    bool      `json:"moved_out"`
	Notes       string    `json:"notes"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ResidentInput creates or edits a resident.
type ResidentInput struct {
	HouseID    int64  `json:"house_id"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	IDNumber   string `json:"id_number"`
	Kind       string `json:"kind"`
	Relation   string `json:"relation"`
	LeaseStart string `json:"lease_start"`
	LeaseEnd   string `json:"lease_end"`
	MovedOut   bool   `json:"moved_out"`
	Notes      string `json:"notes"`
}

func (in *ResidentInput) validate() error {
	var f errs.Fields
	if in.HouseID <= 0 {
		f.Add("house_id", "请选择房屋")
	}
	validPerson(&f, &in.Name, &in.Phone, false)
	var ok bool
	if in.Kind, ok = enum(in.Kind, "家庭成员", ResidentKinds); !ok {
		f.Add("kind", "住户类型须为 家庭成员/租户/其他")
	}
	in.IDNumber = strings.ToUpper(strings.TrimSpace(in.IDNumber))
	if len(in.IDNumber) > 40 {
		f.Add("id_number", "证件号码过长")
	}
	in.LeaseStart = parseDate(&f, "lease_start", in.LeaseStart)
	in.LeaseEnd = parseDate(&f, "lease_end", in.LeaseEnd)
	if in.Kind == "租户" && in.LeaseStart == "" {
		f.Add("lease_start", "租户需填写租期开始日期")
	}
	if in.LeaseStart != "" && in.LeaseEnd != "" && in.LeaseEnd < in.LeaseStart {
		f.Add("lease_end", "租期结束不能早于开始")
	}
	if in.Kind != "租户" {
		in.LeaseStart, in.LeaseEnd = "", ""
	}
	in.Relation = strings.TrimSpace(in.Relation)
	return f.Err()
}

// Vehicle is a car registered to a house.
type Vehicle struct {
	ID           int64     `json:"id"`
	CommunityID  int64     `json:"community_id"`
	HouseID      int64     `json:"house_id"`
	HouseCode    string    `json:"house_code"`
	Plate        string    `json:"plate"`
	Color        string    `json:"color"`
	Brand        string    `json:"brand"`
	ParkingSpace string    `json:"parking_space"`
	OwnerName    string    `json:"owner_name"`
	Phone        string    `json:"phone"`
	Removed      bool      `json:"removed"`
	Notes        string    `json:"notes"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// VehicleInput creates or edits a vehicle.
type VehicleInput struct {
	HouseID      int64  `json:"house_id"`
	Plate        string `json:"plate"`
	Color        string `json:"color"`
	Brand        string `json:"brand"`
	ParkingSpace string `json:"parking_space"`
	OwnerName    string `json:"owner_name"`
	Phone        string `json:"phone"`
	Removed      bool   `json:"removed"`
	Notes        string `json:"notes"`
}

var plateRe = regexp.MustCompile(`^[\p{Han}][A-Z][A-Z0-9]{4,6}[\p{Han}]?$`)

// NormPlate upper-cases a plate and drops spaces, dots and dashes.
func NormPlate(s string) string {
	return strings.ToUpper(plateClean.Replace(strings.TrimSpace(s)))
}

var plateClean = strings.NewReplacer(" ", "", "·", "", ".", "", "-", "", "•", "")

func (in *VehicleInput) validate() error {
	var f errs.Fields
	if in.HouseID <= 0 {
		f.Add("house_id", "请选择房屋")
	}
	in.Plate = NormPlate(in.Plate)
	if in.Plate == "" {
		f.Add("plate", "请填写车牌号")
	} else if !plateRe.MatchString(in.Plate) {
		f.Add("plate", "车牌号格式不正确，如 粤B12345")
	}
	if in.Phone = normPhone(in.Phone); in.Phone != "" && !phoneRe.MatchString(in.Phone) {
		f.Add("phone", "电话号码格式不正确")
	}
	in.Color = strings.TrimSpace(in.Color)
	in.ParkingSpace = strings.TrimSpace(in.ParkingSpace)
	return f.Err()
}
