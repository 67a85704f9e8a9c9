package renovation

import (
	"net/http"
	"strconv"
	"strings"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Handlers serve renovation's JSON API and pages, both on the same
// Service.
type Handlers struct {
	S *Service
	t *web.Templates
}

// Routes registers every renovation route with the permission it needs.
func (h *Handlers) Routes(rt *web.Router) {
	rt.Handle("POST /api/v1/renovations", auth.PermRenovationWrite, web.Invalid400(h.apiCreate))
	rt.Handle("GET /api/v1/renovations", auth.PermRenovationRead, web.Invalid400(h.apiList))
	rt.Handle("GET /api/v1/renovations/export.xlsx", auth.PermRenovationRead, web.Invalid400(h.export))
	rt.Handle("GET /api/v1/renovations/{id}", auth.PermRenovationRead, h.apiGet)
	rt.Handle("POST /api/v1/renovations/{id}/review", auth.PermRenovationReview, h.apiAction(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.Review(r.Context(), user(r), id, b.Opinion)
	}))
	rt.Handle("POST /api/v1/renovations/{id}/approve", auth.PermRenovationApprove, h.apiAction(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.Approve(r.Context(), user(r), id, b.Conditions)
	}))
	rt.Handle("POST /api/v1/renovations/{id}/reject", auth.PermRenovationApprove, h.apiAction(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.Reject(r.Context(), user(r), id, b.Reason)
	}))
	rt.Handle("POST /api/v1/renovations/{id}/start", auth.PermRenovationWrite, h.apiAction(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.Start(r.Context(), user(r), id)
	}))
	rt.Handle("POST /api/v1/renovations/{id}/extend", auth.PermRenovationApprove, h.apiAction(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.Extend(r.Context(), user(r), id, b.EndsOn, b.Reason)
	}))
	rt.Handle("POST /api/v1/renovations/{id}/inspections", auth.PermRenovationWrite, h.apiCreated(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.Inspect(r.Context(), user(r), id, InspectionInput{Note: b.Note, Findings: b.Findings})
	}))
	rt.Handle("POST /api/v1/renovations/{id}/rectify", auth.PermRenovationWrite, h.apiAction(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.Rectify(r.Context(), user(r), id, b.FindingID, b.Note)
	}))
	rt.Handle("POST /api/v1/renovations/{id}/complete", auth.PermRenovationApprove, h.apiAction(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.Complete(r.Context(), user(r), id, CompleteInput{Result: b.Result, Note: b.Note})
	}))
	rt.Handle("POST /api/v1/renovations/{id}/refund", auth.PermRenovationApprove, h.apiAction(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.Refund(r.Context(), user(r), id, RefundInput{Deductions: b.Deductions, Method: b.Method, Note: b.Note})
	}))
	rt.Handle("POST /api/v1/renovations/{id}/workers", auth.PermRenovationWrite, h.apiCreated(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.AddWorker(r.Context(), user(r), id, b.WorkerInput, nil)
	}))
	rt.Handle("POST /api/v1/renovations/{id}/workers/revoke", auth.PermRenovationWrite, h.apiAction(func(r *http.Request, id int64, b *actionBody) (any, error) {
		return h.S.RevokeWorker(r.Context(), user(r), id, b.WorkerID)
	}))
	rt.Handle("POST /api/v1/renovations/{id}/files", auth.PermRenovationWrite, web.Invalid400(h.apiAttach))
	rt.Handle("GET /api/v1/renovation-rules/{community_id}", auth.PermRenovationRead, h.apiRules)
	rt.Handle("PUT /api/v1/renovation-rules/{community_id}", auth.PermRenovationApprove, web.Invalid400(h.apiSaveRules))
	h.pageRoutes(rt)
}

func user(r *http.Request) *auth.User { return auth.UserOf(r.Context()) }

// actionBody is the body of every action on an application; each action
// reads its own fields.
type actionBody struct {
	Opinion    string                     `json:"opinion"`
	Conditions string                     `json:"conditions"`
	Reason     string                     `json:"reason"`
	EndsOn     string                     `json:"ends_on"`
	Note       string                     `json:"note"`
	Findings   []FindingInput             `json:"findings"`
	FindingID  int64                      `json:"finding_id"`
	Result     string                     `json:"result"`
	Deductions []billing.DepositDeduction `json:"deductions"`
	Method     string                     `json:"method"`
	WorkerID   int64                      `json:"worker_id"`
	WorkerInput
}

// action decodes the (optional) body of POST …/{id}/<action> and runs fn.
func (h *Handlers) action(status int, fn func(r *http.Request, id int64, b *actionBody) (any, error)) web.HandlerFunc {
	return web.Invalid400(func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		var b actionBody
		if r.ContentLength != 0 {
			if err := web.DecodeJSON(r, &b); err != nil {
				return err
			}
		}
		out, err := fn(r, id, &b)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, status, out)
	})
}

// apiAction answers 200 with the application.
func (h *Handlers) apiAction(fn func(r *http.Request, id int64, b *actionBody) (any, error)) web.HandlerFunc {
	return h.action(http.StatusOK, fn)
}

// apiCreated answers 201 with the record the action created.
func (h *Handlers) apiCreated(fn func(r *http.Request, id int64, b *actionBody) (any, error)) web.HandlerFunc {
	return h.action(http.StatusCreated, fn)
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.S.Create(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, out)
}

// filterOf reads the list filters of the API, the page and the export.
func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Status: q.Get("status"), View: q.Get("view"), Q: q.Get("q")}
	var err error
	if f.CommunityID, err = web.QueryID(r, "community_id"); err != nil {
		return f, err
	}
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.PerPage, pg.Offset()
	return f, nil
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	items, total, err := h.S.List(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	out, err := h.S.Get(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// apiAttach takes a file as a multipart field "file" or as the raw body,
// with ?kind=drawing|worker_photo|inspection_photo and ?ref= the worker
// or inspection.
func (h *Handlers) apiAttach(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.S.Get(r.Context(), user(r), id); err != nil {
		return err // scope first, whatever the upload looks like
	}
	ref, err := web.QueryID(r, "ref")
	if err != nil {
		return err
	}
	name, data, err := web.ReadUpload(w, r, "file", MaxFile, fileKinds(r.URL.Query().Get("kind"))...)
	if err != nil {
		return err
	}
	if n := r.URL.Query().Get("name"); name == "" && n != "" {
		name = n
	}
	f, err := h.S.Attach(r.Context(), user(r), id, r.URL.Query().Get("kind"), ref, Upload{Name: name, Data: data})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, f)
}

func communityParam(r *http.Request) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(r.PathValue("community_id")), 10, 64)
	if err != nil || v <= 0 {
		return 0, errs.NotFound("小区不存在")
	}
	return v, nil
}

func (h *Handlers) apiRules(w http.ResponseWriter, r *http.Request) error {
	cid, err := communityParam(r)
	if err != nil {
		return err
	}
	rules, err := h.S.Rules(r.Context(), user(r), cid)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, rules)
}

// apiSaveRules decodes the body over the current rules, so a partial
// body changes only what it names.
func (h *Handlers) apiSaveRules(w http.ResponseWriter, r *http.Request) error {
	cid, err := communityParam(r)
	if err != nil {
		return err
	}
	cur, err := h.S.Rules(r.Context(), user(r), cid)
	if err != nil {
		return err
	}
	in := RulesInputOf(cur)
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	rules, err := h.S.SaveRules(r.Context(), user(r), cid, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, rules)
}
