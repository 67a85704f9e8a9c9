package renovation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/billing"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// Rules are a community's 装修管理规定. The manual leaves the numbers of
// the extinguisher rule to the project (“每X平方米至少配备Y个Z公斤干粉灭火
// 器，不足X平方米的按X平方米计算”); until a community sets its own, the
// defaults below apply: every 50 m² one 4 kg dry-powder extinguisher,
// works 08:00–12:00 and 14:00–18:00 on weekdays and none on weekends,
// a ¥3,000.00 deposit and a ¥300.00 垃圾清运费.
type Rules struct {
	CommunityID   int64     `json:"community_id"`
	WeekdayHours  string    `json:"weekday_hours"` // "08:00-12:00,14:00-18:00"
	WeekendHours  string    `json:"weekend_hours"` // "" = no works
	WeekendNote   string    `json:"weekend_note"`
	WasteTimes    string    `json:"waste_times"`
	WastePlace    string    `json:"waste_place"`
	ExtArea       string    `json:"extinguisher_area"` // X, m²
	ExtCount      int       `json:"extinguisher_count"`
	ExtKg         int       `json:"extinguisher_kg"`
	Forbidden     []string  `json:"forbidden"`
	DepositFen    int64     `json:"deposit_fen"`
	WasteFeeFen   int64     `json:"waste_fee_fen"`
	DepositItemID *int64    `json:"deposit_item_id"` // nil: the item named 装修押金
	WasteItemID   *int64    `json:"waste_item_id"`   // nil: the item named 装修垃圾清运费
	Saved         bool      `json:"saved"`           // false: the defaults
	UpdatedAt     time.Time `json:"updated_at"`

	extArea int64
}

// Names of the fee items found, or created, when the rules name none.
const (
	DepositItemName = "装修押金"
	WasteItemName   = "装修垃圾清运费"
)

// DefaultForbidden are the works the manual's standard forbids.
var DefaultForbidden = []string{
	"拆改承重墙、梁、柱及楼板",
	"改变房屋外立面、封闭或外扩阳台",
	"阳台堆放装修物品及易燃易爆物品",
	"施工现场使用明火；特种作业须持证",
	"私拉乱接电线",
	"施工时打开通向公共通道的门窗",
	"装修垃圾堆放在公共区域或混入生活垃圾",
}

// DefaultRules are the rules of a community that has not set its own.
func DefaultRules(communityID int64) *Rules {
	return &Rules{CommunityID: communityID, WeekdayHours: "08:00-12:00,14:00-18:00",
		WeekendNote: "周六、周日及法定节假日不得进行产生噪音的施工", WasteTimes: "每日 18:00-19:00",
		WastePlace: "小区指定装修垃圾临时堆放点", ExtArea: "50.00", extArea: 5000, ExtCount: 1, ExtKg: 4,
		Forbidden: DefaultForbidden, DepositFen: 300000, WasteFeeFen: 30000}
}

// ExtinguisherRule says the rule in the manual's words.
func (r *Rules) ExtinguisherRule() string {
	return extRule(r.extArea, r.ExtCount, r.ExtKg)
}

func extRule(area int64, count, kg int) string {
	a := money.PlainHundredths(area) // "50.00" → "50", "50.50" → "50.5"
	if a = strings.TrimSuffix(a, ".00"); strings.Contains(a, ".") {
		a = strings.TrimSuffix(a, "0")
	}
	return fmt.Sprintf("每 %s 平方米至少配备 %d 个 %d 公斤干粉灭火器，不足 %s 平方米的按 %s 平方米计算", a, count, kg, a, a)
}

// Required is the extinguishers an area (hundredths of m²) needs.
func (r *Rules) Required(area int64) int { return Extinguishers(area, r.extArea, r.ExtCount) }

// RulesInput sets a community's rules. Amounts are 分; ExtArea is m².
type RulesInput struct {
	WeekdayHours  string   `json:"weekday_hours"`
	WeekendHours  string   `json:"weekend_hours"`
	WeekendNote   string   `json:"weekend_note"`
	WasteTimes    string   `json:"waste_times"`
	WastePlace    string   `json:"waste_place"`
	ExtArea       web.Text `json:"extinguisher_area"`
	ExtCount      int      `json:"extinguisher_count"`
	ExtKg         int      `json:"extinguisher_kg"`
	Forbidden     []string `json:"forbidden"`
	DepositFen    int64    `json:"deposit_fen"`
	WasteFeeFen   int64    `json:"waste_fee_fen"`
	DepositItemID int64    `json:"deposit_item_id"` // 0 = by name
	WasteItemID   int64    `json:"waste_item_id"`
}

