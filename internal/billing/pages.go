package billing

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages serve the staff console's billing pages. Every page calls the
// Service, which checks the permission and the community scope; the
// archive finds houses by code or owner and lists the communities.
type pages struct {
	*Handlers
	arch *archive.Service
	t    *web.Templates
}

func (h *Handlers) pageRoutes(rt *web.Router) {
	p := &pages{Handlers: h, arch: archive.NewService(h.S.DB)}
	p.t = web.ParseTemplates(templateFS, template.FuncMap{
		"blabel": Label,
		"words":  AmountInWords,
		"pct":    Percent,
		"join":   func(s []string) string { return strings.Join(s, "、") },
		"bucket": bucketLabel,
		"has":    func(m map[int64]bool, id int64) bool { return m[id] },
		"inList": func(vs []string, v string) bool { return slices.Contains(vs, v) },
		"idval": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
	})
	// ReceiptURL's default, /billing/payments/%d, is the receipt page below.

	rt.Handle("GET /billing/desk", auth.PermBillingRead, p.desk)
	rt.Handle("POST /billing/desk/pay", auth.PermBillingCharge, p.pay)
	rt.Handle("POST /billing/bills/{id}/waive-late-fee", auth.PermBillingVoid, p.waive)

	rt.Handle("GET /billing/payments", auth.PermBillingRead, p.payments)
	rt.Handle("GET /billing/payments/{id}", auth.PermBillingRead, p.receipt)
	rt.Handle("POST /billing/payments/{id}/void", auth.PermBillingVoid, p.voidPayment)

	p.itemRoutes(rt)
	p.runRoutes(rt)
	p.arrearsRoutes(rt)
	p.reportRoutes(rt)
}

// redirect answers a form post with 303 to path and a flash message.
func redirect(w http.ResponseWriter, r *http.Request, path, flash string) error {
	web.Redirect(w, r, path, flash)
	return nil
}

// flashable reports whether err is a user's mistake (invalid input, a
// conflict) to show on the page; permission and missing-record errors go
// up as 403/404.
func flashable(err error) (*errs.Error, bool) {
	e, ok := errs.As(err)
	return e, ok && (e.Code == errs.CodeInvalid || e.Code == errs.CodeConflict)
}

// formErrors maps a flashable error to the form's fields: rename turns
// the service's field names into the form's ("amount_fen" → "amount"),
// and an error of a field the form does not show goes to the top.
func formErrors(err error, rename map[string]string, known ...string) map[string]string {
	out := map[string]string{}
	for f, msg := range errs.ByField(err) {
		if n, ok := rename[f]; ok {
			f = n
		}
		if f != "" && !slices.Contains(known, f) {
			f = ""
		}
		if out[f] == "" {
			out[f] = msg
		}
	}
	return out
}

func formInt(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return v
}

