package billing

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Fee items, their prices and exemptions.

func (p *pages) itemRoutes(rt *web.Router) {
	rt.Handle("GET /billing/items", auth.PermBillingRead, p.items)
	rt.Handle("POST /billing/items", auth.PermBillingAdmin, p.itemCreate)
	rt.Handle("GET /billing/fee-items/{id}", auth.PermBillingRead, p.item)
	rt.Handle("POST /billing/fee-items/{id}", auth.PermBillingAdmin, p.itemUpdate)
	rt.Handle("POST /billing/fee-items/{id}/prices", auth.PermBillingAdmin, p.itemPrice)
	rt.Handle("POST /billing/exemptions", auth.PermBillingAdmin, p.exemptionCreate)
	rt.Handle("POST /billing/exemptions/{id}/void", auth.PermBillingAdmin, p.exemptionVoid)
}

var itemFields = []string{"community_id", "name", "kind", "deposit", "shared", "unit_price", "effective_from", "applies_to",
	"house_codes", "late_fee_daily_rate", "late_fee_grace_days", "late_fee_cap", "notes"}

var exemptionFields = []string{"house_code", "fee_item_id", "from", "to", "reason"}

// names of a community's buildings, for the applies-to summaries and
// checkboxes.
func (p *pages) buildings(ctx context.Context, u *auth.User, communityID int64) ([]*archive.Building, error) {
	if communityID <= 0 {
		return nil, nil
	}
	st, err := p.arch.Structure(ctx, u, communityID)
	if err != nil {
		return nil, err
	}
	return st.Buildings, nil
}

// applies summarises which houses an item is charged to.
func applies(a AppliesTo, buildings map[int64]string, codes map[int64]string) string {
	var parts []string
	if len(a.Uses) > 0 {
		parts = append(parts, "用途："+strings.Join(a.Uses, "、"))
	}
	if len(a.BuildingIDs) > 0 {
		var ns []string
		for _, id := range a.BuildingIDs {
			ns = append(ns, buildings[id]+"栋")
		}
		parts = append(parts, "楼栋："+strings.Join(ns, "、"))
	}
	if n := len(a.HouseIDs); n > 0 && n <= 10 {
		var cs []string
		for _, id := range a.HouseIDs {
			cs = append(cs, codes[id])
		}
		parts = append(parts, "房屋："+strings.Join(cs, "、"))
	} else if n > 10 {
		parts = append(parts, fmt.Sprintf("指定 %d 户", n))
	}
	if len(parts) == 0 {
		return "全部房屋"
	}
	return strings.Join(parts, "；")
}

// summaries names the scope of each item.
func (p *pages) summaries(ctx context.Context, u *auth.User, items []*FeeItem) (map[int64]string, map[int64]string, error) {
	bnames, hids := map[int64]string{}, []int64{}
	seen := map[int64]bool{}
	for _, it := range items {
		hids = append(hids, it.AppliesTo.HouseIDs...)
		if len(it.AppliesTo.BuildingIDs) == 0 || seen[it.CommunityID] {
			continue
		}
		seen[it.CommunityID] = true
		bs, err := p.buildings(ctx, u, it.CommunityID)
		if err != nil {
			return nil, nil, err
		}
		for _, b := range bs {
			bnames[b.ID] = b.Name
		}
	}
	codes, err := p.houseCodes(ctx, hids)
	if err != nil {
		return nil, nil, err
	}
	out := map[int64]string{}
	for _, it := range items {
		out[it.ID] = applies(it.AppliesTo, bnames, codes)
	}
	return out, codes, nil
}

func (p *pages) items(w http.ResponseWriter, r *http.Request) error {
	return p.renderItems(w, r, http.StatusOK, &web.Page{Form: url.Values{"kind": {KindArea}, "effective_from": {PeriodOf(p.S.Now())},
		"from": {PeriodOf(p.S.Now())}, "to": {PeriodOf(p.S.Now())}}}, "")
}

