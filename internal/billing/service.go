package billing

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is billing's migrations (after archive).
var Module = db.Module{Name: "billing", FS: migrations}

func init() {
	audit.Describe("fee_item", "收费项目", map[string]string{"name": "名称", "kind": "计费方式", "deposit": "押金",
		"applies_to": "适用范围", "unit_price": "单价", "late_fee_daily_rate": "滞纳金日费率(%)",
		"late_fee_grace_days": "滞纳金宽限天数", "late_fee_cap": "滞纳金上限(%)", "active": "启用", "notes": "备注"})
	audit.Describe("fee_price", "收费标准", map[string]string{"unit_price": "单价", "effective_from": "起始月份"})
	audit.Describe("fee_exemption", "减免", map[string]string{"from": "起始月份", "to": "结束月份", "reason": "原因",
		"voided": "已作废", "void_reason": "作废原因"})
	audit.Describe("meter_reading", "抄表", map[string]string{"period": "月份", "reading": "读数", "previous": "上次读数",
		"consumption": "用量", "replacement": "换表"})
	audit.Describe("bill_run", "出账", map[string]string{"period": "月份", "status": "状态", "created": "生成笔数",
		"total_fen": "金额(分)", "void_reason": "作废原因"})
	audit.Describe("bill", "账单", map[string]string{"status": "状态", "amount_fen": "金额(分)", "period": "月份",
		"late_fee_waived_reason": "滞纳金减免原因", "note": "备注"})
	audit.Describe("payment", "缴费", map[string]string{"receipt_number": "收据号", "method": "方式", "amount_fen": "金额(分)",
		"late_fee_fen": "滞纳金(分)", "status": "状态", "void_reason": "作废原因"})
	audit.DescribeValues("payment", Labels)
	audit.DescribeValues("dunning", Labels)
	audit.Describe("dunning", "催缴", map[string]string{"method": "方式", "result": "结果", "next_follow_up": "下次跟进"})
	audit.Describe("expenditure", "支出", map[string]string{"spent_on": "日期", "category": "类别", "description": "说明",
		"amount_fen": "金额(分)", "voided": "已作废", "void_reason": "作废原因"})
}

// Service holds the billing rules. Every method takes the acting user and
// checks the permission and the community scope itself (defence in depth
// behind the route's role check).
type Service struct {
	DB  *db.DB
	Now func() time.Time

	// batch is the number of bill lines per INSERT of a run; afterBatch,
	// when set (tests), runs after each batch inside the transaction and
	// may fail it, to prove a run is all or nothing.
	batch      int
	afterBatch func(inserted int) error

	// turns holds a one-slot queue per community (see payTurn).
	turns sync.Map
}

// NewService returns the billing service.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }, batch: 500}
}

// Scope is the communities a user sees: nil for all.
func Scope(u *auth.User) []int64 {
	if u.AllCommunities() {
		return nil
	}
	if u.Communities == nil {
		return []int64{}
	}
	return u.Communities
}

func see(u *auth.User, communityID int64) error {
	if !u.Sees(communityID) {
		return errs.Forbidden("该记录不在您管辖的小区内")
	}
	return nil
}

func can(u *auth.User, perm, what string) error {
	if !u.Can(perm) {
		return errs.Forbidden("您没有%s的权限", what)
	}
	return nil
}

// canRead checks the permission every read of billing records needs.
func canRead(u *auth.User) error { return can(u, auth.PermBillingRead, "查看收费记录") }

func record(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, entity string, id int64, action string, before, after any) error {
	return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), CommunityID: communityID, Entity: entity,
		EntityID: id, Action: action, Before: before, After: after})
}

// houseFor loads a house and checks the caller sees it; a missing house
// named in a body is invalid input on field.
func houseFor(ctx context.Context, q db.Querier, by *auth.User, id int64, field string) (*house, error) {
	if id <= 0 {
		return nil, errs.Invalid(field, "请选择房屋")
	}
	h, err := getHouse(ctx, q, id)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return nil, errs.Invalid(field, "房屋不存在")
	}
	if err != nil {
		return nil, err
	}
	return h, see(by, h.CommunityID)
}

// Fee items

