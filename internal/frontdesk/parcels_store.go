package frontdesk

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"wuye/internal/platform/db"
)

const parcelCols = `p.id, p.community_id, p.house_id, COALESCE(h.code, ''), p.direction, p.kind, p.carrier,
	p.tracking_number, p.shelf, p.recipient_name, p.recipient_phone, p.address, p.sender_name, p.sender_phone, p.notes,
	p.status, COALESCE(p.pickup_code, ''), p.arrived_at, p.picked_up_at, p.picked_up_by, p.pickup_method,
	p.pickup_id_type, p.pickup_id_number, p.pickup_reason, COALESCE(p.handed_by, 0), p.handed_name, p.sent_at,
	p.return_reason, p.wrong_codes, p.last_wrong_code_at, p.reminders, p.last_reminded_at, p.created_by,
	p.created_name, p.created_at, p.updated_at`

const (
	parcelJoin = ` LEFT JOIN houses h ON h.id = p.house_id`
	parcelFrom = ` FROM parcels p` + parcelJoin
)

func scanParcel(sc db.Scanner) (*Parcel, error) {
	var p Parcel
	var house sql.NullInt64
	var picked, sent, wrong, reminded sql.NullTime
	err := sc.Scan(&p.ID, &p.CommunityID, &house, &p.HouseCode, &p.Direction, &p.Kind, &p.Carrier, &p.TrackingNumber,
		&p.Shelf, &p.RecipientName, &p.RecipientPhone, &p.Address, &p.SenderName, &p.SenderPhone, &p.Notes, &p.Status,
		&p.PickupCode, &p.ArrivedAt, &picked, &p.PickedUpBy, &p.PickupMethod, &p.PickupIDType, &p.PickupIDNumber,
		&p.PickupReason, &p.HandedBy, &p.HandedName, &sent, &p.ReturnReason, &p.wrongCodes, &wrong, &p.Reminders,
		&reminded, &p.CreatedBy, &p.CreatedName, &p.CreatedAt, &p.UpdatedAt)
	p.HouseID = house.Int64
	p.PickedUpAt, p.SentAt, p.lastWrongAt, p.LastRemindedAt = timePtr(picked), timePtr(sent), timePtr(wrong), timePtr(reminded)
	return &p, err
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

func getParcel(ctx context.Context, q db.Querier, id int64) (*Parcel, error) {
	p, err := scanParcel(q.QueryRowContext(ctx, `SELECT `+parcelCols+parcelFrom+` WHERE p.id = $1`, id))
	if err != nil {
		return nil, deskNotFound(err, "快递记录")
	}
	return p, nil
}

// where is the filter's condition. The views read the indexes of the
// migration: the pickup code (pickup_code, community_id), today
// (community_id, arrived_at), the waiting and overdue lists the partial
// index of waiting parcels.
func (f ParcelFilter) where(scope []int64, now time.Time) (*db.Where, string) {
	w := &db.Where{}
	w.Scope("p.community_id", scope)
	if f.CommunityID > 0 {
		w.Add("p.community_id = ?", f.CommunityID)
	}
	if f.HouseID > 0 {
		w.Add("p.house_id = ?", f.HouseID)
	}
	order := " ORDER BY p.arrived_at DESC, p.id DESC"
	switch f.View {
	case "today":
		day := deskDayStart(deskToday(now))
		w.Add("p.arrived_at >= ? AND p.arrived_at < ?", day, day.Add(24*time.Hour))
	case "waiting":
		w.Add("p.status = 'waiting'")
		order = " ORDER BY p.arrived_at, p.id"
	case "overdue":
		days := f.OverdueDays
		if days <= 0 {
			days = DefaultOverdueDays
		}
		w.Add("p.status = 'waiting'")
		w.Add("p.arrived_at <= ?", now.Add(-time.Duration(days)*24*time.Hour))
		order = " ORDER BY p.arrived_at, p.id"
	}
	if f.Code != "" {
		w.Add("p.pickup_code = ? AND p.status = 'waiting'", f.Code)
	}
	if f.Direction != "" {
		w.Add("p.direction = ?", f.Direction)
	}
	if f.Kind != "" {
		w.Add("p.kind = ?", f.Kind)
	}
	if f.Status != "" {
		w.Add("p.status = ?", f.Status)
	}
	if f.Carrier != "" {
		w.Add("p.carrier = ?", f.Carrier)
	}
	if f.From != "" {
		w.Add("p.arrived_at >= ?", deskDayStart(f.From))
	}
	if f.To != "" {
		w.Add("p.arrived_at < ?", deskDayStart(f.To).Add(24*time.Hour))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		uq := strings.ToUpper(q)
		w.Add(`(p.tracking_number = ? OR p.recipient_name LIKE ? ESCAPE '\' OR p.recipient_phone LIKE ? ESCAPE '\'
			OR p.sender_name LIKE ? ESCAPE '\')`, uq, deskLike(q), deskLike(q), deskLike(q))
	}
	return w, order
}

func listParcels(ctx context.Context, q db.Querier, scope []int64, f ParcelFilter, now time.Time) ([]*Parcel, int, error) {
	w, order := f.where(scope, now)
	return deskPage(ctx, q, "parcels", "p", parcelCols, parcelJoin, w, order, f.Limit, f.Offset, scanParcel)
}
