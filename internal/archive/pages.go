package archive

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// pageRoutes registers the staff console's archive pages. Every form
// posts back to its own page; on error the page is shown again with the
// values kept and inline errors.
func (h *Handlers) pageRoutes(rt *web.Router) {
	rt.Handle("GET /communities", auth.PermArchiveRead, h.communitiesPage)
	rt.Handle("POST /communities", auth.PermCommunityAdmin, h.communityCreate)
	rt.Handle("GET /communities/{id}", auth.PermArchiveRead, h.communityPage)
	rt.Handle("POST /communities/{id}", auth.PermCommunityAdmin, h.communityUpdate)
	rt.Handle("POST /communities/{id}/buildings", auth.PermArchiveWrite, h.buildingCreate)
	rt.Handle("POST /buildings/{id}/units", auth.PermArchiveWrite, h.unitsCreate)
	rt.Handle("POST /buildings/{id}", auth.PermArchiveWrite, h.buildingUpdate)
	rt.Handle("POST /units/{id}", auth.PermArchiveWrite, h.unitUpdate)

	rt.Handle("GET /houses", auth.PermArchiveRead, h.housesPage)
	rt.Handle("GET /houses/new", auth.PermArchiveWrite, h.houseNew)
	rt.Handle("POST /houses", auth.PermArchiveWrite, h.houseCreate)
	rt.Handle("GET /houses/{id}", auth.PermArchiveRead, h.housePage)
	rt.Handle("GET /houses/{id}/edit", auth.PermArchiveWrite, h.houseEdit)
	rt.Handle("POST /houses/{id}", auth.PermArchiveWrite, h.houseUpdate)
	rt.Handle("GET /houses/{id}/print", auth.PermArchiveRead, h.housePrint)
	rt.Handle("POST /houses/{id}/owners", auth.PermArchiveWrite, h.houseOwnerAdd)
	rt.Handle("POST /houses/{id}/owners/{link}/end", auth.PermArchiveTransfer, h.houseOwnerEnd)
	rt.Handle("GET /houses/{id}/transfer", auth.PermArchiveTransfer, h.transferPage)
	rt.Handle("POST /houses/{id}/transfer", auth.PermArchiveTransfer, h.transferPost)

	rt.Handle("GET /owners", auth.PermArchiveRead, h.ownersPage)
	rt.Handle("GET /owners/new", auth.PermArchiveWrite, h.ownerNew)
	rt.Handle("POST /owners", auth.PermArchiveWrite, h.ownerCreate)
	rt.Handle("GET /owners/{id}", auth.PermArchiveRead, h.ownerPage)
	rt.Handle("POST /owners/{id}", auth.PermArchiveWrite, h.ownerUpdate)

	rt.Handle("GET /residents", auth.PermArchiveRead, h.residentsPage)
	rt.Handle("GET /residents/new", auth.PermArchiveWrite, h.residentForm)
	rt.Handle("POST /residents", auth.PermArchiveWrite, h.residentSave)
	rt.Handle("GET /residents/{id}", auth.PermArchiveRead, h.residentForm)
	rt.Handle("POST /residents/{id}", auth.PermArchiveWrite, h.residentSave)

	rt.Handle("GET /vehicles", auth.PermArchiveRead, h.vehiclesPage)
	rt.Handle("GET /vehicles/new", auth.PermArchiveWrite, h.vehicleForm)
	rt.Handle("POST /vehicles", auth.PermArchiveWrite, h.vehicleSave)
	rt.Handle("GET /vehicles/{id}", auth.PermArchiveRead, h.vehicleForm)
	rt.Handle("POST /vehicles/{id}", auth.PermArchiveWrite, h.vehicleSave)

	rt.Handle("GET /search", auth.PermArchiveRead, h.searchPage)
}

func redirect(w http.ResponseWriter, r *http.Request, path, flash string) error {
	web.Redirect(w, r, path, flash)
	return nil
}

// flashable reports whether err is a user mistake to show as a flash on
// the page the form came from; a permission or missing-record error is
// returned instead, so it answers 403/404.
func flashable(err error) (*errs.Error, bool) {
	e, ok := errs.As(err)
	return e, ok && (e.Code == errs.CodeInvalid || e.Code == errs.CodeConflict)
}

