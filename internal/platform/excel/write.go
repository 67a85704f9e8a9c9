// Package excel holds the xlsx mechanisms every module's import and export
// share: writing sheets with a styled header row, column formats and
// widths; reading a sheet row by row with its row numbers; the RowError
// an import reports; and the download headers. It has no business rules.
package excel

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ContentType is the MIME type of an .xlsx file.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Format is how a column's cells are stored.
type Format int

const (
	// Text cells are strings and the column is formatted "@", so that a
	// user typing 0101 or an 18-digit ID number into the sheet keeps it.
	Text Format = iota
	// Decimal2 cells are numbers shown with two decimals; write them as
	// Hundredths.
	Decimal2
	// Integer cells are whole numbers.
	Integer
)

// Hundredths is an exact two-decimal quantity (an area in hundredths of
// m², a share in hundredths of a percent) written as a number.
type Hundredths int64

// Column is one column of a sheet.
type Column struct {
	Header string
	Width  float64 // in characters; 0 = a width from the header
	Format Format
}

// Writer builds a workbook one sheet at a time; rows are streamed, so a
// sheet of 100k rows does not hold a cell object per value.
type Writer struct {
	f         *excelize.File
	sw        *excelize.StreamWriter
	sheet     string
	cols      []Column
	row       int
	sheets    int
	styles    struct{ header, text, decimal, integer, wrap int }
	dropdowns []dropdown
	err       error
}

// NewWriter returns an empty workbook.
func NewWriter() *Writer {
	w := &Writer{f: excelize.NewFile()}
	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	style := func(s *excelize.Style) int {
		if w.err != nil {
			return 0
		}
		id, err := w.f.NewStyle(s)
		w.err = err
		return id
	}
	w.styles.header = style(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border:    border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	})
	w.styles.text = style(&excelize.Style{NumFmt: 49})   // "@"
	w.styles.decimal = style(&excelize.Style{NumFmt: 2}) // "0.00"
	w.styles.integer = style(&excelize.Style{NumFmt: 1}) // "0"
	w.styles.wrap = style(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return w
}

func (w *Writer) cellStyle(f Format) int {
	switch f {
	case Decimal2:
		return w.styles.decimal
	case Integer:
		return w.styles.integer
	}
	return w.styles.text
}

// Sheet starts a new sheet with a bold, frozen header row. Rows written
// next go to it.
func (w *Writer) Sheet(name string, cols []Column) error {
	if w.err != nil {
		return w.err
	}
	if err := w.flush(); err != nil {
		return err
	}
	if w.sheets == 0 {
		if err := w.f.SetSheetName("Sheet1", name); err != nil {
			return w.fail(err)
		}
	} else if _, err := w.f.NewSheet(name); err != nil {
		return w.fail(err)
	}
	w.sheets++
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return w.fail(err)
	}
	w.sw, w.sheet, w.cols, w.row = sw, name, cols, 0
	for i, c := range cols {
		width := c.Width
		if width == 0 {
			width = float64(2*len([]rune(c.Header)) + 4)
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return w.fail(err)
		}
		if err := sw.SetColStyle(i+1, i+1, w.cellStyle(c.Format)); err != nil {
			return w.fail(err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return w.fail(err)
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: w.styles.header, Value: c.Header}
	}
	return w.write(header)
}

// Row appends one row to the current sheet. Values follow the columns:
// string, int/int64, Hundredths, float64 or nil; an empty string leaves
// the cell empty.
func (w *Writer) Row(vals ...any) error {
	if w.err != nil {
		return w.err
	}
	if w.sw == nil {
		return w.fail(fmt.Errorf("excel: Row before Sheet"))
	}
	cells := make([]any, len(vals))
	for i, v := range vals {
		style := w.styles.text
		if i < len(w.cols) {
			style = w.cellStyle(w.cols[i].Format)
		}
		switch x := v.(type) {
		case nil:
			continue
		case string:
			if x == "" {
				continue
			}
		case Hundredths:
			// float64(x)/100 is the double nearest the decimal, so Excel
			// shows and stores exactly the two-decimal value.
			v = float64(x) / 100
		}
		cells[i] = excelize.Cell{StyleID: style, Value: v}
	}
	return w.write(cells)
}

