package billing

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Handlers serve the billing JSON API and the staff console's pages
// (pages*.go), both on the same Service.
type Handlers struct {
	S *Service
}

// Routes registers every billing API route with the permission it needs.
func (h *Handlers) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/fee-items", auth.PermBillingAdmin, h.createItem)
	rt.Handle("GET /api/v1/fee-items", auth.PermBillingRead, h.listItems)
	rt.Handle("GET /api/v1/fee-items/{id}", auth.PermBillingRead, h.getItem)
	rt.Handle("PUT /api/v1/fee-items/{id}", auth.PermBillingAdmin, h.updateItem)
	rt.Handle("POST /api/v1/fee-items/{id}/prices", auth.PermBillingAdmin, h.setPrice)

	rt.Handle("POST /api/v1/exemptions", auth.PermBillingAdmin, h.createExemption)
	rt.Handle("GET /api/v1/exemptions", auth.PermBillingRead, h.listExemptions)
	rt.Handle("POST /api/v1/exemptions/{id}/void", auth.PermBillingAdmin, h.reasonAction(func(r *http.Request, id int64, reason string) (any, error) {
		return h.S.VoidExemption(r.Context(), user(r), id, reason)
	}))

	rt.Handle("POST /api/v1/meter-readings", auth.PermBillingMeter, h.recordReading)
	rt.Handle("GET /api/v1/meter-readings", auth.PermBillingRead, h.listReadings)
	rt.Handle("POST /api/v1/meter-readings/import", auth.PermBillingMeter, h.importReadings)
	rt.Handle("POST /api/v1/shared-readings", auth.PermBillingMeter, h.recordSharedReading)
	rt.Handle("GET /api/v1/shared-readings", auth.PermBillingRead, h.listSharedReadings)

	rt.Handle("POST /api/v1/bill-runs", auth.PermBillingAdmin, h.run)
	rt.Handle("POST /api/v1/bill-runs/preview", auth.PermBillingAdmin, h.preview)
	rt.Handle("GET /api/v1/bill-runs", auth.PermBillingRead, h.listRuns)
	rt.Handle("GET /api/v1/bill-runs/{id}", auth.PermBillingRead, h.getRun)
	rt.Handle("POST /api/v1/bill-runs/{id}/void", auth.PermBillingAdmin, h.reasonAction(func(r *http.Request, id int64, reason string) (any, error) {
		return h.S.VoidRun(r.Context(), user(r), id, reason)
	}))

	rt.Handle("GET /api/v1/bills", auth.PermBillingRead, h.listBills)
	rt.Handle("POST /api/v1/bills", auth.PermBillingCharge, h.charge)
	rt.Handle("GET /api/v1/bills/{id}", auth.PermBillingRead, h.getBill)
	rt.Handle("POST /api/v1/bills/{id}/waive-late-fee", auth.PermBillingVoid, h.reasonAction(func(r *http.Request, id int64, reason string) (any, error) {
		return h.S.WaiveLateFee(r.Context(), user(r), id, reason)
	}))

	rt.Handle("POST /api/v1/payments", auth.PermBillingCharge, h.pay)
	rt.Handle("GET /api/v1/payments", auth.PermBillingRead, h.listPayments)
	rt.Handle("GET /api/v1/payments/{id}", auth.PermBillingRead, h.getPayment)
	rt.Handle("POST /api/v1/payments/{id}/void", auth.PermBillingVoid, h.reauthReasonAction(func(r *http.Request, id int64, reason string) (any, error) {
		return h.S.VoidPayment(r.Context(), user(r), id, reason)
	}))
	rt.Handle("GET /api/v1/house-accounts/{house_id}", auth.PermBillingRead, h.account)

	rt.Handle("GET /api/v1/arrears", auth.PermBillingRead, h.arrears)
	rt.Handle("POST /api/v1/dunning", auth.PermDunning, h.recordDunning)
	rt.Handle("GET /api/v1/dunning", auth.PermBillingRead, h.listDunning)
	rt.Handle("GET /api/v1/dunning/notices", auth.PermDunning, h.notices)

	rt.Handle("GET /api/v1/collection-rate", auth.PermBillingRead, h.collectionRate)
	rt.Handle("GET /api/v1/clearance-rate", auth.PermBillingRead, h.clearanceRate)
	rt.Handle("GET /api/v1/cash-report", auth.PermBillingRead, h.cashReport)
	rt.Handle("GET /api/v1/statement", auth.PermBillingRead, h.statement)

	rt.Handle("POST /api/v1/expenditures", auth.PermExpenditure, h.saveExpenditure)
	rt.Handle("GET /api/v1/expenditures", auth.PermBillingRead, h.listExpenditures)
	rt.Handle("GET /api/v1/expenditures/{id}", auth.PermBillingRead, h.getExpenditure)
	rt.Handle("PUT /api/v1/expenditures/{id}", auth.PermExpenditure, h.saveExpenditure)
	rt.Handle("POST /api/v1/expenditures/{id}/void", auth.PermExpenditure, h.reasonAction(func(r *http.Request, id int64, reason string) (any, error) {
		return h.S.VoidExpenditure(r.Context(), user(r), id, reason)
	}))
	h.exportRoutes(rt)
	h.pageRoutes(rt)
}

