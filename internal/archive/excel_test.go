package archive_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
)

// sheetRows reads an .xlsx's first sheet as text rows.
func sheetRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	r, err := excel.Open(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not an xlsx: %v", err)
	}
	defer r.Close()
	var out [][]string
	for r.Next() {
		_, cells := r.Row()
		out = append(out, append([]string(nil), cells...))
	}
	return out
}

func workbook(t *testing.T, s *archive.Service, w *excel.Writer, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExportedHousesImportAgain(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, admin, c := f.App.Archive, f.Users[auth.RoleAdmin], context.Background()
		cid := newCommunity(t, f, "导出苑")
		importFile(t, s, admin, cid, sampleFile(t, apptest.IDNumber()), true)
		w, err := s.ExportHouses(c, admin, archive.HouseFilter{CommunityID: cid})
		file := workbook(t, s, w, err)
		rows := sheetRows(t, file)
		var header []string
		for _, col := range archive.HouseColumns {
			header = append(header, col.Header)
		}
		if strings.Join(rows[0], ",") != strings.Join(header, ",") {
			t.Fatalf("export header %v, want the template's %v", rows[0], header)
		}
		if len(rows) != 7 { // 5 houses, one with two owners
			t.Fatalf("export rows: %d\n%v", len(rows), rows)
		}
		// Areas are numbers shown with two decimals.
		x, _ := excelize.OpenReader(bytes.NewReader(file))
		if v, _ := x.GetCellValue("房屋业主", "E2"); v != "89.50" {
			t.Errorf("area cell shows %q, want 89.50", v)
		}
		if typ, _ := x.GetCellType("房屋业主", "E2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("area cell type %v, want a number", typ)
		}
		x.Close()

		before := tallyOf(t, f.DB, cid)
		rep := importFile(t, s, admin, cid, file, true)
		if want := "rows=6 new=0 upd=0 same=5 owners+0 owners~0 b+0 u+0"; counts(rep) != want {
			t.Errorf("reimport of the export: %s, want %s", counts(rep), want)
		}
		if after := tallyOf(t, f.DB, cid); after != before {
			t.Errorf("reimport of the export wrote %+v → %+v", before, after)
		}

		// Into another community, the export recreates the same archive.
		cid2 := newCommunity(t, f, "副本苑")
		rep = importFile(t, s, admin, cid2, file, true)
		if want := "rows=6 new=5 upd=0 same=0 owners+4 owners~0 b+3 u+4"; counts(rep) != want {
			t.Errorf("import of the export elsewhere: %s, want %s", counts(rep), want)
		}
		w, err = s.ExportHouses(c, admin, archive.HouseFilter{CommunityID: cid2})
		if again := sheetRows(t, workbook(t, s, w, err)); fmt.Sprint(again) != fmt.Sprint(rows) {
			t.Errorf("export of the copy differs:\n%v\n%v", again, rows)
		}

		// A role that sees masked ID numbers exports them masked, and its
		// export still imports without changing anything.
		mgr := f.Users[auth.RoleCSManager]
		w, err = s.ExportHouses(c, mgr, archive.HouseFilter{CommunityID: f.A.Community.ID})
		masked := workbook(t, s, w, err)
		mrows := sheetRows(t, masked)
		if len(mrows) < 2 || mrows[1][12] != auth.MaskID(f.A.Owner.IDNumber) || strings.Contains(string(masked), f.A.Owner.IDNumber) {
			t.Fatalf("cs_manager's export: %v", mrows)
		}
		before = tallyOf(t, f.DB, f.A.Community.ID)
		rep = importFile(t, s, mgr, f.A.Community.ID, masked, true)
		if rep.Unchanged != rep.Rows || rep.UpdatedOwners != 0 {
			t.Errorf("masked reimport: %s", counts(rep))
		}
		if after := tallyOf(t, f.DB, f.A.Community.ID); after != before {
			t.Errorf("masked reimport wrote %+v → %+v", before, after)
		}
	})
}

