package frontdesk

import (
	"context"
	"net/http"
	"slices"

	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// The 钥匙清单: every key of a community by class, as an A4 sheet for the
// cabinet door and as an Excel workbook of any list filter.

// maxKeyRows bounds a print-out or an export.
const maxKeyRows = 20_000

// allKeys reads every key of the filter (in pages of 500).
func (s *Service) allKeys(ctx context.Context, by *auth.User, f KeyFilter) ([]*Key, error) {
	var out []*Key
	f.Limit, f.Offset = 500, 0
	for f.Offset < maxKeyRows {
		ks, _, err := s.Keys(ctx, by, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ks...)
		if len(ks) < f.Limit {
			break
		}
		f.Offset += len(ks)
	}
	return out, nil
}

// keyGroup is one class of keys on the printed list.
type keyGroup struct {
	Label string
	Keys  []*Key
}

// keyPrint is the data of the printed list.
type keyPrint struct {
	C         *deskCommunities
	Community *archive.Community
	Groups    []keyGroup
	Total     int
	Out, Lost int
	Date      string
}

func (h *Handlers) keysPrintPage(w http.ResponseWriter, r *http.Request) error {
	c, err := h.communities(r, true)
	if err != nil {
		return err
	}
	v := &keyPrint{C: c, Date: deskToday(h.S.Now())}
	if c.ID > 0 {
		if v.Community, err = h.Arch.Community(r.Context(), user(r), c.ID); err != nil {
			return err
		}
		ks, err := h.S.allKeys(r.Context(), user(r), KeyFilter{CommunityID: c.ID})
		if err != nil {
			return err
		}
		for _, class := range KeyClasses {
			g := keyGroup{Label: KeyLabel(class)}
			for _, k := range ks {
				if k.Class == class {
					g.Keys = append(g.Keys, k)
				}
			}
			if len(g.Keys) > 0 {
				v.Groups = append(v.Groups, g)
			}
		}
		v.Total = len(ks)
		v.Out = len(slices.DeleteFunc(slices.Clone(ks), func(k *Key) bool { return k.Status != KeyOut }))
		v.Lost = len(slices.DeleteFunc(slices.Clone(ks), func(k *Key) bool { return k.Status != KeyLost }))
	}
	return h.t.Render(w, r, http.StatusOK, "keys_print", &web.Page{Title: "钥匙清单", Nav: "desk_keys", Data: v})
}

// KeysWorkbook is the key list of the filter (every page) as a workbook.
func (s *Service) KeysWorkbook(ctx context.Context, by *auth.User, f KeyFilter, names map[int64]string) (*excel.Writer, error) {
	ks, err := s.allKeys(ctx, by, f)
	if err != nil {
		return nil, err
	}
	wb := excel.NewWriter()
	if err := wb.Sheet("钥匙清单", []excel.Column{{Header: "小区", Width: 16}, {Header: "标识编号", Width: 12}, {Header: "类别"},
		{Header: "房屋", Width: 12}, {Header: "位置", Width: 20}, {Header: "份数", Format: excel.Integer}, {Header: "存放位置"},
		{Header: "状态"}, {Header: "借用人"}, {Header: "借用人电话", Width: 14}, {Header: "借出时间", Width: 17},
		{Header: "预计归还", Width: 17}, {Header: "遗失原因", Width: 20}, {Header: "备注", Width: 24}}); err != nil {
		return nil, err
	}
	for _, k := range ks {
		status := k.StatusLabel
		var borrower, phone, lent, due string
		if l := k.Loan; l != nil {
			borrower, phone, lent, due = l.BorrowerName, l.BorrowerPhone, showTime(l.LentAt), showTime(l.ExpectedReturn)
			if l.Overdue {
				status = KeyLabel(KeyOverdue)
			}
		}
		if err := wb.Row(names[k.CommunityID], k.Label, k.ClassLabel, k.HouseCode, k.Location, k.Copies, k.CabinetPosition,
			status, borrower, phone, lent, due, k.LostReason, k.Notes); err != nil {
			return nil, err
		}
	}
	return wb, nil
}

// keysExport serves the list's 导出Excel (page and API alike).
func (h *Handlers) keysExport(w http.ResponseWriter, r *http.Request) error {
	f, err := keyFilterOf(r)
	if err != nil {
		return err
	}
	names, err := h.communityNames(r)
	if err != nil {
		return err
	}
	wb, err := h.S.KeysWorkbook(r.Context(), user(r), f, names)
	if err != nil {
		return err
	}
	return excel.Send(w, wb, names[f.CommunityID]+"钥匙清单.xlsx", "keys.xlsx")
}
