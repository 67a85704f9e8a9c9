package frontdesk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// The notices' pages (/desk/notices): the list with status tabs, the
// draft form, the notice with its approval actions and history, the A4
// sheet for the notice board and the Excel export.

func (h *Handlers) noticePageRoutes(rt *web.Router) {
	rt.Handle("GET /desk/notices", auth.PermDeskRead, h.noticesPage)
	rt.Handle("GET /desk/notices/export.xlsx", auth.PermDeskRead, h.noticesExport)
	rt.Handle("GET /desk/notices/new", auth.PermNoticeWrite, h.noticeNew)
	rt.Handle("POST /desk/notices", auth.PermNoticeWrite, h.noticeCreate)
	rt.Handle("GET /desk/notices/{id}", auth.PermDeskRead, h.noticePage)
	rt.Handle("GET /desk/notices/{id}/edit", auth.PermNoticeWrite, h.noticeEdit)
	rt.Handle("POST /desk/notices/{id}/edit", auth.PermNoticeWrite, h.noticeSave)
	for _, step := range noticeStepNames {
		rt.Handle("POST /desk/notices/{id}/"+step, noticeSteps[step].perm, h.noticeStepPost(step))
	}
	rt.Handle("POST /desk/notices/{id}/attachment", auth.PermNoticeWrite, h.noticeAttachPost)
	rt.Handle("POST /desk/notices/{id}/attachment/delete", auth.PermNoticeWrite, h.noticeDetachPost)
	rt.Handle("GET /desk/notices/{id}/attachment", auth.PermDeskRead, h.noticeDownload)
	rt.Handle("GET /desk/notices/{id}/print", auth.PermDeskRead, h.noticePrint)
}

type noticeTab struct{ Key, Label string }

var noticeTabs = []noticeTab{{"", "全部"}, {"active", "生效中"}, {NoticeDraft, "草稿"}, {NoticeSubmitted, "待审批"},
	{NoticeApproved, "已批准"}, {NoticePublished, "已发布"}, {NoticeWithdrawn, "已撤回"}}

func (h *Handlers) noticesPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, false)
	if err != nil {
		return err
	}
	f, err := noticeFilterOf(r)
	if err != nil {
		return err
	}
	ns, total, err := h.S.Notices(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	tab := r.URL.Query().Get("status")
	return h.t.Render(w, r, http.StatusOK, "notices", &web.Page{Title: "公告", Nav: "desk_notices", Data: map[string]any{
		"C": c, "Items": ns, "Tabs": noticeTabs, "Tab": tab, "Now": h.S.now(), "Categories": NoticeCategories,
		"Pager": deskPager(r, total)}})
}

func (h *Handlers) noticesExport(w http.ResponseWriter, r *http.Request) error {
	f, err := noticeFilterOf(r)
	if err != nil {
		return err
	}
	wb, err := h.S.NoticesWorkbook(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return excel.Send(w, wb, "公告.xlsx", "notices.xlsx")
}

// NoticesWorkbook is the notices of the filter, every page of them.
func (s *Service) NoticesWorkbook(ctx context.Context, by *auth.User, f NoticeFilter) (*excel.Writer, error) {
	wb := excel.NewWriter()
	if err := wb.Sheet("公告", []excel.Column{{Header: "标题", Width: 30}, {Header: "小区", Width: 14}, {Header: "分类"},
		{Header: "发布范围", Width: 14}, {Header: "开始时间", Width: 17}, {Header: "结束时间", Width: 17}, {Header: "状态"},
		{Header: "置顶"}, {Header: "起草人"}, {Header: "审批人"}, {Header: "发布时间", Width: 17}, {Header: "退回/撤回原因", Width: 24}}); err != nil {
		return nil, err
	}
	names, err := s.ndCommunityNames(ctx, by)
	if err != nil {
		return nil, err
	}
	f.Limit, f.Offset = 500, 0
	for f.Offset < 100_000 {
		ns, _, err := s.Notices(ctx, by, f)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			pinned, published := "", ""
			if n.Pinned {
				pinned = "是"
			}
			if n.PublishedAt != nil {
				published = ndShow(*n.PublishedAt)
			}
			if err := wb.Row(n.Title, names[n.CommunityID], n.Category, n.Scope(), ndShow(n.StartsAt), ndShow(n.EndsAt),
				n.StatusLabel, pinned, n.CreatedName, n.ApprovedName, published, n.RejectReason+n.WithdrawReason); err != nil {
				return nil, err
			}
		}
		if len(ns) < f.Limit {
			break
		}
		f.Offset += len(ns)
	}
	return wb, nil
}

