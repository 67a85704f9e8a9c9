package movein

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// A house's 收楼 page (/movein/houses/{house_id}): the whole checklist
// with a form for each step, and its printable 收楼手续流程表.

func (h *Handlers) housePages(rt *web.Router) {
	rt.Handle("GET /movein/houses/{house_id}", auth.PermMoveInRead, h.housePage)
	rt.Handle("GET /movein/houses/{house_id}/print", auth.PermMoveInRead, h.housePrintPage)
	rt.Handle("POST /movein/houses/{house_id}/notices", auth.PermMoveInWork, h.housePost("notice",
		[]string{"documents", "method", "mail_number", "sent_on", "note"}, func(r *http.Request, id int64) (string, error) {
			in := NoticeInput{Documents: r.Form["documents"], Method: r.FormValue("method"), MailNumber: r.FormValue("mail_number"),
				SentOn: r.FormValue("sent_on"), Note: r.FormValue("note")}
			if _, err := h.S.RecordNotice(r.Context(), user(r), id, in); err != nil {
				return "", err
			}
			return "已登记通知寄送：" + in.Method + " " + in.MailNumber, nil
		}))
	rt.Handle("POST /movein/houses/{house_id}/appointment", auth.PermMoveInWork, h.housePost("appoint",
		[]string{"slot_id"}, func(r *http.Request, id int64) (string, error) {
			e, err := h.S.Appoint(r.Context(), user(r), id, AppointInput{SlotID: formID(r, "slot_id")})
			if err != nil {
				return "", err
			}
			return "已预约 " + e.Slot, nil
		}))
	rt.Handle("POST /movein/houses/{house_id}/documents", auth.PermMoveInWork, h.housePost("sign",
		[]string{"document", "signed_by", "signed_on", "note"}, func(r *http.Request, id int64) (string, error) {
			s, err := h.S.Sign(r.Context(), user(r), id, SignInput{Document: web.Text(r.FormValue("document")),
				SignedBy: r.FormValue("signed_by"), SignedOn: r.FormValue("signed_on"), Note: r.FormValue("note")})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("已签署《%s》（第 %d 版）", s.Document, s.Version), nil
		}))
	rt.Handle("POST /movein/houses/{house_id}/defects", auth.PermMoveInWork, h.housePost("defect",
		[]string{"room", "description", "party"}, func(r *http.Request, id int64) (string, error) {
			d, err := h.S.AddDefect(r.Context(), user(r), id, DefectInput{Room: r.FormValue("room"),
				Description: r.FormValue("description"), Party: r.FormValue("party")})
			if err != nil {
				return "", err
			}
			return "已登记验房问题，维修工单 " + d.TicketNumber, nil
		}))
	rt.Handle("POST /movein/houses/{house_id}/accept", auth.PermMoveInWork, h.housePost("accept",
		[]string{"accepted_by", "accepted_on", "note"}, func(r *http.Request, id int64) (string, error) {
			if _, err := h.S.Accept(r.Context(), user(r), id, AcceptInput{AcceptedBy: r.FormValue("accepted_by"),
				AcceptedOn: r.FormValue("accepted_on"), Note: r.FormValue("note")}); err != nil {
				return "", err
			}
			return "已登记验房验收", nil
		}))
	rt.Handle("POST /movein/houses/{house_id}/handover", auth.PermMoveInWork, h.housePost("handover",
		[]string{"keys", "signed_by", "signed_on", "occupied", "note"}, func(r *http.Request, id int64) (string, error) {
			in := HandoverInput{SignedBy: r.FormValue("signed_by"), SignedOn: r.FormValue("signed_on"), Note: r.FormValue("note")}
			occupied := r.FormValue("occupied") != "0"
			in.Occupied = &occupied
			for i := range keyRows {
				name := r.FormValue(fmt.Sprintf("key_name_%d", i))
				count := formInt(r, fmt.Sprintf("key_count_%d", i))
				if name != "" || count != 0 {
					in.Keys = append(in.Keys, Key{Name: name, Count: count})
				}
			}
			e, err := h.S.Handover(r.Context(), user(r), id, in)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s 已交钥匙，房屋状态：%s", e.HouseCode, e.HouseStatus), nil
		}))
}