func user(r *http.Request) *auth.User { return auth.UserOf(r.Context()) }

func list[T any](w http.ResponseWriter, items []T, total int) error {
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

// reasonAction serves POST …/{id}/void-like actions whose body is
// {"reason": "…"}.
func (h *Handlers) reasonAction(fn func(r *http.Request, id int64, reason string) (any, error)) web.HandlerFunc {
	return reasonHandler(false, fn)
}

// reauthReasonAction is reasonAction for a sensitive action (voiding a
// payment): it is confirmed by the caller's own password,
// "current_password", which the contract's body {"reason"} may leave out
// when a Bearer token calls (see auth.Reauth).
func (h *Handlers) reauthReasonAction(fn func(r *http.Request, id int64, reason string) (any, error)) web.HandlerFunc {
	return reasonHandler(true, fn)
}

func reasonHandler(reauth bool, fn func(r *http.Request, id int64, reason string) (any, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		var b struct {
			Reason          string `json:"reason"`
			CurrentPassword string `json:"current_password"`
		}
		if r.ContentLength != 0 {
			if err := web.DecodeJSON(r, &b); err != nil {
				return err
			}
		}
		if reauth {
			if err := auth.Reauth(r, b.CurrentPassword); err != nil {
				return err
			}
		}
		out, err := fn(r, id, b.Reason)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, out)
	}
}

// query reads the list filters every billing list shares.
type query struct {
	r   *http.Request
	err error
}

func (q *query) id(name string) int64 {
	v, err := web.QueryID(q.r, name)
	if err != nil && q.err == nil {
		q.err = err
	}
	return v
}

func (q *query) int(name string, lo, hi int) int {
	s := q.r.URL.Query().Get(name)
	if s == "" {
		return 0
	}
	v, err := strconv.Atoi(s)
	if (err != nil || v < lo || v > hi) && q.err == nil {
		q.err = errs.Invalid(name, "%s 须为 %d 到 %d 之间的整数", name, lo, hi)
	}
	return v
}

func (q *query) period(name string) string {
	s := q.r.URL.Query().Get(name)
	if s == "" {
		return ""
	}
	p, ok := normPeriod(s)
	if !ok && q.err == nil {
		q.err = errs.Invalid(name, "月份格式应为 2026-11")
	}
	return p
}

func (q *query) day(name string) string {
	s := q.r.URL.Query().Get(name)
	if s == "" {
		return ""
	}
	d, ok := normDay(s)
	if !ok && q.err == nil {
		q.err = errs.Invalid(name, "日期格式应为 2026-11-27")
	}
	return d
}

func (q *query) enum(name string, allowed ...string) string {
	s := strings.TrimSpace(q.r.URL.Query().Get(name))
	if s != "" && !slices.Contains(allowed, s) && q.err == nil {
		q.err = errs.Invalid(name, "%s 须为 %s 之一", name, strings.Join(allowed, "/"))
	}
	return s
}

// asOf reads a moment: a day (its end, Asia/Shanghai) or RFC 3339; zero
// when absent.
func (q *query) asOf(name string) time.Time {
	s := q.r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	d, ok := normDay(s)
	if !ok {
		if q.err == nil {
			q.err = errs.Invalid(name, "日期格式应为 2026-11-30（当日结束时）或 RFC 3339 时间")
		}
		return time.Time{}
	}
	return dayStart(d).Add(24 * time.Hour)
}

func (q *query) paging() (int, int) {
	p := web.PagingOf(q.r)
	return p.PerPage, p.Offset()
}

// fee items

func (h *Handlers) createItem(w http.ResponseWriter, r *http.Request) error {
	var in FeeItemInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	it, err := h.S.CreateFeeItem(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, it)
}

func (h *Handlers) listItems(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid := q.id("community_id")
	if q.err != nil {
		return q.err
	}
	items, err := h.S.FeeItems(r.Context(), user(r), cid)
	if err != nil {
		return err
	}
	return list(w, items, len(items))
}

func (h *Handlers) getItem(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	it, err := h.S.FeeItem(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, it)
}

func (h *Handlers) updateItem(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	it, err := h.S.FeeItem(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := FeeItemInputOf(it)
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if it, err = h.S.UpdateFeeItem(r.Context(), user(r), id, in); err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, it)
}

func (h *Handlers) setPrice(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	var in PriceInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	it, err := h.S.SetPrice(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, it)
}

// exemptions and readings

func (h *Handlers) createExemption(w http.ResponseWriter, r *http.Request) error {
	var in ExemptionInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := h.S.CreateExemption(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, e)
}

func (h *Handlers) listExemptions(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	f := ExemptionFilter{CommunityID: q.id("community_id"), HouseID: q.id("house_id")}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	es, total, err := h.S.Exemptions(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return list(w, es, total)
}

func (h *Handlers) recordReading(w http.ResponseWriter, r *http.Request) error {
	var in ReadingInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	rd, err := h.S.RecordReading(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, rd)
}

func (h *Handlers) listReadings(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	f := ReadingFilter{CommunityID: q.id("community_id"), HouseID: q.id("house_id"), FeeItemID: q.id("fee_item_id"),
		Period: q.period("period")}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	rs, total, err := h.S.Readings(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return list(w, rs, total)
}
