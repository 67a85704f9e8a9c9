package billing

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// receiptView is a payment as its printed 收据.
type receiptView struct {
	P         *Payment
	Community *archive.Community
	Payer     string
	History   []audit.Entry
}

func (p *pages) loadReceipt(r *http.Request) (*receiptView, error) {
	id, err := web.ID(r, "id")
	if err != nil {
		return nil, err
	}
	u := user(r)
	pay, err := p.S.Payment(r.Context(), u, id)
	if err != nil {
		return nil, err
	}
	v := &receiptView{P: pay}
	if v.Community, err = p.arch.Community(r.Context(), u, pay.CommunityID); err != nil {
		return nil, err
	}
	h, err := p.arch.House(r.Context(), u, pay.HouseID)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, o := range h.Owners {
		if o.Active {
			names = append(names, o.Name)
		}
	}
	v.Payer = strings.Join(names, "、")
	v.History, _ = audit.History(r.Context(), p.S.DB, "payment", id)
	return v, nil
}

func (p *pages) receipt(w http.ResponseWriter, r *http.Request) error {
	return p.renderReceipt(w, r, http.StatusOK, &web.Page{})
}

func (p *pages) renderReceipt(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) error {
	v, err := p.loadReceipt(r)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav, pg.Data = "收据 "+v.P.ReceiptNumber, "billing_payments", v
	if v.P.ReceiptNumber == "" {
		pg.Title = "预存抵扣记录"
	}
	return p.t.Render(w, r, status, "receipt", pg)
}

func (p *pages) voidPayment(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	// Scope before anything else: the payment must be the caller's to see.
	if _, err := p.S.Payment(r.Context(), user(r), id); err != nil {
		return err
	}
	// A receipt is voided only with the voider's own password: a manager's
	// browser left signed in must not be enough to undo takings.
	err = auth.ReauthForm(r)
	var pay *Payment
	if err == nil {
		pay, err = p.S.VoidPayment(r.Context(), user(r), id, r.FormValue("reason"))
	}
	if err != nil {
		if _, ok := flashable(err); ok {
			return p.renderReceipt(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
				Errors: formErrors(err, nil, "reason", auth.ReauthField)})
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf(ReceiptURL, id), fmt.Sprintf("收据 %s 已作废，所缴账单已恢复为未缴", pay.ReceiptNumber))
}

// payments lists receipts: by community, date range, cashier, method and
// status.
func (p *pages) payments(w http.ResponseWriter, r *http.Request) error {
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	q := &query{r: r}
	f := PaymentFilter{CommunityID: c.ID, CashierID: q.id("cashier_id"), From: q.day("from"), To: q.day("to"),
		Status: q.enum("status", PaymentValid, PaymentVoid), Method: q.enum("method", slices.Concat(Methods, []string{MethodPrepaid})...),
		Receipt: strings.TrimSpace(r.URL.Query().Get("receipt"))}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	ps, total, err := p.S.Payments(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	cashiers, err := p.S.Cashiers(r.Context(), user(r), c.ID)
	if err != nil {
		return err
	}
	var valid, void int64
	for _, x := range ps {
		if x.Status == PaymentValid {
			valid += x.AmountFen
		} else {
			void += x.AmountFen
		}
	}
	return p.t.Render(w, r, http.StatusOK, "payments", &web.Page{Title: "收款记录", Nav: "billing_payments", Data: map[string]any{
		"C": c, "Payments": ps, "Cashiers": cashiers, "Methods": slices.Concat(Methods, []string{MethodPrepaid}),
		"ValidFen": valid, "VoidFen": void, "Pager": pager(r, total)}})
}

// Cashier is a user who has taken payments.
type Cashier struct {
	ID   int64
	Name string
}

// Cashiers lists who has taken payments or voided one in a community
// (0: every one in scope), by name, for the lists' and reports' cashier
// filters.
func (s *Service) Cashiers(ctx context.Context, by *auth.User, communityID int64) ([]Cashier, error) {
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
	c.Add("method <> ?", MethodPrepaid)
	c.Scope("community_id", Scope(by))
	rows, err := s.DB.QueryContext(ctx, `SELECT cashier_id, MAX(cashier_name), voided_by, MAX(voided_name) FROM payments`+c.SQL()+
		` GROUP BY cashier_id, voided_by`, c.Args...)
	if err != nil {
		return nil, fmt.Errorf("cashiers: %w", err)
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id, voider int64
		var name, voiderName string
		if err := rows.Scan(&id, &name, &voider, &voiderName); err != nil {
			return nil, err
		}
		names[id] = max(names[id], name)
		if voider != 0 {
			names[voider] = max(names[voider], voiderName)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Cashier{}
	for id, name := range names {
		out = append(out, Cashier{ID: id, Name: name})
	}
	slices.SortFunc(out, func(a, b Cashier) int { return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// errNoCommunity is shown when a page needs a community and the user has
// none in scope.
var errNoCommunity = errs.Invalid("community_id", "您还没有可管理的小区")
