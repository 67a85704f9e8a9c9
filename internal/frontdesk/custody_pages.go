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
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Custody's pages (/desk/custody…): the list, the receive form and an
// item's page with its release form and history.

var custodyFields = []string{"community_id", "house_code", "description", "quantity", "deposited_by", "deposited_phone",
	"pickup_name", "pickup_phone", "notes", "photo"}

var releaseFields = []string{"picked_up_by", "picked_up_phone", "id_type", "id_number", "signature", "note"}

// custodyListView is the data of the list page.
type custodyListView struct {
	C        *deskCommunities
	Items    []*CustodyItem
	Pager    web.Pager
	Statuses []KeyChoice
	Now      time.Time
}

func (h *Handlers) custodyPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, false)
	if err != nil {
		return err
	}
	f, err := custodyFilterOf(r)
	if err != nil {
		return err
	}
	items, total, err := h.S.CustodyList(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	statuses := []KeyChoice{{CustodyHeld, custodyLabels[CustodyHeld]}, {CustodyReleased, custodyLabels[CustodyReleased]}}
	return h.t.Render(w, r, http.StatusOK, "custody", &web.Page{Title: "物品寄存", Nav: "desk_custody", Data: &custodyListView{
		C: c, Items: items, Pager: deskPager(r, total), Statuses: statuses, Now: h.S.Now()}})
}

func (h *Handlers) custodyNewPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	form := url.Values{"community_id": {strconv.FormatInt(c.ID, 10)}, "quantity": {"1"},
		"house_code": {r.URL.Query().Get("house")}}
	return h.renderCustodyNew(w, r, http.StatusOK, &web.Page{Form: form})
}

func (h *Handlers) renderCustodyNew(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) error {
	cs, err := h.Arch.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	pg.Title, pg.Nav, pg.Data = "物品寄存登记", "desk_custody", &keyForm{C: &deskCommunities{List: cs}}
	return h.t.Render(w, r, status, "custody_new", pg)
}

func (h *Handlers) custodyCreatePage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.receiveForm(w, r)
	if _, ok := formFault(err); ok {
		return h.renderCustodyNew(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
			Errors: formErrorsOf(err, map[string]string{"house_id": "house_code"}, custodyFields...)})
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/desk/custody/%d", c.ID), fmt.Sprintf("已登记 %s 寄存的 %s", c.HouseCode, c.Description))
	return nil
}

// receiveForm reads the receive form (a multipart form when it carries
// a photo) and registers the item.
func (h *Handlers) receiveForm(w http.ResponseWriter, r *http.Request) (*CustodyItem, error) {
	in := CustodyInput{CommunityID: formID(r, "community_id"), Description: r.FormValue("description"),
		DepositedBy: r.FormValue("deposited_by"), DepositedPhone: r.FormValue("deposited_phone"),
		PickupName: r.FormValue("pickup_name"), PickupPhone: r.FormValue("pickup_phone"), Notes: r.FormValue("notes")}
	if s := strings.TrimSpace(r.FormValue("quantity")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 999 {
			return nil, errs.Invalid("quantity", "数量须为 1 到 999")
		}
		in.Quantity = n
	}
	if in.CommunityID > 0 {
		hs, err := h.houseByCode(r.Context(), user(r), in.CommunityID, r.FormValue("house_code"), "house_code")
		if err != nil {
			return nil, err
		}
		in.HouseID = hs.ID
	}
	var name string
	var photo []byte
	if r.MultipartForm != nil && len(r.MultipartForm.File["photo"]) > 0 {
		var err error
		if name, photo, err = web.ReadUpload(w, r, "photo", MaxCustodyPhoto, custodyPhotoKinds...); err != nil {
			return nil, err
		}
	}
	return h.S.Receive(r.Context(), user(r), in, name, photo)
}

// custodyView is the data of an item's page.
type custodyView struct {
	C         *CustodyItem
	Community *archive.Community
	History   []audit.Entry
	IDTypes   []string
	Now       time.Time
}

func (h *Handlers) renderCustody(w http.ResponseWriter, r *http.Request, status int, posted bool, errors map[string]string) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	u := user(r)
	c, err := h.S.Custody(r.Context(), u, id)
	if err != nil {
		return err
	}
	comm, err := h.Arch.Community(r.Context(), u, c.CommunityID)
	if err != nil {
		return err
	}
	form := url.Values{"picked_up_by": {c.PickupName}, "picked_up_phone": {c.PickupPhone}, "id_type": {"身份证"}}
	if posted {
		form = r.PostForm
	}
	v := &custodyView{C: c, Community: comm, History: h.deskHistory(r, "desk_custody", id), IDTypes: archive.IDTypes,
		Now: h.S.Now()}
	return h.t.Render(w, r, status, "custody_item", &web.Page{Title: "寄存 " + c.HouseCode + " " + c.Description,
		Nav: "desk_custody", Data: v, Form: form, Errors: errors})
}

func (h *Handlers) custodyItemPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderCustody(w, r, http.StatusOK, false, nil)
}

func (h *Handlers) custodyReleasePage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.S.Custody(r.Context(), user(r), id); err != nil {
		return err
	}
	c, err := h.S.Release(r.Context(), user(r), id, ReleaseInput{PickedUpBy: r.FormValue("picked_up_by"),
		PickedUpPhone: r.FormValue("picked_up_phone"), IDType: r.FormValue("id_type"), IDNumber: r.FormValue("id_number"),
		Signature: r.FormValue("signature"), Note: r.FormValue("note")})
	if _, ok := formFault(err); ok {
		return h.renderCustody(w, r, web.StatusOf(err), true, formErrorsOf(err, nil, releaseFields...))
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/desk/custody/%d", id), fmt.Sprintf("%s 已由 %s 领取", c.Description, c.PickedUpBy))
	return nil
}
