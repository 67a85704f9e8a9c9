package frontdesk

import (
	"net/http"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// The key cabinet's JSON API (/api/v1/keys…).

// keyFilterOf reads the list filters shared by the API, the pages, the
// print-out and the export.
func keyFilterOf(r *http.Request) (KeyFilter, error) {
	q := &deskQuery{r: r}
	f := KeyFilter{CommunityID: q.id("community_id"), Class: q.enum("class", KeyClasses...),
		Status: q.enum("status", KeyStatuses...), Q: q.str("q")}
	f.Limit, f.Offset = q.paging()
	return f, q.err
}

// decodeOptional decodes a JSON body that may be left out altogether.
func decodeOptional(r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return web.DecodeJSON(r, dst)
}

func (h *Handlers) apiKeyCreate(w http.ResponseWriter, r *http.Request) error {
	var in KeyInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	k, err := h.S.CreateKey(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, k)
}

func (h *Handlers) apiKeys(w http.ResponseWriter, r *http.Request) error {
	f, err := keyFilterOf(r)
	if err != nil {
		return err
	}
	ks, total, err := h.S.Keys(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return deskList(w, ks, total)
}

func (h *Handlers) apiKeysOverdue(w http.ResponseWriter, r *http.Request) error {
	q := &deskQuery{r: r}
	cid := q.id("community_id")
	limit, offset := q.paging()
	if q.err != nil {
		return q.err
	}
	ls, total, err := h.S.OverdueLoans(r.Context(), user(r), cid, limit, offset)
	if err != nil {
		return err
	}
	return deskList(w, ls, total)
}

func (h *Handlers) apiKey(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	k, err := h.S.Key(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, k)
}

// apiKeyUpdate takes a partial body: fields left out keep their values.
func (h *Handlers) apiKeyUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	k, err := h.S.Key(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := KeyInputOf(k)
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if k, err = h.S.UpdateKey(r.Context(), user(r), id, in); err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, k)
}

func (h *Handlers) apiKeyLoans(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	pg := web.PagingOf(r)
	ls, total, err := h.S.KeyLoans(r.Context(), user(r), id, pg.PerPage, pg.Offset())
	if err != nil {
		return err
	}
	return deskList(w, ls, total)
}

// keyAction serves POST /api/v1/keys/{id}/…: the key is looked up first,
// so that another community's key is a 403 whatever the body says; the
// body may be left out.
func keyAction[B any](h *Handlers, status int, fn func(r *http.Request, id int64, b B) (any, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		if _, err := h.S.Key(r.Context(), user(r), id); err != nil {
			return err
		}
		var b B
		if err := decodeOptional(r, &b); err != nil {
			return err
		}
		out, err := fn(r, id, b)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, status, out)
	}
}

// keyNote is the body of …/lost {"reason"} and …/found {"note"}.
type keyNote struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

func (h *Handlers) keyActionRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/keys/{id}/borrow", auth.PermDeskWrite, web.Invalid400(keyAction(h, http.StatusCreated,
		func(r *http.Request, id int64, b BorrowInput) (any, error) {
			return h.S.Borrow(r.Context(), user(r), id, b)
		})))
	rt.Handle("POST /api/v1/keys/{id}/return", auth.PermDeskWrite, web.Invalid400(keyAction(h, http.StatusOK,
		func(r *http.Request, id int64, b ReturnInput) (any, error) {
			return h.S.Return(r.Context(), user(r), id, b)
		})))
	rt.Handle("POST /api/v1/keys/{id}/lost", auth.PermDeskWrite, web.Invalid400(keyAction(h, http.StatusOK,
		func(r *http.Request, id int64, b keyNote) (any, error) {
			return h.S.ReportLost(r.Context(), user(r), id, b.Reason)
		})))
	rt.Handle("POST /api/v1/keys/{id}/found", auth.PermDeskWrite, web.Invalid400(keyAction(h, http.StatusOK,
		func(r *http.Request, id int64, b keyNote) (any, error) {
			return h.S.Found(r.Context(), user(r), id, b.Note)
		})))
}
