package frontdesk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// The duty log's rules and SQL (see duty.go for the shift rules).

// shiftCols reads a shift with its entry counts.
const shiftCols = `s.id, s.community_id, s.shift, s.duty_date, s.staff, s.status, s.opened_by, s.opened_name, s.opened_at,
	s.handover_notes, s.closed_by, s.closed_name, s.closed_at, s.ack_by, s.ack_name, s.ack_at, s.ack_note, s.created_at, s.updated_at,
	(SELECT count(*) FROM duty_entries e WHERE e.shift_id = s.id),
	(SELECT count(*) FROM duty_entries e WHERE e.shift_id = s.id AND e.kind = 'call'),
	(SELECT count(*) FROM duty_entries e WHERE e.shift_id = s.id AND e.kind = 'visit'),
	(SELECT count(*) FROM duty_entries e WHERE e.shift_id = s.id AND e.ticket_id IS NOT NULL)`

const shiftFrom = ` FROM duty_shifts s`

func scanShift(sc ndScanner) (*DutyShift, error) {
	s := &DutyShift{}
	var closed, ack sql.NullTime
	if err := sc.Scan(&s.ID, &s.CommunityID, &s.Shift, &s.DutyDate, &s.Staff, &s.Status, &s.OpenedBy, &s.OpenedName, &s.OpenedAt,
		&s.HandoverNotes, &s.ClosedBy, &s.ClosedName, &closed, &s.AckBy, &s.AckName, &ack, &s.AckNote, &s.CreatedAt, &s.UpdatedAt,
		&s.Entries, &s.Calls, &s.Visits, &s.Tickets); err != nil {
		return nil, err
	}
	s.ShiftLabel = DutyLabel(s.Shift)
	s.ClosedAt, s.AckAt = ndTimePtr(closed), ndTimePtr(ack)
	return s, nil
}

func getShift(ctx context.Context, q db.Querier, id int64) (*DutyShift, error) {
	s, err := scanShift(q.QueryRowContext(ctx, `SELECT `+shiftCols+shiftFrom+` WHERE s.id = $1`, id))
	if err != nil {
		return nil, deskNotFound(err, "值班班次")
	}
	return s, nil
}

// shiftFor loads a shift the caller may act on with perm.
func shiftFor(ctx context.Context, q db.Querier, by *auth.User, id int64, perm string) (*DutyShift, error) {
	if id <= 0 {
		return nil, errs.Invalid("shift_id", "请指定值班班次")
	}
	s, err := getShift(ctx, q, id)
	if err != nil {
		return nil, err
	}
	return s, can(by, perm, s.CommunityID)
}

// DutyShift returns one shift.
func (s *Service) DutyShift(ctx context.Context, by *auth.User, id int64) (*DutyShift, error) {
	return shiftFor(ctx, s.DB, by, id, auth.PermDeskRead)
}

func recordShift(ctx context.Context, tx *sql.Tx, by *auth.User, sh *DutyShift, action string, before *DutyShift) error {
	var b any
	if before != nil {
		b = before.snapshot()
	}
	return deskAudit(ctx, tx, by, sh.CommunityID, "duty_shift", sh.ID, action, b, sh.snapshot())
}

// addStaff adds names to a 、-separated staff list, each once.
func addStaff(staff string, names ...string) string {
	list := splitStaff(staff)
	for _, n := range names {
		for _, x := range splitStaff(n) {
			if !slices.Contains(list, x) {
				list = append(list, x)
			}
		}
	}
	s := strings.Join(list, "、")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}