func TestExportPagesThroughEveryMatchingRow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		s, admin, c := f.App.Archive, f.Users[auth.RoleAdmin], context.Background()
		cid := newCommunity(t, f, "大苑")
		var rows [][]any
		for i := range 1203 {
			status := "自住"
			if i%3 == 0 {
				status = "空置"
			}
			rows = append(rows, hrow(fmt.Sprint(1+i/400), "1", fmt.Sprint(101+i%400), "88.8", "", status,
				fmt.Sprintf("业主%d", i), fmt.Sprintf("1380000%04d", i)))
		}
		importFile(t, s, admin, cid, xlsxOf(t, rows...), true)
		w, err := s.ExportHouses(c, admin, archive.HouseFilter{CommunityID: cid})
		if got := sheetRows(t, workbook(t, s, w, err)); len(got) != 1204 {
			t.Errorf("export of 1203 houses has %d rows", len(got)-1)
		}
		w, err = s.ExportHouses(c, admin, archive.HouseFilter{CommunityID: cid, Status: "空置"})
		got := sheetRows(t, workbook(t, s, w, err))
		if len(got) != 402 {
			t.Errorf("filtered export has %d rows, want 401", len(got)-1)
		}
		for _, r := range got[1:] {
			if r[7] != "空置" {
				t.Fatalf("filtered export has %v", r)
			}
		}
		w, err = s.ExportOwners(c, admin, archive.OwnerFilter{CommunityID: cid})
		if got := sheetRows(t, workbook(t, s, w, err)); len(got) != 1204 || got[1][7] == "" {
			t.Errorf("owners export: %d rows, first %v", len(got)-1, got[1])
		}
	})
}

