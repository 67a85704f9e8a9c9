package frontdesk

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// at is the service's clock to the microsecond, the precision both
// databases keep.
func (s *Service) at() time.Time { return s.now().Truncate(time.Microsecond) }

var (
	trackingRe   = regexp.MustCompile(`^[A-Za-z0-9-]{4,40}$`)
	pickupCodeRe = regexp.MustCompile(`^\d{6}$`)
)

func (in *ParcelInput) validate(now time.Time) (time.Time, error) {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	in.Direction = strings.TrimSpace(in.Direction)
	if in.Direction == "" {
		in.Direction = DirectionIn
	}
	if in.Direction != DirectionIn && in.Direction != DirectionOut {
		f.Add("direction", "方向须为 in（收件）或 out（寄件）")
	}
	in.Kind = strings.TrimSpace(in.Kind)
	if in.Kind == "" {
		in.Kind = KindParcel
	}
	if !slices.Contains(ParcelKinds, in.Kind) {
		f.Add("kind", "类型须为 parcel/mail/registered（快递、平信、挂号信）")
	}
	out := in.Direction == DirectionOut
	if in.HouseID < 0 || (in.HouseID == 0 && !out) {
		f.Add("house_id", "请选择收件房屋")
	}
	if in.Carrier = strings.TrimSpace(in.Carrier); in.Carrier == "" && in.Kind != KindParcel {
		in.Carrier = "中国邮政"
	}
	deskText(&f, &in.Carrier, "carrier", "快递公司", 30, !out)
	in.TrackingNumber = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(in.TrackingNumber), " ", ""))
	switch {
	case in.TrackingNumber == "" && !out && in.Kind != KindMail:
		f.Add("tracking_number", "请填写运单号")
	case in.TrackingNumber != "" && !trackingRe.MatchString(in.TrackingNumber):
		f.Add("tracking_number", "运单号应为 4–40 位字母、数字或短横线")
	}
	deskText(&f, &in.Shelf, "shelf", "货架位置", 20, false)
	deskText(&f, &in.RecipientName, "recipient_name", "收件人", 30, out)
	deskPhone(&f, &in.RecipientPhone, "recipient_phone", "收件人电话", false)
	deskText(&f, &in.Address, "address", "寄往地址", 200, out)
	deskText(&f, &in.SenderName, "sender_name", "寄件人", 30, out)
	deskPhone(&f, &in.SenderPhone, "sender_phone", "寄件人电话", false)
	deskText(&f, &in.Notes, "notes", "备注", 200, false)
	if !out {
		in.Address, in.SenderName, in.SenderPhone = "", "", ""
	}
	at, err := parseDeskTime(in.ArrivedAt, "arrived_at", "到达时间")
	switch {
	case err != nil:
		f = append(f, err.(*errs.Error))
	case at.IsZero():
		at = now
	case at.After(now.Add(5 * time.Minute)):
		f.Add("arrived_at", "到达时间不能晚于现在")
	case at.Before(now.AddDate(0, 0, -60)):
		f.Add("arrived_at", "到达时间不能早于 60 天前")
	}
	return at, f.Err()
}

