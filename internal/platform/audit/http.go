package audit

import (
	"context"
	"embed"
	"net/http"
	"strconv"
	"time"

	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Handlers serve the audit page and API. The audit package cannot import
// auth (auth records its changes here), so the caller supplies the scope
// and the masking rule.
type Handlers struct {
	DB *db.DB
	// Perm is the permission the routes need.
	Perm string
	// Scope returns the communities the caller sees (nil: all).
	Scope func(ctx context.Context) []int64
	// SeesIDNumbers reports whether the caller may see ID numbers.
	SeesIDNumbers func(ctx context.Context) bool
	t             *web.Templates
}

// Routes registers GET /audit and GET /api/v1/audit.
func (h *Handlers) Routes(rt *web.Router) {
	h.t = web.ParseTemplates(templateFS, nil)
	rt.Handle("GET /audit", h.Perm, h.page)
	rt.Handle("GET /api/v1/audit", h.Perm, h.api)
}

func (h *Handlers) filter(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Entity: q.Get("entity"), Communities: h.Scope(r.Context())}
	var err error
	if f.EntityID, err = web.QueryID(r, "entity_id"); err != nil {
		return f, err
	}
	if f.UserID, err = web.QueryID(r, "user_id"); err != nil {
		return f, err
	}
	day := func(name string) (time.Time, error) {
		s := q.Get(name)
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, web.Shanghai)
		if err != nil {
			return t, errs.Invalid(name, "日期格式应为 2026-01-31")
		}
		return t, nil
	}
	if f.From, err = day("from"); err != nil {
		return f, err
	}
	if f.To, err = day("to"); err != nil {
		return f, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	p := web.PagingOf(r)
	f.Limit, f.Offset = p.PerPage, p.Offset()
	return f, nil
}

func (h *Handlers) list(r *http.Request) ([]Entry, int, Filter, error) {
	f, err := h.filter(r)
	if err != nil {
		return nil, 0, f, err
	}
	es, total, err := List(r.Context(), h.DB, f)
	if err != nil {
		return nil, 0, f, err
	}
	if !h.SeesIDNumbers(r.Context()) {
		for i := range es {
			es[i].Before = MaskFields(es[i].Before, "id_number")
			es[i].After = MaskFields(es[i].After, "id_number")
		}
	}
	if es == nil {
		es = []Entry{}
	}
	return shownTo(r.Context(), es), total, f, nil
}

func (h *Handlers) api(w http.ResponseWriter, r *http.Request) error {
	es, total, _, err := h.list(r)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": es, "total": total})
}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) error {
	es, total, f, err := h.list(r)
	if err != nil {
		if _, ok := errs.As(err); !ok {
			return err
		}
		return h.t.Render(w, r, http.StatusUnprocessableEntity, "audit", &web.Page{Title: "审计日志", Nav: "audit",
			Errors: errs.ByField(err), Data: map[string]any{"Entities": Entities(), "Pager": web.Pager{Query: r.URL.Query()}}})
	}
	var users []struct {
		ID   int64
		Name string
	}
	rows, err := h.DB.QueryContext(r.Context(), `SELECT id, name FROM users ORDER BY id`)
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var u struct {
				ID   int64
				Name string
			}
			if rows.Scan(&u.ID, &u.Name) == nil {
				users = append(users, u)
			}
		}
	}
	return h.t.Render(w, r, http.StatusOK, "audit", &web.Page{Title: "审计日志", Nav: "audit", Data: map[string]any{
		"Entries": es, "Entities": Entities(), "Users": users, "UserID": strconv.FormatInt(f.UserID, 10),
		"Pager": web.Pager{Total: total, Page: f.Offset/max(f.Limit, 1) + 1, PerPage: f.Limit, Query: r.URL.Query()},
	}})
}
