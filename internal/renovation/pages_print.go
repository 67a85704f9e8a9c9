package renovation

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// The paper of 装修: the 装修许可证 (one A4 sheet, posted at the door),
// the workers' 出入证 (cards, eight to an A4 sheet), and the list as
// .xlsx.

// printView is the data of the permit and the passes.
type printView struct {
	R         *Renovation
	Community *archive.Community
	Rules     *Rules
	Workers   []Worker
	Today     string
}

// printable loads an application that has a permit: approved, under way
// or accepted.
func (h *Handlers) printable(r *http.Request) (*printView, error) {
	id, err := web.ID(r, "id")
	if err != nil {
		return nil, err
	}
	u := user(r)
	x, err := h.S.Get(r.Context(), u, id)
	if err != nil {
		return nil, err
	}
	if x.PermitNumber == "" || x.Status == StatusRejected {
		return nil, errs.Conflict("status", "装修申请尚未批准，没有许可证")
	}
	v := &printView{R: x, Today: h.S.today()}
	if v.Community, err = h.S.Archive.Community(r.Context(), u, x.CommunityID); err != nil {
		return nil, err
	}
	if v.Rules, err = h.S.Rules(r.Context(), u, x.CommunityID); err != nil {
		return nil, err
	}
	for _, wk := range x.Workers {
		if !wk.Revoked {
			v.Workers = append(v.Workers, wk)
		}
	}
	return v, nil
}

func (h *Handlers) permitPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.printable(r)
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "permit", &web.Page{Title: "装修许可证 " + v.R.PermitNumber, Nav: "renovations", Data: v})
}

func (h *Handlers) passesPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.printable(r)
	if err != nil {
		return err
	}
	return h.t.Render(w, r, http.StatusOK, "passes", &web.Page{Title: "施工人员出入证 " + v.R.PermitNumber, Nav: "renovations", Data: v})
}

// maxExportRows bounds one export.
const maxExportRows = 50_000

// Workbook is the list of the filter (every page) as .xlsx.
func (s *Service) Workbook(ctx context.Context, by *auth.User, f Filter, names map[int64]string) (*excel.Writer, error) {
	wb := excel.NewWriter()
	if err := wb.Sheet("装修申请", []excel.Column{{Header: "许可证号", Width: 14}, {Header: "小区", Width: 16},
		{Header: "房屋", Width: 12}, {Header: "申请人"}, {Header: "施工单位", Width: 22}, {Header: "现场负责人"},
		{Header: "负责人电话", Width: 14}, {Header: "装修面积(m²)", Format: excel.Decimal2}, {Header: "开工日期", Width: 12},
		{Header: "完工日期", Width: 12}, {Header: "状态"}, {Header: "应配灭火器(个)", Format: excel.Integer},
		{Header: "未整改问题", Format: excel.Integer}, {Header: "整改逾期", Format: excel.Integer},
		{Header: "押金(元)", Format: excel.Decimal2}, {Header: "退还(元)", Format: excel.Decimal2},
		{Header: "扣款(元)", Format: excel.Decimal2}, {Header: "登记时间", Width: 17}}); err != nil {
		return nil, err
	}
	f.Limit, f.Offset = 500, 0
	for f.Offset < maxExportRows {
		items, _, err := s.List(ctx, by, f)
		if err != nil {
			return nil, err
		}
		for _, x := range items {
			if err := wb.Row(x.PermitNumber, names[x.CommunityID], x.HouseCode, x.ApplicantName, x.Contractor, x.ManagerName,
				x.ManagerPhone, excel.Hundredths(x.area), x.StartsOn, x.EndsOn, x.StatusLabel, x.RequiredExtinguishers,
				x.OpenFindings, x.Overdue, excel.Hundredths(x.DepositFen), excel.Hundredths(x.RefundFen),
				excel.Hundredths(x.DeductionsFen), x.CreatedAt.In(shanghai).Format("2006-01-02 15:04")); err != nil {
				return nil, err
			}
		}
		if len(items) < f.Limit {
			break
		}
		f.Offset += len(items)
	}
	return wb, nil
}

// export serves GET …/export.xlsx with the list's filters, for the API
// and the page alike.
func (h *Handlers) export(w http.ResponseWriter, r *http.Request) error {
	f, err := filterOf(r)
	if err != nil {
		return err
	}
	c, err := h.communities(r, false)
	if err != nil {
		return err
	}
	wb, err := h.S.Workbook(r.Context(), user(r), f, c.Names)
	if err != nil {
		return err
	}
	day := strings.ReplaceAll(h.S.today(), "-", "")
	return excel.Send(w, wb, "装修申请"+day+".xlsx", "renovations-"+day+".xlsx")
}

// rulesView is the data of the rules page.
type rulesView struct {
	C       *communities
	Rules   *Rules
	Items   []itemChoice
	Example []example
}

type itemChoice struct {
	ID      int64
	Name    string
	Price   string
	Deposit bool
}

