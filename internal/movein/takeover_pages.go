package movein

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// The takeover inspection's pages (/takeover…, /takeover-findings/…).

func (h *Handlers) takeoverPages(rt *web.Router) {
	rt.Handle("GET /takeover", auth.PermMoveInRead, h.takeoverPage)
	rt.Handle("POST /takeover", auth.PermMoveInInspect, h.inspectionCreatePage)
	rt.Handle("GET /takeover/new", auth.PermMoveInInspect, h.inspectionNewPage)
	rt.Handle("GET /takeover/findings", auth.PermMoveInRead, h.findingsPage)
	rt.Handle("GET /takeover/export.xlsx", auth.PermMoveInRead, h.findingsExport)
	rt.Handle("GET /takeover/checklist", auth.PermMoveInRead, h.checklistPage)
	rt.Handle("POST /takeover/checklist", auth.PermMoveInPlan, h.itemCreatePage)
	rt.Handle("POST /takeover-checklist/{id}", auth.PermMoveInPlan, h.itemUpdatePage)
	rt.Handle("GET /takeover/{id}", auth.PermMoveInRead, h.inspectionPage)
	rt.Handle("POST /takeover/{id}/checks", auth.PermMoveInInspect, h.checksPage)
	rt.Handle("POST /takeover/{id}/findings", auth.PermMoveInInspect, h.findingCreatePage)
	rt.Handle("GET /takeover-findings/{id}", auth.PermMoveInRead, h.findingPage)
	rt.Handle("POST /takeover-findings/{id}/fix", auth.PermMoveInInspect, h.fixPage)
	rt.Handle("POST /takeover-findings/{id}/reinspect", auth.PermMoveInInspect, h.reinspectPage)
	rt.Handle("POST /takeover-findings/{id}/photos", auth.PermMoveInInspect, h.photoPage)
	rt.Handle("GET /takeover-findings/{id}/photos/{aid}", auth.PermMoveInRead, h.photoDownload)
}

// takeoverList is the data of /takeover.
type takeoverList struct {
	C           *communities
	Summary     []BuildingSummary
	Inspections []*Inspection
	Pager       web.Pager
}

func (h *Handlers) takeoverPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communitiesOf(r, true)
	if err != nil {
		return err
	}
	v := &takeoverList{C: c, Summary: []BuildingSummary{}}
	if c.ID > 0 {
		if v.Summary, err = h.S.Summary(r.Context(), user(r), c.ID); err != nil {
			return err
		}
	}
	pg := web.PagingOf(r)
	var total int
	v.Inspections, total, err = h.S.Inspections(r.Context(), user(r), InspectionFilter{CommunityID: c.ID, Limit: pg.PerPage, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	v.Pager = pager(r, total)
	return h.t.Render(w, r, http.StatusOK, "takeover", &web.Page{Title: "接管验收", Nav: "takeover", Data: v})
}

// inspectionForm is the data of the new-inspection form.
type inspectionForm struct {
	C         *communities
	Buildings []*archive.Building
}

var inspectionFields = []string{"community_id", "building_id", "house_code", "inspected_on", "inspectors", "developer", "contractor", "notes"}

func (h *Handlers) inspectionNewPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communitiesOf(r, true)
	if err != nil {
		return err
	}
	f := url.Values{"community_id": {strconv.FormatInt(c.ID, 10)}, "inspected_on": {h.S.today()}, "inspectors": {user(r).Name}}
	return h.renderInspectionNew(w, r, http.StatusOK, c, form(f, nil))
}

func (h *Handlers) renderInspectionNew(w http.ResponseWriter, r *http.Request, status int, c *communities, pg *web.Page) error {
	v := &inspectionForm{C: c}
	if c.ID > 0 {
		st, err := h.S.Archive.Structure(r.Context(), user(r), c.ID)
		if err != nil {
			return err
		}
		v.Buildings = st.Buildings
	}
	pg.Title, pg.Nav, pg.Data = "新建接管验收", "takeover", v
	return h.t.Render(w, r, status, "takeover_new", pg)
}

