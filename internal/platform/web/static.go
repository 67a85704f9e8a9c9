package web

import (
	"embed"
	"io/fs"
	"net/http"
	"net/url"
)

// static holds app.css, app.js and vendor/ (htmx, echarts), which make
// copies from node_modules before building.
//
//go:embed static
var staticFS embed.FS

// Static serves the embedded assets under /static/.
func Static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	h := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// Pager is what the "pager" template block shows under a list.
type Pager struct {
	Total, Page, PerPage int
	Query                url.Values
}
