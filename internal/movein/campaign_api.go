package movein

import (
	"context"
	"fmt"
	"net/http"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// The move-in campaign's JSON API: campaigns, batches and slots, the
// document pack, and each house's 收楼 steps.

func (h *Handlers) campaignAPI(rt *web.Router) {
	rt.Handle("POST /api/v1/movein/campaigns", auth.PermMoveInPlan, web.Invalid400(h.apiCampaignCreate))
	rt.Handle("GET /api/v1/movein/campaigns", auth.PermMoveInRead, web.Invalid400(h.apiCampaigns))
	rt.Handle("GET /api/v1/movein/campaigns/{id}", auth.PermMoveInRead, web.Invalid400(h.apiCampaign))
	rt.Handle("PUT /api/v1/movein/campaigns/{id}", auth.PermMoveInPlan, web.Invalid400(partialUpdate(h.S.Campaign, CampaignInputOf, h.S.UpdateCampaign)))
	rt.Handle("GET /api/v1/movein/campaigns/{id}/houses", auth.PermMoveInRead, web.Invalid400(h.apiCampaignHouses))
	rt.Handle("GET /api/v1/movein/campaigns/{id}/export.xlsx", auth.PermMoveInRead, web.Invalid400(h.housesExport))
	rt.Handle("POST /api/v1/movein/batches", auth.PermMoveInPlan, web.Invalid400(h.apiBatchCreate))
	rt.Handle("GET /api/v1/movein/batches/{id}", auth.PermMoveInRead, web.Invalid400(h.apiBatch))
	rt.Handle("PUT /api/v1/movein/batches/{id}", auth.PermMoveInPlan, web.Invalid400(partialUpdate(h.S.Batch, BatchInputOf, h.S.UpdateBatch)))
	rt.Handle("POST /api/v1/movein/batches/{id}/newspaper", auth.PermMoveInWork, web.Invalid400(h.apiNewspaper))
	rt.Handle("POST /api/v1/movein/batches/{id}/slots", auth.PermMoveInPlan, web.Invalid400(h.apiSlotCreate))
	rt.Handle("POST /api/v1/movein/batches/{id}/houses", auth.PermMoveInPlan, web.Invalid400(h.apiAssign))
	rt.Handle("GET /api/v1/movein/documents", auth.PermMoveInRead, web.Invalid400(h.apiDocuments))
	rt.Handle("POST /api/v1/movein/documents", auth.PermMoveInPlan, web.Invalid400(h.apiDocumentCreate))
	rt.Handle("PUT /api/v1/movein/documents/{id}", auth.PermMoveInPlan, web.Invalid400(partialUpdate(h.S.Document, DocumentInputOf, h.S.UpdateDocument)))
	rt.Handle("POST /api/v1/movein/documents/{id}/revise", auth.PermMoveInPlan, web.Invalid400(h.apiDocumentRevise))
}

func (h *Handlers) apiCampaignCreate(w http.ResponseWriter, r *http.Request) error {
	var in CampaignInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.S.CreateCampaign(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, c)
}

func (h *Handlers) apiCampaigns(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	f := CampaignFilter{CommunityID: q.id("community_id")}
	if q.err != nil {
		return q.err
	}
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.PerPage, pg.Offset()
	cs, total, err := h.S.Campaigns(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return list(w, cs, total)
}

// apiCampaign is the campaign with its batches, warnings and dashboard.
func (h *Handlers) apiCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.S.CampaignDashboard(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, c)
}

// partialUpdate serves PUT …/{id}: the record is read first (another
// community's is a 403), its editable fields are the base the body
// decodes over — fields left out keep their values — then it is saved.
func partialUpdate[R, I any](get func(context.Context, *auth.User, int64) (R, error), base func(R) I,
	save func(context.Context, *auth.User, int64, I) (R, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		rec, err := get(r.Context(), user(r), id)
		if err != nil {
			return err
		}
		in := base(rec)
		if err := web.DecodeJSON(r, &in); err != nil {
			return err
		}
		if rec, err = save(r.Context(), user(r), id, in); err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, rec)
	}
}

