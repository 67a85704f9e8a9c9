package excel

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// RowError is one problem of an imported file: the sheet row (1 is the
// header row; 0 means the file as a whole), the column's header and the
// reason, both in the user's language.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

func (e RowError) Error() string {
	switch {
	case e.Row == 0:
		return e.Reason
	case e.Column == "":
		return fmt.Sprintf("第 %d 行：%s", e.Row, e.Reason)
	}
	return fmt.Sprintf("第 %d 行「%s」：%s", e.Row, e.Column, e.Reason)
}

// ErrNotXLSX is returned by Open for a file that is not an .xlsx workbook.
var ErrNotXLSX = errors.New("文件不是有效的 Excel 工作簿（.xlsx）")

// Limits on what one uploaded workbook may unzip to.
const (
	maxSheetBytes   = 512 << 20
	maxStringsBytes = 256 << 20
)

// Reader streams the rows of a workbook's first sheet. It scans the sheet
// XML itself instead of going through encoding/xml: an import of 100k
// rows spends its time in the database, not in tokenising 2 million
// cells (see bench/RESULTS.md).
type Reader struct {
	Sheet string
	sst   []string
	data  []byte // the sheet's XML
	pos   int
	n     int
	cells []string
	err   error
}

// Open reads a workbook from r and positions before the first row of its
// first sheet.
func Open(r io.Reader) (*Reader, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.TrimPrefix(f.Name, "/")] = f
	}
	name, sheetPath, sstPath, err := locate(files)
	if err != nil {
		return nil, err
	}
	rd := &Reader{Sheet: name}
	if f := files[sstPath]; f != nil {
		data, err := unzip(f, maxStringsBytes)
		if err != nil {
			return nil, err
		}
		rd.sst = sharedStrings(data)
	}
	f := files[sheetPath]
	if f == nil {
		return nil, fmt.Errorf("%w: 缺少工作表 %s", ErrNotXLSX, sheetPath)
	}
	if rd.data, err = unzip(f, maxSheetBytes); err != nil {
		return nil, err
	}
	if i := bytes.Index(rd.data, []byte("sheetData")); i >= 0 {
		rd.pos = i
	}
	return rd, nil
}

func unzip(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%w: %s 解压后过大", ErrNotXLSX, f.Name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, int(f.UncompressedSize64)+1))
	_, err = buf.ReadFrom(io.LimitReader(rc, limit+1))
	b := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotXLSX, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s 解压后过大", ErrNotXLSX, f.Name)
	}
	return b, nil
}

// locate finds the first sheet's name and part, and the shared strings
// part, through the workbook and its relationships.
func locate(files map[string]*zip.File) (name, sheet, sst string, err error) {
	wbf := files["xl/workbook.xml"]
	if wbf == nil {
		return "", "", "", ErrNotXLSX
	}
	wbData, err := unzip(wbf, 16<<20)
	if err != nil {
		return "", "", "", err
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(wbData, &wb); err != nil || len(wb.Sheets) == 0 {
		return "", "", "", fmt.Errorf("%w: 工作簿中没有工作表", ErrNotXLSX)
	}
	name, sheet, sst = wb.Sheets[0].Name, "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
	if rf := files["xl/_rels/workbook.xml.rels"]; rf != nil {
		relData, err := unzip(rf, 16<<20)
		if err != nil {
			return "", "", "", err
		}
		var rels struct {
			Rel []struct {
				ID     string `xml:"Id,attr"`
				Type   string `xml:"Type,attr"`
				Target string `xml:"Target,attr"`
			} `xml:"Relationship"`
		}
		if xml.Unmarshal(relData, &rels) == nil {
			for _, r := range rels.Rel {
				target := r.Target
				if strings.HasPrefix(target, "/") {
					target = strings.TrimPrefix(target, "/")
				} else {
					target = path.Join("xl", target)
				}
				switch {
				case r.ID == wb.Sheets[0].RID:
					sheet = target
				case strings.HasSuffix(r.Type, "/sharedStrings"):
					sst = target
				}
			}
		}
	}
	return name, sheet, sst, nil
}

// xtag is one XML tag found by the scanner.
type xtag struct {
	local     []byte // name without namespace prefix
	attrs     []byte
	end, self bool
}

// nextTag finds the tag at or after i. It returns the text before it and
// the position after it; ok is false at the end of the data.
func nextTag(b []byte, i int) (t xtag, text []byte, next int, ok bool) {
	for {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			return t, b[i:], len(b), false
		}
		text = b[i : i+lt]
		j := i + lt + 1
		if j < len(b) && (b[j] == '?' || b[j] == '!') { // declaration or comment
			end := bytes.Index(b[j:], []byte(">"))
			if bytes.HasPrefix(b[j:], []byte("!--")) {
				end = bytes.Index(b[j:], []byte("-->")) + 2
			}
			if end < 0 {
				return t, nil, len(b), false
			}
			i = j + end + 1
			continue
		}
		gt := bytes.IndexByte(b[j:], '>')
		if gt < 0 {
			return t, text, len(b), false
		}
		body := b[j : j+gt]
		next = j + gt + 1
		if len(body) > 0 && body[0] == '/' {
			t.end, body = true, body[1:]
		}
		if len(body) > 0 && body[len(body)-1] == '/' {
			t.self, body = true, body[:len(body)-1]
		}
		nameEnd := 0
		for nameEnd < len(body) && body[nameEnd] != ' ' && body[nameEnd] != '\t' && body[nameEnd] != '\r' && body[nameEnd] != '\n' {
			nameEnd++
		}
		qname := body[:nameEnd]
		if c := bytes.IndexByte(qname, ':'); c >= 0 {
			qname = qname[c+1:]
		}
		t.local, t.attrs = qname, body[nameEnd:]
		return t, text, next, true
	}
}

