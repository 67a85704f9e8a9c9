package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"wuye/internal/platform/money"
)

//go:embed templates/*.html
var layoutFS embed.FS

// Viewer is the signed-in user as the layout needs it. auth.User
// implements it; web does not import auth.
type Viewer interface {
	DisplayName() string
	RoleLabel() string
	Can(perm string) bool
	// ShowPhone is a person's phone as the viewer may see it (masked
	// unless their role calls people).
	ShowPhone(phone string) string
}

type viewerKey struct{}
type csrfKey struct{}

// WithViewer puts the signed-in user into ctx for the layout.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	if rq, ok := ctx.Value(requestKey{}).(*request); ok {
		rq.viewer = v
	}
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerOf returns the signed-in user, or nil.
func ViewerOf(ctx context.Context) Viewer {
	v, _ := ctx.Value(viewerKey{}).(Viewer)
	return v
}

func withCSRF(ctx context.Context, tok string) context.Context {
	return context.WithValue(ctx, csrfKey{}, tok)
}

// Page is what every page template receives.
type Page struct {
	Title  string
	Nav    string // which menu entry is active
	User   Viewer
	CSRF   string
	Flash  string
	Errors map[string]string // field → message, for inline form errors
	Form   url.Values        // submitted values, kept on error
	Query  url.Values        // list filters
	Data   any
}

// Shanghai is the zone every time is shown in.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// Funcs are the template functions every page may use.
var Funcs = template.FuncMap{
	"money": func(f int64) string { return money.Fen(f).String() },
	"area":  money.Area,
	"dec2":  money.PlainHundredths,
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(Shanghai).Format("2006-01-02 15:04")
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(Shanghai).Format("2006-01-02")
	},
	"rate": func(num, den int64) string {
		if den == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", float64(num*1000/den)/10)
	},
	"query": func(q url.Values, kv ...string) string {
		c := url.Values{}
		for k, v := range q {
			c[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				c.Del(kv[i])
			} else {
				c.Set(kv[i], kv[i+1])
			}
		}
		return c.Encode()
	},
	"add": func(a, b int) int { return a + b },
	// dict builds the argument map of a form-field block:
	// {{template "input" (dict "P" $ "name" "number" "label" "房号")}}
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				m[k] = kv[i+1]
			}
		}
		return m
	},
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i + 1
		}
		return s
	},
	"can": func(v Viewer, perm string) bool { return v != nil && v.Can(perm) },
	// phone shows an owner's, resident's, visitor's … phone as the viewer
	// may see it: {{phone $.User .Phone}}. Nobody signed in sees none.
	"phone": func(v Viewer, s string) string {
		if v == nil {
			return ""
		}
		return v.ShowPhone(s)
	},
	"pages": func(total, perPage int) int {
		if perPage <= 0 {
			return 1
		}
		return max(1, (total+perPage-1)/perPage)
	},
}

// Templates is one module's set of pages, each parsed with the layout.
type Templates struct {
	pages map[string]*template.Template
}

// ParseTemplates parses every templates/*.html in fsys (a module's
// embedded templates): files starting with "_" are partials shared by all
// pages of the module;
// every other file is a page named by its file name without extension.
func ParseTemplates(fsys fs.FS, extra template.FuncMap) *Templates {
	base := template.New("layout").Funcs(Funcs).Funcs(extra)
	base = template.Must(base.ParseFS(layoutFS, "templates/*.html"))
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		panic(err)
	}
	var partials []string
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") {
			partials = append(partials, n)
		}
	}
	if len(partials) > 0 {
		base = template.Must(base.ParseFS(fsys, partials...))
	}
	t := &Templates{pages: map[string]*template.Template{}}
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") {
			continue
		}
		p := template.Must(template.Must(base.Clone()).ParseFS(fsys, n))
		t.pages[strings.TrimSuffix(path.Base(n), ".html")] = p
	}
	return t
}

// Render writes page name with the layout. A "fragment" request from htmx
// (HX-Request header) gets only the block named "content".
func (t *Templates) Render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) error {
	tmpl, ok := t.pages[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	fill(w, r, p)
	entry := "layout"
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true" && tmpl.Lookup("fragment") != nil {
		entry = "fragment"
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, entry, p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func fill(w http.ResponseWriter, r *http.Request, p *Page) {
	if p.User == nil {
		p.User = ViewerOf(r.Context())
	}
	p.CSRF = CSRFToken(w, r)
	if p.Query == nil {
		p.Query = r.URL.Query()
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if p.Flash == "" {
		p.Flash = takeFlash(w, r)
	}
}

var errorPage = ParseTemplates(emptyFS{}, nil)

func renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := &Page{Title: statusTitle(status), Data: map[string]any{"Status": status, "Message": msg,
		"RequestID": RequestID(r.Context())}}
	fill(w, r, p)
	var buf bytes.Buffer
	if err := errorPage.base().ExecuteTemplate(&buf, "error", p); err != nil {
		slog.Error("render error page", "err", err)
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (t *Templates) base() *template.Template {
	for _, p := range t.pages {
		return p
	}
	return template.Must(template.New("layout").Funcs(Funcs).ParseFS(layoutFS, "templates/*.html"))
}

type emptyFS struct{}

func (emptyFS) Open(string) (fs.File, error) { return nil, fs.ErrNotExist }

// statusTitle is the error page's heading in the user's language.
func statusTitle(status int) string {
	switch status {
	case http.StatusForbidden:
		return "无权访问"
	case http.StatusNotFound:
		return "页面或记录不存在"
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		return "输入有误"
	case http.StatusConflict:
		return "操作冲突"
	case http.StatusTooManyRequests:
		return "操作过于频繁"
	case http.StatusUnauthorized:
		return "请先登录"
	}
	if status >= 500 {
		return "系统出错"
	}
	return http.StatusText(status)
}