// formErr re-renders a form page with inline errors when err is a
// business error; anything else goes up as a 500.
func (h *Handlers) formErr(w http.ResponseWriter, r *http.Request, name string, p *web.Page, err error) error {
	if _, ok := errs.As(err); !ok {
		return err
	}
	p.Errors = errs.ByField(err)
	if e, ok := errs.As(err); ok && p.Errors[e.Field] == "" {
		p.Errors[""] = e.Message
	}
	if p.Form == nil {
		p.Form = r.PostForm
	}
	return h.t.Render(w, r, web.StatusOf(err), name, p)
}

func formInt(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return v
}

func pager(r *http.Request, total int) web.Pager {
	p := web.PagingOf(r)
	return web.Pager{Total: total, Page: p.Page, PerPage: p.PerPage, Query: r.URL.Query()}
}

// communities and structure

func (h *Handlers) communitiesPage(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.S.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "communities", &web.Page{Title: "小区与楼栋", Nav: "communities",
		Data: map[string]any{"Communities": cs, "Types": CommunityTypes}})
}

func communityForm(r *http.Request) CommunityInput {
	return CommunityInput{Name: r.FormValue("name"), Address: r.FormValue("address"), Type: r.FormValue("type"),
		TotalArea: web.Text(r.FormValue("total_area")), Phone: r.FormValue("phone"), Notes: r.FormValue("notes")}
}

func (h *Handlers) communityCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := h.S.CreateCommunity(r.Context(), user(r), communityForm(r))
	if err != nil {
		cs, _ := h.S.Communities(r.Context(), user(r))
		return h.formErr(w, r, "communities", &web.Page{Title: "小区与楼栋", Nav: "communities",
			Data: map[string]any{"Communities": cs, "Types": CommunityTypes}}, err)
	}
	return redirect(w, r, fmt.Sprintf("/communities/%d", c.ID), "已新建小区 "+c.Name)
}

func (h *Handlers) structurePage(w http.ResponseWriter, r *http.Request, id int64, status int, p *web.Page) error {
	st, err := h.S.Structure(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	p.Title, p.Nav = st.Community.Name, "communities"
	if p.Form == nil {
		c := st.Community
		p.Form = url.Values{"name": {c.Name}, "address": {c.Address}, "type": {c.Type}, "total_area": {c.TotalArea},
			"phone": {c.Phone}, "notes": {c.Notes}}
	}
	p.Data = map[string]any{"S": st, "Types": CommunityTypes, "History": h.history(r, "community", id)}
	return h.t.Render(w, r, status, "community", p)
}

func (h *Handlers) communityPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	return h.structurePage(w, r, id, http.StatusOK, &web.Page{})
}

func (h *Handlers) communityUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.S.UpdateCommunity(r.Context(), user(r), id, communityForm(r)); err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		return h.structurePage(w, r, id, web.StatusOf(err), &web.Page{Form: r.PostForm, Errors: errs.ByField(err)})
	}
	return redirect(w, r, fmt.Sprintf("/communities/%d", id), "已保存")
}

func (h *Handlers) buildingCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	floors, _ := strconv.Atoi(r.FormValue("floors"))
	b, err := h.S.CreateBuilding(r.Context(), user(r), BuildingInput{CommunityID: id, Name: r.FormValue("building_name"), Floors: floors})
	if err == nil {
		// A new building usually comes with its units: "1-3" or "1,2,3".
		for _, name := range unitNames(r.FormValue("units")) {
			if _, err = h.S.CreateUnit(r.Context(), user(r), UnitInput{BuildingID: b.ID, Name: name}); err != nil {
				break
			}
		}
	}
	if err != nil {
		if e, ok := flashable(err); ok {
			return redirect(w, r, fmt.Sprintf("/communities/%d", id), "未完成："+e.Message)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/communities/%d", id), "已新建楼栋 "+b.Name)
}

// unitNames expands "1-3" into 1,2,3 and splits "1,2,东" on commas.
func unitNames(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		if a, b, ok := strings.Cut(part, "-"); ok {
			x, e1 := strconv.Atoi(a)
			y, e2 := strconv.Atoi(b)
			if e1 == nil && e2 == nil && x <= y && y-x < 50 {
				for i := x; i <= y; i++ {
					out = append(out, strconv.Itoa(i))
				}
				continue
			}
		}
		out = append(out, part)
	}
	return out
}

