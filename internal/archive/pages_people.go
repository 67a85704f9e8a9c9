package archive

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// owners

func (h *Handlers) ownersPage(w http.ResponseWriter, r *http.Request) error {
	f, err := OwnerFilterOf(r)
	if err != nil {
		return err
	}
	os, total, err := h.S.Owners(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	for _, o := range os {
		maskOwner(user(r), o)
	}
	cs, err := h.S.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "owners", &web.Page{Title: "业主", Nav: "owners", Data: map[string]any{
		"Owners": os, "Communities": cs, "Categories": OwnerCategories, "Pager": pager(r, total)}})
}

func (h *Handlers) ownerFormPage(w http.ResponseWriter, r *http.Request, status int, o *Owner, p *web.Page) error {
	cs, err := h.S.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	p.Nav = "owners"
	data := map[string]any{"Owner": o, "Communities": cs, "Categories": OwnerCategories, "IDTypes": IDTypes}
	if o != nil {
		data["History"] = h.history(r, "owner", o.ID)
	}
	p.Data = data
	return h.t.Render(w, r, status, "owner", p)
}

func (h *Handlers) ownerNew(w http.ResponseWriter, r *http.Request) error {
	return h.ownerFormPage(w, r, http.StatusOK, nil, &web.Page{Title: "新建业主",
		Form: url.Values{"community_id": {r.URL.Query().Get("community_id")}, "category": {"普通"}, "id_type": {"身份证"}}})
}

func (h *Handlers) ownerCreate(w http.ResponseWriter, r *http.Request) error {
	o, err := h.S.CreateOwner(r.Context(), user(r), ownerFromForm(r, ""))
	if err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		return h.ownerFormPage(w, r, web.StatusOf(err), nil, &web.Page{Title: "新建业主", Form: r.PostForm, Errors: fieldErrors(err)})
	}
	return redirect(w, r, fmt.Sprintf("/owners/%d", o.ID), "已新建业主 "+o.Name)
}

func (h *Handlers) ownerPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	o, err := h.S.Owner(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	maskOwner(user(r), o)
	form := url.Values{"community_id": {strconv.FormatInt(o.CommunityID, 10)}, "name": {o.Name}, "phone": {o.Phone},
		"phone2": {o.Phone2}, "id_type": {o.IDType}, "id_number": {o.IDNumber}, "category": {o.Category}, "notes": {o.Notes}}
	return h.ownerFormPage(w, r, http.StatusOK, o, &web.Page{Title: "业主 " + o.Name, Form: form})
}

func (h *Handlers) ownerUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.Owner(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := ownerFromForm(r, "")
	in.CommunityID = cur.CommunityID
	if in.IDNumber == maskOwner(user(r), &Owner{IDNumber: cur.IDNumber}).IDNumber {
		in.IDNumber = cur.IDNumber // the masked number came back unchanged
	}
	o, err := h.S.UpdateOwner(r.Context(), user(r), id, in)
	if err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		maskOwner(user(r), cur)
		return h.ownerFormPage(w, r, web.StatusOf(err), cur, &web.Page{Title: "业主 " + cur.Name, Form: r.PostForm, Errors: fieldErrors(err)})
	}
	return redirect(w, r, fmt.Sprintf("/owners/%d", o.ID), "已保存")
}

// residents

func (h *Handlers) residentsPage(w http.ResponseWriter, r *http.Request) error {
	f, err := PeopleFilterOf(r)
	if err != nil {
		return err
	}
	rs, total, err := h.S.Residents(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	for _, x := range rs {
		maskResident(user(r), x)
	}
	cs, err := h.S.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "residents", &web.Page{Title: "住户", Nav: "residents", Data: map[string]any{
		"Residents": rs, "Communities": cs, "Kinds": ResidentKinds, "Pager": pager(r, total)}})
}

func residentValues(x *Resident) url.Values {
	mv := ""
	if x.MovedOut {
		mv = "1"
	}
	return url.Values{"house_id": {strconv.FormatInt(x.HouseID, 10)}, "name": {x.Name}, "phone": {x.Phone},
		"id_number": {x.IDNumber}, "kind": {x.Kind}, "relation": {x.Relation}, "lease_start": {x.LeaseStart},
		"lease_end": {x.LeaseEnd}, "moved_out": {mv}, "notes": {x.Notes}}
}

// houseOf loads the house a resident or vehicle form is about.
func (h *Handlers) houseOf(r *http.Request, id int64) *House {
	if id <= 0 {
		return nil
	}
	hs, err := h.S.House(r.Context(), user(r), id)
	if err != nil {
		return nil
	}
	return hs
}

func (h *Handlers) residentForm(w http.ResponseWriter, r *http.Request) error {
	p := &web.Page{Title: "新建住户", Nav: "residents", Form: url.Values{"house_id": {r.URL.Query().Get("house_id")}, "kind": {"家庭成员"}}}
	var x *Resident
	if r.PathValue("id") != "" {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		if x, err = h.S.Resident(r.Context(), user(r), id); err != nil {
			return err
		}
		maskResident(user(r), x)
		p.Title, p.Form = "住户 "+x.Name, residentValues(x)
	}
	return h.renderResident(w, r, http.StatusOK, x, p)
}

func (h *Handlers) renderResident(w http.ResponseWriter, r *http.Request, status int, x *Resident, p *web.Page) error {
	hid, _ := strconv.ParseInt(p.Form.Get("house_id"), 10, 64)
	data := map[string]any{"Resident": x, "House": h.houseOf(r, hid), "Kinds": ResidentKinds}
	if x != nil {
		data["History"] = h.history(r, "resident", x.ID)
	}
	p.Nav, p.Data = "residents", data
	return h.t.Render(w, r, status, "resident", p)
}

