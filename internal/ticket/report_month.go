package ticket

import (
	"context"
	"strings"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// ParseMonth reads "2026-11" as the first instant of that month in
// Asia/Shanghai; empty is the month of now.
func ParseMonth(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		n := now.In(shanghai)
		return time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, shanghai), nil
	}
	t, err := time.ParseInLocation("2006-01", s, shanghai)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, errs.Invalid("month", "月份格式应为 2026-11")
	}
	return t, nil
}

// RateRow compares one KPI with the previous period.
type RateRow struct {
	Key, Label string
	Cur, Prev  Rate
	// LowerIsBetter is true for the rework rate.
	LowerIsBetter bool
}

// Trend is ↑, ↓ or → comparing Cur with Prev ("" when either has no
// data).
func (r RateRow) Trend() string {
	if r.Cur.Value == nil || r.Prev.Value == nil {
		return ""
	}
	// Compare the per-mille values shown, so "92.3% → 92.3%" is flat.
	a, b := r.Cur.Num*1000/r.Cur.Den, r.Prev.Num*1000/r.Prev.Den
	switch {
	case a > b:
		return "↑"
	case a < b:
		return "↓"
	}
	return "→"
}

// Better reports whether the change is an improvement (false when flat
// or unknown).
func (r RateRow) Better() bool {
	switch r.Trend() {
	case "↑":
		return !r.LowerIsBetter
	case "↓":
		return r.LowerIsBetter
	}
	return false
}

// Worse reports whether the change is a deterioration.
func (r RateRow) Worse() bool {
	t := r.Trend()
	return (t == "↑" || t == "↓") && !r.Better()
}

// CompareRates pairs the six rates of two periods.
func CompareRates(cur, prev *KPI) []RateRow {
	c, p := cur.Rates(), prev.Rates()
	out := make([]RateRow, len(c))
	for i := range c {
		out[i] = RateRow{Key: c[i].Key, Label: c[i].Label, Cur: c[i].R, Prev: p[i].R, LowerIsBetter: c[i].Key == "rework_rate"}
	}
	return out
}

// PreviousPeriod is the period before [from, to): the previous month when
// [from, to) is a whole month, else the same length just before.
func PreviousPeriod(from, to time.Time) (time.Time, time.Time) {
	f := from.In(shanghai)
	if f.Day() == 1 && f.Hour() == 0 && f.Minute() == 0 && to.Equal(f.AddDate(0, 1, 0)) {
		return f.AddDate(0, -1, 0), from
	}
	return from.Add(-to.Sub(from)), from
}

// MonthReport is the 月报: what the 客服部 sends to the company each month.
type MonthReport struct {
	Month         string // 2026-11
	From, To      time.Time
	CommunityID   int64
	CommunityName string // "" for every community in scope
	GeneratedAt   time.Time
	GeneratedBy   string

	Total, Open, Late int
	ByKind            []Count
	ByChannel         []Count
	ByDepartment      []Count
	ByCommunity       []Count
	ByStatus          []Count
	Categories        []Count // top complaint categories
	KPI, Prev         *KPI
	Rates             []RateRow
	LateTickets       []*Ticket
	LateTotal         int
}

// maxLateRows bounds the overdue list of a report; the total is shown.
const maxLateRows = 500

// MonthReport gathers the report of the tickets received in the month
// starting at month, for one community or every one in scope.
func (s *Service) MonthReport(ctx context.Context, by *auth.User, communityID int64, month time.Time) (*MonthReport, error) {
	from := month.In(shanghai)
	to := from.AddDate(0, 1, 0)
	r := &MonthReport{Month: from.Format("2006-01"), From: from, To: to, CommunityID: communityID,
		GeneratedAt: s.Now(), GeneratedBy: by.Name}
	if communityID > 0 {
		if !by.Sees(communityID) {
			return nil, errs.Forbidden("该小区不在您管辖范围内")
		}
		r.CommunityName = s.CommunityName(ctx, communityID)
	}
	f := Filter{CommunityID: communityID, From: from, To: to}
	var err error
	for _, b := range []struct {
		dim string
		dst *[]Count
	}{{"kind", &r.ByKind}, {"channel", &r.ByChannel}, {"department", &r.ByDepartment},
		{"community", &r.ByCommunity}, {"status", &r.ByStatus}} {
		if *b.dst, err = s.Breakdown(ctx, by, f, b.dim, 0); err != nil {
			return nil, err
		}
	}
	for _, x := range r.ByKind {
		r.Total += x.Total
		r.Open += x.Open
		r.Late += x.Late
	}
	cf := f
	cf.Kind = KindComplaint
	if r.Categories, err = s.Breakdown(ctx, by, cf, "category", 10); err != nil {
		return nil, err
	}
	if r.KPI, err = s.KPI(ctx, by, communityID, from, to); err != nil {
		return nil, err
	}
	pf, pt := PreviousPeriod(from, to)
	if r.Prev, err = s.KPI(ctx, by, communityID, pf, pt); err != nil {
		return nil, err
	}
	r.Rates = CompareRates(r.KPI, r.Prev)
	if r.LateTickets, r.LateTotal, err = s.LateTickets(ctx, by, f, maxLateRows); err != nil {
		return nil, err
	}
	return r, nil
}

// Share is part of whole as "12.5%" ("—" for an empty whole).
func Share(part, whole int) string {
	return rate(part, whole).Percent()
}
