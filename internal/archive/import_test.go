package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
)

// xlsxOf writes rows under the import template's header.
func xlsxOf(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	w := excel.NewWriter()
	if err := w.Sheet("房屋业主", archive.HouseColumns); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hrow is one template row; owner columns follow the house columns.
func hrow(b, u, n string, gross string, use, status string, owner ...string) []any {
	r := []any{b, u, n, "", gross, "", use, status, "2020-06-30"}
	for len(owner) < 6 {
		owner = append(owner, "")
	}
	for _, o := range owner {
		r = append(r, o)
	}
	return append(r, "")
}

// tally counts a community's archive rows and audit entries.
type tally struct{ buildings, units, houses, owners, links, activeLinks, audit int }

func tallyOf(t *testing.T, d *db.DB, communityID int64) tally {
	t.Helper()
	n := func(q string) int {
		var v int
		if err := d.QueryRow(q, communityID).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	return tally{
		buildings:   n(`SELECT count(*) FROM buildings WHERE community_id = $1`),
		units:       n(`SELECT count(*) FROM units WHERE community_id = $1`),
		houses:      n(`SELECT count(*) FROM houses WHERE community_id = $1`),
		owners:      n(`SELECT count(*) FROM owners WHERE community_id = $1`),
		links:       n(`SELECT count(*) FROM house_owners WHERE community_id = $1`),
		activeLinks: n(`SELECT count(*) FROM house_owners WHERE community_id = $1 AND active`),
		audit:       n(`SELECT count(*) FROM audit_log WHERE community_id = $1`),
	}
}

func newCommunity(t *testing.T, f *apptest.Fixture, name string) int64 {
	t.Helper()
	c, err := f.App.Archive.CreateCommunity(context.Background(), f.Users[auth.RoleAdmin],
		archive.CommunityInput{Name: name + f.Suffix, Type: "住宅"})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func importFile(t *testing.T, s *archive.Service, by *auth.User, cid int64, file []byte, commit bool) *archive.ImportReport {
	t.Helper()
	rep, err := s.ImportHouses(context.Background(), by, cid, bytes.NewReader(file), commit)
	if err != nil {
		if rep != nil {
			t.Fatalf("import: %v: %v", err, rep.Errors)
		}
		t.Fatalf("import: %v", err)
	}
	return rep
}

func counts(r *archive.ImportReport) string {
	return fmt.Sprintf("rows=%d new=%d upd=%d same=%d owners+%d owners~%d b+%d u+%d", r.Rows, r.NewHouses, r.UpdatedHouses,
		r.Unchanged, r.NewOwners, r.UpdatedOwners, r.NewBuildings, r.NewUnits)
}

// sampleFile: five houses in three buildings, four owners, one of them
// owning two houses, one house with two co-owners, one house without.
func sampleFile(t *testing.T, zhang string) []byte {
	return xlsxOf(t,
		hrow("1", "1", "101", "89.50", "住宅", "自住", "张三", "13800138000", "身份证", zhang, "VIP", "100"),
		hrow("1", "1", "102", "120", "住宅", "出租", "李四", "13900139000", "", "", "", ""),
		hrow("1", "1", "102", "", "", "", "王五", "13700137000"),
		hrow("1", "2", "201", "60.25", "", "空置"),
		hrow("2", "1", "101", "45.5", "商铺", "已入住", "张三", "", "", zhang),
		hrow("3", "1", "B1", "12.00", "车位", "", "赵六", "010-12345678", "护照", "E12345678"),
	)
}

func TestImportCleanFileCreatesHousesOwnersAndStructure(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, admin := f.App.Archive, f.Users[auth.RoleAdmin]
		cid := newCommunity(t, f, "导入苑")
		zhang := apptest.IDNumber()
		file := sampleFile(t, zhang)

		base := tallyOf(t, f.DB, cid) // the community's own creation entry
		// The preview says what a commit would do and writes nothing.
		rep := importFile(t, s, admin, cid, file, false)
		want := "rows=6 new=5 upd=0 same=0 owners+4 owners~0 b+3 u+4"
		if counts(rep) != want || rep.Committed {
			t.Fatalf("preview: %s committed=%v, want %s", counts(rep), rep.Committed, want)
		}
		if got := tallyOf(t, f.DB, cid); got != base {
			t.Fatalf("preview wrote %+v", got)
		}

		rep = importFile(t, s, admin, cid, file, true)
		if counts(rep) != want || !rep.Committed {
			t.Fatalf("commit: %s committed=%v", counts(rep), rep.Committed)
		}
		got := tallyOf(t, f.DB, cid)
		// 3 buildings + 4 units + 4 owners + 5 houses, each one "import" entry.
		if wantT := (tally{buildings: 3, units: 4, houses: 5, owners: 4, links: 5, activeLinks: 5, audit: base.audit + 16}); got != wantT {
			t.Fatalf("after commit %+v, want %+v", got, wantT)
		}
		var other int
		f.DB.QueryRow(`SELECT count(*) FROM audit_log WHERE community_id = $1 AND action <> 'import'`, cid).Scan(&other)
		if other != base.audit {
			t.Errorf("%d audit entries with an action other than import", other)
		}

		hs, total, err := s.Houses(context.Background(), admin, archive.HouseFilter{CommunityID: cid, Limit: 50})
		if err != nil || total != 5 {
			t.Fatalf("houses: %d %v", total, err)
		}
		by := map[string]*archive.House{}
		for _, h := range hs {
			by[h.Code] = h
		}
		h := by["1-1-102"]
		if h == nil || h.GrossArea != "120.00" || h.Status != "出租" || h.Use != "住宅" || len(h.Owners) != 2 ||
			h.Owners[0].Share != "50.00" || h.Owners[1].Share != "50.00" {
			t.Errorf("1-1-102 with co-owners: %+v", h)
		}
		if h := by["1-2-201"]; h == nil || len(h.Owners) != 0 || h.GrossArea != "60.25" || h.Use != "住宅" {
			t.Errorf("1-2-201 without owner: %+v", h)
		}
		if h := by["3-1-B1"]; h == nil || h.Use != "车位" || h.Status != "空置" || h.Owners[0].Name != "赵六" {
			t.Errorf("3-1-B1 defaults: %+v", h)
		}
		// 张三 owns two houses: one owner, found by the ID number.
		a, b := by["1-1-101"], by["2-1-101"]
		if a == nil || b == nil || a.Owners[0].OwnerID != b.Owners[0].OwnerID || b.Owners[0].Share != "100.00" {
			t.Fatalf("张三's houses: %+v %+v", a, b)
		}
		o, err := s.Owner(context.Background(), admin, a.Owners[0].OwnerID)
		if err != nil || o.IDNumber != zhang || o.Category != "VIP" || o.Phone != "13800138000" || len(o.Houses) != 2 {
			t.Errorf("张三: %+v %v", o, err)
		}
		// Imported owners are found by the one-box search like any other.
		hits, err := s.Search(context.Background(), admin, "zhaoliu")
		if err != nil || len(hits) == 0 {
			t.Errorf("search imported owner: %v %v", hits, err)
		}
	})
}

func TestImportReportsEveryBadRowAndWritesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, admin := f.App.Archive, f.Users[auth.RoleAdmin]
		cid := f.A.Community.ID
		file := xlsxOf(t,
			hrow("5", "1", "101", "89.50", "住宅", "自住", "钱七", "13800138001"),                // row 2: fine
			hrow("5", "1", "102", "-3", "住宅", "自住"),                                        // row 3: negative area
			hrow("5", "1", "103", "70", "别墅", "自住"),                                        // row 4: unknown use
			hrow("5", "1", "104", "70", "住宅", "自住", "孙八", "", "身份证", "110105199001011234"), // row 5: bad check digit
			hrow("5", "1", "101", "90.00", "住宅", "自住", "周九"),                               // row 6: same house as row 2, other area
			hrow("5", "1", "", "70", "住宅", "自住"),                                           // row 7: no number
			hrow("5", "1", "105", "70", "住宅", "自住", "吴十", "", "", "", "", "60"),            // row 8: shares 60%
		)
		before := tallyOf(t, f.DB, cid)
		for _, commit := range []bool{false, true} {
			rep, err := s.ImportHouses(context.Background(), admin, cid, bytes.NewReader(file), commit)
			if errs.CodeOf(err) != errs.CodeInvalid || rep == nil || rep.Committed {
				t.Fatalf("commit=%v: err %v, report %+v", commit, err, rep)
			}
			var got []string
			for _, e := range rep.Errors {
				got = append(got, fmt.Sprintf("%d/%s", e.Row, e.Column))
				if e.Reason == "" {
					t.Errorf("row %d %s without a reason", e.Row, e.Column)
				}
			}
			want := []string{"3/建筑面积", "4/用途", "5/证件号码", "6/建筑面积", "7/房号", "8/产权份额(%)"}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("commit=%v errors %v, want %v\n%v", commit, got, want, rep.Errors)
			}
			for _, e := range rep.Errors {
				if e.Row == 6 && !strings.Contains(e.Reason, "第 2 行") {
					t.Errorf("conflict does not name the first row: %s", e.Reason)
				}
				if e.Row == 3 && e.Reason != "面积不能为负数" {
					t.Errorf("negative area reason: %s", e.Reason)
				}
			}
			if after := tallyOf(t, f.DB, cid); after != before {
				t.Errorf("commit=%v: a bad file wrote: %+v → %+v", commit, before, after)
			}
		}

		// A file without the template's columns, and a file that is no xlsx.
		rep, err := s.ImportHouses(context.Background(), admin, cid, bytes.NewReader(xlsxOfHeader(t, "楼栋", "单元", "房号")), true)
		if errs.CodeOf(err) != errs.CodeInvalid || len(rep.Errors) != 13 || rep.Errors[0].Row != 1 {
			t.Errorf("missing columns: %v %+v", err, rep)
		}
		rep, err = s.ImportHouses(context.Background(), admin, cid, strings.NewReader("楼栋,单元,房号\n"), true)
		if errs.CodeOf(err) != errs.CodeInvalid || len(rep.Errors) != 1 || rep.Errors[0].Row != 0 {
			t.Errorf("csv: %v %+v", err, rep)
		}
	})
}

