package movein

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// The campaign pages (/movein…): the list, the plan form, the campaign's
// dashboard with its batches and houses, and the document pack.

func (h *Handlers) campaignPages(rt *web.Router) {
	rt.Handle("GET /movein", auth.PermMoveInRead, h.campaignsPage)
	rt.Handle("GET /movein/campaigns/new", auth.PermMoveInPlan, h.campaignNewPage)
	rt.Handle("POST /movein/campaigns", auth.PermMoveInPlan, h.campaignCreatePage)
	rt.Handle("GET /movein/campaigns/{id}", auth.PermMoveInRead, h.campaignPage)
	rt.Handle("GET /movein/campaigns/{id}/edit", auth.PermMoveInPlan, h.campaignEditPage)
	rt.Handle("POST /movein/campaigns/{id}", auth.PermMoveInPlan, h.campaignUpdatePage)
	rt.Handle("GET /movein/campaigns/{id}/export.xlsx", auth.PermMoveInRead, h.housesExport)
	rt.Handle("POST /movein/campaigns/{id}/batches", auth.PermMoveInPlan, h.batchCreatePage)
	rt.Handle("POST /movein/batches/{id}/newspaper", auth.PermMoveInWork, h.newspaperPage)
	rt.Handle("POST /movein/batches/{id}/slots", auth.PermMoveInPlan, h.slotCreatePage)
	rt.Handle("POST /movein/batches/{id}/houses", auth.PermMoveInPlan, h.assignPage)
	rt.Handle("GET /movein/documents", auth.PermMoveInRead, h.documentsPage)
	rt.Handle("POST /movein/documents", auth.PermMoveInPlan, h.documentCreatePage)
	rt.Handle("POST /movein/documents/{id}", auth.PermMoveInPlan, h.documentUpdatePage)
	rt.Handle("POST /movein/documents/{id}/revise", auth.PermMoveInPlan, h.documentRevisePage)
}

// campaignList is the data of /movein.
type campaignList struct {
	C         *communities
	Campaigns []*Campaign
	Pager     web.Pager
}

func (h *Handlers) campaignsPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communitiesOf(r, false)
	if err != nil {
		return err
	}
	pg := web.PagingOf(r)
	cs, total, err := h.S.Campaigns(r.Context(), user(r), CampaignFilter{CommunityID: c.ID, Limit: pg.PerPage, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "campaigns", &web.Page{Title: "入伙", Nav: "movein",
		Data: &campaignList{C: c, Campaigns: cs, Pager: pager(r, total)}})
}

// campaignForm is the data of the plan form (new or edit).
type campaignForm struct {
	C        *communities
	Campaign *Campaign // nil: a new one
	FeeItems []FeeItem
	Posts    []int
}

var campaignFields = []string{"community_id", "name", "starts_on", "ends_on", "work_plan", "posts", "fee_item_ids"}

const postRows = 8

func (h *Handlers) renderCampaignForm(w http.ResponseWriter, r *http.Request, status int, v *campaignForm, pg *web.Page) error {
	cid := v.C.ID
	if v.Campaign != nil {
		cid = v.Campaign.CommunityID
	}
	if cid > 0 {
		items, err := h.S.FeeItemChoices(r.Context(), user(r), cid)
		if err != nil {
			return err
		}
		v.FeeItems = items
	}
	for i := range postRows {
		v.Posts = append(v.Posts, i)
	}
	pg.Title, pg.Nav, pg.Data = "制定入伙计划", "movein", v
	if v.Campaign != nil {
		pg.Title = "修改入伙计划 " + v.Campaign.Name
	}
	return h.t.Render(w, r, status, "campaign_form", pg)
}

// campaignValues is a campaign as the plan form's values.
func campaignValues(in CampaignInput) url.Values {
	f := url.Values{"community_id": {strconv.FormatInt(in.CommunityID, 10)}, "name": {in.Name}, "starts_on": {in.StartsOn},
		"ends_on": {in.EndsOn}, "work_plan": {in.WorkPlan}}
	for i, p := range in.Posts {
		f.Set(fmt.Sprintf("post_%d", i), p.Post)
		f.Set(fmt.Sprintf("staff_%d", i), p.Staff)
	}
	for _, id := range in.FeeItemIDs {
		f.Add("fee_item_ids", strconv.FormatInt(id, 10))
	}
	return f
}

