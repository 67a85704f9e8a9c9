package archive

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// excelRoutes registers the Excel template, import and export routes.
func (h *Handlers) excelRoutes(rt *web.Router) {
	rt.Handle("GET /houses/import/template.xlsx", auth.PermArchiveImport, h.importTemplate)
	rt.Handle("GET /api/v1/houses/import/template.xlsx", auth.PermArchiveImport, h.importTemplate)
	rt.Handle("GET /houses/import", auth.PermArchiveImport, h.importPage)
	rt.Handle("POST /houses/import", auth.PermArchiveImport, h.importPost)
	rt.Handle("POST /api/v1/houses/import", auth.PermArchiveImport, h.apiImport)

	for _, prefix := range []string{"", "/api/v1"} {
		rt.Handle("GET "+prefix+"/houses/export.xlsx", auth.PermArchiveExport, exportRoute(h, HouseFilterOf,
			func(f HouseFilter) int64 { return f.CommunityID }, h.S.ExportHouses, "房屋档案", "houses"))
		rt.Handle("GET "+prefix+"/owners/export.xlsx", auth.PermArchiveExport, exportRoute(h, OwnerFilterOf,
			func(f OwnerFilter) int64 { return f.CommunityID }, h.S.ExportOwners, "业主档案", "owners"))
		rt.Handle("GET "+prefix+"/residents/export.xlsx", auth.PermArchiveExport, exportRoute(h, PeopleFilterOf,
			func(f PeopleFilter) int64 { return f.CommunityID }, h.S.ExportResidents, "住户档案", "residents"))
		rt.Handle("GET "+prefix+"/vehicles/export.xlsx", auth.PermArchiveExport, exportRoute(h, PeopleFilterOf,
			func(f PeopleFilter) int64 { return f.CommunityID }, h.S.ExportVehicles, "车辆档案", "vehicles"))
	}
}

// exportChunk is how many records an export reads per query.
const exportChunk = 500

// ImportTemplate is the downloadable import template: the columns, one
// example row, drop-downs for the enumerations and a 说明 sheet.
func ImportTemplate() *excel.Writer {
	w := excel.NewWriter()
	w.Sheet("房屋业主", HouseColumns)
	w.Row("1", "1", "101", 1, excel.Hundredths(8950), excel.Hundredths(7230), "住宅", "自住", "2020-06-30", "张三",
		"13800138000", "身份证", "110105198503071230", "普通", excel.Hundredths(100_00), "示例行，导入前请删除")
	const rows = 100001
	w.Dropdown(icUse+1, rows, HouseUses)
	w.Dropdown(icStatus+1, rows, HouseStatuses)
	w.Dropdown(icIDType+1, rows, IDTypes)
	w.Dropdown(icCategory+1, rows, OwnerCategories)

	w.Sheet("说明", []excel.Column{{Header: "列名", Width: 14}, {Header: "必填", Width: 8}, {Header: "说明与可选值", Width: 90}})
	for _, r := range [][]string{
		{"楼栋", "是", "楼栋名称，如 3 或 A座；只能包含汉字、字母和数字，不能有短横线。不存在的楼栋会自动新建。"},
		{"单元", "是", "单元名称，如 2；规则同楼栋。不存在的单元会自动新建。"},
		{"房号", "是", "字母和数字，最多 12 位，如 1201。房屋编码为 楼栋-单元-房号（3-2-1201），同一小区内按此识别房屋。"},
		{"楼层", "否", "整数，-10 到 200，地下层用负数。"},
		{"建筑面积", "是", "平方米，大于 0，最多两位小数，如 89.50。"},
		{"套内面积", "否", "平方米，最多两位小数，不能大于建筑面积。"},
		{"用途", "否", "住宅 / 商铺 / 车位 / 储藏室；新房屋留空为 住宅。"},
		{"状态", "否", "空置 / 自住 / 出租 / 装修中 / 已入住；新房屋留空为 空置。"},
		{"交付日期", "否", "日期，如 2020-06-30。"},
		{"业主姓名", "有业主时必填", "一行一位业主。同一房屋有多位业主（共有）时，写多行，楼栋、单元、房号相同，其余房屋列可留空或与首行一致。"},
		{"业主电话", "否", "手机 11 位，或固定电话如 0755-12345678。"},
		{"证件类型", "否", "身份证 / 护照 / 港澳台通行证 / 营业执照 / 其他；留空为 身份证。"},
		{"证件号码", "否", "身份证须为 18 位且校验位正确。同一小区内按证件号码识别业主；没有证件号码时按 姓名+电话 识别。"},
		{"业主类别", "否", "普通 / VIP / 业委会成员 / 重点关注；留空为 普通。"},
		{"产权份额(%)", "否", "该业主占该房屋的百分比，如 50。一套房屋的份额合计须为 100；都不填时按人数平分。"},
		{"备注", "否", "房屋备注。"},
		{"", "", ""},
		{"导入规则", "", "1. 先选择要导入的小区并上传文件，系统检查每一行；有任何错误时列出所有错误行（行号、列名、原因），不导入任何数据。"},
		{"", "", "2. 文件无误后确认导入，全部数据在一个事务内写入，并记录审计日志。"},
		{"", "", "3. 已存在的房屋和业主按文件更新；文件中留空的列不修改系统中已有的值。同一文件重复导入不会产生任何变化。"},
		{"", "", "4. 文件列出某房屋的业主时，这些业主成为该房屋的现有业主，其他现有业主的产权关系结束（保留在历史中）；未列业主的房屋保持原有业主不变。"},
		{"", "", "5. 导出的房屋 Excel 与本模板列相同，可修改后重新导入；脱敏显示的证件号码（如 110105********1230）表示沿用系统中的号码。"},
	} {
		w.Notes(r...)
	}
	return w
}

