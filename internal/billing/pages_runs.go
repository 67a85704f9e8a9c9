package billing

import (
	"fmt"
	"net/http"
	"net/url"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// Bill runs and meter readings.

func (p *pages) runRoutes(rt *web.Router) {
	rt.Handle("GET /billing/runs", auth.PermBillingRead, p.runs)
	rt.Handle("POST /billing/runs/preview", auth.PermBillingAdmin, p.runPreview)
	rt.Handle("POST /billing/runs", auth.PermBillingAdmin, p.runCreate)
	rt.Handle("POST /billing/bill-runs/{id}/void", auth.PermBillingAdmin, p.runVoid)

	rt.Handle("GET /billing/readings", auth.PermBillingRead, p.readings)
	rt.Handle("POST /billing/readings", auth.PermBillingMeter, p.readingCreate)
	rt.Handle("POST /billing/readings/import", auth.PermBillingMeter, p.readingImport)
	rt.Handle("POST /billing/shared-readings", auth.PermBillingMeter, p.sharedReadingCreate)
}

func (p *pages) runs(w http.ResponseWriter, r *http.Request) error {
	return p.renderRuns(w, r, http.StatusOK, &web.Page{Form: url.Values{"period": {PeriodOf(p.S.Now())}}}, nil)
}

// renderRuns lists the runs of the community (all in scope by default)
// with the run form and, after 预览, what the run would create.
func (p *pages) renderRuns(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, preview *BillRun) error {
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	q := &query{r: r}
	limit, offset := q.paging()
	runs, total, err := p.S.BillRuns(r.Context(), user(r), c.ID, limit, offset)
	if err != nil {
		return err
	}
	if pg.Form.Get("community_id") == "" && c.ID > 0 {
		pg.Form.Set("community_id", fmt.Sprint(c.ID))
	}
	pg.Title, pg.Nav = "出账", "billing_runs"
	pg.Data = map[string]any{"C": c, "Runs": runs, "Preview": preview, "Pager": pager(r, total)}
	return p.t.Render(w, r, status, "runs", pg)
}

func runForm(r *http.Request) RunInput {
	return RunInput{CommunityID: formInt(r, "community_id"), Period: r.FormValue("period")}
}

func (p *pages) runPreview(w http.ResponseWriter, r *http.Request) error {
	if _, err := p.communities(r, false); err != nil {
		return err
	}
	run, err := p.S.PreviewRun(r.Context(), user(r), runForm(r))
	if err != nil {
		if _, ok := flashable(err); ok {
			return p.renderRuns(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
				Errors: formErrors(err, nil, "community_id", "period")}, nil)
		}
		return err
	}
	form := url.Values{"community_id": {fmt.Sprint(run.CommunityID)}, "period": {run.Period}}
	return p.renderRuns(w, r, http.StatusOK, &web.Page{Form: form}, run)
}

func (p *pages) runCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := p.communities(r, false); err != nil {
		return err
	}
	run, err := p.S.Run(r.Context(), user(r), runForm(r))
	if err != nil {
		if _, ok := flashable(err); ok {
			return p.renderRuns(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
				Errors: formErrors(err, nil, "community_id", "period")}, nil)
		}
		return err
	}
	msg := fmt.Sprintf("已生成 %s 账单 %d 笔，合计 %s", run.Period, run.Created, money.Fen(run.TotalFen))
	if run.Created == 0 && run.PrepaidFen == 0 {
		msg = fmt.Sprintf("%s 没有需要生成的账单（%d 笔此前已出账），未新增出账记录", run.Period, run.Skipped)
	}
	if run.Skipped > 0 {
		msg += fmt.Sprintf("；%d 笔此前已出账，未重复生成", run.Skipped)
	}
	if run.PrepaidFen > 0 {
		msg += fmt.Sprintf("；预存款自动抵扣 %s", money.Fen(run.PrepaidFen))
	}
	return redirect(w, r, fmt.Sprintf("/billing/runs?community_id=%d", run.CommunityID), msg)
}

