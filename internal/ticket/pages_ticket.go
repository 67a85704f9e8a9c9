package ticket

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// actionPerm is the permission of each step's form, as in the API.
var actionPerm = map[string]string{
	"dispatch": auth.PermTicketHandle, "start": auth.PermTicketWork, "reply": auth.PermTicketWork,
	"resolve": auth.PermTicketWork, "callback": auth.PermTicketCallback, "reopen": auth.PermTicketHandle,
	"cancel": auth.PermTicketHandle, "validity": auth.PermTicketJudge, "major": auth.PermTicketJudge,
}

// actionFields are the fields each form shows errors next to; any other
// error (a 409 on the status) is shown at the top of the page.
var actionFields = map[string][]string{
	"dispatch": {"department", "assignee_id"}, "reply": {"text"}, "resolve": {"resolution"},
	"callback": {"result", "note"}, "reopen": {"reason"}, "cancel": {"reason"},
	"validity": {"valid", "reason"}, "major": {"report"},
}

func (p *pages) actionRoutes(rt *web.Router) {
	step := func(action, path string, fn func(r *http.Request, id int64) (*Ticket, error)) {
		rt.Handle("POST /tickets/{id}/"+path, actionPerm[action], p.act(action, fn))
	}
	step("dispatch", "dispatch", func(r *http.Request, id int64) (*Ticket, error) {
		in := DispatchInput{Department: r.FormValue("department")}
		if a := formInt(r, "assignee_id"); a > 0 {
			in.AssigneeID = &a
		}
		return p.S.Dispatch(r.Context(), user(r), id, in)
	})
	step("start", "start", func(r *http.Request, id int64) (*Ticket, error) {
		return p.S.Start(r.Context(), user(r), id)
	})
	step("reply", "reply", func(r *http.Request, id int64) (*Ticket, error) {
		return p.S.Reply(r.Context(), user(r), id, r.FormValue("text"))
	})
	step("resolve", "resolve", func(r *http.Request, id int64) (*Ticket, error) {
		return p.S.Resolve(r.Context(), user(r), id, r.FormValue("resolution"))
	})
	step("callback", "callback", func(r *http.Request, id int64) (*Ticket, error) {
		return p.S.Callback(r.Context(), user(r), id, CallbackInput{Result: r.FormValue("result"), Note: r.FormValue("note")})
	})
	step("reopen", "reopen", func(r *http.Request, id int64) (*Ticket, error) {
		return p.S.Reopen(r.Context(), user(r), id, r.FormValue("reason"))
	})
	step("cancel", "cancel", func(r *http.Request, id int64) (*Ticket, error) {
		return p.S.Cancel(r.Context(), user(r), id, r.FormValue("reason"))
	})
	step("validity", "validity", func(r *http.Request, id int64) (*Ticket, error) {
		in := ValidityInput{Reason: r.FormValue("reason"), Major: r.FormValue("major") != ""}
		switch r.FormValue("valid") {
		case "yes":
			in.Valid = new(bool)
			*in.Valid = true
		case "no":
			in.Valid = new(bool)
		}
		return p.S.SetValidity(r.Context(), user(r), id, in)
	})
	step("major", "major-report", func(r *http.Request, id int64) (*Ticket, error) {
		return p.S.MajorReport(r.Context(), user(r), id, r.FormValue("report"))
	})
}

// act runs one step from its form. Success goes back (to the ticket, or
// to the 回访 queue the form came from) with a flash; a business error
// shows the page again with the message and the values kept.
func (p *pages) act(action string, fn func(r *http.Request, id int64) (*Ticket, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		fromQueue := r.FormValue("back") == "callbacks"
		t, err := fn(r, id)
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Code == errs.CodeForbidden || e.Code == errs.CodeNotFound {
				return err
			}
			m := fieldErrors(err, actionFields[action]...)
			if fromQueue {
				return p.renderCallbacks(w, r, web.StatusOf(err), &web.Page{Errors: m, Form: r.PostForm}, id)
			}
			return p.renderTicket(w, r, id, web.StatusOf(err), &ticketView{Action: action, Errs: m, Vals: r.PostForm})
		}
		back := fmt.Sprintf("/tickets/%d", id)
		if fromQueue {
			back = "/tickets/callbacks"
		}
		return redirect(w, r, back, flashOf(action, t))
	}
}

func flashOf(action string, t *Ticket) string {
	switch {
	case action == "callback" && t.Status != StatusClosed:
		return t.Number + " 回访不满意，已退回重新处理"
	case action == "callback":
		return t.Number + " 已回访，工单关闭"
	case action == "dispatch":
		return t.Number + " 已派工"
	case action == "major":
		return t.Number + " 已提交重大投诉书面报告"
	case action == "validity":
		return t.Number + " 已保存投诉定性"
	}
	return t.Number + " 已" + actionLabels[action]
}

// ticketView is what the ticket page shows and which forms it offers.
type ticketView struct {
	T           *Ticket
	Community   string
	Assignees   []Assignee
	Files       []Attachment
	Departments []string
	Results     []string
	Now         time.Time
	Action      string            // the form that failed, if any
	Errs        map[string]string // its errors
	Vals        url.Values        // its submitted values

	user *auth.User
}

// Can reports whether the form of action is offered: the ticket's status
// allows it and the user has its permission.
func (v *ticketView) Can(action string) bool {
	if action == "attach" {
		return v.user.Can(auth.PermTicketWork) && v.T.Status != StatusCancelled
	}
	if !v.user.Can(actionPerm[action]) || !slices.Contains(allowedFrom[action], v.T.Status) {
		return false
	}
	switch action {
	case "validity":
		return v.T.Kind == KindComplaint
	case "major":
		return v.T.Major
	}
	return true
}

