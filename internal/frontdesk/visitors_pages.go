package frontdesk

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/web"
)

// The /desk/visitors pages: who is on site now (with the checkout
// button), today's visits and the expected ones, the registration form
// (the house typed by its code), the history search, each visit's record
// and its printable pass.

// visitorsView is the /desk/visitors page.
type visitorsView struct {
	C        *deskCommunities
	View     string // onsite | today | expected | history
	Counts   map[string]int
	Visitors []*Visitor
	Pager    web.Pager
	Export   string
	IDTypes  []string
	Purposes []string
	Statuses []string
	Now      time.Time
}

// Label is the Chinese name of a stored value.
func (v *visitorsView) Label(s string) string { return VisitorLabel(s) }

var visitorFormFields = []string{"house", "host_name", "name", "phone", "id_type", "id_number", "purpose", "people", "plate",
	"notes", "expected_at", "checked_in_at"}

func (h *Handlers) visitorsPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderVisitors(w, r, http.StatusOK, &web.Page{Form: url.Values{"people": {"1"}, "id_type": {"身份证"}}})
}

func (h *Handlers) renderVisitors(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	u := user(r)
	q := r.URL.Query()
	v := &visitorsView{C: c, View: q.Get("view"), Counts: map[string]int{}, IDTypes: archive.IDTypes, Purposes: Purposes,
		Statuses: VisitorStatuses, Now: h.S.at()}
	if v.View == "" {
		v.View = "onsite"
	}
	f, err := visitorFilterOf(r)
	if err != nil {
		if _, ok := formFault(err); !ok {
			return err
		}
		pg.Errors = formErrorsOf(err, nil)
		f = VisitorFilter{}
	}
	f.CommunityID, f.View = c.ID, v.View
	lq, err := h.listQuery(r, c, v.View, "status", "name", "phone", "q", "from", "to")
	if err != nil {
		return err
	}
	f.HouseID, v.Export = lq.HouseID, lq.Export.Encode()
	pg.Errors = mergeErrors(pg.Errors, lq.Errors)
	if f.HouseID >= 0 {
		if v.Visitors, v.Pager.Total, err = h.S.Visitors(r.Context(), u, f); err != nil {
			return err
		}
	}
	v.Pager = deskPager(r, v.Pager.Total)
	for _, view := range []string{"onsite", "today", "expected"} {
		_, n, err := h.S.Visitors(r.Context(), u, VisitorFilter{CommunityID: c.ID, View: view, Limit: 1})
		if err != nil {
			return err
		}
		v.Counts[view] = n
	}
	pg.Title, pg.Nav, pg.Data = "访客登记", "desk_visitors", v
	return h.t.Render(w, r, status, "visitors", pg)
}

func (h *Handlers) registerVisitorPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	u := user(r)
	people, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("people")))
	if strings.TrimSpace(r.PostFormValue("people")) != "" && people == 0 {
		people = -1 // not a number: the service says so
	}
	in := VisitorInput{CommunityID: c.ID, HostName: r.PostFormValue("host_name"), Name: r.PostFormValue("name"),
		Phone: r.PostFormValue("phone"), IDType: r.PostFormValue("id_type"), IDNumber: r.PostFormValue("id_number"),
		Purpose: r.PostFormValue("purpose"), People: people, Plate: r.PostFormValue("plate"), Notes: r.PostFormValue("notes"),
		ExpectedAt: r.PostFormValue("expected_at"), CheckedInAt: r.PostFormValue("checked_in_at")}
	again := func(err error) error {
		r.URL.RawQuery = url.Values{"community_id": {strconv.FormatInt(c.ID, 10)}}.Encode()
		return h.renderVisitors(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
			Errors: formErrorsOf(err, map[string]string{"house_id": "house"}, visitorFormFields...)})
	}
	if code := strings.TrimSpace(r.PostFormValue("house")); code != "" {
		hs, err := h.houseByCode(r.Context(), u, c.ID, code, "house")
		if err != nil {
			if _, ok := formFault(err); ok {
				return again(err)
			}
			return err
		}
		in.HouseID = hs.ID
	}
	v, err := h.S.RegisterVisitor(r.Context(), u, in)
	if err != nil {
		if _, ok := formFault(err); ok {
			return again(err)
		}
		return err
	}
	back := fmt.Sprintf("/desk/visitors?community_id=%d", v.CommunityID)
	if v.Status == VisitorExpected {
		return redirectFlash(w, r, back+"&view=expected", fmt.Sprintf("已登记预约：%s，%s 来访 %s", v.Name,
			deskTime(v.ExpectedAt), v.Where()))
	}
	return redirectFlash(w, r, back, fmt.Sprintf("已登记访客 %s（%d 人）来访 %s，通行证号 %s", v.Name, v.People, v.Where(), v.PassNo()))
}

// visitorView is one visit's record, or its pass.
type visitorView struct {
	V         *Visitor
	Community *archive.Community
	History   []audit.Entry
	Until     time.Time // the pass is valid until the end of the visit's day
}

func (h *Handlers) loadVisitor(r *http.Request) (*visitorView, error) {
	id, err := web.ID(r, "id")
	if err != nil {
		return nil, err
	}
	u := user(r)
	v, err := h.S.Visitor(r.Context(), u, id)
	if err != nil {
		return nil, err
	}
	out := &visitorView{V: v}
	if out.Community, err = h.Arch.Community(r.Context(), u, v.CommunityID); err != nil {
		return nil, err
	}
	out.Until = deskDayStart(deskToday(v.VisitAt)).Add(24*time.Hour - time.Minute)
	return out, nil
}

func (h *Handlers) visitorPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.loadVisitor(r)
	if err != nil {
		return err
	}
	if v.History, err = h.S.visitorHistory(r.Context(), user(r), v.V.ID); err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "visitor", &web.Page{Title: "访客 " + v.V.Name, Nav: "desk_visitors", Data: v})
}

// visitorPassPage is the printable 访客通行证 (A6). It carries the pass
// number in large type for the gate to check against the register; no
// QR code, as no QR library is among the project's dependencies.
func (h *Handlers) visitorPassPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.loadVisitor(r)
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "visitor_pass", &web.Page{Title: "访客通行证 " + v.V.PassNo(), Nav: "desk_visitors", Data: v})
}

// visitorStepPage checks in, checks out or cancels from a list or the
// record; a conflict (checked out already) comes back as the flash.
func (h *Handlers) visitorStepPage(step VisitorStep) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		u := user(r)
		before, err := h.S.Visitor(r.Context(), u, id)
		if err != nil {
			return err
		}
		back := fmt.Sprintf("/desk/visitors/%d", id)
		if r.PostFormValue("from") == "list" {
			back = fmt.Sprintf("/desk/visitors?community_id=%d&view=%s", before.CommunityID, url.QueryEscape(r.PostFormValue("view")))
		}
		v, err := h.S.StepVisitor(r.Context(), u, id, step)
		if err != nil {
			if e, ok := formFault(err); ok {
				return redirectFlash(w, r, back, "未办理："+e.Message)
			}
			return err
		}
		return redirectFlash(w, r, back, fmt.Sprintf("%s：%s（%s）", step.done, v.Name, v.Where()))
	}
}
