package frontdesk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

const keyCols = `k.id, k.community_id, k.label, k.class, COALESCE(k.house_id, 0), COALESCE(h.code, ''), k.location, k.copies,
	k.cabinet_position, k.notes, k.status, k.lost_reason, k.lost_at, k.created_by, k.created_at, k.updated_at`

const keyFrom = ` FROM desk_keys k LEFT JOIN houses h ON h.id = k.house_id`

func scanKey(s interface{ Scan(...any) error }) (*Key, error) {
	var k Key
	var lost sql.NullTime
	if err := s.Scan(&k.ID, &k.CommunityID, &k.Label, &k.Class, &k.HouseID, &k.HouseCode, &k.Location, &k.Copies,
		&k.CabinetPosition, &k.Notes, &k.Status, &k.LostReason, &lost, &k.CreatedBy, &k.CreatedAt, &k.UpdatedAt); err != nil {
		return nil, err
	}
	if lost.Valid {
		t := lost.Time.UTC()
		k.LostAt = &t
	}
	k.ClassLabel, k.StatusLabel = KeyLabel(k.Class), KeyLabel(k.Status)
	return &k, nil
}

const loanCols = `l.id, l.community_id, l.key_id, k.label, COALESCE(h.code, ''), k.location, l.borrower_kind, l.borrower_name,
	l.borrower_phone, l.borrower_company, l.id_type, l.id_number, l.purpose, l.note, l.lent_at, l.lent_by, l.lent_by_name,
	l.expected_return, l.returned_at, l.received_by, l.received_by_name, l.return_note, l.lost, l.created_at, l.updated_at`

const loanFrom = ` FROM desk_key_loans l JOIN desk_keys k ON k.id = l.key_id LEFT JOIN houses h ON h.id = k.house_id`

func scanLoan(s interface{ Scan(...any) error }, now time.Time) (*KeyLoan, error) {
	var l KeyLoan
	var code, location string
	var returned sql.NullTime
	if err := s.Scan(&l.ID, &l.CommunityID, &l.KeyID, &l.KeyLabel, &code, &location, &l.BorrowerKind, &l.BorrowerName,
		&l.BorrowerPhone, &l.BorrowerCompany, &l.IDType, &l.IDNumber, &l.Purpose, &l.Note, &l.LentAt, &l.LentBy, &l.LentByName,
		&l.ExpectedReturn, &returned, &l.ReceivedBy, &l.ReceivedByName, &l.ReturnNote, &l.Lost, &l.CreatedAt, &l.UpdatedAt); err != nil {
		return nil, err
	}
	l.KeyWhere = (&Key{HouseCode: code, Location: location}).Where()
	l.BorrowerLabel = KeyLabel(l.BorrowerKind)
	if returned.Valid {
		t := returned.Time.UTC()
		l.ReturnedAt = &t
	}
	l.Overdue = l.ReturnedAt == nil && l.ExpectedReturn.Before(now)
	return &l, nil
}