func splitStaff(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("、,，;； ", r) }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// openShift returns the open shift of a community and kind, opening it
// (as by, with staff) when there is none, and adds staff to it. It is
// safe against a concurrent opener: the partial unique index lets one
// insert win, and the other takes the winner's row.
func (s *Service) openShift(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, kind, staff string) (*DutyShift, bool, error) {
	now := s.now()
	find := func() (*DutyShift, error) {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM duty_shifts WHERE community_id = $1 AND shift = $2 AND status = 'open'`,
			communityID, kind).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("open duty shift: %w", err)
		}
		return getShift(ctx, tx, id)
	}
	cur, err := find()
	if err != nil {
		return nil, false, err
	}
	created := false
	if cur == nil {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO duty_shifts (community_id, shift, duty_date, staff, status, opened_by, opened_name,
			opened_at, created_at, updated_at) VALUES ($1,$2,$3,$4,'open',$5,$6,$7,$7,$7)
			ON CONFLICT (community_id, shift) WHERE status = 'open' DO NOTHING RETURNING id`,
			communityID, kind, dutyDate(kind, now), addStaff("", staff), by.ID, by.Name, now).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows): // opened meanwhile by someone else
		case err != nil:
			return nil, false, fmt.Errorf("insert duty shift: %w", err)
		default:
			created = true
		}
		if cur, err = find(); err != nil {
			return nil, false, err
		}
		if cur == nil {
			return nil, false, errs.Conflict("shift", "班次状态已变化，请重试")
		}
		if created {
			if err := recordShift(ctx, tx, by, cur, audit.ActionCreate, nil); err != nil {
				return nil, false, err
			}
			return cur, true, nil
		}
	}
	if more := addStaff(cur.Staff, staff); more != cur.Staff {
		before := *cur
		if _, err := tx.ExecContext(ctx, `UPDATE duty_shifts SET staff = $1, updated_at = $2 WHERE id = $3`, more, now, cur.ID); err != nil {
			return nil, false, fmt.Errorf("duty staff: %w", err)
		}
		cur.Staff, cur.UpdatedAt = more, now
		if err := recordShift(ctx, tx, by, cur, audit.ActionUpdate, &before); err != nil {
			return nil, false, err
		}
	}
	return cur, false, nil
}

// DutyShiftInput opens a shift with its on-duty staff.
type DutyShiftInput struct {
	CommunityID int64  `json:"community_id"`
	Shift       string `json:"shift"`
	Staff       string `json:"staff"` // names, 、-separated; default the caller
}

