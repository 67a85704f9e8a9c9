package movein

import (
	"context"
	"net/http"
	"slices"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// The takeover inspection's JSON API.

func (h *Handlers) takeoverAPI(rt *web.Router) {
	rt.Handle("GET /api/v1/takeover", auth.PermMoveInRead, web.Invalid400(h.apiInspections))
	rt.Handle("POST /api/v1/takeover", auth.PermMoveInInspect, web.Invalid400(h.apiInspectionCreate))
	rt.Handle("GET /api/v1/takeover/summary", auth.PermMoveInRead, web.Invalid400(h.apiSummary))
	rt.Handle("GET /api/v1/takeover-checklist", auth.PermMoveInRead, web.Invalid400(h.apiItems))
	rt.Handle("POST /api/v1/takeover-checklist", auth.PermMoveInPlan, web.Invalid400(h.apiItemCreate))
	rt.Handle("PUT /api/v1/takeover-checklist/{id}", auth.PermMoveInPlan, web.Invalid400(partialUpdate(h.S.Item, ItemInputOf, h.S.UpdateItem)))
	rt.Handle("GET /api/v1/takeover/{id}", auth.PermMoveInRead, web.Invalid400(h.apiInspection))
	rt.Handle("POST /api/v1/takeover/{id}/checks", auth.PermMoveInInspect, web.Invalid400(h.apiChecks))
	rt.Handle("GET /api/v1/takeover-findings", auth.PermMoveInRead, web.Invalid400(h.apiFindings))
	rt.Handle("POST /api/v1/takeover-findings", auth.PermMoveInInspect, web.Invalid400(h.apiFindingCreate))
	rt.Handle("GET /api/v1/takeover-findings/{id}", auth.PermMoveInRead, web.Invalid400(h.apiFinding))
	rt.Handle("POST /api/v1/takeover-findings/{id}/fix", auth.PermMoveInInspect, web.Invalid400(findingStep(h, h.S.Fix)))
	rt.Handle("POST /api/v1/takeover-findings/{id}/reinspect", auth.PermMoveInInspect, web.Invalid400(findingStep(h, h.S.Reinspect)))
	rt.Handle("POST /api/v1/takeover-findings/{id}/photos", auth.PermMoveInInspect, web.Invalid400(h.apiPhoto))
}

func (h *Handlers) apiInspections(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	f := InspectionFilter{CommunityID: q.id("community_id"), BuildingID: q.id("building_id")}
	if q.err != nil {
		return q.err
	}
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.PerPage, pg.Offset()
	out, total, err := h.S.Inspections(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return list(w, out, total)
}

func (h *Handlers) apiInspectionCreate(w http.ResponseWriter, r *http.Request) error {
	var in InspectionInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.S.CreateInspection(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handlers) apiSummary(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid := q.needCommunity()
	if q.err != nil {
		return q.err
	}
	out, err := h.S.Summary(r.Context(), user(r), cid)
	if err != nil {
		return err
	}
	return list(w, out, len(out))
}

func (h *Handlers) apiItems(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid := q.needCommunity()
	use := q.oneOf("house_use", TakeoverUses...)
	if q.err != nil {
		return q.err
	}
	out, err := h.S.Items(r.Context(), user(r), cid, use)
	if err != nil {
		return err
	}
	return list(w, out, len(out))
}

func (h *Handlers) apiItemCreate(w http.ResponseWriter, r *http.Request) error {
	var in ItemInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.S.CreateItem(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handlers) apiInspection(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	out, err := h.S.Inspection(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (h *Handlers) apiChecks(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.S.Inspection(r.Context(), user(r), id); err != nil {
		return err
	}
	var in struct {
		Results []CheckInput `json:"results"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.S.SetChecks(r.Context(), user(r), id, in.Results)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func findingFilterOf(r *http.Request) (FindingFilter, error) {
	q := &query{r: r}
	f := FindingFilter{CommunityID: q.id("community_id"), BuildingID: q.id("building_id"),
		InspectionID: q.id("inspection_id"), Status: q.oneOf("status", slices.Concat(FindingStatuses, []string{"pending"})...),
		Overdue: q.oneOf("overdue", "1", "true", "0", "false") == "1" || q.str("overdue") == "true"}
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.PerPage, pg.Offset()
	return f, q.err
}

func (h *Handlers) apiFindings(w http.ResponseWriter, r *http.Request) error {
	f, err := findingFilterOf(r)
	if err != nil {
		return err
	}
	out, total, err := h.S.Findings(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return list(w, out, total)
}

func (h *Handlers) apiFindingCreate(w http.ResponseWriter, r *http.Request) error {
	var in FindingInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.S.AddFinding(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handlers) apiFinding(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	out, err := h.S.Finding(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// findingStep serves POST /api/v1/takeover-findings/{id}/…: the finding
// is looked up first, so another community's is a 403 whatever the body.
func findingStep[B any](h *Handlers, fn func(ctx context.Context, by *auth.User, id int64, in B) (*Finding, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		if _, err := h.S.Finding(r.Context(), user(r), id); err != nil {
			return err
		}
		var in B
		if err := web.DecodeJSON(r, &in); err != nil {
			return err
		}
		out, err := fn(r.Context(), user(r), id, in)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, out)
	}
}

func (h *Handlers) apiPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.S.Finding(r.Context(), user(r), id); err != nil {
		return err
	}
	name, data, err := web.ReadUpload(w, r, "file", MaxPhoto, photoKinds...)
	if err != nil {
		return err
	}
	p, err := h.S.AddPhoto(r.Context(), user(r), id, name, data)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, p)
}
