package archive_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

func TestOwnerValidation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, agent := f.App.Archive, f.Users[auth.RoleCSAgent]
		a := f.A.Community.ID
		good := apptest.IDNumber()
		badSum := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
		tests := []struct {
			name  string
			in    archive.OwnerInput
			code  errs.Code
			field string
		}{
			{"missing name", archive.OwnerInput{CommunityID: a, Phone: apptest.Phone()}, errs.CodeInvalid, "name"},
			{"bad ID checksum", archive.OwnerInput{CommunityID: a, Name: "王五", IDNumber: badSum}, errs.CodeInvalid, "id_number"},
			{"short ID", archive.OwnerInput{CommunityID: a, Name: "王五", IDNumber: "11010519800101"}, errs.CodeInvalid, "id_number"},
			{"bad mobile", archive.OwnerInput{CommunityID: a, Name: "王五", Phone: "1381234567"}, errs.CodeInvalid, "phone"},
			{"letters as phone", archive.OwnerInput{CommunityID: a, Name: "王五", Phone: "call me"}, errs.CodeInvalid, "phone"},
			{"unknown category", archive.OwnerInput{CommunityID: a, Name: "王五", Category: "土豪"}, errs.CodeInvalid, "category"},
			{"no community", archive.OwnerInput{Name: "王五"}, errs.CodeInvalid, "community_id"},
			{"unknown community", archive.OwnerInput{CommunityID: 987654321, Name: "王五"}, errs.CodeInvalid, "community_id"},
			{"foreign community", archive.OwnerInput{CommunityID: f.B.Community.ID, Name: "王五"}, errs.CodeForbidden, ""},
			{"duplicate ID number", archive.OwnerInput{CommunityID: a, Name: "张叁", IDNumber: f.A.Owner.IDNumber}, errs.CodeConflict, "id_number"},
		}
		n := countRows(t, f.DB, "owners", "")
		for _, tt := range tests {
			_, err := s.CreateOwner(ctx, agent, tt.in)
			wantErr(t, tt.name, err, tt.code, tt.field)
		}
		if got := countRows(t, f.DB, "owners", ""); got != n {
			t.Errorf("refused owners were written: %d", got-n)
		}
		// Phones are kept normalised; a passport is not checked as a 身份证.
		o, err := s.CreateOwner(ctx, agent, archive.OwnerInput{CommunityID: a, Name: "王五", Phone: "+86 139 0000 1111",
			IDType: "护照", IDNumber: "e12345678", Category: "vip"})
		if err != nil || o.Phone != "13900001111" || o.IDNumber != "E12345678" || o.Category != "VIP" {
			t.Errorf("valid owner: %+v %v", o, err)
		}
		// The same person may own in another community.
		admin := f.Users[auth.RoleAdmin]
		if _, err := s.CreateOwner(ctx, admin, archive.OwnerInput{CommunityID: f.B.Community.ID, Name: "张三", IDNumber: f.A.Owner.IDNumber}); err != nil {
			t.Errorf("same ID number in another community: %v", err)
		}
		// Editing another owner onto an existing number conflicts too.
		in := archive.OwnerInputOf(o)
		in.IDType, in.IDNumber = "身份证", f.A.Owner.IDNumber
		_, err = s.UpdateOwner(ctx, agent, o.ID, in)
		wantErr(t, "update onto a taken ID number", err, errs.CodeConflict, "id_number")
		in = archive.OwnerInputOf(o)
		in.CommunityID = f.B.Community.ID
		_, err = s.UpdateOwner(ctx, admin, o.ID, in)
		wantErr(t, "move an owner to another community", err, errs.CodeInvalid, "community_id")
	})
}