// Notes appends a row of long text (an explanation sheet) that wraps.
func (w *Writer) Notes(vals ...string) error {
	cells := make([]any, len(vals))
	for i, v := range vals {
		if v != "" {
			cells[i] = excelize.Cell{StyleID: w.styles.wrap, Value: v}
		}
	}
	return w.write(cells)
}

func (w *Writer) write(cells []any) error {
	w.row++
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return w.fail(err)
	}
	if err := w.sw.SetRow(cell, cells); err != nil {
		return w.fail(err)
	}
	return nil
}

// Dropdown restricts a column of the current sheet (rows 2..toRow) to a
// list of values, shown as a drop-down in Excel. The stream writer cannot
// write data validations, so they are added when the workbook is
// finished; use it on small sheets such as import templates.
func (w *Writer) Dropdown(col, toRow int, values []string) error {
	name, err := excelize.ColumnNumberToName(col)
	if err != nil {
		return w.fail(err)
	}
	w.dropdowns = append(w.dropdowns, dropdown{sheet: w.sheet, sqref: fmt.Sprintf("%s2:%s%d", name, name, toRow), values: values})
	return nil
}

type dropdown struct {
	sheet, sqref string
	values       []string
}

// addDropdowns reopens the streamed workbook in b and adds the recorded
// data validations.
func (w *Writer) addDropdowns(b []byte) (*excelize.File, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	for _, d := range w.dropdowns {
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(d.sqref)
		if err := dv.SetDropList(d.values); err != nil {
			f.Close()
			return nil, err
		}
		dv.SetError(excelize.DataValidationErrorStyleWarning, "取值不在列表中", "可选值："+strings.Join(d.values, "/"))
		if err := f.AddDataValidation(d.sheet, dv); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

func (w *Writer) flush() error {
	if w.sw == nil {
		return nil
	}
	sw := w.sw
	w.sw = nil
	return w.fail(sw.Flush())
}

func (w *Writer) fail(err error) error {
	if err != nil && w.err == nil {
		w.err = err
	}
	return err
}

// WriteTo finishes the workbook and writes it to out; the first sheet is
// the one shown on opening.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	if err := w.flush(); err != nil {
		return 0, err
	}
	if w.err != nil {
		return 0, w.err
	}
	w.f.SetActiveSheet(0)
	defer w.f.Close()
	if len(w.dropdowns) == 0 {
		return w.f.WriteTo(out)
	}
	var buf bytes.Buffer
	if _, err := w.f.WriteTo(&buf); err != nil {
		return 0, err
	}
	f, err := w.addDropdowns(buf.Bytes())
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.WriteTo(out)
}

// Attachment sets the headers of an .xlsx download named filename
// (Chinese is fine: RFC 5987 filename*), with fallback as the plain ASCII
// name for old clients.
func Attachment(w http.ResponseWriter, filename, fallback string) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Disposition", ContentDisposition(filename, fallback))
	w.Header().Set("Cache-Control", "no-store")
}

// ContentDisposition is the attachment header value for filename.
func ContentDisposition(filename, fallback string) string {
	fallback = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, fallback)
	// PathEscape leaves a few sub-delims RFC 5987 attr-char does not allow.
	enc := strings.NewReplacer("'", "%27", "(", "%28", ")", "%29", "*", "%2A", ",", "%2C",
		";", "%3B", "=", "%3D", "@", "%40", ":", "%3A", "/", "%2F").Replace(url.PathEscape(filename))
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, fallback, enc)
}

// Send writes the workbook to an HTTP response as a download.
func Send(rw http.ResponseWriter, wb *Writer, filename, fallback string) error {
	if err := wb.flush(); err != nil {
		return err
	}
	if wb.err != nil {
		return wb.err
	}
	Attachment(rw, filename, fallback)
	_, err := wb.WriteTo(rw)
	return err
}