// multipartBody is a form with the given fields and a file field.
func multipartBody(t *testing.T, fields map[string]string, file []byte) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != nil {
		fw, err := mw.CreateFormFile("file", "房屋.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func send(c *apptest.Client, method, path, ctype string, body []byte) *apptest.Response {
	req := c.Request(method, path, body)
	req.Header.Set("Content-Type", ctype)
	return c.Send(req)
}

func TestImportAndExportOverHTTP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		mgr := f.API(auth.RoleCSManager)
		a := f.A.Community.ID
		good := xlsxOf(t, hrow("8", "1", "801", "99.99", "住宅", "自住", "冯一", "13500135000"))
		bad := xlsxOf(t, hrow("8", "1", "802", "-1", "住宅", "自住"), hrow("8", "1", "803", "70", "城堡", "自住"))

		// Preview (no commit) by raw body: 200, nothing written.
		before := tallyOf(t, f.DB, a)
		r := send(mgr, "POST", fmt.Sprintf("/api/v1/houses/import?community_id=%d", a), excel.ContentType, good)
		var rep archive.ImportReport
		r.JSON(t, &rep)
		if r.Code != http.StatusOK || rep.NewHouses != 1 || rep.Committed {
			t.Fatalf("preview: %s", r)
		}
		if tallyOf(t, f.DB, a) != before {
			t.Fatal("preview wrote")
		}
		// Commit by multipart.
		ct, body := multipartBody(t, nil, good)
		r = send(mgr, "POST", fmt.Sprintf("/api/v1/houses/import?community_id=%d&commit=1", a), ct, body)
		r.JSON(t, &rep)
		if r.Code != http.StatusOK || rep.NewHouses != 1 || rep.NewOwners != 1 || !rep.Committed {
			t.Fatalf("commit: %s", r)
		}
		// A bad file: 422 with the envelope and every bad row.
		ct, body = multipartBody(t, nil, bad)
		r = send(mgr, "POST", fmt.Sprintf("/api/v1/houses/import?community_id=%d&commit=1", a), ct, body)
		var env struct {
			Error  apptest.APIError     `json:"error"`
			Report archive.ImportReport `json:"report"`
		}
		r.JSON(t, &env)
		if r.Code != http.StatusUnprocessableEntity || env.Error.Code != "invalid" || len(env.Report.Errors) != 2 ||
			env.Report.Errors[0].Row != 2 || env.Report.Errors[0].Column != "建筑面积" || env.Report.Errors[1].Column != "用途" {
			t.Fatalf("bad file: %s", r)
		}
		// Scope and permission.
		r = send(mgr, "POST", fmt.Sprintf("/api/v1/houses/import?community_id=%d&commit=1", f.B.Community.ID), excel.ContentType, good)
		if r.Code != http.StatusForbidden {
			t.Errorf("import into B: %s", r)
		}
		r = send(f.API(auth.RoleCSAgent), "POST", fmt.Sprintf("/api/v1/houses/import?community_id=%d", a), excel.ContentType, good)
		if r.Code != http.StatusForbidden {
			t.Errorf("cs_agent imports: %s", r)
		}
		r = send(mgr, "POST", "/api/v1/houses/import", excel.ContentType, good)
		if r.Code != http.StatusUnprocessableEntity || r.Error(t).Field != "community_id" {
			t.Errorf("no community: %s", r)
		}
		r = send(mgr, "POST", fmt.Sprintf("/api/v1/houses/import?community_id=%d", a), excel.ContentType, []byte("not a workbook"))
		if r.Code != http.StatusUnprocessableEntity {
			t.Errorf("garbage: %s", r)
		}

		// The template.
		r = mgr.Get("/api/v1/houses/import/template.xlsx")
		if r.Code != http.StatusOK || r.Header.Get("Content-Type") != excel.ContentType {
			t.Fatalf("template: %s", r)
		}
		x, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil || strings.Join(x.GetSheetList(), ",") != "房屋业主,说明" {
			t.Fatalf("template sheets: %v %v", x.GetSheetList(), err)
		}
		help, _ := x.GetRows("说明")
		var text strings.Builder
		for _, row := range help {
			text.WriteString(strings.Join(row, " "))
		}
		for _, v := range append(append(append([]string{"住宅", "储藏室"}, archive.HouseStatuses...), archive.OwnerCategories...), "共有") {
			if !strings.Contains(text.String(), v) {
				t.Errorf("说明 does not mention %s", v)
			}
		}
		// The example row of the template passes the check.
		r = send(mgr, "POST", fmt.Sprintf("/api/v1/houses/import?community_id=%d", a), excel.ContentType, r.Body)
		if r.Code != http.StatusOK {
			t.Errorf("template example: %s", r)
		}

		// Exports: attachment with a Chinese name, scoped, ID numbers masked.
		agent := f.API(auth.RoleCSAgent)
		for _, kind := range []string{"houses", "owners", "residents", "vehicles"} {
			r = agent.Get("/api/v1/" + kind + "/export.xlsx")
			cd := r.Header.Get("Content-Disposition")
			if r.Code != http.StatusOK || !strings.HasPrefix(cd, "attachment; ") || !strings.Contains(cd, "filename*=UTF-8''%E") {
				t.Fatalf("%s export: %s %s", kind, cd, r)
			}
			all := fmt.Sprint(sheetRows(t, r.Body))
			for _, m := range f.Markers() {
				if strings.Contains(all, m) {
					t.Errorf("%s export of a user of A contains %q of B", kind, m)
				}
			}
			if strings.Contains(all, f.A.Owner.IDNumber) || strings.Contains(all, f.A.Resident.IDNumber) {
				t.Errorf("%s export shows ID numbers to a cs_agent", kind)
			}
		}
		r = f.API(auth.RoleDirector).Get(fmt.Sprintf("/api/v1/owners/export.xlsx?community_id=%d&q=%s", a, url.QueryEscape("张三")))
		if rows := sheetRows(t, r.Body); len(rows) != 2 || rows[1][5] != f.A.Owner.IDNumber || rows[1][7] != "3-2-1201(100.00%)" {
			t.Errorf("director's filtered owners export: %v", rows)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, url.PathEscape(f.A.Community.Name)) {
			t.Errorf("filename does not name the community: %s", cd)
		}
		r = f.API(auth.RoleDeptStaff).Get("/api/v1/houses/export.xlsx")
		if r.Code != http.StatusForbidden {
			t.Errorf("dept_staff exports: %s", r)
		}
		r = agent.Get(fmt.Sprintf("/api/v1/houses/export.xlsx?community_id=%d", f.B.Community.ID))
		if r.Code != http.StatusForbidden {
			t.Errorf("export of B: %s", r)
		}
	})
}

