package archive

import (
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
	t *web.Templates
}

// Routes registers every archive route.
func (h *Handlers) Routes(rt *web.Router) {
	h.t = web.ParseTemplates(templateFS, template.FuncMap{
		"maskID":    auth.MaskID,
		"maskPhone": auth.MaskPhone,
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
