package frontdesk

import (
	"net/http"
	"strings"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// The duty log's JSON API (/api/v1/duty-log). {id} names an entry, as
// the create answers; shifts are named by shift_id in the body or the
// query. Bad input answers 400 with the field.

func (h *Handlers) dutyAPIRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/duty-log", auth.PermDeskWrite, web.Invalid400(h.apiDutyEntry))
	rt.Handle("GET /api/v1/duty-log", auth.PermDeskRead, web.Invalid400(h.apiDutyEntries))
	rt.Handle("GET /api/v1/duty-log/export.xlsx", auth.PermDeskRead, web.Invalid400(h.dutyExport))
	rt.Handle("GET /api/v1/duty-log/{id}", auth.PermDeskRead, h.apiDutyEntryGet)
	rt.Handle("GET /api/v1/duty-log/shifts", auth.PermDeskRead, web.Invalid400(h.apiDutyShifts))
	rt.Handle("POST /api/v1/duty-log/shifts", auth.PermDeskWrite, web.Invalid400(h.apiDutyOpen))
	rt.Handle("POST /api/v1/duty-log/handover", auth.PermDeskWrite, web.Invalid400(h.apiDutyHandover))
	rt.Handle("POST /api/v1/duty-log/acknowledge", auth.PermDeskWrite, web.Invalid400(h.apiDutyAck))
}

// apiDutyEntry answers 201 with the entry (id, shift_id …).
func (h *Handlers) apiDutyEntry(w http.ResponseWriter, r *http.Request) error {
	var in DutyEntryInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := h.S.AddDutyEntry(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, e)
}

func (h *Handlers) apiDutyEntryGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.S.DutyEntry(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, e)
}

// dutyEntryFilterOf reads community_id, shift_id, from, to, kind, q
// and the paging.
func dutyEntryFilterOf(r *http.Request) (DutyEntryFilter, error) {
	q := &deskQuery{r: r}
	f := DutyEntryFilter{CommunityID: q.id("community_id"), ShiftID: q.id("shift_id"), From: q.day("from"), To: q.day("to"),
		Kind: q.enum("kind", DutyKinds...), Q: q.str("q")}
	f.Limit, f.Offset = q.paging()
	return f, q.err
}

// dutyShiftFilterOf reads community_id, from, to, shift, status and
// the paging.
func dutyShiftFilterOf(r *http.Request) (DutyShiftFilter, error) {
	q := &deskQuery{r: r}
	f := DutyShiftFilter{CommunityID: q.id("community_id"), From: q.day("from"), To: q.day("to"),
		Shift: q.enum("shift", ShiftKinds...), Status: q.enum("status", ShiftOpen, ShiftClosed, "await")}
	f.Limit, f.Offset = q.paging()
	return f, q.err
}

func (h *Handlers) apiDutyEntries(w http.ResponseWriter, r *http.Request) error {
	f, err := dutyEntryFilterOf(r)
	if err != nil {
		return err
	}
	es, total, err := h.S.DutyEntries(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return deskList(w, es, total)
}

func (h *Handlers) apiDutyShifts(w http.ResponseWriter, r *http.Request) error {
	f, err := dutyShiftFilterOf(r)
	if err != nil {
		return err
	}
	ss, total, err := h.S.DutyShifts(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return deskList(w, ss, total)
}

func (h *Handlers) apiDutyOpen(w http.ResponseWriter, r *http.Request) error {
	var in DutyShiftInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	sh, err := h.S.OpenDutyShift(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, sh)
}

func (h *Handlers) apiDutyHandover(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ShiftID       int64  `json:"shift_id"`
		HandoverNotes string `json:"handover_notes"`
		Notes         string `json:"notes"` // the same, shorter
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.HandoverNotes == "" {
		in.HandoverNotes = in.Notes
	}
	sh, err := h.S.HandOverDuty(r.Context(), user(r), in.ShiftID, in.HandoverNotes)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, sh)
}

func (h *Handlers) apiDutyAck(w http.ResponseWriter, r *http.Request) error {
	var in DutyAckInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	sh, err := h.S.AcknowledgeDuty(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, sh)
}

// dutyExport is the entries and the shifts of the filter as a workbook,
// for the API and the pages alike.
func (h *Handlers) dutyExport(w http.ResponseWriter, r *http.Request) error {
	f, err := dutyEntryFilterOf(r)
	if err != nil {
		return err
	}
	wb, err := h.S.DutyWorkbook(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	name := "值班记录"
	if f.From != "" || f.To != "" {
		name += " " + strings.Trim(f.From+"至"+f.To, "至")
	}
	return excel.Send(w, wb, name+".xlsx", "duty-log.xlsx")
}
