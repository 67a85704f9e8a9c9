package frontdesk

import (
	"net/http"
	"strings"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// The notices' JSON API (/api/v1/notices). Bad input answers 400 with
// the field, as the front desk's API contract has it.

func (h *Handlers) noticeAPIRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/notices", auth.PermNoticeWrite, web.Invalid400(h.apiNoticeCreate))
	rt.Handle("GET /api/v1/notices", auth.PermDeskRead, web.Invalid400(h.apiNotices))
	rt.Handle("GET /api/v1/notices/export.xlsx", auth.PermDeskRead, web.Invalid400(h.noticesExport))
	// GET one notice. When the owner portal comes, its read of a
	// published notice bumps notices.views here; staff reads do not.
	rt.Handle("GET /api/v1/notices/{id}", auth.PermDeskRead, h.apiNotice)
	rt.Handle("PUT /api/v1/notices/{id}", auth.PermNoticeWrite, web.Invalid400(h.apiNoticeUpdate))
	for _, step := range noticeStepNames {
		rt.Handle("POST /api/v1/notices/{id}/"+step, noticeSteps[step].perm, web.Invalid400(h.apiNoticeStep(step)))
	}
	rt.Handle("POST /api/v1/notices/{id}/attachment", auth.PermNoticeWrite, web.Invalid400(h.apiNoticeAttach))
	rt.Handle("DELETE /api/v1/notices/{id}/attachment", auth.PermNoticeWrite, web.Invalid400(h.apiNoticeDetach))
	rt.Handle("GET /api/v1/notices/{id}/attachment", auth.PermDeskRead, h.noticeDownload)
}

func (h *Handlers) apiNoticeCreate(w http.ResponseWriter, r *http.Request) error {
	var in NoticeInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	n, err := h.S.CreateNotice(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, n)
}

func (h *Handlers) apiNoticeUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	// The notice first: another community's is a 403 whatever the body.
	cur, err := h.S.Notice(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	// A partial body keeps the fields it leaves out.
	in := NoticeInput{CommunityID: cur.CommunityID, Title: cur.Title, Body: cur.Body, Category: cur.Category,
		Pinned: cur.Pinned, BuildingIDs: cur.BuildingIDs, StartsAt: cur.StartsAt.Format(time.RFC3339),
		EndsAt: cur.EndsAt.Format(time.RFC3339)}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	n, err := h.S.UpdateNotice(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, n)
}

// noticeFilterOf reads the list filters of the API and the pages:
// community_id, building_id, active=true, status (also "active"),
// category, q and the paging.
func noticeFilterOf(r *http.Request) (NoticeFilter, error) {
	q := &deskQuery{r: r}
	f := NoticeFilter{CommunityID: q.id("community_id"), BuildingID: q.id("building_id"), Category: q.str("category"), Q: q.str("q"),
		Status: q.enum("status", append([]string{"active"}, NoticeStatuses...)...)}
	switch strings.ToLower(q.str("active")) {
	case "true", "1", "yes":
		f.Active = true
	case "", "false", "0", "no":
	default:
		q.fail(errs.Invalid("active", "active 须为 true 或 false"))
	}
	if f.Status == "active" {
		f.Status, f.Active = "", true
	}
	f.Limit, f.Offset = q.paging()
	return f, q.err
}

func (h *Handlers) apiNotices(w http.ResponseWriter, r *http.Request) error {
	f, err := noticeFilterOf(r)
	if err != nil {
		return err
	}
	ns, total, err := h.S.Notices(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return deskList(w, ns, total)
}

func (h *Handlers) apiNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	n, err := h.S.Notice(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, n)
}

func (h *Handlers) apiNoticeStep(step string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		var b struct {
			Reason string `json:"reason"`
		}
		if r.ContentLength != 0 {
			if err := web.DecodeJSON(r, &b); err != nil {
				return err
			}
		}
		n, err := h.S.StepNotice(r.Context(), user(r), id, step, b.Reason)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, n)
	}
}

func (h *Handlers) apiNoticeAttach(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	// Scope first: another community's notice is a 403 whatever the upload.
	if _, err := h.S.Notice(r.Context(), user(r), id); err != nil {
		return err
	}
	name, data, err := web.ReadUpload(w, r, "file", MaxNoticeFile, noticeFileKinds...)
	if err != nil {
		return err
	}
	n, err := h.S.AttachNoticeFile(r.Context(), user(r), id, name, data)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, n)
}

func (h *Handlers) apiNoticeDetach(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	n, err := h.S.RemoveNoticeFile(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, n)
}

// noticeDownload serves the attachment inline (a PDF or an image opens
// in the browser), for the API and the pages alike.
func (h *Handlers) noticeDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	f, data, err := h.S.NoticeFileData(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.ServeInline(w, f.Name, f.ContentType, data)
}
