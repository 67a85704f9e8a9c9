package billing_test

import (
	"bytes"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
)

// readingsXLSX is a readings workbook with the template's headers.
func readingsXLSX(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	w := excel.NewWriter()
	var cols []excel.Column
	for _, h := range billing.ReadingColumns {
		cols = append(cols, excel.Column{Header: h})
	}
	if err := w.Sheet("抄表", cols); err != nil {
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

// upload posts data as multipart field "file" (and the form's fields)
// with the client's credentials.
func upload(c *apptest.Client, path string, data []byte, fields map[string]string) *apptest.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if c.CSRF != "" {
		mw.WriteField("csrf", c.CSRF)
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if data != nil {
		fw, _ := mw.CreateFormFile("file", "抄表.xlsx")
		fw.Write(data)
	}
	mw.Close()
	req := c.Request("POST", path, body.Bytes())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Send(req)
}

// TestImportReadings: a file with bad rows lists every one (row, column,
// reason) and writes nothing; a clean file previews, then imports with
// the rules of a single reading (previous reading, 换表); the same file
// again changes nothing; a billed reading cannot be re-imported.
func TestImportReadings(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		water := x.item(map[string]any{"name": "水费", "kind": "metered", "unit_price": "3.5"})
		path := fmt.Sprintf("/api/v1/meter-readings/import?community_id=%d&fee_item_id=%d&period=2026-11", x.A.Community.ID, water.ID)
		for i, v := range []string{"100", "200"} { // October
			x.do(auth.RoleCashier, "POST", "/api/v1/meter-readings", map[string]any{"house_id": x.houses[i].ID,
				"fee_item_id": water.ID, "period": "2026-10", "reading": v}, http.StatusCreated)
		}
		readings := func() []billing.Reading {
			var out struct {
				Items []billing.Reading `json:"items"`
			}
			x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/meter-readings?fee_item_id=%d&period=2026-11", water.ID), nil,
				http.StatusOK).JSON(t, &out)
			return out.Items
		}

		bad := readingsXLSX(t,
			[]any{"3-2-1201", "112.5", "否", ""},
			[]any{"9-9-9999", "10", "", ""},    // row 3: no such house
			[]any{"3-2-1202", "150", "", ""},   // row 4: lower than 200
			[]any{"3-2-1203", "abc", "也许", ""}, // row 5: reading and 换表
			[]any{"3-2-1201", "113", "", ""},   // row 6: duplicate
		)
		r := upload(x.API(auth.RoleCashier), path+"&commit=1", bad, nil)
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad file: %s", r)
		}
		var env struct {
			Error  map[string]string     `json:"error"`
			Report billing.ReadingImport `json:"report"`
		}
		r.JSON(t, &env)
		want := []string{"3 房号", "4 读数", "5 读数", "5 换表(是/否)", "6 房号"}
		var got []string
		for _, e := range env.Report.Errors {
			got = append(got, fmt.Sprintf("%d %s", e.Row, e.Column))
			if e.Reason == "" {
				t.Errorf("no reason: %+v", e)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || env.Report.Committed || env.Error["code"] != "invalid" {
			t.Errorf("errors %v, want %v; %s", got, want, r)
		}
		if rs := readings(); len(rs) != 0 {
			t.Errorf("a bad file wrote %d readings", len(rs))
		}

		good := readingsXLSX(t,
			[]any{"3-2-1201", "112.5", "否", ""},
			[]any{"3-2-1202", "5", "是", ""}, // a new meter from 0
			[]any{"3-2-1203", excel.Hundredths(4200), "", ""},
		)
		var rep billing.ReadingImport
		x.do(auth.RoleCashier, "POST", path, good, http.StatusOK) // raw body, preview
		upload(x.API(auth.RoleCashier), path, good, nil).JSON(t, &rep)
		if rep.Rows != 3 || rep.New != 3 || rep.Committed || len(readings()) != 0 {
			t.Errorf("preview: %+v", rep)
		}
		r = upload(x.API(auth.RoleCashier), path+"&commit=1", good, nil)
		r.JSON(t, &rep)
		if r.Code != 200 || rep.New != 3 || !rep.Committed {
			t.Fatalf("import: %s", r)
		}
		cons := map[int64]string{}
		for _, rd := range readings() {
			cons[rd.HouseID] = rd.Consumption + "/" + fmt.Sprint(rd.Replacement)
		}
		if cons[x.houses[0].ID] != "12.50/false" || cons[x.houses[1].ID] != "5.00/true" || cons[x.houses[2].ID] != "42.00/false" {
			t.Errorf("consumption: %v", cons)
		}
		before := readings()

		x.clk.Set("2026-11-21T10:00:00+08:00")
		upload(x.API(auth.RoleCashier), path+"&commit=1", good, nil).JSON(t, &rep)
		if rep.Unchanged != 3 || rep.New+rep.Updated != 0 {
			t.Errorf("re-import: %+v", rep)
		}
		for i, rd := range readings() {
			if !rd.UpdatedAt.Equal(before[i].UpdatedAt) {
				t.Errorf("re-import touched %+v", rd)
			}
		}

		// A billed reading is final; a correction of an unbilled one updates.
		x.run("2026-11")
		billed := readingsXLSX(t, []any{"3-2-1201", "120", "", ""})
		r = upload(x.API(auth.RoleCashier), path+"&commit=1", billed, nil)
		r.JSON(t, &env)
		if r.Code != 422 || len(env.Report.Errors) != 1 || env.Report.Errors[0].Row != 2 {
			t.Errorf("billed: %s", r)
		}
		expectError(t, upload(x.API(auth.RoleDeptStaff), path, good, nil), 403, "forbidden", "")
		expectError(t, upload(x.API(auth.RoleCashier), path, []byte("not a workbook"), nil), 422, "invalid", "file")
		fixed := x.item(map[string]any{"name": "垃圾清运费", "kind": "fixed", "unit_price": "15"})
		expectError(t, upload(x.API(auth.RoleCashier), fmt.Sprintf("/api/v1/meter-readings/import?community_id=%d&fee_item_id=%d&period=2026-11",
			x.A.Community.ID, fixed.ID), good, nil), 422, "invalid", "fee_item_id")
	})
}

