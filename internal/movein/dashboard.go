package movein

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/money"
)

// The campaign dashboard: houses by stage, defects open and closed, and
// the daily progress. A house's stages are derived from several tables
// (notices, signatures, bills, tickets), so a campaign's houses are
// loaded whole — a campaign is a few hundred to a few thousand houses —
// and filtered and paged in memory.

// entries loads every house of a campaign with its stages, in house
// code order.
func (s *Service) entries(ctx context.Context, q db.Querier, c *Campaign) ([]*Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+entryCols+entryFrom+` WHERE e.campaign_id = $1`, c.ID)
	if err != nil {
		return nil, fmt.Errorf("campaign houses: %w", err)
	}
	defer rows.Close()
	var out []*Entry
	var ids []int64
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		ids = append(ids, e.HouseID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	d, err := loadData(ctx, q, c, "campaign_id", c.ID,
		"b.house_id IN (SELECT house_id FROM movein_houses WHERE campaign_id = $1)", c.ID, ids)
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		d.fill(e, c)
	}
	slices.SortFunc(out, func(a, b *Entry) int { return compareCodes(a.HouseCode, b.HouseCode) })
	return out, nil
}

// compareCodes orders house codes segment by segment, numbers as numbers.
func compareCodes(a, b string) int {
	as, bs := strings.Split(a, "-"), strings.Split(b, "-")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if c := natural(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return len(as) - len(bs)
}

// HouseFilter selects a campaign's houses.
type HouseFilter struct {
	BatchID int64
	Stage   string // reached this stage
	Missing string // not reached this stage
	Q       string // house code or owner
	Limit   int
	Offset  int
}

func (f HouseFilter) validate() error {
	for _, st := range []struct{ field, v string }{{"stage", f.Stage}, {"missing", f.Missing}} {
		if st.v == "" {
			continue
		}
		ok := false
		for _, n := range StageNames {
			ok = ok || n.Value == st.v
		}
		if !ok {
			return errs.Invalid(st.field, "阶段须为 notified/appointed/signed/fees_paid/inspected/handed_over 之一")
		}
	}
	return nil
}

func (f HouseFilter) match(e *Entry) bool {
	switch {
	case f.BatchID > 0 && (e.BatchID == nil || *e.BatchID != f.BatchID),
		f.Stage != "" && !e.Stages.Has(f.Stage),
		f.Missing != "" && e.Stages.Has(f.Missing):
		return false
	case f.Q != "":
		return strings.Contains(e.HouseCode, f.Q) || strings.Contains(strings.Join(e.Owners, " "), f.Q)
	}
	return true
}

// CampaignHouses lists a campaign's houses with their stages.
func (s *Service) CampaignHouses(ctx context.Context, by *auth.User, campaignID int64, f HouseFilter) (*Campaign, []*Entry, int, error) {
	if err := f.validate(); err != nil {
		return nil, nil, 0, err
	}
	c, all, err := s.campaignEntries(ctx, by, campaignID)
	if err != nil {
		return nil, nil, 0, err
	}
	var out []*Entry
	for _, e := range all {
		if f.match(e) {
			out = append(out, e)
		}
	}
	total := len(out)
	if f.Limit <= 0 {
		f.Limit = 50
	}
	lo := min(f.Offset, total)
	hi := min(lo+f.Limit, total)
	page := out[lo:hi]
	if page == nil {
		page = []*Entry{}
	}
	return c, page, total, nil
}

func (s *Service) campaignEntries(ctx context.Context, by *auth.User, campaignID int64) (*Campaign, []*Entry, error) {
	c, err := s.Campaign(ctx, by, campaignID)
	if err != nil {
		return nil, nil, err
	}
	es, err := s.entries(ctx, s.DB.Q(ctx), c)
	return c, es, err
}

// Dashboard is a campaign's progress.
type Dashboard struct {
	Houses        int          `json:"houses"`
	Stages        []StageCount `json:"stages"`
	DefectsOpen   int          `json:"defects_open"`
	DefectsClosed int          `json:"defects_closed"`
	Blocked       int          `json:"blocked"` // houses whose handover is still refused
	Daily         []DayCount   `json:"daily"`
	Chart         Chart        `json:"-"`
}

// StageCount is how many houses reached a stage.
type StageCount struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// DayCount is one day's progress.
type DayCount struct {
	Day        string `json:"day"`
	Notified   int    `json:"notified"`
	Signed     int    `json:"signatures"`
	Defects    int    `json:"defects"`
	Inspected  int    `json:"inspected"`
	HandedOver int    `json:"handed_over"`
}

// Chart is what static/charts.js draws.
type Chart struct {
	X      []string      `json:"x"`
	Series []ChartSeries `json:"series"`
}

// ChartSeries is one series of a chart.
type ChartSeries struct {
	Name string `json:"name"`
	Data []int  `json:"data"`
}

// maxDays bounds the daily progress.
const maxDays = 120

// CampaignDashboard returns a campaign with its dashboard.
func (s *Service) CampaignDashboard(ctx context.Context, by *auth.User, campaignID int64) (*Campaign, error) {
	c, es, err := s.campaignEntries(ctx, by, campaignID)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{Houses: len(es)}
	for _, st := range StageNames {
		n := 0
		for _, e := range es {
			if e.Stages.Has(st.Value) {
				n++
			}
		}
		d.Stages = append(d.Stages, StageCount{Name: st.Value, Label: st.Label, Count: n})
	}
	for _, e := range es {
		if !e.HandedOver() && len(e.Missing) > 0 {
			d.Blocked++
		}
		for _, df := range e.Defects {
			if df.Open {
				d.DefectsOpen++
			} else {
				d.DefectsClosed++
			}
		}
	}
	if err := s.daily(ctx, c, es, d); err != nil {
		return nil, err
	}
	c.Stages = d
	return c, nil
}

// daily counts each day's notices, signatures, defects, acceptances and
// handovers, from the campaign's first activity (or first day) to its
// last (or today, while it runs).
func (s *Service) daily(ctx context.Context, c *Campaign, es []*Entry, d *Dashboard) error {
	counts := map[string]*DayCount{}
	at := func(day string) *DayCount {
		if counts[day] == nil {
			counts[day] = &DayCount{Day: day}
		}
		return counts[day]
	}
	rows, err := s.DB.Q(ctx).QueryContext(ctx, `SELECT signed_on, count(*) FROM movein_signatures WHERE campaign_id = $1 GROUP BY signed_on`, c.ID)
	if err != nil {
		return fmt.Errorf("daily signatures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day string
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			return err
		}
		at(day).Signed = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range es {
		for _, n := range e.Notices {
			if n.Document == DocNotice {
				at(n.SentOn).Notified++ // the first notice counts
				break
			}
		}
		for _, df := range e.Defects {
			at(formatDay(df.CreatedAt)).Defects++
		}
		if e.AcceptedOn != "" {
			at(e.AcceptedOn).Inspected++
		}
		if e.HandedOverOn != "" {
			at(e.HandedOverOn).HandedOver++
		}
	}
	from, to := c.StartsOn, min(c.EndsOn, max(s.today(), c.StartsOn))
	for day := range counts {
		from, to = min(from, day), max(to, day)
	}
	if daysBetween(from, to) >= maxDays {
		from = addDays(to, -(maxDays - 1))
	}
	series := []ChartSeries{{Name: "寄出通知"}, {Name: "签署资料"}, {Name: "验房问题"}, {Name: "验房验收"}, {Name: "交钥匙"}}
	for day := from; day <= to; day = addDays(day, 1) {
		c := counts[day]
		if c == nil {
			c = &DayCount{Day: day}
		}
		d.Chart.X = append(d.Chart.X, day[5:])
		for i, v := range []int{c.Notified, c.Signed, c.Defects, c.Inspected, c.HandedOver} {
			series[i].Data = append(series[i].Data, v)
		}
		if *c != (DayCount{Day: day}) {
			d.Daily = append(d.Daily, *c)
		}
	}
	d.Chart.Series = series
	if d.Daily == nil {
		d.Daily = []DayCount{}
	}
	return nil
}

// HousesWorkbook is the progress of a campaign's houses as .xlsx.
func (s *Service) HousesWorkbook(ctx context.Context, by *auth.User, campaignID int64, f HouseFilter) (*excel.Writer, *Campaign, error) {
	f.Offset, f.Limit = 0, 1<<30
	c, es, _, err := s.CampaignHouses(ctx, by, campaignID, f)
	if err != nil {
		return nil, nil, err
	}
	wb := excel.NewWriter()
	cols := []excel.Column{{Header: "房屋", Width: 12}, {Header: "业主", Width: 14}, {Header: "批次"}, {Header: "预约时段", Width: 20},
		{Header: "通知方式"}, {Header: "挂号信号码", Width: 16}, {Header: "寄出日期", Width: 12}, {Header: "已签资料", Width: 30},
		{Header: "未签必签资料", Width: 30}, {Header: "入伙费用", Width: 24}, {Header: "验房问题", Format: excel.Integer},
		{Header: "未完成问题", Format: excel.Integer}, {Header: "验收日期", Width: 12}, {Header: "交钥匙日期", Width: 12},
		{Header: "签收业主"}, {Header: "钥匙", Width: 24}, {Header: "入住状态"}, {Header: "不能交钥匙的原因", Width: 40}}
	if err := wb.Sheet("入伙进度", cols); err != nil {
		return nil, nil, err
	}
	for _, e := range es {
		var method, number, sent string
		if n := e.Noticed(DocNotice); n != nil {
			method, number, sent = n.Method, n.MailNumber, n.SentOn
		}
		var signed, unsigned []string
		for _, d := range e.Documents {
			switch {
			case d.Signed:
				signed = append(signed, d.Name)
			case d.Required:
				unsigned = append(unsigned, d.Name)
			}
		}
		fees := map[string]string{"paid": "已缴清", "none": "未开具"}[e.Fees.State]
		if e.Fees.State == "unpaid" {
			fees = "未缴 " + money.Fen(e.Fees.UnpaidFen).String()
		}
		status := ""
		if e.HandedOver() {
			status = map[bool]string{true: HouseStatusOccupied, false: HouseStatusVacant}[e.Occupied]
		}
		if err := wb.Row(e.HouseCode, strings.Join(e.Owners, "、"), e.Batch, e.Slot, method, number, sent,
			strings.Join(signed, "、"), strings.Join(unsigned, "、"), fees, len(e.Defects), e.OpenDefects(), e.AcceptedOn,
			e.HandedOverOn, e.HandoverBy, strings.Join(keyList(e.Keys), "、"), status, strings.Join(e.Missing, "；")); err != nil {
			return nil, nil, err
		}
	}
	return wb, c, nil
}