func (h *Handlers) residentSave(w http.ResponseWriter, r *http.Request) error {
	var id int64
	var cur *Resident
	if r.PathValue("id") != "" {
		var err error
		if id, err = web.ID(r, "id"); err != nil {
			return err
		}
		if cur, err = h.S.Resident(r.Context(), user(r), id); err != nil {
			return err
		}
	}
	in := ResidentInput{HouseID: formInt(r, "house_id"), Name: r.FormValue("name"), Phone: r.FormValue("phone"),
		IDNumber: r.FormValue("id_number"), Kind: r.FormValue("kind"), Relation: r.FormValue("relation"),
		LeaseStart: r.FormValue("lease_start"), LeaseEnd: r.FormValue("lease_end"), MovedOut: r.FormValue("moved_out") != "",
		Notes: r.FormValue("notes")}
	if cur != nil && in.IDNumber == maskResident(user(r), &Resident{IDNumber: cur.IDNumber}).IDNumber {
		in.IDNumber = cur.IDNumber
	}
	x, err := h.S.SaveResident(r.Context(), user(r), id, in)
	if err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		title := "新建住户"
		if cur != nil {
			title = "住户 " + cur.Name
			maskResident(user(r), cur)
		}
		return h.renderResident(w, r, web.StatusOf(err), cur, &web.Page{Title: title, Form: r.PostForm, Errors: fieldErrors(err)})
	}
	return redirect(w, r, fmt.Sprintf("/houses/%d", x.HouseID), "已保存住户 "+x.Name)
}

// vehicles

func (h *Handlers) vehiclesPage(w http.ResponseWriter, r *http.Request) error {
	f, err := PeopleFilterOf(r)
	if err != nil {
		return err
	}
	vs, total, err := h.S.Vehicles(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	for _, v := range vs {
		maskVehicle(user(r), v)
	}
	cs, err := h.S.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "vehicles", &web.Page{Title: "车辆", Nav: "vehicles", Data: map[string]any{
		"Vehicles": vs, "Communities": cs, "Pager": pager(r, total)}})
}

func vehicleValues(v *Vehicle) url.Values {
	rm := ""
	if v.Removed {
		rm = "1"
	}
	return url.Values{"house_id": {strconv.FormatInt(v.HouseID, 10)}, "plate": {v.Plate}, "color": {v.Color},
		"brand": {v.Brand}, "parking_space": {v.ParkingSpace}, "owner_name": {v.OwnerName}, "phone": {v.Phone},
		"removed": {rm}, "notes": {v.Notes}}
}

func (h *Handlers) vehicleForm(w http.ResponseWriter, r *http.Request) error {
	p := &web.Page{Title: "登记车辆", Form: url.Values{"house_id": {r.URL.Query().Get("house_id")}}}
	var v *Vehicle
	if r.PathValue("id") != "" {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		if v, err = h.S.Vehicle(r.Context(), user(r), id); err != nil {
			return err
		}
		p.Title, p.Form = "车辆 "+v.Plate, vehicleValues(maskVehicle(user(r), v))
	}
	return h.renderVehicle(w, r, http.StatusOK, v, p)
}

func (h *Handlers) renderVehicle(w http.ResponseWriter, r *http.Request, status int, v *Vehicle, p *web.Page) error {
	hid, _ := strconv.ParseInt(p.Form.Get("house_id"), 10, 64)
	data := map[string]any{"Vehicle": v, "House": h.houseOf(r, hid), "Colors": VehicleColors}
	if v != nil {
		data["History"] = h.history(r, "vehicle", v.ID)
	}
	p.Nav, p.Data = "vehicles", data
	return h.t.Render(w, r, status, "vehicle", p)
}

func (h *Handlers) vehicleSave(w http.ResponseWriter, r *http.Request) error {
	var id int64
	var cur *Vehicle
	if r.PathValue("id") != "" {
		var err error
		if id, err = web.ID(r, "id"); err != nil {
			return err
		}
		if cur, err = h.S.Vehicle(r.Context(), user(r), id); err != nil {
			return err
		}
	}
	in := VehicleInput{HouseID: formInt(r, "house_id"), Plate: r.FormValue("plate"), Color: r.FormValue("color"),
		Brand: r.FormValue("brand"), ParkingSpace: r.FormValue("parking_space"), OwnerName: r.FormValue("owner_name"),
		Phone: r.FormValue("phone"), Removed: r.FormValue("removed") != "", Notes: r.FormValue("notes")}
	v, err := h.S.SaveVehicle(r.Context(), user(r), id, in)
	if err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		title := "登记车辆"
		if cur != nil {
			title = "车辆 " + cur.Plate
		}
		return h.renderVehicle(w, r, web.StatusOf(err), cur, &web.Page{Title: title, Form: r.PostForm, Errors: fieldErrors(err)})
	}
	return redirect(w, r, fmt.Sprintf("/houses/%d", v.HouseID), "已保存车辆 "+v.Plate)
}

// search

func (h *Handlers) searchPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	hits, err := h.search(r, q)
	if err != nil {
		return err
	}
	// A single exact hit from the full page (Enter in the box) opens it.
	if len(hits) == 1 && r.Header.Get("HX-Request") == "" && r.URL.Query().Get("list") == "" {
		http.Redirect(w, r, hits[0].URL, http.StatusSeeOther)
		return nil
	}
	return h.t.Render(w, r, http.StatusOK, "search", &web.Page{Title: "搜索：" + q, Data: map[string]any{"Q": q, "Hits": hits}})
}