// ndCommunityNames names the caller's communities.
func (s *Service) ndCommunityNames(ctx context.Context, by *auth.User) (map[int64]string, error) {
	var w db.Where
	w.Scope("id", archive.Scope(by))
	rows, err := s.DB.QueryContext(ctx, `SELECT id, name FROM communities`+w.SQL(), w.Args...)
	if err != nil {
		return nil, fmt.Errorf("community names: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// The draft form

var noticeFormFields = []string{"title", "body", "category", "building_ids", "starts_at", "ends_at", "pinned"}

func (h *Handlers) noticeNew(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	now := h.S.now().In(web.Shanghai)
	start := time.Date(now.Year(), now.Month(), now.Day(), now.Hour()+1, 0, 0, 0, web.Shanghai)
	form := url.Values{"category": {"其他"}, "starts_at": {start.Format("2006-01-02T15:04")},
		"ends_at": {start.AddDate(0, 0, 7).Format("2006-01-02T15:04")}}
	return h.renderNoticeForm(w, r, http.StatusOK, c, nil, &web.Page{Form: form})
}

// renderNoticeForm shows the draft form: a new one in c's chosen
// community, or n's.
func (h *Handlers) renderNoticeForm(w http.ResponseWriter, r *http.Request, status int, c *deskCommunities, n *Notice, pg *web.Page) error {
	cid := c.ID
	if n != nil {
		cid = n.CommunityID
	}
	var st *archive.Structure
	if cid > 0 {
		var err error
		if st, err = h.Arch.Structure(r.Context(), user(r), cid); err != nil {
			return err
		}
	}
	pg.Title, pg.Nav = "起草公告", "desk_notices"
	if n != nil {
		pg.Title = "修改公告"
	}
	pg.Data = map[string]any{"C": c, "N": n, "S": st, "Categories": NoticeCategories, "Chosen": ndChosen(pg.Form["building_ids"])}
	return h.t.Render(w, r, status, "notice_form", pg)
}

// ndChosen is the ids ticked in a form's checkboxes.
type ndChosen []string

// Has reports whether id is ticked.
func (c ndChosen) Has(id int64) bool { return slices.Contains(c, strconv.FormatInt(id, 10)) }

// noticeInputOf reads the draft form.
func noticeInputOf(r *http.Request, communityID int64) NoticeInput {
	in := NoticeInput{CommunityID: communityID, Title: r.PostFormValue("title"), Body: r.PostFormValue("body"),
		Category: r.PostFormValue("category"), Pinned: r.PostFormValue("pinned") != "",
		StartsAt: r.PostFormValue("starts_at"), EndsAt: r.PostFormValue("ends_at")}
	for _, s := range r.PostForm["building_ids"] {
		if id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && id > 0 {
			in.BuildingIDs = append(in.BuildingIDs, id)
		}
	}
	return in
}

func (h *Handlers) noticeCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	n, err := h.S.CreateNotice(r.Context(), user(r), noticeInputOf(r, c.ID))
	if _, ok := formFault(err); ok {
		return h.renderNoticeForm(w, r, web.StatusOf(err), c, nil, &web.Page{Form: r.PostForm, Errors: formErrorsOf(err, nil, noticeFormFields...)})
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/desk/notices/%d", n.ID), "已保存草稿，可上传附件后提交审批")
	return nil
}

func (h *Handlers) noticeEdit(w http.ResponseWriter, r *http.Request) error {
	n, err := h.pageNotice(r)
	if err != nil {
		return err
	}
	if !n.Editable(user(r)) {
		web.Redirect(w, r, fmt.Sprintf("/desk/notices/%d", n.ID), "只有草稿可以修改（当前："+n.StatusLabel+"）")
		return nil
	}
	form := url.Values{"title": {n.Title}, "body": {n.Body}, "category": {n.Category},
		"starts_at": {n.StartsAt.In(web.Shanghai).Format("2006-01-02T15:04")}, "ends_at": {n.EndsAt.In(web.Shanghai).Format("2006-01-02T15:04")}}
	if n.Pinned {
		form.Set("pinned", "1")
	}
	for _, b := range n.BuildingIDs {
		form.Add("building_ids", strconv.FormatInt(b, 10))
	}
	return h.renderNoticeForm(w, r, http.StatusOK, &deskCommunities{}, n, &web.Page{Form: form})
}

func (h *Handlers) noticeSave(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.pageNotice(r)
	if err != nil {
		return err
	}
	n, err := h.S.UpdateNotice(r.Context(), user(r), cur.ID, noticeInputOf(r, cur.CommunityID))
	if e, ok := formFault(err); ok {
		if e.Code == errs.CodeConflict {
			web.Redirect(w, r, fmt.Sprintf("/desk/notices/%d", cur.ID), "未保存："+e.Message)
			return nil
		}
		return h.renderNoticeForm(w, r, web.StatusOf(err), &deskCommunities{}, cur,
			&web.Page{Form: r.PostForm, Errors: formErrorsOf(err, nil, noticeFormFields...)})
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/desk/notices/%d", n.ID), "已保存修改")
	return nil
}

// pageNotice is the notice of the path, which the caller may see.
func (h *Handlers) pageNotice(r *http.Request) (*Notice, error) {
	id, err := web.ID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.S.Notice(r.Context(), user(r), id)
}

// The notice and its actions

// noticeView is the notice page: the notice, what the caller may do
// with it, and its history. Act names the action form whose errors
// Errors holds.
type noticeView struct {
	N         *Notice
	Community *archive.Community
	Steps     map[string]bool
	Edit      bool
	Act       string
	History   []audit.Entry
	Phase     string
}

func (h *Handlers) noticePage(w http.ResponseWriter, r *http.Request) error {
	n, err := h.pageNotice(r)
	if err != nil {
		return err
	}
	return h.renderNotice(w, r, http.StatusOK, n, "", &web.Page{})
}

func (h *Handlers) renderNotice(w http.ResponseWriter, r *http.Request, status int, n *Notice, act string, pg *web.Page) error {
	u := user(r)
	c, err := h.Arch.Community(r.Context(), u, n.CommunityID)
	if err != nil {
		return err
	}
	hist, err := h.S.NoticeHistory(r.Context(), u, n.ID)
	if err != nil {
		return err
	}
	v := &noticeView{N: n, Community: c, Steps: map[string]bool{}, Edit: n.Editable(u), Act: act, History: hist,
		Phase: n.Phase(h.S.now())}
	for _, s := range noticeStepNames {
		v.Steps[s] = n.CanStep(u, s)
	}
	if pg.Form == nil {
		pg.Form = url.Values{}
	}
	pg.Title, pg.Nav, pg.Data = n.Title, "desk_notices", v
	return h.t.Render(w, r, status, "notice", pg)
}

func (h *Handlers) noticeStepPost(step string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		cur, err := h.pageNotice(r)
		if err != nil {
			return err
		}
		back := fmt.Sprintf("/desk/notices/%d", cur.ID)
		st := noticeSteps[step]
		n, err := h.S.StepNotice(r.Context(), user(r), cur.ID, step, r.PostFormValue("reason"))
		if e, ok := formFault(err); ok {
			if e.Code == errs.CodeInvalid {
				return h.renderNotice(w, r, web.StatusOf(err), cur, step, &web.Page{Form: r.PostForm,
					Errors: map[string]string{"reason": e.Message}})
			}
			web.Redirect(w, r, back, "未能"+st.verb+"："+e.Message)
			return nil
		}
		if err != nil {
			return err
		}
		msg := "已" + st.verb
		if step == "publish" && n.Phase(h.S.now()) == "未开始" {
			msg += fmt.Sprintf("，将于 %s 起生效", ndShow(n.StartsAt))
		}
		web.Redirect(w, r, back, msg)
		return nil
	}
}

func (h *Handlers) noticeAttachPost(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.pageNotice(r)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/desk/notices/%d", cur.ID)
	name, data, err := web.ReadUpload(w, r, "file", MaxNoticeFile, noticeFileKinds...)
	if err == nil {
		_, err = h.S.AttachNoticeFile(r.Context(), user(r), cur.ID, name, data)
	}
	if e, ok := formFault(err); ok {
		web.Redirect(w, r, back, "上传失败："+e.Message)
		return nil
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, back, "已上传附件 "+name)
	return nil
}

func (h *Handlers) noticeDetachPost(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.pageNotice(r)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/desk/notices/%d", cur.ID)
	_, err = h.S.RemoveNoticeFile(r.Context(), user(r), cur.ID)
	if e, ok := formFault(err); ok || errs.CodeOf(err) == errs.CodeNotFound {
		msg := "该公告没有附件"
		if ok {
			msg = e.Message
		}
		web.Redirect(w, r, back, "未删除："+msg)
		return nil
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, back, "已删除附件")
	return nil
}

// noticePrint is the A4 sheet for the notice board.
func (h *Handlers) noticePrint(w http.ResponseWriter, r *http.Request) error {
	n, err := h.pageNotice(r)
	if err != nil {
		return err
	}
	c, err := h.Arch.Community(r.Context(), user(r), n.CommunityID)
	if err != nil {
		return err
	}
	date := n.StartsAt
	if n.PublishedAt != nil && n.PublishedAt.After(date) {
		date = *n.PublishedAt
	}
	return h.t.Render(w, r, http.StatusOK, "notice_print", &web.Page{Title: n.Title, Nav: "desk_notices", Data: map[string]any{
		"N": n, "Community": c, "Date": date.In(web.Shanghai).Format("2006年1月2日"),
		"Paragraphs": strings.Split(n.Body, "\n")}})
}
