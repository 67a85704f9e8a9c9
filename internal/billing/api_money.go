package billing

import (
	"net/http"
	"slices"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// runs and bills

func (h *Handlers) run(w http.ResponseWriter, r *http.Request) error {
	var in RunInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	run, err := h.S.Run(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, run)
}

func (h *Handlers) preview(w http.ResponseWriter, r *http.Request) error {
	var in RunInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	run, err := h.S.PreviewRun(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, run)
}

func (h *Handlers) listRuns(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid := q.id("community_id")
	limit, offset := q.paging()
	if q.err != nil {
		return q.err
	}
	runs, total, err := h.S.BillRuns(r.Context(), user(r), cid, limit, offset)
	if err != nil {
		return err
	}
	return list(w, runs, total)
}

func (h *Handlers) getRun(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	run, err := h.S.BillRun(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, run)
}

func (h *Handlers) listBills(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	f := BillFilter{CommunityID: q.id("community_id"), HouseID: q.id("house_id"), FeeItemID: q.id("fee_item_id"),
		RunID: q.id("run_id"), Status: q.enum("status", BillUnpaid, BillPaid, BillVoid), Period: q.period("period"),
		AsOf: q.asOf("as_of")}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	bills, total, err := h.S.Bills(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return list(w, bills, total)
}

func (h *Handlers) getBill(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.S.Bill(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, b)
}

func (h *Handlers) charge(w http.ResponseWriter, r *http.Request) error {
	var in ChargeInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	b, err := h.S.Charge(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, b)
}

// payments

// pay answers 201 with the payment (id, receipt_number,
// prepaid_added_fen …). Bad input here is a 400, as the cashier desk's
// contract has it (an amount below the bills' total above all).
func (h *Handlers) pay(w http.ResponseWriter, r *http.Request) error {
	var in PaymentInput
	err := web.DecodeJSON(r, &in)
	var p *Payment
	if err == nil {
		p, err = h.S.Pay(r.Context(), user(r), in)
	}
	if e, ok := errs.As(err); ok && e.Code == errs.CodeInvalid {
		return web.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{
			"code": string(e.Code), "message": e.Message, "field": e.Field}})
	}
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, p)
}

func (h *Handlers) listPayments(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	f := PaymentFilter{CommunityID: q.id("community_id"), HouseID: q.id("house_id"), CashierID: q.id("cashier_id"),
		Day: q.day("date"), Status: q.enum("status", PaymentValid, PaymentVoid),
		Method: q.enum("method", slices.Concat(Methods, []string{MethodPrepaid})...), Receipt: r.URL.Query().Get("receipt_number")}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	ps, total, err := h.S.Payments(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return list(w, ps, total)
}

func (h *Handlers) getPayment(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.S.Payment(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p)
}

func (h *Handlers) account(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "house_id")
	if err != nil {
		return err
	}
	a, err := h.S.Account(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, a)
}

// arrears and dunning

func (h *Handlers) arrears(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	f := ArrearsFilter{CommunityID: q.id("community_id"), BuildingID: q.id("building_id"),
		Category: r.URL.Query().Get("category"), MinMonths: q.int("min_months", 0, 1200)}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	rep, err := h.S.Arrears(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, rep)
}

func (h *Handlers) recordDunning(w http.ResponseWriter, r *http.Request) error {
	var in DunningInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := h.S.RecordDunning(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, d)
}

func (h *Handlers) listDunning(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	f := DunningFilter{CommunityID: q.id("community_id"), HouseID: q.id("house_id"), Due: q.day("due")}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	ds, total, err := h.S.DunningRecords(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return list(w, ds, total)
}

func (h *Handlers) notices(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid, months := q.id("community_id"), q.int("months", 1, 1200)
	if q.err != nil {
		return q.err
	}
	ns, err := h.S.Notices(r.Context(), user(r), cid, months)
	if err != nil {
		return err
	}
	return list(w, ns, len(ns))
}

// reports

func (h *Handlers) collectionRate(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid, asOf := q.id("community_id"), q.asOf("as_of")
	if q.err != nil {
		return q.err
	}
	cr, err := h.S.CollectionRate(r.Context(), user(r), cid, r.URL.Query().Get("period"), asOf)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, cr)
}

func (h *Handlers) clearanceRate(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid, asOf := q.id("community_id"), q.asOf("as_of")
	if q.err != nil {
		return q.err
	}
	cr, err := h.S.ClearanceRate(r.Context(), user(r), cid, r.URL.Query().Get("from"), asOf)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, cr)
}

func (h *Handlers) cashReport(w http.ResponseWriter, r *http.Request) error {
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
	return web.WriteJSON(w, http.StatusOK, rep)
}

func (h *Handlers) statement(w http.ResponseWriter, r *http.Request) error {
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
	return web.WriteJSON(w, http.StatusOK, st)
}

// expenditures

func (h *Handlers) saveExpenditure(w http.ResponseWriter, r *http.Request) error {
	var id int64
	status := http.StatusCreated
	var in ExpenditureInput
	if r.PathValue("id") != "" {
		var err error
		if id, err = web.ID(r, "id"); err != nil {
			return err
		}
		e, err := h.S.Expenditure(r.Context(), user(r), id)
		if err != nil {
			return err
		}
		in = ExpenditureInput{CommunityID: e.CommunityID, SpentOn: e.SpentOn, Category: e.Category,
			Description: e.Description, AmountFen: e.AmountFen}
		status = http.StatusOK
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := h.S.SaveExpenditure(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, status, e)
}

func (h *Handlers) listExpenditures(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid, year := q.id("community_id"), q.int("year", 2000, 2200)
	limit, offset := q.paging()
	if q.err != nil {
		return q.err
	}
	es, total, err := h.S.Expenditures(r.Context(), user(r), cid, year, limit, offset)
	if err != nil {
		return err
	}
	return list(w, es, total)
}

func (h *Handlers) getExpenditure(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.S.Expenditure(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, e)
}
