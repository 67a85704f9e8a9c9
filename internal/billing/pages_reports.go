package billing

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// Reports (收缴率, 清欠率, 日报) and the 收支公示 with its expenditures.

func (p *pages) reportRoutes(rt *web.Router) {
	rt.Handle("GET /billing/reports", auth.PermBillingRead, p.reports)
	rt.Handle("GET /billing/statement", auth.PermBillingRead, p.statement)
	rt.Handle("POST /billing/expenditures", auth.PermExpenditure, p.expenditureCreate)
	rt.Handle("POST /billing/expenditures/{id}/void", auth.PermExpenditure, p.expenditureVoid)
	p.publishRoutes(rt)
}

// reportQuery holds the report page's inputs with their defaults: this
// month, January of this year, today.
type reportQuery struct {
	Period, From, AsOf, Date string
	CashierID                int64
}

func (p *pages) reports(w http.ResponseWriter, r *http.Request) error {
	u, ctx := user(r), r.Context()
	c, err := p.communities(r, true)
	if err != nil {
		return err
	}
	now := p.S.Now().In(shanghai)
	q := &query{r: r}
	rq := reportQuery{Period: q.period("period"), From: q.period("from"), Date: q.day("date"), CashierID: q.id("cashier_id")}
	asOf := q.asOf("as_of")
	if q.err != nil {
		return q.err
	}
	if rq.Period == "" {
		rq.Period = now.Format("2006-01")
	}
	if rq.From == "" {
		rq.From = now.Format("2006") + "-01"
	}
	if rq.Date == "" {
		rq.Date = now.Format("2006-01-02")
	}
	if !asOf.IsZero() {
		rq.AsOf = asOf.Add(-time.Second).In(shanghai).Format("2006-01-02")
	}
	data := map[string]any{"C": c, "Q": rq}
	if c.ID > 0 {
		cr, err := p.S.CollectionRate(ctx, u, c.ID, rq.Period, asOf)
		if err != nil {
			return err
		}
		clr, err := p.S.ClearanceRate(ctx, u, c.ID, rq.From, asOf)
		if err != nil {
			return err
		}
		cash, err := p.S.CashReport(ctx, u, c.ID, rq.Date, rq.CashierID)
		if err != nil {
			return err
		}
		cashiers, err := p.S.Cashiers(ctx, u, c.ID)
		if err != nil {
			return err
		}
		data["Collection"], data["Clearance"], data["Cash"], data["Cashiers"] = cr, clr, cash, cashiers
	}
	return p.t.Render(w, r, http.StatusOK, "reports", &web.Page{Title: "收费报表", Nav: "billing_reports", Data: data})
}

var expenditureFields = []string{"spent_on", "category", "description", "amount"}

func (p *pages) statement(w http.ResponseWriter, r *http.Request) error {
	return p.renderStatement(w, r, http.StatusOK, &web.Page{Form: url.Values{"spent_on": {p.today()}}})
}

// renderStatement shows the year's 收支公示 (printable), its expenditures
// and the entry form.
func (p *pages) renderStatement(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) error {
	u, ctx := user(r), r.Context()
	c, err := p.communities(r, true)
	if err != nil {
		return err
	}
	q := &query{r: r}
	year := q.int("year", 2000, 2200)
	if q.err != nil {
		return q.err
	}
	if r.Method == http.MethodPost {
		if d, ok := normDay(r.PostFormValue("spent_on")); ok {
			year, _ = strconv.Atoi(d[:4])
		}
	}
	if year == 0 {
		year = p.S.Now().In(shanghai).Year()
	}
	data := map[string]any{"C": c, "Community": c.Current(), "Year": year, "Categories": ExpenditureCategories,
		"Years": []int{year - 1, year, year + 1}}
	if c.ID > 0 {
		st, err := p.S.Statement(ctx, u, c.ID, year)
		if err != nil {
			return err
		}
		es, total, err := p.S.Expenditures(ctx, u, c.ID, year, 500, 0)
		if err != nil {
			return err
		}
		data["S"], data["Expenditures"], data["ExpenditureCount"] = st, es, total
		if err := p.statementPublications(r, data, st); err != nil {
			return err
		}
	}
	data["Date"] = cnDate(p.S.Now())
	pg.Title, pg.Nav, pg.Data = fmt.Sprintf("%d年收支公示", year), "billing_statement", data
	return p.t.Render(w, r, status, "statement", pg)
}

func (p *pages) expenditureCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	in := ExpenditureInput{CommunityID: c.ID, SpentOn: r.FormValue("spent_on"), Category: r.FormValue("category"),
		Description: r.FormValue("description")}
	in.AmountFen, err = formYuan(r, "amount", "amount", "金额")
	var e *Expenditure
	if err == nil {
		e, err = p.S.SaveExpenditure(r.Context(), user(r), 0, in)
	}
	if err != nil {
		if _, ok := flashable(err); ok {
			return p.renderStatement(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
				Errors: formErrors(err, map[string]string{"amount_fen": "amount"}, expenditureFields...)})
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/billing/statement?community_id=%d&year=%s", e.CommunityID, e.SpentOn[:4]),
		fmt.Sprintf("已登记支出：%s %s", e.Category, money.Fen(e.AmountFen)))
}

func (p *pages) expenditureVoid(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := p.S.Expenditure(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/billing/statement?community_id=%d&year=%s", cur.CommunityID, cur.SpentOn[:4])
	if _, err := p.S.VoidExpenditure(r.Context(), user(r), id, r.FormValue("reason")); err != nil {
		if e, ok := flashable(err); ok {
			return redirect(w, r, back, "未作废："+e.Message)
		}
		return err
	}
	return redirect(w, r, back, "已作废该支出")
}
