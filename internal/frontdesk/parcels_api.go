package frontdesk

import (
	"net/http"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// The parcels' JSON API (issue #5's contract): POST /api/v1/parcels → 201
// with pickup_code; POST …/{id}/pickup → 200, a wrong code 400, too many
// wrong codes 429, a parcel already collected 409.

func (h *Handlers) apiCreateParcel(w http.ResponseWriter, r *http.Request) error {
	var in ParcelInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.S.RegisterParcel(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, p)
}

// parcelFilterOf reads a parcel list's filters from the query string.
func parcelFilterOf(r *http.Request) (ParcelFilter, error) {
	q := &deskQuery{r: r}
	f := ParcelFilter{CommunityID: q.id("community_id"), HouseID: q.id("house_id"),
		View:      q.enum("view", "today", "waiting", "overdue", "all"),
		Direction: q.enum("direction", DirectionIn, DirectionOut), Kind: q.enum("kind", ParcelKinds...),
		Status:  q.enum("status", ParcelWaiting, ParcelPickedUp, ParcelReturned, ParcelPending, ParcelSent),
		Carrier: q.str("carrier"), Code: q.str("code"), Q: q.str("q"), From: q.day("from"), To: q.day("to"),
		OverdueDays: q.int("days", 1, 365)}
	if f.Code != "" && !pickupCodeRe.MatchString(f.Code) {
		q.fail(errs.Invalid("code", "取件码为 6 位数字"))
	}
	f.Limit, f.Offset = q.paging()
	return f, q.err
}

func (h *Handlers) apiParcels(w http.ResponseWriter, r *http.Request) error {
	f, err := parcelFilterOf(r)
	if err != nil {
		return err
	}
	ps, total, err := h.S.Parcels(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return deskList(w, ps, total)
}

// apiOverdueParcels is the overdue list: uncollected for days days
// (default 3) or more, oldest first.
func (h *Handlers) apiOverdueParcels(w http.ResponseWriter, r *http.Request) error {
	f, err := parcelFilterOf(r)
	if err != nil {
		return err
	}
	f.View = "overdue"
	ps, total, err := h.S.Parcels(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return deskList(w, ps, total)
}

func (h *Handlers) apiExportParcels(w http.ResponseWriter, r *http.Request) error {
	f, err := parcelFilterOf(r)
	if err != nil {
		return err
	}
	wb, err := h.S.ParcelsWorkbook(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return excel.Send(w, wb, "快递邮件.xlsx", "parcels.xlsx")
}

func (h *Handlers) apiParcel(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.S.Parcel(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p)
}

func (h *Handlers) apiPickupParcel(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	var in PickupInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.S.PickupParcel(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p)
}

// apiRemindOverdue is the batch action {"community_id", "days"?} →
// {"reminded": n, "ids": […]}.
func (h *Handlers) apiRemindOverdue(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		CommunityID int64 `json:"community_id"`
		Days        int   `json:"days"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	ids, err := h.S.RemindOverdue(r.Context(), user(r), in.CommunityID, in.Days)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"reminded": len(ids), "ids": ids})
}

func (h *Handlers) apiRemindParcel(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.S.RemindParcel(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p)
}

func (h *Handlers) apiReturnParcel(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.S.ReturnParcel(r.Context(), user(r), id, in.Reason)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p)
}

func (h *Handlers) apiSendParcel(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	var in SendInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.S.SendParcel(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p)
}