func houseFilterOf(r *http.Request) (HouseFilter, error) {
	q := &query{r: r}
	f := HouseFilter{BatchID: q.id("batch_id"), Stage: q.str("stage"), Missing: q.str("missing"), Q: q.str("q")}
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.PerPage, pg.Offset()
	if q.err != nil {
		return f, q.err
	}
	return f, f.validate()
}

func (h *Handlers) apiCampaignHouses(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	f, err := houseFilterOf(r)
	if err != nil {
		return err
	}
	_, es, total, err := h.S.CampaignHouses(r.Context(), user(r), id, f)
	if err != nil {
		return err
	}
	return list(w, es, total)
}

// housesExport is the campaign's houses as .xlsx, with the list's filters
// (the API and the page serve the same file).
func (h *Handlers) housesExport(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	f, err := houseFilterOf(r)
	if err != nil {
		return err
	}
	wb, c, err := h.S.HousesWorkbook(r.Context(), user(r), id, f)
	if err != nil {
		return err
	}
	return excel.Send(w, wb, c.Name+"入伙进度.xlsx", fmt.Sprintf("movein-%d.xlsx", c.ID))
}

func (h *Handlers) apiBatchCreate(w http.ResponseWriter, r *http.Request) error {
	var in BatchInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	b, err := h.S.CreateBatch(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, b)
}

func (h *Handlers) apiBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.S.Batch(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, b)
}

// batchAction serves POST /api/v1/movein/batches/{id}/…: the batch is
// looked up first, so another community's is a 403 whatever the body.
func batchAction[B any](h *Handlers, r *http.Request, fn func(id int64, in B) (any, error)) (any, error) {
	id, err := web.ID(r, "id")
	if err != nil {
		return nil, err
	}
	if _, err := h.S.Batch(r.Context(), user(r), id); err != nil {
		return nil, err
	}
	var in B
	if err := web.DecodeJSON(r, &in); err != nil {
		return nil, err
	}
	return fn(id, in)
}

// newspaperInput is the body of …/newspaper.
type newspaperInput struct {
	Newspaper   string `json:"newspaper"`
	NewspaperOn string `json:"newspaper_on"`
}

func (h *Handlers) apiNewspaper(w http.ResponseWriter, r *http.Request) error {
	out, err := batchAction(h, r, func(id int64, in newspaperInput) (any, error) {
		return h.S.RecordNewspaper(r.Context(), user(r), id, in.Newspaper, in.NewspaperOn)
	})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (h *Handlers) apiSlotCreate(w http.ResponseWriter, r *http.Request) error {
	out, err := batchAction(h, r, func(id int64, in SlotInput) (any, error) { return h.S.AddSlot(r.Context(), user(r), id, in) })
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handlers) apiAssign(w http.ResponseWriter, r *http.Request) error {
	out, err := batchAction(h, r, func(id int64, in AssignInput) (any, error) {
		b, n, err := h.S.AssignHouses(r.Context(), user(r), id, in)
		return map[string]any{"assigned": n, "batch": b}, err
	})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (h *Handlers) apiDocuments(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid := q.needCommunity()
	if q.err != nil {
		return q.err
	}
	ds, err := h.S.Documents(r.Context(), user(r), cid)
	if err != nil {
		return err
	}
	return list(w, ds, len(ds))
}

func (h *Handlers) apiDocumentCreate(w http.ResponseWriter, r *http.Request) error {
	var in DocumentInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := h.S.CreateDocument(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, d)
}

func (h *Handlers) apiDocumentRevise(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.S.Document(r.Context(), user(r), id); err != nil {
		return err
	}
	var in RevisionInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := h.S.ReviseDocument(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}
