package archive

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// MaxImportBytes is the largest file an import accepts.
const MaxImportBytes = 20 << 20

// importView is what import.html shows.
type importView struct {
	Communities []*Community
	CommunityID int64
	FileName    string
	Report      *ImportReport
	// Data is the checked file, base64, posted back by the confirm button:
	// the server keeps no state between the check and the commit.
	Data string
}

func (h *Handlers) renderImport(w http.ResponseWriter, r *http.Request, status int, v *importView, fe map[string]string) error {
	cs, err := h.S.Communities(r.Context(), user(r))
	if err != nil {
		return err
	}
	v.Communities = cs
	if v.CommunityID == 0 && len(cs) == 1 {
		v.CommunityID = cs[0].ID
	}
	return h.t.Render(w, r, status, "import", &web.Page{Title: "Excel导入房屋与业主", Nav: "import", Data: v, Errors: fe})
}

func (h *Handlers) importPage(w http.ResponseWriter, r *http.Request) error {
	cid, _ := strconv.ParseInt(r.URL.Query().Get("community_id"), 10, 64)
	return h.renderImport(w, r, http.StatusOK, &importView{CommunityID: cid}, nil)
}

// importPost checks an uploaded file (preview) or, with commit=1, imports
// the file the preview page posts back.
func (h *Handlers) importPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(MaxImportBytes); err != nil {
		return errs.Invalid("file", "请通过页面表单上传文件（multipart/form-data）")
	}
	v := &importView{}
	v.CommunityID, _ = strconv.ParseInt(r.FormValue("community_id"), 10, 64)
	fe := map[string]string{}
	if v.CommunityID <= 0 {
		fe["community_id"] = "请选择导入到哪个小区"
	}
	name, data, err := web.ReadKeptUpload(r, "file", MaxImportBytes, web.KindXLSX)
	v.FileName = name
	if err != nil {
		fe["file"] = errs.ByField(err)["file"]
	}
	if len(fe) > 0 {
		return h.renderImport(w, r, http.StatusUnprocessableEntity, v, fe)
	}
	commit := r.FormValue("commit") == "1"
	rep, err := h.S.ImportHouses(r.Context(), user(r), v.CommunityID, bytes.NewReader(data), commit)
	if rep != nil {
		v.Report = rep
		if !rep.Clean() {
			return h.renderImport(w, r, http.StatusUnprocessableEntity, v, nil)
		}
	}
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.CodeInvalid {
			return h.renderImport(w, r, http.StatusUnprocessableEntity, v, errs.ByField(err))
		}
		return err
	}
	if rep.Committed {
		msg := fmt.Sprintf("导入完成：共 %d 行；新增房屋 %d 套，更新 %d 套，未变 %d 套；新增业主 %d 位，更新 %d 位；新建楼栋 %d 个、单元 %d 个",
			rep.Rows, rep.NewHouses, rep.UpdatedHouses, rep.Unchanged, rep.NewOwners, rep.UpdatedOwners, rep.NewBuildings, rep.NewUnits)
		web.Redirect(w, r, fmt.Sprintf("/houses/import?community_id=%d", v.CommunityID), msg)
		return nil
	}
	v.Data = base64.StdEncoding.EncodeToString(data)
	return h.renderImport(w, r, http.StatusOK, v, nil)
}

// apiImport is POST /api/v1/houses/import?community_id=N[&commit=1] with
// the .xlsx as multipart field "file" or as the raw body. A clean file
// answers 200 with the report; a file with errors 422 with the error
// envelope and the report listing every bad row.
func (h *Handlers) apiImport(w http.ResponseWriter, r *http.Request) error {
	cid, err := web.QueryID(r, "community_id")
	if err != nil {
		return err
	}
	if cid == 0 {
		return errs.Invalid("community_id", "请指定导入的小区 community_id")
	}
	_, data, err := web.ReadUpload(w, r, "file", MaxImportBytes, web.KindXLSX)
	if err != nil {
		return err
	}
	rep, err := h.S.ImportHouses(r.Context(), user(r), cid, bytes.NewReader(data), r.URL.Query().Get("commit") == "1")
	if rep != nil && !rep.Clean() {
		e, _ := errs.As(err)
		if e == nil {
			e = errImport(rep).(*errs.Error)
		}
		return web.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error":  map[string]string{"code": string(e.Code), "message": e.Message, "field": e.Field},
			"report": rep,
		})
	}
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, rep)
}