func queryLoans(ctx context.Context, q db.Querier, now time.Time, where string, args ...any) ([]*KeyLoan, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+loanCols+loanFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("key loans: %w", err)
	}
	defer rows.Close()
	out := []*KeyLoan{}
	for rows.Next() {
		l, err := scanLoan(rows, now)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// withLoans attaches each key's open lending (one query for all).
func withLoans(ctx context.Context, q db.Querier, now time.Time, keys []*Key) error {
	byID := map[int64]*Key{}
	var ids []int64
	for _, k := range keys {
		if k.Status == KeyOut {
			byID[k.ID] = k
			ids = append(ids, k.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := db.In(nil, ids)
	loans, err := queryLoans(ctx, q, now, ` WHERE l.returned_at IS NULL AND l.key_id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	for _, l := range loans {
		k := byID[l.KeyID]
		k.Loan, k.Overdue = l, l.Overdue
	}
	return nil
}

func getKey(ctx context.Context, q db.Querier, now time.Time, id int64) (*Key, error) {
	k, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyCols+keyFrom+` WHERE k.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("钥匙不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("key %d: %w", id, err)
	}
	return k, withLoans(ctx, q, now, []*Key{k})
}

// keyFor loads a key inside tx and checks the caller may act on it.
func (s *Service) keyFor(ctx context.Context, q db.Querier, by *auth.User, perm string, id int64) (*Key, error) {
	k, err := getKey(ctx, q, s.now(), id)
	if err != nil {
		return nil, err
	}
	return k, can(by, perm, k.CommunityID)
}

// keySnap is a key as its history panel shows it.
func keySnap(k *Key) map[string]any {
	m := map[string]any{"label": k.Label, "class": k.Class, "house": k.HouseCode, "location": k.Location,
		"copies": k.Copies, "cabinet_position": k.CabinetPosition, "notes": k.Notes, "status": k.Status,
		"lost_reason": k.LostReason, "borrower": "", "expected_return": ""}
	if l := k.Loan; l != nil {
		m["borrower"] = l.BorrowerName
		m["expected_return"] = showTime(l.ExpectedReturn)
	}
	return m
}

func loanSnap(l *KeyLoan) map[string]any {
	m := map[string]any{"key": l.KeyLabel, "borrower_kind": l.BorrowerKind, "borrower_name": l.BorrowerName,
		"borrower_phone": l.BorrowerPhone, "borrower_company": l.BorrowerCompany, "id_type": l.IDType, "id_number": l.IDNumber,
		"purpose": l.Purpose, "expected_return": showTime(l.ExpectedReturn), "received_by": l.ReceivedByName,
		"return_note": l.ReturnNote, "lost": l.Lost, "returned_at": ""}
	if l.ReturnedAt != nil {
		m["returned_at"] = showTime(*l.ReturnedAt)
	}
	return m
}

// maskLoan hides the borrower's ID number and phone from whoever may not
// see them.
func maskLoan(by *auth.User, l *KeyLoan) {
	if l != nil && !by.Can(auth.PermIDNumberView) {
		l.IDNumber = auth.MaskID(l.IDNumber)
	}
	if l != nil {
		l.BorrowerPhone = by.ShowPhone(l.BorrowerPhone)
	}
}

func (in *KeyInput) validate() error {
	var f errs.Fields
	deskText(&f, &in.Label, "label", "钥匙标识编号", 30, true)
	in.Class = strings.TrimSpace(in.Class)
	switch {
	case in.Class == "":
		f.Add("class", "请选择钥匙类别")
	case !slices.Contains(KeyClasses, in.Class):
		f.Add("class", "钥匙类别须为 单元门/公共区域/设备房/信报箱/空置房（%s）", strings.Join(KeyClasses, "/"))
	}
	deskText(&f, &in.Location, "location", "位置", 100, false)
	if in.HouseID < 0 {
		f.Add("house_id", "房屋不存在")
	}
	switch {
	case in.Class == KeyVacantHouse && in.HouseID == 0:
		f.Add("house_id", "空置房钥匙须关联房屋")
	case in.HouseID == 0 && in.Location == "":
		f.Add("location", "请填写钥匙所开的位置，或关联房屋")
	}
	if in.Copies == 0 {
		in.Copies = 1
	}
	if in.Copies < 1 || in.Copies > 99 {
		f.Add("copies", "份数须为 1 到 99")
	}
	deskText(&f, &in.CabinetPosition, "cabinet_position", "存放位置", 30, false)
	deskText(&f, &in.Notes, "notes", "备注", 500, false)
	return f.Err()
}

// keyHouse checks an optional house named in a body (0: none).
func keyHouse(ctx context.Context, q db.Querier, communityID, houseID int64) error {
	if houseID == 0 {
		return nil
	}
	_, err := deskHouse(ctx, q, houseID, communityID, "house_id")
	return err
}

// deskCommunityExists checks a community named in a body as deskCommunity
// does, and that it exists: an admin sees every id, even one that is not
// there, which would otherwise fail on the foreign key.
func deskCommunityExists(ctx context.Context, q db.Querier, by *auth.User, perm string, id int64) error {
	if err := deskCommunity(by, perm, id); err != nil {
		return err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM communities WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.Invalid("community_id", "小区不存在")
	}
	return nil
}

func labelTaken(err error, label string) error {
	if db.IsUniqueViolation(err) {
		return errs.Conflict("label", "本小区已有标识编号为 %s 的钥匙", label)
	}
	return err
}

// CreateKey registers a key in the cabinet.
func (s *Service) CreateKey(ctx context.Context, by *auth.User, in KeyInput) (*Key, error) {
	var k *Key
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := deskCommunityExists(ctx, tx, by, auth.PermDeskWrite, in.CommunityID); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		if err := keyHouse(ctx, tx, in.CommunityID, in.HouseID); err != nil {
			return err
		}
		now := s.now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO desk_keys (community_id, label, class, house_id, location, copies,
			cabinet_position, notes, status, created_by, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id`,
			in.CommunityID, in.Label, in.Class, nullID(in.HouseID), in.Location, in.Copies, in.CabinetPosition, in.Notes,
			KeyIn, by.ID, now).Scan(&id)
		if err != nil {
			return labelTaken(err, in.Label)
		}
		if k, err = getKey(ctx, tx, now, id); err != nil {
			return err
		}
		return deskAudit(ctx, tx, by, k.CommunityID, "desk_key", k.ID, audit.ActionCreate, nil, keySnap(k))
	})
	return k, err
}

// UpdateKey edits a key's description (not its status: lending, return
// and loss have their own actions).
func (s *Service) UpdateKey(ctx context.Context, by *auth.User, id int64, in KeyInput) (*Key, error) {
	var k *Key
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.keyFor(ctx, tx, by, auth.PermDeskWrite, id)
		if err != nil {
			return err
		}
		if in.CommunityID != before.CommunityID {
			return errs.Invalid("community_id", "钥匙不能改到其他小区")
		}
		if err := in.validate(); err != nil {
			return err
		}
		if err := keyHouse(ctx, tx, in.CommunityID, in.HouseID); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE desk_keys SET label = $2, class = $3, house_id = $4, location = $5,
			copies = $6, cabinet_position = $7, notes = $8, updated_at = $9 WHERE id = $1`,
			id, in.Label, in.Class, nullID(in.HouseID), in.Location, in.Copies, in.CabinetPosition, in.Notes, now); err != nil {
			return labelTaken(err, in.Label)
		}
		if k, err = getKey(ctx, tx, now, id); err != nil {
			return err
		}
		return deskAudit(ctx, tx, by, k.CommunityID, "desk_key", k.ID, audit.ActionUpdate, keySnap(before), keySnap(k))
	})
	return k, err
}

// Key returns one key with its open lending.
func (s *Service) Key(ctx context.Context, by *auth.User, id int64) (*Key, error) {
	k, err := s.keyFor(ctx, s.DB, by, auth.PermDeskRead, id)
	if err != nil {
		return nil, err
	}
	maskLoan(by, k.Loan)
	return k, nil
}

func (s *Service) keyWhere(by *auth.User, f KeyFilter) (*db.Where, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, errs.Forbidden("没有权限")
	}
	var w db.Where
	if f.CommunityID > 0 {
		if err := can(by, auth.PermDeskRead, f.CommunityID); err != nil {
			return nil, err
		}
		w.Add("k.community_id = ?", f.CommunityID)
	}
	w.Scope("k.community_id", deskScope(by))
	if f.Class != "" {
		if !slices.Contains(KeyClasses, f.Class) {
			return nil, errs.Invalid("class", "钥匙类别须为 %s 之一", strings.Join(KeyClasses, "/"))
		}
		w.Add("k.class = ?", f.Class)
	}
	switch f.Status {
	case "":
	case KeyIn, KeyOut, KeyLost:
		w.Add("k.status = ?", f.Status)
	case KeyOverdue:
		w.Add(`k.status = 'out' AND EXISTS (SELECT 1 FROM desk_key_loans l WHERE l.key_id = k.id
			AND l.returned_at IS NULL AND l.expected_return < ?)`, s.now())
	default:
		return nil, errs.Invalid("status", "状态须为 %s 之一", strings.Join(KeyStatuses, "/"))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Q)); q != "" {
		p := deskLike(q)
		w.Add(`(lower(k.label) LIKE ? ESCAPE '\' OR lower(k.location) LIKE ? ESCAPE '\' OR lower(h.code) LIKE ? ESCAPE '\')`, p, p, p)
	}
	return &w, nil
}

// Keys lists the keys of the filter in the caller's scope, by label, and
// their total.
func (s *Service) Keys(ctx context.Context, by *auth.User, f KeyFilter) ([]*Key, int, error) {
	w, err := s.keyWhere(by, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*)`+keyFrom+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count keys: %w", err)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+keyCols+keyFrom+w.SQL()+` ORDER BY k.community_id, k.label, k.id`+
		w.Page(f.Limit, f.Offset), w.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("keys: %w", err)
	}
	defer rows.Close()
	out := []*Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if err := withLoans(ctx, s.DB, s.now(), out); err != nil {
		return nil, 0, err
	}
	for _, k := range out {
		maskLoan(by, k.Loan)
	}
	return out, total, nil
}

// keyMoment reads a moment as parseDeskTime does, or a bare day: its
// end (23:59:59 in Shanghai) with endOfDay, else its start. An error
// goes to f; empty is the zero time.
func keyMoment(f *errs.Fields, s, field, what string, endOfDay bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if d, ok := normDeskDay(s); ok && len(s) <= 10 {
		t := deskDayStart(d)
		if endOfDay {
			t = t.Add(24*time.Hour - time.Second)
		}
		return t, true
	}
	t, err := parseDeskTime(s, field, what)
	if e, ok := errs.As(err); ok {
		*f = append(*f, e)
		return t, false
	}
	return t, err == nil
}

// showTime is a moment as the pages show it.
func showTime(t time.Time) string { return t.In(web.Shanghai).Format("2006-01-02 15:04") }

// nullID stores an optional reference: 0 is NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