// RulesInputOf returns the editable fields of r, the base a partial
// update decodes over.
func RulesInputOf(r *Rules) RulesInput {
	in := RulesInput{WeekdayHours: r.WeekdayHours, WeekendHours: r.WeekendHours, WeekendNote: r.WeekendNote,
		WasteTimes: r.WasteTimes, WastePlace: r.WastePlace, ExtArea: web.Text(r.ExtArea), ExtCount: r.ExtCount,
		ExtKg: r.ExtKg, Forbidden: r.Forbidden, DepositFen: r.DepositFen, WasteFeeFen: r.WasteFeeFen}
	if r.DepositItemID != nil {
		in.DepositItemID = *r.DepositItemID
	}
	if r.WasteItemID != nil {
		in.WasteItemID = *r.WasteItemID
	}
	return in
}

// hours normalises "08:00-12:00，14:00~18:00" to "08:00-12:00,14:00-18:00".
func hours(s string) (string, bool) {
	s = strings.NewReplacer("，", ",", "、", ",", ";", ",", "；", ",", "~", "-", "～", "-", "–", "-", "—", "-", "至", "-",
		"：", ":", " ", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return "", true
	}
	var out []string
	last := ""
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return "", false
		}
		a, okA := clock(from)
		b, okB := clock(to)
		if !okA || !okB || a >= b || a < last {
			return "", false
		}
		last = b
		out = append(out, a+"-"+b)
	}
	return strings.Join(out, ","), len(out) > 0
}

func clock(s string) (string, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return "", false
	}
	return t.Format("15:04"), true
}

func (in *RulesInput) validate() (int64, error) {
	var f errs.Fields
	var ok bool
	if strings.TrimSpace(in.WeekdayHours) == "" {
		f.Add("weekday_hours", "请填写工作日施工时间，如 08:00-12:00,14:00-18:00")
	} else if in.WeekdayHours, ok = hours(in.WeekdayHours); !ok {
		f.Add("weekday_hours", "施工时间格式应为 08:00-12:00,14:00-18:00（时段按先后排列）")
	}
	if in.WeekendHours, ok = hours(in.WeekendHours); !ok {
		f.Add("weekend_hours", "周末施工时间格式应为 09:00-12:00，不允许施工请留空")
	}
	text(&f, &in.WeekendNote, "weekend_note", "周末及节假日规定", 200, false)
	text(&f, &in.WasteTimes, "waste_times", "垃圾清运时间", 100, true)
	text(&f, &in.WastePlace, "waste_place", "垃圾堆放地点", 100, true)
	var area int64
	if v, err := money.ParseHundredths(string(in.ExtArea)); err != nil || v < 100 || v > 1000_00 {
		f.Add("extinguisher_area", "灭火器配置面积须为 1 到 1000 平方米")
	} else {
		area = v
	}
	if in.ExtCount < 1 || in.ExtCount > 20 {
		f.Add("extinguisher_count", "灭火器个数须为 1 到 20")
	}
	if in.ExtKg < 1 || in.ExtKg > 50 {
		f.Add("extinguisher_kg", "灭火器规格须为 1 到 50 公斤")
	}
	var forbidden []string
	for _, x := range in.Forbidden {
		if x = strings.TrimSpace(x); x == "" {
			continue
		}
		if utf8.RuneCountInString(x) > 100 {
			f.Add("forbidden", "每条禁止事项不能超过 100 个字")
			break
		}
		forbidden = append(forbidden, x)
	}
	if len(forbidden) > 50 {
		f.Add("forbidden", "禁止事项最多 50 条")
	}
	in.Forbidden = forbidden
	for _, m := range []struct {
		v           int64
		field, what string
	}{{in.DepositFen, "deposit_fen", "装修押金"}, {in.WasteFeeFen, "waste_fee_fen", "垃圾清运费"}} {
		if m.v < 0 || m.v > 100_000_000 {
			f.Add(m.field, "%s须在 0 到 ¥1,000,000.00 之间（分）", m.what)
		}
	}
	if in.DepositItemID < 0 || in.WasteItemID < 0 {
		f.Add("deposit_item_id", "收费项目无效")
	}
	return area, f.Err()
}

const rulesCols = `community_id, weekday_hours, weekend_hours, weekend_note, waste_times, waste_place, ext_area, ext_count,
	ext_kg, forbidden, deposit_fen, waste_fee_fen, deposit_item_id, waste_item_id, updated_at`

func getRules(ctx context.Context, q db.Querier, communityID int64) (*Rules, error) {
	var r Rules
	var forbidden string
	err := q.QueryRowContext(ctx, `SELECT `+rulesCols+` FROM renovation_rules WHERE community_id = $1`, communityID).Scan(
		&r.CommunityID, &r.WeekdayHours, &r.WeekendHours, &r.WeekendNote, &r.WasteTimes, &r.WastePlace, &r.extArea,
		&r.ExtCount, &r.ExtKg, &forbidden, &r.DepositFen, &r.WasteFeeFen, &r.DepositItemID, &r.WasteItemID, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultRules(communityID), nil
	}
	if err != nil {
		return nil, fmt.Errorf("renovation rules: %w", err)
	}
	r.Saved, r.ExtArea = true, money.PlainHundredths(r.extArea)
	r.Forbidden = []string{}
	for _, l := range strings.Split(forbidden, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			r.Forbidden = append(r.Forbidden, l)
		}
	}
	return &r, nil
}

