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
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// The key cabinet's pages (/desk/keys…): the list with its filters, the
// new-key form, a key's page with its lending, return, loss and edit
// forms and its history, the printable 钥匙清单 and the Excel export.

var keyFields = []string{"community_id", "label", "class", "house_code", "location", "copies", "cabinet_position", "notes"}

var borrowFields = []string{"borrower_kind", "borrower_name", "borrower_phone", "borrower_company", "borrower_id_type",
	"borrower_id_number", "purpose", "expected_return", "note"}

// deskHistory loads a record's audit entries for its history panel,
// masking ID numbers for roles that may not see them.
func (h *Handlers) deskHistory(r *http.Request, entity string, id int64) []audit.Entry {
	es, err := audit.History(r.Context(), h.S.DB, entity, id)
	if err != nil {
		return nil
	}
	if !user(r).Can(auth.PermIDNumberView) {
		for i := range es {
			es[i].Before = audit.MaskFields(es[i].Before, "id_number")
			es[i].After = audit.MaskFields(es[i].After, "id_number")
		}
	}
	return es
}

// keyList is the data of the list page.
type keyList struct {
	C        *deskCommunities
	Keys     []*Key
	Pager    web.Pager
	Overdue  int
	Classes  []KeyChoice
	Statuses []KeyChoice
}

func (h *Handlers) keysPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, false)
	if err != nil {
		return err
	}
	f, err := keyFilterOf(r)
	if err != nil {
		return err
	}
	ks, total, err := h.S.Keys(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	_, overdue, err := h.S.OverdueLoans(r.Context(), user(r), c.ID, 1, 0)
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "keys", &web.Page{Title: "钥匙管理", Nav: "desk_keys", Data: &keyList{
		C: c, Keys: ks, Pager: deskPager(r, total), Overdue: overdue,
		Classes: keyChoices(KeyClasses), Statuses: keyChoices(KeyStatuses)}})
}

// keyForm is the data of the new-key form.
type keyForm struct {
	C       *deskCommunities
	Classes []KeyChoice
}

func (h *Handlers) keyNewPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	form := url.Values{"community_id": {strconv.FormatInt(c.ID, 10)}, "class": {KeyCommonArea}, "copies": {"1"}}
	return h.renderKeyNew(w, r, http.StatusOK, &web.Page{Form: form})
}

func (h *Handlers) renderKeyNew(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) error {
	cs, err := h.Arch.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	c := &deskCommunities{List: cs}
	pg.Title, pg.Nav, pg.Data = "登记钥匙", "desk_keys", &keyForm{C: c, Classes: keyChoices(KeyClasses)}
	return h.t.Render(w, r, status, "key_new", pg)
}

// keyInputOf reads the key form; a typed house code is resolved in the
// community (an error of it goes to house_code).
func (h *Handlers) keyInputOf(r *http.Request, communityID int64) (KeyInput, error) {
	in := KeyInput{CommunityID: communityID, Label: r.FormValue("label"), Class: r.FormValue("class"),
		Location: r.FormValue("location"), CabinetPosition: r.FormValue("cabinet_position"), Notes: r.FormValue("notes")}
	if s := strings.TrimSpace(r.FormValue("copies")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 99 {
			return in, errs.Invalid("copies", "份数须为 1 到 99")
		}
		in.Copies = n
	}
	if code := strings.TrimSpace(r.FormValue("house_code")); code != "" && communityID > 0 {
		hs, err := h.houseByCode(r.Context(), user(r), communityID, code, "house_code")
		if err != nil {
			return in, err
		}
		in.HouseID = hs.ID
	}
	return in, nil
}

func (h *Handlers) keyCreatePage(w http.ResponseWriter, r *http.Request) error {
	in, err := h.keyInputOf(r, formID(r, "community_id"))
	var k *Key
	if err == nil {
		k, err = h.S.CreateKey(r.Context(), user(r), in)
	}
	if _, ok := formFault(err); ok {
		return h.renderKeyNew(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
			Errors: formErrorsOf(err, map[string]string{"house_id": "house_code"}, keyFields...)})
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/desk/keys/%d", k.ID), "已登记钥匙 "+k.Label)
	return nil
}

// keyView is the data of a key's page.
type keyView struct {
	K         *Key
	Community string
	Loans     []*KeyLoan
	Pager     web.Pager
	History   []audit.Entry
	Open      string // the form shown with its error
	Classes   []KeyChoice
	Kinds     []KeyChoice
	IDTypes   []string
}

