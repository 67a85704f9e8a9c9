package billing

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// Arrears, 催缴 and the 催缴通知单.

func (p *pages) arrearsRoutes(rt *web.Router) {
	rt.Handle("GET /billing/arrears", auth.PermBillingRead, p.arrears)
	rt.Handle("GET /billing/dunning", auth.PermBillingRead, p.dunning)
	rt.Handle("POST /billing/dunning", auth.PermDunning, p.dunningCreate)
	rt.Handle("GET /billing/dunning/notices", auth.PermDunning, p.notices)
}

func (p *pages) arrears(w http.ResponseWriter, r *http.Request) error {
	u, ctx := user(r), r.Context()
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	q := &query{r: r}
	f := ArrearsFilter{CommunityID: c.ID, BuildingID: q.id("building_id"), Category: r.URL.Query().Get("category"),
		MinMonths: q.int("min_months", 0, 1200)}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	rep, err := p.S.Arrears(ctx, u, f)
	if err != nil {
		return err
	}
	bs, err := p.buildings(ctx, u, c.ID)
	if err != nil {
		return err
	}
	return p.t.Render(w, r, http.StatusOK, "arrears", &web.Page{Title: "欠费", Nav: "billing_arrears", Data: map[string]any{
		"C": c, "R": rep, "Buildings": bs, "Categories": archive.OwnerCategories, "Pager": pager(r, rep.Total)}})
}

var dunningFields = []string{"house_code", "method", "result", "next_follow_up"}

func (p *pages) dunning(w http.ResponseWriter, r *http.Request) error {
	form := url.Values{"method": {"phone"}, "next_follow_up": {p.S.Now().In(shanghai).AddDate(0, 0, 7).Format("2006-01-02")}}
	return p.renderDunning(w, r, http.StatusOK, &web.Page{Form: form})
}

// renderDunning shows the follow-up queue (due today or earlier), the
// record form and the latest records — of one house when house_id is
// given, with its account.
func (p *pages) renderDunning(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) error {
	u, ctx := user(r), r.Context()
	houseID, err := web.QueryID(r, "house_id")
	if err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		houseID = formInt(r, "house_id")
	}
	var a *Account
	if houseID > 0 {
		if a, err = p.S.Account(ctx, u, houseID); err != nil {
			return err
		}
	}
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	formCID := c.ID
	if a != nil {
		formCID = a.CommunityID
	} else if formCID == 0 && len(c.List) > 0 {
		formCID = c.List[0].ID
	}
	queue, queueTotal, err := p.S.DunningRecords(ctx, u, DunningFilter{CommunityID: c.ID, Due: p.today(), Limit: 200})
	if err != nil {
		return err
	}
	f := DunningFilter{CommunityID: c.ID, HouseID: houseID}
	f.Limit, f.Offset = (&query{r: r}).paging()
	recent, total, err := p.S.DunningRecords(ctx, u, f)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = "催缴", "billing_dunning"
	pg.Data = map[string]any{"C": c, "A": a, "FormCommunity": formCID, "Queue": queue, "QueueTotal": queueTotal,
		"Records": recent, "Methods": DunningMethods, "Today": p.today(), "Pager": pager(r, total)}
	return p.t.Render(w, r, status, "dunning", pg)
}

func (p *pages) dunningCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	in := DunningInput{HouseID: formInt(r, "house_id"), Method: r.FormValue("method"), Result: r.FormValue("result"),
		NextFollowUp: r.FormValue("next_follow_up")}
	if in.HouseID == 0 {
		h, herr := p.resolveHouse(r.Context(), user(r), c.ID, r.FormValue("house_code"), "house_code")
		if herr != nil {
			err = herr
		} else {
			in.HouseID = h.ID
		}
	}
	var d *Dunning
	if err == nil {
		d, err = p.S.RecordDunning(r.Context(), user(r), in)
	}
	if err != nil {
		if _, ok := flashable(err); ok {
			return p.renderDunning(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
				Errors: formErrors(err, map[string]string{"house_id": "house_code"}, dunningFields...)})
		}
		return err
	}
	msg := fmt.Sprintf("已记录 %s 的催缴（%s）", d.HouseCode, Label(d.Method))
	if d.NextFollowUp != "" {
		msg += "，下次跟进 " + d.NextFollowUp
	}
	return redirect(w, r, fmt.Sprintf("/billing/dunning?house_id=%d", d.HouseID), msg)
}

// notices prints the 催缴通知单 of a community's houses owing at least
// months periods, one A4 page each.
func (p *pages) notices(w http.ResponseWriter, r *http.Request) error {
	c, err := p.communities(r, true)
	if err != nil {
		return err
	}
	if c.ID == 0 {
		return errNoCommunity
	}
	q := &query{r: r}
	months := q.int("months", 1, 1200)
	if q.err != nil {
		return q.err
	}
	if months == 0 {
		months = 3
	}
	ns, err := p.S.Notices(r.Context(), user(r), c.ID, months)
	if err != nil {
		return err
	}
	now := p.S.Now().In(shanghai)
	return p.t.Render(w, r, http.StatusOK, "notices", &web.Page{Title: "催缴通知单", Nav: "billing_dunning", Data: map[string]any{
		"C": c, "Community": c.Current(), "Notices": ns, "Months": strconv.Itoa(months),
		"Date": fmt.Sprintf("%d年%d月%d日", now.Year(), now.Month(), now.Day()), "Due": now.AddDate(0, 0, 15).Format("2006年1月2日")}})
}
