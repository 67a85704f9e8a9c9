package frontdesk

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/web"
)

// The /desk/parcels pages: the day's arrivals and the uncollected list
// with their filters, the quick registration by house code, the pickup
// by code (the owner shows it; the desk types it and confirms), the
// overdue list with its reminders, and each parcel's record with the
// pickup by ID, the return and its history.

// parcelsView is the /desk/parcels page.
type parcelsView struct {
	C        *deskCommunities
	View     string // today | waiting | overdue | all
	Days     int    // overdue after
	Counts   map[string]int
	Parcels  []*Parcel
	Pager    web.Pager
	Now      time.Time
	Kinds    []string
	Statuses []string
	Carriers []string
	Export   string // the export link's query
	// Code is a pickup code typed at the desk and Found its parcel (nil:
	// none waiting with that code).
	Code  string
	Found *Parcel
	// Out marks the outgoing-mail form as the one with errors.
	Out bool
}

// Label is the Chinese name of a stored value.
func (v *parcelsView) Label(s string) string { return ParcelLabel(s) }

var parcelFormFields = []string{"house", "kind", "carrier", "tracking_number", "shelf", "recipient_name", "recipient_phone",
	"notes", "address", "sender_name", "sender_phone"}

func (h *Handlers) parcelsPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderParcels(w, r, http.StatusOK, &web.Page{Form: url.Values{"kind": {KindParcel}}}, false)
}

// renderParcels shows the page: the list of the query's view and filters
// (a house typed by its code), and the forms with pg's values and errors.
func (h *Handlers) renderParcels(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, out bool) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	u := user(r)
	q := r.URL.Query()
	now := h.S.at()
	v := &parcelsView{C: c, View: q.Get("view"), Now: now, Kinds: ParcelKinds, Carriers: Carriers,
		Statuses: []string{ParcelWaiting, ParcelPickedUp, ParcelReturned, ParcelPending, ParcelSent}, Out: out,
		Counts: map[string]int{}}
	if v.View == "" {
		v.View = "today"
	}
	f, err := parcelFilterOf(r)
	if err != nil {
		if _, ok := formFault(err); !ok {
			return err
		}
		pg.Errors = formErrorsOf(err, nil)
		f = ParcelFilter{}
	}
	f.CommunityID, f.View, v.Days = c.ID, v.View, f.OverdueDays
	if v.Days == 0 {
		v.Days = DefaultOverdueDays
	}
	lq, err := h.listQuery(r, c, v.View, "kind", "status", "direction", "carrier", "q", "from", "to", "days")
	if err != nil {
		return err
	}
	f.HouseID, v.Export = lq.HouseID, lq.Export.Encode()
	pg.Errors = mergeErrors(pg.Errors, lq.Errors)
	if f.Code != "" {
		v.Code = f.Code
		ps, _, err := h.S.Parcels(r.Context(), u, ParcelFilter{CommunityID: c.ID, Code: f.Code, Limit: 1})
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			v.Found = ps[0]
		}
		f.Code = ""
	}
	if f.HouseID >= 0 {
		if v.Parcels, v.Pager.Total, err = h.S.Parcels(r.Context(), u, f); err != nil {
			return err
		}
	}
	v.Pager = deskPager(r, v.Pager.Total)
	for _, view := range []string{"today", "waiting", "overdue"} {
		_, n, err := h.S.Parcels(r.Context(), u, ParcelFilter{CommunityID: c.ID, View: view, OverdueDays: v.Days, Limit: 1})
		if err != nil {
			return err
		}
		v.Counts[view] = n
	}
	pg.Title, pg.Nav, pg.Data = "快递邮件", "desk_parcels", v
	return h.t.Render(w, r, status, "parcels", pg)
}

