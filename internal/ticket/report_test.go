package ticket_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/ticket"
)

// xlsxRows opens a downloaded workbook and returns one sheet's rows.
func xlsxRows(t *testing.T, r *apptest.Response, sheet string) [][]string {
	t.Helper()
	if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("not a workbook: %s", r)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %s of %v: %v", sheet, f.GetSheetList(), err)
	}
	return rows
}

// chartOf reads the JSON data block a page hands to charts.js.
func chartOf(t *testing.T, body, id string) (c struct {
	X      []string `json:"x"`
	Series []struct {
		Name string     `json:"name"`
		Data []*float64 `json:"data"`
	} `json:"series"`
}) {
	t.Helper()
	open := `<script type="application/json" id="` + id + `">`
	_, rest, ok := strings.Cut(body, open)
	js, _, ok2 := strings.Cut(rest, "</script>")
	if !ok || !ok2 {
		t.Fatalf("no chart %s in the page", id)
	}
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		t.Fatalf("chart %s is not JSON (%v): %s", id, err, js)
	}
	return c
}

// reportMonth loads community A with a month of tickets: in October one
// repair resolved and called back; in November three repairs (one
// urgent and late, one reworked after an unsatisfied callback, one
// resolved at once), two complaints (one valid, closed) and an inquiry
// still open, plus a ticket of community B.
func reportMonth(t *testing.T, x *fx) {
	t.Helper()
	agent := auth.RoleCSAgent
	x.clk.Set("2026-10-20T10:00:00+08:00")
	oct := x.create(agent, x.repair("十月报修"))
	x.act(agent, oct.ID, "resolve", map[string]any{"resolution": "已修"})
	x.act(agent, oct.ID, "callback", map[string]any{"result": "satisfied"})

	x.clk.Set("2026-11-02T09:00:00+08:00")
	urgent := x.repair("电梯困人")
	urgent["urgency"] = "urgent"
	late := x.create(agent, urgent) // resolve by 13:00, resolved at 15:00
	rework := x.create(agent, x.repair("水管漏水"))
	x.act(agent, rework.ID, "dispatch", map[string]any{"department": "工程部"})
	x.clk.Set("2026-11-02T15:00:00+08:00")
	x.act(agent, late.ID, "resolve", map[string]any{"resolution": "已解救"})
	x.act(agent, rework.ID, "resolve", map[string]any{"resolution": "换阀门"})
	x.act(agent, rework.ID, "callback", map[string]any{"result": "unsatisfied", "note": "仍漏"})

	x.clk.Set("2026-11-05T10:00:00+08:00")
	quick := x.create(agent, x.repair("灯不亮"))
	x.act(agent, quick.ID, "resolve", map[string]any{"resolution": "换灯泡"})
	x.act(agent, quick.ID, "callback", map[string]any{"result": "basically_satisfied"})
	c1 := x.complaint("噪音")
	c1["category"] = "噪音扰民"
	valid := x.create(agent, c1)
	x.act(auth.RoleCSManager, valid.ID, "validity", map[string]any{"valid": true, "reason": "属实"})
	x.act(agent, valid.ID, "resolve", map[string]any{"resolution": "已劝导"})
	x.act(agent, valid.ID, "callback", map[string]any{"result": "satisfied"})
	c2 := x.complaint("保洁")
	c2["category"] = "环境卫生"
	x.create(agent, c2)
	inq := x.repair("咨询停车")
	inq["kind"] = "inquiry"
	x.create(agent, inq)
	x.create(auth.RoleAdmin, map[string]any{"community_id": x.B.Community.ID, "location": "东门", "kind": "repair", "title": "道闸故障"})
	x.clk.Set("2026-11-20T10:00:00+08:00")
}

