package billing

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// Aging buckets of arrears, by months owed (a bill of this month is 1).
var Buckets = []Bucket{{Key: "0-3", Label: "3个月以内"}, {Key: "4-6", Label: "4–6个月"},
	{Key: "7-12", Label: "7–12个月"}, {Key: "12+", Label: "12个月以上"}}

// Bucket is one aging bucket: the houses whose oldest unpaid bill falls
// in it, and the amount of all unpaid bills of that age.
type Bucket struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Houses  int    `json:"houses"`
	OwedFen int64  `json:"owed_fen"`
}

func bucketOf(age int) int {
	switch {
	case age <= 3:
		return 0
	case age <= 6:
		return 1
	case age <= 12:
		return 2
	}
	return 3
}

// Arrear is one house's arrears (deposits aside).
type Arrear struct {
	HouseID      int64    `json:"house_id"`
	HouseCode    string   `json:"house_code"`
	CommunityID  int64    `json:"community_id"`
	Owners       []string `json:"owners"`
	OwedFen      int64    `json:"owed_fen"`
	Bills        int      `json:"bills"`
	Months       int      `json:"months"` // distinct periods owed
	OldestPeriod string   `json:"oldest_period"`
	AgeMonths    int      `json:"age_months"` // of the oldest bill
	Bucket       string   `json:"bucket"`
}

// ArrearsFilter selects arrears: a building, an owner category (普通, VIP
// …), houses owing at least MinMonths periods.
type ArrearsFilter struct {
	CommunityID, BuildingID int64
	Category                string
	MinMonths               int
	Limit, Offset           int
}

// ArrearsReport is a page of houses owing, oldest first, with the totals
// and aging of every house the filter matches.
type ArrearsReport struct {
	Items   []*Arrear `json:"items"`
	Total   int       `json:"total"`
	OwedFen int64     `json:"owed_fen"`
	Buckets []Bucket  `json:"buckets"`
	Period  string    `json:"period"` // ages are counted to this month
}

func (s *Service) arrearsCond(by *auth.User, f ArrearsFilter) (*cond, error) {
	if err := canRead(by); err != nil {
		return nil, err
	}
	c := &cond{}
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, err
		}
		c.Add("b.community_id = ?", f.CommunityID)
	}
	c.Add("b.status = 'unpaid'")
	c.Add("b.deposit = ?", false)
	if f.BuildingID > 0 {
		c.Add("h.building_id = ?", f.BuildingID)
	}
	if f.Category != "" {
		c.Add(`EXISTS (SELECT 1 FROM house_owners ho JOIN owners o ON o.id = ho.owner_id
			WHERE ho.house_id = b.house_id AND ho.active AND o.category = ?)`, f.Category)
	}
	c.Scope("b.community_id", Scope(by))
	return c, nil
}