func (in *FeeItemInput) validate(create bool) (price, rate, capRate int64, err error) {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		f.Add("name", "请填写收费项目名称")
	case utf8.RuneCountInString(in.Name) > 40:
		f.Add("name", "名称不能超过 40 个字")
	}
	var ok bool
	if in.Kind, ok = canon(in.Kind, Kinds); !ok {
		f.Add("kind", "计费方式须为 area（按面积）/ fixed（固定）/ metered（抄表）/ oneoff（一次性）")
	}
	if in.Deposit && in.Kind != KindOneOff {
		f.Add("deposit", "押金只能是一次性收费项目")
	}
	if in.Shared && in.Kind != KindMetered {
		f.Add("shared", "只有抄表计费的项目才能按面积公摊")
	}
	if create {
		if strings.TrimSpace(string(in.UnitPrice)) == "" {
			f.Add("unit_price", "请填写单价")
		} else if price, err = parsePrice(string(in.UnitPrice)); err != nil {
			f.Add("unit_price", "%s", err.Error())
		}
		if in.EffectiveFrom != "" {
			if in.EffectiveFrom, ok = normPeriod(in.EffectiveFrom); !ok {
				f.Add("effective_from", "起始月份格式应为 2026-01")
			}
		}
	}
	for _, u := range in.AppliesTo.Uses {
		if !slices.Contains([]string{"住宅", "商铺", "车位", "储藏室"}, u) {
			f.Add("applies_to", "适用用途须为 住宅/商铺/车位/储藏室")
			break
		}
	}
	if len(in.AppliesTo.BuildingIDs)+len(in.AppliesTo.HouseIDs) > 10000 {
		f.Add("applies_to", "适用房屋过多，请按楼栋或用途选择")
	}
	if rate, err = parseRate(string(in.LateFeeRate), 1); err != nil {
		f.Add("late_fee_daily_rate", "滞纳金日费率%s（百分比，最多四位小数，如 0.05）", err.Error())
	}
	if capRate, err = parseRate(string(in.LateFeeCap), 100); err != nil {
		f.Add("late_fee_cap", "滞纳金上限%s（占欠费的百分比，如 100）", err.Error())
	}
	if rate > 0 && capRate == 0 {
		capRate = 1_000_000 // empty or 0: no more than the bill itself
	}
	if in.LateFeeGraceDays < 0 || in.LateFeeGraceDays > 3650 {
		f.Add("late_fee_grace_days", "宽限天数须在 0 到 3650 之间")
	}
	in.Notes = strings.TrimSpace(in.Notes)
	return price, rate, capRate, f.Err()
}

// parsePrice reads a unit price in 元 with up to four decimals.
func parsePrice(s string) (int64, error) {
	p, err := parseDecimal(s, 4)
	switch {
	case err == errPrecision:
		return 0, fmt.Errorf("单价最多四位小数")
	case err != nil:
		return 0, fmt.Errorf("单价须为数字，如 2.35")
	case p > 1_000_000*10000:
		return 0, fmt.Errorf("单价过大")
	}
	return p, nil
}

// parseRate reads a percentage with up to four decimals as ten-thousandths
// of a percent, at most max percent; empty is 0.
func parseRate(s string, maxPercent int64) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	r, err := parseDecimal(strings.TrimSuffix(strings.TrimSpace(s), "%"), 4)
	switch {
	case err == errPrecision:
		return 0, fmt.Errorf("最多四位小数")
	case err != nil:
		return 0, fmt.Errorf("须为数字")
	case r > maxPercent*10000:
		return 0, fmt.Errorf("不能超过 %d%%", maxPercent)
	}
	return r, nil
}

// checkApplies makes sure the buildings and houses named belong to the
// item's community.
func checkApplies(ctx context.Context, q db.Querier, communityID int64, a AppliesTo) error {
	for _, set := range []struct {
		table string
		ids   []int64
	}{{"buildings", a.BuildingIDs}, {"houses", a.HouseIDs}} {
		if len(set.ids) == 0 {
			continue
		}
		ids := slices.Compact(slices.Sorted(slices.Values(set.ids)))
		in, args := db.In([]any{communityID}, ids)
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+set.table+` WHERE community_id = $1 AND id IN (`+in+`)`,
			args...).Scan(&n); err != nil {
			return err
		}
		if n != len(ids) {
			return errs.Invalid("applies_to", "适用范围中有不属于该小区的楼栋或房屋")
		}
	}
	return nil
}

// CreateFeeItem adds a fee item with its first price.
func (s *Service) CreateFeeItem(ctx context.Context, by *auth.User, in FeeItemInput) (*FeeItem, error) {
	if err := can(by, auth.PermBillingAdmin, "设置收费项目"); err != nil {
		return nil, err
	}
	price, rate, capRate, err := in.validate(true)
	if err != nil {
		return nil, err
	}
	if err := see(by, in.CommunityID); err != nil {
		return nil, err
	}
	active := in.Active == nil || *in.Active
	var it *FeeItem
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := communityExists(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		if err := checkApplies(ctx, tx, in.CommunityID, in.AppliesTo); err != nil {
			return err
		}
		applies, _ := json.Marshal(in.AppliesTo)
		now := s.Now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO fee_items (community_id, name, kind, deposit, applies_to, late_fee_rate,
			late_fee_grace_days, late_fee_cap, active, notes, created_at, updated_at, shared)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11,$12) RETURNING id`, in.CommunityID, in.Name, in.Kind, in.Deposit,
			string(applies), rate, in.LateFeeGraceDays, capRate, active, in.Notes, now, in.Shared).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("name", "该小区已有收费项目 %s", in.Name)
		}
		if err != nil {
			return fmt.Errorf("insert fee item: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fee_prices (community_id, fee_item_id, effective_from, unit_price, created_by, created_at)
			VALUES ($1,$2,$3,$4,$5,$6)`, in.CommunityID, id, in.EffectiveFrom, price, by.ID, now); err != nil {
			return fmt.Errorf("insert fee price: %w", err)
		}
		if it, err = getItem(ctx, tx, id); err != nil {
			return err
		}
		return record(ctx, tx, by, it.CommunityID, "fee_item", id, audit.ActionCreate, nil, it)
	})
	return it, err
}