// renderItems shows the items of the filter's community (all in scope by
// default), the new-item form and the exemptions; open names the form
// to unfold (after its error).
func (p *pages) renderItems(w http.ResponseWriter, r *http.Request, status int, pg *web.Page, open string) error {
	u, ctx := user(r), r.Context()
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	items, err := p.S.FeeItems(ctx, u, c.ID)
	if err != nil {
		return err
	}
	sums, _, err := p.summaries(ctx, u, items)
	if err != nil {
		return err
	}
	formCID := c.ID
	if formCID == 0 && len(c.List) > 0 {
		formCID = c.List[0].ID
	}
	if pg.Form.Get("community_id") == "" {
		pg.Form.Set("community_id", strconv.FormatInt(formCID, 10))
	}
	bs, err := p.buildings(ctx, u, formCID)
	if err != nil {
		return err
	}
	ef := ExemptionFilter{CommunityID: c.ID, Limit: 100}
	ex, exTotal, err := p.S.Exemptions(ctx, u, ef)
	if err != nil {
		return err
	}
	var formItems []*FeeItem
	for _, it := range items {
		if it.CommunityID == formCID {
			formItems = append(formItems, it)
		}
	}
	itemNames := map[int64]string{}
	for _, it := range items {
		itemNames[it.ID] = it.Name
	}
	pg.Title, pg.Nav = "收费项目", "billing_items"
	pg.Data = map[string]any{"C": c, "Items": items, "Applies": sums, "FormCommunity": formCID, "Buildings": bs,
		"Kinds": Kinds, "Uses": archive.HouseUses, "Exemptions": ex, "ExemptionTotal": exTotal, "FormItems": formItems,
		"ItemNames": itemNames, "Open": open}
	return p.t.Render(w, r, status, "items", pg)
}

// itemInput reads the item form; house codes are resolved in the
// community, which checks it is the caller's.
func (p *pages) itemInput(r *http.Request, communityID int64) (FeeItemInput, error) {
	in := FeeItemInput{CommunityID: communityID, Name: r.FormValue("name"), Kind: r.FormValue("kind"),
		Deposit: r.FormValue("deposit") != "", Shared: r.FormValue("shared") != "", UnitPrice: web.Text(r.FormValue("unit_price")),
		EffectiveFrom: strings.TrimSpace(r.FormValue("effective_from")), LateFeeRate: web.Text(r.FormValue("late_fee_daily_rate")),
		LateFeeCap: web.Text(r.FormValue("late_fee_cap")), Notes: r.FormValue("notes")}
	for _, u := range r.PostForm["use"] {
		if u = strings.TrimSpace(u); u != "" {
			in.AppliesTo.Uses = append(in.AppliesTo.Uses, u)
		}
	}
	in.AppliesTo.BuildingIDs = formIDs(r, "building_ids")
	if g := strings.TrimSpace(r.FormValue("late_fee_grace_days")); g != "" {
		n, err := strconv.Atoi(g)
		if err != nil {
			return in, errs.Invalid("late_fee_grace_days", "宽限天数须为整数")
		}
		in.LateFeeGraceDays = n
	}
	for _, code := range strings.FieldsFunc(r.FormValue("house_codes"), func(c rune) bool {
		return c == ',' || c == '，' || c == '、' || c == ' ' || c == '\n' || c == '\r' || c == '\t'
	}) {
		h, err := p.resolveHouse(r.Context(), user(r), communityID, code, "house_codes")
		if err != nil {
			return in, err
		}
		in.AppliesTo.HouseIDs = append(in.AppliesTo.HouseIDs, h.ID)
	}
	return in, nil
}

func (p *pages) itemCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	in, err := p.itemInput(r, c.ID)
	var it *FeeItem
	if err == nil {
		it, err = p.S.CreateFeeItem(r.Context(), user(r), in)
	}
	if err != nil {
		if _, ok := flashable(err); ok {
			return p.renderItems(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
				Errors: formErrors(err, nil, itemFields...)}, "item")
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/billing/fee-items/%d", it.ID), "已新建收费项目 "+it.Name)
}

// itemValues are an item's editable fields as the edit form shows them;
// an item without a late fee shows its rule empty.
func itemValues(it *FeeItem, codes map[int64]string) url.Values {
	v := url.Values{"name": {it.Name}, "use": it.AppliesTo.Uses, "notes": {it.Notes}, "effective_from": {""}}
	if it.HasLateFee() {
		v.Set("late_fee_daily_rate", it.LateFeeRate)
		v.Set("late_fee_grace_days", strconv.Itoa(it.LateFeeGraceDays))
		v.Set("late_fee_cap", it.LateFeeCap)
	}
	for _, id := range it.AppliesTo.BuildingIDs {
		v.Add("building_ids", strconv.FormatInt(id, 10))
	}
	var cs []string
	for _, id := range it.AppliesTo.HouseIDs {
		cs = append(cs, codes[id])
	}
	v.Set("house_codes", strings.Join(cs, "、"))
	if it.Active {
		v.Set("active", "1")
	}
	return v
}

func (p *pages) item(w http.ResponseWriter, r *http.Request) error {
	return p.renderItem(w, r, http.StatusOK, nil, nil, "")
}