func (h *Handlers) unitsCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.S.Building(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	names := unitNames(r.FormValue("units"))
	if len(names) == 0 {
		return redirect(w, r, fmt.Sprintf("/communities/%d", b.CommunityID), "请填写单元名称")
	}
	for _, n := range names {
		if _, err := h.S.CreateUnit(r.Context(), user(r), UnitInput{BuildingID: id, Name: n}); err != nil {
			if e, ok := flashable(err); ok {
				return redirect(w, r, fmt.Sprintf("/communities/%d", b.CommunityID), "未完成："+e.Message)
			}
			return err
		}
	}
	return redirect(w, r, fmt.Sprintf("/communities/%d", b.CommunityID), fmt.Sprintf("已为 %s 栋新增 %d 个单元", b.Name, len(names)))
}

// houses

func (h *Handlers) housesPage(w http.ResponseWriter, r *http.Request) error {
	f, err := HouseFilterOf(r)
	if err != nil {
		return err
	}
	hs, total, err := h.S.Houses(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	for _, x := range hs {
		maskHouse(user(r), x)
	}
	cs, err := h.S.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	var buildings []*Building
	if f.CommunityID > 0 {
		st, err := h.S.Structure(r.Context(), user(r), f.CommunityID)
		if err != nil {
			return err
		}
		buildings = st.Buildings
	}
	return h.t.Render(w, r, http.StatusOK, "houses", &web.Page{Title: "房屋", Nav: "houses", Data: map[string]any{
		"Houses": hs, "Communities": cs, "Buildings": buildings, "Statuses": HouseStatuses, "Uses": HouseUses,
		"Pager": pager(r, total)}})
}

// houseFormPage shows the create or edit form; units come from the
// house's community (or the chosen one).
func (h *Handlers) houseFormPage(w http.ResponseWriter, r *http.Request, status int, house *House, p *web.Page) error {
	u := user(r)
	var communityID int64
	if house != nil {
		communityID = house.CommunityID
	} else if uid := formInt(r, "unit_id"); uid > 0 {
		if un, err := h.S.Unit(r.Context(), u, uid); err == nil {
			communityID = un.CommunityID
		}
	}
	if communityID == 0 {
		communityID = formInt(r, "community_id")
	}
	cs, err := h.S.Communities(r.Context(), u)
	if err != nil {
		return err
	}
	if communityID == 0 && len(cs) > 0 {
		communityID = cs[0].ID
	}
	var st *Structure
	if communityID > 0 {
		if st, err = h.S.Structure(r.Context(), u, communityID); err != nil {
			return err
		}
	}
	p.Nav = "houses"
	data := map[string]any{"House": house, "S": st, "Communities": cs, "Uses": HouseUses, "Statuses": HouseStatuses}
	if house != nil {
		data["History"] = h.history(r, "house", house.ID)
	}
	p.Data = data
	return h.t.Render(w, r, status, "house_form", p)
}

func (h *Handlers) houseNew(w http.ResponseWriter, r *http.Request) error {
	form := url.Values{"unit_id": {r.URL.Query().Get("unit_id")}, "use": {"住宅"}, "status": {"空置"}}
	return h.houseFormPage(w, r, http.StatusOK, nil, &web.Page{Title: "新建房屋", Form: form})
}

func houseForm(r *http.Request) HouseInput {
	floor, _ := strconv.Atoi(strings.TrimSpace(r.FormValue("floor")))
	return HouseInput{UnitID: formInt(r, "unit_id"), Number: r.FormValue("number"), Floor: floor,
		GrossArea: web.Text(r.FormValue("gross_area")), InnerArea: web.Text(r.FormValue("inner_area")),
		Use: r.FormValue("use"), Status: r.FormValue("status"), DeliveredOn: r.FormValue("delivered_on"), Notes: r.FormValue("notes")}
}

func (h *Handlers) houseCreate(w http.ResponseWriter, r *http.Request) error {
	hs, err := h.S.CreateHouse(r.Context(), user(r), houseForm(r))
	if err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		return h.houseFormPage(w, r, web.StatusOf(err), nil, &web.Page{Title: "新建房屋", Form: r.PostForm, Errors: fieldErrors(err)})
	}
	return redirect(w, r, fmt.Sprintf("/houses/%d", hs.ID), "已新建房屋 "+hs.Code)
}

