package ticket

import (
	"net/http"
	"strconv"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
)

// maxExportRows bounds one list export.
const maxExportRows = 100_000

var listColumns = []excel.Column{
	{Header: "工单号", Width: 16}, {Header: "小区", Width: 14}, {Header: "类型"}, {Header: "紧急程度"}, {Header: "渠道"},
	{Header: "标题", Width: 30}, {Header: "房屋/位置", Width: 14}, {Header: "报事人"}, {Header: "联系电话", Width: 14},
	{Header: "首问责任人"}, {Header: "派工部门"}, {Header: "处理人"}, {Header: "状态", Width: 12},
	{Header: "受理时间", Width: 17}, {Header: "响应时限", Width: 17}, {Header: "完成时限", Width: 17},
	{Header: "首次响应", Width: 17}, {Header: "首次完成", Width: 17}, {Header: "回访结果"},
	{Header: "返修次数", Format: excel.Integer}, {Header: "超时"}, {Header: "分类"}, {Header: "处理结果", Width: 30},
}

func ticketRow(by *auth.User, t *Ticket, community string) []any {
	where := t.HouseCode
	if t.Location != "" {
		where = joinNonEmpty(where, t.Location)
	}
	late := ""
	if t.Overdue {
		late = "是"
	}
	return []any{t.Number, community, Label(t.Kind), Label(t.Urgency), Label(t.Channel), t.Title, where,
		t.RequesterName, by.ShowPhone(t.RequesterPhone), t.ReceiverName, t.Department, t.AssigneeName, Label(t.Status),
		fmtTime(t.ReceivedAt), fmtTime(t.RespondDueAt), fmtTime(t.ResolveDueAt), fmtTimePtr(t.FirstResponseAt),
		fmtTimePtr(t.FirstResolvedAt), Label(t.CallbackResult), t.ReopenCount, late, t.Category, t.Resolution}
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

func (p *pages) export(w http.ResponseWriter, r *http.Request) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	cs, err := p.arch.PageScope(r, false)
	if err != nil {
		return err
	}
	nm := cs.Names
	wb := excel.NewWriter()
	if err := wb.Sheet("工单", listColumns); err != nil {
		return err
	}
	f.Limit, f.Offset = 500, 0
	for f.Offset < maxExportRows {
		ts, _, err := p.S.List(r.Context(), user(r), f)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if err := wb.Row(ticketRow(user(r), t, nm[t.CommunityID])...); err != nil {
				return err
			}
		}
		if len(ts) < f.Limit {
			break
		}
		f.Offset += len(ts)
	}
	return excel.Send(w, wb, "工单.xlsx", "tickets.xlsx")
}

var countColumns = []excel.Column{{Header: "项目", Width: 16}, {Header: "工单数", Format: excel.Integer},
	{Header: "占比", Width: 10}, {Header: "未完成", Format: excel.Integer}, {Header: "超时", Format: excel.Integer}}

func countSheet(wb *excel.Writer, name string, rows []Count, total int) {
	wb.Sheet(name, countColumns)
	for _, c := range rows {
		wb.Row(c.Label, c.Total, Share(c.Total, total), c.Open, c.Late)
	}
	wb.Row("合计", total, "", nil, nil)
}

// ReportWorkbook is the monthly report as a workbook, one sheet per table
// of the printed report, as by may see it.
func ReportWorkbook(by *auth.User, rep *MonthReport) *excel.Writer {
	wb := excel.NewWriter()
	wb.Sheet("概况", []excel.Column{{Header: "项目", Width: 16}, {Header: "数值", Width: 30}})
	community := rep.CommunityName
	if community == "" {
		community = "全部小区"
	}
	wb.Row("月份", rep.Month)
	wb.Row("小区", community)
	wb.Row("工单总数", strconv.Itoa(rep.Total))
	wb.Row("未完成", strconv.Itoa(rep.Open))
	wb.Row("超时", strconv.Itoa(rep.Late))
	wb.Row("生成时间", fmtTime(rep.GeneratedAt))
	wb.Row("生成人", rep.GeneratedBy)

	countSheet(wb, "按类型", rep.ByKind, rep.Total)
	countSheet(wb, "按渠道", rep.ByChannel, rep.Total)
	countSheet(wb, "按部门", rep.ByDepartment, rep.Total)
	countSheet(wb, "按小区", rep.ByCommunity, rep.Total)
	countSheet(wb, "按状态", rep.ByStatus, rep.Total)

	wb.Sheet("指标", []excel.Column{{Header: "指标", Width: 18}, {Header: "分子", Format: excel.Integer},
		{Header: "分母", Format: excel.Integer}, {Header: "本月", Width: 10}, {Header: "上月", Width: 10}, {Header: "变化"}})
	for _, x := range rep.Rates {
		wb.Row(x.Label, x.Cur.Num, x.Cur.Den, x.Cur.Percent(), x.Prev.Percent(), x.Trend())
	}

	complaints := 0
	for _, k := range rep.ByKind {
		if k.Key == KindComplaint {
			complaints = k.Total
		}
	}
	wb.Sheet("投诉分类", []excel.Column{{Header: "分类", Width: 16}, {Header: "投诉数", Format: excel.Integer}, {Header: "占比", Width: 10}})
	for _, c := range rep.Categories {
		wb.Row(c.Label, c.Total, Share(c.Total, complaints))
	}

	wb.Sheet("超时工单", listColumns)
	for _, t := range rep.LateTickets {
		wb.Row(ticketRow(by, t, communityOf(rep, t.CommunityID))...)
	}
	if rep.LateTotal > len(rep.LateTickets) {
		wb.Row("另有 " + strconv.Itoa(rep.LateTotal-len(rep.LateTickets)) + " 张超时工单未列出，请在工单列表中按条件导出")
	}
	return wb
}

func communityOf(rep *MonthReport, id int64) string {
	key := strconv.FormatInt(id, 10)
	for _, c := range rep.ByCommunity {
		if c.Key == key {
			return c.Label
		}
	}
	return ""
}

func sendReport(w http.ResponseWriter, by *auth.User, rep *MonthReport) error {
	name := rep.Month + " 客服工单月报"
	if rep.CommunityName != "" {
		name += "（" + rep.CommunityName + "）"
	}
	return excel.Send(w, ReportWorkbook(by, rep), name+".xlsx", "ticket-report-"+rep.Month+".xlsx")
}
