package excel

import (
	"archive/zip"
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// rawWorkbook is a minimal .xlsx whose first sheet and shared strings are
// the given XML, as another program might write them.
func rawWorkbook(sheet, sst []byte) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, p := range []struct {
		name string
		body []byte
	}{
		{"xl/workbook.xml", []byte(`<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="表1" r:id="rId1"/></sheets></workbook>`)},
		{"xl/worksheets/sheet1.xml", sheet},
		{"xl/sharedStrings.xml", sst},
	} {
		w, _ := z.Create(p.name)
		w.Write(p.body)
	}
	z.Close()
	return buf.Bytes()
}

// FuzzOpen feeds the hand-written sheet scanner any sheet and shared
// strings XML: it ends (each row consumes input), row numbers rise, and
// every cell is text PostgreSQL can store — valid UTF-8 without NUL, even
// when the XML spells a NUL as &#0; or _x0000_ — trimmed and non-empty.
func FuzzOpen(f *testing.F) {
	sst := `<sst><si><t>甲</t></si><si><r><t>乙</t></r><r><t>丙</t></r><rPh><t>phonetic</t></rPh></si><si><t>_x0000_</t></si></sst>`
	for _, s := range []string{
		`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row></sheetData></worksheet>`,
		`<sheetData><row><c t="inlineStr"><is><t>a&amp;b&#x4E2D;&#20013;_x0041_</t></is></c></row><row/></sheetData>`,
		`<sheetData><row r="5"><c t="s"><v>2</v></c><c><v>&#0;</v></c><c t="inlineStr"><is><t>_x0000_x&#xD800;</t></is></c></row></sheetData>`,
		"<sheetData><row><c t=\"inlineStr\"><is><t>\xff\xfe\x00</t></is></c></row></sheetData>",
		`<sheetData><row r="3"/><row r="2"><c r="XFD2"><v>1</v></c><c r="ZZZZ2"><v>2</v></c></row><row r="999999999999"/></sheetData>`,
		`<sheetData><row><c t="s"><v>99</v></c><c t="s"><v>-1</v></c><c t="b"><v>1</v></c><c t="str"><f>A1</f><v>x</v></c>`,
		`<!-- <row> --><?pi?><sheetData><row><c><v>1.5</v></c></row></sheetData><!--`, `<row`, `<`, `&#;&#x;&amp`, "",
		`<x:sheetData><x:row><x:c t='inlineStr'><x:is><x:t xml:space="preserve">  pad  </x:t></x:is></x:c></x:row></x:sheetData>`,
	} {
		f.Add([]byte(s), []byte(sst))
	}
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		r, err := Open(bytes.NewReader(rawWorkbook(sheet, sst)))
		if err != nil {
			t.Fatalf("Open of a well-formed zip: %v", err)
		}
		defer r.Close()
		last, rows := 0, 0
		for r.Next() {
			if rows++; rows > len(sheet) {
				t.Fatalf("%d rows from %d bytes", rows, len(sheet))
			}
			n, cells := r.Row()
			if n <= last {
				t.Fatalf("row %d after row %d", n, last)
			}
			last = n
			if len(cells) > 16384 {
				t.Fatalf("row %d has %d cells", n, len(cells))
			}
			for i, c := range cells {
				if !utf8.ValidString(c) || strings.ContainsRune(c, 0) || c != strings.TrimSpace(c) {
					t.Fatalf("row %d cell %d = %q", n, i, c)
				}
				if Cell(cells, i) != c {
					t.Fatalf("Cell(%d) != cells[%d]", i, i)
				}
			}
			if r.Blank() != (strings.Join(cells, "") == "") {
				t.Fatalf("Blank() = %v for %q", r.Blank(), cells)
			}
		}
	})
}

// FuzzWriteRead: a text cell written by our own export reads back as
// written (trimmed), so a file exported, edited and imported keeps its
// text — including texts that look like OOXML escapes (_x0041_) or
// entities.
func FuzzWriteRead(f *testing.F) {
	for _, s := range [][3]string{{"3-2-1201", "张三", "89.50"}, {"_x0041_", "&amp;", "<t>"}, {" pad ", "\t", "1e5"},
		{"a\x00b", "\xff", "\u2028"}, {"=1+1", "'0123", "-"}, {"", "", "x"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, s := range []string{a, b, c} {
			// Excel itself cannot hold these; the writer is not asked to.
			if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool {
				return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
			}) >= 0 || len(s) > 32767 {
				t.Skip()
			}
		}
		w := NewWriter()
		if err := w.Sheet("s", []Column{{Header: "A"}, {Header: "B"}, {Header: "C"}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Row(a, b, c); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		r, err := Open(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Next() || !r.Next() {
			t.Fatalf("rows missing: %v", r.Err())
		}
		_, cells := r.Row()
		for i, s := range []string{a, b, c} {
			if got := Cell(cells, i); got != strings.TrimSpace(s) {
				t.Fatalf("cell %d written %q, read %q", i, s, got)
			}
		}
	})
}

var isoDay = regexp.MustCompile(`^(\d{4})-\d\d-\d\d$`)

// FuzzCellCleaners: Plain and Decimal only ever rewrite a number as the
// same number (Decimal to within float noise), and Date turns only a
// serial into a real day (1900–9999), leaving any other text alone.
func FuzzCellCleaners(f *testing.F) {
	for _, s := range []string{"1.3800138E10", "13800138000", "abc", "89.499999999999986", "89.505", "-3.5", "45292",
		"2024-01-01", "", "NaN", "nan", "Inf", "-Inf", "1e400", "1e-400", "0x1p4", "60", "1", "0.5", "2958465",
		"2958465.5", "-1", "1E", "e", "1_000", "١٢", "1e21", "12345678901234567.891", "0.000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		num := func(x string) float64 {
			v, err := strconv.ParseFloat(x, 64)
			if err != nil {
				t.Fatalf("%q rewritten as %q, not a number", s, x)
			}
			return v
		}
		if p := Plain(s); p != s && num(p) != num(s) {
			t.Fatalf("Plain(%q) = %q, another number", s, p)
		}
		if d := Decimal(s); d != s {
			in, out := num(Plain(s)), num(d)
			if math.Abs(in-out) > 1e-6*math.Max(1, math.Abs(in)) || strings.Contains(strings.TrimLeft(d, "-0123456789"), "e") {
				t.Fatalf("Decimal(%q) = %q", s, d)
			}
		}
		if d := Date(s); d != s {
			m := isoDay.FindStringSubmatch(d)
			if m == nil {
				t.Fatalf("Date(%q) = %q", s, d)
			}
			if y, _ := strconv.Atoi(m[1]); y < 1900 {
				t.Fatalf("Date(%q) = %q", s, d)
			}
		}
	})
}
