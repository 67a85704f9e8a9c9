package frontdesk

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// Custody's JSON API (/api/v1/custody…), its photo and its export.

// custodyFilterOf reads the list filters shared by the API, the page and
// the export; house is a house code (3-2-1201).
func custodyFilterOf(r *http.Request) (CustodyFilter, error) {
	q := &deskQuery{r: r}
	f := CustodyFilter{CommunityID: q.id("community_id"), HouseID: q.id("house_id"),
		HouseCode: strings.NewReplacer(" ", "", "－", "-", "—", "-").Replace(q.str("house")),
		Status:    q.enum("status", CustodyStatuses...), Q: q.str("q")}
	f.Limit, f.Offset = q.paging()
	return f, q.err
}

func (h *Handlers) apiCustodyCreate(w http.ResponseWriter, r *http.Request) error {
	var in CustodyInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.S.Receive(r.Context(), user(r), in, "", nil)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, c)
}

func (h *Handlers) apiCustodyList(w http.ResponseWriter, r *http.Request) error {
	f, err := custodyFilterOf(r)
	if err != nil {
		return err
	}
	cs, total, err := h.S.CustodyList(r.Context(), user(r), f)
	if err != nil {
		return err
	}
	return deskList(w, cs, total)
}

func (h *Handlers) apiCustody(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.S.Custody(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, c)
}

func (h *Handlers) apiCustodyRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	// Scope first: another community's item is a 403 whatever the body.
	if _, err := h.S.Custody(r.Context(), user(r), id); err != nil {
		return err
	}
	var in ReleaseInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.S.Release(r.Context(), user(r), id, in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, c)
}

// custodyPhotoUpload adds the photo of an item: the multipart field
// "photo" or, for an API client, the raw body.
func (h *Handlers) custodyPhotoUpload(api bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.ID(r, "id")
		if err != nil {
			return err
		}
		if _, err := h.S.Custody(r.Context(), user(r), id); err != nil {
			return err
		}
		name, data, err := web.ReadUpload(w, r, "photo", MaxCustodyPhoto, custodyPhotoKinds...)
		var c *CustodyItem
		if err == nil {
			c, err = h.S.AddPhoto(r.Context(), user(r), id, name, data)
		}
		if api {
			if err != nil {
				return err
			}
			return web.WriteJSON(w, http.StatusCreated, c)
		}
		back := fmt.Sprintf("/desk/custody/%d", id)
		if e, ok := formFault(err); ok {
			web.Redirect(w, r, back, "照片未保存："+e.Message)
			return nil
		}
		if err != nil {
			return err
		}
		web.Redirect(w, r, back, "已保存照片")
		return nil
	}
}

func (h *Handlers) custodyPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	p, data, err := h.S.CustodyPhotoData(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	return web.ServeInline(w, p.Name, p.ContentType, data)
}

// CustodyWorkbook is the custody list of the filter (every page).
func (s *Service) CustodyWorkbook(ctx context.Context, by *auth.User, f CustodyFilter, names map[int64]string) (*excel.Writer, error) {
	wb := excel.NewWriter()
	if err := wb.Sheet("物品寄存", []excel.Column{{Header: "小区", Width: 16}, {Header: "房屋", Width: 12},
		{Header: "物品", Width: 24}, {Header: "数量", Format: excel.Integer}, {Header: "寄存人"}, {Header: "寄存人电话", Width: 14},
		{Header: "指定领取人"}, {Header: "接收时间", Width: 17}, {Header: "接收人"}, {Header: "状态"},
		{Header: "领取人"}, {Header: "签名"}, {Header: "领取时间", Width: 17}, {Header: "发放人"}, {Header: "备注", Width: 24}}); err != nil {
		return nil, err
	}
	f.Limit, f.Offset = 500, 0
	for f.Offset < maxKeyRows {
		cs, _, err := s.CustodyList(ctx, by, f)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			var released string
			if c.ReleasedAt != nil {
				released = showTime(*c.ReleasedAt)
			}
			note := strings.TrimSpace(c.Notes + " " + c.ReleaseNote)
			if err := wb.Row(names[c.CommunityID], c.HouseCode, c.Description, c.Quantity, c.DepositedBy, c.DepositedPhone,
				c.PickupName, showTime(c.ReceivedAt), c.ReceivedByName, c.StatusLabel, c.PickedUpBy, c.Signature, released,
				c.ReleasedByName, note); err != nil {
				return nil, err
			}
		}
		if len(cs) < f.Limit {
			break
		}
		f.Offset += len(cs)
	}
	return wb, nil
}

// custodyExport serves the list's 导出Excel (page and API alike).
func (h *Handlers) custodyExport(w http.ResponseWriter, r *http.Request) error {
	f, err := custodyFilterOf(r)
	if err != nil {
		return err
	}
	names, err := h.communityNames(r)
	if err != nil {
		return err
	}
	wb, err := h.S.CustodyWorkbook(r.Context(), user(r), f, names)
	if err != nil {
		return err
	}
	return excel.Send(w, wb, names[f.CommunityID]+"物品寄存.xlsx", "custody.xlsx")
}

// communityNames names the communities in the caller's scope.
func (h *Handlers) communityNames(r *http.Request) (map[int64]string, error) {
	cs, err := h.Arch.Communities(r.Context(), user(r))
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, c := range cs {
		names[c.ID] = c.Name
	}
	return names, nil
}