// UpdateFeeItem edits an item's name, scope, late-fee rule, notes and
// whether it is active. Kind and deposit stay as created; prices change
// only through SetPrice. Issued bills are never rewritten: each keeps the
// price and the 滞纳金 rule it was issued with.
func (s *Service) UpdateFeeItem(ctx context.Context, by *auth.User, id int64, in FeeItemInput) (*FeeItem, error) {
	if err := can(by, auth.PermBillingAdmin, "设置收费项目"); err != nil {
		return nil, err
	}
	var it *FeeItem
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getItem(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		in.CommunityID, in.Kind, in.Deposit, in.Shared = before.CommunityID, before.Kind, before.Deposit, before.Shared
		_, rate, capRate, err := in.validate(false)
		if err != nil {
			return err
		}
		if err := checkApplies(ctx, tx, before.CommunityID, in.AppliesTo); err != nil {
			return err
		}
		applies, _ := json.Marshal(in.AppliesTo)
		active := in.Active == nil || *in.Active
		_, err = tx.ExecContext(ctx, `UPDATE fee_items SET name=$1, applies_to=$2, late_fee_rate=$3, late_fee_grace_days=$4,
			late_fee_cap=$5, active=$6, notes=$7, updated_at=$8 WHERE id=$9`, in.Name, string(applies), rate,
			in.LateFeeGraceDays, capRate, active, in.Notes, s.Now(), id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("name", "该小区已有收费项目 %s", in.Name)
		}
		if err != nil {
			return fmt.Errorf("update fee item: %w", err)
		}
		if it, err = getItem(ctx, tx, id); err != nil {
			return err
		}
		return record(ctx, tx, by, it.CommunityID, "fee_item", id, audit.ActionUpdate, before, it)
	})
	return it, err
}

// SetPrice sets the item's price from a period on (replacing a price set
// for the same period). Bills already issued keep the price they were
// issued at.
func (s *Service) SetPrice(ctx context.Context, by *auth.User, itemID int64, in PriceInput) (*FeeItem, error) {
	if err := can(by, auth.PermBillingAdmin, "调整收费标准"); err != nil {
		return nil, err
	}
	var f errs.Fields
	price, err := parsePrice(string(in.UnitPrice))
	if strings.TrimSpace(string(in.UnitPrice)) == "" {
		f.Add("unit_price", "请填写单价")
	} else if err != nil {
		f.Add("unit_price", "%s", err.Error())
	}
	var ok bool
	if in.EffectiveFrom, ok = normPeriod(in.EffectiveFrom); !ok {
		f.Add("effective_from", "起始月份格式应为 2026-01")
	}
	var it *FeeItem
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getItem(ctx, tx, itemID)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO fee_prices (community_id, fee_item_id, effective_from, unit_price, created_by, created_at)
			VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (fee_item_id, effective_from) DO UPDATE SET unit_price = $4,
			created_by = $5, created_at = $6`, before.CommunityID, itemID, in.EffectiveFrom, price, by.ID, s.Now())
		if err != nil {
			return fmt.Errorf("set price: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fee_items SET updated_at = $1 WHERE id = $2`, s.Now(), itemID); err != nil {
			return err
		}
		if it, err = getItem(ctx, tx, itemID); err != nil {
			return err
		}
		return record(ctx, tx, by, it.CommunityID, "fee_price", itemID, audit.ActionUpdate, nil,
			map[string]string{"unit_price": FormatPrice(price), "effective_from": in.EffectiveFrom})
	})
	return it, err
}

// FeeItem returns one item with its price history.
func (s *Service) FeeItem(ctx context.Context, by *auth.User, id int64) (*FeeItem, error) {
	if err := canRead(by); err != nil {
		return nil, err
	}
	it, err := getItem(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return it, see(by, it.CommunityID)
}

// FeeItems lists the items of a community (0 = every community in scope).
func (s *Service) FeeItems(ctx context.Context, by *auth.User, communityID int64) ([]*FeeItem, error) {
	if err := canRead(by); err != nil {
		return nil, err
	}
	var c cond
	if communityID > 0 {
		if err := see(by, communityID); err != nil {
			return nil, err
		}
		c.Add("community_id = ?", communityID)
	}
	c.Scope("community_id", Scope(by))
	return listItems(ctx, s.DB, &c)
}
