// Package web holds the HTTP mechanisms every module shares: the router
// that records each route with the permission it needs, error mapping to
// the JSON envelope or the HTML error page, JSON decoding, templates,
// CSRF and static assets. It has no business rules.
package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"wuye/internal/platform/errs"
)

// HandlerFunc is a handler that returns its error instead of writing it;
// the router renders the error as JSON for /api/ paths and as a page
// otherwise.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one registered pattern and the permission it requires.
// Perm "" means public (login, health, static).
type Route struct {
	Method  string
	Path    string
	Perm    string
	Handler HandlerFunc
}

// Gate authenticates a request and checks a permission. It returns the
// request with the caller in its context.
type Gate interface {
	Authorize(r *http.Request, perm string) (*http.Request, error)
}

// Router is a net/http ServeMux that remembers every route and its
// permission, so a test can walk them all.
type Router struct {
	mux    *http.ServeMux
	gate   Gate
	routes []Route
	Log    *slog.Logger
}

// NewRouter returns a router that authorizes with gate.
func NewRouter(gate Gate, log *slog.Logger) *Router {
	if log == nil {
		log = slog.Default()
	}
	return &Router{mux: http.NewServeMux(), gate: gate, Log: log}
}

// Handle registers "METHOD /path" behind perm.
func (rt *Router) Handle(pattern, perm string, h HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("web: route pattern needs a method: " + pattern)
	}
	rt.routes = append(rt.routes, Route{Method: method, Path: path, Perm: perm, Handler: h})
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if perm != "" || rt.gate != nil {
			r2, err := rt.gate.Authorize(r, perm)
			if err != nil && perm != "" {
				rt.Error(w, r, err)
				return
			}
			if r2 != nil {
				r = r2
			}
		}
		if r.Body != nil {
			// No request is larger than an upload (Excel import ≤ 20 MB).
			r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		}
		if err := checkText(r); err != nil {
			rt.Error(w, r, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !IsAPI(r) {
			if err := CheckCSRF(r); err != nil {
				rt.Error(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			rt.Error(w, r, err)
		}
	})
}

// Mount registers a plain http.Handler (static files) without checks.
func (rt *Router) Mount(pattern string, h http.Handler) { rt.mux.Handle(pattern, h) }

// Routes lists every route registered through Handle, sorted.
func (rt *Router) Routes() []Route {
	out := append([]Route(nil), rt.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }

// MaxBody is the largest request body accepted.
const MaxBody = 32 << 20

// IsAPI reports whether r is a JSON API request.
func IsAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// StatusOf maps an error code to its HTTP status: the one place where
// that happens.
func StatusOf(err error) int {
	switch errs.CodeOf(err) {
	case errs.CodeInvalid:
		return http.StatusUnprocessableEntity
	case errs.CodeNotFound:
		return http.StatusNotFound
	case errs.CodeConflict:
		return http.StatusConflict
	case errs.CodeForbidden:
		return http.StatusForbidden
	case errs.CodeUnauthorized:
		return http.StatusUnauthorized
	case errs.CodeTooMany:
		return http.StatusTooManyRequests
	}
	if errors.Is(err, context.Canceled) {
		return 499
	}
	return http.StatusInternalServerError
}

// Error writes err as the JSON envelope (API) or the error page.
func (rt *Router) Error(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	e, ok := errs.As(err)
	if !ok {
		rt.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err,
			"request_id", RequestID(r.Context()))
		e = &errs.Error{Code: errs.CodeInternal, Message: "服务器内部错误，请稍后重试或联系管理员"}
	}
	if IsAPI(r) {
		WriteJSON(w, status, map[string]any{"error": map[string]string{
			"code": string(e.Code), "message": e.Message, "field": e.Field}})
		return
	}
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	renderError(w, r, status, e.Message)
}

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// DecodeJSON reads a JSON object body into dst. Malformed JSON or a value
// of the wrong type is an invalid error naming the field.
func DecodeJSON(r *http.Request, dst any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err == nil && bytes.Contains(raw, []byte(`\u0000`)) {
		// PostgreSQL cannot store a NUL character in text.
		return errs.Invalid("", "请求中含有无效字符（\\u0000）")
	}
	dec := json.NewDecoder(io.MultiReader(bytes.NewReader(raw), errReader{err}))
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		var fe *FieldError
		switch {
		case errors.As(err, &fe):
			return errs.Invalid(fe.Field, "%s", fe.Message)
		case errors.As(err, &te):
			return errs.Invalid(te.Field, "字段 %s 的类型不正确", te.Field)
		case errors.Is(err, io.EOF):
			return errs.Invalid("", "请求体为空，需要 JSON 对象")
		default:
			var me *http.MaxBytesError
			if errors.As(err, &me) {
				return errs.Invalid("", "请求体过大")
			}
			return errs.Invalid("", "请求体不是有效的 JSON：%v", err)
		}
	}
	return nil
}

// errReader replays a read error (such as a body over the limit) after
// the bytes read before it.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err == nil {
		return 0, io.EOF
	}
	return 0, e.err
}

// checkText rejects query and form values that are not UTF-8 or hold a
// NUL character: PostgreSQL refuses to compare or store them, which
// would otherwise surface as a 500.
func checkText(r *http.Request) error {
	var err error
	values := r.URL.Query()
	switch ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); {
	case ct == "multipart/form-data":
		// Parsed as FormValue would, so the fields stay readable.
		err = r.ParseMultipartForm(32 << 20)
		values = r.Form
	case IsAPI(r):
		// An API body is JSON whatever its Content-Type says (curl -d
		// sends form-urlencoded); DecodeJSON checks it.
	default:
		err = r.ParseForm()
		values = r.Form
	}
	if err != nil {
		return errs.Invalid("", "请求参数格式不正确")
	}
	for k, vs := range values {
		for _, v := range append(vs, k) {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return errs.Invalid(k, "%s 含有无效字符", k)
			}
		}
	}
	return nil
}

// FieldError lets a custom JSON type say which field it failed on.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Paging is page/per_page from the query string, clamped per API.md.
type Paging struct{ Page, PerPage int }

// Offset is the SQL OFFSET.
func (p Paging) Offset() int { return (p.Page - 1) * p.PerPage }

const maxPage = 10_000_000

// PagingOf reads page and per_page (default 50, max 500).
func PagingOf(r *http.Request) Paging {
	p := Paging{Page: 1, PerPage: 50}
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		// Capped so that Offset cannot overflow into a negative OFFSET,
		// which PostgreSQL refuses (a 500); no list has this many pages.
		p.Page = min(v, maxPage)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		p.PerPage = min(v, 500)
	}
	return p
}

// ID reads an integer path value; a bad one is not found.
func ID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, errs.NotFound("记录不存在")
	}
	return v, nil
}

// QueryID reads an optional integer query value (0 when absent).
func QueryID(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, errs.Invalid(name, "%s 必须是正整数", name)
	}
	return v, nil
}

// Invalid400 answers invalid input of fn with 400 and the JSON error
// envelope instead of the router's 422, for the APIs whose contract says
// 400 (front desk, renovation, move-in); other errors go to the router.
func Invalid400(fn HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := fn(w, r)
		if e, ok := errs.As(err); ok && e.Code == errs.CodeInvalid {
			return WriteJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]string{
				"code": string(e.Code), "message": e.Message, "field": e.Field}})
		}
		return err
	}
}
