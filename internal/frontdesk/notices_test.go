package frontdesk_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
)

// ndClock is the desk's clock in the notices' and the duty log's tests.
type ndClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *ndClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *ndClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// ndFixture is the app fixture with the desk's clock at 2026-11-20
// 10:00 Asia/Shanghai.
type ndFixture struct {
	*apptest.Fixture
	t   *testing.T
	clk *ndClock
}

func ndEach(t *testing.T, fn func(t *testing.T, x *ndFixture)) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		clk := &ndClock{t: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)}
		f.App.Desk.Now = clk.Now
		fn(t, &ndFixture{Fixture: f, t: t, clk: clk})
	})
}

// call sends an API request as role and fails unless the status is want.
func (x *ndFixture) call(role auth.Role, method, path string, body any, want int) *apptest.Response {
	x.t.Helper()
	r := x.API(role).Do(method, path, body)
	if r.Code != want {
		x.t.Fatalf("%s %s as %s: got %s, want %d", method, path, role, r, want)
	}
	return r
}

// notice drafts a notice in community A as the agent, starting an hour
// ago and ending in a week unless extra says otherwise.
func (x *ndFixture) notice(title string, extra map[string]any) *frontdesk.Notice {
	x.t.Helper()
	now := x.clk.Now()
	body := map[string]any{"community_id": x.A.Community.ID, "title": title, "body": "因二次供水设备检修，\n届时请提前储水。",
		"starts_at": now.Add(-time.Hour).Format(time.RFC3339), "ends_at": now.Add(7 * 24 * time.Hour).Format(time.RFC3339)}
	for k, v := range extra {
		body[k] = v
	}
	var n frontdesk.Notice
	x.call(auth.RoleCSAgent, "POST", "/api/v1/notices", body, http.StatusCreated).JSON(x.t, &n)
	return &n
}

func (x *ndFixture) step(role auth.Role, id int64, step string, body any, want int) *frontdesk.Notice {
	x.t.Helper()
	var n frontdesk.Notice
	r := x.call(role, "POST", fmt.Sprintf("/api/v1/notices/%d/%s", id, step), body, want)
	if want == http.StatusOK {
		r.JSON(x.t, &n)
	}
	return &n
}

// activeTitles is the published list of community A inside its dates:
// the owner portal's list.
func (x *ndFixture) activeTitles(role auth.Role, query string) []string {
	x.t.Helper()
	var list struct {
		Items []frontdesk.Notice `json:"items"`
		Total int                `json:"total"`
	}
	x.call(role, "GET", fmt.Sprintf("/api/v1/notices?community_id=%d&active=true%s", x.A.Community.ID, query), nil, http.StatusOK).JSON(x.t, &list)
	out := []string{}
	for _, n := range list.Items {
		if !n.Active || n.Status != frontdesk.NoticePublished {
			x.t.Errorf("active list shows %q %s active=%v", n.Title, n.Status, n.Active)
		}
		out = append(out, n.Title)
	}
	if list.Total != len(out) {
		x.t.Errorf("active total %d, %d items", list.Total, len(out))
	}
	return out
}

var ndHan = regexp.MustCompile(`\p{Han}`)

// ndWantError checks an error envelope's status, code, field and that
// the message is Chinese.
func ndWantError(t *testing.T, r *apptest.Response, status int, code, field string) apptest.APIError {
	t.Helper()
	if r.Code != status {
		t.Fatalf("got %s, want %d %s (%s)", r, status, code, field)
	}
	e := r.Error(t)
	if e.Code != code || e.Field != field || !ndHan.MatchString(e.Message) {
		t.Errorf("error %+v, want code %s field %q and a Chinese message", e, code, field)
	}
	return e
}

