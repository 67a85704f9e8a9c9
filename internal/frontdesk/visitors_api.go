package frontdesk

import (
	"context"
	"net/http"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// The visitors' JSON API (issue #5's contract): POST /api/v1/visitors →
// 201; POST …/{id}/checkout → 200, a second checkout 409; a future
// expected_at pre-registers (status expected), checked in by
// POST …/{id}/checkin.

func (h *Handlers) apiCreateVisitor(w http.ResponseWriter, r *http.Request) error {
	var in VisitorInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.S.RegisterVisitor(r.Context(), user(r), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, v)
}

// visitorFilterOf reads a visitor list's filters from the query string.
func visitorFilterOf(r *http.Request) (VisitorFilter, error) {
	q := &deskQuery{r: r}
	f := VisitorFilter{CommunityID: q.id("community_id"), HouseID: q.id("house_id"),
		View: q.enum("view", "onsite", "today", "expected", "history"), Status: q.enum("status", VisitorStatuses...),
		Name: q.str("name"), Phone: q.str("phone"), Q: q.str("q"), From: q.day("from"), To: q.day("to")}
	f.Limit, f.Offset = q.paging()
	return f, q.err
}

func (h *Handlers) apiVisitors(w http.ResponseWriter, r *http.Request) error {
	f, err := visitorFilterOf(r)
	if err != nil {
		return err
	}
	vs, total, err := h.S.Visitors(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return deskList(w, vs, total)
}

func (h *Handlers) apiExportVisitors(w http.ResponseWriter, r *http.Request) error {
	f, err := visitorFilterOf(r)
	if err != nil {
		return err
	}
	wb, err := h.S.VisitorsWorkbook(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return excel.Send(w, wb, "访客登记.xlsx", "visitors.xlsx")
}

func (h *Handlers) apiVisitor(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.S.Visitor(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, v)
}

func (h *Handlers) apiVisitorStep(step VisitorStep) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		v, err := h.S.StepVisitor(r.Context(), user(r), id, step)
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, v)
	}
}

// VisitorsWorkbook is the visitor list of the filter, every page of it.
func (s *Service) VisitorsWorkbook(ctx context.Context, by *auth.User, f VisitorFilter) (*excel.Writer, error) {
	wb := excel.NewWriter()
	if err := wb.Sheet("访客登记", []excel.Column{{Header: "到访/预约时间", Width: 17}, {Header: "离开时间", Width: 17},
		{Header: "状态"}, {Header: "访客", Width: 10}, {Header: "电话", Width: 14}, {Header: "证件类型"},
		{Header: "证件号码", Width: 20}, {Header: "被访房屋", Width: 12}, {Header: "被访人"}, {Header: "事由", Width: 14},
		{Header: "人数", Format: excel.Integer}, {Header: "车牌", Width: 11}, {Header: "来源"}, {Header: "登记人"},
		{Header: "备注", Width: 20}}); err != nil {
		return nil, err
	}
	return wb, deskRows(func(limit, offset int) ([]*Visitor, error) {
		f.Limit, f.Offset = limit, offset
		vs, _, err := s.Visitors(ctx, by, f)
		return vs, err
	}, func(v *Visitor) error {
		return wb.Row(deskTime(&v.VisitAt), deskTime(v.CheckedOutAt), v.StatusLabel(), v.Name, v.Phone, v.IDType,
			v.IDNumber, v.HouseCode, v.HostName, v.Purpose, v.People, v.Plate, v.SourceLabel(), v.CreatedName, v.Notes)
	})
}
