package web

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"wuye/internal/platform/errs"
)

// ReadUpload reads an uploaded file of at most max bytes: the multipart
// field (a form or an API client's multipart request) or, for an API
// client, the raw request body. It returns the file name (empty for a
// raw body) and its content; a missing, empty or too large file is an
// invalid error on field. Given kinds, the content must be one of them
// (see CheckKind); without, the caller judges it.
func ReadUpload(w http.ResponseWriter, r *http.Request, field string, max int64, kinds ...Kind) (string, []byte, error) {
	tooBig := errs.Invalid(field, "文件超过 %d MB，请分批上传", max>>20)
	r.Body = http.MaxBytesReader(w, r.Body, max+1<<20)
	var src io.Reader = r.Body
	name := ""
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(max); err != nil {
			var me *http.MaxBytesError
			if errors.As(err, &me) {
				return "", nil, tooBig
			}
			return "", nil, errs.Invalid(field, "无法读取上传的表单")
		}
		f, hdr, err := r.FormFile(field)
		if err != nil {
			return "", nil, errs.Invalid(field, "请在表单字段 %s 中上传文件", field)
		}
		defer f.Close()
		// The name is stored as text: PostgreSQL refuses invalid UTF-8
		// and NUL, which a client may send in the part's header.
		src, name = f, strings.ToValidUTF8(strings.ReplaceAll(hdr.Filename, "\x00", ""), "\uFFFD")
	}
	b, err := io.ReadAll(io.LimitReader(src, max+1))
	if err != nil {
		var me *http.MaxBytesError
		if errors.As(err, &me) {
			return "", nil, tooBig
		}
		return "", nil, errs.Invalid(field, "读取上传文件失败，请重试")
	}
	if int64(len(b)) > max {
		return "", nil, tooBig
	}
	if len(b) == 0 {
		return "", nil, errs.Invalid(field, "上传的文件是空的")
	}
	if _, err := CheckKind(field, b, kinds...); err != nil {
		return "", nil, err
	}
	return name, b, nil
}

// Kind is a kind of file wuye stores or reads, named by its MIME type.
type Kind string

const (
	KindJPEG Kind = "image/jpeg"
	KindPNG  Kind = "image/png"
	KindPDF  Kind = "application/pdf"
	KindXLSX Kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// kindNames name the kinds in a refusal; an image's is its format only,
// since the images share one noun (“JPEG 或 PNG 图片”).
var kindNames = map[Kind]string{KindJPEG: "JPEG", KindPNG: "PNG", KindPDF: "PDF 文件", KindXLSX: "Excel 工作簿（.xlsx）"}

var kindExts = map[Kind]string{KindJPEG: ".jpg", KindPNG: ".png", KindPDF: ".pdf", KindXLSX: ".xlsx"}

// Ext is the usual file name extension of k, for naming an upload that
// came without a usable name.
func (k Kind) Ext() string { return kindExts[k] }

// Sniff tells the kind of data from its content — the magic bytes, and
// for a zip the workbook inside — never from the file name or the
// Content-Type the client claims, which anyone can set: a program or a
// web page renamed 照片.png stays what it is. "" is none of the kinds.
func Sniff(data []byte) Kind {
	switch ct, _, _ := strings.Cut(http.DetectContentType(data), ";"); ct {
	case "image/jpeg":
		return KindJPEG
	case "image/png":
		return KindPNG
	case "application/pdf":
		return KindPDF
	case "application/zip":
		// A .docx or any zip is no workbook: an .xlsx holds xl/ parts.
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return ""
		}
		for _, f := range zr.File {
			// Some writers root the part names ("/xl/…"); excel.Open takes them.
			if strings.HasPrefix(strings.TrimPrefix(f.Name, "/"), "xl/") {
				return KindXLSX
			}
		}
	}
	return ""
}

// CheckKind returns the kind of data if it is one of kinds (any content
// when none are given), else an invalid error on field that names what
// is accepted.
func CheckKind(field string, data []byte, kinds ...Kind) (Kind, error) {
	k := Sniff(data)
	if len(kinds) == 0 || slices.Contains(kinds, k) {
		return k, nil
	}
	if bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0")) && slices.Contains(kinds, KindXLSX) {
		return "", errs.Invalid(field, "这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再上传")
	}
	return "", errs.Invalid(field, "文件内容不是 %s，无法接收（按文件内容判断，改扩展名无效）", kindList(kinds))
}

// kindList names kinds as a refusal lists them: “JPEG 或 PNG 图片”,
// “JPEG、PNG 图片或 PDF 文件”.
func kindList(kinds []Kind) string {
	var images, names []string
	for _, k := range kinds {
		if strings.HasPrefix(string(k), "image/") {
			images = append(images, kindNames[k])
		} else {
			names = append(names, kindNames[k])
		}
	}
	if n := len(images); n > 0 {
		sep := "、"
		if len(names) == 0 {
			sep = " 或 "
		}
		names = append([]string{strings.Join(images, sep) + " 图片"}, names...)
	}
	n := len(names)
	if n == 1 {
		return names[0]
	}
	return strings.Join(names[:n-1], "、") + "或 " + names[n-1]
}

// ServeInline sends a stored upload (a photo, a PDF) back to be shown in
// the browser under its own name: the content type sniffed when it was
// stored, never guessed again by the browser (nosniff), and revalidated
// on each view because a draft's attachment may be replaced.
func ServeInline(w http.ResponseWriter, name, contentType string, data []byte) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	h.Set("Cache-Control", "private, no-cache")
	_, err := w.Write(data)
	return err
}

// ReadKeptUpload reads the file of an import form: the multipart field,
// or — when the page sends back a file it already previewed, so that 确认
// 导入 needs no second upload — its base64 content in "data" with its
// name in "filename". Size, emptiness and kinds are checked as by
// ReadUpload; every problem is an invalid error on field.
func ReadKeptUpload(r *http.Request, field string, max int64, kinds ...Kind) (string, []byte, error) {
	var name string
	var b []byte
	if f, hdr, err := r.FormFile(field); err == nil {
		defer f.Close()
		name = strings.ToValidUTF8(strings.ReplaceAll(hdr.Filename, "\x00", ""), "\uFFFD")
		if b, err = io.ReadAll(io.LimitReader(f, max+1)); err != nil {
			return "", nil, errs.Invalid(field, "读取上传文件失败，请重试")
		}
	} else if b64 := r.FormValue("data"); b64 != "" {
		name = r.FormValue("filename")
		if b, err = base64.StdEncoding.DecodeString(strings.TrimSpace(b64)); err != nil {
			return name, nil, errs.Invalid(field, "文件内容已损坏，请重新上传")
		}
	} else {
		return "", nil, errs.Invalid(field, "请选择要导入的 Excel 文件")
	}
	switch {
	case int64(len(b)) > max:
		return name, nil, errs.Invalid(field, "文件超过 %d MB，请分批导入", max>>20)
	case len(b) == 0:
		return name, nil, errs.Invalid(field, "上传的文件是空的")
	}
	if _, err := CheckKind(field, b, kinds...); err != nil {
		return name, nil, err
	}
	return name, b, nil
}