// fieldErrors is errs.ByField, with a field-less error shown at the top.
func fieldErrors(err error) map[string]string {
	m := errs.ByField(err)
	if e, ok := errs.As(err); ok && e.Field == "" {
		m[""] = e.Message
	}
	return m
}

func houseValues(hs *House) url.Values {
	return url.Values{"unit_id": {strconv.FormatInt(hs.UnitID, 10)}, "number": {hs.Number}, "floor": {strconv.Itoa(hs.Floor)},
		"gross_area": {hs.GrossArea}, "inner_area": {hs.InnerArea}, "use": {hs.Use}, "status": {hs.Status},
		"delivered_on": {hs.DeliveredOn}, "notes": {hs.Notes}}
}

func (h *Handlers) houseEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	hs, err := h.S.House(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return h.houseFormPage(w, r, http.StatusOK, hs, &web.Page{Title: "编辑房屋 " + hs.Code, Form: houseValues(hs)})
}

func (h *Handlers) houseUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.House(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	hs, err := h.S.UpdateHouse(r.Context(), user(r), id, houseForm(r))
	if err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		return h.houseFormPage(w, r, web.StatusOf(err), cur, &web.Page{Title: "编辑房屋 " + cur.Code, Form: r.PostForm, Errors: fieldErrors(err)})
	}
	return redirect(w, r, fmt.Sprintf("/houses/%d", hs.ID), "已保存")
}

// houseDetail gathers everything shown about a house.
type houseDetail struct {
	House     *House
	Community *Community
	History   []HouseOwner // every ownership link, current first
	Residents []*Resident
	Vehicles  []*Vehicle
}

func (h *Handlers) loadHouse(r *http.Request) (*houseDetail, error) {
	id, err := web.ID(r, "id")
	if err != nil {
		return nil, err
	}
	u := user(r)
	hs, err := h.S.House(r.Context(), u, id)
	if err != nil {
		return nil, err
	}
	d := &houseDetail{House: hs}
	if d.Community, err = h.S.Community(r.Context(), u, hs.CommunityID); err != nil {
		return nil, err
	}
	if d.History, err = h.S.OwnershipHistory(r.Context(), u, id); err != nil {
		return nil, err
	}
	if d.Residents, _, err = h.S.Residents(r.Context(), u, PeopleFilter{HouseID: id, Limit: 100}); err != nil {
		return nil, err
	}
	if d.Vehicles, _, err = h.S.Vehicles(r.Context(), u, PeopleFilter{HouseID: id, Limit: 100}); err != nil {
		return nil, err
	}
	for _, x := range d.Residents {
		maskResident(u, x)
	}
	for _, v := range d.Vehicles {
		maskVehicle(u, v)
	}
	maskHouse(u, hs)
	maskLinks(u, d.History)
	return d, nil
}

func (h *Handlers) housePage(w http.ResponseWriter, r *http.Request) error {
	return h.renderHouse(w, r, http.StatusOK, &web.Page{})
}

func (h *Handlers) renderHouse(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	d, err := h.loadHouse(r)
	if err != nil {
		return err
	}
	p.Title, p.Nav = "房屋 "+d.House.Code, "houses"
	if p.Form == nil {
		p.Form = url.Values{"category": {"普通"}, "id_type": {"身份证"}}
	}
	p.Data = map[string]any{"D": d, "History": h.history(r, "house", d.House.ID), "Categories": OwnerCategories, "IDTypes": IDTypes}
	return h.t.Render(w, r, status, "house", p)
}

func (h *Handlers) housePrint(w http.ResponseWriter, r *http.Request) error {
	d, err := h.loadHouse(r)
	if err != nil {
		return err
	}
	owners := make([]*Owner, 0, len(d.House.Owners))
	for _, l := range d.House.Owners {
		o, err := h.S.Owner(r.Context(), user(r), l.OwnerID)
		if err != nil {
			return err
		}
		owners = append(owners, maskOwner(user(r), o))
	}
	return h.t.Render(w, r, http.StatusOK, "house_print", &web.Page{Title: "业主住户情形登记表 " + d.House.Code, Nav: "houses",
		Data: map[string]any{"D": d, "Owners": owners}})
}