func xlsxOfHeader(t *testing.T, headers ...string) []byte {
	w := excel.NewWriter()
	var cols []excel.Column
	for _, h := range headers {
		cols = append(cols, excel.Column{Header: h})
	}
	w.Sheet("x", cols)
	w.Row("1", "1", "101")
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReimportChangesNothingAndAChangedCellUpdatesOneHouse(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, admin := f.App.Archive, f.Users[auth.RoleAdmin]
		cid := newCommunity(t, f, "重导苑")
		zhang := apptest.IDNumber()
		importFile(t, s, admin, cid, sampleFile(t, zhang), true)
		before := tallyOf(t, f.DB, cid)

		rep := importFile(t, s, admin, cid, sampleFile(t, zhang), true)
		if want := "rows=6 new=0 upd=0 same=5 owners+0 owners~0 b+0 u+0"; counts(rep) != want {
			t.Errorf("reimport: %s, want %s", counts(rep), want)
		}
		if after := tallyOf(t, f.DB, cid); after != before {
			t.Errorf("reimport wrote: %+v → %+v", before, after)
		}

		// One changed area: one house updated, one audit entry before → after.
		changed := xlsxOf(t,
			hrow("1", "1", "101", "89.50", "住宅", "自住", "张三", "13800138000", "身份证", zhang, "VIP", "100"),
			hrow("1", "1", "102", "121.30", "住宅", "出租", "李四", "13900139000"),
			hrow("1", "1", "102", "", "", "", "王五", "13700137000"),
			hrow("1", "2", "201", "60.25", "", "空置"),
			hrow("2", "1", "101", "45.5", "商铺", "已入住", "张三", "", "", zhang),
			hrow("3", "1", "B1", "12.00", "车位", "", "赵六", "010-12345678", "护照", "E12345678"),
		)
		rep = importFile(t, s, admin, cid, changed, true)
		if want := "rows=6 new=0 upd=1 same=4 owners+0 owners~0 b+0 u+0"; counts(rep) != want {
			t.Errorf("changed area: %s, want %s", counts(rep), want)
		}
		after := tallyOf(t, f.DB, cid)
		if after.audit != before.audit+1 || after.houses != before.houses || after.links != before.links {
			t.Errorf("changed area: %+v → %+v", before, after)
		}
		var id int64
		var action, b, a string
		f.DB.QueryRow(`SELECT entity_id, action, before_json, after_json FROM audit_log WHERE community_id = $1 ORDER BY id DESC LIMIT 1`,
			cid).Scan(&id, &action, &b, &a)
		h, err := s.House(context.Background(), admin, id)
		if err != nil || h.Code != "1-1-102" || h.GrossArea != "121.30" || action != "import" ||
			!strings.Contains(b, `"gross_area":"120.00"`) || !strings.Contains(a, `"gross_area":"121.30"`) {
			t.Errorf("audit of the change: %v %s %s → %s (%+v)", err, action, b, a, h)
		}
	})
}

