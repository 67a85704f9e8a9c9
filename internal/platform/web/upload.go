package web

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"wuye/internal/platform/errs"
)

// ReadUpload reads an uploaded file of at most max bytes: the multipart
// field (a form or an API client's multipart request) or, for an API
// client, the raw request body. It returns the file name (empty for a
// raw body) and its content; a missing, empty or too large file is an
// invalid error on field.
func ReadUpload(w http.ResponseWriter, r *http.Request, field string, max int64) (string, []byte, error) {
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
		src, name = f, hdr.Filename
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
	return name, b, nil
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
