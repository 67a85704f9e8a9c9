package renovation

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// The staff console's pages (/renovations…): the list with its views,
// the application form, an application's page with the actions of its
// state, the inspection form, the printable permit and passes, and the
// rules. Every page calls the Service, which checks the permission and
// the scope.

func (h *Handlers) pageRoutes(rt *web.Router) {
	h.t = web.ParseTemplates(templateFS, template.FuncMap{
		"slabel": StatusLabel,
		"flabel": FileLabel,
		"hours":  strings.NewReplacer(",", "、").Replace,
	})
	rt.Handle("GET /renovations", auth.PermRenovationRead, h.listPage)
	rt.Handle("GET /renovations/export.xlsx", auth.PermRenovationRead, h.export)
	rt.Handle("GET /renovations/new", auth.PermRenovationWrite, h.newPage)
	rt.Handle("POST /renovations", auth.PermRenovationWrite, h.createPage)
	rt.Handle("GET /renovations/rules", auth.PermRenovationRead, h.rulesPage)
	rt.Handle("POST /renovations/rules", auth.PermRenovationApprove, h.saveRulesPage)
	rt.Handle("GET /renovations/{id}", auth.PermRenovationRead, h.showPage)
	rt.Handle("GET /renovations/{id}/permit", auth.PermRenovationRead, h.permitPage)
	rt.Handle("GET /renovations/{id}/passes", auth.PermRenovationRead, h.passesPage)
	rt.Handle("GET /renovations/{id}/files/{aid}", auth.PermRenovationRead, h.download)
	rt.Handle("GET /renovations/{id}/inspect", auth.PermRenovationWrite, h.inspectPage)
	rt.Handle("POST /renovations/{id}/inspections", auth.PermRenovationWrite, h.inspectPost)
	rt.Handle("POST /renovations/{id}/files", auth.PermRenovationWrite, h.formAction("drawing", h.attachForm))
	rt.Handle("POST /renovations/{id}/workers", auth.PermRenovationWrite, h.formAction("worker", h.workerForm))
	rt.Handle("POST /renovations/{id}/workers/revoke", auth.PermRenovationWrite, h.formAction("", func(r *http.Request, id int64) (string, error) {
		_, err := h.S.RevokeWorker(r.Context(), user(r), id, formID(r, "worker_id"))
		return "已收回出入证", err
	}))
	rt.Handle("POST /renovations/{id}/review", auth.PermRenovationReview, h.formAction("review", func(r *http.Request, id int64) (string, error) {
		_, err := h.S.Review(r.Context(), user(r), id, r.FormValue("opinion"))
		return "已提交工程部审核意见", err
	}))
	rt.Handle("POST /renovations/{id}/approve", auth.PermRenovationApprove, h.formAction("approve", func(r *http.Request, id int64) (string, error) {
		x, err := h.S.Approve(r.Context(), user(r), id, r.FormValue("conditions"))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已批准，许可证号 %s；押金 %s、垃圾清运费 %s 已开具账单", x.PermitNumber,
			money.Fen(x.DepositFen), money.Fen(x.WasteFeeFen)), nil
	}))
	rt.Handle("POST /renovations/{id}/reject", auth.PermRenovationApprove, h.formAction("reject", func(r *http.Request, id int64) (string, error) {
		_, err := h.S.Reject(r.Context(), user(r), id, r.FormValue("reason"))
		return "已驳回", err
	}))
	rt.Handle("POST /renovations/{id}/start", auth.PermRenovationWrite, h.formAction("", func(r *http.Request, id int64) (string, error) {
		x, err := h.S.Start(r.Context(), user(r), id)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已发放许可证，%s 开始施工，房屋状态为装修中", x.HouseCode), nil
	}))
	rt.Handle("POST /renovations/{id}/extend", auth.PermRenovationApprove, h.formAction("extend", func(r *http.Request, id int64) (string, error) {
		x, err := h.S.Extend(r.Context(), user(r), id, r.FormValue("ends_on"), r.FormValue("reason"))
		if err != nil {
			return "", err
		}
		return "已延期至 " + x.EndsOn, nil
	}))
	rt.Handle("POST /renovations/{id}/complete", auth.PermRenovationApprove, h.formAction("complete", func(r *http.Request, id int64) (string, error) {
		x, err := h.S.Complete(r.Context(), user(r), id, CompleteInput{Result: r.FormValue("result"), Note: r.FormValue("note")})
		if err != nil {
			return "", err
		}
		return "已竣工验收：" + x.CompletionResult, nil
	}))
	rt.Handle("POST /renovations/{id}/refund", auth.PermRenovationApprove, h.formAction("refund", h.refundForm))
	rt.Handle("POST /renovations/{id}/rectify", auth.PermRenovationWrite, h.formAction("", func(r *http.Request, id int64) (string, error) {
		_, err := h.S.Rectify(r.Context(), user(r), id, formID(r, "finding_id"), r.FormValue("note"))
		return "已复查，确认整改", err
	}))
}

