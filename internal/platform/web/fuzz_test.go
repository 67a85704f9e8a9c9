package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"wuye/internal/platform/errs"
)

// fuzzBody has the shapes API inputs have: strings, numbers, Text,
// optional pointers, lists and nested objects.
type fuzzBody struct {
	Name   string            `json:"name"`
	Count  int               `json:"count"`
	ID     int64             `json:"id"`
	Area   Text              `json:"area"`
	Paid   bool              `json:"paid"`
	House  *int64            `json:"house_id"`
	Tags   []string          `json:"tags"`
	Lines  []fuzzLine        `json:"lines"`
	Extra  map[string]string `json:"extra"`
	Nested *fuzzBody         `json:"nested"`
}

type fuzzLine struct {
	Amount Text   `json:"amount"`
	Note   string `json:"note"`
}

// strings lists every string the decoder produced.
func (b *fuzzBody) strings() []string {
	if b == nil {
		return nil
	}
	out := append([]string{b.Name, string(b.Area)}, b.Tags...)
	for _, l := range b.Lines {
		out = append(out, string(l.Amount), l.Note)
	}
	for k, v := range b.Extra {
		out = append(out, k, v)
	}
	return append(out, b.Nested.strings()...)
}

func jsonRequest(body []byte) *http.Request {
	r := httptest.NewRequest("POST", "/api/v1/x", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// FuzzDecodeJSON: any body either decodes into text PostgreSQL can store
// (valid UTF-8, no NUL) or is an invalid-input error — the router's 422,
// never an internal error (500).
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{``, `{}`, `null`, `[]`, `"x"`, `1`, `{"name":"张三","count":3,"area":"89.50"}`,
		`{"area":89.5}`, `{"area":1e9}`, `{"area":-0}`, `{"area":null}`, `{"area":true}`, `{"area":{"a":1}}`,
		`{"count":"3"}`, `{"count":1e2}`, `{"count":99999999999999999999}`, `{"id":-1}`, `{"house_id":null}`,
		`{"tags":["a",1]}`, `{"lines":[{"amount":"1,234.50","note":"\u0000"}]}`, `{"name":"\u0000"}`,
		`{"name":"\ud800"}`, "{\"name\":\"\xff\xfe\"}", "{\"name\":\"a\x00b\"}", `{"name":"a"} trailing`,
		`{"name":`, `{"nested":{"nested":{"nested":{"name":"深"}}}}`, `{"extra":{"\\u0000":"x"}}`,
		`{"name":"１２３"}`, `{"NAME":"case"}`, `{"name":"a","name":"b"}`, strings.Repeat(`[`, 20000)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b fuzzBody
		err := DecodeJSON(jsonRequest(body), &b)
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Code != errs.CodeInvalid || StatusOf(err) != http.StatusUnprocessableEntity {
				t.Fatalf("DecodeJSON(%q): %v, want an invalid-input error", body, err)
			}
			return
		}
		for _, s := range b.strings() {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("DecodeJSON(%q) let %q through", body, s)
			}
		}
	})
}

// FuzzText: a JSON string arrives in a Text field unchanged (invalid
// UTF-8 as json.Marshal sends it, U+FFFD), a JSON number exactly as
// written, so validation sees what the client typed.
func FuzzText(f *testing.F) {
	for _, s := range []string{"89.50", "89.5", "", "0", "-1", "1,234.50", "１２３", "1e9", "1E-7", "-0.0",
		strings.Repeat("9", 400), "null", "true", "\xff", "a\"b\\c", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b fuzzBody
		body, _ := json.Marshal(map[string]string{"area": s})
		err := DecodeJSON(jsonRequest(body), &b)
		switch {
		case strings.ContainsRune(s, 0):
			if err == nil {
				t.Fatalf("a NUL in %q was accepted", s)
			}
		case err != nil:
			t.Fatalf("DecodeJSON(%s): %v", body, err)
		default:
			var plain map[string]string
			if json.Unmarshal(body, &plain); string(b.Area) != plain["area"] {
				t.Fatalf("Text of string %q = %q, a string field gets %q", s, b.Area, plain["area"])
			}
		}
		if _, perr := strconv.ParseFloat(s, 64); perr == nil && json.Valid([]byte(s)) {
			// A JSON number token keeps its spelling ("89.50" stays two decimals).
			if err := DecodeJSON(jsonRequest([]byte(`{"area":`+s+`}`)), &b); err != nil || string(b.Area) != s {
				t.Fatalf("Text of number %s = %q, %v", s, b.Area, err)
			}
		}
	})
}

