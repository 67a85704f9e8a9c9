package ticket

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages serves the staff console's ticket pages. Every page calls the
// Service; the archive resolves typed house codes and lists communities.
type pages struct {
	*Handlers
	arch *archive.Service
}

func (h *Handlers) pageRoutes(rt *web.Router) {
	p := &pages{Handlers: h, arch: archive.NewService(h.S.DB)}
	h.t = web.ParseTemplates(templateFS, template.FuncMap{
		"tlabel":    Label,
		"dtp":       fmtTimePtr,
		"remaining": func(due time.Time) string { return remaining(due, h.S.Now()) },
		"share":     Share,
		"nkind":     NotificationKind,
		"deref":     func(b *bool) bool { return b != nil && *b },
		"lastDay":   func(to time.Time) time.Time { return to.AddDate(0, 0, -1) },
	})

	rt.Handle("GET /tickets", auth.PermTicketRead, p.list)
	rt.Handle("GET /tickets/export.xlsx", auth.PermTicketRead, p.export)
	rt.Handle("GET /tickets/new", auth.PermTicketCreate, p.newForm)
	rt.Handle("POST /tickets", auth.PermTicketCreate, p.create)
	rt.Handle("GET /tickets/house-lookup", auth.PermTicketCreate, p.houseLookup)
	rt.Handle("GET /tickets/callbacks", auth.PermTicketCallback, p.callbacks)
	rt.Handle("GET /tickets/{id}", auth.PermTicketRead, p.ticket)
	p.actionRoutes(rt)

	rt.Handle("GET /notifications", auth.PermSignedIn, p.notifications)
	rt.Handle("GET /notifications/count", auth.PermSignedIn, p.notificationCount)
	rt.Handle("POST /notifications/read", auth.PermSignedIn, p.notificationsRead)

	rt.Handle("GET /admin/sla", auth.PermTicketRead, p.sla)
	rt.Handle("POST /admin/sla", auth.PermSLAAdmin, p.slaSave)

	rt.Handle("GET /tickets/dashboard", auth.PermKPIRead, p.dashboard)
	rt.Handle("GET /tickets/report", auth.PermKPIRead, p.report)
	rt.Handle("GET /tickets/report.xlsx", auth.PermKPIRead, p.reportXLSX)
}

// redirect answers a form post with 303 to path and a flash message.
func redirect(w http.ResponseWriter, r *http.Request, path, flash string) error {
	web.Redirect(w, r, path, flash)
	return nil
}

// fieldErrors is errs.ByField, with an error of no known field shown at
// the top of the form.
func fieldErrors(err error, known ...string) map[string]string {
	m := errs.ByField(err)
	for f, msg := range m {
		if f != "" && !contains(known, f) && m[""] == "" {
			m[""] = msg
		}
	}
	return m
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func formInt(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return v
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shanghai).Format("2006-01-02 15:04")
}

// remaining says how long until due, or how long past it.
func remaining(due, now time.Time) string {
	d := due.Sub(now)
	if d < 0 {
		return "已超时 " + span(-d)
	}
	return "剩余 " + span(d)
}

func span(d time.Duration) string {
	m := int(d.Minutes())
	switch {
	case m < 60:
		return fmt.Sprintf("%d 分钟", m)
	case m < 24*60:
		return fmt.Sprintf("%d 小时 %d 分", m/60, m%60)
	}
	return fmt.Sprintf("%d 天 %d 小时", m/(24*60), m%(24*60)/60)
}

// tab is one quick filter above the ticket list.
type tab struct {
	Label, URL string
	On         bool
}

// listFilter reads the list's filters: FilterOf plus mine=received|assigned.
func listFilter(r *http.Request) (Filter, error) {
	f, err := FilterOf(r)
	if err != nil {
		return f, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the "to" date is inclusive on screen
	}
	switch r.URL.Query().Get("mine") {
	case "received":
		f.ReceiverID = user(r).ID
	case "assigned":
		f.AssigneeID = user(r).ID
	}
	return f, nil
}

func tabs(q url.Values) []tab {
	cur := url.Values{}
	for _, k := range []string{"status", "overdue", "mine"} {
		if v := q.Get(k); v != "" {
			cur.Set(k, v)
		}
	}
	out := []tab{}
	for _, t := range []struct{ label, query string }{
		{"全部", ""}, {"待派工", "status=new"}, {"处理中", "status=in_progress"}, {"超时", "overdue=1"},
		{"待回访", "status=resolved"}, {"我受理的", "mine=received"}, {"派给我的", "mine=assigned"},
	} {
		want, _ := url.ParseQuery(t.query)
		out = append(out, tab{Label: t.label, URL: "/tickets?" + t.query, On: want.Encode() == cur.Encode()})
	}
	return out
}

func (p *pages) list(w http.ResponseWriter, r *http.Request) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	ts, total, err := p.S.List(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	cs, err := p.arch.PageScope(r, false)
	if err != nil {
		return err
	}
	pg := web.PagingOf(r)
	return p.t.Render(w, r, http.StatusOK, "tickets", &web.Page{Title: "工单", Nav: "tickets", Data: map[string]any{
		"Tickets": ts, "Communities": cs.List, "Names": cs.Names, "Kinds": Kinds, "Statuses": Statuses,
		"Departments": Departments, "Tabs": tabs(r.URL.Query()),
		"Pager": web.Pager{Total: total, Page: pg.Page, PerPage: pg.PerPage, Query: r.URL.Query()}}})
}