// TestMonthlyReportMatchesKPI: the 月报's counts are those of the
// fixture, its rates are the KPI's (numerators and denominators), and the
// .xlsx carries the same numbers.
func TestMonthlyReportMatchesKPI(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		reportMonth(t, x)
		manager := x.Browser(auth.RoleCSManager)
		q := fmt.Sprintf("?month=2026-11&community_id=%d", x.A.Community.ID)
		body := page(t, manager, "/tickets/report"+q, http.StatusOK)
		has(t, "report", body, "2026年11月 客服工单月报（"+x.A.Community.Name+"）", "统计期间：2026-11-01 至 2026-11-30",
			`<b id="r-total">6</b>`,
			`<tr data-key="repair"><td>报修</td><td class="num">3</td><td class="num">50.0%</td>`,
			`<tr data-key="complaint"><td>投诉</td><td class="num">2</td>`,
			`<tr data-key="inquiry"><td>咨询</td><td class="num">1</td>`,
			`<tr data-key="praise"><td>表扬</td><td class="num">0</td>`,
			`<tr data-key="hotline"><td>24小时热线</td><td class="num">2</td>`,
			"<td>噪音扰民</td><td class=\"num\">1</td>", "<td>环境卫生</td><td class=\"num\">1</td>",
			"电梯困人", "客服经理：")
		hasNot(t, "report of A", body, x.B.Community.Name, "道闸故障", "十月报修")

		from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		k, err := x.svc.KPI(context.Background(), x.user(auth.RoleCSManager), x.A.Community.ID, from, from.AddDate(0, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		prev, err := x.svc.KPI(context.Background(), x.user(auth.RoleCSManager), x.A.Community.ID, from.AddDate(0, -1, 0), from)
		if err != nil {
			t.Fatal(err)
		}
		if k.Tickets != 6 || k.RepairOnTimeRate.Den != 3 || k.ReworkRate.Num != 1 || k.CallbackRate.Num != 3 ||
			k.ValidComplaintHandlingRate.Num != 1 || k.ValidComplaintHandlingRate.Den != 1 || prev.Tickets != 1 {
			t.Errorf("fixture KPI: %+v prev %+v", k, prev)
		}
		for i, r := range k.Rates() {
			p := prev.Rates()[i]
			has(t, "rate "+r.Label, body, fmt.Sprintf(`<tr data-key="%s"><td>%s</td><td class="num"><b>%s</b></td>
    <td class="num">%d / %d</td><td class="num">%s</td>`, r.Key, r.Label, r.R.Percent(), r.R.Num, r.R.Den, p.R.Percent()))
		}

		wb := manager.Get("/tickets/report.xlsx" + q)
		if cd := wb.Header.Get("Content-Disposition"); !strings.Contains(cd, "ticket-report-2026-11.xlsx") {
			t.Errorf("disposition %q", cd)
		}
		rows := xlsxRows(t, wb, "指标")
		if len(rows) != 7 {
			t.Fatalf("指标 sheet: %v", rows)
		}
		for i, r := range k.Rates() {
			got := rows[i+1]
			if got[0] != r.Label || got[1] != fmt.Sprint(r.R.Num) || got[2] != fmt.Sprint(r.R.Den) || got[3] != r.R.Percent() {
				t.Errorf("指标 row %d: %v, want %s %d/%d %s", i+1, got, r.Label, r.R.Num, r.R.Den, r.R.Percent())
			}
		}
		kinds := xlsxRows(t, wb, "按类型")
		if kinds[1][0] != "报修" || kinds[1][1] != "3" || kinds[len(kinds)-1][0] != "合计" || kinds[len(kinds)-1][1] != "6" {
			t.Errorf("按类型 sheet: %v", kinds)
		}
		lateRows := xlsxRows(t, wb, "超时工单")
		if len(lateRows) < 2 || lateRows[1][5] != "电梯困人" {
			t.Errorf("超时工单 sheet: %v", lateRows)
		}
		for _, s := range []string{"概况", "按渠道", "按部门", "按小区", "投诉分类"} {
			xlsxRows(t, wb, s)
		}

		// Every community in scope: the manager's only community is A.
		all := page(t, manager, "/tickets/report?month=2026-11", http.StatusOK)
		has(t, "all communities", all, "小区：全部小区", `<b id="r-total">6</b>`)
		page(t, manager, "/tickets/report?month=2026-13", http.StatusUnprocessableEntity)
		page(t, manager, fmt.Sprintf("/tickets/report?community_id=%d", x.B.Community.ID), http.StatusForbidden)
	})
}

