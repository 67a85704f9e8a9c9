package frontdesk

import (
	"context"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
	"wuye/internal/platform/web"
)

// maxDeskExportRows bounds one export of a front-desk list.
const maxDeskExportRows = 100_000

// deskTime shows a moment in Shanghai as 2026-11-27 14:05; "" for none.
func deskTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(web.Shanghai).Format("2006-01-02 15:04")
}

// ParcelsWorkbook is the parcel list of the filter, every page of it.
func (s *Service) ParcelsWorkbook(ctx context.Context, by *auth.User, f ParcelFilter) (*excel.Writer, error) {
	wb := excel.NewWriter()
	if err := wb.Sheet("快递邮件", []excel.Column{{Header: "到达/登记时间", Width: 17}, {Header: "收/寄"}, {Header: "类型"},
		{Header: "房屋", Width: 12}, {Header: "快递公司"}, {Header: "运单号", Width: 20}, {Header: "货架"},
		{Header: "收件人"}, {Header: "收件人电话", Width: 14}, {Header: "状态"}, {Header: "取件/寄出时间", Width: 17},
		{Header: "取件人"}, {Header: "取件方式"}, {Header: "未凭取件码原因", Width: 20}, {Header: "提醒次数", Format: excel.Integer},
		{Header: "登记人"}, {Header: "备注", Width: 20}}); err != nil {
		return nil, err
	}
	return wb, deskRows(func(limit, offset int) ([]*Parcel, error) {
		f.Limit, f.Offset = limit, offset
		ps, _, err := s.Parcels(ctx, by, f)
		return ps, err
	}, func(p *Parcel) error {
		done := p.PickedUpAt
		if p.SentAt != nil {
			done = p.SentAt
		}
		method := ""
		if p.PickupMethod != "" {
			method = ParcelLabel(p.PickupMethod)
		}
		return wb.Row(deskTime(&p.ArrivedAt), ParcelLabel(p.Direction), ParcelLabel(p.Kind), p.HouseCode, p.Carrier,
			p.TrackingNumber, p.Shelf, p.RecipientName, p.RecipientPhone, ParcelLabel(p.Status), deskTime(done),
			p.PickedUpBy, method, p.PickupReason, p.Reminders, p.CreatedName, p.Notes)
	})
}

// deskRows writes every page of a list, up to maxDeskExportRows rows:
// page reads one, row writes one item.
func deskRows[T any](page func(limit, offset int) ([]T, error), row func(T) error) error {
	const per = 500
	for offset := 0; offset < maxDeskExportRows; {
		items, err := page(per, offset)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := row(it); err != nil {
				return err
			}
		}
		if len(items) < per {
			return nil
		}
		offset += len(items)
	}
	return nil
}
