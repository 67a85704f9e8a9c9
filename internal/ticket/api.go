package ticket

import (
	"net/http"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Handlers serve the ticket pages and API.
type Handlers struct {
	S *Service
	t *web.Templates
}

// Routes registers every ticket route.
func (h *Handlers) Routes(rt *web.Router) {
	h.apiRoutes(rt)
	h.pageRoutes(rt)
	h.attachRoutes(rt)
}

func (h *Handlers) apiRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/tickets", auth.PermTicketCreate, h.apiCreate)
	rt.Handle("GET /api/v1/tickets", auth.PermTicketRead, h.apiList)
	rt.Handle("GET /api/v1/tickets/{id}", auth.PermTicketRead, h.apiGet)
	rt.Handle("POST /api/v1/tickets/{id}/dispatch", auth.PermTicketHandle, h.apiDispatch)
	rt.Handle("POST /api/v1/tickets/{id}/start", auth.PermTicketWork, h.apiAction(func(h *Handlers, r *http.Request, id int64, b body) (*Ticket, error) {
		return h.S.Start(r.Context(), user(r), id)
	}))
	rt.Handle("POST /api/v1/tickets/{id}/reply", auth.PermTicketWork, h.apiAction(func(h *Handlers, r *http.Request, id int64, b body) (*Ticket, error) {
		return h.S.Reply(r.Context(), user(r), id, b.Text)
	}))
	rt.Handle("POST /api/v1/tickets/{id}/resolve", auth.PermTicketWork, h.apiAction(func(h *Handlers, r *http.Request, id int64, b body) (*Ticket, error) {
		return h.S.Resolve(r.Context(), user(r), id, b.Resolution)
	}))
	rt.Handle("POST /api/v1/tickets/{id}/callback", auth.PermTicketCallback, h.apiAction(func(h *Handlers, r *http.Request, id int64, b body) (*Ticket, error) {
		return h.S.Callback(r.Context(), user(r), id, CallbackInput{Result: b.Result, Note: b.Note})
	}))
	rt.Handle("POST /api/v1/tickets/{id}/reopen", auth.PermTicketHandle, h.apiAction(func(h *Handlers, r *http.Request, id int64, b body) (*Ticket, error) {
		return h.S.Reopen(r.Context(), user(r), id, b.Reason)
	}))
	rt.Handle("POST /api/v1/tickets/{id}/cancel", auth.PermTicketHandle, h.apiAction(func(h *Handlers, r *http.Request, id int64, b body) (*Ticket, error) {
		return h.S.Cancel(r.Context(), user(r), id, b.Reason)
	}))
	rt.Handle("POST /api/v1/tickets/{id}/validity", auth.PermTicketJudge, h.apiAction(func(h *Handlers, r *http.Request, id int64, b body) (*Ticket, error) {
		return h.S.SetValidity(r.Context(), user(r), id, ValidityInput{Valid: b.Valid, Reason: b.Reason, Major: b.Major})
	}))
	rt.Handle("POST /api/v1/tickets/{id}/major-report", auth.PermTicketJudge, h.apiAction(func(h *Handlers, r *http.Request, id int64, b body) (*Ticket, error) {
		return h.S.MajorReport(r.Context(), user(r), id, b.Report)
	}))
	rt.Handle("GET /api/v1/sla-policies", auth.PermTicketRead, h.apiPolicies)
	rt.Handle("PUT /api/v1/sla-policies", auth.PermSLAAdmin, h.apiSetPolicy)
	rt.Handle("GET /api/v1/kpi", auth.PermKPIRead, h.apiKPI)
	rt.Handle("GET /api/v1/notifications", auth.PermSignedIn, h.apiNotifications)
	rt.Handle("POST /api/v1/notifications/read", auth.PermSignedIn, h.apiMarkRead)
}

func user(r *http.Request) *auth.User { return auth.UserOf(r.Context()) }

// body is the union of the action endpoints' request fields.
type body struct {
	Text       string `json:"text"`
	Resolution string `json:"resolution"`
	Result     string `json:"result"`
	Note       string `json:"note"`
	Reason     string `json:"reason"`
	Valid      *bool  `json:"valid"`
	Major      bool   `json:"major"`
	Report     string `json:"report"`
}

func (h *Handlers) apiAction(fn func(h *Handlers, r *http.Request, id int64, b body) (*Ticket, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		var b body
		if r.ContentLength != 0 {
			if err := web.DecodeJSON(r, &b); err != nil {
				return err
			}
		}
		t, err := fn(h, r, id, b)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, shown(user(r), t))
	}
}