func TestNoticeIsApprovedPublishedAndWithdrawn(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		n := x.notice("关于3栋停水的通知", map[string]any{"category": "停水停电"})
		if n.ID == 0 || n.Status != frontdesk.NoticeDraft || n.Category != "停水停电" || n.CreatedName != x.Users[auth.RoleCSAgent].Name {
			t.Fatalf("drafted %+v", n)
		}
		if got := x.activeTitles(auth.RoleCSAgent, ""); len(got) != 0 {
			t.Errorf("a draft is on the board: %q", got)
		}
		// The agent cannot approve or publish: 403 from the route.
		for _, step := range []string{"publish", "approve", "reject", "withdraw"} {
			ndWantError(t, x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/notices/%d/%s", n.ID, step), map[string]any{"reason": "x"}),
				http.StatusForbidden, "forbidden", "")
		}
		path := fmt.Sprintf("/api/v1/notices/%d", n.ID)
		sub := x.step(auth.RoleCSAgent, n.ID, "submit", nil, http.StatusOK)
		if sub.Status != frontdesk.NoticeSubmitted || sub.SubmittedAt == nil {
			t.Errorf("submitted %+v", sub)
		}
		// A submitted notice is not a draft any more: no second submit,
		// no edit, no new attachment.
		ndWantError(t, x.API(auth.RoleCSAgent).Post(path+"/submit", nil), http.StatusConflict, "conflict", "status")
		ndWantError(t, x.API(auth.RoleCSAgent).Do("PUT", path, map[string]any{"title": "改标题"}), http.StatusConflict, "conflict", "status")
		ndWantError(t, x.API(auth.RoleCSManager).Post(path+"/withdraw", map[string]any{"reason": "x"}), http.StatusConflict, "conflict", "status")

		// The manager sends it back with a reason; the agent edits it.
		ndWantError(t, x.API(auth.RoleCSManager).Post(path+"/reject", map[string]any{"reason": "  "}), http.StatusBadRequest, "invalid", "reason")
		back := x.step(auth.RoleCSManager, n.ID, "reject", map[string]any{"reason": "请写明停水时段"}, http.StatusOK)
		if back.Status != frontdesk.NoticeDraft || back.RejectReason != "请写明停水时段" {
			t.Errorf("rejected %+v", back)
		}
		var ed frontdesk.Notice
		x.call(auth.RoleCSAgent, "PUT", path, map[string]any{"body": "11月21日 9:00-12:00 停水。", "pinned": true}, http.StatusOK).JSON(t, &ed)
		if ed.Body != "11月21日 9:00-12:00 停水。" || !ed.Pinned || ed.Title != "关于3栋停水的通知" || ed.Status != frontdesk.NoticeDraft {
			t.Errorf("edited %+v", ed)
		}

		// The manager publishes the draft directly: approved and published.
		pub := x.step(auth.RoleCSManager, n.ID, "publish", nil, http.StatusOK)
		mgr := x.Users[auth.RoleCSManager].Name
		if pub.Status != frontdesk.NoticePublished || pub.ApprovedName != mgr || pub.PublishedName != mgr || pub.ApprovedAt == nil ||
			pub.PublishedAt == nil || !pub.Active || pub.RejectReason != "" {
			t.Errorf("published %+v", pub)
		}
		if got := x.activeTitles(auth.RoleAuditor, ""); len(got) != 1 || got[0] != "关于3栋停水的通知" {
			t.Errorf("active list %q", got)
		}
		ndWantError(t, x.API(auth.RoleCSManager).Post(path+"/publish", nil), http.StatusConflict, "conflict", "status")
		ndWantError(t, x.API(auth.RoleCSManager).Post(path+"/approve", nil), http.StatusConflict, "conflict", "status")
		ndWantError(t, x.API(auth.RoleDirector).Post(path+"/withdraw", nil), http.StatusBadRequest, "invalid", "reason")
		wd := x.step(auth.RoleDirector, n.ID, "withdraw", map[string]any{"reason": "检修取消"}, http.StatusOK)
		if wd.Status != frontdesk.NoticeWithdrawn || wd.WithdrawReason != "检修取消" || wd.Active {
			t.Errorf("withdrawn %+v", wd)
		}
		if got := x.activeTitles(auth.RoleCSAgent, ""); len(got) != 0 {
			t.Errorf("a withdrawn notice is on the board: %q", got)
		}
		ndWantError(t, x.API(auth.RoleCSManager).Post(path+"/publish", nil), http.StatusConflict, "conflict", "status")

		// Submitted, approved, then published: the approver stays the one
		// who approved.
		m := x.notice("缴费提醒", map[string]any{"category": "缴费"})
		x.step(auth.RoleCSAgent, m.ID, "submit", nil, http.StatusOK)
		x.step(auth.RoleCSManager, m.ID, "approve", nil, http.StatusOK)
		p := x.step(auth.RoleDirector, m.ID, "publish", nil, http.StatusOK)
		if p.ApprovedName != mgr || p.PublishedName != x.Users[auth.RoleDirector].Name {
			t.Errorf("approved by %q, published by %q", p.ApprovedName, p.PublishedName)
		}

		// Every step is in the notice's history.
		hist := ndStatusMoves(t, x, "notice", n.ID)
		if want := ">draft draft>submitted submitted>draft draft>draft draft>published published>withdrawn"; strings.Join(hist, " ") != want {
			t.Errorf("history %q, want %q", strings.Join(hist, " "), want)
		}
	})
}

