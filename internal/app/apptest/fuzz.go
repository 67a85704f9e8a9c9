package apptest

import (
	"bytes"
	"net/http"
	"testing"

	"wuye/internal/app"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/excel"
)

// FuzzTB lets fixtures built once, before f.Fuzz, be used by the fuzz
// function: testing.F panics when its own Helper, Log or Fatal is called
// there, so every call goes to the *testing.T of the input being run
// (set by Use) and to the F only before the first input.
type FuzzTB struct {
	testing.TB
	t *testing.T
}

// Use directs the fixtures' reports to the input being run; call it first
// in the fuzz function (inputs of one process run one at a time).
func (x *FuzzTB) Use(t *testing.T) { x.t = t }

func (x *FuzzTB) cur() testing.TB {
	if x.t != nil {
		return x.t
	}
	return x.TB
}

// Helper is a no-op: the caller's frame belongs to whichever TB runs now.
func (x *FuzzTB) Helper() {}

func (x *FuzzTB) Log(a ...any)                   { x.cur().Log(a...) }
func (x *FuzzTB) Logf(format string, a ...any)   { x.cur().Logf(format, a...) }
func (x *FuzzTB) Error(a ...any)                 { x.cur().Error(a...) }
func (x *FuzzTB) Errorf(format string, a ...any) { x.cur().Errorf(format, a...) }
func (x *FuzzTB) Fatal(a ...any)                 { x.cur().Fatal(a...) }
func (x *FuzzTB) Fatalf(format string, a ...any) { x.cur().Fatalf(format, a...) }
func (x *FuzzTB) Fail()                          { x.cur().Fail() }
func (x *FuzzTB) FailNow()                       { x.cur().FailNow() }
func (x *FuzzTB) Failed() bool                   { return x.cur().Failed() }

// Fuzz builds one fixture on SQLite and one on PostgreSQL for a fuzz
// target (each fuzzing worker process builds its own). The fuzz function
// calls tb.Use(t) before touching them.
func Fuzz(f *testing.F) (tb *FuzzTB, fixtures []*Fixture) {
	f.Helper()
	tb = &FuzzTB{TB: f}
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		fixtures = append(fixtures, New(tb, dbtest.Open(f, dialect, app.Migrate)))
	}
	return tb, fixtures
}

// GetRaw sends GET path with the query string exactly as given: a fuzzed
// one need not parse (the server drops the pairs that do not).
func (c *Client) GetRaw(path, query string) *Response {
	req := c.Request("GET", path, nil)
	req.URL.RawQuery = query
	return c.Send(req)
}

// List is GetRaw of a JSON list for a fuzz target: it fails t on a 5xx or
// an answer neither 200 nor 4xx, and decodes a 200's items into items,
// reporting whether there was one.
func (c *Client) List(t testing.TB, path, query string, items any) bool {
	t.Helper()
	r := c.GetRaw(path, query)
	if r.Code >= 500 || (r.Code != http.StatusOK && r.Code < 400) {
		t.Fatalf("GET %s?%s: %s", path, query, r)
	}
	if r.Code != http.StatusOK {
		return false
	}
	r.JSON(t, &struct {
		Items any `json:"items"`
	}{items})
	return true
}

// Workbook is an .xlsx of rows under cols, as the importers read them;
// ok is false when a cell cannot be written (a fuzzed string no
// spreadsheet can hold).
func Workbook(cols []excel.Column, rows ...[]any) (b []byte, ok bool) {
	w := excel.NewWriter()
	err := w.Sheet("导入", cols)
	for _, r := range rows {
		if err == nil {
			err = w.Row(r...)
		}
	}
	var buf bytes.Buffer
	if err == nil {
		_, err = w.WriteTo(&buf)
	}
	return buf.Bytes(), err == nil
}
