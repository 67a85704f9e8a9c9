package frontdesk

import (
	"embed"
	"html/template"
	"net/http"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Handlers serve the front desk's JSON API (/api/v1/…) and its pages
// (/desk/…), both on the same Service. Each area registers its own routes.
type Handlers struct {
	S *Service
	// Arch resolves typed house codes and lists communities for the pages.
	Arch *archive.Service
	t    *web.Templates
}

// Routes registers every front-desk route with the permission it needs.
func (h *Handlers) Routes(rt *web.Router) {
	if h.Arch == nil {
		h.Arch = archive.NewService(h.S.DB)
	}
	h.t = web.ParseTemplates(templateFS, template.FuncMap{})
	h.keyRoutes(rt)
	h.parcelRoutes(rt)
	h.visitorRoutes(rt)
	h.custodyRoutes(rt)
	h.noticeRoutes(rt)
	h.dutyRoutes(rt)
}

func user(r *http.Request) *auth.User { return auth.UserOf(r.Context()) }