// newHouse adds a house with no owner to A's unit.
func newHouse(t *testing.T, f *apptest.Fixture, number string) *archive.House {
	t.Helper()
	h, err := f.App.Archive.CreateHouse(ctx, f.Users[auth.RoleCSManager], archive.HouseInput{UnitID: f.A.Unit.ID, Number: number, GrossArea: "100"})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newOwner(t *testing.T, f *apptest.Fixture, communityID int64, name string) *archive.Owner {
	t.Helper()
	o, err := f.App.Archive.CreateOwner(ctx, f.Users[auth.RoleAdmin], archive.OwnerInput{CommunityID: communityID, Name: name,
		Phone: apptest.Phone(), IDNumber: apptest.IDNumber()})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCoOwnersShareAtMostAHundredPercent(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, agent := f.App.Archive, f.Users[auth.RoleCSAgent]
		h := newHouse(t, f, "1501")
		husband, wife, third := newOwner(t, f, f.A.Community.ID, "陈大文"), newOwner(t, f, f.A.Community.ID, "林小美"), newOwner(t, f, f.A.Community.ID, "周三")
		if _, err := s.AddHouseOwner(ctx, agent, h.ID, archive.ShareInput{OwnerID: husband.ID, Share: "50"}); err != nil {
			t.Fatal(err)
		}
		l, err := s.AddHouseOwner(ctx, agent, h.ID, archive.ShareInput{OwnerID: wife.ID, Share: "50%"})
		if err != nil || l.OwnerID != wife.ID || l.Share != "50.00" || !l.Active {
			t.Fatalf("second co-owner: %+v %v", l, err)
		}
		links := countRows(t, f.DB, "house_owners", "house_id = $1", h.ID)
		_, err = s.AddHouseOwner(ctx, agent, h.ID, archive.ShareInput{OwnerID: third.ID, Share: "10"})
		wantErr(t, "third owner beyond 100%", err, errs.CodeInvalid, "share")
		_, err = s.AddHouseOwner(ctx, agent, h.ID, archive.ShareInput{OwnerID: third.ID})
		wantErr(t, "third owner with the rest (nothing)", err, errs.CodeInvalid, "share")
		_, err = s.AddHouseOwner(ctx, agent, h.ID, archive.ShareInput{OwnerID: wife.ID, Share: "1"})
		wantErr(t, "same owner twice", err, errs.CodeConflict, "owner_id")
		for _, bad := range []string{"0", "-5", "101", "abc", "33.333"} {
			_, err = s.AddHouseOwner(ctx, agent, h.ID, archive.ShareInput{OwnerID: third.ID, Share: web.Text(bad)})
			wantErr(t, "share "+bad, err, errs.CodeInvalid, "share")
		}
		_, err = s.AddHouseOwner(ctx, agent, h.ID, archive.ShareInput{OwnerID: f.B.Owner.ID, Share: "1"})
		wantErr(t, "owner of another community", err, errs.CodeInvalid, "owner_id")
		_, err = s.AddHouseOwner(ctx, agent, f.B.House.ID, archive.ShareInput{OwnerID: f.B.Owner.ID, Share: "1"})
		wantErr(t, "foreign house", err, errs.CodeForbidden, "")
		if got := countRows(t, f.DB, "house_owners", "house_id = $1", h.ID); got != links {
			t.Errorf("refused links were written: %d", got-links)
		}
		got, err := s.House(ctx, agent, h.ID)
		if err != nil || len(got.Owners) != 2 {
			t.Fatalf("house owners: %+v %v", got, err)
		}
		// Without a share, a first owner takes the whole house.
		h2 := newHouse(t, f, "1502")
		if l, err := s.AddHouseOwner(ctx, agent, h2.ID, archive.ShareInput{OwnerID: third.ID}); err != nil || l.Share != "100.00" {
			t.Errorf("sole owner: %+v %v", l, err)
		}
	})
}