// Arrears lists the houses owing, with per-house total, months owed and
// oldest unpaid period, and the aging buckets of everything matched.
func (s *Service) Arrears(ctx context.Context, by *auth.User, f ArrearsFilter) (*ArrearsReport, error) {
	c, err := s.arrearsCond(by, f)
	if err != nil {
		return nil, err
	}
	now := PeriodOf(s.Now())
	rep := &ArrearsReport{Items: []*Arrear{}, Buckets: append([]Bucket(nil), Buckets...), Period: now}
	having := ""
	if f.MinMonths > 1 {
		c.Args = append(c.Args, f.MinMonths)
		having = fmt.Sprintf(" HAVING count(DISTINCT b.period) >= $%d", len(c.Args))
	}
	grouped := `SELECT b.house_id, h.code, b.community_id, CAST(SUM(b.amount_fen) AS BIGINT) AS owed, count(*), count(DISTINCT b.period),
		MIN(b.period) AS oldest FROM bills b JOIN houses h ON h.id = b.house_id` + c.SQL() +
		` GROUP BY b.house_id, h.code, b.community_id` + having
	// Totals and the houses per bucket, over every matched house.
	rows, err := s.DB.QueryContext(ctx, `SELECT x.oldest, count(*), CAST(COALESCE(SUM(x.owed), 0) AS BIGINT) FROM (`+grouped+`) x
		GROUP BY x.oldest`, c.Args...)
	if err != nil {
		return nil, fmt.Errorf("arrears totals: %w", err)
	}
	for rows.Next() {
		var oldest string
		var n int
		var owed int64
		if err := rows.Scan(&oldest, &n, &owed); err != nil {
			rows.Close()
			return nil, err
		}
		rep.Total += n
		rep.OwedFen += owed
		rep.Buckets[bucketOf(monthIndex(now)-monthIndex(oldest)+1)].Houses += n
	}
	rows.Close()
	// The amounts per bucket, by the age of each bill.
	rows, err = s.DB.QueryContext(ctx, `SELECT b.period, CAST(SUM(b.amount_fen) AS BIGINT) FROM bills b JOIN houses h ON h.id = b.house_id
		WHERE b.house_id IN (SELECT x.house_id FROM (`+grouped+`) x)`+strings.Replace(c.SQL(), " WHERE ", " AND ", 1)+
		` GROUP BY b.period`, c.Args...)
	if err != nil {
		return nil, fmt.Errorf("arrears aging: %w", err)
	}
	for rows.Next() {
		var period string
		var owed int64
		if err := rows.Scan(&period, &owed); err != nil {
			rows.Close()
			return nil, err
		}
		rep.Buckets[bucketOf(monthIndex(now)-monthIndex(period)+1)].OwedFen += owed
	}
	rows.Close()
	limit, offset := f.Limit, f.Offset
	if limit <= 0 {
		limit = 50
	}
	c.Args = append(c.Args, limit, offset)
	rows, err = s.DB.QueryContext(ctx, grouped+fmt.Sprintf(` ORDER BY oldest, owed DESC, b.house_id LIMIT $%d OFFSET $%d`,
		len(c.Args)-1, len(c.Args)), c.Args...)
	if err != nil {
		return nil, fmt.Errorf("arrears: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a := &Arrear{Owners: []string{}}
		if err := rows.Scan(&a.HouseID, &a.HouseCode, &a.CommunityID, &a.OwedFen, &a.Bills, &a.Months, &a.OldestPeriod); err != nil {
			return nil, err
		}
		a.AgeMonths = monthIndex(now) - monthIndex(a.OldestPeriod) + 1
		a.Bucket = Buckets[bucketOf(a.AgeMonths)].Key
		rep.Items = append(rep.Items, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return rep, ownersOf(ctx, s.DB, rep.Items)
}

// ownersOf fills the current owners' names of the houses.
func ownersOf(ctx context.Context, q db.Querier, items []*Arrear) error {
	if len(items) == 0 {
		return nil
	}
	byHouse := map[int64]*Arrear{}
	ids := make([]int64, len(items))
	for i, a := range items {
		byHouse[a.HouseID], ids[i] = a, a.HouseID
	}
	in, args := db.In(nil, ids)
	rows, err := q.QueryContext(ctx, `SELECT ho.house_id, o.name FROM house_owners ho JOIN owners o ON o.id = ho.owner_id
		WHERE ho.active AND ho.house_id IN (`+in+`) ORDER BY ho.house_id, ho.id`, args...)
	if err != nil {
		return fmt.Errorf("arrears owners: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h int64
		var name string
		if err := rows.Scan(&h, &name); err != nil {
			return err
		}
		byHouse[h].Owners = append(byHouse[h].Owners, name)
	}
	return rows.Err()
}

// Notice is one house's 催缴通知单: the arrear and its unpaid bills.
type Notice struct {
	*Arrear
	Unpaid []*Bill `json:"unpaid"`
}

// Notices gathers the 催缴通知单 of every house of a community owing at
// least minMonths periods (at most 2000), for batch printing.
func (s *Service) Notices(ctx context.Context, by *auth.User, communityID int64, minMonths int) ([]*Notice, error) {
	if err := can(by, auth.PermDunning, "催缴"); err != nil {
		return nil, err
	}
	if communityID <= 0 {
		return nil, errs.Invalid("community_id", "请选择小区")
	}
	rep, err := s.Arrears(ctx, by, ArrearsFilter{CommunityID: communityID, MinMonths: max(minMonths, 1), Limit: 2000})
	if err != nil {
		return nil, err
	}
	out := make([]*Notice, 0, len(rep.Items))
	if len(rep.Items) == 0 {
		return out, nil
	}
	byHouse := map[int64]*Notice{}
	ids := make([]int64, len(rep.Items))
	for i, a := range rep.Items {
		n := &Notice{Arrear: a, Unpaid: []*Bill{}}
		byHouse[a.HouseID], ids[i] = n, a.HouseID
		out = append(out, n)
	}
	var c cond
	var in string
	in, c.Args = db.In(c.Args, ids)
	c.Parts = append(c.Parts, "b.house_id IN ("+in+")")
	c.Add("b.status = 'unpaid'")
	c.Add("b.deposit = ?", false)
	bills, _, err := listBills(ctx, s.DB, &c, "b.house_id, b.period, b.fee_item_id, b.id", 1_000_000, 0, s.Now())
	if err != nil {
		return nil, err
	}
	for _, b := range bills {
		byHouse[b.HouseID].Unpaid = append(byHouse[b.HouseID].Unpaid, b)
	}
	return out, nil
}

// Dunning is one recorded attempt to collect a house's arrears.
type Dunning struct {
	ID           int64     `json:"id"`
	CommunityID  int64     `json:"community_id"`
	HouseID      int64     `json:"house_id"`
	HouseCode    string    `json:"house_code"`
	Method       string    `json:"method"`
	Result       string    `json:"result"`
	NextFollowUp string    `json:"next_follow_up"`
	OwedFen      int64     `json:"owed_fen"` // when recorded
	CreatedBy    int64     `json:"created_by"`
	CreatedName  string    `json:"created_name"`
	CreatedAt    time.Time `json:"created_at"`
}

// DunningInput records an attempt.
type DunningInput struct {
	HouseID      int64  `json:"house_id"`
	Method       string `json:"method"`
	Result       string `json:"result"`
	NextFollowUp string `json:"next_follow_up"`
}

const dunningCols = `d.id, d.community_id, d.house_id, h.code, d.method, d.result, d.next_follow_up, d.owed_fen,
	d.created_by, d.created_name, d.created_at`

func scanDunning(s scanner) (*Dunning, error) {
	var d Dunning
	err := s.Scan(&d.ID, &d.CommunityID, &d.HouseID, &d.HouseCode, &d.Method, &d.Result, &d.NextFollowUp, &d.OwedFen,
		&d.CreatedBy, &d.CreatedName, &d.CreatedAt)
	return &d, err
}

// RecordDunning records a 催缴 attempt with its result and the date to
// follow up, and what the house owed at the time.
func (s *Service) RecordDunning(ctx context.Context, by *auth.User, in DunningInput) (*Dunning, error) {
	if err := can(by, auth.PermDunning, "催缴"); err != nil {
		return nil, err
	}
	var f errs.Fields
	var ok bool
	if in.Method, ok = canon(in.Method, DunningMethods); !ok {
		f.Add("method", "催缴方式须为 phone/notice/visit/sms/lawyer_letter（电话、书面通知、上门、短信、律师函）")
	}
	in.Result = strings.TrimSpace(in.Result)
	if in.Result == "" {
		f.Add("result", "请填写催缴结果")
	} else if utf8.RuneCountInString(in.Result) > 500 {
		f.Add("result", "结果不能超过 500 个字")
	}
	if in.NextFollowUp != "" {
		if in.NextFollowUp, ok = normDay(in.NextFollowUp); !ok {
			f.Add("next_follow_up", "下次跟进日期格式应为 2026-12-01")
		}
	}
	var d *Dunning
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		h, err := houseFor(ctx, tx, by, in.HouseID, "house_id")
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		var owed int64
		if err := tx.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM bills
			WHERE house_id = $1 AND status = 'unpaid' AND deposit = FALSE`, h.ID).Scan(&owed); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO dunning_records (community_id, house_id, method, result, next_follow_up,
			owed_fen, created_by, created_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
			h.CommunityID, h.ID, in.Method, in.Result, in.NextFollowUp, owed, by.ID, by.Name, s.Now()).Scan(&id); err != nil {
			return fmt.Errorf("insert dunning: %w", err)
		}
		if d, err = scanDunning(tx.QueryRowContext(ctx, `SELECT `+dunningCols+` FROM dunning_records d
			JOIN houses h ON h.id = d.house_id WHERE d.id = $1`, id)); err != nil {
			return err
		}
		return record(ctx, tx, by, d.CommunityID, "dunning", id, audit.ActionCreate, nil, d)
	})
	return d, err
}

// DunningFilter selects 催缴 records. Due (YYYY-MM-DD) makes it the
// follow-up queue: each house's latest record whose next follow-up is
// due by that day, for houses that still owe.
type DunningFilter struct {
	CommunityID, HouseID int64
	Due                  string
	Limit, Offset        int
}

// DunningRecords lists 催缴 records, newest first (the queue: most
// overdue first).
func (s *Service) DunningRecords(ctx context.Context, by *auth.User, f DunningFilter) ([]*Dunning, int, error) {
	if err := canRead(by); err != nil {
		return nil, 0, err
	}
	var c cond
	if f.CommunityID > 0 {
		if err := see(by, f.CommunityID); err != nil {
			return nil, 0, err
		}
		c.Add("d.community_id = ?", f.CommunityID)
	}
	if f.HouseID > 0 {
		c.Add("d.house_id = ?", f.HouseID)
	}
	order := " ORDER BY d.id DESC"
	if f.Due != "" {
		c.Add("d.next_follow_up <> '' AND d.next_follow_up <= ?", f.Due)
		c.Add("d.id = (SELECT MAX(d2.id) FROM dunning_records d2 WHERE d2.house_id = d.house_id)")
		c.Add("EXISTS (SELECT 1 FROM bills b WHERE b.house_id = d.house_id AND b.status = 'unpaid' AND b.deposit = FALSE)")
		order = " ORDER BY d.next_follow_up, d.id"
	}
	c.Scope("d.community_id", Scope(by))
	from := ` FROM dunning_records d JOIN houses h ON h.id = d.house_id`
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*)`+from+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count dunning: %w", err)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+dunningCols+from+c.SQL()+order+c.Page(f.Limit, f.Offset), c.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list dunning: %w", err)
	}
	defer rows.Close()
	out := []*Dunning{}
	for rows.Next() {
		d, err := scanDunning(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}
