package frontdesk_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
)

// custody receives an item for community A's house through the API.
func (x *pvFixture) custody(description string, extra map[string]any) *frontdesk.CustodyItem {
	x.t.Helper()
	body := map[string]any{"community_id": x.A.Community.ID, "house_id": x.A.House.ID, "description": description,
		"deposited_by": "快递员"}
	for k, v := range extra {
		body[k] = v
	}
	var c frontdesk.CustodyItem
	x.do(auth.RoleCSAgent, "POST", "/api/v1/custody", body, http.StatusCreated).JSON(x.t, &c)
	return &c
}

// pngImage is a small valid PNG.
func pngImage(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCustodyItemLeavesOnceAgainstItsRecord(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		c := x.custody("纸箱一个（约5kg）", map[string]any{"quantity": 2, "deposited_phone": "13900002222"})
		if c.ID == 0 || c.Status != frontdesk.CustodyHeld || c.HouseCode != "3-2-1201" || c.Quantity != 2 ||
			!c.ReceivedAt.Equal(x.clk.Now()) || c.ReceivedByName != x.Users[auth.RoleCSAgent].Name {
			t.Fatalf("received %+v", c)
		}
		path := fmt.Sprintf("/api/v1/custody/%d", c.ID)
		wantError(t, x.API(auth.RoleCashier).Post(path+"/release", map[string]any{"picked_up_by": ""}), http.StatusBadRequest,
			"invalid", "picked_up_by")
		var out frontdesk.CustodyItem
		x.do(auth.RoleCashier, "POST", path+"/release", map[string]any{"picked_up_by": "张三"}, http.StatusOK).JSON(t, &out)
		if out.Status != frontdesk.CustodyReleased || out.PickedUpBy != "张三" || out.Signature != "张三" || out.ReleasedAt == nil ||
			out.ReleasedByName != x.Users[auth.RoleCashier].Name {
			t.Fatalf("released %+v", out)
		}
		e := wantError(t, x.API(auth.RoleCSAgent).Post(path+"/release", map[string]any{"picked_up_by": "李四"}),
			http.StatusConflict, "conflict", "status")
		if !strings.Contains(e.Message, "张三") {
			t.Errorf("second release: %q", e.Message)
		}
		var got frontdesk.CustodyItem
		x.do(auth.RoleAuditor, "GET", path, nil, http.StatusOK).JSON(t, &got)
		if got.PickedUpBy != "张三" {
			t.Errorf("the record after a refused release: %+v", got)
		}
		if a := x.auditActions("desk_custody", c.ID); a != "create,release" {
			t.Errorf("audit %s", a)
		}
		var list struct {
			Items []frontdesk.CustodyItem `json:"items"`
			Total int                     `json:"total"`
		}
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/custody?status=held&house_id=%d", x.A.House.ID), nil, http.StatusOK).JSON(t, &list)
		if list.Total != 0 {
			t.Errorf("held list after release: %+v", list)
		}
		x.do(auth.RoleAuditor, "GET", "/api/v1/custody?status=released&house=3-2-1201", nil, http.StatusOK).JSON(t, &list)
		if list.Total != 1 || list.Items[0].ID != c.ID {
			t.Errorf("released list: %+v", list)
		}
	})
}

func TestSomeoneElseThanTheNamedCollectorMustBeExplained(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		c := x.custody("钥匙一串", map[string]any{"pickup_name": "李四", "pickup_phone": "13900003333", "deposited_by": "业主张三"})
		path := fmt.Sprintf("/api/v1/custody/%d/release", c.ID)
		id := apptest.IDNumber()
		wantError(t, x.API(auth.RoleCSAgent).Post(path, map[string]any{"picked_up_by": "王五"}), http.StatusBadRequest, "invalid", "note")
		wantError(t, x.API(auth.RoleCSAgent).Post(path, map[string]any{"picked_up_by": "李四", "id_number": "123"}),
			http.StatusBadRequest, "invalid", "id_number")
		var out frontdesk.CustodyItem
		x.do(auth.RoleCSAgent, "POST", path, map[string]any{"picked_up_by": "王五", "id_number": id, "signature": "王五",
			"note": "已电话联系业主张三确认由王五代领"}, http.StatusOK).JSON(t, &out)
		if out.IDNumber != auth.MaskID(id) || out.ReleaseNote == "" {
			t.Errorf("released to someone else: %+v", out)
		}
		var full frontdesk.CustodyItem
		x.do(auth.RoleDirector, "GET", fmt.Sprintf("/api/v1/custody/%d", c.ID), nil, http.StatusOK).JSON(t, &full)
		if full.IDNumber != id {
			t.Errorf("the director sees %q", full.IDNumber)
		}
	})
}