func campaignInputOf(r *http.Request) CampaignInput {
	in := CampaignInput{CommunityID: formID(r, "community_id"), Name: r.FormValue("name"), StartsOn: r.FormValue("starts_on"),
		EndsOn: r.FormValue("ends_on"), WorkPlan: r.FormValue("work_plan")}
	for i := range postRows {
		in.Posts = append(in.Posts, Post{Post: r.FormValue(fmt.Sprintf("post_%d", i)), Staff: r.FormValue(fmt.Sprintf("staff_%d", i))})
	}
	for _, v := range r.Form["fee_item_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.FeeItemIDs = append(in.FeeItemIDs, id)
		} else {
			in.FeeItemIDs = append(in.FeeItemIDs, -1)
		}
	}
	return in
}

func (h *Handlers) campaignNewPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communitiesOf(r, true)
	if err != nil {
		return err
	}
	in := CampaignInput{CommunityID: c.ID, Posts: DefaultPosts, WorkPlan: "一、入伙日期与地点\n二、入伙流程：验证身份 → 签署资料 → 缴纳费用 → 陪同验房 → 交钥匙\n三、各岗位职责\n四、注意事项"}
	return h.renderCampaignForm(w, r, http.StatusOK, &campaignForm{C: c}, form(campaignValues(in), nil))
}

func (h *Handlers) campaignCreatePage(w http.ResponseWriter, r *http.Request) error {
	in := campaignInputOf(r)
	c, err := h.S.CreateCampaign(r.Context(), user(r), in)
	if fault(err) {
		cm, cerr := h.postedCommunity(r, in.CommunityID)
		if cerr != nil {
			return cerr
		}
		return h.renderCampaignForm(w, r, web.StatusOf(err), &campaignForm{C: cm}, form(r.PostForm, fieldErrors(err, campaignFields...)))
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/movein/campaigns/%d", c.ID), "已制定入伙计划："+c.Name)
	return nil
}

func (h *Handlers) campaignEditPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.S.Campaign(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	if err := can(user(r), auth.PermMoveInPlan, c.CommunityID); err != nil {
		return err
	}
	return h.renderCampaignForm(w, r, http.StatusOK, &campaignForm{C: &communities{}, Campaign: c}, form(campaignValues(CampaignInputOf(c)), nil))
}

func (h *Handlers) campaignUpdatePage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.S.Campaign(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := campaignInputOf(r)
	in.CommunityID = c.CommunityID
	out, err := h.S.UpdateCampaign(r.Context(), user(r), id, in)
	if fault(err) {
		return h.renderCampaignForm(w, r, web.StatusOf(err), &campaignForm{C: &communities{}, Campaign: c},
			form(r.PostForm, fieldErrors(err, campaignFields...)))
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/movein/campaigns/%d", id), "已保存入伙计划："+out.Name)
	return nil
}

// campaignView is the data of a campaign's page.
type campaignView struct {
	C         *Campaign
	D         *Dashboard
	Houses    []*Entry
	Pager     web.Pager
	Stages    []Choice
	Buildings []*archive.Building
	Batch     *web.Page             // the new-batch form
	Forms     map[int64]*batchForms // each batch's forms
	Open      int64                 // the batch whose form has an error
	History   []audit.Entry
	Today     string
}

// batchForms are the forms of one batch on the campaign page.
type batchForms struct {
	Newspaper, Slot, Assign *web.Page
}

func (h *Handlers) renderCampaign(w http.ResponseWriter, r *http.Request, status int, v *campaignView) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	u := user(r)
	c, err := h.S.CampaignDashboard(r.Context(), u, id)
	if err != nil {
		return err
	}
	f := HouseFilter{}
	if r.Method == http.MethodGet {
		if f, err = houseFilterOf(r); err != nil {
			return err
		}
	} else {
		f.Limit = 50
	}
	_, houses, total, err := h.S.CampaignHouses(r.Context(), u, id, f)
	if err != nil {
		return err
	}
	st, err := h.S.Archive.Structure(r.Context(), u, c.CommunityID)
	if err != nil {
		return err
	}
	v.C, v.D, v.Houses, v.Pager, v.Stages, v.Buildings = c, c.Stages, houses, pager(r, total), StageNames, st.Buildings
	v.History, v.Today = h.history(r, "movein_campaign", id), h.S.today()
	if v.Batch == nil {
		v.Batch = form(url.Values{"starts_on": {c.StartsOn}, "name": {fmt.Sprintf("第%d批", len(c.Batches)+1)}}, nil)
	}
	if v.Forms == nil {
		v.Forms = map[int64]*batchForms{}
	}
	for _, b := range c.Batches {
		bf := v.Forms[b.ID]
		if bf == nil {
			bf = &batchForms{}
			v.Forms[b.ID] = bf
		}
		if bf.Newspaper == nil {
			bf.Newspaper = form(url.Values{"newspaper": {b.Newspaper}, "newspaper_on": {b.NewspaperOn}}, nil)
		}
		if bf.Slot == nil {
			bf.Slot = form(url.Values{"day": {b.StartsOn}, "from": {"09:00"}, "to": {"11:30"}, "capacity": {"10"}}, nil)
		}
		if bf.Assign == nil {
			bf.Assign = form(url.Values{}, nil)
		}
	}
	return h.t.Render(w, r, status, "campaign", &web.Page{Title: "入伙计划 " + c.Name, Nav: "movein", Data: v})
}

func (h *Handlers) campaignPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderCampaign(w, r, http.StatusOK, &campaignView{})
}

