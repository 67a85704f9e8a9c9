package app

import (
	"log/slog"
	"net/http"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request its id, then writes one structured log
// line and counts it in the metrics under its route pattern. The mux
// sets r.Pattern on the request it is handed, which is this one.
func (a *App) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r = web.WithRequestID(w, r)
		done := a.Metrics.InFlight()
		defer done()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		var who string
		if u, ok := web.RequestViewer(r.Context()).(*auth.User); ok && u != nil {
			who = u.Login
		}
		a.Metrics.Request(r.Pattern, r.Method, sw.status, d)
		lvl := slog.LevelInfo
		if sw.status >= 500 {
			lvl = slog.LevelError
		}
		a.Log.LogAttrs(r.Context(), lvl, "http", slog.String("request_id", web.RequestID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", r.Pattern),
			slog.Int("status", sw.status), slog.Int64("ms", d.Milliseconds()), slog.String("user", who))
	})
}

// securityHeaders sets the headers every response carries. Pages use no
// inline script, so the CSP forbids it.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