// registerParcelPage registers an arrival (or, with direction=out,
// outgoing mail) from the page's forms; the house is typed by its code.
func (h *Handlers) registerParcelPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	u := user(r)
	out := r.PostFormValue("direction") == DirectionOut
	in := ParcelInput{CommunityID: c.ID, Direction: r.PostFormValue("direction"), Kind: r.PostFormValue("kind"),
		Carrier: r.PostFormValue("carrier"), TrackingNumber: r.PostFormValue("tracking_number"), Shelf: r.PostFormValue("shelf"),
		RecipientName: r.PostFormValue("recipient_name"), RecipientPhone: r.PostFormValue("recipient_phone"),
		Address: r.PostFormValue("address"), SenderName: r.PostFormValue("sender_name"),
		SenderPhone: r.PostFormValue("sender_phone"), Notes: r.PostFormValue("notes")}
	again := func(err error) error {
		r.URL.RawQuery = url.Values{"community_id": {strconv.FormatInt(c.ID, 10)}}.Encode()
		return h.renderParcels(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
			Errors: formErrorsOf(err, map[string]string{"house_id": "house"}, parcelFormFields...)}, out)
	}
	if code := strings.TrimSpace(r.PostFormValue("house")); code != "" || !out {
		hs, err := h.houseByCode(r.Context(), u, c.ID, code, "house")
		if err != nil {
			if _, ok := formFault(err); ok {
				return again(err)
			}
			return err
		}
		in.HouseID = hs.ID
	}
	p, err := h.S.RegisterParcel(r.Context(), u, in)
	if err != nil {
		if _, ok := formFault(err); ok {
			return again(err)
		}
		return err
	}
	back := fmt.Sprintf("/desk/parcels?community_id=%d", p.CommunityID)
	if out {
		return redirectFlash(w, r, back+"&view=all&direction=out", fmt.Sprintf("已登记寄件：%s %s，寄往 %s", orText(p.HouseCode, "物业"),
			p.SenderName, p.Address))
	}
	return redirectFlash(w, r, back, fmt.Sprintf("已登记 %s 的%s %s %s，取件码 %s（请告知业主）", p.HouseCode,
		ParcelLabel(p.Kind), p.Carrier, p.TrackingNumber, p.PickupCode))
}

func redirectFlash(w http.ResponseWriter, r *http.Request, path, flash string) error {
	web.Redirect(w, r, path, flash)
	return nil
}

func (h *Handlers) remindOverduePage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	days, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	back := fmt.Sprintf("/desk/parcels?community_id=%d&view=overdue&days=%d", c.ID, max(days, 1))
	ids, err := h.S.RemindOverdue(r.Context(), user(r), c.ID, days)
	if err != nil {
		if e, ok := formFault(err); ok {
			return redirectFlash(w, r, back, "未提醒："+e.Message)
		}
		return err
	}
	if len(ids) == 0 {
		return redirectFlash(w, r, back, "没有需要提醒的超期快递（今日已提醒过的不再重复）")
	}
	return redirectFlash(w, r, back, fmt.Sprintf("已记录提醒 %d 件超期快递，请按列表电话或短信通知业主", len(ids)))
}

// parcelView is one parcel's record page.
type parcelView struct {
	P       *Parcel
	C       string // community name
	Now     time.Time
	IDTypes []string
	History []audit.Entry
	// Form says which form of the page pg's values and errors are for.
	Form string
}

func (v *parcelView) Label(s string) string { return ParcelLabel(s) }

func (h *Handlers) parcelPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderParcel(w, r, http.StatusOK, &web.Page{}, "")
}

func (h *Handlers) renderParcel(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, form string) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	u := user(r)
	p, err := h.S.Parcel(r.Context(), u, id)
	if err != nil {
		return err
	}
	v := &parcelView{P: p, Now: h.S.at(), IDTypes: archive.IDTypes, Form: form}
	cm, err := h.Arch.Community(r.Context(), u, p.CommunityID)
	if err != nil {
		return err
	}
	v.C = cm.Name
	if v.History, err = audit.History(r.Context(), h.S.DB, "parcel", id); err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = url.Values{"id_type": {"身份证"}}
	}
	pg.Title, pg.Nav, pg.Data = fmt.Sprintf("%s %s %s", ParcelLabel(p.Kind), orText(p.HouseCode, ""), p.TrackingNumber), "desk_parcels", v
	return h.t.Render(w, r, status, "parcel", pg)
}