func formID(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return v
}

// flashable reports whether err is a user's mistake (invalid input, a
// conflict) to show on the page; permission and missing-record errors go
// up as 403/404.
func flashable(err error) bool {
	c := errs.CodeOf(err)
	return c == errs.CodeInvalid || c == errs.CodeConflict
}

// communities are the communities the user sees and the one chosen
// (archive.PageScope).
type communities = archive.PageScope

func (h *Handlers) communities(r *http.Request, need bool) (*communities, error) {
	return h.S.Archive.PageScope(r, need)
}

// listView is the data of the list page.
type listView struct {
	C        *communities
	Items    []*Renovation
	Pager    web.Pager
	Statuses []string
	Today    string
}

func (h *Handlers) listPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, false)
	if err != nil {
		return err
	}
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	items, total, err := h.S.List(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	pg := web.PagingOf(r)
	return h.t.Render(w, r, http.StatusOK, "renovations", &web.Page{Title: "装修管理", Nav: "renovations", Data: &listView{
		C: c, Items: items, Statuses: Statuses, Today: h.S.today(),
		Pager: web.Pager{Total: total, Page: pg.Page, PerPage: pg.PerPage, Query: r.URL.Query()}}})
}

// newFields are the application form's fields.
var newFields = []string{"community_id", "house_code", "applicant_name", "applicant_phone", "contractor", "manager_name",
	"manager_phone", "area", "starts_on", "ends_on", "scope", "notes", "workers", "drawings"}

// workerRows is how many worker rows the application form offers.
const workerRows = 5

type newView struct {
	C     *communities
	Rows  []int
	Rules *Rules
}

func (h *Handlers) newPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	form := url.Values{"community_id": {strconv.FormatInt(c.ID, 10)}, "house_code": {r.URL.Query().Get("house")},
		"starts_on": {h.S.today()}}
	return h.renderNew(w, r, http.StatusOK, c, &web.Page{Form: form})
}

func (h *Handlers) renderNew(w http.ResponseWriter, r *http.Request, status int, c *communities, pg *web.Page) error {
	cid, _ := strconv.ParseInt(pg.Form.Get("community_id"), 10, 64)
	var rules *Rules
	if cid > 0 && user(r).Sees(cid) {
		var err error
		if rules, err = h.S.Rules(r.Context(), user(r), cid); err != nil && errs.CodeOf(err) != errs.CodeNotFound {
			return err
		}
	}
	pg.Title, pg.Nav = "登记装修申请", "renovations"
	pg.Data = &newView{C: c, Rows: make([]int, workerRows), Rules: rules}
	return h.t.Render(w, r, status, "renovation_new", pg)
}

// uploads reads the files of a multipart field (none for a plain form).
func uploads(r *http.Request, field string) ([]Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []Upload
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		u, err := readPart(fh)
		if err != nil {
			return nil, errs.Invalid(field, "读取上传文件失败，请重试")
		}
		out = append(out, u)
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader) (Upload, error) {
	f, err := fh.Open()
	if err != nil {
		return Upload{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	return Upload{Name: fh.Filename, Data: b}, err
}

func (h *Handlers) createPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, false)
	if err != nil {
		return err
	}
	in := Input{ApplicantName: r.FormValue("applicant_name"), ApplicantPhone: r.FormValue("applicant_phone"),
		Contractor: r.FormValue("contractor"), ManagerName: r.FormValue("manager_name"),
		ManagerPhone: r.FormValue("manager_phone"), Area: web.Text(r.FormValue("area")), StartsOn: r.FormValue("starts_on"),
		EndsOn: r.FormValue("ends_on"), Scope: r.FormValue("scope"), Notes: r.FormValue("notes")}
	for i := range workerRows {
		k := strconv.Itoa(i)
		wi := WorkerInput{Name: r.FormValue("worker_name" + k), Phone: r.FormValue("worker_phone" + k),
			IDNumber: r.FormValue("worker_id_number" + k), Trade: r.FormValue("worker_trade" + k)}
		if strings.TrimSpace(wi.Name+wi.Phone+wi.IDNumber+wi.Trade) != "" {
			in.Workers = append(in.Workers, wi)
		}
	}
	var x *Renovation
	hs, err := h.S.Archive.HouseByCode(r.Context(), user(r), c.ID, r.FormValue("house_code"), "house_code")
	if err == nil {
		in.HouseID = hs.ID
		var drawings []Upload
		if drawings, err = uploads(r, "drawings"); err == nil {
			x, err = h.S.Create(r.Context(), user(r), in, drawings...)
		}
	}
	if flashable(err) {
		return h.renderNew(w, r, web.StatusOf(err), c, &web.Page{Form: r.PostForm, Errors: formErrors(err, newFields)})
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/renovations/%d", x.ID), fmt.Sprintf("已登记 %s 的装修申请，应配灭火器 %d 个", x.HouseCode,
		x.RequiredExtinguishers))
	return nil
}

