package billing

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// Workbooks of the reports, for the API's export.xlsx routes and the
// pages' 导出Excel buttons alike. Money is written as exact two-decimal
// numbers (元).

const maxExportRows = 100_000

func yuan(fen int64) excel.Hundredths { return excel.Hundredths(fen) }

func pct(r *float64, num, den int64) string {
	if r == nil {
		return "—"
	}
	return Percent(num, den)
}

// ArrearsWorkbook is the arrears list of the filter (every page) and its
// aging.
func (s *Service) ArrearsWorkbook(ctx context.Context, by *auth.User, f ArrearsFilter) (*excel.Writer, error) {
	wb := excel.NewWriter()
	if err := wb.Sheet("欠费明细", []excel.Column{{Header: "房屋", Width: 14}, {Header: "业主", Width: 20},
		{Header: "欠费金额(元)", Format: excel.Decimal2}, {Header: "欠费笔数", Format: excel.Integer},
		{Header: "欠费月数", Format: excel.Integer}, {Header: "最早欠费月份", Width: 14}, {Header: "账龄"}}); err != nil {
		return nil, err
	}
	f.Limit, f.Offset = 500, 0
	var rep *ArrearsReport
	for f.Offset < maxExportRows {
		var err error
		if rep, err = s.Arrears(ctx, by, f); err != nil {
			return nil, err
		}
		for _, a := range rep.Items {
			label := ""
			for _, b := range Buckets {
				if b.Key == a.Bucket {
					label = b.Label
				}
			}
			if err := wb.Row(a.HouseCode, strings.Join(a.Owners, "、"), yuan(a.OwedFen), a.Bills, a.Months, a.OldestPeriod, label); err != nil {
				return nil, err
			}
		}
		if len(rep.Items) < f.Limit {
			break
		}
		f.Offset += len(rep.Items)
	}
	if err := wb.Sheet("账龄", []excel.Column{{Header: "账龄", Width: 14}, {Header: "户数", Format: excel.Integer},
		{Header: "金额(元)", Format: excel.Decimal2}}); err != nil {
		return nil, err
	}
	for _, b := range rep.Buckets {
		if err := wb.Row(b.Label, b.Houses, yuan(b.OwedFen)); err != nil {
			return nil, err
		}
	}
	return wb, wb.Row("合计", rep.Total, yuan(rep.OwedFen))
}

// CollectionWorkbook is a month's 收缴率 by item.
func CollectionWorkbook(cr *CollectionRate) (*excel.Writer, error) {
	wb := excel.NewWriter()
	if err := wb.Sheet("收缴率", []excel.Column{{Header: "收费项目", Width: 16}, {Header: "应收(元)", Format: excel.Decimal2},
		{Header: "实收(元)", Format: excel.Decimal2}, {Header: "收缴率"}}); err != nil {
		return nil, err
	}
	for _, it := range cr.Items {
		if err := wb.Row(it.Name, yuan(it.BilledFen), yuan(it.PaidFen), pct(it.Rate, it.PaidFen, it.BilledFen)); err != nil {
			return nil, err
		}
	}
	asOf := cr.AsOf.In(shanghai).Format("2006-01-02 15:04")
	return wb, wb.Row(fmt.Sprintf("合计（%s 账单，截至 %s）", cr.Period, asOf), yuan(cr.BilledFen), yuan(cr.PaidFen),
		pct(cr.Rate, cr.PaidFen, cr.BilledFen))
}

// CashWorkbook is the 日报: one row per receipt and per refund (a
// receipt of an earlier day voided this day, negative, under the user
// who voided it), by user, with each user's totals by method and what
// their till must hold. 其中滞纳金 is the part of each amount that is
// 滞纳金, as the page shows it (empty on a method's subtotal, which the
// page does not split).
func CashWorkbook(rep *CashReport) (*excel.Writer, error) {
	wb := excel.NewWriter()
	if err := wb.Sheet("收费日报 "+rep.Day, []excel.Column{{Header: "收费员"}, {Header: "收据号", Width: 16},
		{Header: "时间", Width: 17}, {Header: "房屋", Width: 14}, {Header: "方式"}, {Header: "金额(元)", Format: excel.Decimal2},
		{Header: "其中滞纳金(元)", Format: excel.Decimal2}, {Header: "状态", Width: 24}, {Header: "交易参考号", Width: 20}}); err != nil {
		return nil, err
	}
	at := func(t time.Time) string { return t.In(shanghai).Format("2006-01-02 15:04") }
	for _, c := range rep.Cashiers {
		for _, p := range c.Payments {
			status := "有效"
			if p.Status != PaymentValid {
				status = "有效（" + at(*p.VoidedAt) + " 作废，计入当日退款）"
			}
			if err := wb.Row(c.CashierName, p.ReceiptNumber, at(p.PaidAt), p.HouseCode, Label(p.Method), yuan(p.AmountFen),
				yuan(p.LateFeeFen), status, p.Reference); err != nil {
				return nil, err
			}
		}
		for _, p := range c.Refunds {
			if err := wb.Row(c.CashierName, p.ReceiptNumber, at(*p.VoidedAt), p.HouseCode, Label(p.Method), yuan(-p.AmountFen),
				yuan(-p.LateFeeFen), "退款：作废 "+at(p.PaidAt)+" 的收据："+p.VoidReason, p.Reference); err != nil {
				return nil, err
			}
		}
		for _, p := range c.Voided {
			if err := wb.Row(c.CashierName, p.ReceiptNumber, at(p.PaidAt), p.HouseCode, Label(p.Method), yuan(p.AmountFen),
				yuan(p.LateFeeFen), "当日作废（不计入）："+p.VoidReason, p.Reference); err != nil {
				return nil, err
			}
		}
		for _, m := range c.ByMethod {
			note := fmt.Sprintf("%d 笔", m.Count)
			if m.RefundCount > 0 {
				note += fmt.Sprintf("，退款 %d 笔 %s", m.RefundCount, money.Fen(m.RefundFen))
			}
			if err := wb.Row(c.CashierName+" 小计", "", "", "", m.Label, yuan(m.AmountFen), "", note); err != nil {
				return nil, err
			}
		}
		if err := wb.Row(c.CashierName+" 应交", "", "", "", "", yuan(c.TotalFen), yuan(c.LateFeeFen),
			fmt.Sprintf("收款 %s − 退款 %s", money.Fen(c.ReceivedFen), money.Fen(c.RefundFen))); err != nil {
			return nil, err
		}
	}
	note := fmt.Sprintf("%d 笔", rep.Count)
	if rep.RefundCount > 0 {
		note += fmt.Sprintf("，退款 %d 笔 %s", rep.RefundCount, money.Fen(rep.RefundFen))
	}
	return wb, wb.Row("合计", "", "", "", "", yuan(rep.TotalFen), yuan(rep.LateFeeFen), note)
}

