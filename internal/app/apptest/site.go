package apptest

import (
	"context"
	"net/http/httptest"
	"testing"

	"wuye/internal/app"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// SitePassword is the password of every user a Site creates.
const SitePassword = "Cuihu2026"

// Site is a wired app on a fresh SQLite database of its own, served over
// real HTTP, with an admin and the community 翠湖花园 (3栋 2单元): the
// stage of a browser test, which signs in through the login form.
type Site struct {
	T         testing.TB
	App       *app.App
	URL       string
	Admin     *auth.User
	Community *archive.Community
	Building  *archive.Building
	Unit      *archive.Unit
}

// NewSite builds the site; tune, if given, adjusts the app (a clock,
// say) before it serves.
func NewSite(t testing.TB, tune ...func(a *app.App)) *Site {
	t.Helper()
	ctx := context.Background()
	a := NewApp(t, FreshDB(t, db.SQLite))
	for _, fn := range tune {
		fn(a)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	s := &Site{T: t, App: a, URL: srv.URL}
	var err error
	s.Admin, err = a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "admin", Name: "系统管理员", Role: auth.RoleAdmin}, SitePassword)
	s.Must(err)
	s.Community, err = a.Archive.CreateCommunity(ctx, s.Admin, archive.CommunityInput{Name: "翠湖花园", Address: "翠湖路88号",
		Type: "住宅", Phone: "0571-88886666"})
	s.Must(err)
	s.Building, err = a.Archive.CreateBuilding(ctx, s.Admin, archive.BuildingInput{CommunityID: s.Community.ID, Name: "3", Floors: 18})
	s.Must(err)
	s.Unit, err = a.Archive.CreateUnit(ctx, s.Admin, archive.UnitInput{BuildingID: s.Building.ID, Name: "2"})
	s.Must(err)
	return s
}

// Must fails the test on a fixture error.
func (s *Site) Must(err error) {
	s.T.Helper()
	if err != nil {
		s.T.Fatalf("fixture: %v", err)
	}
}

// User creates a user of role scoped to the community (or, for
// dept_staff, to 工程部 as well), with SitePassword.
func (s *Site) User(login, name string, role auth.Role) *auth.User {
	s.T.Helper()
	in := auth.UserInput{Login: login, Name: name, Role: role, Communities: []int64{s.Community.ID}}
	if role == auth.RoleDeptStaff {
		in.Department = "工程部"
	}
	u, err := s.App.Auth.CreateUser(context.Background(), nil, in, SitePassword)
	s.Must(err)
	return u
}

// House creates house 3-2-number on floor (89.50 m², 住宅) with status.
func (s *Site) House(number string, floor int, status string) *archive.House {
	s.T.Helper()
	h, err := s.App.Archive.CreateHouse(context.Background(), s.Admin, archive.HouseInput{UnitID: s.Unit.ID, Number: number,
		Floor: floor, GrossArea: "89.50", Use: "住宅", Status: status})
	s.Must(err)
	return h
}

// Owner creates an owner (普通) of the community holding h at 100%.
func (s *Site) Owner(h *archive.House, name, phone string) *archive.Owner {
	s.T.Helper()
	ctx := context.Background()
	o, err := s.App.Archive.CreateOwner(ctx, s.Admin, archive.OwnerInput{CommunityID: s.Community.ID, Name: name, Phone: phone,
		Category: "普通"})
	s.Must(err)
	_, err = s.App.Archive.AddHouseOwner(ctx, s.Admin, h.ID, archive.ShareInput{OwnerID: o.ID, Share: "100"})
	s.Must(err)
	return o
}
