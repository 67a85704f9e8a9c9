package frontdesk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

const custodyCols = `c.id, c.community_id, c.house_id, h.code, c.description, c.quantity, c.deposited_by, c.deposited_phone,
	c.pickup_name, c.pickup_phone, c.notes, c.status, c.received_at, c.received_by, c.received_by_name, c.released_at,
	c.picked_up_by, c.picked_up_phone, c.id_type, c.id_number, c.signature, c.released_by, c.released_by_name, c.release_note,
	c.created_at, c.updated_at, p.name, p.content_type, p.size, p.created_at`

const custodyFrom = ` FROM desk_custody c JOIN houses h ON h.id = c.house_id
	LEFT JOIN desk_custody_photos p ON p.custody_id = c.id`

func scanCustody(s interface{ Scan(...any) error }) (*CustodyItem, error) {
	var c CustodyItem
	var released, photoAt sql.NullTime
	var photoName, photoType sql.NullString
	var photoSize sql.NullInt64
	if err := s.Scan(&c.ID, &c.CommunityID, &c.HouseID, &c.HouseCode, &c.Description, &c.Quantity, &c.DepositedBy,
		&c.DepositedPhone, &c.PickupName, &c.PickupPhone, &c.Notes, &c.Status, &c.ReceivedAt, &c.ReceivedBy, &c.ReceivedByName,
		&released, &c.PickedUpBy, &c.PickedUpPhone, &c.IDType, &c.IDNumber, &c.Signature, &c.ReleasedBy, &c.ReleasedByName,
		&c.ReleaseNote, &c.CreatedAt, &c.UpdatedAt, &photoName, &photoType, &photoSize, &photoAt); err != nil {
		return nil, err
	}
	if released.Valid {
		t := released.Time.UTC()
		c.ReleasedAt = &t
	}
	if photoName.Valid {
		c.Photo = &CustodyPhoto{Name: photoName.String, ContentType: photoType.String, Size: photoSize.Int64,
			CreatedAt: photoAt.Time.UTC(), URL: fmt.Sprintf("/desk/custody/%d/photo", c.ID)}
	}
	c.StatusLabel = custodyLabels[c.Status]
	return &c, nil
}