func TestTransferKeepsThePreviousOwnersInHistory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, mgr := f.App.Archive, f.Users[auth.RoleCSManager]
		h := newHouse(t, f, "1601")
		seller1, seller2 := newOwner(t, f, f.A.Community.ID, "卖家甲"), newOwner(t, f, f.A.Community.ID, "卖家乙")
		buyer := newOwner(t, f, f.A.Community.ID, "买家丙")
		for _, o := range []*archive.Owner{seller1, seller2} {
			if _, err := s.AddHouseOwner(ctx, mgr, h.ID, archive.ShareInput{OwnerID: o.ID, Share: "50"}); err != nil {
				t.Fatal(err)
			}
		}
		before := auditRows(t, f.DB, "house", h.ID)

		// Refusals first: nothing may change.
		_, err := s.Transfer(ctx, f.Users[auth.RoleCSAgent], h.ID, archive.TransferInput{Owners: []archive.ShareInput{{OwnerID: buyer.ID, Share: "100"}}})
		wantErr(t, "agent transfers", err, errs.CodeForbidden, "")
		_, err = s.Transfer(ctx, mgr, h.ID, archive.TransferInput{Owners: []archive.ShareInput{{OwnerID: buyer.ID, Share: "60"}}})
		wantErr(t, "shares not 100%", err, errs.CodeInvalid, "share")
		_, err = s.Transfer(ctx, mgr, h.ID, archive.TransferInput{})
		wantErr(t, "no new owner", err, errs.CodeInvalid, "owners")
		_, err = s.Transfer(ctx, mgr, h.ID, archive.TransferInput{Date: "2026-02-30", Owners: []archive.ShareInput{{OwnerID: buyer.ID}}})
		wantErr(t, "impossible date", err, errs.CodeInvalid, "date")
		_, err = s.Transfer(ctx, mgr, h.ID, archive.TransferInput{Owners: []archive.ShareInput{{OwnerID: f.B.Owner.ID}}})
		wantErr(t, "buyer of another community", err, errs.CodeInvalid, "owners")
		_, err = s.Transfer(ctx, mgr, f.B.House.ID, archive.TransferInput{Owners: []archive.ShareInput{{OwnerID: f.B.Owner.ID}}})
		wantErr(t, "foreign house", err, errs.CodeForbidden, "")
		if got := auditRows(t, f.DB, "house", h.ID); got != before {
			t.Fatalf("refused transfers were audited")
		}
		if cur, _ := s.House(ctx, mgr, h.ID); len(cur.Owners) != 2 {
			t.Fatalf("refused transfers changed the owners: %+v", cur.Owners)
		}

		got, err := s.Transfer(ctx, mgr, h.ID, archive.TransferInput{Date: "2026-03-01", Reason: "买卖",
			Owners: []archive.ShareInput{{OwnerID: buyer.ID, Share: "100"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Owners) != 1 || got.Owners[0].OwnerID != buyer.ID || got.Owners[0].Since != "2026-03-01" || got.Owners[0].Share != "100.00" {
			t.Errorf("owners after transfer: %+v", got.Owners)
		}
		hist, err := s.OwnershipHistory(ctx, mgr, h.ID)
		if err != nil || len(hist) != 3 {
			t.Fatalf("history: %+v %v", hist, err)
		}
		if !hist[0].Active || hist[0].OwnerID != buyer.ID {
			t.Errorf("current owner first: %+v", hist[0])
		}
		for _, l := range hist[1:] {
			if l.Active || l.Until != "2026-03-01" || l.EndReason != "买卖" || (l.OwnerID != seller1.ID && l.OwnerID != seller2.ID) {
				t.Errorf("ended link: %+v", l)
			}
		}
		// The sellers still list the house among their past houses.
		o, _ := s.Owner(ctx, mgr, seller1.ID)
		if len(o.Houses) != 1 || o.Houses[0].Active || o.Houses[0].HouseID != h.ID {
			t.Errorf("seller's houses: %+v", o.Houses)
		}
		if got := auditRows(t, f.DB, "house", h.ID); got != before+1 {
			t.Fatalf("transfer wrote %d audit entries, want 1", got-before)
		}
		es, _ := audit.History(ctx, f.DB, "house", h.ID)
		e := es[0]
		if e.Action != audit.ActionTransfer || e.UserID != mgr.ID {
			t.Errorf("audit entry: %+v", e)
		}
		var b, a struct {
			Owners []string `json:"owners"`
			Date   string   `json:"date"`
			Reason string   `json:"reason"`
		}
		json.Unmarshal(e.Before, &b)
		json.Unmarshal(e.After, &a)
		if len(b.Owners) != 2 || !strings.HasPrefix(b.Owners[0], "卖家") || len(a.Owners) != 1 || !strings.HasPrefix(a.Owners[0], "买家丙") ||
			a.Date != "2026-03-01" || a.Reason != "买卖" {
			t.Errorf("audit before %+v after %+v", b, a)
		}
	})
}

func TestEndingALinkKeepsItInHistory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, dir := f.App.Archive, f.Users[auth.RoleDirector]
		err := s.EndHouseOwner(ctx, dir, f.A.House.ID, f.A.Link.ID, "")
		wantErr(t, "no reason", err, errs.CodeInvalid, "reason")
		err = s.EndHouseOwner(ctx, dir, f.B.House.ID, f.B.Link.ID, "登记错误")
		wantErr(t, "foreign house", err, errs.CodeForbidden, "")
		if err := s.EndHouseOwner(ctx, dir, f.A.House.ID, f.A.Link.ID, "登记错误"); err != nil {
			t.Fatal(err)
		}
		err = s.EndHouseOwner(ctx, dir, f.A.House.ID, f.A.Link.ID, "登记错误")
		wantErr(t, "end twice", err, errs.CodeNotFound, "")
		h, _ := s.House(ctx, dir, f.A.House.ID)
		hist, _ := s.OwnershipHistory(ctx, dir, f.A.House.ID)
		if len(h.Owners) != 0 || len(hist) != 1 || hist[0].EndReason != "登记错误" || hist[0].Until == "" {
			t.Errorf("owners %+v history %+v", h.Owners, hist)
		}
		es, _ := audit.History(ctx, f.DB, "house", f.A.House.ID)
		if !slices.ContainsFunc(es, func(e audit.Entry) bool { return e.Action == "end" && e.UserID == dir.ID }) {
			t.Errorf("ending is not audited: %+v", es)
		}
	})
}
