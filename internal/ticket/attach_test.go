package ticket_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"wuye/internal/platform/auth"
	"wuye/internal/ticket"
)

// upload posts a multipart file to the API as role.
func (x *fx) upload(role auth.Role, id int64, name string, data []byte) (int, string) {
	x.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	c := x.API(role)
	req := c.Request("POST", fmt.Sprintf("/api/v1/tickets/%d/attachments", id), nil)
	req.Body = ioNopCloser{bytes.NewReader(buf.Bytes())}
	req.ContentLength = int64(buf.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r := c.Send(req)
	return r.Code, string(r.Body)
}

type ioNopCloser struct{ *bytes.Reader }

func (ioNopCloser) Close() error { return nil }

var (
	pngHeader = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	pdfHeader = []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
)

// Photos of the fault and the repair are kept in the database with the
// ticket; the type is judged from the content, and the size is capped.
func TestAttachmentsAreStoredCheckedAndScoped(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		tk := x.create(auth.RoleCSAgent, x.repair("阳台漏水"))
		if code, body := x.upload(auth.RoleCSAgent, tk.ID, "漏水.png", pngHeader); code != http.StatusCreated {
			t.Fatalf("png upload: %d %s", code, body)
		}
		if code, body := x.upload(auth.RoleCSAgent, tk.ID, "报告.pdf", pdfHeader); code != http.StatusCreated {
			t.Fatalf("pdf upload: %d %s", code, body)
		}
		// A script renamed to .jpg is refused: the content decides.
		if code, body := x.upload(auth.RoleCSAgent, tk.ID, "x.jpg", []byte("<script>alert(1)</script>")); code != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"file"`) {
			t.Errorf("html as jpg: %d %s", code, body)
		}
		big := append(append([]byte{}, pngHeader...), make([]byte, ticket.MaxAttachment)...)
		if code, _ := x.upload(auth.RoleCSAgent, tk.ID, "big.png", big); code != http.StatusUnprocessableEntity {
			t.Errorf("11 MB upload: %d", code)
		}
		// The auditor may read but not add; community B's staff may not see it.
		if code, _ := x.upload(auth.RoleAuditor, tk.ID, "a.png", pngHeader); code != http.StatusForbidden {
			t.Errorf("auditor upload: %d", code)
		}
		var list struct {
			Items []ticket.Attachment
			Total int
		}
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/tickets/%d/attachments", tk.ID), nil, http.StatusOK).JSON(t, &list)
		if list.Total != 2 || list.Items[0].Name != "漏水.png" || list.Items[0].ContentType != "image/png" || list.Items[1].ContentType != "application/pdf" {
			t.Fatalf("attachments = %+v", list)
		}
		r := x.API(auth.RoleAuditor).Get(list.Items[0].URL)
		if r.Code != http.StatusOK || !bytes.Equal(r.Body, pngHeader) || r.Header.Get("Content-Type") != "image/png" {
			t.Errorf("download: %d %q", r.Code, r.Header.Get("Content-Type"))
		}
		got := x.get(auth.RoleCSAgent, tk.ID)
		if acts := actions(got.Events); acts[len(acts)-1] != "attach" {
			t.Errorf("timeline = %v, want an attach step", acts)
		}
		other := x.NewUser(auth.RoleCSAgent, x.B.Community.ID)
		if r := x.APIAs(other.Login).Get(list.Items[0].URL); r.Code != http.StatusForbidden {
			t.Errorf("other community's agent downloads: %d", r.Code)
		}
	})
}