var batchFields = []string{"name", "starts_on", "newspaper", "newspaper_on", "notes"}

func (h *Handlers) batchCreatePage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.S.Campaign(r.Context(), user(r), id); err != nil {
		return err
	}
	in := BatchInput{CampaignID: id, Name: r.FormValue("name"), StartsOn: r.FormValue("starts_on"),
		Newspaper: r.FormValue("newspaper"), NewspaperOn: r.FormValue("newspaper_on"), Notes: r.FormValue("notes")}
	if r.FormValue("day") != "" {
		in.Slots = []SlotInput{{Day: r.FormValue("day"), From: r.FormValue("from"), To: r.FormValue("to"), Capacity: formInt(r, "capacity")}}
	}
	b, err := h.S.CreateBatch(r.Context(), user(r), in)
	if fault(err) {
		return h.renderCampaign(w, r, web.StatusOf(err), &campaignView{Batch: form(r.PostForm, fieldErrors(err, batchFields...))})
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/movein/campaigns/%d", id), "已添加批次："+b.Name)
	return nil
}

// batchPost serves a form of a batch on its campaign's page: the batch
// is looked up first (another community's is a 403); a mistake shows the
// campaign page with the batch's form open.
func (h *Handlers) batchPost(w http.ResponseWriter, r *http.Request, fn func(b *Batch) (string, error),
	onErr func(bf *batchForms, e map[string]string)) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.S.Batch(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	flash, err := fn(b)
	if fault(err) {
		bf := &batchForms{}
		onErr(bf, fieldErrors(err, "newspaper", "newspaper_on", "day", "from", "to", "capacity", "house_codes", "building_id"))
		r.SetPathValue("id", strconv.FormatInt(b.CampaignID, 10))
		return h.renderCampaign(w, r, web.StatusOf(err), &campaignView{Forms: map[int64]*batchForms{b.ID: bf}, Open: b.ID})
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/movein/campaigns/%d", b.CampaignID), flash)
	return nil
}

func (h *Handlers) newspaperPage(w http.ResponseWriter, r *http.Request) error {
	return h.batchPost(w, r, func(b *Batch) (string, error) {
		out, err := h.S.RecordNewspaper(r.Context(), user(r), b.ID, r.FormValue("newspaper"), r.FormValue("newspaper_on"))
		if err != nil {
			return "", err
		}
		if out.Warning != "" {
			return "已保存登报信息。注意：" + out.Warning, nil
		}
		return "已保存登报信息", nil
	}, func(bf *batchForms, e map[string]string) { bf.Newspaper = form(r.PostForm, e) })
}

func (h *Handlers) slotCreatePage(w http.ResponseWriter, r *http.Request) error {
	return h.batchPost(w, r, func(b *Batch) (string, error) {
		in := SlotInput{Day: r.FormValue("day"), From: r.FormValue("from"), To: r.FormValue("to"), Capacity: formInt(r, "capacity")}
		if _, err := h.S.AddSlot(r.Context(), user(r), b.ID, in); err != nil {
			return "", err
		}
		return fmt.Sprintf("已添加预约时段 %s %s-%s", in.Day, in.From, in.To), nil
	}, func(bf *batchForms, e map[string]string) { bf.Slot = form(r.PostForm, e) })
}

func (h *Handlers) assignPage(w http.ResponseWriter, r *http.Request) error {
	return h.batchPost(w, r, func(b *Batch) (string, error) {
		_, n, err := h.S.AssignHouses(r.Context(), user(r), b.ID, AssignInput{HouseCodes: r.FormValue("house_codes"),
			BuildingID: formID(r, "building_id")})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已将 %d 户加入%s", n, b.Name), nil
	}, func(bf *batchForms, e map[string]string) { bf.Assign = form(r.PostForm, e) })
}

// documentsView is the data of the document pack page.
type documentsView struct {
	C    *communities
	Docs []*Document
	New  *web.Page
}

func (h *Handlers) renderDocuments(w http.ResponseWriter, r *http.Request, status int, c *communities, add *web.Page) error {
	v := &documentsView{C: c, New: add, Docs: []*Document{}}
	if c.ID > 0 {
		ds, err := h.S.Documents(r.Context(), user(r), c.ID)
		if err != nil {
			return err
		}
		v.Docs = ds
	}
	if v.New == nil {
		v.New = form(url.Values{"sort": {"100"}, "version_note": {"初版"}}, nil)
	}
	return h.t.Render(w, r, status, "documents", &web.Page{Title: "入伙资料", Nav: "movein", Data: v})
}

func (h *Handlers) documentsPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communitiesOf(r, true)
	if err != nil {
		return err
	}
	return h.renderDocuments(w, r, http.StatusOK, c, nil)
}