// ndStatusMoves lists the status moves of a record's audit trail, oldest
// first: "before>after".
func ndStatusMoves(t *testing.T, x *ndFixture, entity string, id int64) []string {
	t.Helper()
	rows, err := x.DB.Query(`SELECT before_json, after_json FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id`, entity, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	status := regexp.MustCompile(`"status":"(\w+)"`)
	var out []string
	for rows.Next() {
		var b, a string
		if err := rows.Scan(&b, &a); err != nil {
			t.Fatal(err)
		}
		bs, as := status.FindStringSubmatch(b), status.FindStringSubmatch(a)
		from := ""
		if bs != nil {
			from = bs[1]
		}
		out = append(out, from+">"+as[1])
	}
	return out
}

func TestActiveNoticesAreThePublishedOnesInsideTheirDates(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		now := x.clk.Now()
		publish := func(title string, extra map[string]any) *frontdesk.Notice {
			n := x.notice(title, extra)
			x.step(auth.RoleCSManager, n.ID, "publish", nil, http.StatusOK)
			return n
		}
		publish("旧公告", nil)
		x.clk.Add(time.Minute)
		publish("置顶公告", map[string]any{"pinned": true, "starts_at": now.Add(-48 * time.Hour).Format(time.RFC3339)})
		x.clk.Add(time.Minute)
		publish("新公告", map[string]any{"starts_at": now.Format(time.RFC3339)})
		publish("明天的公告", map[string]any{"starts_at": now.Add(24 * time.Hour).Format(time.RFC3339)})
		publish("今晚结束", map[string]any{"ends_at": now.Add(10 * time.Hour).Format(time.RFC3339)})
		x.notice("草稿公告", nil)
		b := x.notice("只给3栋", map[string]any{"building_ids": []int64{x.A.Building.ID}, "starts_at": now.Add(-30 * time.Minute).Format(time.RFC3339)})
		x.step(auth.RoleCSManager, b.ID, "publish", nil, http.StatusOK)
		if b2, _ := x.App.Desk.Notice(t.Context(), x.Users[auth.RoleAdmin], b.ID); b2.Scope() != "3栋" {
			t.Errorf("scope %q", b2.Scope())
		}

		// Pinned first, then the newest start first; not yet started,
		// drafts and other communities' notices are not shown.
		want := "置顶公告 新公告 只给3栋 今晚结束 旧公告"
		if got := strings.Join(x.activeTitles(auth.RoleCSAgent, ""), " "); got != want {
			t.Errorf("active %q, want %q", got, want)
		}
		// The next morning: tonight's has ended, tomorrow's has begun.
		x.clk.Add(24 * time.Hour)
		want = "置顶公告 明天的公告 新公告 只给3栋 旧公告"
		if got := strings.Join(x.activeTitles(auth.RoleCSAgent, ""), " "); got != want {
			t.Errorf("next day active %q, want %q", got, want)
		}
		// A building filter keeps the whole community's notices and those
		// naming the building.
		other, err := x.App.Archive.CreateBuilding(t.Context(), x.Users[auth.RoleAdmin], archive.BuildingInput{CommunityID: x.A.Community.ID, Name: "5", Floors: 11})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(x.activeTitles(auth.RoleCSAgent, fmt.Sprintf("&building_id=%d", other.ID)), " "); strings.Contains(got, "只给3栋") ||
			!strings.Contains(got, "旧公告") {
			t.Errorf("building 5's notices %q", got)
		}
		// Without active=true the staff see every status, newest first.
		var all struct {
			Items []frontdesk.Notice `json:"items"`
			Total int                `json:"total"`
		}
		x.call(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/notices?community_id=%d", x.A.Community.ID), nil, http.StatusOK).JSON(t, &all)
		if all.Total != 7 || all.Items[0].Title != "只给3栋" || all.Items[1].Status != frontdesk.NoticeDraft {
			t.Errorf("all notices: total %d, first %+v", all.Total, all.Items[0])
		}
		x.call(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/notices?community_id=%d&status=draft", x.A.Community.ID), nil, http.StatusOK).JSON(t, &all)
		if all.Total != 1 || all.Items[0].Title != "草稿公告" {
			t.Errorf("drafts %+v", all)
		}
		ndWantError(t, x.API(auth.RoleAuditor).Get("/api/v1/notices?active=maybe"), http.StatusBadRequest, "invalid", "active")
		ndWantError(t, x.API(auth.RoleAuditor).Get("/api/v1/notices?status=old"), http.StatusBadRequest, "invalid", "status")
		// An ended notice cannot be published any more.
		late := x.notice("过期草稿", map[string]any{"starts_at": "2026-11-01", "ends_at": "2026-11-02"})
		ndWantError(t, x.API(auth.RoleCSManager).Post(fmt.Sprintf("/api/v1/notices/%d/publish", late.ID), nil), http.StatusConflict, "conflict", "ends_at")
		// Dates alone are read in Asia/Shanghai, an end date to the end of that day.
		if !late.StartsAt.Equal(time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)) || !late.EndsAt.Equal(time.Date(2026, 11, 2, 16, 0, 0, 0, time.UTC)) {
			t.Errorf("dates read as %s – %s", late.StartsAt, late.EndsAt)
		}
	})
}