// attr returns the value of attribute name (without prefix) in attrs.
func attr(attrs []byte, name string) string { return unescape(rawAttr(attrs, name)) }

// rawAttr returns the undecoded value of attribute name in attrs.
func rawAttr(attrs []byte, name string) []byte {
	for len(attrs) > 0 {
		eq := bytes.IndexByte(attrs, '=')
		if eq < 0 {
			return nil
		}
		key := bytes.TrimSpace(attrs[:eq])
		if c := bytes.IndexByte(key, ':'); c >= 0 {
			key = key[c+1:]
		}
		rest := attrs[eq+1:]
		for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' || rest[0] == '\n') {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return nil
		}
		q := rest[0]
		end := bytes.IndexByte(rest[1:], q)
		if end < 0 {
			return nil
		}
		if string(key) == name {
			return rest[1 : 1+end]
		}
		attrs = rest[end+2:]
	}
	return nil
}

// sharedStrings reads the shared string table: each <si> is the
// concatenation of its <t> runs, phonetic guides (<rPh>) left out.
func sharedStrings(b []byte) []string {
	var out []string
	var buf []byte
	inT, inPh := false, false
	for i := 0; ; {
		t, text, next, ok := nextTag(b, i)
		if inT && !inPh {
			buf = append(buf, text...)
		}
		if !ok {
			break
		}
		i = next
		switch string(t.local) {
		case "si":
			if !t.end {
				buf = buf[:0]
			}
			if t.end || t.self {
				out = append(out, unescape(buf))
			}
		case "t":
			inT = !t.end && !t.self
		case "rPh":
			inPh = !t.end && !t.self
		}
	}
	return out
}

// Next advances to the next row that the sheet stores and reports
// whether there is one. Rows Excel leaves out (never touched) are
// skipped; Row reports the real row number.
func (r *Reader) Next() bool {
	if r.err != nil {
		return false
	}
	b := r.data
	i := r.pos
	for {
		t, _, next, ok := nextTag(b, i)
		if !ok {
			r.pos = len(b)
			return false
		}
		i = next
		if string(t.local) == "sheetData" && t.end {
			r.pos = len(b)
			return false
		}
		if string(t.local) != "row" || t.end {
			continue
		}
		if n := atoi(rawAttr(t.attrs, "r")); n > r.n {
			r.n = n
		} else {
			r.n++
		}
		r.cells = r.cells[:0:0]
		if t.self {
			r.pos = i
			return true
		}
		r.pos, r.err = r.readCells(i)
		return r.err == nil
	}
}

// readCells reads the cells of the row starting at i, up to </row>.
func (r *Reader) readCells(i int) (int, error) {
	b := r.data
	col := 0
	var typ, val []byte
	inV, inT, inPh, inCell := false, false, false, false
	for {
		t, text, next, ok := nextTag(b, i)
		if (inV || inT) && !inPh {
			val = append(val, text...)
		}
		if !ok {
			return len(b), fmt.Errorf("%w: 第 %d 行不完整", ErrNotXLSX, r.n)
		}
		i = next
		switch string(t.local) {
		case "row":
			if t.end {
				return i, nil
			}
		case "c":
			if t.end {
				r.set(col, r.value(typ, val))
				inCell = false
				continue
			}
			col++
			if c := columnOf(rawAttr(t.attrs, "r")); c > 0 {
				col = c
			}
			typ, val, inCell = rawAttr(t.attrs, "t"), val[:0], !t.self
		case "v":
			inV = inCell && !t.end && !t.self
		case "t":
			inT = inCell && !t.end && !t.self
		case "rPh":
			inPh = !t.end && !t.self
		}
	}
}

func (r *Reader) value(typ, raw []byte) string {
	switch string(typ) {
	case "s":
		n := atoi(bytes.TrimSpace(raw))
		if n < 0 || n >= len(r.sst) {
			return ""
		}
		return r.sst[n]
	case "b":
		if string(raw) == "1" {
			return "TRUE"
		}
		return "FALSE"
	}
	return unescape(raw)
}

