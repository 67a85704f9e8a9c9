package frontdesk_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
)

// A web page saved under a photo's name is no photo, whatever the file
// name and the Content-Type claim: the receive form refuses it on the
// photo field with what was typed kept and stores nothing, and the API
// refuses it on the photo field in words a person can act on.
func TestCustodyRefusesAWebPageRenamedAsAPhoto(t *testing.T) {
	page := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	const refusal = "文件内容不是 JPEG 或 PNG 图片，无法接收（按文件内容判断，改扩展名无效）"
	pvEach(t, func(t *testing.T, x *pvFixture) {
		agent := x.Browser(auth.RoleCSAgent)
		r := postMultipart(t, agent, "/desk/custody", map[string]string{"community_id": fmt.Sprint(x.A.Community.ID),
			"house_code": "3-2-1201", "description": "生日蛋糕一盒", "deposited_by": "亲友"}, "photo", page)
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("web page as the photo on the form: %s", r)
		}
		apptest.Has(t, "form after the refusal", string(r.Body), refusal, "生日蛋糕一盒")
		var n int
		x.DB.QueryRow(`SELECT count(*) FROM desk_custody WHERE description = '生日蛋糕一盒'`).Scan(&n)
		if n != 0 {
			t.Errorf("%d items stored with a refused photo", n)
		}

		c := x.custody("花瓶一只", nil)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="photo"; filename="花瓶.png"`)
		h.Set("Content-Type", "image/png")
		fw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(page)
		mw.Close()
		api := x.API(auth.RoleCSAgent)
		path := fmt.Sprintf("/api/v1/custody/%d/photo", c.ID)
		req := api.Request("POST", path, body.Bytes())
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if e := wantError(t, api.Send(req), http.StatusBadRequest, "invalid", "photo"); !strings.Contains(e.Message, refusal) {
			t.Errorf("API refusal %q, want %q", e.Message, refusal)
		}
		var got frontdesk.CustodyItem
		x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/custody/%d", c.ID), nil, http.StatusOK).JSON(t, &got)
		if got.Photo != nil {
			t.Errorf("photo stored: %+v", got.Photo)
		}
	})
}