// OpenDutyShift opens a shift; one of that kind already open is a
// conflict.
func (s *Service) OpenDutyShift(ctx context.Context, by *auth.User, in DutyShiftInput) (*DutyShift, error) {
	if in.CommunityID > 0 {
		if err := can(by, auth.PermDeskWrite, in.CommunityID); err != nil {
			return nil, err
		}
	}
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	if !slices.Contains(ShiftKinds, in.Shift) {
		f.Add("shift", "班次须为 day（白班）或 night（夜班）")
	}
	if utf8.RuneCountInString(in.Staff) > 200 {
		f.Add("staff", "值班人员不能超过 200 个字")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	staff := in.Staff
	if strings.TrimSpace(staff) == "" {
		staff = by.Name
	}
	var sh *DutyShift
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := ndCommunityExists(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM duty_shifts WHERE community_id = $1 AND shift = $2 AND status = 'open'`,
			in.CommunityID, in.Shift).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.Conflict("shift", "本小区的%s正在值班中，请先交班", DutyLabel(in.Shift))
		}
		var err error
		sh, _, err = s.openShift(ctx, tx, by, in.CommunityID, in.Shift, staff)
		return err
	})
	return sh, err
}

// ticketOf checks that the entry's ticket is one of the community and
// returns its id and number. Another community's ticket reads as one
// that does not exist, so nothing of it shows.
func ticketOf(ctx context.Context, q db.Querier, communityID int64, in *DutyEntryInput) (*int64, string, error) {
	if in.TicketID == 0 && in.TicketNumber == "" {
		return nil, "", nil
	}
	var id int64
	var number string
	var err error
	if in.TicketID > 0 {
		err = q.QueryRowContext(ctx, `SELECT id, number FROM tickets WHERE id = $1 AND community_id = $2`, in.TicketID, communityID).
			Scan(&id, &number)
	} else {
		err = q.QueryRowContext(ctx, `SELECT id, number FROM tickets WHERE number = $1 AND community_id = $2`, in.TicketNumber, communityID).
			Scan(&id, &number)
	}
	field := "ticket_id"
	if in.TicketID == 0 {
		field = "ticket_number"
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", errs.Invalid(field, "工单不存在或不属于本小区")
	}
	if err != nil {
		return nil, "", fmt.Errorf("duty ticket: %w", err)
	}
	return &id, number, nil
}

// AddDutyEntry records a call, visit or note in its shift.
func (s *Service) AddDutyEntry(ctx context.Context, by *auth.User, in DutyEntryInput) (*DutyEntry, error) {
	if in.CommunityID > 0 {
		// The scope first: another community's id is a 403 whatever the rest says.
		if err := can(by, auth.PermDeskWrite, in.CommunityID); err != nil {
			return nil, err
		}
	}
	now := s.now()
	at, err := in.validate(now)
	if err != nil {
		return nil, err
	}
	var e *DutyEntry
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := ndCommunityExists(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		ticketID, number, err := ticketOf(ctx, tx, in.CommunityID, &in)
		if err != nil {
			return err
		}
		var sh *DutyShift
		if in.ShiftID > 0 {
			if sh, err = shiftFor(ctx, tx, by, in.ShiftID, auth.PermDeskWrite); err != nil {
				return err
			}
			if sh.CommunityID != in.CommunityID {
				return errs.Invalid("shift_id", "该班次不属于所选小区")
			}
			if in.Shift != "" && in.Shift != sh.Shift {
				return errs.Invalid("shift", "班次与所选值班记录不符")
			}
			// Taking the row (an update) first makes a concurrent
			// handover wait for this entry, or this entry see the close.
			res, err := tx.ExecContext(ctx, `UPDATE duty_shifts SET updated_at = $1 WHERE id = $2 AND status = 'open'`, now, sh.ID)
			if err != nil {
				return fmt.Errorf("duty shift: %w", err)
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return errs.Conflict("shift_id", "%s %s已交班，不能再添加记录；请在当前班次中记录", sh.DutyDate, sh.ShiftLabel)
			}
			if sh, _, err = s.openShift(ctx, tx, by, sh.CommunityID, sh.Shift, by.Name); err != nil {
				return err
			}
		} else if sh, _, err = s.openShift(ctx, tx, by, in.CommunityID, in.Shift, by.Name); err != nil {
			return err
		}
		e = &DutyEntry{CommunityID: sh.CommunityID, ShiftID: sh.ID, Shift: sh.Shift, DutyDate: sh.DutyDate, Kind: in.Kind,
			KindLabel: DutyLabel(in.Kind), At: at, CallerName: in.CallerName, CallerPhone: in.CallerPhone, Summary: in.Summary,
			TicketID: ticketID, TicketNumber: number, NoTicketReason: in.NoTicketReason, CreatedBy: by.ID, CreatedName: by.Name,
			CreatedAt: now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO duty_entries (community_id, shift_id, kind, at, caller_name, caller_phone,
			summary, ticket_id, no_ticket_reason, created_by, created_name, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id`,
			e.CommunityID, e.ShiftID, e.Kind, e.At, e.CallerName, e.CallerPhone, e.Summary, e.TicketID, e.NoTicketReason,
			by.ID, by.Name, now).Scan(&e.ID); err != nil {
			return fmt.Errorf("insert duty entry: %w", err)
		}
		return deskAudit(ctx, tx, by, e.CommunityID, "duty_entry", e.ID, audit.ActionCreate, nil, e.snapshot())
	})
	return e, err
}