// keyRows is how many key lines the handover form offers.
const keyRows = 5

// houseView is the data of a house's 收楼 page.
type houseView struct {
	E        *Entry
	C        *Campaign // nil: the community has no campaign yet
	Forms    map[string]*web.Page
	Open     string
	Alert    string // a step refused in the house's state (409), such as the handover
	Slots    []*Slot
	Methods  []string
	Rooms    []string
	Parties  []Choice
	KeyRows  []int
	History  []audit.Entry
	Today    string
	Printing bool
}

func (h *Handlers) renderHouse(w http.ResponseWriter, r *http.Request, status int, page, open, alert string, errors map[string]string) error {
	id, err := web.ID(r, "house_id")
	if err != nil {
		return err
	}
	e, c, err := h.S.HouseRecord(r.Context(), user(r), id, 0)
	if err != nil {
		return err
	}
	today := h.S.today()
	owner := firstOwner(e)
	v := &houseView{E: e, C: c, Open: open, Alert: alert, Methods: NoticeMethods, Rooms: Rooms, Parties: choices(DefectParties),
		History: h.history(r, "movein_house", e.ID), Today: today, Printing: page == "house_print"}
	keys := url.Values{"signed_by": {owner}, "signed_on": {today}, "occupied": {"1"}}
	for i, k := range DefaultKeys {
		keys.Set(fmt.Sprintf("key_name_%d", i), k.Name)
		keys.Set(fmt.Sprintf("key_count_%d", i), strconv.Itoa(k.Count))
	}
	for i := range keyRows {
		v.KeyRows = append(v.KeyRows, i)
	}
	v.Forms = map[string]*web.Page{
		"notice":   form(url.Values{"method": {NoticeMethods[0]}, "sent_on": {today}, "documents": NoticeDocuments}, nil),
		"appoint":  form(url.Values{}, nil),
		"sign":     form(url.Values{"signed_by": {owner}, "signed_on": {today}}, nil),
		"defect":   form(url.Values{"party": {PartyDeveloper}}, nil),
		"accept":   form(url.Values{"accepted_by": {owner}, "accepted_on": {today}}, nil),
		"handover": form(keys, nil),
	}
	if open != "" {
		v.Forms[open] = form(r.PostForm, errors)
	}
	if c != nil {
		for _, b := range c.Batches {
			v.Slots = append(v.Slots, b.Slots...)
		}
	}
	title := "收楼办理 " + e.HouseCode
	if v.Printing {
		title = "收楼手续流程表 " + e.HouseCode
	}
	return h.t.Render(w, r, status, page, &web.Page{Title: title, Nav: "movein", Data: v})
}

func (h *Handlers) housePage(w http.ResponseWriter, r *http.Request) error {
	return h.renderHouse(w, r, http.StatusOK, "house", "", "", nil)
}

func (h *Handlers) housePrintPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderHouse(w, r, http.StatusOK, "house_print", "", "", nil)
}

// housePost serves a form of the house page: the house is checked first
// (another community's is a 403); bad input shows the page again with
// the form's values and errors, a step refused in the house's state
// (the handover guard, a full slot) with the reason at the top.
func (h *Handlers) housePost(open string, fields []string, fn func(r *http.Request, id int64) (string, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "house_id")
		if err != nil {
			return err
		}
		if err := h.mayWork(r, id); err != nil {
			return err
		}
		flash, err := fn(r, id)
		if e, ok := errs.As(err); ok && e.Code == errs.CodeConflict {
			return h.renderHouse(w, r, web.StatusOf(err), "house", open, e.Message, nil)
		}
		if fault(err) {
			return h.renderHouse(w, r, web.StatusOf(err), "house", open, "", fieldErrors(err, fields...))
		}
		if err != nil {
			return err
		}
		web.Redirect(w, r, fmt.Sprintf("/movein/houses/%d", id), flash)
		return nil
	}
}