// parcelAction runs a form's action on the parcel of the path; a user's
// mistake re-renders the record with the form's values and errors (the
// pickup lookup's confirmation, from=list, goes back to the list).
func (h *Handlers) parcelAction(w http.ResponseWriter, r *http.Request, form string, fields []string,
	act func(id int64) (*Parcel, error), done func(p *Parcel) string) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	// Scope first: the record must be the caller's to see.
	if _, err := h.S.Parcel(r.Context(), user(r), id); err != nil {
		return err
	}
	p, err := act(id)
	if err != nil {
		e, ok := formFault(err)
		if !ok {
			return err
		}
		if r.PostFormValue("from") == "list" {
			back := fmt.Sprintf("/desk/parcels?community_id=%s&code=%s", url.QueryEscape(r.PostFormValue("community_id")),
				url.QueryEscape(r.PostFormValue("code")))
			return redirectFlash(w, r, back, "未取件："+e.Message)
		}
		return h.renderParcel(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
			Errors: formErrorsOf(err, nil, fields...)}, form)
	}
	back := fmt.Sprintf("/desk/parcels/%d", p.ID)
	if r.PostFormValue("from") == "list" {
		back = fmt.Sprintf("/desk/parcels?community_id=%d&view=today", p.CommunityID)
	}
	return redirectFlash(w, r, back, done(p))
}

func (h *Handlers) pickupParcelPage(w http.ResponseWriter, r *http.Request) error {
	in := PickupInput{Code: r.PostFormValue("code"), ByID: r.PostFormValue("by_id") == "1", IDType: r.PostFormValue("id_type"),
		IDNumber: r.PostFormValue("id_number"), Reason: r.PostFormValue("reason"), PickedUpBy: r.PostFormValue("picked_up_by")}
	form := "code"
	if in.ByID {
		form = "id"
	}
	return h.parcelAction(w, r, form, []string{"code", "id_type", "id_number", "reason", "picked_up_by"},
		func(id int64) (*Parcel, error) { return h.S.PickupParcel(r.Context(), user(r), id, in) },
		func(p *Parcel) string {
			return fmt.Sprintf("%s 的%s %s 已取件（%s%s）", p.HouseCode, ParcelLabel(p.Kind), p.TrackingNumber,
				ParcelLabel(p.PickupMethod), map[bool]string{true: "，取件人 " + p.PickedUpBy, false: ""}[p.PickedUpBy != ""])
		})
}

func (h *Handlers) remindParcelPage(w http.ResponseWriter, r *http.Request) error {
	return h.parcelAction(w, r, "", nil,
		func(id int64) (*Parcel, error) { return h.S.RemindParcel(r.Context(), user(r), id) },
		func(p *Parcel) string { return fmt.Sprintf("已记录第 %d 次提醒", p.Reminders) })
}

func (h *Handlers) returnParcelPage(w http.ResponseWriter, r *http.Request) error {
	return h.parcelAction(w, r, "return", []string{"reason"},
		func(id int64) (*Parcel, error) {
			return h.S.ReturnParcel(r.Context(), user(r), id, r.PostFormValue("reason"))
		},
		func(p *Parcel) string { return "已登记退回快递员：" + p.ReturnReason })
}

func (h *Handlers) sendParcelPage(w http.ResponseWriter, r *http.Request) error {
	in := SendInput{Carrier: r.PostFormValue("carrier"), TrackingNumber: r.PostFormValue("tracking_number")}
	return h.parcelAction(w, r, "send", []string{"carrier", "tracking_number"},
		func(id int64) (*Parcel, error) { return h.S.SendParcel(r.Context(), user(r), id, in) },
		func(p *Parcel) string { return fmt.Sprintf("已寄出：%s %s", p.Carrier, p.TrackingNumber) })
}