// FuzzQueryAndForm sends any query string and form body through the
// router: the handler sees only valid UTF-8 without NUL, paging stays in
// range with a non-negative OFFSET, and the answer is never a 500.
func FuzzQueryAndForm(f *testing.F) {
	for _, c := range [][2]string{{"", ""}, {"page=2&per_page=20", "name=a"}, {"page=-1&per_page=0", ""},
		{"page=9223372036854775807&per_page=500", ""}, {"page=99999999999999999999", ""}, {"per_page=100000", ""},
		{"q=%00", ""}, {"q=%FF", "name=%FF"}, {"q=%zz", "a=%zz"}, {"q=%25", "q=%5F"}, {"id=1&id=2", ""},
		{"community_id=-5", ""}, {"community_id=1e3", ""}, {"community_id=%EF%BC%91", ""}, {";;&&==", "\x00=\x00"}} {
		f.Add(c[0], c[1], true)
		f.Add(c[0], c[1], false)
	}
	rt := NewRouter(headerGate{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := func(w http.ResponseWriter, r *http.Request) error {
		values := r.URL.Query()
		if !IsAPI(r) {
			values = r.Form
		}
		for k, vs := range values {
			for _, v := range append(vs, k) {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					panic("handler got " + strconv.Quote(v))
				}
			}
		}
		p := PagingOf(r)
		if p.Page < 1 || p.PerPage < 1 || p.PerPage > 500 || p.Offset() < 0 {
			panic("paging out of range: " + strconv.Itoa(p.Page) + "/" + strconv.Itoa(p.PerPage))
		}
		if _, err := QueryID(r, "community_id"); err != nil {
			return err
		}
		_, err := w.Write([]byte("ok"))
		return err
	}
	rt.Handle("GET /api/v1/x", "", h)
	rt.Handle("POST /x", "", h)
	f.Fuzz(func(t *testing.T, query, form string, api bool) {
		var req *http.Request
		if api {
			req = httptest.NewRequest("GET", "/api/v1/x", nil)
		} else {
			req = httptest.NewRequest("POST", "/x", strings.NewReader(form+"&csrf=t"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "wuye_csrf", Value: "t"})
		}
		req.URL.RawQuery = query
		req.Header.Set("X-User", "u")
		rec := serve(rt, req)
		if rec.Code >= 500 || (rec.Code != http.StatusOK && rec.Code < 400) {
			t.Fatalf("?%s %q: %d %s", query, form, rec.Code, rec.Body)
		}
	})
}

// FuzzReadUpload: an upload either arrives with a name PostgreSQL can
// store (valid UTF-8, no NUL) and its exact bytes, or is an invalid error
// on the field.
func FuzzReadUpload(f *testing.F) {
	for _, n := range []string{"抄表.xlsx", "", "a\x00b.pdf", "\xff.png", "../../etc/passwd", `C:\x\y.xlsx`, "a\"b", "%00.pdf",
		strings.Repeat("长", 300)} {
		f.Add(n, []byte("PK\x03\x04data"))
	}
	f.Add("x.xlsx", []byte{})
	f.Fuzz(func(t *testing.T, filename string, data []byte) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Skip()
		}
		fw.Write(data)
		mw.Close()
		req := httptest.NewRequest("POST", "/api/v1/upload", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		name, got, err := ReadUpload(httptest.NewRecorder(), req, "file", 1<<20)
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Code != errs.CodeInvalid || e.Field != "file" {
				t.Fatalf("ReadUpload(%q): %v", filename, err)
			}
			return
		}
		if !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
			t.Fatalf("ReadUpload(%q) returned name %q", filename, name)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("ReadUpload(%q) changed the content", filename)
		}
	})
}