// shown masks the requester's phone for a role that may not see it.
func shown(by *auth.User, t *Ticket) *Ticket {
	if t != nil {
		t.RequesterPhone = by.ShowPhone(t.RequesterPhone)
	}
	return t
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var in CreateInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	t, err := h.S.Create(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, shown(user(r), t))
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	t, err := h.S.Get(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, shown(user(r), t))
}

// FilterOf reads a ticket list's filters from the query string.
func FilterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Kind: q.Get("kind"), Status: q.Get("status"), Department: q.Get("department"), Q: q.Get("q"),
		Overdue: q.Get("overdue") == "true" || q.Get("overdue") == "1", Callback: q.Get("callback") != ""}
	if f.Kind != "" {
		if k, ok := canon(f.Kind, Kinds); ok {
			f.Kind = k
		} else {
			return f, errs.Invalid("kind", "工单类型无效")
		}
	}
	if f.Status != "" && f.Status != "open" {
		if st, ok := canon(f.Status, Statuses); ok {
			f.Status = st
		} else {
			return f, errs.Invalid("status", "状态无效")
		}
	}
	var err error
	if f.CommunityID, err = web.QueryID(r, "community_id"); err != nil {
		return f, err
	}
	if f.AssigneeID, err = web.QueryID(r, "assignee_id"); err != nil {
		return f, err
	}
	if f.HouseID, err = web.QueryID(r, "house_id"); err != nil {
		return f, err
	}
	if f.From, err = day(q.Get("from"), "from"); err != nil {
		return f, err
	}
	if f.To, err = day(q.Get("to"), "to"); err != nil {
		return f, err
	}
	p := web.PagingOf(r)
	f.Limit, f.Offset = p.PerPage, p.Offset()
	return f, nil
}

// day parses YYYY-MM-DD as midnight in Asia/Shanghai; empty is zero.
func day(s, field string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, shanghai)
	if err != nil {
		return t, errs.Invalid(field, "日期格式应为 2026-01-31")
	}
	return t, nil
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) error {
	f, err := FilterOf(r)
	if err != nil {
		return err
	}
	ts, total, err := h.S.List(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	for _, t := range ts {
		shown(user(r), t)
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": ts, "total": total})
}

func (h *Handlers) apiDispatch(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	var in DispatchInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	t, err := h.S.Dispatch(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, shown(user(r), t))
}

func (h *Handlers) apiPolicies(w http.ResponseWriter, r *http.Request) error {
	ps, err := h.S.Policies(r.Context())
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": ps, "total": len(ps)})
}

func (h *Handlers) apiSetPolicy(w http.ResponseWriter, r *http.Request) error {
	var p Policy
	if err := web.DecodeJSON(r, &p); err != nil {
		return err
	}
	p, err := h.S.SetPolicy(r.Context(), user(r), p)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p)
}

// period reads from/to (YYYY-MM-DD, to exclusive); the default is the
// current month.
func period(r *http.Request) (time.Time, time.Time, error) {
	from, err := day(r.URL.Query().Get("from"), "from")
	if err != nil {
		return from, from, err
	}
	to, err := day(r.URL.Query().Get("to"), "to")
	if err != nil {
		return from, to, err
	}
	if from.IsZero() {
		now := time.Now().In(shanghai)
		from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, shanghai)
	}
	if to.IsZero() {
		to = from.AddDate(0, 1, 0)
	}
	return from, to, nil
}

func (h *Handlers) apiKPI(w http.ResponseWriter, r *http.Request) error {
	cid, err := web.QueryID(r, "community_id")
	if err != nil {
		return err
	}
	from, to, err := period(r)
	if err != nil {
		return err
	}
	k, err := h.S.KPI(r.Context(), user(r), cid, from, to)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, k)
}

func (h *Handlers) apiNotifications(w http.ResponseWriter, r *http.Request) error {
	ns, unread, err := h.S.Notifications(r.Context(), user(r), 50)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": ns, "total": len(ns), "unread": unread})
}

func (h *Handlers) apiMarkRead(w http.ResponseWriter, r *http.Request) error {
	id, err := web.QueryID(r, "id") // a malformed id must not mark them all read
	if err != nil {
		return err
	}
	if err := h.S.MarkRead(r.Context(), user(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
