package archive

import "wuye/internal/platform/web"

func (h *Handlers) pageRoutes(rt *web.Router) {}
