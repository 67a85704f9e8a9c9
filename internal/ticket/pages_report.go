package ticket

import (
	"net/http"
	"time"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// chart is the data of one ECharts chart, handed to charts.js as JSON in
// a <script type="application/json"> block (the CSP forbids inline code,
// not data).
type chart struct {
	X       []string      `json:"x"`
	Series  []chartSeries `json:"series"`
	Stack   bool          `json:"stack,omitempty"`
	Percent bool          `json:"percent,omitempty"`
}

type chartSeries struct {
	Name string `json:"name"`
	Data []any  `json:"data"` // numbers, or null for "no data"
}

// dashPeriod reads the dashboard's period: month=2026-11 (default the
// current month), or from/to dates with "to" inclusive.
func dashPeriod(r *http.Request, now time.Time) (time.Time, time.Time, error) {
	q := r.URL.Query()
	if q.Get("from") != "" || q.Get("to") != "" {
		from, err := day(q.Get("from"), "from")
		if err != nil {
			return from, from, err
		}
		to, err := day(q.Get("to"), "to")
		if err != nil {
			return from, to, err
		}
		if from.IsZero() || to.IsZero() {
			return from, to, errs.Invalid("from", "请同时填写开始和结束日期")
		}
		to = to.AddDate(0, 0, 1)
		if !to.After(from) {
			return from, to, errs.Invalid("to", "结束日期不能早于开始日期")
		}
		if to.Sub(from) > 366*24*time.Hour {
			return from, to, errs.Invalid("to", "统计区间不能超过一年")
		}
		return from, to, nil
	}
	m, err := ParseMonth(q.Get("month"), now)
	if err != nil {
		return m, m, err
	}
	return m, m.AddDate(0, 1, 0), nil
}

func percentData(rs []RateRow, prev bool) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		x := r.Cur
		if prev {
			x = r.Prev
		}
		if x.Value != nil {
			out[i] = float64(x.Num*1000/x.Den) / 10
		}
	}
	return out
}

func ints(v []int) []any {
	out := make([]any, len(v))
	for i, n := range v {
		out[i] = n
	}
	return out
}

func (p *pages) dashboard(w http.ResponseWriter, r *http.Request) error {
	u, ctx := user(r), r.Context()
	cid, err := web.QueryID(r, "community_id")
	if err != nil {
		return err
	}
	from, to, err := dashPeriod(r, p.S.Now())
	if err != nil {
		return err
	}
	kpi, err := p.S.KPI(ctx, u, cid, from, to)
	if err != nil {
		return err
	}
	pf, pt := PreviousPeriod(from, to)
	prev, err := p.S.KPI(ctx, u, cid, pf, pt)
	if err != nil {
		return err
	}
	rates := CompareRates(kpi, prev)

	edges, labels := Buckets(from, to)
	series, err := p.S.Daily(ctx, u, Filter{CommunityID: cid}, edges)
	if err != nil {
		return err
	}
	daily := chart{X: labels, Stack: true}
	for _, s := range series {
		daily.Series = append(daily.Series, chartSeries{Name: s.Label, Data: ints(s.Counts)})
	}

	// The backlog is now, whatever the period.
	depts, err := p.S.Breakdown(ctx, u, Filter{CommunityID: cid, Status: "open"}, "department", 0)
	if err != nil {
		return err
	}
	backlog := chart{Series: []chartSeries{{Name: "未完成"}, {Name: "其中超时"}}}
	openTotal, lateTotal := 0, 0
	for _, d := range depts {
		backlog.X = append(backlog.X, d.Label)
		backlog.Series[0].Data = append(backlog.Series[0].Data, d.Open)
		backlog.Series[1].Data = append(backlog.Series[1].Data, d.Late)
		openTotal += d.Open
		lateTotal += d.Late
	}

	rateChart := chart{Percent: true, Series: []chartSeries{{Name: "本期", Data: percentData(rates, false)},
		{Name: "上期", Data: percentData(rates, true)}}}
	for _, x := range rates {
		rateChart.X = append(rateChart.X, x.Label)
	}

	kinds, err := p.S.Breakdown(ctx, u, Filter{CommunityID: cid, From: from, To: to}, "kind", 0)
	if err != nil {
		return err
	}
	cs, err := p.arch.PageScope(r, false)
	if err != nil {
		return err
	}
	return p.t.Render(w, r, http.StatusOK, "dashboard", &web.Page{Title: "工单看板", Nav: "dashboard", Data: map[string]any{
		"From": from, "To": to, "Last": to.AddDate(0, 0, -1), "PrevFrom": pf, "PrevLast": pt.AddDate(0, 0, -1),
		"Month": from.In(shanghai).Format("2006-01"), "KPI": kpi, "Rates": rates, "Kinds": kinds,
		"Open": openTotal, "Late": lateTotal, "Daily": daily, "Backlog": backlog, "RateChart": rateChart,
		"Communities": cs.List}})
}

func (p *pages) monthReport(r *http.Request) (*MonthReport, error) {
	cid, err := web.QueryID(r, "community_id")
	if err != nil {
		return nil, err
	}
	m, err := ParseMonth(r.URL.Query().Get("month"), p.S.Now())
	if err != nil {
		return nil, err
	}
	return p.S.MonthReport(r.Context(), user(r), cid, m)
}

func (p *pages) report(w http.ResponseWriter, r *http.Request) error {
	rep, err := p.monthReport(r)
	if err != nil {
		return err
	}
	cs, err := p.arch.PageScope(r, false)
	if err != nil {
		return err
	}
	return p.t.Render(w, r, http.StatusOK, "report", &web.Page{Title: rep.Title(), Nav: "report",
		Data: map[string]any{"R": rep, "Communities": cs.List, "Names": cs.Names}})
}

// Title is the report's heading: "2026年11月 客服工单月报（阳光花园）".
func (r *MonthReport) Title() string {
	t := r.From.In(shanghai).Format("2006年01月") + " 客服工单月报"
	if r.CommunityName != "" {
		t += "（" + r.CommunityName + "）"
	}
	return t
}

func (p *pages) reportXLSX(w http.ResponseWriter, r *http.Request) error {
	rep, err := p.monthReport(r)
	if err != nil {
		return err
	}
	return sendReport(w, user(r), rep)
}