func TestImportReplacesAHousesOwnersAndKeepsHistory(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, admin := f.App.Archive, f.Users[auth.RoleAdmin]
		a := f.A
		// 3-2-1201 belongs to 张三 (100%); the file gives it to 张三 and 刘一.
		file := xlsxOf(t,
			hrow("3", "2", "1201", "89.50", "住宅", "自住", "张三", a.Owner.Phone, "身份证", a.Owner.IDNumber, "普通", "70"),
			hrow("3", "2", "1201", "", "", "", "刘一", "13600136000", "", "", "", "30"),
		)
		before := tallyOf(t, f.DB, a.Community.ID)
		rep := importFile(t, s, admin, a.Community.ID, file, true)
		if want := "rows=2 new=0 upd=1 same=0 owners+1 owners~0 b+0 u+0"; counts(rep) != want {
			t.Fatalf("co-owner: %s, want %s", counts(rep), want)
		}
		h, _ := s.House(context.Background(), admin, a.House.ID)
		if len(h.Owners) != 2 || h.Owners[0].OwnerID != a.Owner.ID || h.Owners[0].Share != "70.00" ||
			h.Owners[0].ID != a.Link.ID || h.Owners[1].Name != "刘一" || h.Owners[1].Share != "30.00" {
			t.Fatalf("owners after import: %+v", h.Owners)
		}
		after := tallyOf(t, f.DB, a.Community.ID)
		if after.links != before.links+1 || after.audit != before.audit+2 { // the new owner, the house
			t.Errorf("co-owner: %+v → %+v", before, after)
		}

		// Now only 刘一: 张三's link ends (kept in the history), no new rows.
		file = xlsxOf(t, hrow("3", "2", "1201", "89.50", "住宅", "自住", "刘一", "13600136000"))
		importFile(t, s, admin, a.Community.ID, file, true)
		hist, _ := s.OwnershipHistory(context.Background(), admin, a.House.ID)
		if len(hist) != 2 || !hist[0].Active || hist[0].Name != "刘一" || hist[0].Share != "100.00" ||
			hist[1].Active || hist[1].Name != "张三" || hist[1].EndReason == "" || hist[1].Until == "" {
			t.Errorf("history: %+v", hist)
		}
	})
}