// HandOverDuty closes an open shift with the handover notes (交班).
func (s *Service) HandOverDuty(ctx context.Context, by *auth.User, shiftID int64, notes string) (*DutyShift, error) {
	notes = strings.TrimSpace(strings.ReplaceAll(notes, "\r\n", "\n"))
	var sh *DutyShift
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := shiftFor(ctx, tx, by, shiftID, auth.PermDeskWrite)
		if err != nil {
			return err
		}
		switch n := utf8.RuneCountInString(notes); {
		case n == 0:
			return errs.Invalid("handover_notes", "请填写交接事项（未完成的事、需接班人跟进的事；没有请写“无”）")
		case n > 2000:
			return errs.Invalid("handover_notes", "交接事项不能超过 2000 个字")
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE duty_shifts SET status = 'closed', handover_notes = $1, closed_by = $2, closed_name = $3,
			closed_at = $4, updated_at = $4 WHERE id = $5 AND status = 'open'`, notes, by.ID, by.Name, now, before.ID)
		if err != nil {
			return fmt.Errorf("hand over duty: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return errs.Conflict("shift_id", "%s %s已交班", before.DutyDate, before.ShiftLabel)
		}
		if sh, err = getShift(ctx, tx, before.ID); err != nil {
			return err
		}
		return recordShift(ctx, tx, by, sh, audit.ActionUpdate, before)
	})
	return sh, err
}

// DutyAckInput is the incoming staff's acknowledgement of a handover.
type DutyAckInput struct {
	ShiftID int64  `json:"shift_id"`
	Note    string `json:"note"`
	Staff   string `json:"staff"` // the incoming shift's staff; default the caller
}

// AcknowledgeDuty records the incoming staff's acknowledgement (接班确认)
// of a closed shift and opens their shift (the other kind) if it is not
// open yet. The one who closed the shift cannot acknowledge it.
func (s *Service) AcknowledgeDuty(ctx context.Context, by *auth.User, in DutyAckInput) (*DutyShift, error) {
	note := strings.TrimSpace(in.Note)
	var sh *DutyShift
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := shiftFor(ctx, tx, by, in.ShiftID, auth.PermDeskWrite)
		if err != nil {
			return err
		}
		if utf8.RuneCountInString(note) > 500 {
			return errs.Invalid("note", "接班备注不能超过 500 个字")
		}
		if utf8.RuneCountInString(in.Staff) > 200 {
			return errs.Invalid("staff", "值班人员不能超过 200 个字")
		}
		switch {
		case before.Status == ShiftOpen:
			return errs.Conflict("shift_id", "%s %s尚未交班，交班后才能接班确认", before.DutyDate, before.ShiftLabel)
		case before.AckAt != nil:
			return errs.Conflict("shift_id", "%s %s已由 %s 接班确认", before.DutyDate, before.ShiftLabel, before.AckName)
		case before.ClosedBy == by.ID:
			return errs.Conflict("shift_id", "交班人不能自己确认接班，请由接班人员确认")
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE duty_shifts SET ack_by = $1, ack_name = $2, ack_at = $3, ack_note = $4, updated_at = $3
			WHERE id = $5 AND status = 'closed' AND ack_by = 0`, by.ID, by.Name, now, note, before.ID)
		if err != nil {
			return fmt.Errorf("acknowledge duty: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return errs.Conflict("shift_id", "该班次已有人接班确认，请刷新")
		}
		if sh, err = getShift(ctx, tx, before.ID); err != nil {
			return err
		}
		if err := recordShift(ctx, tx, by, sh, audit.ActionUpdate, before); err != nil {
			return err
		}
		staff := in.Staff
		if strings.TrimSpace(staff) == "" {
			staff = by.Name
		}
		_, _, err = s.openShift(ctx, tx, by, sh.CommunityID, otherShift(sh.Shift), staff)
		return err
	})
	return sh, err
}

// DutyShiftFilter selects shifts: by community, duty dates (From, To
// inclusive, YYYY-MM-DD), kind and status (open, closed, or "await" for
// handed over and not yet acknowledged).
type DutyShiftFilter struct {
	CommunityID int64
	From, To    string
	Shift       string
	Status      string
	Limit       int
	Offset      int
}

// DutyShifts lists shifts, the latest first.
func (s *Service) DutyShifts(ctx context.Context, by *auth.User, f DutyShiftFilter) ([]*DutyShift, int, error) {
	w, err := ndListWhere(by, "s.community_id", f.CommunityID)
	if err != nil {
		return nil, 0, err
	}
	if f.From != "" {
		w.Add("s.duty_date >= ?", f.From)
	}
	if f.To != "" {
		w.Add("s.duty_date <= ?", f.To)
	}
	if f.Shift != "" {
		w.Add("s.shift = ?", f.Shift)
	}
	switch f.Status {
	case "":
	case "await":
		w.Add("s.status = ?", ShiftClosed)
		w.Add("s.ack_by = ?", 0)
	default:
		w.Add("s.status = ?", f.Status)
	}
	out, total, err := ndList(ctx, s.DB, w, shiftCols, shiftFrom, ` ORDER BY s.duty_date DESC, s.opened_at DESC, s.id DESC`,
		f.Limit, f.Offset, scanShift)
	if err != nil {
		return nil, 0, fmt.Errorf("duty shifts: %w", err)
	}
	return out, total, nil
}

const entryCols = `e.id, e.community_id, e.shift_id, s.shift, s.duty_date, e.kind, e.at, e.caller_name, e.caller_phone, e.summary,
	e.ticket_id, COALESCE(t.number, ''), e.no_ticket_reason, e.created_by, e.created_name, e.created_at`