// TestImportReadingsPage: the readings page's import form lists bad rows,
// previews a clean file and imports it on 确认导入.
func TestImportReadingsPage(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		water := x.item(map[string]any{"name": "电费", "kind": "metered", "unit_price": "0.6"})
		c := x.Browser(auth.RoleCashier)
		if r := c.Get(fmt.Sprintf("/billing/readings?community_id=%d", x.A.Community.ID)); r.Code != 200 ||
			!strings.Contains(string(r.Body), `action="/billing/readings/import"`) {
			t.Fatalf("readings page: %s", r)
		}
		fields := map[string]string{"community_id": fmt.Sprint(x.A.Community.ID), "fee_item_id": fmt.Sprint(water.ID), "period": "2026-11"}
		r := upload(c, "/billing/readings/import", readingsXLSX(t, []any{"3-2-1201", "x", "", ""}), fields)
		if r.Code != 422 || !strings.Contains(string(r.Body), "第 2 行") {
			t.Errorf("bad file: %s", r)
		}
		r = upload(c, "/billing/readings/import", readingsXLSX(t, []any{"3-2-1201", "88", "", ""}), fields)
		body := string(r.Body)
		if r.Code != 200 || !strings.Contains(body, "检查通过") || !strings.Contains(body, "确认导入") {
			t.Fatalf("preview: %s", r)
		}
		i := strings.Index(body, `<textarea name="data" hidden>`)
		j := strings.Index(body[i:], "</textarea>")
		fields["data"] = html.UnescapeString(body[i+len(`<textarea name="data" hidden>`) : i+j])
		fields["commit"] = "1"
		r = upload(c, "/billing/readings/import", nil, fields)
		if r.Code != http.StatusSeeOther {
			t.Fatalf("commit: %s", r)
		}
		rs, _, err := x.svc.Readings(t.Context(), x.user(auth.RoleCashier), billing.ReadingFilter{FeeItemID: water.ID})
		if err != nil || len(rs) != 1 || rs[0].Consumption != "88.00" {
			t.Errorf("imported: %+v %v", rs, err)
		}
	})
}