func TestImportMatchesOwnersAndChecksShares(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, admin := f.App.Archive, f.Users[auth.RoleAdmin]
		cid := newCommunity(t, f, "份额苑")
		id := apptest.IDNumber()
		bad := func(what string, file []byte, row int, col string) {
			t.Helper()
			rep, err := s.ImportHouses(context.Background(), admin, cid, bytes.NewReader(file), false)
			if errs.CodeOf(err) != errs.CodeInvalid || len(rep.Errors) == 0 || rep.Errors[0].Row != row || rep.Errors[0].Column != col {
				t.Errorf("%s: %v %+v", what, err, rep)
			}
		}
		bad("shares over 100", xlsxOf(t,
			hrow("1", "1", "101", "80", "", "", "甲", "", "", "", "", "60"),
			hrow("1", "1", "101", "", "", "", "乙", "", "", "", "", "50")), 2, "产权份额(%)")
		bad("same owner twice in a house", xlsxOf(t,
			hrow("1", "1", "101", "80", "", "", "甲", "13800000001"),
			hrow("1", "1", "101", "", "", "", "甲", "13800000001")), 3, "业主姓名")
		bad("one ID number, two names", xlsxOf(t,
			hrow("1", "1", "101", "80", "", "", "甲", "", "", id),
			hrow("1", "1", "102", "80", "", "", "乙", "", "", id)), 3, "业主姓名")
		bad("owner columns without a name", xlsxOf(t,
			hrow("1", "1", "101", "80", "", "", "", "13800000001")), 2, "业主姓名")
		bad("masked ID number of nobody", xlsxOf(t,
			hrow("1", "1", "101", "80", "", "", "甲", "13800000001", "", "110105********1234")), 2, "证件号码")

		// Three owners without shares split 100% as 33.34/33.33/33.33.
		rep := importFile(t, s, admin, cid, xlsxOf(t,
			hrow("1", "1", "101", "80", "", "", "甲", "13800000001"),
			hrow("1", "1", "101", "", "", "", "乙", "13800000002"),
			hrow("1", "1", "101", "", "", "", "丙", "13800000003")), true)
		hs, _, _ := s.Houses(context.Background(), admin, archive.HouseFilter{CommunityID: cid})
		if rep.NewOwners != 3 || len(hs) != 1 || len(hs[0].Owners) != 3 || hs[0].Owners[0].Share != "33.34" || hs[0].Owners[2].Share != "33.33" {
			t.Errorf("equal split: %s %+v", counts(rep), hs)
		}
		// An owner known by name and phone gets the ID number the file adds.
		rep = importFile(t, s, admin, cid, xlsxOf(t,
			hrow("1", "1", "101", "80", "", "", "甲", "13800000001", "身份证", id),
			hrow("1", "1", "101", "", "", "", "乙", "13800000002"),
			hrow("1", "1", "101", "", "", "", "丙", "13800000003")), true)
		if want := "rows=3 new=0 upd=0 same=1 owners+0 owners~1 b+0 u+0"; counts(rep) != want {
			t.Errorf("ID number added: %s, want %s", counts(rep), want)
		}
		os, _, _ := s.Owners(context.Background(), admin, archive.OwnerFilter{CommunityID: cid, Q: "甲"})
		if len(os) != 1 || os[0].IDNumber != id {
			t.Errorf("owner 甲: %+v", os)
		}
	})
}

func TestImportIsScopedToTheUsersCommunities(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s := f.App.Archive
		file := xlsxOf(t, hrow("9", "1", "101", "80", "", ""))
		before := tallyOf(t, f.DB, f.B.Community.ID)
		_, err := s.ImportHouses(context.Background(), f.Users[auth.RoleCSManager], f.B.Community.ID, bytes.NewReader(file), true)
		if errs.CodeOf(err) != errs.CodeForbidden {
			t.Errorf("cs_manager of A imports into B: %v", err)
		}
		_, err = s.ImportHouses(context.Background(), f.Users[auth.RoleCSAgent], f.A.Community.ID, bytes.NewReader(file), true)
		if errs.CodeOf(err) != errs.CodeForbidden {
			t.Errorf("cs_agent (no import permission) imports: %v", err)
		}
		if after := tallyOf(t, f.DB, f.B.Community.ID); after != before {
			t.Errorf("refused import wrote %+v → %+v", before, after)
		}
		rep := importFile(t, s, f.Users[auth.RoleCSManager], f.A.Community.ID, file, true)
		if rep.NewHouses != 1 {
			t.Errorf("cs_manager imports into A: %s", counts(rep))
		}
	})
}