func TestCustodyInputErrorsAreChineseAndNamed(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		api := x.API(auth.RoleCSAgent)
		a, h := x.A.Community.ID, x.A.House.ID
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"community_id": a, "house_id": h, "deposited_by": "快递员"}, "description"},
			{map[string]any{"community_id": a, "house_id": h, "description": "箱子"}, "deposited_by"},
			{map[string]any{"community_id": a, "description": "箱子", "deposited_by": "快递员"}, "house_id"},
			{map[string]any{"community_id": a, "house_id": x.B.House.ID, "description": "箱子", "deposited_by": "快递员"}, "house_id"},
			{map[string]any{"community_id": a, "house_id": h, "description": "箱子", "deposited_by": "快递员", "quantity": -1}, "quantity"},
			{map[string]any{"community_id": a, "house_id": h, "description": "箱子", "deposited_by": "快递员", "pickup_phone": "abc"}, "pickup_phone"},
		} {
			wantError(t, api.Post("/api/v1/custody", c.body), http.StatusBadRequest, "invalid", c.field)
		}
		var n int
		x.DB.QueryRow(`SELECT count(*) FROM desk_custody WHERE community_id = $1`, a).Scan(&n)
		if n != 0 {
			t.Errorf("%d items written by refused requests", n)
		}
	})
}

func TestCustodyPhotoIsKeptWithTheItem(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		c := x.custody("花瓶一只", nil)
		path := fmt.Sprintf("/api/v1/custody/%d/photo", c.ID)
		api := x.API(auth.RoleCSAgent)
		wantError(t, api.Post(path, []byte("这不是图片")), http.StatusBadRequest, "invalid", "photo")
		img := pngImage(t)
		var got frontdesk.CustodyItem
		x.do(auth.RoleCSAgent, "POST", path, img, http.StatusCreated).JSON(t, &got)
		if got.Photo == nil || got.Photo.ContentType != "image/png" || got.Photo.Size != int64(len(img)) {
			t.Fatalf("photo %+v", got.Photo)
		}
		wantError(t, api.Post(path, img), http.StatusConflict, "conflict", "photo")
		r := x.API(auth.RoleAuditor).Get(path)
		if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || !bytes.Equal(r.Body, img) {
			t.Errorf("download: %d %s", r.Code, r.Header.Get("Content-Type"))
		}
		bStaff := x.APIAs(x.NewUser(auth.RoleCSAgent, x.B.Community.ID).Login)
		if r := bStaff.Get(path); r.Code != http.StatusForbidden {
			t.Errorf("B's staff downloads A's photo: %d", r.Code)
		}
	})
}

// postMultipart posts a form with a file as a browser does.
func postMultipart(t *testing.T, c *apptest.Client, path string, fields map[string]string, file string, data []byte) *apptest.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fields["csrf"] = c.CSRF
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != "" {
		fw, err := mw.CreateFormFile(file, "photo.png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req := c.Request("POST", path, nil)
	req.Body = io.NopCloser(bytes.NewReader(b.Bytes()))
	req.ContentLength = int64(b.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Send(req)
}

func TestCustodyPagesReceiveWithPhotoAndRelease(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		agent := x.Browser(auth.RoleCSAgent)
		a := fmt.Sprint(x.A.Community.ID)
		apptest.Page(t, agent, "/desk/custody/new", http.StatusOK)
		// A mistake keeps what was typed and names the field.
		r := postMultipart(t, agent, "/desk/custody", map[string]string{"community_id": a, "house_code": "9-9-9999",
			"description": "蛋糕一盒", "deposited_by": "亲友"}, "", nil)
		if r.Code != http.StatusBadRequest && r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown house: %s", r)
		}
		apptest.Has(t, "form after error", string(r.Body), "本小区没有房屋 9-9-9999", "蛋糕一盒")
		r = postMultipart(t, agent, "/desk/custody", map[string]string{"community_id": a, "house_code": "3-2-1201",
			"description": "蛋糕一盒", "deposited_by": "亲友", "pickup_name": "张三", "quantity": "1"}, "photo", pngImage(t))
		loc, body := apptest.Follow(t, agent, r)
		apptest.Has(t, "item page", body, "已登记 3-2-1201 寄存的 蛋糕一盒", "待领取", `<img class="thumb"`, "领取登记")
		var id int64
		fmt.Sscanf(loc, "/desk/custody/%d", &id)
		if id == 0 {
			t.Fatalf("redirected to %s", loc)
		}
		// The list shows it waiting, with its photo mark.
		apptest.Has(t, "list", apptest.Page(t, agent, "/desk/custody?status=held&house=3-2-1201", http.StatusOK), "蛋糕一盒", "照片")
		r = apptest.Submit(t, agent, fmt.Sprintf("/desk/custody/%d/release", id), url.Values{"picked_up_by": {"张三"}}, http.StatusSeeOther)
		_, body = apptest.Follow(t, agent, r)
		apptest.Has(t, "released", body, "蛋糕一盒 已由 张三 领取", "已领取", "领取记录")
		r = agent.Post(fmt.Sprintf("/desk/custody/%d/release", id), url.Values{"picked_up_by": {"张三"}})
		if r.Code != http.StatusConflict || !strings.Contains(string(r.Body), "已于") {
			t.Errorf("second release on the page: %s", r)
		}
		ex := x.Browser(auth.RoleAuditor).Get("/desk/custody/export.xlsx?status=released")
		if ex.Code != http.StatusOK || !strings.Contains(ex.Header.Get("Content-Type"), "spreadsheet") {
			t.Errorf("export: %d %s", ex.Code, ex.Header.Get("Content-Type"))
		}
	})
}