func (h *Handlers) importTemplate(w http.ResponseWriter, r *http.Request) error {
	return excel.Send(w, ImportTemplate(), "房屋业主导入模板.xlsx", "house-import-template.xlsx")
}

// exportName is the download name: what, the community when filtered to
// one, and the date.
func (s *Service) exportName(ctx context.Context, by *auth.User, communityID int64, what, ascii string) (string, string) {
	day := time.Now().In(shanghai).Format("20060102")
	name := what + "-" + day + ".xlsx"
	if communityID > 0 {
		if c, err := s.Community(ctx, by, communityID); err == nil {
			name = c.Name + "-" + name
		}
	}
	return name, ascii + "-" + day + ".xlsx"
}

// communityNames maps the user's communities to their names.
func (s *Service) communityNames(ctx context.Context, by *auth.User) (map[int64]string, error) {
	cs, err := s.Communities(ctx, by)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(cs))
	for _, c := range cs {
		m[c.ID] = c.Name
	}
	return m, nil
}

func canExport(by *auth.User) error {
	if !by.Can(auth.PermArchiveExport) {
		return errs.Forbidden("您的角色无权导出档案")
	}
	return nil
}

func maskedID(by *auth.User, id string) string {
	if by.Can(auth.PermIDNumberView) {
		return id
	}
	return auth.MaskID(id)
}

// ExportHouses writes every house matching f, one row per current owner
// (a house without owners is one row), in the import template's columns
// so that the file can be edited and imported again. Without a community
// filter a 小区 column is added at the end (the import ignores it).
func (s *Service) ExportHouses(ctx context.Context, by *auth.User, f HouseFilter) (*excel.Writer, error) {
	if err := canExport(by); err != nil {
		return nil, err
	}
	cols := HouseColumns
	var names map[int64]string
	if f.CommunityID == 0 {
		var err error
		if names, err = s.communityNames(ctx, by); err != nil {
			return nil, err
		}
		cols = append(cols[:len(cols):len(cols)], excel.Column{Header: "小区", Width: 16})
	}
	w := excel.NewWriter()
	if err := w.Sheet("房屋业主", cols); err != nil {
		return nil, err
	}
	f.Limit = exportChunk
	for f.Offset = 0; ; f.Offset += exportChunk {
		hs, _, err := s.Houses(ctx, by, f)
		if err != nil {
			return nil, err
		}
		var want []int64
		for _, h := range hs {
			for _, o := range h.Owners {
				want = append(want, o.OwnerID)
			}
		}
		ids, err := ownerIDDocs(ctx, s, want)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			seg := strings.SplitN(h.Code, "-", 3)
			for len(seg) < 3 {
				seg = append(seg, "")
			}
			row := func(owner []any) error {
				vals := []any{seg[0], seg[1], h.Number, h.Floor, excel.Hundredths(h.gross), excel.Hundredths(h.inner),
					h.Use, h.Status, h.DeliveredOn}
				vals = append(vals, owner...)
				vals = append(vals, h.Notes)
				if names != nil {
					vals = append(vals, names[h.CommunityID])
				}
				return w.Row(vals...)
			}
			if len(h.Owners) == 0 {
				if err := row([]any{"", "", "", "", "", nil}); err != nil {
					return nil, err
				}
			}
			for _, o := range h.Owners {
				d := ids[o.OwnerID]
				if err := row([]any{o.Name, by.ShowPhone(o.Phone), d.idType, maskedID(by, d.idNumber), o.Category,
					excel.Hundredths(o.share)}); err != nil {
					return nil, err
				}
			}
		}
		if len(hs) < exportChunk {
			return w, nil
		}
	}
}

type idDoc struct{ idType, idNumber string }