// newPickupCode is six random digits from crypto/rand.
func newPickupCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("pickup code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// parcelSnapshot is a parcel as the audit log keeps it: without the
// pickup code, which proves the right to collect.
func parcelSnapshot(p *Parcel) *Parcel {
	c := *p
	c.PickupCode = ""
	return &c
}

// RegisterParcel registers an arrival with a new pickup code, unique
// among the community's uncollected parcels, or an outgoing item.
func (s *Service) RegisterParcel(ctx context.Context, by *auth.User, in ParcelInput) (*Parcel, error) {
	now := s.at()
	arrived, ferr := in.validate(now)
	if in.CommunityID > 0 {
		if err := can(by, auth.PermDeskWrite, in.CommunityID); err != nil {
			return nil, err
		}
	}
	if ferr != nil {
		return nil, ferr
	}
	var p *Parcel
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var house any
		if in.HouseID > 0 {
			if _, err := deskHouse(ctx, tx, in.HouseID, in.CommunityID, "house_id"); err != nil {
				return err
			}
			house = in.HouseID
		}
		status := ParcelWaiting
		if in.Direction == DirectionOut {
			status = ParcelPending
		}
		// A taken code is skipped by ON CONFLICT on the partial unique
		// index and another drawn; a statement that fails would abort the
		// transaction on PostgreSQL.
		var id int64
		for try := 0; id == 0; try++ {
			if try == 50 {
				return errs.Conflict("", "本小区待取快递过多，无法分配取件码")
			}
			var code any
			if status == ParcelWaiting {
				c, err := newPickupCode()
				if err != nil {
					return err
				}
				code = c
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO parcels (community_id, house_id, direction, kind, carrier,
				tracking_number, shelf, recipient_name, recipient_phone, address, sender_name, sender_phone, notes, status,
				pickup_code, arrived_at, created_by, created_name, created_at, updated_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19)
				ON CONFLICT (pickup_code, community_id) WHERE status = 'waiting' DO NOTHING RETURNING id`,
				in.CommunityID, house, in.Direction, in.Kind, in.Carrier, in.TrackingNumber, in.Shelf, in.RecipientName,
				in.RecipientPhone, in.Address, in.SenderName, in.SenderPhone, in.Notes, status, code, arrived,
				by.ID, by.Name, now).Scan(&id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case db.IsUniqueViolation(err):
				return errs.Conflict("tracking_number", "运单号 %s 已登记且尚未取件", in.TrackingNumber)
			case err != nil:
				return fmt.Errorf("insert parcel: %w", err)
			}
		}
		var err error
		if p, err = getParcel(ctx, tx, id); err != nil {
			return err
		}
		return deskAudit(ctx, tx, by, p.CommunityID, "parcel", id, audit.ActionCreate, nil, parcelSnapshot(p))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Parcel returns one parcel, without its pickup code.
func (s *Service) Parcel(ctx context.Context, by *auth.User, id int64) (*Parcel, error) {
	p, err := getParcel(ctx, s.DB.Q(ctx), id)
	if err != nil {
		return nil, err
	}
	if err := can(by, auth.PermDeskRead, p.CommunityID); err != nil {
		return nil, err
	}
	p.PickupCode = ""
	return parcelShown(by, p), nil
}

// parcelShown masks the recipient's and sender's phones for a user
// without phone.view.
func parcelShown(by *auth.User, p *Parcel) *Parcel {
	p.RecipientPhone, p.SenderPhone = by.ShowPhone(p.RecipientPhone), by.ShowPhone(p.SenderPhone)
	return p
}

// Parcels lists parcels in the caller's scope. Pickup codes are left
// out, except for a lookup by code.
func (s *Service) Parcels(ctx context.Context, by *auth.User, f ParcelFilter) ([]*Parcel, int, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, 0, errs.Forbidden("没有权限")
	}
	if f.CommunityID > 0 {
		if err := can(by, auth.PermDeskRead, f.CommunityID); err != nil {
			return nil, 0, err
		}
	}
	ps, total, err := listParcels(ctx, s.DB.Q(ctx), deskScope(by), f, s.at())
	if err != nil {
		return nil, 0, err
	}
	for _, p := range ps {
		if f.Code == "" {
			p.PickupCode = ""
		}
		parcelShown(by, p)
	}
	return ps, total, nil
}

func (in *PickupInput) validate() error {
	var f errs.Fields
	in.Code = strings.TrimSpace(in.Code)
	deskText(&f, &in.PickedUpBy, "picked_up_by", "取件人", 30, in.ByID)
	if !in.ByID {
		if in.Code == "" {
			f.Add("code", "请填写取件码")
		} else if !pickupCodeRe.MatchString(in.Code) {
			f.Add("code", "取件码为 6 位数字")
		}
		return f.Err()
	}
	deskIDNumber(&f, &in.IDType, &in.IDNumber, "id_type", "id_number", true)
	deskText(&f, &in.Reason, "reason", "未凭取件码的原因", 100, true)
	return f.Err()
}

// PickupParcel hands an uncollected parcel out, with its code or (by_id)
// against the collector's ID document, kept masked, and a reason. A
// wrong code is counted in the database, so the lock holds across app
// servers and restarts: the MaxWrongCodes-th wrong code within
// WrongCodeWindow of the one before locks the code (429) until the
// window has passed; pickup by ID stays open. Of two desks handing out
// the same parcel at once exactly one succeeds; the other gets 409.
func (s *Service) PickupParcel(ctx context.Context, by *auth.User, id int64, in PickupInput) (*Parcel, error) {
	before, err := s.parcelFor(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if err := parcelCanLeave(before); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := s.at()
	cutoff := now.Add(-WrongCodeWindow)
	var out *Parcel
	var refused error // a wrong code: the count is committed, then refused
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if !in.ByID && subtle.ConstantTimeCompare([]byte(in.Code), []byte(before.PickupCode)) != 1 {
			var n int
			if err := tx.QueryRowContext(ctx, `UPDATE parcels SET
				wrong_codes = CASE WHEN last_wrong_code_at IS NOT NULL AND last_wrong_code_at >= $2 THEN wrong_codes + 1 ELSE 1 END,
				last_wrong_code_at = $3 WHERE id = $1 RETURNING wrong_codes`, id, cutoff, now).Scan(&n); err != nil {
				return fmt.Errorf("count wrong code: %w", err)
			}
			switch {
			case n > MaxWrongCodes:
				refused = tooManyCodes()
			case n == MaxWrongCodes:
				refused = errs.Invalid("code", "取件码不正确。已连续错误 %d 次，取件码锁定 %d 分钟，请核对或凭身份证件取件",
					MaxWrongCodes, int(WrongCodeWindow.Minutes()))
			default:
				refused = errs.Invalid("code", "取件码不正确（还可再试 %d 次）", MaxWrongCodes-n)
			}
			return nil
		}
		method, idType, idNumber, reason := PickupByCode, "", "", ""
		if in.ByID {
			method, idType, idNumber, reason = PickupByID, in.IDType, auth.MaskID(in.IDNumber), in.Reason
		}
		who := in.PickedUpBy
		if who == "" {
			who = before.RecipientName
		}
		// The code path also requires the code not to be locked: a right
		// code after MaxWrongCodes wrong ones waits like a wrong one.
		lock := ""
		args := []any{id, now, who, method, idType, idNumber, reason, by.ID, by.Name}
		if !in.ByID {
			lock = ` AND (wrong_codes < $10 OR last_wrong_code_at IS NULL OR last_wrong_code_at < $11)`
			args = append(args, MaxWrongCodes, cutoff)
		}
		res, err := tx.ExecContext(ctx, `UPDATE parcels SET status = 'picked_up', picked_up_at = $2, picked_up_by = $3,
			pickup_method = $4, pickup_id_type = $5, pickup_id_number = $6, pickup_reason = $7, handed_by = $8,
			handed_name = $9, wrong_codes = 0, last_wrong_code_at = NULL, updated_at = $2
			WHERE id = $1 AND status = 'waiting'`+lock, args...)
		if err != nil {
			return fmt.Errorf("pickup parcel: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			cur, err := getParcel(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := parcelCanLeave(cur); err != nil {
				return err
			}
			return tooManyCodes()
		}
		if out, err = getParcel(ctx, tx, id); err != nil {
			return err
		}
		out.PickupCode = ""
		return deskAudit(ctx, tx, by, out.CommunityID, "parcel", id, audit.ActionUpdate, parcelSnapshot(before), out)
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	return out, nil
}

func tooManyCodes() error {
	return errs.TooMany("取件码错误次数过多，已锁定 %d 分钟；请核对取件码，或凭身份证件取件并登记原因", int(WrongCodeWindow.Minutes()))
}

// parcelFor loads a parcel the caller may change.
func (s *Service) parcelFor(ctx context.Context, by *auth.User, id int64) (*Parcel, error) {
	p, err := getParcel(ctx, s.DB.Q(ctx), id)
	if err != nil {
		return nil, err
	}
	if err := can(by, auth.PermDeskWrite, p.CommunityID); err != nil {
		return nil, err
	}
	return p, nil
}

// parcelCanLeave is the conflict, if any, of handing p out (or returning
// it): only an uncollected arrival can.
func parcelCanLeave(p *Parcel) error {
	switch {
	case p.Direction == DirectionOut:
		return errs.Conflict("", "这是寄出的邮件，不能取件或退回")
	case p.Status == ParcelPickedUp:
		return errs.Conflict("", "该快递已于 %s 被 %s 取走", p.PickedUpAt.In(web.Shanghai).Format("2006-01-02 15:04"),
			orText(p.PickedUpBy, "（未登记取件人）"))
	case p.Status == ParcelReturned:
		return errs.Conflict("", "该快递已退回快递员")
	case p.Status != ParcelWaiting:
		return errs.Conflict("", "该快递当前状态为%s", ParcelLabel(p.Status))
	}
	return nil
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// parcelChange applies one conditional UPDATE (set, with $1 the id and $2
// now, guarded by where) to a parcel the caller may change, and audits
// it; no row changed is the conflict conflictOf reports.
func (s *Service) parcelChange(ctx context.Context, by *auth.User, id int64, set, where string, args []any,
	conflictOf func(*Parcel) error) (*Parcel, error) {
	before, err := s.parcelFor(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if err := conflictOf(before); err != nil {
		return nil, err
	}
	var out *Parcel
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE parcels SET `+set+`, updated_at = $2 WHERE id = $1 AND `+where,
			append([]any{id, s.at()}, args...)...)
		if err != nil {
			return fmt.Errorf("update parcel: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			cur, err := getParcel(ctx, tx, id)
			if err != nil {
				return err
			}
			if err := conflictOf(cur); err != nil {
				return err
			}
			return errs.Conflict("", "快递记录已被他人修改，请刷新后重试")
		}
		if out, err = getParcel(ctx, tx, id); err != nil {
			return err
		}
		out.PickupCode = ""
		return deskAudit(ctx, tx, by, out.CommunityID, "parcel", id, audit.ActionUpdate, parcelSnapshot(before), out)
	})
	return out, err
}

// RemindParcel records that the owner was reminded of an uncollected
// parcel (by phone or message): one more reminder, now.
func (s *Service) RemindParcel(ctx context.Context, by *auth.User, id int64) (*Parcel, error) {
	return s.parcelChange(ctx, by, id, `reminders = reminders + 1, last_reminded_at = $2`, `status = 'waiting'`, nil,
		parcelCanLeave)
}

// ReturnParcel records an uncollected parcel given back to the courier.
func (s *Service) ReturnParcel(ctx context.Context, by *auth.User, id int64, reason string) (*Parcel, error) {
	var f errs.Fields
	deskText(&f, &reason, "reason", "退回原因", 100, true)
	if _, err := s.parcelFor(ctx, by, id); err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.parcelChange(ctx, by, id, `status = 'returned', return_reason = $3, handed_by = $4, handed_name = $5`,
		`status = 'waiting'`, []any{reason, by.ID, by.Name}, parcelCanLeave)
}

// SendParcel records outgoing mail handed to the courier, with the
// carrier and tracking number it got.
func (s *Service) SendParcel(ctx context.Context, by *auth.User, id int64, in SendInput) (*Parcel, error) {
	var f errs.Fields
	deskText(&f, &in.Carrier, "carrier", "快递公司", 30, true)
	in.TrackingNumber = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(in.TrackingNumber), " ", ""))
	if in.TrackingNumber != "" && !trackingRe.MatchString(in.TrackingNumber) {
		f.Add("tracking_number", "运单号应为 4–40 位字母、数字或短横线")
	}
	if _, err := s.parcelFor(ctx, by, id); err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.parcelChange(ctx, by, id, `status = 'sent', sent_at = $2, carrier = $3, tracking_number = $4, handed_by = $5,
		handed_name = $6`, `status = 'pending'`, []any{in.Carrier, in.TrackingNumber, by.ID, by.Name}, func(p *Parcel) error {
		switch {
		case p.Direction != DirectionOut:
			return errs.Conflict("", "这是收到的快递，不能寄出")
		case p.Status == ParcelSent:
			return errs.Conflict("", "该邮件已于 %s 寄出", p.SentAt.In(web.Shanghai).Format("2006-01-02 15:04"))
		}
		return nil
	})
}

