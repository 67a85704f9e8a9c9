package archive

import "wuye/internal/platform/web"

// excelRoutes registers the Excel template, import and export routes.
func (h *Handlers) excelRoutes(rt *web.Router) {}