// renderItem shows an item: its edit form (form, or the item's values),
// price history and new-price form, and history.
func (p *pages) renderItem(w http.ResponseWriter, r *http.Request, status int, form url.Values, errors map[string]string, open string) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	u, ctx := user(r), r.Context()
	it, err := p.S.FeeItem(ctx, u, id)
	if err != nil {
		return err
	}
	sums, codes, err := p.summaries(ctx, u, []*FeeItem{it})
	if err != nil {
		return err
	}
	bs, err := p.buildings(ctx, u, it.CommunityID)
	if err != nil {
		return err
	}
	c, err := p.arch.Community(ctx, u, it.CommunityID)
	if err != nil {
		return err
	}
	if form == nil {
		form = itemValues(it, codes)
		form.Set("price_from", PeriodOf(p.S.Now()))
	}
	hist, _ := audit.History(ctx, p.S.DB, "fee_item", id)
	prices, _ := audit.History(ctx, p.S.DB, "fee_price", id)
	hist = append(hist, prices...)
	slices.SortFunc(hist, func(a, b audit.Entry) int { return b.At.Compare(a.At) })
	return p.t.Render(w, r, status, "item", &web.Page{Title: "收费项目 " + it.Name, Nav: "billing_items", Form: form, Errors: errors,
		Data: map[string]any{"It": it, "Applies": sums[it.ID], "Buildings": bs, "Community": c, "Uses": archive.HouseUses,
			"History": hist, "Open": open}})
}

func (p *pages) itemUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := p.S.FeeItem(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in, err := p.itemInput(r, cur.CommunityID)
	if err == nil {
		active := r.FormValue("active") != ""
		in.Active = &active
		_, err = p.S.UpdateFeeItem(r.Context(), user(r), id, in)
	}
	if err != nil {
		if _, ok := flashable(err); ok {
			return p.renderItem(w, r, web.StatusOf(err), r.PostForm, formErrors(err, nil, itemFields...), "")
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/billing/fee-items/%d", id), "已保存")
}

func (p *pages) itemPrice(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := p.S.FeeItem(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	in := PriceInput{UnitPrice: web.Text(r.FormValue("price")), EffectiveFrom: r.FormValue("price_from")}
	it, err := p.S.SetPrice(r.Context(), user(r), id, in)
	if err != nil {
		if _, ok := flashable(err); ok {
			codes, _ := p.houseCodes(r.Context(), cur.AppliesTo.HouseIDs)
			form := itemValues(cur, codes)
			form.Set("price", r.FormValue("price"))
			form.Set("price_from", r.FormValue("price_from"))
			return p.renderItem(w, r, web.StatusOf(err), form,
				formErrors(err, map[string]string{"unit_price": "price", "effective_from": "price_from"}, "price", "price_from"), "price")
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/billing/fee-items/%d", id),
		fmt.Sprintf("%s 自 %s 起单价 %s 元（已出账单不变）", it.Name, in.EffectiveFrom, it.UnitPrice))
}

func (p *pages) exemptionCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	in := ExemptionInput{HouseID: formInt(r, "house_id"), FeeItemID: formInt(r, "fee_item_id"), From: r.FormValue("from"),
		To: r.FormValue("to"), Reason: r.FormValue("reason")}
	if code := r.FormValue("house_code"); strings.TrimSpace(code) != "" || in.HouseID == 0 {
		var h *archive.House
		if h, err = p.resolveHouse(r.Context(), user(r), c.ID, code, "house_code"); err == nil {
			in.HouseID = h.ID
		}
	}
	var e *Exemption
	if err == nil {
		e, err = p.S.CreateExemption(r.Context(), user(r), in)
	}
	if err != nil {
		if _, ok := flashable(err); ok {
			return p.renderItems(w, r, web.StatusOf(err), &web.Page{Form: r.PostForm,
				Errors: formErrors(err, map[string]string{"house_id": "house_code"}, exemptionFields...)}, "exemption")
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/billing/items?community_id=%d", e.CommunityID),
		fmt.Sprintf("已为 %s 设置 %s 至 %s 的减免", e.HouseCode, e.From, e.To))
}

func (p *pages) exemptionVoid(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	e, err := p.S.VoidExemption(r.Context(), user(r), id, r.FormValue("reason"))
	if err != nil {
		if fe, ok := flashable(err); ok {
			return redirect(w, r, "/billing/items", "未作废："+fe.Message)
		}
		return err
	}
	return redirect(w, r, fmt.Sprintf("/billing/items?community_id=%d", e.CommunityID), "已作废 "+e.HouseCode+" 的减免")
}