// formErrors maps an error to the form's fields; one of a field the form
// does not show goes to the top.
func formErrors(err error, known []string) map[string]string {
	out := map[string]string{}
	for f, msg := range errs.ByField(err) {
		if f == "house_id" {
			f = "house_code"
		}
		if !slices.Contains(known, f) {
			f = ""
		}
		if out[f] == "" {
			out[f] = msg
		}
	}
	return out
}

// showView is the data of an application's page.
type showView struct {
	R           *Renovation
	Community   *archive.Community
	Rules       *Rules
	Deposit     *billing.Bill
	Waste       *billing.Bill
	History     []audit.Entry
	Open        string // the form whose error the page shows
	Results     []string
	Trades      []string
	Rows        []int
	Today       string
	CanSeeBills bool
}

func (h *Handlers) showPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	return h.renderShow(w, r, http.StatusOK, id, &web.Page{}, "")
}

func (h *Handlers) renderShow(w http.ResponseWriter, r *http.Request, status int, id int64, pg *web.Page, open string) error {
	u, ctx := user(r), r.Context()
	x, err := h.S.Get(ctx, u, id)
	if err != nil {
		return err
	}
	v := &showView{R: x, Open: open, Results: CompletionResults, Trades: Trades, Rows: make([]int, 3), Today: h.S.today(),
		CanSeeBills: u.Can(auth.PermBillingRead)}
	if v.Community, err = h.S.Archive.Community(ctx, u, x.CommunityID); err != nil {
		return err
	}
	if v.Rules, err = h.S.Rules(ctx, u, x.CommunityID); err != nil {
		return err
	}
	for _, b := range []struct {
		id  *int64
		out **billing.Bill
	}{{x.DepositBillID, &v.Deposit}, {x.WasteBillID, &v.Waste}} {
		if b.id == nil || !v.CanSeeBills {
			continue // the amounts show; whether paid is billing's to tell
		}
		if *b.out, err = h.S.Billing.Bill(ctx, u, *b.id); err != nil {
			return err
		}
	}
	if v.History, err = audit.History(ctx, h.S.DB, "renovation", id); err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = url.Values{"result": {CompletionResults[0]}, "ends_on": {x.EndsOn}}
	}
	pg.Title, pg.Nav, pg.Data = "装修申请 "+x.HouseCode, "renovations", v
	return h.t.Render(w, r, status, "renovation", pg)
}

// formAction serves a form post on an application: fn does it and says
// what was done; a mistake shows the page again with the form (open)
// and its errors, anything else goes up.
func (h *Handlers) formAction(open string, fn func(r *http.Request, id int64) (string, error)) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		msg, err := fn(r, id)
		if flashable(err) {
			if open == "" || errs.CodeOf(err) == errs.CodeConflict {
				web.Redirect(w, r, fmt.Sprintf("/renovations/%d", id), "操作未完成："+errs.ByField(err)[firstField(err)])
				return nil
			}
			return h.renderShow(w, r, web.StatusOf(err), id, &web.Page{Form: r.PostForm, Errors: errs.ByField(err)}, open)
		}
		if err != nil {
			return err
		}
		web.Redirect(w, r, fmt.Sprintf("/renovations/%d", id), msg)
		return nil
	}
}

func firstField(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Field
	}
	return ""
}