// ticket registration

func (p *pages) newForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	form := url.Values{"community_id": {q.Get("community_id")}, "house_code": {q.Get("house_code")},
		"kind": {KindRepair}, "urgency": {UrgencyNormal}, "channel": {"phone"}}
	if k := q.Get("kind"); k != "" {
		form.Set("kind", k)
	}
	return p.renderNew(w, r, http.StatusOK, &web.Page{Form: form})
}

func (p *pages) renderNew(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) error {
	cs, err := p.arch.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	if pg.Form.Get("community_id") == "" && len(cs) > 0 {
		pg.Form.Set("community_id", strconv.FormatInt(cs[0].ID, 10))
	}
	pg.Title, pg.Nav = "登记工单", "tickets"
	pg.Data = map[string]any{"Communities": cs, "Kinds": Kinds, "Urgencies": Urgencies, "Channels": Channels,
		"Categories": ComplaintCategories}
	return p.t.Render(w, r, status, "ticket_new", pg)
}

// ComplaintCategories are suggestions for a ticket's category (the
// monthly report ranks complaints by it); any text is accepted.
var ComplaintCategories = []string{"服务态度", "维修质量", "维修时效", "环境卫生", "绿化", "安全秩序", "停车管理",
	"噪音扰民", "收费问题", "设施设备", "装修管理", "邻里纠纷", "其他"}

// resolveHouse finds the house of a typed code (3-2-1201) in a community.
func (p *pages) resolveHouse(r *http.Request, communityID int64, code string) (*archive.House, error) {
	return p.arch.HouseByCode(r.Context(), user(r), communityID, code, "house_code")
}

// receivedAt converts a datetime-local value (Asia/Shanghai) to RFC 3339.
func receivedAt(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, shanghai); err == nil {
			return t.Format(time.RFC3339), nil
		}
	}
	return "", errs.Invalid("received_at", "受理时间格式应为 2026-11-27 22:10")
}

func (p *pages) create(w http.ResponseWriter, r *http.Request) error {
	in := CreateInput{CommunityID: formInt(r, "community_id"), Location: r.FormValue("location"), Kind: r.FormValue("kind"),
		Urgency: r.FormValue("urgency"), Channel: r.FormValue("channel"), Title: r.FormValue("title"),
		Description: r.FormValue("description"), Category: r.FormValue("category"),
		RequesterName: r.FormValue("requester_name"), RequesterPhone: r.FormValue("requester_phone")}
	var bad errs.Fields
	if code := strings.TrimSpace(r.FormValue("house_code")); code != "" {
		h, err := p.resolveHouse(r, in.CommunityID, code)
		if e, ok := errs.As(err); ok && e.Code == errs.CodeInvalid {
			bad = append(bad, e)
		} else if err != nil {
			return err
		} else {
			in.HouseID = &h.ID
		}
	}
	var err error
	if in.ReceivedAt, err = receivedAt(r.FormValue("received_at")); err != nil {
		e, _ := errs.As(err)
		bad = append(bad, e)
	}
	if err := bad.Err(); err != nil {
		return p.renderNew(w, r, http.StatusUnprocessableEntity, &web.Page{Form: r.PostForm, Errors: fieldErrors(err, newFields...)})
	}
	t, err := p.S.Create(r.Context(), user(r), in)
	if err != nil {
		if _, ok := errs.As(err); !ok || errs.CodeOf(err) == errs.CodeForbidden {
			return err
		}
		return p.renderNew(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm, Errors: fieldErrors(err, newFields...)})
	}
	return redirect(w, r, fmt.Sprintf("/tickets/%d", t.ID), "已登记工单 "+t.Number)
}

// newFields are the fields the registration form shows errors next to.
var newFields = []string{"community_id", "house_code", "house_id", "location", "kind", "urgency", "channel", "title",
	"description", "category", "requester_name", "requester_phone", "received_at"}

// houseLookup answers the registration form's htmx lookup: the house a
// typed code resolves to and its owners, or why it does not.
func (p *pages) houseLookup(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	code := strings.TrimSpace(q.Get("house_code"))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if code == "" {
		return nil
	}
	cid, _ := strconv.ParseInt(q.Get("community_id"), 10, 64)
	h, err := p.resolveHouse(r, cid, code)
	if err != nil {
		e, ok := errs.As(err)
		if !ok {
			return err
		}
		return lookupTmpl.Execute(w, map[string]any{"Err": e.Message})
	}
	return lookupTmpl.Execute(w, map[string]any{"H": h, "U": user(r)})
}

var lookupTmpl = template.Must(template.New("lookup").Parse(`{{with .Err}}<span class="ferr">{{.}}</span>{{else}}` +
	`<span class="tag ok">{{.H.Code}}</span> {{.H.Use}} · {{.H.Status}}{{range $i, $o := .H.Owners}}{{if not $i}} · 业主 {{else}}、{{end}}{{$o.Name}} {{$.U.ShowPhone $o.Phone}}{{else}} · <span class="muted">未登记业主</span>{{end}}{{end}}`))