func TestNoticeInputErrorsAre400WithTheField(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		a := x.A.Community.ID
		ok := map[string]any{"community_id": a, "title": "通知", "body": "正文", "starts_at": "2026-12-01T08:00:00+08:00",
			"ends_at": "2026-12-02T08:00:00+08:00"}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for kk, vv := range ok {
				m[kk] = vv
			}
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			return m
		}
		for _, c := range []struct {
			body  map[string]any
			field string
			msg   string
		}{
			{with("ends_at", "2026-11-30T08:00:00+08:00"), "ends_at", "结束时间须晚于开始时间"},
			{with("ends_at", "2026-12-01T08:00:00+08:00"), "ends_at", "结束时间须晚于开始时间"},
			{with("title", "   "), "title", "请填写公告标题"},
			{with("body", nil), "body", "请填写公告正文"},
			{with("starts_at", "明天"), "starts_at", "开始时间格式应为"},
			{with("ends_at", nil), "ends_at", "请填写结束时间"},
			{with("category", "八卦"), "category", "分类须为"},
			{with("building_ids", []int64{x.B.Building.ID}), "building_ids", "不属于本小区"},
			{with("community_id", nil), "community_id", "请选择小区"},
			{with("title", 12), "title", "类型不正确"},
		} {
			e := ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/notices", c.body), http.StatusBadRequest, "invalid", c.field)
			if !strings.Contains(e.Message, c.msg) {
				t.Errorf("%s: message %q, want %q", c.field, e.Message, c.msg)
			}
		}
		ndWantError(t, x.API(auth.RoleAdmin).Post("/api/v1/notices", with("community_id", 987654321)), http.StatusBadRequest, "invalid", "community_id")
		// Nothing half-written.
		var n int
		x.DB.QueryRow(`SELECT count(*) FROM notices WHERE community_id = $1`, a).Scan(&n)
		if n != 0 {
			t.Errorf("%d notices written by bad requests", n)
		}
	})
}