// ownerIDDocs loads the ID type and number of the given owners: one query
// per export chunk.
func ownerIDDocs(ctx context.Context, s *Service, ids []int64) (map[int64]idDoc, error) {
	out := map[int64]idDoc{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := db.In(nil, ids)
	rows, err := s.DB.QueryContext(ctx, `SELECT id, id_type, id_number FROM owners WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("export owner ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d idDoc
		if err := rows.Scan(&id, &d.idType, &d.idNumber); err != nil {
			return nil, err
		}
		out[id] = d
	}
	return out, rows.Err()
}

// ExportOwners writes every owner matching f with the houses they own now.
func (s *Service) ExportOwners(ctx context.Context, by *auth.User, f OwnerFilter) (*excel.Writer, error) {
	if err := canExport(by); err != nil {
		return nil, err
	}
	names, err := s.communityNames(ctx, by)
	if err != nil {
		return nil, err
	}
	w := excel.NewWriter()
	if err := w.Sheet("业主", []excel.Column{{Header: "小区", Width: 16}, {Header: "姓名", Width: 11}, {Header: "电话", Width: 14},
		{Header: "备用电话", Width: 14}, {Header: "证件类型", Width: 12}, {Header: "证件号码", Width: 21},
		{Header: "业主类别", Width: 11}, {Header: "房屋(份额)", Width: 30}, {Header: "备注", Width: 24}}); err != nil {
		return nil, err
	}
	f.Limit = exportChunk
	for f.Offset = 0; ; f.Offset += exportChunk {
		list, _, err := s.Owners(ctx, by, f)
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			var hs []string
			for _, l := range o.Houses {
				hs = append(hs, fmt.Sprintf("%s(%s%%)", l.HouseCode, l.Share))
			}
			if err := w.Row(names[o.CommunityID], o.Name, by.ShowPhone(o.Phone), by.ShowPhone(o.Phone2), o.IDType, maskedID(by, o.IDNumber),
				o.Category, strings.Join(hs, "、"), o.Notes); err != nil {
				return nil, err
			}
		}
		if len(list) < exportChunk {
			return w, nil
		}
	}
}

// ExportResidents writes every resident matching f.
func (s *Service) ExportResidents(ctx context.Context, by *auth.User, f PeopleFilter) (*excel.Writer, error) {
	if err := canExport(by); err != nil {
		return nil, err
	}
	names, err := s.communityNames(ctx, by)
	if err != nil {
		return nil, err
	}
	w := excel.NewWriter()
	if err := w.Sheet("住户", []excel.Column{{Header: "小区", Width: 16}, {Header: "房屋", Width: 12}, {Header: "姓名", Width: 11},
		{Header: "电话", Width: 14}, {Header: "证件号码", Width: 21}, {Header: "类型", Width: 10}, {Header: "关系", Width: 10},
		{Header: "租期开始", Width: 12}, {Header: "租期结束", Width: 12}, {Header: "状态", Width: 8}, {Header: "备注", Width: 24}}); err != nil {
		return nil, err
	}
	f.Limit = exportChunk
	for f.Offset = 0; ; f.Offset += exportChunk {
		rs, _, err := s.Residents(ctx, by, f)
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			state := "在住"
			if x.MovedOut {
				state = "已迁出"
			}
			if err := w.Row(names[x.CommunityID], x.HouseCode, x.Name, by.ShowPhone(x.Phone), maskedID(by, x.IDNumber), x.Kind, x.Relation,
				x.LeaseStart, x.LeaseEnd, state, x.Notes); err != nil {
				return nil, err
			}
		}
		if len(rs) < exportChunk {
			return w, nil
		}
	}
}

// ExportVehicles writes every vehicle matching f.
func (s *Service) ExportVehicles(ctx context.Context, by *auth.User, f PeopleFilter) (*excel.Writer, error) {
	if err := canExport(by); err != nil {
		return nil, err
	}
	names, err := s.communityNames(ctx, by)
	if err != nil {
		return nil, err
	}
	w := excel.NewWriter()
	if err := w.Sheet("车辆", []excel.Column{{Header: "小区", Width: 16}, {Header: "房屋", Width: 12}, {Header: "车牌", Width: 12},
		{Header: "颜色", Width: 8}, {Header: "品牌", Width: 10}, {Header: "车位", Width: 10}, {Header: "车主", Width: 11},
		{Header: "电话", Width: 14}, {Header: "状态", Width: 8}, {Header: "备注", Width: 24}}); err != nil {
		return nil, err
	}
	f.Limit = exportChunk
	for f.Offset = 0; ; f.Offset += exportChunk {
		vs, _, err := s.Vehicles(ctx, by, f)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			state := "在用"
			if v.Removed {
				state = "已注销"
			}
			if err := w.Row(names[v.CommunityID], v.HouseCode, v.Plate, v.Color, v.Brand, v.ParkingSpace, v.OwnerName,
				by.ShowPhone(v.Phone), state, v.Notes); err != nil {
				return nil, err
			}
		}
		if len(vs) < exportChunk {
			return w, nil
		}
	}
}

// exportRoute answers a list's 导出Excel: the same filters as the list,
// every matching row.
func exportRoute[F any](h *Handlers, filterOf func(*http.Request) (F, error), community func(F) int64,
	export func(context.Context, *auth.User, F) (*excel.Writer, error), title, ascii string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := filterOf(r)
		if err != nil {
			return err
		}
		wb, err := export(r.Context(), user(r), f)
		if err != nil {
			return err
		}
		name, asciiName := h.S.exportName(r.Context(), user(r), community(f), title, ascii)
		return excel.Send(w, wb, name, asciiName)
	}
}
