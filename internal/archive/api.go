package archive

import (
	"net/http"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// apiRoutes registers the JSON API of API.md.
func (h *Handlers) apiRoutes(rt *web.Router) {
	rt.Handle("GET /api/v1/communities", auth.PermArchiveRead, h.apiCommunities)
	rt.Handle("POST /api/v1/communities", auth.PermCommunityAdmin, h.apiCommunityCreate)
	rt.Handle("GET /api/v1/communities/{id}", auth.PermArchiveRead, h.apiCommunity)
	rt.Handle("PUT /api/v1/communities/{id}", auth.PermCommunityAdmin, h.apiCommunityUpdate)
	rt.Handle("GET /api/v1/communities/{id}/structure", auth.PermArchiveRead, h.apiStructure)
	rt.Handle("POST /api/v1/buildings", auth.PermArchiveWrite, h.apiBuildingCreate)
	rt.Handle("GET /api/v1/buildings/{id}", auth.PermArchiveRead, h.apiBuilding)
	rt.Handle("PUT /api/v1/buildings/{id}", auth.PermArchiveWrite, h.apiBuildingUpdate)
	rt.Handle("POST /api/v1/units", auth.PermArchiveWrite, h.apiUnitCreate)
	rt.Handle("PUT /api/v1/units/{id}", auth.PermArchiveWrite, h.apiUnitUpdate)
	rt.Handle("GET /api/v1/units/{id}", auth.PermArchiveRead, h.apiUnit)

	rt.Handle("GET /api/v1/houses", auth.PermArchiveRead, h.apiHouses)
	rt.Handle("POST /api/v1/houses", auth.PermArchiveWrite, h.apiHouseCreate)
	rt.Handle("GET /api/v1/houses/{id}", auth.PermArchiveRead, h.apiHouse)
	rt.Handle("PUT /api/v1/houses/{id}", auth.PermArchiveWrite, h.apiHouseUpdate)
	rt.Handle("PATCH /api/v1/houses/{id}", auth.PermArchiveWrite, h.apiHouseUpdate)
	rt.Handle("POST /api/v1/houses/{id}/owners", auth.PermArchiveWrite, h.apiHouseOwnerAdd)
	rt.Handle("GET /api/v1/houses/{id}/owners/history", auth.PermArchiveRead, h.apiOwnershipHistory)
	rt.Handle("POST /api/v1/houses/{id}/owners/{link}/end", auth.PermArchiveTransfer, h.apiHouseOwnerEnd)
	rt.Handle("POST /api/v1/houses/{id}/transfer", auth.PermArchiveTransfer, h.apiTransfer)

	rt.Handle("GET /api/v1/owners", auth.PermArchiveRead, h.apiOwners)
	rt.Handle("POST /api/v1/owners", auth.PermArchiveWrite, h.apiOwnerCreate)
	rt.Handle("GET /api/v1/owners/{id}", auth.PermArchiveRead, h.apiOwner)
	rt.Handle("PUT /api/v1/owners/{id}", auth.PermArchiveWrite, h.apiOwnerUpdate)
	rt.Handle("PATCH /api/v1/owners/{id}", auth.PermArchiveWrite, h.apiOwnerUpdate)

	rt.Handle("GET /api/v1/residents", auth.PermArchiveRead, h.apiResidents)
	rt.Handle("POST /api/v1/residents", auth.PermArchiveWrite, h.apiResidentSave)
	rt.Handle("GET /api/v1/residents/{id}", auth.PermArchiveRead, h.apiResident)
	rt.Handle("PUT /api/v1/residents/{id}", auth.PermArchiveWrite, h.apiResidentSave)
	rt.Handle("PATCH /api/v1/residents/{id}", auth.PermArchiveWrite, h.apiResidentSave)

	rt.Handle("GET /api/v1/vehicles", auth.PermArchiveRead, h.apiVehicles)
	rt.Handle("POST /api/v1/vehicles", auth.PermArchiveWrite, h.apiVehicleSave)
	rt.Handle("GET /api/v1/vehicles/{id}", auth.PermArchiveRead, h.apiVehicle)
	rt.Handle("PUT /api/v1/vehicles/{id}", auth.PermArchiveWrite, h.apiVehicleSave)
	rt.Handle("PATCH /api/v1/vehicles/{id}", auth.PermArchiveWrite, h.apiVehicleSave)

	rt.Handle("GET /api/v1/search", auth.PermArchiveRead, h.apiSearch)
}

func user(r *http.Request) *auth.User { return auth.UserOf(r.Context()) }

func list[T any](w http.ResponseWriter, items []T, total int) error {
	if items == nil {
		items = []T{}
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

// maskOwner hides an owner's ID number and phones from roles that may
// not see them.
func maskOwner(u *auth.User, o *Owner) *Owner {
	if o != nil && !u.Can(auth.PermIDNumberView) {
		o.IDNumber = auth.MaskID(o.IDNumber)
	}
	if o != nil {
		o.Phone, o.Phone2 = u.ShowPhone(o.Phone), u.ShowPhone(o.Phone2)
		maskLinks(u, o.Houses)
	}
	return o
}

func maskResident(u *auth.User, r *Resident) *Resident {
	if r != nil && !u.Can(auth.PermIDNumberView) {
		r.IDNumber = auth.MaskID(r.IDNumber)
	}
	if r != nil {
		r.Phone = u.ShowPhone(r.Phone)
	}
	return r
}

func maskVehicle(u *auth.User, v *Vehicle) *Vehicle {
	if v != nil {
		v.Phone = u.ShowPhone(v.Phone)
	}
	return v
}

// maskLinks hides the owners' phones of ownership links.
func maskLinks(u *auth.User, ls []HouseOwner) []HouseOwner {
	for i := range ls {
		ls[i].Phone = u.ShowPhone(ls[i].Phone)
	}
	return ls
}

func maskHouse(u *auth.User, hs *House) *House {
	if hs != nil {
		maskLinks(u, hs.Owners)
	}
	return hs
}

func (h *Handlers) apiCommunities(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.S.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	return list(w, cs, len(cs))
}

func (h *Handlers) apiCommunity(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.S.Community(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, c)
}

func (h *Handlers) apiCommunityCreate(w http.ResponseWriter, r *http.Request) error {
	var in CommunityInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.S.CreateCommunity(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, c)
}

func (h *Handlers) apiCommunityUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.Community(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := CommunityInput{Name: cur.Name, Address: cur.Address, Type: cur.Type, TotalArea: web.Text(cur.TotalArea), Phone: cur.Phone, Notes: cur.Notes}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.S.UpdateCommunity(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, c)
}

func (h *Handlers) apiStructure(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	st, err := h.S.Structure(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	type b struct {
		*Building
		Units []*Unit `json:"units"`
	}
	out := []b{}
	for _, bl := range st.Buildings {
		us := st.Units[bl.ID]
		if us == nil {
			us = []*Unit{}
		}
		out = append(out, b{bl, us})
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"community": st.Community, "buildings": out})
}

func (h *Handlers) apiBuildingCreate(w http.ResponseWriter, r *http.Request) error {
	var in BuildingInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	b, err := h.S.CreateBuilding(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, b)
}

func (h *Handlers) apiBuilding(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.S.Building(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, b)
}

func (h *Handlers) apiBuildingUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.Building(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := BuildingInput{CommunityID: cur.CommunityID, Name: cur.Name, Floors: cur.Floors, Notes: cur.Notes}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	b, err := h.S.UpdateBuilding(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, b)
}

func (h *Handlers) apiUnitUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.Unit(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := UnitInput{BuildingID: cur.BuildingID, Name: cur.Name}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	u, err := h.S.UpdateUnit(r.Context(), user(r), id, in.Name)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

func (h *Handlers) apiUnitCreate(w http.ResponseWriter, r *http.Request) error {
	var in UnitInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	u, err := h.S.CreateUnit(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, u)
}

func (h *Handlers) apiUnit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	u, err := h.S.Unit(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

// HouseFilterOf reads a house list's filters from the query string.
func HouseFilterOf(r *http.Request) (HouseFilter, error) {
	q := r.URL.Query()
	f := HouseFilter{Status: q.Get("status"), Use: q.Get("use"), Q: q.Get("q")}
	var err error
	if f.CommunityID, err = web.QueryID(r, "community_id"); err != nil {
		return f, err
	}
	if f.BuildingID, err = web.QueryID(r, "building_id"); err != nil {
		return f, err
	}
	if f.UnitID, err = web.QueryID(r, "unit_id"); err != nil {
		return f, err
	}
	p := web.PagingOf(r)
	f.Limit, f.Offset = p.PerPage, p.Offset()
	return f, nil
}

func (h *Handlers) apiHouses(w http.ResponseWriter, r *http.Request) error {
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
	return list(w, hs, total)
}

func (h *Handlers) apiHouse(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	hs, err := h.S.House(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	if hs.Owners == nil {
		hs.Owners = []HouseOwner{}
	}
	return web.WriteJSON(w, http.StatusOK, maskHouse(user(r), hs))
}

func (h *Handlers) apiHouseCreate(w http.ResponseWriter, r *http.Request) error {
	var in HouseInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	hs, err := h.S.CreateHouse(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	if hs.Owners == nil {
		hs.Owners = []HouseOwner{}
	}
	return web.WriteJSON(w, http.StatusCreated, hs)
}

func (h *Handlers) apiHouseUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.House(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := HouseInputOf(cur)
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	hs, err := h.S.UpdateHouse(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, hs)
}

func (h *Handlers) apiHouseOwnerAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	var in ShareInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	l, err := h.S.AddHouseOwner(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, l)
}

func (h *Handlers) apiHouseOwnerEnd(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	link, err := web.ID(r, "link")
	if err != nil {
		return err
	}
	var in struct{ Reason string }
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.S.EndHouseOwner(r.Context(), user(r), id, link, in.Reason); err != nil {
		return err
	}
	return h.apiHouse(w, r)
}

func (h *Handlers) apiOwnershipHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	ls, err := h.S.OwnershipHistory(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return list(w, maskLinks(user(r), ls), len(ls))
}

func (h *Handlers) apiTransfer(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	var in TransferInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	hs, err := h.S.Transfer(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, hs)
}

func (h *Handlers) apiSearch(w http.ResponseWriter, r *http.Request) error {
	hits, err := h.search(r, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": hits, "total": len(hits)})
}