func getCustody(ctx context.Context, q db.Querier, id int64) (*CustodyItem, error) {
	c, err := scanCustody(q.QueryRowContext(ctx, `SELECT `+custodyCols+custodyFrom+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("寄存记录不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("custody %d: %w", id, err)
	}
	return c, nil
}

// custodyFor loads an item and checks the caller may act on it.
func custodyFor(ctx context.Context, q db.Querier, by *auth.User, perm string, id int64) (*CustodyItem, error) {
	c, err := getCustody(ctx, q, id)
	if err != nil {
		return nil, err
	}
	return c, can(by, perm, c.CommunityID)
}

func maskCustody(by *auth.User, c *CustodyItem) {
	if c != nil && !by.Can(auth.PermIDNumberView) {
		c.IDNumber = auth.MaskID(c.IDNumber)
	}
	if c != nil {
		c.DepositedPhone, c.PickupPhone = by.ShowPhone(c.DepositedPhone), by.ShowPhone(c.PickupPhone)
		c.PickedUpPhone = by.ShowPhone(c.PickedUpPhone)
	}
}

// custodySnap is an item as its history panel shows it.
func custodySnap(c *CustodyItem) map[string]any {
	m := map[string]any{"house": c.HouseCode, "description": c.Description, "quantity": c.Quantity,
		"deposited_by": c.DepositedBy, "deposited_phone": c.DepositedPhone, "pickup_name": c.PickupName,
		"pickup_phone": c.PickupPhone, "notes": c.Notes, "status": c.Status, "picked_up_by": c.PickedUpBy,
		"picked_up_phone": c.PickedUpPhone, "id_type": c.IDType, "id_number": c.IDNumber, "signature": c.Signature,
		"release_note": c.ReleaseNote, "released_at": "", "photo": ""}
	if c.ReleasedAt != nil {
		m["released_at"] = showTime(*c.ReleasedAt)
	}
	if c.Photo != nil {
		m["photo"] = c.Photo.Name
	}
	return m
}

func (in *CustodyInput) validate() error {
	var f errs.Fields
	if in.HouseID <= 0 {
		f.Add("house_id", "请选择房屋")
	}
	deskText(&f, &in.Description, "description", "物品描述", 200, true)
	if in.Quantity == 0 {
		in.Quantity = 1
	}
	if in.Quantity < 1 || in.Quantity > 999 {
		f.Add("quantity", "数量须为 1 到 999")
	}
	deskText(&f, &in.DepositedBy, "deposited_by", "寄存人", 30, true)
	deskPhone(&f, &in.DepositedPhone, "deposited_phone", "寄存人电话", false)
	deskText(&f, &in.PickupName, "pickup_name", "指定领取人", 30, false)
	deskPhone(&f, &in.PickupPhone, "pickup_phone", "领取人电话", false)
	deskText(&f, &in.Notes, "notes", "备注", 500, false)
	return f.Err()
}

// custodyPhotoKinds are what an item's photo may be.
var custodyPhotoKinds = []web.Kind{web.KindJPEG, web.KindPNG}

// custodyPhotoType judges an upload from its content, never from its name or
// the client's claim.
func custodyPhotoType(data []byte) (web.Kind, error) {
	if len(data) == 0 {
		return "", errs.Invalid("photo", "请选择照片")
	}
	if len(data) > MaxCustodyPhoto {
		return "", errs.Invalid("photo", "照片不能超过 10 MB")
	}
	return web.CheckKind("photo", data, custodyPhotoKinds...)
}

// insertCustodyPhoto stores an item's photo in tx (one per item).
func (s *Service) insertCustodyPhoto(ctx context.Context, tx *sql.Tx, by *auth.User, c *CustodyItem, name string, data []byte) error {
	k, err := custodyPhotoType(data)
	if err != nil {
		return err
	}
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" || !utf8.ValidString(name) {
		name = "照片" + k.Ext()
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO desk_custody_photos (community_id, custody_id, name, content_type, size, data,
		created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, c.CommunityID, c.ID, name, string(k), len(data), data, by.ID, s.now())
	if db.IsUniqueViolation(err) {
		return errs.Conflict("photo", "该寄存物品已有照片")
	}
	return err
}

// Receive registers an item received for a house, with its photo if
// one is given (name, data), all in one transaction.
func (s *Service) Receive(ctx context.Context, by *auth.User, in CustodyInput, photoName string, photo []byte) (*CustodyItem, error) {
	var c *CustodyItem
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := deskCommunityExists(ctx, tx, by, auth.PermDeskWrite, in.CommunityID); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		if _, err := deskHouse(ctx, tx, in.HouseID, in.CommunityID, "house_id"); err != nil {
			return err
		}
		if photo != nil {
			if _, err := custodyPhotoType(photo); err != nil {
				return err
			}
		}
		now := s.now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO desk_custody (community_id, house_id, description, quantity, deposited_by,
			deposited_phone, pickup_name, pickup_phone, notes, status, received_at, received_by, received_by_name,
			created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$11,$11) RETURNING id`,
			in.CommunityID, in.HouseID, in.Description, in.Quantity, in.DepositedBy, in.DepositedPhone, in.PickupName,
			in.PickupPhone, in.Notes, CustodyHeld, now, by.ID, by.Name).Scan(&id); err != nil {
			return fmt.Errorf("insert custody: %w", err)
		}
		var err error
		if c, err = getCustody(ctx, tx, id); err != nil {
			return err
		}
		if photo != nil {
			if err := s.insertCustodyPhoto(ctx, tx, by, c, photoName, photo); err != nil {
				return err
			}
			if c, err = getCustody(ctx, tx, id); err != nil {
				return err
			}
		}
		return deskAudit(ctx, tx, by, c.CommunityID, "desk_custody", c.ID, audit.ActionCreate, nil, custodySnap(c))
	})
	if err != nil {
		return nil, err
	}
	maskCustody(by, c)
	return c, nil
}

// AddPhoto adds the photo of an item received without one.
func (s *Service) AddPhoto(ctx context.Context, by *auth.User, id int64, name string, data []byte) (*CustodyItem, error) {
	var c *CustodyItem
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := custodyFor(ctx, tx, by, auth.PermDeskWrite, id)
		if err != nil {
			return err
		}
		if before.Photo != nil {
			return errs.Conflict("photo", "该寄存物品已有照片")
		}
		if err := s.insertCustodyPhoto(ctx, tx, by, before, name, data); err != nil {
			return err
		}
		if c, err = getCustody(ctx, tx, id); err != nil {
			return err
		}
		return deskAudit(ctx, tx, by, c.CommunityID, "desk_custody", c.ID, "photo", custodySnap(before), custodySnap(c))
	})
	if err != nil {
		return nil, err
	}
	maskCustody(by, c)
	return c, nil
}

// Custody returns one item.
func (s *Service) Custody(ctx context.Context, by *auth.User, id int64) (*CustodyItem, error) {
	c, err := custodyFor(ctx, s.DB, by, auth.PermDeskRead, id)
	if err != nil {
		return nil, err
	}
	maskCustody(by, c)
	return c, nil
}

// CustodyPhotoData returns an item's photo and its content.
func (s *Service) CustodyPhotoData(ctx context.Context, by *auth.User, id int64) (*CustodyPhoto, []byte, error) {
	c, err := custodyFor(ctx, s.DB, by, auth.PermDeskRead, id)
	if err != nil {
		return nil, nil, err
	}
	if c.Photo == nil {
		return nil, nil, errs.NotFound("该寄存物品没有照片")
	}
	var data []byte
	if err := s.DB.QueryRowContext(ctx, `SELECT data FROM desk_custody_photos WHERE custody_id = $1`, id).Scan(&data); err != nil {
		return nil, nil, deskNotFound(err, "照片")
	}
	return c.Photo, data, nil
}

// CustodyList lists the items of the filter in the caller's scope, the
// latest received first, and their total.
func (s *Service) CustodyList(ctx context.Context, by *auth.User, f CustodyFilter) ([]*CustodyItem, int, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, 0, errs.Forbidden("没有权限")
	}
	var w db.Where
	if f.CommunityID > 0 {
		if err := can(by, auth.PermDeskRead, f.CommunityID); err != nil {
			return nil, 0, err
		}
		w.Add("c.community_id = ?", f.CommunityID)
	}
	w.Scope("c.community_id", deskScope(by))
	if f.HouseID > 0 {
		w.Add("c.house_id = ?", f.HouseID)
	}
	if code := strings.TrimSpace(f.HouseCode); code != "" {
		w.Add("h.code = ?", code)
	}
	switch {
	case f.Status == "":
	case slices.Contains(CustodyStatuses, f.Status):
		w.Add("c.status = ?", f.Status)
	default:
		return nil, 0, errs.Invalid("status", "状态须为 %s 之一", strings.Join(CustodyStatuses, "/"))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		p := deskLike(q)
		w.Add(`(lower(c.description) LIKE ? ESCAPE '\' OR lower(c.deposited_by) LIKE ? ESCAPE '\'
			OR lower(c.pickup_name) LIKE ? ESCAPE '\' OR lower(c.picked_up_by) LIKE ? ESCAPE '\')`, p, p, p, p)
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM desk_custody c JOIN houses h ON h.id = c.house_id`+w.SQL(),
		w.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count custody: %w", err)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+custodyCols+custodyFrom+w.SQL()+` ORDER BY c.received_at DESC, c.id DESC`+
		w.Page(f.Limit, f.Offset), w.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("custody: %w", err)
	}
	defer rows.Close()
	out := []*CustodyItem{}
	for rows.Next() {
		c, err := scanCustody(rows)
		if err != nil {
			return nil, 0, err
		}
		maskCustody(by, c)
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// Release hands an item out against its record: who took it (and, when
// that is not the person named at receipt, how they were checked), the
// name signed, and the staff member who handed it out. An item leaves
// once: a second release is a conflict.
func (s *Service) Release(ctx context.Context, by *auth.User, id int64, in ReleaseInput) (*CustodyItem, error) {
	var c *CustodyItem
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := custodyFor(ctx, tx, by, auth.PermDeskWrite, id)
		if err != nil {
			return err
		}
		if before.Status != CustodyHeld {
			return errCustodyReleased(before)
		}
		var f errs.Fields
		deskText(&f, &in.PickedUpBy, "picked_up_by", "领取人姓名", 30, true)
		deskPhone(&f, &in.PickedUpPhone, "picked_up_phone", "领取人电话", false)
		deskIDNumber(&f, &in.IDType, &in.IDNumber, "id_type", "id_number", false)
		if in.IDNumber == "" {
			in.IDType = ""
		}
		deskText(&f, &in.Signature, "signature", "签名", 30, false)
		if in.Signature == "" {
			in.Signature = in.PickedUpBy
		}
		deskText(&f, &in.Note, "note", "领取说明", 500, false)
		if before.PickupName != "" && in.PickedUpBy != "" && in.PickedUpBy != before.PickupName && in.Note == "" {
			f.Add("note", "领取人不是指定的领取人（%s），请写明如何核实（如 已电话联系业主确认）", before.PickupName)
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE desk_custody SET status = $2, released_at = $3, picked_up_by = $4,
			picked_up_phone = $5, id_type = $6, id_number = $7, signature = $8, released_by = $9, released_by_name = $10,
			release_note = $11, updated_at = $3 WHERE id = $1 AND status = $12`,
			id, CustodyReleased, now, in.PickedUpBy, in.PickedUpPhone, in.IDType, in.IDNumber, in.Signature, by.ID, by.Name,
			in.Note, CustodyHeld)
		if err != nil {
			return fmt.Errorf("release custody: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			// Another desk has just handed it out.
			if before, err = getCustody(ctx, tx, id); err != nil {
				return err
			}
			return errCustodyReleased(before)
		}
		if c, err = getCustody(ctx, tx, id); err != nil {
			return err
		}
		return deskAudit(ctx, tx, by, c.CommunityID, "desk_custody", c.ID, "release", custodySnap(before), custodySnap(c))
	})
	if err != nil {
		return nil, err
	}
	maskCustody(by, c)
	return c, nil
}

func errCustodyReleased(c *CustodyItem) error {
	if c.ReleasedAt != nil {
		return errs.Conflict("status", "该物品已于 %s 由 %s 领取", showTime(*c.ReleasedAt), c.PickedUpBy)
	}
	return errs.Conflict("status", "该物品已领取")
}