// communityExists reads in the caller's transaction, if any (the demo
// loads communities and their rules in one).
func communityExists(ctx context.Context, q db.Querier, id int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM communities WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.NotFound("小区不存在")
	}
	return nil
}

// Rules returns a community's rules (the defaults until it sets its own).
func (s *Service) Rules(ctx context.Context, by *auth.User, communityID int64) (*Rules, error) {
	if err := can(by, auth.PermRenovationRead, communityID); err != nil {
		return nil, err
	}
	if err := communityExists(ctx, s.DB.Q(ctx), communityID); err != nil {
		return nil, err
	}
	return getRules(ctx, s.DB.Q(ctx), communityID)
}

// SaveRules sets a community's rules. Applications already registered
// keep the extinguisher rule they were registered under. A changed
// amount becomes the price of its fee item from this month on (billing's
// SetPrice), so that what approval charges is what the rules say.
func (s *Service) SaveRules(ctx context.Context, by *auth.User, communityID int64, in RulesInput) (*Rules, error) {
	if err := can(by, auth.PermRenovationApprove, communityID); err != nil {
		return nil, err
	}
	if err := communityExists(ctx, s.DB.Q(ctx), communityID); err != nil {
		return nil, err
	}
	area, err := in.validate()
	if err != nil {
		return nil, err
	}
	var out *Rules
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		ctx := db.WithTx(ctx, tx)
		before, err := getRules(ctx, tx, communityID)
		if err != nil {
			return err
		}
		item := func(id int64, field string, deposit bool) (*int64, error) {
			if id == 0 {
				return nil, nil
			}
			it, err := s.Billing.OneOffItem(ctx, by, communityID, id, "")
			if errs.CodeOf(err) == errs.CodeNotFound || errs.CodeOf(err) == errs.CodeForbidden || (err == nil && it.Deposit != deposit) {
				want := "非押金的一次性"
				if deposit {
					want = "押金类的一次性"
				}
				return nil, errs.Invalid(field, "请选择本小区%s收费项目", want)
			}
			if err != nil {
				return nil, err
			}
			return &id, nil
		}
		depItem, err := item(in.DepositItemID, "deposit_item_id", true)
		if err != nil {
			return err
		}
		wasteItem, err := item(in.WasteItemID, "waste_item_id", false)
		if err != nil {
			return err
		}
		now := s.Now()
		_, err = tx.ExecContext(ctx, `INSERT INTO renovation_rules (community_id, weekday_hours, weekend_hours, weekend_note,
			waste_times, waste_place, ext_area, ext_count, ext_kg, forbidden, deposit_fen, waste_fee_fen, deposit_item_id,
			waste_item_id, updated_by, created_by, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15,$16,$16)
			ON CONFLICT (community_id) DO UPDATE SET weekday_hours=$2, weekend_hours=$3, weekend_note=$4, waste_times=$5,
			waste_place=$6, ext_area=$7, ext_count=$8, ext_kg=$9, forbidden=$10, deposit_fen=$11, waste_fee_fen=$12,
			deposit_item_id=$13, waste_item_id=$14, updated_by=$15, updated_at=$16`,
			communityID, in.WeekdayHours, in.WeekendHours, in.WeekendNote, in.WasteTimes, in.WastePlace, area, in.ExtCount,
			in.ExtKg, strings.Join(in.Forbidden, "\n"), in.DepositFen, in.WasteFeeFen, depItem, wasteItem, by.ID, now)
		if err != nil {
			return fmt.Errorf("save renovation rules: %w", err)
		}
		if out, err = getRules(ctx, tx, communityID); err != nil {
			return err
		}
		for _, p := range []struct {
			item *int64
			name string
			fen  int64
		}{{out.DepositItemID, DepositItemName, out.DepositFen}, {out.WasteItemID, WasteItemName, out.WasteFeeFen}} {
			if err := s.syncPrice(ctx, by, communityID, p.item, p.name, p.fen); err != nil {
				return err
			}
		}
		var b any
		if before.Saved {
			b = before
		}
		return record(ctx, tx, by, communityID, "renovation_rules", communityID, audit.ActionUpdate, b, out)
	})
	return out, err
}

// syncPrice makes an existing fee item's price of this month the rules'
// amount. An item not created yet is created at the first approval.
func (s *Service) syncPrice(ctx context.Context, by *auth.User, communityID int64, id *int64, name string, fen int64) error {
	if fen <= 0 {
		return nil
	}
	var itemID int64
	if id != nil {
		itemID = *id
	}
	it, err := s.Billing.OneOffItem(ctx, by, communityID, itemID, name)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	period := billing.PeriodOf(s.Now())
	if p, ok := it.PriceAt(period); ok && p == fen*100 {
		return nil
	}
	_, err = s.Billing.SetPrice(ctx, by, it.ID, billing.PriceInput{UnitPrice: web.Text(money.PlainHundredths(fen)),
		EffectiveFrom: period})
	return err
}