// ownerFromForm reads owner fields with an optional prefix ("new_").
func ownerFromForm(r *http.Request, prefix string) OwnerInput {
	return OwnerInput{CommunityID: formInt(r, "community_id"), Name: r.FormValue(prefix + "name"),
		Phone: r.FormValue(prefix + "phone"), Phone2: r.FormValue(prefix + "phone2"), IDType: r.FormValue(prefix + "id_type"),
		IDNumber: r.FormValue(prefix + "id_number"), Category: r.FormValue(prefix + "category"), Notes: r.FormValue(prefix + "notes")}
}

func (h *Handlers) houseOwnerAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	in := ShareInput{OwnerID: formInt(r, "owner_id"), Share: web.Text(r.FormValue("share"))}
	if in.OwnerID == 0 {
		o := ownerFromForm(r, "")
		in.New = &o
	}
	if _, err := h.S.AddHouseOwner(r.Context(), user(r), id, in); err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		return h.renderHouse(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm, Errors: fieldErrors(err)})
	}
	return redirect(w, r, fmt.Sprintf("/houses/%d", id), "已添加业主")
}

func (h *Handlers) houseOwnerEnd(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	link, err := web.ID(r, "link")
	if err != nil {
		return err
	}
	if err := h.S.EndHouseOwner(r.Context(), user(r), id, link, strings.TrimSpace(r.FormValue("reason"))); err != nil {
		if e, ok := flashable(err); ok {
			return redirect(w, r, fmt.Sprintf("/houses/%d", id), "未完成："+e.Message)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/houses/%d", id), "已解除该产权关系（保留在历史中）")
}

const transferRows = 3

func (h *Handlers) transferPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderTransfer(w, r, http.StatusOK, &web.Page{Form: url.Values{"date": {today()}, "reason": {"买卖"}, "share0": {"100"}}})
}

func (h *Handlers) renderTransfer(w http.ResponseWriter, r *http.Request, status int, p *web.Page) error {
	d, err := h.loadHouse(r)
	if err != nil {
		return err
	}
	p.Title, p.Nav = "过户 "+d.House.Code, "houses"
	p.Data = map[string]any{"D": d, "Rows": []int{0, 1, 2}, "IDTypes": IDTypes, "Categories": OwnerCategories}
	return h.t.Render(w, r, status, "transfer", p)
}

func (h *Handlers) transferPost(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	in := TransferInput{Date: r.FormValue("date"), Reason: strings.TrimSpace(r.FormValue("reason"))}
	for i := 0; i < transferRows; i++ {
		n := strconv.Itoa(i)
		if strings.TrimSpace(r.FormValue("name"+n)) == "" {
			continue
		}
		o := OwnerInput{Name: r.FormValue("name" + n), Phone: r.FormValue("phone" + n), IDType: r.FormValue("id_type" + n),
			IDNumber: r.FormValue("id_number" + n), Category: r.FormValue("category" + n)}
		in.Owners = append(in.Owners, ShareInput{Share: web.Text(r.FormValue("share" + n)), New: &o})
	}
	if _, err := h.S.Transfer(r.Context(), user(r), id, in); err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		return h.renderTransfer(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm, Errors: fieldErrors(err)})
	}
	return redirect(w, r, fmt.Sprintf("/houses/%d", id), "过户已完成，原业主保留在产权历史中")
}

func (h *Handlers) buildingUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.Building(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	floors, _ := strconv.Atoi(strings.TrimSpace(r.FormValue("floors")))
	b, err := h.S.UpdateBuilding(r.Context(), user(r), id, BuildingInput{Name: r.FormValue("name"), Floors: floors, Notes: cur.Notes})
	back := fmt.Sprintf("/communities/%d", cur.CommunityID)
	if e, ok := flashable(err); ok {
		return redirect(w, r, back, "未保存："+e.Message)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, back, "已保存楼栋 "+b.Name+"（房屋编码已随之更新）")
}

func (h *Handlers) unitUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.Unit(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	u, err := h.S.UpdateUnit(r.Context(), user(r), id, r.FormValue("name"))
	back := fmt.Sprintf("/communities/%d", cur.CommunityID)
	if e, ok := flashable(err); ok {
		return redirect(w, r, back, "未保存："+e.Message)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, back, "已保存单元 "+u.Name+"（房屋编码已随之更新）")
}
