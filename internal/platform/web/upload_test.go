package web

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/platform/errs"
)

// zipOf is a zip holding the named (empty) parts.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		if _, err := zw.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// formUpload is a multipart request with one file part whose name and
// Content-Type the client chose.
func formUpload(t *testing.T, filename, claimed string, data []byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+filename+`"`)
	h.Set("Content-Type", claimed)
	fw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", "/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

var (
	pngData  = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...)
	jpegData = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 32)...)
	pdfData  = []byte("%PDF-1.4\n1 0 obj\n")
	exeData  = append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...)
	htmlData = []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>")
)

func TestUploadIsJudgedByItsContentNotItsName(t *testing.T) {
	images := []Kind{KindJPEG, KindPNG}
	workbook := []Kind{KindXLSX}
	for _, tc := range []struct {
		name, filename, claimed string
		data                    []byte
		kinds                   []Kind
		want                    Kind   // "" = refused
		msg                     string // in the refusal
	}{
		{"photo", "照片.png", "image/png", pngData, images, KindPNG, ""},
		{"jpeg named .png", "照片.png", "image/png", jpegData, images, KindJPEG, ""},
		{"program renamed .png", "照片.png", "image/png", exeData, images, "", "文件内容不是 JPEG 或 PNG 图片，"},
		{"web page renamed .png", "照片.png", "image/png", htmlData, images, "", "改扩展名无效"},
		{"PDF where photos go", "照片.jpg", "image/jpeg", pdfData, images, "", "JPEG 或 PNG 图片"},
		{"web page where attachments go", "通知.pdf", "application/pdf", htmlData, []Kind{KindJPEG, KindPNG, KindPDF}, "", "文件内容不是 JPEG、PNG 图片或 PDF 文件，"},
		{"PDF", "通知.pdf", "application/pdf", pdfData, []Kind{KindPDF, KindJPEG, KindPNG}, KindPDF, ""},
		{"workbook", "抄表.xlsx", "application/octet-stream", zipOf(t, "[Content_Types].xml", "xl/workbook.xml"), workbook, KindXLSX, ""},
		{"workbook with rooted part names", "抄表.xlsx", "", zipOf(t, "/[Content_Types].xml", "/xl/workbook.xml"), workbook, KindXLSX, ""},
		{"program renamed .xlsx", "抄表.xlsx", string(KindXLSX), exeData, workbook, "", "文件内容不是 Excel 工作簿（.xlsx）"},
		{"web page renamed .xlsx", "抄表.xlsx", string(KindXLSX), htmlData, workbook, "", "Excel 工作簿（.xlsx）"},
		{"Word file renamed .xlsx", "抄表.xlsx", string(KindXLSX), zipOf(t, "[Content_Types].xml", "word/document.xml"), workbook, "", "Excel 工作簿"},
		{"old .xls", "抄表.xls", "application/vnd.ms-excel", append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 64)...), workbook, "", "另存为 .xlsx"},
		{"CSV", "抄表.csv", "text/csv", []byte("房号,读数\n3-2-1201,88\n"), workbook, "", "Excel 工作簿"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sniff(tc.data); got != tc.want && tc.want != "" {
				t.Errorf("Sniff = %q, want %q", got, tc.want)
			}
			name, data, err := ReadUpload(httptest.NewRecorder(), formUpload(t, tc.filename, tc.claimed, tc.data), "file", 1<<20, tc.kinds...)
			if tc.want != "" {
				if err != nil || name != tc.filename || !bytes.Equal(data, tc.data) {
					t.Errorf("ReadUpload: %q, %d bytes, %v; want the file", name, len(data), err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.CodeInvalid || e.Field != "file" || !strings.Contains(e.Message, tc.msg) || StatusOf(err) != http.StatusUnprocessableEntity {
				t.Errorf("ReadUpload: %v; want a 422 on file saying %q", err, tc.msg)
			}
		})
	}
}

func TestUploadSizeIsCheckedForFormsAndRawBodies(t *testing.T) {
	big := append(append([]byte{}, pngData...), make([]byte, 1<<20)...)
	raw := httptest.NewRequest("POST", "/api/v1/upload", bytes.NewReader(big))
	for name, req := range map[string]*http.Request{"form": formUpload(t, "大.png", "image/png", big), "raw body": raw} {
		_, _, err := ReadUpload(httptest.NewRecorder(), req, "file", 1<<20, KindPNG)
		if e, ok := errs.As(err); !ok || e.Field != "file" || !strings.Contains(e.Message, "文件超过 1 MB") {
			t.Errorf("%s of 1 MB + 40 bytes: %v, want 文件超过 1 MB", name, err)
		}
	}
	// A raw body is sniffed like a form's file.
	_, _, err := ReadUpload(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/v1/upload", bytes.NewReader(exeData)), "file", 1<<20, KindPNG)
	if errs.CodeOf(err) != errs.CodeInvalid {
		t.Errorf("raw program body: %v, want refused", err)
	}
	// Without kinds the caller judges the content itself.
	if _, data, err := ReadUpload(httptest.NewRecorder(), formUpload(t, "a.bin", "", exeData), "file", 1<<20); err != nil || !bytes.Equal(data, exeData) {
		t.Errorf("ReadUpload without kinds: %v", err)
	}
}

// An import form takes the file, or the previewed file sent back as
// base64; a web page named .xlsx is refused either way, on the field.
func TestKeptUploadOfAnImportForm(t *testing.T) {
	xlsx := zipOf(t, "[Content_Types].xml", "xl/workbook.xml")
	parse := func(req *http.Request) *http.Request {
		t.Helper()
		if err := req.ParseMultipartForm(1 << 20); err != nil && req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Fatal(err)
		}
		return req
	}
	name, b, err := ReadKeptUpload(parse(formUpload(t, "房屋.xlsx", "application/octet-stream", xlsx)), "file", 1<<20, KindXLSX)
	if err != nil || name != "房屋.xlsx" || !bytes.Equal(b, xlsx) {
		t.Errorf("a workbook: %q %d bytes, %v", name, len(b), err)
	}
	_, _, err = ReadKeptUpload(parse(formUpload(t, "房屋.xlsx", "application/vnd.ms-excel", htmlData)), "file", 1<<20, KindXLSX)
	if e, ok := errs.As(err); !ok || e.Field != "file" || !strings.Contains(e.Message, "Excel") {
		t.Errorf("a web page named .xlsx: %v", err)
	}
	kept := func(data string) *http.Request {
		req := httptest.NewRequest("POST", "/import", strings.NewReader("filename=%E6%88%BF%E5%B1%8B.xlsx&data="+data))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	name, b, err = ReadKeptUpload(kept(base64url(xlsx)), "file", 1<<20, KindXLSX)
	if err != nil || name != "房屋.xlsx" || !bytes.Equal(b, xlsx) {
		t.Errorf("the kept workbook: %q %d bytes, %v", name, len(b), err)
	}
	for data, want := range map[string]string{base64url(htmlData): "Excel", "!!!": "已损坏", "": "请选择"} {
		if _, _, err := ReadKeptUpload(kept(data), "file", 1<<20, KindXLSX); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("kept %q: %v, want %q", data, err, want)
		}
	}
	if _, _, err := ReadKeptUpload(kept(base64url(xlsx)), "file", 10, KindXLSX); err == nil || !strings.Contains(err.Error(), "MB") {
		t.Errorf("a kept file over the limit: %v", err)
	}
}

// base64url is data as the import page posts it back (form-encoded base64).
func base64url(data []byte) string {
	return url.QueryEscape(base64.StdEncoding.EncodeToString(data))
}