func (h *Handlers) inspectionCreatePage(w http.ResponseWriter, r *http.Request) error {
	cid := formID(r, "community_id")
	in := InspectionInput{CommunityID: cid, BuildingID: formID(r, "building_id"), InspectedOn: r.FormValue("inspected_on"),
		Inspectors: r.FormValue("inspectors"), Developer: r.FormValue("developer"), Contractor: r.FormValue("contractor"),
		Notes: r.FormValue("notes")}
	var err error
	if cid <= 0 {
		err = errs.Invalid("community_id", "请选择小区")
	} else if err = can(user(r), auth.PermMoveInInspect, cid); err == nil {
		in.HouseID, err = h.houseByCode(r, cid, r.FormValue("house_code"), "house_code")
	}
	var out *Inspection
	if err == nil {
		out, err = h.S.CreateInspection(r.Context(), user(r), in)
	}
	if fault(err) {
		cm, cerr := h.postedCommunity(r, cid)
		if cerr != nil {
			return cerr
		}
		return h.renderInspectionNew(w, r, web.StatusOf(err), cm,
			form(r.PostForm, fieldErrors(err, inspectionFields...)))
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/takeover/%d", out.ID), "已新建接管验收："+out.Target)
	return nil
}

// houseByCode resolves a typed house code (3-2-1201) in a community; an
// empty code is no house (0).
func (h *Handlers) houseByCode(r *http.Request, communityID int64, code, field string) (int64, error) {
	code = strings.NewReplacer("－", "-", "—", "-", " ", "", "　", "").Replace(strings.TrimSpace(code))
	if code == "" {
		return 0, nil
	}
	var id int64
	err := h.S.DB.QueryRowContext(r.Context(), `SELECT id FROM houses WHERE community_id = $1 AND code = $2`, communityID, code).Scan(&id)
	if err != nil {
		return 0, errs.Invalid(field, "本小区没有房屋 %s（格式 楼栋-单元-房号，如 3-2-1201）", code)
	}
	return id, nil
}

// inspectionView is the data of an inspection's page.
type inspectionView struct {
	I        *Inspection
	Finding  *web.Page // the new-finding form
	Checks   *web.Page // the checklist form
	Parties  []Choice
	History  []audit.Entry
	Today    string
	Checked  int
	Failures int
}

func (h *Handlers) renderInspection(w http.ResponseWriter, r *http.Request, status int, finding, checks *web.Page) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	in, err := h.S.Inspection(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	if finding == nil {
		finding = form(url.Values{"party": {PartyDeveloper}, "deadline": {addDays(h.S.today(), 15)}}, nil)
	}
	if checks == nil {
		checks = form(url.Values{}, nil)
	}
	v := &inspectionView{I: in, Finding: finding, Checks: checks, Parties: choices(Parties),
		History: h.history(r, "takeover_inspection", id), Today: h.S.today()}
	for _, c := range in.Checks {
		if c.Result != "" {
			v.Checked++
		}
		if c.Result == CheckFail {
			v.Failures++
		}
	}
	return h.t.Render(w, r, status, "inspection", &web.Page{Title: "接管验收 " + in.Target, Nav: "takeover", Data: v})
}

func (h *Handlers) inspectionPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderInspection(w, r, http.StatusOK, nil, nil)
}