func (r *Reader) set(col int, v string) {
	// Cells end up in text columns: PostgreSQL refuses invalid UTF-8 and
	// NUL (which a sheet can spell as &#0; or _x0000_).
	v = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(v, "\x00", ""), "\uFFFD"))
	if v == "" || col <= 0 || col > 16384 {
		return
	}
	for len(r.cells) < col {
		r.cells = append(r.cells, "")
	}
	r.cells[col-1] = v
}

// atoi reads a non-negative decimal; -1 if b is not one.
func atoi(b []byte) int {
	if len(b) == 0 || len(b) > 9 {
		return -1
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// columnOf returns the 1-based column of a cell reference such as "AB12".
func columnOf(ref []byte) int {
	c := 0
	for i := 0; i < len(ref); i++ {
		ch := ref[i]
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		if ch < 'A' || ch > 'Z' {
			break
		}
		c = c*26 + int(ch-'A'+1)
	}
	return c
}

// unescape decodes XML entities and the _xHHHH_ escapes OOXML uses for
// control characters.
func unescape(b []byte) string {
	if bytes.IndexByte(b, '&') < 0 && bytes.Index(b, []byte("_x")) < 0 {
		return string(b)
	}
	var out strings.Builder
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '&':
			semi := bytes.IndexByte(b[i:], ';')
			if semi < 0 {
				out.WriteByte('&')
				continue
			}
			ent := string(b[i+1 : i+semi])
			switch {
			case ent == "lt":
				out.WriteByte('<')
			case ent == "gt":
				out.WriteByte('>')
			case ent == "amp":
				out.WriteByte('&')
			case ent == "quot":
				out.WriteByte('"')
			case ent == "apos":
				out.WriteByte('\'')
			case strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X"):
				n, err := strconv.ParseUint(ent[2:], 16, 32)
				if err != nil {
					out.WriteString("&" + ent + ";")
				} else {
					out.WriteRune(rune(n))
				}
			case strings.HasPrefix(ent, "#"):
				n, err := strconv.ParseUint(ent[1:], 10, 32)
				if err != nil {
					out.WriteString("&" + ent + ";")
				} else {
					out.WriteRune(rune(n))
				}
			default:
				out.WriteString("&" + ent + ";")
			}
			i += semi
		case b[i] == '_' && i+6 < len(b) && b[i+1] == 'x' && b[i+6] == '_':
			if n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 32); err == nil {
				out.WriteRune(rune(n))
				i += 6
				continue
			}
			out.WriteByte(b[i])
		default:
			out.WriteByte(b[i])
		}
	}
	return out.String()
}

// Row returns the current row's number (1-based, as Excel shows it) and
// its cells, trimmed, as stored (numbers unformatted).
func (r *Reader) Row() (int, []string) { return r.n, r.cells }

// Blank reports whether the current row has no value at all.
func (r *Reader) Blank() bool {
	for _, c := range r.cells {
		if c != "" {
			return false
		}
	}
	return true
}

// Err is the error that stopped Next, if any.
func (r *Reader) Err() error { return r.err }

// Close releases the workbook.
func (r *Reader) Close() error {
	r.data, r.sst = nil, nil
	return nil
}

// Cell returns cells[i], or "" past the end of a short row.
func Cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// HeaderKey normalises a header for matching: no spaces, ASCII
// parentheses and percent, no required-field asterisk.
func HeaderKey(s string) string {
	s = strings.NewReplacer(" ", "", "\u3000", "", "（", "(", "）", ")", "％", "%", "*", "", "\n", "").Replace(s)
	return strings.TrimSpace(s)
}

// Plain turns a number Excel stored in scientific notation (a long phone
// number typed as a number: 1.3800138E10) back into its digits; anything
// else is returned as is.
func Plain(s string) string {
	if !strings.ContainsAny(s, "eE") {
		return s
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Decimal cleans a stored number that binary floating point wrote with
// noise (89.499999999999986 for 89.5) back to at most two decimals; a
// value with real extra decimals (89.505) is left for validation to
// reject.
func Decimal(s string) string {
	s = Plain(s)
	dot := strings.IndexByte(s, '.')
	if dot < 0 || len(s)-dot-1 <= 2 {
		return s
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	r := math.Round(v * 100)
	if math.Abs(v*100-r) > 1e-6 {
		return s
	}
	return strconv.FormatFloat(r/100, 'f', -1, 64)
}

// Date turns an Excel date serial (a cell typed as a date: 45292) into
// 2006-01-02; text dates are returned as they are for validation.
func Date(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= 1 && v <= 2958465) { // NaN too
		return s
	}
	t, err := excelize.ExcelDateToTime(v, false)
	if err != nil {
		return s
	}
	return t.Format(time.DateOnly)
}