// TestDashboardCharts: the chart data blocks hold the period's tickets
// per day and kind, the backlog by department, and the rates.
func TestDashboardCharts(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		reportMonth(t, x)
		director := x.Browser(auth.RoleDirector)
		body := page(t, director, fmt.Sprintf("/tickets/dashboard?month=2026-11&community_id=%d", x.A.Community.ID), http.StatusOK)
		has(t, "dashboard", body, `<b id="stat-total">6</b>`, `src="/static/charts.js"`, `src="/static/vendor/echarts.min.js"`,
			`data-chart="chart-daily"`, "零修急修及时率")
		hasNot(t, "dashboard", body, "<script>")

		daily := chartOf(t, body, "chart-daily")
		if len(daily.X) != 30 || daily.X[1] != "11-02" || len(daily.Series) != len(ticket.Kinds) || daily.Series[0].Name != "报修" {
			t.Fatalf("daily chart: %d days, series %d", len(daily.X), len(daily.Series))
		}
		at := func(series, day int) float64 {
			if v := daily.Series[series].Data[day]; v != nil {
				return *v
			}
			return -1
		}
		// Repairs: two on 11-02, one on 11-05; complaints two on 11-05.
		if at(0, 1) != 2 || at(0, 4) != 1 || at(1, 4) != 2 || at(2, 4) != 1 || at(0, 0) != 0 {
			t.Errorf("daily counts: repair %v complaint %v", daily.Series[0].Data, daily.Series[1].Data)
		}

		// Open now: the reworked repair (工程部), the unjudged complaint and
		// the inquiry (not dispatched).
		backlog := chartOf(t, body, "chart-backlog")
		open := map[string]float64{}
		for i, d := range backlog.X {
			open[d] = *backlog.Series[0].Data[i]
		}
		if open["工程部"] != 1 || open["未派工"] != 2 || open["环境部"] != 0 {
			t.Errorf("backlog: %v %v", backlog.X, open)
		}
		rates := chartOf(t, body, "chart-rates")
		if len(rates.X) != 6 || rates.Series[0].Name != "本期" || rates.Series[1].Name != "上期" {
			t.Errorf("rates chart: %+v", rates)
		}
		// October: one repair, resolved on time? Its callback rate is 100%.
		if v := rates.Series[1].Data[2]; v == nil || *v != 100 {
			t.Errorf("previous callback rate: %v", v)
		}

		// A custom period, and the periods refused.
		body = page(t, director, "/tickets/dashboard?from=2026-11-01&to=2026-11-03", http.StatusOK)
		if d := chartOf(t, body, "chart-daily"); len(d.X) != 3 {
			t.Errorf("custom period: %v", d.X)
		}
		body = page(t, director, "/tickets/dashboard?from=2026-01-01&to=2026-12-31", http.StatusOK)
		if d := chartOf(t, body, "chart-daily"); len(d.X) != 12 || d.X[10] != "2026-11" {
			t.Errorf("a year goes by month: %v", d.X)
		}
		page(t, director, "/tickets/dashboard?from=2026-11-05&to=2026-11-01", http.StatusUnprocessableEntity)
		page(t, director, "/tickets/dashboard?month=abc", http.StatusUnprocessableEntity)
		page(t, director, fmt.Sprintf("/tickets/dashboard?community_id=%d", x.B.Community.ID), http.StatusForbidden)
	})
}

// TestBreakdownScopes: department staff count only what they may see.
func TestBreakdownScopes(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		reportMonth(t, x)
		ctx := context.Background()
		f := ticket.Filter{}
		all, err := x.svc.Breakdown(ctx, x.user(auth.RoleAdmin), f, "community", 0)
		if err != nil {
			t.Fatal(err)
		}
		mine, err := x.svc.Breakdown(ctx, x.user(auth.RoleDeptStaff), f, "department", 0)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range mine {
			total += c.Total
		}
		// 工程部 staff: only the repair dispatched to 工程部.
		if total != 1 || mine[0].Label != "工程部" || mine[0].Total != 1 {
			t.Errorf("dept staff breakdown: %+v", mine)
		}
		names := map[string]int{}
		for _, c := range all {
			names[c.Label] = c.Total
		}
		if names[x.A.Community.Name] != 7 || names[x.B.Community.Name] != 1 {
			t.Errorf("admin by community: %v", names)
		}
		if _, err := x.svc.Breakdown(ctx, x.user(auth.RoleAdmin), f, "password", 0); err == nil {
			t.Errorf("unknown dimension accepted")
		}
	})
}