func (p *pages) runVoid(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := p.S.BillRun(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/billing/runs?community_id=%d", cur.CommunityID)
	if _, err := p.S.VoidRun(r.Context(), user(r), id, r.FormValue("reason")); err != nil {
		if e, ok := flashable(err); ok {
			return redirect(w, r, back, "未作废："+e.Message)
		}
		return err
	}
	return redirect(w, r, back, fmt.Sprintf("已作废 %s 的出账，可重新出账", cur.Period))
}

// meter readings

var readingFields = []string{"house_code", "fee_item_id", "period", "reading", "start_reading"}

// sharedFields are the shared (公摊) reading form's fields, named apart
// from the house form's on the same page; sharedRename maps the
// service's field names to them.
var (
	sharedFields = []string{"shared_item_id", "shared_period", "shared_reading", "shared_start_reading"}
	sharedRename = map[string]string{"fee_item_id": "shared_item_id", "period": "shared_period", "reading": "shared_reading",
		"start_reading": "shared_start_reading"}
)

func (p *pages) readings(w http.ResponseWriter, r *http.Request) error {
	item := r.URL.Query().Get("fee_item_id")
	form := url.Values{"period": {PeriodOf(p.S.Now())}, "fee_item_id": {item}, "shared_item_id": {item}}
	if v := r.URL.Query().Get("period"); v != "" {
		form.Set("period", v)
	}
	form.Set("shared_period", form.Get("period"))
	return p.renderReadings(w, r, http.StatusOK, &web.Page{Form: form})
}

// renderReadings lists readings by community, period and item, with the
// entry form for the community's metered items, and the community
// meters' (公摊) readings with theirs.
func (p *pages) renderReadings(w http.ResponseWriter, r *http.Request, status int, pg *web.Page) error {
	u, ctx := user(r), r.Context()
	c, err := p.communities(r, true)
	if err != nil {
		return err
	}
	q := &query{r: r}
	f := ReadingFilter{CommunityID: c.ID, FeeItemID: q.id("fee_item_id"), Period: q.period("period")}
	f.Limit, f.Offset = q.paging()
	if q.err != nil {
		return q.err
	}
	var rs []*Reading
	var srs []*SharedReading
	total, sharedTotal := 0, 0
	var metered, shared []*FeeItem
	if c.ID > 0 {
		if rs, total, err = p.S.Readings(ctx, u, f); err != nil {
			return err
		}
		sf := SharedReadingFilter{CommunityID: c.ID, FeeItemID: f.FeeItemID, Period: f.Period, Limit: sharedShown}
		if srs, sharedTotal, err = p.S.SharedReadings(ctx, u, sf); err != nil {
			return err
		}
		items, err := p.S.FeeItems(ctx, u, c.ID)
		if err != nil {
			return err
		}
		for _, it := range items {
			switch {
			case it.Kind == KindMetered && it.Shared:
				shared = append(shared, it)
			case it.Kind == KindMetered:
				metered = append(metered, it)
			}
		}
	}
	ids := make([]int64, len(rs))
	for i, x := range rs {
		ids[i] = x.HouseID
	}
	codes, err := p.houseCodes(ctx, ids)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, it := range metered {
		names[it.ID] = it.Name
	}
	imp, _ := pg.Data.(*readingImportView)
	pg.Title, pg.Nav = "抄表", "billing_readings"
	pg.Data = map[string]any{"Import": imp, "C": c, "Readings": rs, "Codes": codes, "Metered": metered, "ItemNames": names, "Pager": pager(r, total),
		"Shared": shared, "SharedReadings": srs, "SharedTotal": sharedTotal, "SharedPosted": r.Method == http.MethodPost && r.URL.Path == "/billing/shared-readings"}
	return p.t.Render(w, r, status, "readings", pg)
}

// sharedShown is how many shared readings the page lists (the latest;
// the filters narrow them).
const sharedShown = 36

func (p *pages) readingCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := p.communities(r, true)
	if err != nil {
		return err
	}
	in := ReadingInput{HouseID: formInt(r, "house_id"), FeeItemID: formInt(r, "fee_item_id"), Period: r.FormValue("period"),
		Reading: web.Text(r.FormValue("reading")), Replacement: r.FormValue("replacement") != "",
		StartReading: web.Text(r.FormValue("start_reading"))}
	if code := r.FormValue("house_code"); code != "" || in.HouseID == 0 {
		h, herr := p.resolveHouse(r.Context(), user(r), c.ID, code, "house_code")
		if herr != nil {
			err = herr
		} else {
			in.HouseID = h.ID
		}
	}
	var rd *Reading
	if err == nil {
		rd, err = p.S.RecordReading(r.Context(), user(r), in)
	}
	if err != nil {
		if _, ok := flashable(err); ok {
			form := r.PostForm
			if form.Get("shared_period") == "" {
				form.Set("shared_period", PeriodOf(p.S.Now()))
			}
			return p.renderReadings(w, r, web.StatusOf(err), &web.Page{Form: form,
				Errors: formErrors(err, map[string]string{"house_id": "house_code"}, readingFields...)})
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/billing/readings?community_id=%d&period=%s&fee_item_id=%d", rd.CommunityID, rd.Period, rd.FeeItemID),
		fmt.Sprintf("已录入 %s 读数 %s（用量 %s）", rd.Period, rd.Reading, rd.Consumption))
}

// sharedReadingCreate enters a community meter's reading of a shared
// (公摊) item; a mistake is shown next to its field and nothing is saved.
func (p *pages) sharedReadingCreate(w http.ResponseWriter, r *http.Request) error {
	if _, err := p.communities(r, true); err != nil {
		return err
	}
	in := SharedReadingInput{FeeItemID: formInt(r, "shared_item_id"), Period: r.FormValue("shared_period"),
		Reading: web.Text(r.FormValue("shared_reading")), Replacement: r.FormValue("shared_replacement") != "",
		StartReading: web.Text(r.FormValue("shared_start_reading"))}
	rd, err := p.S.RecordSharedReading(r.Context(), user(r), in)
	if err != nil {
		if _, ok := flashable(err); ok {
			form := r.PostForm
			if form.Get("period") == "" {
				form.Set("period", PeriodOf(p.S.Now()))
			}
			return p.renderReadings(w, r, web.StatusOf(err), &web.Page{Form: form,
				Errors: formErrors(err, sharedRename, sharedFields...)})
		}
		return err
	}
	msg := fmt.Sprintf("已录入 %s %s总表读数 %s（用量 %s）", rd.Period, rd.FeeItemName, rd.Reading, rd.Consumption)
	if rd.Replacement {
		msg += "，已按换表计算"
	}
	return redirect(w, r, fmt.Sprintf("/billing/readings?community_id=%d&period=%s", rd.CommunityID, rd.Period), msg)
}