func (h *Handlers) checksPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	in, err := h.S.Inspection(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	var results []CheckInput
	for _, c := range in.Checks {
		key := strconv.FormatInt(c.ID, 10)
		results = append(results, CheckInput{ID: c.ID, Result: r.FormValue("result_" + key), Note: r.FormValue("note_" + key)})
	}
	_, err = h.S.SetChecks(r.Context(), user(r), id, results)
	if fault(err) {
		return h.renderInspection(w, r, web.StatusOf(err), nil, form(r.PostForm, fieldErrors(err)))
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/takeover/%d", id), "已保存检查结果")
	return nil
}

var findingFields = []string{"item", "description", "party", "party_name", "deadline"}

func (h *Handlers) findingCreatePage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.S.Inspection(r.Context(), user(r), id); err != nil {
		return err
	}
	f, err := h.S.AddFinding(r.Context(), user(r), FindingInput{InspectionID: id, Item: r.FormValue("item"),
		Description: r.FormValue("description"), Party: r.FormValue("party"), PartyName: r.FormValue("party_name"),
		Deadline: r.FormValue("deadline")})
	if fault(err) {
		return h.renderInspection(w, r, web.StatusOf(err), form(r.PostForm, fieldErrors(err, findingFields...)), nil)
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/takeover/%d", id), "已登记问题："+f.Item)
	return nil
}

// findingsView is the data of the findings list.
type findingsView struct {
	C         *communities
	Buildings []*archive.Building
	Findings  []*Finding
	Pager     web.Pager
	Statuses  []Choice
}

func (h *Handlers) findingsPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communitiesOf(r, false)
	if err != nil {
		return err
	}
	f, err := findingFilterOf(r)
	if err != nil {
		return err
	}
	fs, total, err := h.S.Findings(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	v := &findingsView{C: c, Findings: fs, Pager: pager(r, total), Statuses: choices(FindingStatuses)}
	if c.ID > 0 {
		st, err := h.S.Archive.Structure(r.Context(), user(r), c.ID)
		if err != nil {
			return err
		}
		v.Buildings = st.Buildings
	}
	return h.t.Render(w, r, http.StatusOK, "findings", &web.Page{Title: "验收问题清单", Nav: "takeover", Data: v})
}

// findingsExport is the findings of the list's filters as .xlsx.
func (h *Handlers) findingsExport(w http.ResponseWriter, r *http.Request) error {
	f, err := findingFilterOf(r)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = 100_000, 0
	fs, _, err := h.S.Findings(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	wb := excel.NewWriter()
	if err := wb.Sheet("验收问题", []excel.Column{{Header: "验收对象", Width: 16}, {Header: "项目", Width: 24},
		{Header: "问题描述", Width: 40}, {Header: "责任方"}, {Header: "责任单位", Width: 20}, {Header: "整改期限", Width: 12},
		{Header: "状态", Width: 14}, {Header: "超期"}, {Header: "复验不合格次数", Format: excel.Integer},
		{Header: "登记时间", Width: 17}}); err != nil {
		return err
	}
	for _, x := range fs {
		overdue := ""
		if x.Overdue {
			overdue = "超期"
		}
		if err := wb.Row(x.Target, x.Item, x.Description, x.PartyLabel, x.PartyName, x.Deadline, x.StatusLabel, overdue,
			x.Rounds, x.CreatedAt.In(web.Shanghai).Format("2006-01-02 15:04")); err != nil {
			return err
		}
	}
	return excel.Send(w, wb, "接管验收问题.xlsx", "takeover-findings.xlsx")
}

// findingView is the data of a finding's page.
type findingView struct {
	F         *Finding
	Fix       *web.Page
	Reinspect *web.Page
	Photo     string // the upload's error
	Alert     string // a step refused in the finding's state (409)
	History   []audit.Entry
}

func (h *Handlers) renderFinding(w http.ResponseWriter, r *http.Request, status int, v *findingView) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	f, err := h.S.Finding(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	v.F, v.History = f, h.history(r, "takeover_finding", id)
	if v.Fix == nil {
		v.Fix = form(url.Values{"fixed_by": {f.PartyName}}, nil)
	}
	if v.Reinspect == nil {
		v.Reinspect = form(url.Values{}, nil)
	}
	return h.t.Render(w, r, status, "finding", &web.Page{Title: "验收问题 " + f.Item, Nav: "takeover", Data: v})
}

func (h *Handlers) findingPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderFinding(w, r, http.StatusOK, &findingView{})
}

func (h *Handlers) fixPage(w http.ResponseWriter, r *http.Request) error {
	return h.findingPost(w, r, func(id int64) (string, error) {
		_, err := h.S.Fix(r.Context(), user(r), id, FixInput{FixedBy: r.FormValue("fixed_by"), Note: r.FormValue("note")})
		return "已登记整改完成，等待复验", err
	}, func(err error) *findingView {
		return &findingView{Fix: form(r.PostForm, fieldErrors(err, "fixed_by", "note"))}
	})
}

func (h *Handlers) reinspectPage(w http.ResponseWriter, r *http.Request) error {
	return h.findingPost(w, r, func(id int64) (string, error) {
		in := ReinspectInput{Note: r.FormValue("note"), Deadline: r.FormValue("deadline")}
		switch r.FormValue("passed") {
		case "1":
			in.Passed = new(bool)
			*in.Passed = true
		case "0":
			in.Passed = new(bool)
		}
		f, err := h.S.Reinspect(r.Context(), user(r), id, in)
		if err != nil {
			return "", err
		}
		return "复验结果：" + f.StatusLabel, nil
	}, func(err error) *findingView {
		return &findingView{Reinspect: form(r.PostForm, fieldErrors(err, "passed", "note", "deadline"))}
	})
}

// findingPost serves a form on a finding's page: the finding is looked
// up first (another community's is a 403), a mistake of the user's shows
// the page again with the form's errors, success goes back to it.
func (h *Handlers) findingPost(w http.ResponseWriter, r *http.Request, fn func(id int64) (string, error), onErr func(error) *findingView) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.S.Finding(r.Context(), user(r), id); err != nil {
		return err
	}
	flash, err := fn(id)
	if e, ok := errs.As(err); ok && e.Code == errs.CodeConflict {
		return h.renderFinding(w, r, web.StatusOf(err), &findingView{Alert: e.Message})
	}
	if fault(err) {
		return h.renderFinding(w, r, web.StatusOf(err), onErr(err))
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/takeover-findings/%d", id), flash)
	return nil
}

func (h *Handlers) photoPage(w http.ResponseWriter, r *http.Request) error {
	return h.findingPost(w, r, func(id int64) (string, error) {
		name, data, err := web.ReadUpload(w, r, "file", MaxPhoto, photoKinds...)
		if err != nil {
			return "", err
		}
		p, err := h.S.AddPhoto(r.Context(), user(r), id, name, data)
		if err != nil {
			return "", err
		}
		return "已上传照片 " + p.Name, nil
	}, func(err error) *findingView {
		e, _ := errs.As(err)
		return &findingView{Photo: e.Message}
	})
}

func (h *Handlers) photoDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	aid, err := web.ID(r, "aid")
	if err != nil {
		return err
	}
	p, data, err := h.S.PhotoData(r.Context(), user(r), id, aid)
	if err != nil {
		return err
	}
	return web.ServeInline(w, p.Name, p.ContentType, data)
}