func TestNoticesOfAnotherCommunityStayHidden(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		var bn frontdesk.Notice
		x.call(auth.RoleAdmin, "POST", "/api/v1/notices", map[string]any{"community_id": x.B.Community.ID, "title": "乙苑秘密通知",
			"body": "只给乙苑", "starts_at": "2026-11-01T00:00:00+08:00", "ends_at": "2026-12-31T00:00:00+08:00"}, http.StatusCreated).JSON(t, &bn)
		x.call(auth.RoleAdmin, "POST", fmt.Sprintf("/api/v1/notices/%d/publish", bn.ID), nil, http.StatusOK)
		x.notice("甲苑通知", nil)
		for _, role := range []auth.Role{auth.RoleCSAgent, auth.RoleCSManager, auth.RoleDirector, auth.RoleAuditor, auth.RoleCashier} {
			api := x.API(role)
			for _, p := range []string{"/api/v1/notices", "/api/v1/notices?active=true", "/api/v1/notices/export.xlsx"} {
				r := api.Get(p)
				if r.Code != http.StatusOK || strings.Contains(string(r.Body), "乙苑秘密通知") {
					t.Errorf("%s as %s: %d, shows B's notice: %v", p, role, r.Code, strings.Contains(string(r.Body), "乙苑秘密通知"))
				}
			}
			if r := api.Get(fmt.Sprintf("/api/v1/notices?community_id=%d&active=true", x.B.Community.ID)); r.Code != http.StatusForbidden {
				t.Errorf("B's list as %s: %s", role, r)
			}
			for _, p := range []string{"", "/attachment", "/print"} {
				base := "/api/v1/notices/%d"
				if p == "/print" {
					base = "/desk/notices/%d"
				}
				if r := api.Get(fmt.Sprintf(base+p, bn.ID)); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
					t.Errorf("B's notice%s as %s: %s", p, role, r)
				}
			}
		}
		ndWantError(t, x.API(auth.RoleCSManager).Post(fmt.Sprintf("/api/v1/notices/%d/withdraw", bn.ID), map[string]any{"reason": "x"}),
			http.StatusForbidden, "forbidden", "")
		ndWantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/notices", map[string]any{"community_id": x.B.Community.ID, "title": "越权",
			"body": "x", "starts_at": "2026-11-01", "ends_at": "2026-11-02"}), http.StatusForbidden, "forbidden", "")
		page := x.Browser(auth.RoleCSManager)
		body := apptest.Page(t, page, "/desk/notices", http.StatusOK)
		apptest.Has(t, "notice list", body, "甲苑通知")
		apptest.HasNot(t, "notice list", body, "乙苑秘密通知", x.B.Community.Name)
		if r := page.Get(fmt.Sprintf("/desk/notices/%d", bn.ID)); r.Code != http.StatusForbidden {
			t.Errorf("B's notice page: %s", r)
		}
		// dept_staff sees no notices at all.
		if r := x.API(auth.RoleDeptStaff).Get("/api/v1/notices"); r.Code != http.StatusForbidden {
			t.Errorf("dept_staff: %s", r)
		}
	})
}

// ndUpload posts a file as multipart form data.
func ndUpload(t *testing.T, c *apptest.Client, path, name string, data []byte) *apptest.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	if c.CSRF != "" {
		mw.WriteField("csrf", c.CSRF)
	}
	mw.Close()
	req := c.Request("POST", path, nil)
	req.Body = io.NopCloser(&buf)
	req.ContentLength = int64(buf.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Send(req)
}

var ndPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

