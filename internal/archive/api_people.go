package archive

import (
	"net/http"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// The JSON API of owners, residents and vehicles.

// OwnerFilterOf reads an owner list's filters.
func OwnerFilterOf(r *http.Request) (OwnerFilter, error) {
	f := OwnerFilter{Category: r.URL.Query().Get("category"), Q: r.URL.Query().Get("q")}
	var err error
	if f.CommunityID, err = web.QueryID(r, "community_id"); err != nil {
		return f, err
	}
	p := web.PagingOf(r)
	f.Limit, f.Offset = p.PerPage, p.Offset()
	return f, nil
}

func (h *Handlers) apiOwners(w http.ResponseWriter, r *http.Request) error {
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
	return list(w, os, total)
}

func (h *Handlers) apiOwner(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	o, err := h.S.Owner(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, maskOwner(user(r), o))
}

func (h *Handlers) apiOwnerCreate(w http.ResponseWriter, r *http.Request) error {
	var in OwnerInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	o, err := h.S.CreateOwner(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, maskOwner(user(r), o))
}

func (h *Handlers) apiOwnerUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := h.S.Owner(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := OwnerInputOf(cur)
	masked := auth.MaskID(in.IDNumber)
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if !user(r).Can(auth.PermIDNumberView) && in.IDNumber == masked {
		// A client that cannot see the number echoes the masked value back.
		in.IDNumber = cur.IDNumber
	}
	o, err := h.S.UpdateOwner(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, maskOwner(user(r), o))
}

// PeopleFilterOf reads a resident or vehicle list's filters.
func PeopleFilterOf(r *http.Request) (PeopleFilter, error) {
	q := r.URL.Query()
	f := PeopleFilter{Kind: q.Get("kind"), Q: q.Get("q"), Current: q.Get("all") == "", Expiring: q.Get("lease") == "expiring"}
	var err error
	if f.CommunityID, err = web.QueryID(r, "community_id"); err != nil {
		return f, err
	}
	if f.HouseID, err = web.QueryID(r, "house_id"); err != nil {
		return f, err
	}
	p := web.PagingOf(r)
	f.Limit, f.Offset = p.PerPage, p.Offset()
	return f, nil
}

func (h *Handlers) apiResidents(w http.ResponseWriter, r *http.Request) error {
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
	return list(w, rs, total)
}

func (h *Handlers) apiResident(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	x, err := h.S.Resident(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, maskResident(user(r), x))
}

func (h *Handlers) apiResidentSave(w http.ResponseWriter, r *http.Request) error {
	var id int64
	var in ResidentInput
	var real string
	status := http.StatusCreated
	if r.PathValue("id") != "" {
		var err error
		if id, err = web.ID(r, "id"); err != nil {
			return err
		}
		cur, err := h.S.Resident(r.Context(), user(r), id)
		if err != nil {
			return err
		}
		in, status = ResidentInputOf(cur), http.StatusOK
		real = cur.IDNumber
	}
	masked := auth.MaskID(real)
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if real != "" && !user(r).Can(auth.PermIDNumberView) && in.IDNumber == masked {
		in.IDNumber = real // the client echoed the masked number back
	}
	x, err := h.S.SaveResident(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, status, maskResident(user(r), x))
}

func (h *Handlers) apiVehicles(w http.ResponseWriter, r *http.Request) error {
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
	return list(w, vs, total)
}

func (h *Handlers) apiVehicle(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.S.Vehicle(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, maskVehicle(user(r), v))
}

func (h *Handlers) apiVehicleSave(w http.ResponseWriter, r *http.Request) error {
	var id int64
	var in VehicleInput
	status := http.StatusCreated
	if r.PathValue("id") != "" {
		var err error
		if id, err = web.ID(r, "id"); err != nil {
			return err
		}
		cur, err := h.S.Vehicle(r.Context(), user(r), id)
		if err != nil {
			return err
		}
		in, status = VehicleInputOf(cur), http.StatusOK
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.S.SaveVehicle(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, status, v)
}
