package movein

import (
	"net/http"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// A house's 收楼 steps over the API (/api/v1/movein/houses/{house_id}/…).

func (h *Handlers) houseAPI(rt *web.Router) {
	rt.Handle("GET /api/v1/movein/houses/{house_id}", auth.PermMoveInRead, web.Invalid400(h.apiHouse))
	rt.Handle("POST /api/v1/movein/houses/{house_id}/notices", auth.PermMoveInWork, web.Invalid400(houseStep(h, http.StatusCreated,
		func(r *http.Request, id int64, in NoticeInput) (any, error) {
			return h.S.RecordNotice(r.Context(), user(r), id, in)
		})))
	rt.Handle("POST /api/v1/movein/houses/{house_id}/appointment", auth.PermMoveInWork, web.Invalid400(houseStep(h, http.StatusOK,
		func(r *http.Request, id int64, in AppointInput) (any, error) {
			return h.S.Appoint(r.Context(), user(r), id, in)
		})))
	rt.Handle("POST /api/v1/movein/houses/{house_id}/documents", auth.PermMoveInWork, web.Invalid400(houseStep(h, http.StatusCreated,
		func(r *http.Request, id int64, in SignInput) (any, error) {
			return h.S.Sign(r.Context(), user(r), id, in)
		})))
	rt.Handle("POST /api/v1/movein/houses/{house_id}/defects", auth.PermMoveInWork, web.Invalid400(houseStep(h, http.StatusCreated,
		func(r *http.Request, id int64, in DefectInput) (any, error) {
			return h.S.AddDefect(r.Context(), user(r), id, in)
		})))
	rt.Handle("POST /api/v1/movein/houses/{house_id}/accept", auth.PermMoveInWork, web.Invalid400(houseStep(h, http.StatusOK,
		func(r *http.Request, id int64, in AcceptInput) (any, error) {
			return h.S.Accept(r.Context(), user(r), id, in)
		})))
	rt.Handle("POST /api/v1/movein/houses/{house_id}/handover", auth.PermMoveInWork, web.Invalid400(houseStep(h, http.StatusOK,
		func(r *http.Request, id int64, in HandoverInput) (any, error) {
			return h.S.Handover(r.Context(), user(r), id, in)
		})))
}

func (h *Handlers) apiHouse(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "house_id")
	if err != nil {
		return err
	}
	q := &query{r: r}
	cid := q.id("campaign_id")
	if q.err != nil {
		return q.err
	}
	e, _, err := h.S.HouseRecord(r.Context(), user(r), id, cid)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, e)
}

// houseStep serves a POST on a house: the house is checked first (another
// community's is a 403 whatever the body says), then the body decoded
// and fn run.
func houseStep[B any](h *Handlers, status int, fn func(r *http.Request, id int64, in B) (any, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "house_id")
		if err != nil {
			return err
		}
		if err := h.mayWork(r, id); err != nil {
			return err
		}
		var in B
		if err := web.DecodeJSON(r, &in); err != nil {
			return err
		}
		out, err := fn(r, id, in)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, status, out)
	}
}

// mayWork checks that the caller may work on the house: it exists, is in
// their communities (403 before anything else) and they hold
// PermMoveInWork there.
func (h *Handlers) mayWork(r *http.Request, houseID int64) error {
	hr, err := houseOf(r.Context(), h.S.DB, user(r), houseID)
	if err != nil {
		return err
	}
	return can(user(r), auth.PermMoveInWork, hr.CommunityID)
}