func TestNoticeAttachmentIsCheckedByContentAndOnlyOnADraft(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		n := x.notice("停电通知", nil)
		api := x.API(auth.RoleCSAgent)
		path := fmt.Sprintf("/api/v1/notices/%d/attachment", n.ID)
		ndWantError(t, ndUpload(t, api, path, "通知.pdf", []byte("just text, not a PDF")), http.StatusBadRequest, "invalid", "file")
		r := ndUpload(t, api, path, `C:\照片\停电范围.png`, ndPNG)
		var got frontdesk.Notice
		if r.Code != http.StatusOK {
			t.Fatalf("upload: %s", r)
		}
		r.JSON(t, &got)
		if got.Attachment == nil || got.Attachment.Name != "停电范围.png" || got.Attachment.ContentType != "image/png" ||
			got.Attachment.Size != int64(len(ndPNG)) {
			t.Fatalf("attachment %+v", got.Attachment)
		}
		dl := x.API(auth.RoleAuditor).Get(path)
		if dl.Code != http.StatusOK || !bytes.Equal(dl.Body, ndPNG) || dl.Header.Get("Content-Type") != "image/png" ||
			dl.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download: %d %q", dl.Code, dl.Header)
		}
		x.step(auth.RoleCSAgent, n.ID, "submit", nil, http.StatusOK)
		ndWantError(t, ndUpload(t, api, path, "b.png", ndPNG), http.StatusConflict, "conflict", "status")
		ndWantError(t, api.Do("DELETE", path, nil), http.StatusConflict, "conflict", "status")
		x.step(auth.RoleCSManager, n.ID, "reject", map[string]any{"reason": "换张图"}, http.StatusOK)
		x.call(auth.RoleCSAgent, "DELETE", path, nil, http.StatusOK)
		if r := api.Get(path); r.Code != http.StatusNotFound {
			t.Errorf("after delete: %s", r)
		}
	})
}

func TestNoticePagesDraftApprovePrintAndExport(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		agent, mgr := x.Browser(auth.RoleCSAgent), x.Browser(auth.RoleCSManager)
		a := fmt.Sprint(x.A.Community.ID)
		body := apptest.Page(t, agent, "/desk/notices/new?community_id="+a, http.StatusOK)
		apptest.Has(t, "draft form", body, "起草公告", `name="starts_at"`, "3栋")
		form := url.Values{"community_id": {a}, "title": {"关于消防演练的通知"}, "body": {"定于11月25日下午3点进行消防演练。\n请各位业主配合。"},
			"category": {"安全"}, "starts_at": {"2026-11-21T09:00"}, "ends_at": {"2026-11-20T09:00"}, "building_ids": {fmt.Sprint(x.A.Building.ID)}}
		r := apptest.Submit(t, agent, "/desk/notices", form, http.StatusUnprocessableEntity)
		apptest.Has(t, "form with an error", string(r.Body), "结束时间须晚于开始时间", "关于消防演练的通知", "请各位业主配合")
		form.Set("ends_at", "2026-11-26T18:00")
		r = apptest.Submit(t, agent, "/desk/notices", form, http.StatusSeeOther)
		loc, body := apptest.Follow(t, agent, r)
		apptest.Has(t, "new draft", body, "已保存草稿", "关于消防演练的通知", "草稿", "3栋", "提交审批", "上传附件")
		apptest.HasNot(t, "agent's view", body, `id="f-publish"`)
		r = apptest.Submit(t, agent, loc+"/submit", url.Values{}, http.StatusSeeOther)
		_, body = apptest.Follow(t, agent, r)
		apptest.Has(t, "submitted", body, "已提交审批", "待审批")

		// The manager sees the publish and reject forms; a rejection
		// without a reason shows the error next to the field.
		body = apptest.Page(t, mgr, loc, http.StatusOK)
		apptest.Has(t, "manager's view", body, `id="f-publish"`, `id="f-reject"`, `id="f-approve"`)
		r = apptest.Submit(t, mgr, loc+"/reject", url.Values{"reason": {""}}, http.StatusUnprocessableEntity)
		apptest.Has(t, "reject without a reason", string(r.Body), "请填写退回原因")
		r = apptest.Submit(t, mgr, loc+"/publish", url.Values{}, http.StatusSeeOther)
		_, body = apptest.Follow(t, mgr, r)
		apptest.Has(t, "published", body, "已发布", "将于 2026-11-21 09:00 起生效", "变更记录", "待审批", "已发布")
		// The agent cannot publish from a page either.
		if r := agent.Post(loc+"/withdraw", url.Values{"reason": {"x"}}); r.Code != http.StatusForbidden {
			t.Errorf("agent withdraws: %s", r)
		}

		body = apptest.Page(t, agent, loc+"/print", http.StatusOK)
		apptest.Has(t, "print", body, x.A.Community.Name, "关于消防演练的通知", "定于11月25日下午3点进行消防演练。", "<p>请各位业主配合。</p>",
			"客服中心", "2026年11月21日", "3栋业主、住户")
		apptest.HasNot(t, "print of a published notice", body, `class="s-draft"`)

		body = apptest.Page(t, agent, "/desk/notices?status="+frontdesk.NoticePublished, http.StatusOK)
		apptest.Has(t, "published tab", body, "关于消防演练的通知", "未开始")
		body = apptest.Page(t, agent, "/desk/notices?status=draft", http.StatusOK)
		apptest.HasNot(t, "drafts tab", body, "关于消防演练的通知")

		res := agent.Get("/desk/notices/export.xlsx?community_id=" + a)
		if res.Code != http.StatusOK || res.Header.Get("Content-Type") != excel.ContentType {
			t.Fatalf("export: %s", res)
		}
		rows := ndReadXLSX(t, res.Body)
		if len(rows) != 2 || rows[1][0] != "关于消防演练的通知" || rows[1][6] != "已发布" || rows[1][9] != x.Users[auth.RoleCSManager].Name {
			t.Errorf("export rows %q", rows)
		}
	})
}

