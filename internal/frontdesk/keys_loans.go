package frontdesk

// Lending keys: borrowing, return, lost and found, and the lending
// history and overdue list (the cabinet itself is in keys_service.go).

import (
	"context"
	"database/sql"
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

// validate checks a lending; now is when it is registered.
func (in *BorrowInput) validate(now time.Time) (time.Time, error) {
	var f errs.Fields
	in.BorrowerKind = strings.TrimSpace(in.BorrowerKind)
	if in.BorrowerKind == "" {
		in.BorrowerKind = BorrowerStaff
	}
	if !slices.Contains(BorrowerKinds, in.BorrowerKind) {
		f.Add("borrower_kind", "借用人类别须为 员工/外单位/业主（%s）", strings.Join(BorrowerKinds, "/"))
	}
	deskText(&f, &in.BorrowerName, "borrower_name", "借用人姓名", 30, true)
	deskPhone(&f, &in.BorrowerPhone, "borrower_phone", "借用人电话", true)
	deskText(&f, &in.BorrowerCompany, "borrower_company", "借用人单位", 50, false)
	deskIDNumber(&f, &in.BorrowerIDType, &in.BorrowerIDNumber, "borrower_id_type", "borrower_id_number", false)
	if in.BorrowerIDNumber == "" {
		in.BorrowerIDType = ""
	}
	deskText(&f, &in.Purpose, "purpose", "借用用途", 200, true)
	deskText(&f, &in.Note, "note", "备注", 500, false)
	due, ok := keyMoment(&f, in.ExpectedReturn, "expected_return", "预计归还时间", true)
	switch {
	case !ok:
	case due.IsZero():
		f.Add("expected_return", "请填写预计归还时间")
	case !due.After(now):
		f.Add("expected_return", "预计归还时间须晚于现在")
	case due.After(now.AddDate(1, 0, 0)):
		f.Add("expected_return", "借用期限不能超过一年")
	}
	return due, f.Err()
}

// Borrow lends a key. A key that is out or lost cannot be lent: the
// conditional update below (and the unique index on open lendings) lets
// only one of two concurrent lendings through.
func (s *Service) Borrow(ctx context.Context, by *auth.User, keyID int64, in BorrowInput) (*KeyLoan, error) {
	var loan *KeyLoan
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		k, err := s.keyFor(ctx, tx, by, auth.PermDeskWrite, keyID)
		if err != nil {
			return err
		}
		if k.Status != KeyIn {
			return notLendable(k)
		}
		now := s.now()
		due, err := in.validate(now)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE desk_keys SET status = $2, updated_at = $3 WHERE id = $1 AND status = $4`,
			k.ID, KeyOut, now, KeyIn)
		if err != nil {
			return fmt.Errorf("lend key: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			// Read again: another desk may just have lent it.
			if k, err = getKey(ctx, tx, now, keyID); err != nil {
				return err
			}
			return notLendable(k)
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO desk_key_loans (community_id, key_id, borrower_kind, borrower_name,
			borrower_phone, borrower_company, id_type, id_number, purpose, note, lent_at, lent_by, lent_by_name,
			expected_return, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$11,$11) RETURNING id`,
			k.CommunityID, k.ID, in.BorrowerKind, in.BorrowerName, in.BorrowerPhone, in.BorrowerCompany, in.BorrowerIDType,
			in.BorrowerIDNumber, in.Purpose, in.Note, now, by.ID, by.Name, due).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("key_id", "钥匙 %s 已借出，归还前不能再借", k.Label)
		}
		if err != nil {
			return fmt.Errorf("insert key loan: %w", err)
		}
		after, err := getKey(ctx, tx, now, k.ID)
		if err != nil {
			return err
		}
		loan = after.Loan
		if err := deskAudit(ctx, tx, by, k.CommunityID, "desk_key_loan", loan.ID, audit.ActionCreate, nil, loanSnap(loan)); err != nil {
			return err
		}
		return deskAudit(ctx, tx, by, k.CommunityID, "desk_key", k.ID, "borrow", keySnap(k), keySnap(after))
	})
	if err != nil {
		return nil, err
	}
	maskLoan(by, loan)
	return loan, nil
}