func (h *Handlers) documentCreatePage(w http.ResponseWriter, r *http.Request) error {
	req := r.FormValue("required") == "1"
	in := DocumentInput{CommunityID: formID(r, "community_id"), Name: r.FormValue("name"), Required: &req,
		Sort: formInt(r, "sort"), VersionNote: r.FormValue("version_note")}
	d, err := h.S.CreateDocument(r.Context(), user(r), in)
	if fault(err) {
		cm, cerr := h.postedCommunity(r, in.CommunityID)
		if cerr != nil {
			return cerr
		}
		return h.renderDocuments(w, r, web.StatusOf(err), cm, form(r.PostForm, fieldErrors(err, "name", "sort", "version_note")))
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/movein/documents?community_id=%d", d.CommunityID), "已添加资料："+d.Name)
	return nil
}

// documentPost serves a form of one document; a mistake comes back as a
// flash on the pack page, the row's form being small.
func (h *Handlers) documentPost(w http.ResponseWriter, r *http.Request, fn func(d *Document) (string, error)) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.S.Document(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	flash, err := fn(d)
	if e, ok := errs.As(err); ok && fault(err) {
		flash, err = "未保存："+e.Message, nil
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/movein/documents?community_id=%d", d.CommunityID), flash)
	return nil
}

func (h *Handlers) documentUpdatePage(w http.ResponseWriter, r *http.Request) error {
	return h.documentPost(w, r, func(d *Document) (string, error) {
		req, active := r.FormValue("required") == "1", r.FormValue("active") != "0"
		out, err := h.S.UpdateDocument(r.Context(), user(r), d.ID, DocumentInput{Name: r.FormValue("name"), Required: &req,
			Sort: formInt(r, "sort"), Active: &active})
		if err != nil {
			return "", err
		}
		return "已保存资料：" + out.Name, nil
	})
}

func (h *Handlers) documentRevisePage(w http.ResponseWriter, r *http.Request) error {
	return h.documentPost(w, r, func(d *Document) (string, error) {
		out, err := h.S.ReviseDocument(r.Context(), user(r), d.ID, RevisionInput{RevisedOn: r.FormValue("revised_on"),
			Note: r.FormValue("note")})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("《%s》已修订为第 %d 版", out.Name, out.Version), nil
	})
}