const entryFrom = ` FROM duty_entries e JOIN duty_shifts s ON s.id = e.shift_id LEFT JOIN tickets t ON t.id = e.ticket_id`

func scanEntry(sc ndScanner) (*DutyEntry, error) {
	e := &DutyEntry{}
	var ticket sql.NullInt64
	if err := sc.Scan(&e.ID, &e.CommunityID, &e.ShiftID, &e.Shift, &e.DutyDate, &e.Kind, &e.At, &e.CallerName, &e.CallerPhone,
		&e.Summary, &ticket, &e.TicketNumber, &e.NoTicketReason, &e.CreatedBy, &e.CreatedName, &e.CreatedAt); err != nil {
		return nil, err
	}
	if ticket.Valid {
		e.TicketID = &ticket.Int64
	}
	e.KindLabel = DutyLabel(e.Kind)
	return e, nil
}

// DutyEntry returns one entry.
func (s *Service) DutyEntry(ctx context.Context, by *auth.User, id int64) (*DutyEntry, error) {
	e, err := scanEntry(s.DB.QueryRowContext(ctx, `SELECT `+entryCols+entryFrom+` WHERE e.id = $1`, id))
	if err != nil {
		return nil, deskNotFound(err, "值班记录")
	}
	e.CallerPhone = by.ShowPhone(e.CallerPhone)
	return e, can(by, auth.PermDeskRead, e.CommunityID)
}

// DutyEntryFilter selects entries: by community, shift, the shifts'
// duty dates (From, To inclusive), kind and text (summary, caller).
// Oldest first within a shift's record (Chrono), else the latest first.
type DutyEntryFilter struct {
	CommunityID int64
	ShiftID     int64
	From, To    string
	Kind        string
	Q           string
	Chrono      bool
	Limit       int
	Offset      int
}

// DutyEntries lists entries of the caller's communities.
func (s *Service) DutyEntries(ctx context.Context, by *auth.User, f DutyEntryFilter) ([]*DutyEntry, int, error) {
	w, err := ndListWhere(by, "e.community_id", f.CommunityID)
	if err != nil {
		return nil, 0, err
	}
	if f.ShiftID > 0 {
		w.Add("e.shift_id = ?", f.ShiftID)
	}
	if f.From != "" {
		w.Add("s.duty_date >= ?", f.From)
	}
	if f.To != "" {
		w.Add("s.duty_date <= ?", f.To)
	}
	if f.Kind != "" {
		w.Add("e.kind = ?", f.Kind)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		p := deskLike(q)
		w.Add(`(e.summary LIKE ? ESCAPE '\' OR e.caller_name LIKE ? ESCAPE '\' OR e.caller_phone LIKE ? ESCAPE '\')`, p, p, p)
	}
	order := " ORDER BY e.at DESC, e.id DESC"
	if f.Chrono {
		order = " ORDER BY e.at, e.id"
	}
	out, total, err := ndList(ctx, s.DB, w, entryCols, entryFrom, order, f.Limit, f.Offset, scanEntry)
	if err != nil {
		return nil, 0, fmt.Errorf("duty entries: %w", err)
	}
	for _, e := range out {
		e.CallerPhone = by.ShowPhone(e.CallerPhone)
	}
	return out, total, nil
}

// ShiftEntries is a shift's record: every entry, oldest first.
func (s *Service) ShiftEntries(ctx context.Context, by *auth.User, shiftID int64) ([]*DutyEntry, error) {
	if _, err := s.DutyShift(ctx, by, shiftID); err != nil {
		return nil, err
	}
	es, _, err := s.DutyEntries(ctx, by, DutyEntryFilter{ShiftID: shiftID, Chrono: true, Limit: 10_000})
	return es, err
}

// DutyHistory is a shift's audit trail (opened, staff, handover,
// acknowledgement), for its history panel; its entries are only ever
// added, and listed on the record itself.
func (s *Service) DutyHistory(ctx context.Context, by *auth.User, shiftID int64) ([]audit.Entry, error) {
	if _, err := s.DutyShift(ctx, by, shiftID); err != nil {
		return nil, err
	}
	return audit.History(ctx, s.DB, "duty_shift", shiftID)
}