// checklistView is the data of the checklist page.
type checklistView struct {
	C       *communities
	Uses    []string
	Items   map[string][]*Item
	Default map[string][][2]string
	New     *web.Page
}

func (h *Handlers) renderChecklist(w http.ResponseWriter, r *http.Request, status int, c *communities, add *web.Page) error {
	v := &checklistView{C: c, Uses: TakeoverUses, Items: map[string][]*Item{}, Default: defaultItems, New: add}
	if c.ID > 0 {
		items, err := h.S.Items(r.Context(), user(r), c.ID, "")
		if err != nil {
			return err
		}
		for _, it := range items {
			v.Items[it.Use] = append(v.Items[it.Use], it)
		}
	}
	if v.New == nil {
		v.New = form(url.Values{"house_use": {"住宅"}, "sort": {"100"}}, nil)
	}
	return h.t.Render(w, r, status, "checklist", &web.Page{Title: "房屋验收标准", Nav: "takeover", Data: v})
}

func (h *Handlers) checklistPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communitiesOf(r, true)
	if err != nil {
		return err
	}
	return h.renderChecklist(w, r, http.StatusOK, c, nil)
}

func itemInputOf(r *http.Request) ItemInput {
	active := r.FormValue("active") != "0"
	return ItemInput{CommunityID: formID(r, "community_id"), Use: r.FormValue("house_use"), Category: r.FormValue("category"),
		Name: r.FormValue("name"), Sort: formInt(r, "sort"), Active: &active}
}

func (h *Handlers) itemCreatePage(w http.ResponseWriter, r *http.Request) error {
	in := itemInputOf(r)
	it, err := h.S.CreateItem(r.Context(), user(r), in)
	if fault(err) {
		cm, cerr := h.postedCommunity(r, in.CommunityID)
		if cerr != nil {
			return cerr
		}
		return h.renderChecklist(w, r, web.StatusOf(err), cm,
			form(r.PostForm, fieldErrors(err, "house_use", "category", "name", "sort")))
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/takeover/checklist?community_id=%d", it.CommunityID), "已添加验收项目："+it.Name)
	return nil
}

func (h *Handlers) itemUpdatePage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	it, err := h.S.Item(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := itemInputOf(r)
	out, err := h.S.UpdateItem(r.Context(), user(r), id, in)
	back := fmt.Sprintf("/takeover/checklist?community_id=%d", it.CommunityID)
	if e, ok := errs.As(err); ok && fault(err) {
		web.Redirect(w, r, back, "未保存："+e.Message)
		return nil
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, back, "已保存验收项目："+out.Name)
	return nil
}