func TestImportPageChecksThenConfirms(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		b := f.Browser(auth.RoleCSManager)
		a := f.A.Community.ID
		r := b.Get("/houses/import")
		if r.Code != http.StatusOK || !strings.Contains(string(r.Body), f.A.Community.Name) ||
			strings.Contains(string(r.Body), f.B.Community.Name) {
			t.Fatalf("import page: %s", r)
		}
		if r = b.Get("/houses/export.xlsx"); r.Code != http.StatusOK || r.Header.Get("Content-Type") != excel.ContentType {
			t.Errorf("page export: %s", r)
		}

		// A bad file: every error listed, nothing written.
		before := tallyOf(t, f.DB, a)
		bad := xlsxOf(t, hrow("8", "1", "", "70", "住宅", "自住"))
		ct, body := multipartBody(t, map[string]string{"csrf": b.CSRF, "community_id": fmt.Sprint(a)}, bad)
		r = send(b, "POST", "/houses/import", ct, body)
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "第 2 行") || !strings.Contains(string(r.Body), "房号") {
			t.Fatalf("bad file page: %s", r)
		}

		// A good file: the preview, then the confirm button posts it back.
		good := xlsxOf(t, hrow("8", "1", "801", "99.99", "住宅", "自住", "冯一", "13500135000"))
		ct, body = multipartBody(t, map[string]string{"csrf": b.CSRF, "community_id": fmt.Sprint(a)}, good)
		r = send(b, "POST", "/houses/import", ct, body)
		page := string(r.Body)
		if r.Code != http.StatusOK || !strings.Contains(page, "确认导入") {
			t.Fatalf("preview page: %s", r)
		}
		if tallyOf(t, f.DB, a) != before {
			t.Fatal("the check wrote")
		}
		m := regexp.MustCompile(`<textarea name="data" hidden>([^<]*)</textarea>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no file kept in the preview: %s", page)
		}
		if data, _ := base64.StdEncoding.DecodeString(html.UnescapeString(m[1])); !bytes.Equal(data, good) {
			t.Fatal("the kept file differs from the upload")
		}
		ct, body = multipartBody(t, map[string]string{"csrf": b.CSRF, "community_id": fmt.Sprint(a), "commit": "1",
			"data": html.UnescapeString(m[1]), "filename": "房屋.xlsx"}, nil)
		r = send(b, "POST", "/houses/import", ct, body)
		if r.Code != http.StatusSeeOther || !strings.Contains(r.Header.Get("Set-Cookie"), "wuye_flash=") {
			t.Fatalf("confirm: %s", r)
		}
		if after := tallyOf(t, f.DB, a); after.houses != before.houses+1 || after.owners != before.owners+1 {
			t.Errorf("confirm: %+v → %+v", before, after)
		}
		// Without the CSRF field the post is refused.
		ct, body = multipartBody(t, map[string]string{"community_id": fmt.Sprint(a)}, good)
		if r = send(b, "POST", "/houses/import", ct, body); r.Code != http.StatusForbidden {
			t.Errorf("post without CSRF: %d", r.Code)
		}
		// A cs_agent has no import page.
		if r = f.Browser(auth.RoleCSAgent).Get("/houses/import"); r.Code != http.StatusForbidden {
			t.Errorf("cs_agent import page: %d", r.Code)
		}
	})
}
