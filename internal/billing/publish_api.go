package billing

import (
	"net/http"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// publishAPIRoutes serve publishing the 收支公示: publish (the director),
// the versions of a community (the list an owner portal will show) and
// withdrawal.
func (h *Handlers) publishAPIRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/statement/publish", auth.PermExpenditure, h.publish)
	rt.Handle("GET /api/v1/statement/publications", auth.PermBillingRead, h.listPublications)
	rt.Handle("GET /api/v1/statement/publications/{id}", auth.PermBillingRead, h.getPublication)
	rt.Handle("POST /api/v1/statement/publications/{id}/withdraw", auth.PermExpenditure, h.reasonAction(func(r *http.Request, id int64, reason string) (any, error) {
		return h.S.WithdrawPublication(r.Context(), user(r), id, reason)
	}))
}

func (h *Handlers) publish(w http.ResponseWriter, r *http.Request) error {
	var in PublishInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.S.Publish(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, p)
}

func (h *Handlers) listPublications(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	cid, year := q.id("community_id"), q.int("year", 2000, 2200)
	limit, offset := q.paging()
	if q.err != nil {
		return q.err
	}
	ps, total, err := h.S.Publications(r.Context(), user(r), cid, year, limit, offset)
	if err != nil {
		return err
	}
	return list(w, ps, total)
}

func (h *Handlers) getPublication(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.S.Publication(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p)
}