// V is a submitted value of the failed form (so other forms start empty).
func (v *ticketView) V(action, field string) string {
	if v.Action != action {
		return ""
	}
	return v.Vals.Get(field)
}

// E is an error of the failed form's field.
func (v *ticketView) E(action, field string) string {
	if v.Action != action {
		return ""
	}
	return v.Errs[field]
}

// Failed reports whether action's form is the one that failed.
func (v *ticketView) Failed(action string) bool { return v.Action == action }

// RespondLate and ResolveLate say whether a deadline was or is missed.
func (v *ticketView) RespondLate() bool {
	t := v.T
	if t.FirstResponseAt != nil {
		return t.FirstResponseAt.After(t.RespondDueAt)
	}
	return t.Status != StatusCancelled && t.Status != StatusClosed && v.Now.After(t.RespondDueAt)
}

func (v *ticketView) ResolveLate() bool {
	t := v.T
	if t.FirstResolvedAt != nil {
		return t.FirstResolvedAt.After(t.ResolveDueAt)
	}
	return t.Open() && v.Now.After(t.ResolveDueAt)
}

func (p *pages) ticket(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	return p.renderTicket(w, r, id, http.StatusOK, &ticketView{})
}

func (p *pages) renderTicket(w http.ResponseWriter, r *http.Request, id int64, status int, v *ticketView) error {
	u := user(r)
	t, err := p.S.Get(r.Context(), u, id)
	if err != nil {
		return err
	}
	v.T, v.user, v.Now = t, u, p.S.Now()
	v.Community = p.S.CommunityName(r.Context(), t.CommunityID)
	v.Departments, v.Results = Departments, CallbackResults
	if v.Files, err = p.S.Attachments(r.Context(), u, id); err != nil {
		return err
	}
	if v.Can("dispatch") {
		if v.Assignees, err = p.S.Assignees(r.Context(), u, t.CommunityID); err != nil {
			return err
		}
	}
	if v.Errs == nil {
		v.Errs = map[string]string{}
	}
	return p.t.Render(w, r, status, "ticket", &web.Page{Title: "工单 " + t.Number, Nav: "tickets", Errors: v.Errs, Data: v})
}

// the 回访 queue

func (p *pages) callbacks(w http.ResponseWriter, r *http.Request) error {
	return p.renderCallbacks(w, r, http.StatusOK, &web.Page{}, 0)
}

// renderCallbacks shows resolved tickets awaiting their 回访, oldest
// first; failed is the ticket whose inline form failed.
func (p *pages) renderCallbacks(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, failed int64) error {
	cid, err := web.QueryID(r, "community_id")
	if err != nil {
		return err
	}
	pq := web.PagingOf(r)
	f := Filter{CommunityID: cid, Callback: true, Limit: pq.PerPage, Offset: pq.Offset()}
	ts, total, err := p.S.List(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	cs, err := p.arch.PageScope(r, false)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = "待回访", "callbacks"
	pg.Data = map[string]any{"Tickets": ts, "Communities": cs.List, "Names": cs.Names, "Results": CallbackResults,
		"Failed": failed, "Now": p.S.Now(),
		"Pager": web.Pager{Total: total, Page: pq.Page, PerPage: pq.PerPage, Query: r.URL.Query()}}
	return p.t.Render(w, r, status, "callbacks", pg)
}

// notifications

func (p *pages) notifications(w http.ResponseWriter, r *http.Request) error {
	ns, unread, err := p.S.Notifications(r.Context(), user(r), 200)
	if err != nil {
		return err
	}
	return p.t.Render(w, r, http.StatusOK, "notifications", &web.Page{Title: "通知", Nav: "notifications",
		Data: map[string]any{"Items": ns, "Unread": unread, "Kinds": notificationKinds}})
}

var notificationKinds = map[string]string{"assigned": "派工", "callback_due": "待回访", "major": "重大投诉",
	"overdue": "超时", "due_soon": "即将超时"}

// NotificationKind is a notification kind's Chinese name (reopen-N
// kinds are 返修/重新处理).
func NotificationKind(k string) string {
	if l, ok := notificationKinds[k]; ok {
		return l
	}
	if strings.HasPrefix(k, "reopen") {
		return "重新处理"
	}
	return k
}

// notificationCount is the header badge, loaded by htmx and refreshed
// every minute by the fragment itself.
func (p *pages) notificationCount(w http.ResponseWriter, r *http.Request) error {
	_, unread, err := p.S.Notifications(r.Context(), user(r), 0)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	badge := ""
	if unread > 0 {
		badge = fmt.Sprintf(` <b class="badge">%d</b>`, unread)
	}
	_, err = fmt.Fprintf(w, `<a href="/notifications" id="notify-badge" hx-get="/notifications/count" hx-trigger="every 60s" hx-swap="outerHTML">通知%s</a>`, badge)
	return err
}

func (p *pages) notificationsRead(w http.ResponseWriter, r *http.Request) error {
	id := formInt(r, "id")
	if err := p.S.MarkRead(r.Context(), user(r), id); err != nil {
		return err
	}
	if id > 0 {
		if tid := formInt(r, "ticket_id"); tid > 0 {
			return redirect(w, r, fmt.Sprintf("/tickets/%d", tid), "")
		}
		return redirect(w, r, "/notifications", "已标为已读")
	}
	return redirect(w, r, "/notifications", "全部通知已标为已读")
}