// example shows the extinguisher rule at a few areas.
type example struct {
	Area     string
	Required int
}

var rulesFields = []string{"weekday_hours", "weekend_hours", "weekend_note", "waste_times", "waste_place",
	"extinguisher_area", "extinguisher_count", "extinguisher_kg", "forbidden", "deposit", "waste_fee",
	"deposit_item_id", "waste_item_id"}

func (h *Handlers) rulesPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	return h.renderRules(w, r, http.StatusOK, c, nil)
}

func (h *Handlers) renderRules(w http.ResponseWriter, r *http.Request, status int, c *communities, pg *web.Page) error {
	u := user(r)
	v := &rulesView{C: c}
	if c.ID == 0 {
		return h.t.Render(w, r, status, "rules", &web.Page{Title: "装修管理规定", Nav: "renovations", Data: v})
	}
	var err error
	if v.Rules, err = h.S.Rules(r.Context(), u, c.ID); err != nil {
		return err
	}
	for _, a := range []int64{5000, 5001, 8550, 12000} {
		v.Example = append(v.Example, example{Area: money.PlainHundredths(a), Required: v.Rules.Required(a)})
	}
	if u.Can(auth.PermBillingRead) {
		items, err := h.S.Billing.FeeItems(r.Context(), u, c.ID)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Kind == "oneoff" && it.Active {
				v.Items = append(v.Items, itemChoice{ID: it.ID, Name: it.Name, Price: it.UnitPrice, Deposit: it.Deposit})
			}
		}
	}
	if pg == nil {
		x := v.Rules
		pg = &web.Page{Form: map[string][]string{"weekday_hours": {x.WeekdayHours}, "weekend_hours": {x.WeekendHours},
			"weekend_note": {x.WeekendNote}, "waste_times": {x.WasteTimes}, "waste_place": {x.WastePlace},
			"extinguisher_area": {strings.TrimSuffix(x.ExtArea, ".00")}, "extinguisher_count": {fmt.Sprint(x.ExtCount)},
			"extinguisher_kg": {fmt.Sprint(x.ExtKg)}, "forbidden": {strings.Join(x.Forbidden, "\n")},
			"deposit": {money.PlainHundredths(x.DepositFen)}, "waste_fee": {money.PlainHundredths(x.WasteFeeFen)},
			"deposit_item_id": {idString(x.DepositItemID)}, "waste_item_id": {idString(x.WasteItemID)}}}
	}
	pg.Title, pg.Nav, pg.Data = "装修管理规定", "renovations", v
	return h.t.Render(w, r, status, "rules", pg)
}

func idString(p *int64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

func (h *Handlers) saveRulesPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, false)
	if err != nil {
		return err
	}
	if c.ID == 0 {
		return errs.Invalid("community_id", "请选择小区")
	}
	in := RulesInput{WeekdayHours: r.FormValue("weekday_hours"), WeekendHours: r.FormValue("weekend_hours"),
		WeekendNote: r.FormValue("weekend_note"), WasteTimes: r.FormValue("waste_times"), WastePlace: r.FormValue("waste_place"),
		ExtArea: web.Text(r.FormValue("extinguisher_area")), Forbidden: strings.Split(r.FormValue("forbidden"), "\n"),
		DepositItemID: formID(r, "deposit_item_id"), WasteItemID: formID(r, "waste_item_id")}
	var f errs.Fields
	for _, n := range []struct {
		field string
		to    *int
	}{{"extinguisher_count", &in.ExtCount}, {"extinguisher_kg", &in.ExtKg}} {
		if _, err := fmt.Sscan(strings.TrimSpace(r.FormValue(n.field)), n.to); err != nil {
			f.Add(n.field, "须为整数")
		}
	}
	for _, m := range []struct {
		field string
		to    *int64
	}{{"deposit", &in.DepositFen}, {"waste_fee", &in.WasteFeeFen}} {
		s := strings.TrimSpace(r.FormValue(m.field))
		if s == "" {
			continue
		}
		v, err := money.ParseHundredths(s)
		if err != nil || v < 0 {
			f.Add(m.field, "须为金额（元），最多两位小数，不收请填 0")
		}
		*m.to = v
	}
	err = f.Err()
	if err == nil {
		_, err = h.S.SaveRules(r.Context(), user(r), c.ID, in)
	}
	if flashable(err) {
		fe := map[string]string{}
		for k, msg := range errs.ByField(err) {
			if k = strings.TrimSuffix(k, "_fen"); !slices.Contains(rulesFields, k) {
				k = ""
			}
			fe[k] = msg
		}
		return h.renderRules(w, r, web.StatusOf(err), c, &web.Page{Form: r.PostForm, Errors: fe})
	}
	if err != nil {
		return err
	}
	web.Redirect(w, r, fmt.Sprintf("/renovations/rules?community_id=%d", c.ID), "装修管理规定已保存")
	return nil
}