// ndReadXLSX reads the first sheet of a workbook.
func ndReadXLSX(t *testing.T, b []byte) [][]string {
	t.Helper()
	rd, err := excel.Open(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("read xlsx: %v", err)
	}
	var rows [][]string
	for rd.Next() {
		_, cells := rd.Row()
		rows = append(rows, append([]string(nil), cells...))
	}
	return rows
}

func TestNoticeCardCountsWhatWaitsForTheDesk(t *testing.T) {
	ndEach(t, func(t *testing.T, x *ndFixture) {
		n := x.notice("待批公告", nil)
		x.step(auth.RoleCSAgent, n.ID, "submit", nil, http.StatusOK)
		p := x.notice("生效公告", nil)
		x.step(auth.RoleCSManager, p.ID, "publish", nil, http.StatusOK)
		e := x.entry(auth.RoleCSAgent, map[string]any{"community_id": x.A.Community.ID, "shift": "day", "kind": "note", "summary": "记事"}, http.StatusCreated)
		x.call(auth.RoleCSAgent, "POST", "/api/v1/duty-log/handover", map[string]any{"shift_id": e.ShiftID, "notes": "无"}, http.StatusOK)
		// B's waiting notice counts for nobody of A.
		var bn frontdesk.Notice
		x.call(auth.RoleAdmin, "POST", "/api/v1/notices", map[string]any{"community_id": x.B.Community.ID, "title": "乙", "body": "乙",
			"starts_at": "2026-11-01", "ends_at": "2026-12-31"}, http.StatusCreated).JSON(t, &bn)
		x.call(auth.RoleAdmin, "POST", fmt.Sprintf("/api/v1/notices/%d/submit", bn.ID), nil, http.StatusOK)
		card := func(role auth.Role) map[string]int {
			items, err := x.App.Desk.NoticeCardItems(t.Context(), x.Users[role])
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]int{}
			for _, it := range items {
				m[it.Label] = it.Count
			}
			return m
		}
		if got := card(auth.RoleCSManager); got["公告待审批"] != 1 || got["生效中的公告"] != 1 || got["值班待接班确认"] != 1 {
			t.Errorf("manager's card %v", got)
		}
		if got := card(auth.RoleCSAgent); len(got) != 2 || got["值班待接班确认"] != 1 {
			t.Errorf("agent's card %v", got)
		}
		if got := card(auth.RoleAuditor); len(got) != 1 || got["生效中的公告"] != 1 {
			t.Errorf("auditor's card %v", got)
		}
		if got := card(auth.RoleDeptStaff); len(got) != 0 {
			t.Errorf("dept_staff's card %v", got)
		}
	})
}