func notLendable(k *Key) error {
	switch k.Status {
	case KeyLost:
		return errs.Conflict("status", "钥匙 %s 已挂失，找回前不能借出", k.Label)
	case KeyOut:
		if k.Loan != nil {
			return errs.Conflict("status", "钥匙 %s 已由 %s 借出（预计 %s 归还），归还前不能再借", k.Label, k.Loan.BorrowerName,
				showTime(k.Loan.ExpectedReturn))
		}
		return errs.Conflict("status", "钥匙 %s 已借出，归还前不能再借", k.Label)
	}
	return errs.Conflict("status", "钥匙 %s 当前不能借出", k.Label)
}

// Return records that a key came back to the cabinet.
func (s *Service) Return(ctx context.Context, by *auth.User, keyID int64, in ReturnInput) (*KeyLoan, error) {
	var loan *KeyLoan
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		k, err := s.keyFor(ctx, tx, by, auth.PermDeskWrite, keyID)
		if err != nil {
			return err
		}
		if k.Loan == nil {
			return errs.Conflict("status", "钥匙 %s 未借出，无需归还", k.Label)
		}
		now := s.now()
		var f errs.Fields
		at := now
		if t, ok := keyMoment(&f, in.ReturnedAt, "returned_at", "归还时间", false); ok && !t.IsZero() {
			switch {
			case t.Before(k.Loan.LentAt.Truncate(time.Minute)):
				f.Add("returned_at", "归还时间不能早于借出时间 %s", showTime(k.Loan.LentAt))
			case t.After(now.Add(time.Minute)):
				f.Add("returned_at", "归还时间不能晚于现在")
			default:
				at = t
			}
		}
		deskText(&f, &in.ReceivedBy, "received_by", "接收人", 30, false)
		if in.ReceivedBy == "" {
			in.ReceivedBy = by.Name
		}
		deskText(&f, &in.Note, "note", "归还说明", 500, false)
		if err := f.Err(); err != nil {
			return err
		}
		loan, err = s.closeLoan(ctx, tx, by, k, at, in.ReceivedBy, in.Note, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	maskLoan(by, loan)
	return loan, nil
}

// closeLoan ends k's open lending (returned, or lost with the key) and
// puts the key back in the cabinet unless lost.
func (s *Service) closeLoan(ctx context.Context, tx *sql.Tx, by *auth.User, k *Key, at time.Time, receivedBy, note string, lost bool) (*KeyLoan, error) {
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE desk_key_loans SET returned_at = $2, received_by = $3, received_by_name = $4,
		return_note = $5, lost = $6, updated_at = $7 WHERE id = $1 AND returned_at IS NULL`,
		k.Loan.ID, at, by.ID, receivedBy, note, lost, now)
	if err != nil {
		return nil, fmt.Errorf("close key loan: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, errs.Conflict("status", "钥匙 %s 已归还", k.Label)
	}
	loans, err := queryLoans(ctx, tx, now, ` WHERE l.id = $1`, k.Loan.ID)
	if err != nil {
		return nil, err
	}
	loan := loans[0]
	if err := deskAudit(ctx, tx, by, k.CommunityID, "desk_key_loan", loan.ID, audit.ActionUpdate, loanSnap(k.Loan), loanSnap(loan)); err != nil {
		return nil, err
	}
	if !lost {
		_, err = s.changeKey(ctx, tx, by, k, "return", "未借出", `UPDATE desk_keys SET status = $2, updated_at = $3
			WHERE id = $1 AND status = $4`, KeyIn, now, KeyOut)
	}
	return loan, err
}

// ReportLost marks a key lost with the reason; a lent key's lending ends
// with it. A lost key is not lent until found.
func (s *Service) ReportLost(ctx context.Context, by *auth.User, keyID int64, reason string) (*Key, error) {
	var k *Key
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.keyFor(ctx, tx, by, auth.PermDeskWrite, keyID)
		if err != nil {
			return err
		}
		if before.Status == KeyLost {
			return errs.Conflict("status", "钥匙 %s 已挂失", before.Label)
		}
		var f errs.Fields
		deskText(&f, &reason, "reason", "遗失情况（谁、何时、何处遗失）", 500, true)
		if err := f.Err(); err != nil {
			return err
		}
		now := s.now()
		if before.Loan != nil {
			if _, err := s.closeLoan(ctx, tx, by, before, now, by.Name, "挂失："+reason, true); err != nil {
				return err
			}
		}
		k, err = s.changeKey(ctx, tx, by, before, "lost", "已挂失", `UPDATE desk_keys SET status = $2, lost_reason = $3,
			lost_at = $4, updated_at = $4 WHERE id = $1 AND status <> $2`, KeyLost, reason, now)
		return err
	})
	return k, err
}

// Found puts a lost key (found again, or replaced) back in the cabinet.
func (s *Service) Found(ctx context.Context, by *auth.User, keyID int64, note string) (*Key, error) {
	var k *Key
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.keyFor(ctx, tx, by, auth.PermDeskWrite, keyID)
		if err != nil {
			return err
		}
		var f errs.Fields
		deskText(&f, &note, "note", "说明", 500, false)
		if err := f.Err(); err != nil {
			return err
		}
		now := s.now()
		notes := before.Notes
		if note != "" {
			notes = strings.TrimSpace(fmt.Sprintf("%s\n%s 找回：%s", notes, now.In(web.Shanghai).Format("2006-01-02"), note))
			if len([]rune(notes)) > 500 {
				notes = string([]rune(notes)[len([]rune(notes))-500:])
			}
		}
		k, err = s.changeKey(ctx, tx, by, before, "found", "未挂失", `UPDATE desk_keys SET status = $2, lost_reason = '',
			lost_at = NULL, notes = $3, updated_at = $4 WHERE id = $1 AND status = $5`, KeyIn, notes, now, KeyLost)
		return err
	})
	return k, err
}

// changeKey applies a conditional update of one key (its $1 is the
// key's id, args the rest) and audits it as action; when no row changes,
// another desk got there first: a conflict saying the key is state.
func (s *Service) changeKey(ctx context.Context, tx *sql.Tx, by *auth.User, before *Key, action, state, query string, args ...any) (*Key, error) {
	res, err := tx.ExecContext(ctx, query, append([]any{before.ID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", action, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, errs.Conflict("status", "钥匙 %s %s", before.Label, state)
	}
	k, err := getKey(ctx, tx, s.now(), before.ID)
	if err != nil {
		return nil, err
	}
	return k, deskAudit(ctx, tx, by, k.CommunityID, "desk_key", k.ID, action, keySnap(before), keySnap(k))
}

// KeyLoans is a key's lending history, newest first, and its total.
func (s *Service) KeyLoans(ctx context.Context, by *auth.User, keyID int64, limit, offset int) ([]*KeyLoan, int, error) {
	k, err := s.keyFor(ctx, s.DB, by, auth.PermDeskRead, keyID)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM desk_key_loans WHERE key_id = $1`, k.ID).Scan(&total); err != nil {
		return nil, 0, err
	}
	var w db.Where
	w.Add("l.key_id = ?", k.ID)
	loans, err := queryLoans(ctx, s.DB, s.now(), w.SQL()+` ORDER BY l.lent_at DESC, l.id DESC`+w.Page(limit, offset), w.Args...)
	if err != nil {
		return nil, 0, err
	}
	for _, l := range loans {
		maskLoan(by, l)
	}
	return loans, total, nil
}

// OverdueLoans lists the keys out past their expected return, the most
// overdue first, and their total.
func (s *Service) OverdueLoans(ctx context.Context, by *auth.User, communityID int64, limit, offset int) ([]*KeyLoan, int, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, 0, errs.Forbidden("没有权限")
	}
	var w db.Where
	if communityID > 0 {
		if err := can(by, auth.PermDeskRead, communityID); err != nil {
			return nil, 0, err
		}
		w.Add("l.community_id = ?", communityID)
	}
	w.Scope("l.community_id", deskScope(by))
	w.Add("l.returned_at IS NULL")
	w.Add("l.expected_return < ?", s.now())
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM desk_key_loans l`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	loans, err := queryLoans(ctx, s.DB, s.now(), w.SQL()+` ORDER BY l.expected_return, l.id`+w.Page(limit, offset), w.Args...)
	if err != nil {
		return nil, 0, err
	}
	for _, l := range loans {
		maskLoan(by, l)
	}
	return loans, total, nil
}