// RemindOverdue records a reminder for every parcel of a community
// uncollected for days days or more (DefaultOverdueDays when 0), except
// those already reminded today; it returns the parcels reminded.
func (s *Service) RemindOverdue(ctx context.Context, by *auth.User, communityID int64, days int) ([]int64, error) {
	if err := deskCommunity(by, auth.PermDeskWrite, communityID); err != nil {
		return nil, err
	}
	if days < 0 || days > 365 {
		return nil, errs.Invalid("days", "天数须为 1 到 365 之间的整数")
	}
	if days == 0 {
		days = DefaultOverdueDays
	}
	now := s.at()
	today := deskDayStart(deskToday(now))
	ids := []int64{}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE parcels SET reminders = reminders + 1, last_reminded_at = $1, updated_at = $1
			WHERE community_id = $2 AND status = 'waiting' AND arrived_at <= $3
			AND (last_reminded_at IS NULL OR last_reminded_at < $4) RETURNING id, reminders`,
			now, communityID, now.Add(-time.Duration(days)*24*time.Hour), today)
		if err != nil {
			return fmt.Errorf("remind overdue: %w", err)
		}
		type change struct {
			id int64
			n  int
		}
		var done []change
		for rows.Next() {
			var c change
			if err := rows.Scan(&c.id, &c.n); err != nil {
				rows.Close()
				return err
			}
			done = append(done, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		slices.SortFunc(done, func(a, b change) int { return int(a.id - b.id) })
		for _, c := range done {
			ids = append(ids, c.id)
			if err := deskAudit(ctx, tx, by, communityID, "parcel", c.id, audit.ActionUpdate,
				map[string]any{"reminders": c.n - 1}, map[string]any{"reminders": c.n}); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}
