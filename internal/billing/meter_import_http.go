package billing

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// importReadings is POST /api/v1/meter-readings/import?community_id=&
// fee_item_id=&period=[&commit=1] with the .xlsx as multipart field
// "file" (or as the raw body). Without commit it is a preview. A clean
// file answers 200 with the report; a file with errors 422 with the
// error envelope and the report listing every bad row, and nothing is
// written.
func (h *Handlers) importReadings(w http.ResponseWriter, r *http.Request) error {
	q := &query{r: r}
	in := ReadingImportInput{CommunityID: q.id("community_id"), FeeItemID: q.id("fee_item_id"), Period: q.period("period"),
		Commit: r.URL.Query().Get("commit") == "1"}
	if q.err != nil {
		return q.err
	}
	_, data, err := web.ReadUpload(w, r, "file", MaxReadingImportBytes, web.KindXLSX)
	if err != nil {
		return err
	}
	rep, err := h.S.ImportReadings(r.Context(), user(r), in, bytes.NewReader(data))
	if err != nil {
		return err
	}
	if !rep.Clean() {
		return web.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": map[string]string{"code": string(errs.CodeInvalid), "field": "file",
				"message": fmt.Sprintf("文件中有 %d 处错误，未导入任何读数", len(rep.Errors))},
			"report": rep,
		})
	}
	return web.WriteJSON(w, http.StatusOK, rep)
}

// readingImportView is the import card of the readings page after an
// upload: the report and, when clean, the checked file to confirm.
type readingImportView struct {
	FileName  string
	FeeItemID int64
	Period    string
	Report    *ReadingImport
	Data      string // base64, posted back by 确认导入: no server state
}

// readingImport checks an uploaded readings workbook (preview) or, with
// commit=1, imports the file the preview posted back.
func (p *pages) readingImport(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(MaxReadingImportBytes); err != nil {
		return errs.Invalid("file", "请通过页面表单上传文件（multipart/form-data）")
	}
	c, err := p.communities(r, true)
	if err != nil {
		return err
	}
	v := &readingImportView{FeeItemID: formInt(r, "fee_item_id"), Period: r.FormValue("period")}
	form := r.PostForm
	fe := map[string]string{}
	name, data, ferr := web.ReadKeptUpload(r, "file", MaxReadingImportBytes, web.KindXLSX)
	v.FileName = name
	if ferr != nil {
		fe["file"] = errs.ByField(ferr)["file"]
	}
	render := func(status int, errs map[string]string) error {
		return p.renderReadings(w, r, status, &web.Page{Form: form, Errors: errs, Data: v})
	}
	if len(fe) > 0 {
		return render(http.StatusUnprocessableEntity, fe)
	}
	in := ReadingImportInput{CommunityID: c.ID, FeeItemID: v.FeeItemID, Period: v.Period, Commit: r.FormValue("commit") == "1"}
	rep, err := p.S.ImportReadings(r.Context(), user(r), in, bytes.NewReader(data))
	if err != nil {
		if _, ok := flashable(err); ok {
			return render(web.StatusOf(err), formErrors(err, nil, "fee_item_id", "period", "file"))
		}
		return err
	}
	v.Report = rep
	if !rep.Clean() {
		return render(http.StatusUnprocessableEntity, nil)
	}
	if rep.Committed {
		return redirect(w, r, fmt.Sprintf("/billing/readings?community_id=%d&period=%s&fee_item_id=%d", c.ID, in.Period, in.FeeItemID),
			fmt.Sprintf("导入完成：共 %d 行；新增读数 %d 条，修改 %d 条，未变 %d 条", rep.Rows, rep.New, rep.Updated, rep.Unchanged))
	}
	v.Data = base64.StdEncoding.EncodeToString(data)
	return render(http.StatusOK, nil)
}