func (h *Handlers) attachForm(r *http.Request, id int64) (string, error) {
	us, err := uploads(r, "file")
	if err != nil {
		return "", err
	}
	if len(us) == 0 {
		return "", errs.Invalid("file", "请选择文件")
	}
	for _, u := range us {
		if _, err := h.S.Attach(r.Context(), user(r), id, FileDrawing, 0, u); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("已上传 %d 个文件", len(us)), nil
}

func (h *Handlers) workerForm(r *http.Request, id int64) (string, error) {
	in := WorkerInput{Name: r.FormValue("name"), Phone: r.FormValue("phone"), IDNumber: r.FormValue("id_number"),
		Trade: r.FormValue("trade")}
	us, err := uploads(r, "photo")
	if err != nil {
		return "", err
	}
	var photo *Upload
	if len(us) > 0 {
		photo = &us[0]
	}
	wk, err := h.S.AddWorker(r.Context(), user(r), id, in, photo)
	if err != nil {
		return "", err
	}
	return "已登记施工人员 " + wk.Name, nil
}

// deductionRows is how many deduction rows the refund form offers.
const deductionRows = 3

func (h *Handlers) refundForm(r *http.Request, id int64) (string, error) {
	in := RefundInput{Method: r.FormValue("method"), Note: r.FormValue("note")}
	for i := range deductionRows {
		k := strconv.Itoa(i)
		amount, reason := strings.TrimSpace(r.FormValue("amount"+k)), strings.TrimSpace(r.FormValue("reason"+k))
		if amount == "" && reason == "" {
			continue
		}
		v, err := money.ParseHundredths(amount)
		if err != nil || v <= 0 {
			return "", errs.Invalid("deductions", "第 %d 项扣款金额须为大于 0 的金额（元），如 200.00", i+1)
		}
		in.Deductions = append(in.Deductions, billing.DepositDeduction{AmountFen: v, Reason: reason})
	}
	x, err := h.S.Refund(r.Context(), user(r), id, in)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("押金已结清：退还 %s，扣款 %s", money.Fen(x.RefundFen), money.Fen(x.DeductionsFen)), nil
}

// inspectView is the data of the inspection form.
type inspectView struct {
	R     *Renovation
	Types []string
	Rows  []int
	Today string
}

// findingRows is how many finding rows the inspection form offers.
const findingRows = 5

func (h *Handlers) inspectPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	return h.renderInspect(w, r, http.StatusOK, id, &web.Page{Form: url.Values{}})
}

func (h *Handlers) renderInspect(w http.ResponseWriter, r *http.Request, status int, id int64, pg *web.Page) error {
	x, err := h.S.Get(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	if !x.Active() {
		return errs.Conflict("status", "该装修申请当前为“%s”，不能登记巡查", x.StatusLabel)
	}
	pg.Title, pg.Nav = "装修巡查 "+x.HouseCode, "renovations"
	pg.Data = &inspectView{R: x, Types: ViolationTypes, Rows: make([]int, findingRows), Today: h.S.today()}
	return h.t.Render(w, r, status, "inspect", pg)
}

func (h *Handlers) inspectPost(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	in := InspectionInput{Note: r.FormValue("note")}
	for i := range findingRows {
		k := strconv.Itoa(i)
		fi := FindingInput{Type: r.FormValue("type" + k), Note: r.FormValue("finding_note" + k), RectifyBy: r.FormValue("rectify_by" + k)}
		if strings.TrimSpace(fi.Type+fi.Note+fi.RectifyBy) != "" {
			in.Findings = append(in.Findings, fi)
		}
	}
	var x *Inspection
	photos, err := uploads(r, "photos")
	if err == nil {
		x, err = h.S.Inspect(r.Context(), user(r), id, in, photos...)
	}
	if errs.CodeOf(err) == errs.CodeInvalid {
		return h.renderInspect(w, r, web.StatusOf(err), id, &web.Page{Form: r.PostForm, Errors: errs.ByField(err)})
	}
	if errs.CodeOf(err) == errs.CodeConflict {
		web.Redirect(w, r, fmt.Sprintf("/renovations/%d", id), "操作未完成："+errs.ByField(err)[firstField(err)])
		return nil
	}
	if err != nil {
		return err
	}
	msg := "已登记巡查，未发现问题"
	if n := len(x.Findings); n > 0 {
		msg = fmt.Sprintf("已登记巡查，发现 %d 个问题，已限期整改", n)
	}
	web.Redirect(w, r, fmt.Sprintf("/renovations/%d", id), msg)
	return nil
}

func (h *Handlers) download(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	aid, err := web.ID(r, "aid")
	if err != nil {
		return err
	}
	f, data, err := h.S.FileData(r.Context(), user(r), id, aid)
	if err != nil {
		return err
	}
	return web.ServeInline(w, f.Name, f.ContentType, data)
}
