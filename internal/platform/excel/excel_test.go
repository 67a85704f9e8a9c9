package excel

import (
	"archive/zip"
	"bytes"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriteThenReadKeepsRowsNumbersAndTypes(t *testing.T) {
	w := NewWriter()
	cols := []Column{{Header: "房号", Format: Text}, {Header: "面积", Format: Decimal2, Width: 12}, {Header: "楼层", Format: Integer}}
	if err := w.Sheet("房屋", cols); err != nil {
		t.Fatal(err)
	}
	if err := w.Row("0101", Hundredths(8950), 1); err != nil {
		t.Fatal(err)
	}
	if err := w.Row("", nil, ""); err != nil { // an empty row: later rows keep their numbers
		t.Fatal(err)
	}
	if err := w.Row("1201", Hundredths(123456789), int64(12)); err != nil {
		t.Fatal(err)
	}
	if err := w.Dropdown(1, 100, []string{"住宅", "商铺"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Sheet("说明", []Column{{Header: "列"}, {Header: "说明", Width: 60}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Notes("房号", "字母和数字"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "房屋" || got[1] != "说明" {
		t.Fatalf("sheets = %v", got)
	}
	if v, _ := f.GetCellValue("房屋", "B2"); v != "89.50" {
		t.Errorf("formatted area = %q, want 89.50", v)
	}
	if v, _ := f.GetCellValue("房屋", "B4"); v != "1234567.89" {
		t.Errorf("formatted large area = %q", v)
	}
	dvs, _ := f.GetDataValidations("房屋")
	if len(dvs) != 1 {
		t.Errorf("data validations = %d, want 1", len(dvs))
	}
	f.Close()

	r, err := Open(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	for r.Next() {
		n, cells := r.Row()
		if r.Blank() {
			continue
		}
		got = append(got, strings.Join(cells, "|")+"@"+string(rune('0'+n)))
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"房号|面积|楼层@1", "0101|89.5|1@2", "1201|1234567.89|12@4"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rows = %q, want %q", got, want)
	}
}

// A workbook saved by Excel keeps text in the shared string table, with
// rich text runs and escaped characters; cells may be sparse.
func TestReadSharedStringsRichTextAndSparseCells(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "数据")
	f.NewSheet("其他")
	f.SetCellValue("数据", "A1", "楼栋")
	f.SetCellValue("数据", "C1", "备注 <&> \"引号\"")
	f.SetCellValue("数据", "A3", 12)
	f.SetCellValue("数据", "B3", 89.5)
	f.SetCellValue("数据", "D3", true)
	f.SetCellRichText("数据", "C3", []excelize.RichTextRun{{Text: "红色"}, {Text: "加粗", Font: &excelize.Font{Bold: true}}})
	f.SetCellValue("数据", "AA5", "远处")
	f.SetCellValue("其他", "A1", "不读")
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := Open(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sheet != "数据" {
		t.Errorf("sheet = %q", r.Sheet)
	}
	var got []string
	for r.Next() {
		n, cells := r.Row()
		got = append(got, strings.Join(cells, "|")+"@"+strconv.Itoa(n))
	}
	want := []string{"楼栋||备注 <&> \"引号\"@1", "12|89.5|红色加粗|TRUE@3", strings.Repeat("|", 26) + "远处@5"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOpenRejectsNonXLSX(t *testing.T) {
	if _, err := Open(strings.NewReader("楼栋,单元,房号\n1,1,101\n")); err == nil {
		t.Fatal("a CSV file opened as xlsx")
	}
}

func TestCellCleaners(t *testing.T) {
	for _, c := range []struct {
		f        func(string) string
		in, want string
	}{
		{Plain, "1.3800138E10", "13800138000"},
		{Plain, "13800138000", "13800138000"},
		{Plain, "abc", "abc"},
		{Decimal, "89.499999999999986", "89.5"},
		{Decimal, "89.505", "89.505"},
		{Decimal, "-3.5", "-3.5"},
		{Decimal, "x.123", "x.123"},
		{Date, "45292", "2024-01-01"},
		{Date, "2024-01-01", "2024-01-01"},
		{Date, "", ""},
	} {
		if got := c.f(c.in); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if HeaderKey(" 产权份额（％）* ") != "产权份额(%)" {
		t.Errorf("HeaderKey = %q", HeaderKey(" 产权份额（％）* "))
	}
	if Cell([]string{"a"}, 3) != "" || Cell([]string{"a"}, 0) != "a" {
		t.Error("Cell past the end")
	}
	if (RowError{Row: 3, Column: "房号", Reason: "请填写房号"}).Error() != "第 3 行「房号」：请填写房号" {
		t.Error("RowError text")
	}
}

func TestAttachmentNamesTheFileInChinese(t *testing.T) {
	rec := httptest.NewRecorder()
	Attachment(rec, "房屋档案 (2026).xlsx", "houses-2026.xlsx")
	cd := rec.Header().Get("Content-Disposition")
	if !strings.HasPrefix(cd, `attachment; filename="houses-2026.xlsx"; filename*=UTF-8''`) {
		t.Fatalf("Content-Disposition = %s", cd)
	}
	enc := cd[strings.Index(cd, "''")+2:]
	if strings.ContainsAny(enc, " ()'") {
		t.Errorf("unescaped characters in %s", enc)
	}
	if dec, _ := url.PathUnescape(enc); dec != "房屋档案 (2026).xlsx" {
		t.Errorf("decoded = %q", dec)
	}
	if rec.Header().Get("Content-Type") != ContentType {
		t.Error("content type")
	}
}

// Some generators write prefixed element names, no cell references and
// comments; the reader still finds rows and columns.
func TestReadPrefixedMinimalWorkbook(t *testing.T) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, _ := z.Create(name)
		w.Write([]byte(body))
	}
	add("xl/workbook.xml", `<?xml version="1.0"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="表1" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>`)
	add("xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/></Relationships>`)
	add("xl/worksheets/data.xml", `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><!-- a <row> in a comment -->
<x:row><x:c t="inlineStr"><x:is><x:t>甲&amp;乙</x:t></x:is></x:c><x:c><x:v>1.5</x:v></x:c></x:row>
<x:row/>
<x:row><x:c t="str"><x:f>A1</x:f><x:v>_x0041_B</x:v></x:c></x:row>
</x:sheetData></x:worksheet>`)
	z.Close()
	r, err := Open(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for r.Next() {
		n, cells := r.Row()
		got = append(got, strconv.Itoa(n)+":"+strings.Join(cells, "|"))
	}
	if want := "1:甲&乙|1.5 2: 3:AB"; strings.Join(got, " ") != want {
		t.Errorf("rows = %q, want %q", strings.Join(got, " "), want)
	}
}
