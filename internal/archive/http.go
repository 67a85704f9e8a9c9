package archive

import (
	"context"
	"embed"
	"html/template"
	"net/http"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Handlers serve the archive's pages and API.
type Handlers struct {
	S *Service
	// More are the other modules' searchers (tickets by number …), so
	// that the one box in the header finds everything.
	More []Searcher
	t    *web.Templates
}

// Searcher finds a module's records for the one-box search.
type Searcher func(ctx context.Context, by *auth.User, q string) ([]Hit, error)

// search runs the archive search and every other module's.
func (h *Handlers) search(r *http.Request, q string) ([]Hit, error) {
	hits, err := h.S.Search(r.Context(), user(r), q)
	if err != nil {
		return nil, err
	}
	for _, more := range h.More {
		extra, err := more(r.Context(), user(r), q)
		if err != nil {
			return nil, err
		}
		hits = append(extra, hits...)
	}
	return hits, nil
}

// Routes registers every archive route.
func (h *Handlers) Routes(rt *web.Router) {
	h.t = web.ParseTemplates(templateFS, template.FuncMap{
		"maskID": auth.MaskID,
	})
	h.apiRoutes(rt)
	h.pageRoutes(rt)
	h.excelRoutes(rt)
}

// history loads a record's audit entries for its history panel, masking
// ID numbers for roles that may not see them.
func (h *Handlers) history(r *http.Request, entity string, id int64) []audit.Entry {
	es, err := audit.History(r.Context(), h.S.DB, entity, id)
	if err != nil {
		return nil
	}
	if !user(r).Can(auth.PermIDNumberView) {
		for i := range es {
			es[i].Before = audit.MaskFields(es[i].Before, "id_number")
			es[i].After = audit.MaskFields(es[i].After, "id_number")
		}
	}
	return es
}