func formIDs(r *http.Request, name string) []int64 {
	var out []int64
	for _, s := range r.Form[name] {
		if v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	return out
}

// formYuan reads an amount in 元 ("225.33", "¥1,000") as fen; a missing
// or bad one is an invalid input on field.
func formYuan(r *http.Request, name, field, what string) (int64, error) {
	s := strings.TrimSpace(r.FormValue(name))
	if s == "" {
		return 0, errs.Invalid(field, "请填写%s", what)
	}
	v, err := money.ParseHundredths(s)
	if err != nil || v <= 0 {
		return 0, errs.Invalid(field, "%s须为大于 0 的金额（元），最多两位小数，如 225.33", what)
	}
	if v > 1_000_000_000_00 {
		return 0, errs.Invalid(field, "%s过大", what)
	}
	return v, nil
}

func pager(r *http.Request, total int) web.Pager {
	pg := web.PagingOf(r)
	return web.Pager{Total: total, Page: pg.Page, PerPage: pg.PerPage, Query: r.URL.Query()}
}

func bucketLabel(key string) string {
	for _, b := range Buckets {
		if b.Key == key {
			return b.Label
		}
	}
	return key
}

func (p *pages) today() string { return p.S.Now().In(shanghai).Format("2006-01-02") }

// scope is the communities a page offers and the one it shows.
type scope = archive.PageScope

// communities reads the page's community (archive.PageScope).
func (p *pages) communities(r *http.Request, need bool) (*scope, error) {
	return p.arch.PageScope(r, need)
}

// resolveHouse finds the house of a typed code in a community.
func (p *pages) resolveHouse(ctx context.Context, u *auth.User, communityID int64, code, field string) (*archive.House, error) {
	return p.arch.HouseByCode(ctx, u, communityID, code, field)
}

// houseCodes names houses already known to be in the caller's scope.
func (p *pages) houseCodes(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := db.In(nil, ids)
	rows, err := p.S.DB.QueryContext(ctx, `SELECT id, code FROM houses WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("house codes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return nil, err
		}
		out[id] = code
	}
	return out, rows.Err()
}

// the cashier desk

// deskView is the 收银台: a house search and the chosen house's account.
type deskView struct {
	C        *scope
	Houses   []*archive.House // search results
	Searched bool
	A        *Account
	Selected map[int64]bool
	SelCount int
	SelFen   int64
	SelLate  int64 // the selected bills' 滞纳金 as of now
	LateFee  bool  // “收取滞纳金” is ticked
	SelDue   int64 // what the cashier takes: SelFen, plus SelLate when ticked
	Confirm  *payConfirm
	Methods  []string
}

// payConfirm asks before an overpayment goes to the prepaid balance.
type payConfirm struct {
	AmountFen, BillsFen, LateFeeFen, SurplusFen int64
}

// collectLateFee reads the desk's “收取滞纳金” box: ticked until the form
// has been sent (sel) without it.
func collectLateFee(r *http.Request) bool {
	return r.Form.Get("sel") == "" || r.Form.Get("late_fee") != ""
}

func (p *pages) desk(w http.ResponseWriter, r *http.Request) error {
	houseID, err := web.QueryID(r, "house_id")
	if err != nil {
		return err
	}
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	v := &deskView{C: c}
	if q := strings.TrimSpace(r.URL.Query().Get("q")); houseID == 0 && q != "" {
		code := strings.NewReplacer("－", "-", "—", "-", " ", "").Replace(q)
		hs, total, err := p.arch.Houses(r.Context(), user(r), archive.HouseFilter{CommunityID: c.ID, Q: code, Limit: 30})
		if err != nil {
			return err
		}
		if len(hs) == 1 && total == 1 {
			http.Redirect(w, r, fmt.Sprintf("/billing/desk?house_id=%d", hs[0].ID), http.StatusSeeOther)
			return nil
		}
		v.Houses, v.Searched = hs, true
	}
	form := url.Values{"method": {MethodCash}}
	for _, k := range []string{"method", "reference", "note"} {
		if s := r.URL.Query().Get(k); s != "" {
			form.Set(k, s)
		}
	}
	return p.renderDesk(w, r, http.StatusOK, houseID, v, &web.Page{Form: form})
}

// renderDesk shows the desk; with a house, its account and the bills
// selected (the form's bill_ids once it has been sent, else all of them).
func (p *pages) renderDesk(w http.ResponseWriter, r *http.Request, status int, houseID int64, v *deskView, pg *web.Page) error {
	v.Methods, v.Selected = Methods, map[int64]bool{}
	title := "收银台"
	if houseID > 0 {
		a, err := p.S.Account(r.Context(), user(r), houseID)
		if err != nil {
			return err
		}
		v.A = a
		title = "收银台 · " + a.HouseCode
		if r.Form == nil {
			r.ParseForm()
		}
		chosen := formIDs(r, "bill_ids")
		all := r.Form.Get("sel") == ""
		for _, b := range a.Unpaid {
			if all || slices.Contains(chosen, b.ID) {
				v.Selected[b.ID] = true
				v.SelCount++
				v.SelFen += b.AmountFen
				v.SelLate += b.LateFeeFen
			}
		}
		v.LateFee, v.SelDue = collectLateFee(r), v.SelFen
		if v.LateFee {
			v.SelDue += v.SelLate
		}
		if pg.Form.Get("amount") == "" || r.Method == http.MethodGet {
			pg.Form.Set("amount", money.PlainHundredths(v.SelDue))
		}
	}
	pg.Title, pg.Nav, pg.Data = title, "billing_desk", v
	return p.t.Render(w, r, status, "desk", pg)
}

var payFields = []string{"amount", "method", "reference", "note", "bill_ids"}

func (p *pages) pay(w http.ResponseWriter, r *http.Request) error {
	houseID := formInt(r, "house_id")
	// The account first: it checks the house is the cashier's to see.
	a, err := p.S.Account(r.Context(), user(r), houseID)
	if err != nil {
		return err
	}
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	in := PaymentInput{HouseID: a.HouseID, BillIDs: slices.Compact(slices.Sorted(slices.Values(formIDs(r, "bill_ids")))), Method: r.FormValue("method"),
		Reference: r.FormValue("reference"), Note: strings.TrimSpace(r.FormValue("note")), LateFee: collectLateFee(r)}
	v := &deskView{C: c}
	again := func(err error) error {
		return p.renderDesk(w, r, web.StatusOf(err), a.HouseID, v, &web.Page{Form: r.PostForm,
			Errors: formErrors(err, map[string]string{"amount_fen": "amount"}, payFields...)})
	}
	if in.AmountFen, err = formYuan(r, "amount", "amount", "实收金额"); err != nil {
		return again(err)
	}
	if shown, err := strconv.ParseInt(r.FormValue("late_fee_fen"), 10, 64); err == nil && in.LateFee {
		in.LateFeeFen = &shown // the 滞纳金 the desk showed: Pay refuses if it has changed since
	}
	// Money beyond the bills goes to the prepaid balance: say so and ask
	// once more, for exactly this amount. (A bill no longer unpaid is left
	// to Pay, which names it.)
	var bills, late int64
	stale := false
	for _, id := range in.BillIDs {
		i := slices.IndexFunc(a.Unpaid, func(b *Bill) bool { return b.ID == id })
		if i < 0 {
			stale = true
			break
		}
		bills += a.Unpaid[i].AmountFen
		if in.LateFee {
			late += a.Unpaid[i].LateFeeFen
		}
	}
	if surplus := in.AmountFen - bills - late; !stale && surplus > 0 && r.FormValue("confirm") != strconv.FormatInt(in.AmountFen, 10) {
		v.Confirm = &payConfirm{AmountFen: in.AmountFen, BillsFen: bills, LateFeeFen: late, SurplusFen: surplus}
		return p.renderDesk(w, r, http.StatusOK, a.HouseID, v, &web.Page{Form: r.PostForm})
	}
	pay, err := p.S.Pay(r.Context(), user(r), in)
	if err != nil {
		if _, ok := flashable(err); ok {
			return again(err)
		}
		return err
	}
	msg := fmt.Sprintf("已收款 %s，收据号 %s", money.Fen(pay.AmountFen), pay.ReceiptNumber)
	if pay.LateFeeFen > 0 {
		msg += fmt.Sprintf("，含滞纳金 %s", money.Fen(pay.LateFeeFen))
	}
	if pay.PrepaidAddedFen > 0 {
		msg += fmt.Sprintf("，其中 %s 存入预存款", money.Fen(pay.PrepaidAddedFen))
	}
	return redirect(w, r, fmt.Sprintf(ReceiptURL, pay.ID), msg)
}

func (p *pages) waive(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	b, err := p.S.Bill(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/billing/desk?house_id=%d", b.HouseID)
	if _, err := p.S.WaiveLateFee(r.Context(), user(r), id, r.FormValue("reason")); err != nil {
		if e, ok := flashable(err); ok {
			return redirect(w, r, back, "未减免："+e.Message)
		}
		return err
	}
	return redirect(w, r, back, fmt.Sprintf("已减免 %s %s 的滞纳金", b.Period, b.FeeItemName))
}