// StatementWorkbook is the 收支公示 of a year.
func StatementWorkbook(st *Statement) (*excel.Writer, error) {
	wb := excel.NewWriter()
	if err := wb.Sheet(fmt.Sprintf("%d年收支公示", st.Year), []excel.Column{{Header: "类别"}, {Header: "项目", Width: 20},
		{Header: "金额(元)", Format: excel.Decimal2}}); err != nil {
		return nil, err
	}
	for _, l := range st.Income {
		if err := wb.Row("收入", l.Name, yuan(l.AmountFen)); err != nil {
			return nil, err
		}
	}
	if err := wb.Row("收入合计", "", yuan(st.IncomeFen)); err != nil {
		return nil, err
	}
	for _, l := range st.Expenditure {
		if err := wb.Row("支出", l.Name, yuan(l.AmountFen)); err != nil {
			return nil, err
		}
	}
	if err := wb.Row("支出合计", "", yuan(st.ExpenditureFen)); err != nil {
		return nil, err
	}
	if err := wb.Row("结余", "", yuan(st.BalanceFen)); err != nil {
		return nil, err
	}
	return wb, wb.Row("代收押金（不计收入）", "", yuan(st.DepositsFen))
}

// export routes: the same filters as the JSON reports.

func (h *Handlers) exportRoutes(rt *web.Router) {
	rt.Handle("GET /api/v1/arrears/export.xlsx", auth.PermBillingRead, func(w http.ResponseWriter, r *http.Request) error {
		q := &query{r: r}
		f := ArrearsFilter{CommunityID: q.id("community_id"), BuildingID: q.id("building_id"),
			Category: r.URL.Query().Get("category"), MinMonths: q.int("min_months", 0, 1200)}
		if q.err != nil {
			return q.err
		}
		wb, err := h.S.ArrearsWorkbook(r.Context(), user(r), f)
		if err != nil {
			return err
		}
		return excel.Send(w, wb, "欠费明细.xlsx", "arrears.xlsx")
	})
	rt.Handle("GET /api/v1/collection-rate/export.xlsx", auth.PermBillingRead, func(w http.ResponseWriter, r *http.Request) error {
		q := &query{r: r}
		cid, asOf := q.id("community_id"), q.asOf("as_of")
		if q.err != nil {
			return q.err
		}
		cr, err := h.S.CollectionRate(r.Context(), user(r), cid, r.URL.Query().Get("period"), asOf)
		if err != nil {
			return err
		}
		wb, err := CollectionWorkbook(cr)
		if err != nil {
			return err
		}
		return excel.Send(w, wb, "收缴率"+cr.Period+".xlsx", "collection-rate.xlsx")
	})
	rt.Handle("GET /api/v1/cash-report/export.xlsx", auth.PermBillingRead, func(w http.ResponseWriter, r *http.Request) error {
		q := &query{r: r}
		cid, cashier := q.id("community_id"), q.id("cashier_id")
		if q.err != nil {
			return q.err
		}
		day := r.URL.Query().Get("date")
		if day == "" {
			day = h.S.Now().In(shanghai).Format("2006-01-02")
		}
		rep, err := h.S.CashReport(r.Context(), user(r), cid, day, cashier)
		if err != nil {
			return err
		}
		wb, err := CashWorkbook(rep)
		if err != nil {
			return err
		}
		return excel.Send(w, wb, "收费日报"+rep.Day+".xlsx", "cash-report.xlsx")
	})
	rt.Handle("GET /api/v1/statement/export.xlsx", auth.PermBillingRead, func(w http.ResponseWriter, r *http.Request) error {
		q := &query{r: r}
		cid, year := q.id("community_id"), q.int("year", 2000, 2200)
		if q.err != nil {
			return q.err
		}
		if year == 0 {
			year = h.S.Now().In(shanghai).Year()
		}
		st, err := h.S.Statement(r.Context(), user(r), cid, year)
		if err != nil {
			return err
		}
		wb, err := StatementWorkbook(st)
		if err != nil {
			return err
		}
		return excel.Send(w, wb, fmt.Sprintf("%d年收支公示.xlsx", st.Year), "statement.xlsx")
	})
}
