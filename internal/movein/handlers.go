package movein

import (
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Handlers serve move-in's JSON API (/api/v1/movein/…, /api/v1/takeover…)
// and its pages (/movein…, /takeover…), both on the same Service.
type Handlers struct {
	S *Service
	t *web.Templates
}

// Routes registers every move-in route with the permission it needs.
func (h *Handlers) Routes(rt *web.Router) {
	h.t = web.ParseTemplates(templateFS, template.FuncMap{
		"label": Label,
		"join":  strings.Join,
		"keys":  keyList,
		"stage": func(s Stages, name string) bool { return s.Has(name) },
		"sub":   func(a, b int) int { return a - b },
	})
	h.takeoverAPI(rt)
	h.takeoverPages(rt)
	h.campaignAPI(rt)
	h.campaignPages(rt)
	h.houseAPI(rt)
	h.housePages(rt)
}

func user(r *http.Request) *auth.User { return auth.UserOf(r.Context()) }

// list writes the API's list envelope.
func list[T any](w http.ResponseWriter, items []T, total int) error {
	if items == nil {
		items = []T{}
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

// query reads list filters, keeping the first error.
type query struct {
	r   *http.Request
	err error
}

func (q *query) id(name string) int64 {
	v, err := web.QueryID(q.r, name)
	if err != nil && q.err == nil {
		q.err = err
	}
	return v
}

func (q *query) str(name string) string { return strings.TrimSpace(q.r.URL.Query().Get(name)) }

func (q *query) oneOf(name string, allowed ...string) string {
	v := q.str(name)
	if v != "" && !slices.Contains(allowed, v) && q.err == nil {
		q.err = errs.Invalid(name, "%s 须为 %s 之一", name, strings.Join(allowed, "/"))
	}
	return v
}

// needCommunity reads a community_id the list cannot do without.
func (q *query) needCommunity() int64 {
	v := q.id("community_id")
	if v == 0 && q.err == nil {
		q.err = errs.Invalid("community_id", "请选择小区")
	}
	return v
}

// Pages

// communities is the community filter of a page (archive.PageScope).
type communities = archive.PageScope

// communitiesOf reads community_id from the query; one outside the
// caller's scope is a 403. With need, the first is chosen if none is.
func (h *Handlers) communitiesOf(r *http.Request, need bool) (*communities, error) {
	return h.S.Archive.PageScope(r, need)
}

// postedCommunity is the community filter of a form posted back with an
// error: the caller's communities, the posted one chosen if theirs.
func (h *Handlers) postedCommunity(r *http.Request, id int64) (*communities, error) {
	return h.S.Archive.PostedScope(r.Context(), user(r), id)
}

// fault reports whether err is the user's to correct on the page: bad
// input or a conflict. Permission and missing records go up as 403/404.
func fault(err error) bool {
	c := errs.CodeOf(err)
	return c == errs.CodeInvalid || c == errs.CodeConflict
}

// fieldErrors maps an error onto a form's fields; one of a field the
// form does not show goes to the top of the form ("").
func fieldErrors(err error, known ...string) map[string]string {
	out := map[string]string{}
	for f, msg := range errs.ByField(err) {
		if !slices.Contains(known, f) {
			f = ""
		}
		if _, dup := out[f]; !dup {
			out[f] = msg
		}
	}
	return out
}

// form is one form of a page with several: its values and errors, in
// the shape the layout's input/select/textarea blocks read.
func form(values url.Values, errors map[string]string) *web.Page {
	if errors == nil {
		errors = map[string]string{}
	}
	return &web.Page{Form: values, Errors: errors}
}

// pager is the pager under a page's list.
func pager(r *http.Request, total int) web.Pager {
	pg := web.PagingOf(r)
	return web.Pager{Total: total, Page: pg.Page, PerPage: pg.PerPage, Query: r.URL.Query()}
}

// formID reads a positive integer form value (0 when absent or bad).
func formID(r *http.Request, name string) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// formInt reads an integer form value; bad is -1, so validation names it.
func formInt(r *http.Request, name string) int {
	s := strings.TrimSpace(r.FormValue(name))
	if s == "" {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return v
}

// history loads a record's audit entries for its history panel.
func (h *Handlers) history(r *http.Request, entity string, id int64) []audit.Entry {
	if id == 0 {
		return nil
	}
	es, err := audit.History(r.Context(), h.S.DB, entity, id)
	if err != nil {
		return nil
	}
	return es
}