// defaultReturn is the expected return a lending form suggests: today
// 18:00, or tomorrow's after 17:00.
func defaultReturn(now time.Time) string {
	t := now.In(web.Shanghai)
	d := time.Date(t.Year(), t.Month(), t.Day(), 18, 0, 0, 0, web.Shanghai)
	if t.Hour() >= 17 {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format("2006-01-02T15:04")
}

// renderKey shows a key's page; open names the form whose posted values
// and errors are shown.
func (h *Handlers) renderKey(w http.ResponseWriter, r *http.Request, status int, open string, errors map[string]string) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	u := user(r)
	k, err := h.S.Key(r.Context(), u, id)
	if err != nil {
		return err
	}
	pg := web.PagingOf(r)
	loans, total, err := h.S.KeyLoans(r.Context(), u, id, pg.PerPage, pg.Offset())
	if err != nil {
		return err
	}
	c, err := h.Arch.Community(r.Context(), u, k.CommunityID)
	if err != nil {
		return err
	}
	form := url.Values{"label": {k.Label}, "class": {k.Class}, "house_code": {k.HouseCode}, "location": {k.Location},
		"copies": {strconv.Itoa(k.Copies)}, "cabinet_position": {k.CabinetPosition}, "notes": {k.Notes},
		"borrower_kind": {BorrowerStaff}, "borrower_id_type": {"身份证"}, "expected_return": {defaultReturn(h.S.Now())},
		"received_by": {u.Name}}
	if open != "" {
		for name, vs := range r.PostForm {
			form[name] = vs
		}
	}
	v := &keyView{K: k, Community: c.Name, Loans: loans, Pager: deskPager(r, total), History: h.deskHistory(r, "desk_key", id),
		Open: open, Classes: keyChoices(KeyClasses), Kinds: keyChoices(BorrowerKinds), IDTypes: archive.IDTypes}
	return h.t.Render(w, r, status, "key", &web.Page{Title: "钥匙 " + k.Label, Nav: "desk_keys", Data: v,
		Form: form, Errors: errors})
}

func (h *Handlers) keyPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderKey(w, r, http.StatusOK, "", nil)
}

// keyPost serves a form on a key's page: the key is looked up first (a
// key of another community is a 403), then fn; a mistake of the user's
// shows the page again with the form open, success goes back to it.
func (h *Handlers) keyPost(open string, fields []string, fn func(r *http.Request, k *Key) (string, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		k, err := h.S.Key(r.Context(), user(r), id)
		if err != nil {
			return err
		}
		flash, err := fn(r, k)
		if _, ok := formFault(err); ok {
			return h.renderKey(w, r, web.StatusOf(err), open,
				formErrorsOf(err, map[string]string{"house_id": "house_code"}, fields...))
		}
		if err != nil {
			return err
		}
		web.Redirect(w, r, fmt.Sprintf("/desk/keys/%d", id), flash)
		return nil
	}
}

func (h *Handlers) keyUpdatePage(w http.ResponseWriter, r *http.Request) error {
	return h.keyPost("edit", keyFields, func(r *http.Request, k *Key) (string, error) {
		in, err := h.keyInputOf(r, k.CommunityID)
		if err != nil {
			return "", err
		}
		k, err = h.S.UpdateKey(r.Context(), user(r), k.ID, in)
		if err != nil {
			return "", err
		}
		return "已保存钥匙 " + k.Label, nil
	})(w, r)
}

func (h *Handlers) keyBorrowPage(w http.ResponseWriter, r *http.Request) error {
	return h.keyPost("borrow", borrowFields, func(r *http.Request, k *Key) (string, error) {
		in := BorrowInput{BorrowerKind: r.FormValue("borrower_kind"), BorrowerName: r.FormValue("borrower_name"),
			BorrowerPhone: r.FormValue("borrower_phone"), BorrowerCompany: r.FormValue("borrower_company"),
			BorrowerIDType: r.FormValue("borrower_id_type"), BorrowerIDNumber: r.FormValue("borrower_id_number"),
			Purpose: r.FormValue("purpose"), ExpectedReturn: r.FormValue("expected_return"), Note: r.FormValue("note")}
		l, err := h.S.Borrow(r.Context(), user(r), k.ID, in)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("钥匙 %s 已借给 %s，预计 %s 归还", k.Label, l.BorrowerName, showTime(l.ExpectedReturn)), nil
	})(w, r)
}

func (h *Handlers) keyReturnPage(w http.ResponseWriter, r *http.Request) error {
	return h.keyPost("return", []string{"returned_at", "received_by", "note"}, func(r *http.Request, k *Key) (string, error) {
		l, err := h.S.Return(r.Context(), user(r), k.ID, ReturnInput{ReturnedAt: r.FormValue("returned_at"),
			ReceivedBy: r.FormValue("received_by"), Note: r.FormValue("note")})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("钥匙 %s 已由 %s 归还", k.Label, l.BorrowerName), nil
	})(w, r)
}

func (h *Handlers) keyLostPage(w http.ResponseWriter, r *http.Request) error {
	return h.keyPost("lost", []string{"reason"}, func(r *http.Request, k *Key) (string, error) {
		if _, err := h.S.ReportLost(r.Context(), user(r), k.ID, r.FormValue("reason")); err != nil {
			return "", err
		}
		return fmt.Sprintf("钥匙 %s 已挂失，找回前不能借出", k.Label), nil
	})(w, r)
}

func (h *Handlers) keyFoundPage(w http.ResponseWriter, r *http.Request) error {
	return h.keyPost("found", []string{"note"}, func(r *http.Request, k *Key) (string, error) {
		if _, err := h.S.Found(r.Context(), user(r), k.ID, r.FormValue("note")); err != nil {
			return "", err
		}
		return fmt.Sprintf("钥匙 %s 已找回，可以借出", k.Label), nil
	})(w, r)
}
