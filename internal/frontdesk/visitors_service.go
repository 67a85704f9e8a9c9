package frontdesk

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// How far a registration's times may lie from now.
const (
	visitorBackdate  = 7 * 24 * time.Hour  // a visit entered afterwards
	visitorAhead     = 90 * 24 * time.Hour // a pre-registration
	visitorClockSkew = 5 * time.Minute
)

// validate checks the input and returns the visit's status and moment.
func (in *VisitorInput) validate(now time.Time) (string, time.Time, error) {
	var f errs.Fields
	if in.CommunityID <= 0 {
		f.Add("community_id", "请选择小区")
	}
	deskText(&f, &in.HostName, "host_name", "被访人", 30, false)
	if in.HouseID < 0 || (in.HouseID == 0 && in.HostName == "") {
		f.Add("house_id", "请选择被访房屋，或填写被访人")
	}
	deskText(&f, &in.Name, "name", "访客姓名", 30, true)
	deskPhone(&f, &in.Phone, "phone", "访客电话", true)
	if strings.TrimSpace(in.IDNumber) == "" {
		in.IDType, in.IDNumber = "", ""
	} else {
		deskIDNumber(&f, &in.IDType, &in.IDNumber, "id_type", "id_number", false)
	}
	deskText(&f, &in.Purpose, "purpose", "来访事由", 100, true)
	switch {
	case in.People == 0:
		in.People = 1
	case in.People < 0 || in.People > 99:
		f.Add("people", "人数须为 1 到 99")
	}
	in.Plate = archive.NormPlate(in.Plate)
	if n := utf8.RuneCountInString(in.Plate); in.Plate != "" && (n < 5 || n > 10) {
		f.Add("plate", "车牌号格式不正确，如 粤B12345")
	}
	deskText(&f, &in.Notes, "notes", "备注", 200, false)
	switch in.Source = strings.TrimSpace(in.Source); in.Source {
	case "":
		in.Source = SourceDesk
	case SourceDesk, SourcePortal:
	default:
		f.Add("source", "来源须为 desk（前台登记）或 portal（业主预约）")
	}
	checkedIn, err := parseDeskTime(in.CheckedInAt, "checked_in_at", "到访时间")
	if err != nil {
		f = append(f, err.(*errs.Error))
	}
	expected, err := parseDeskTime(in.ExpectedAt, "expected_at", "预约到访时间")
	if err != nil {
		f = append(f, err.(*errs.Error))
	}
	status, at := VisitorOnSite, checkedIn
	switch {
	case !expected.IsZero():
		status, at = VisitorExpected, expected
		if !checkedIn.IsZero() {
			f.Add("expected_at", "预约登记不填到访时间；访客到达时再登记到访")
		} else if expected.Before(now.Add(-visitorClockSkew)) {
			f.Add("expected_at", "预约到访时间应晚于现在")
		} else if expected.After(now.Add(visitorAhead)) {
			f.Add("expected_at", "预约到访时间不能晚于 90 天后")
		}
	case checkedIn.IsZero():
		at = now
	case checkedIn.After(now.Add(visitorClockSkew)):
		f.Add("checked_in_at", "到访时间不能晚于现在；以后的来访请填写预约到访时间")
	case checkedIn.Before(now.Add(-visitorBackdate)):
		f.Add("checked_in_at", "到访时间不能早于 7 天前")
	}
	if status == VisitorOnSite && in.Source == SourcePortal {
		f.Add("expected_at", "业主预约须填写预约到访时间")
	}
	return status, at, f.Err()
}

// visitorShown masks the ID number for a user without idnumber.view, the
// phone for one without phone.view.
func visitorShown(by *auth.User, v *Visitor) *Visitor {
	if v != nil && !by.Can(auth.PermIDNumberView) {
		v.IDNumber = auth.MaskID(v.IDNumber)
	}
	if v != nil {
		v.Phone = by.ShowPhone(v.Phone)
	}
	return v
}

// RegisterVisitor registers a visitor arriving now (or at checked_in_at),
// or an expected one.
func (s *Service) RegisterVisitor(ctx context.Context, by *auth.User, in VisitorInput) (*Visitor, error) {
	now := s.at()
	status, at, ferr := in.validate(now)
	if in.CommunityID > 0 {
		if err := can(by, auth.PermDeskWrite, in.CommunityID); err != nil {
			return nil, err
		}
	}
	if ferr != nil {
		return nil, ferr
	}
	var v *Visitor
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var house any
		if in.HouseID > 0 {
			if _, err := deskHouse(ctx, tx, in.HouseID, in.CommunityID, "house_id"); err != nil {
				return err
			}
			house = in.HouseID
		}
		var expected, checkedIn, checkinBy any
		checkinName := ""
		if status == VisitorExpected {
			expected = at
		} else {
			checkedIn, checkinBy, checkinName = at, by.ID, by.Name
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO visitors (community_id, house_id, host_name, name, phone, id_type,
			id_number, purpose, people, plate, notes, status, source, expected_at, checked_in_at, visit_at, checkin_by,
			checkin_name, created_by, created_name, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$21) RETURNING id`,
			in.CommunityID, house, in.HostName, in.Name, in.Phone, in.IDType, in.IDNumber, in.Purpose, in.People, in.Plate,
			in.Notes, status, in.Source, expected, checkedIn, at, checkinBy, checkinName, by.ID, by.Name, now).Scan(&id); err != nil {
			return fmt.Errorf("insert visitor: %w", err)
		}
		var err error
		if v, err = getVisitor(ctx, tx, id); err != nil {
			return err
		}
		return deskAudit(ctx, tx, by, v.CommunityID, "visitor", id, audit.ActionCreate, nil, v)
	})
	if err != nil {
		return nil, err
	}
	return visitorShown(by, v), nil
}

// Visitor returns one visit.
func (s *Service) Visitor(ctx context.Context, by *auth.User, id int64) (*Visitor, error) {
	v, err := getVisitor(ctx, s.DB.Q(ctx), id)
	if err != nil {
		return nil, err
	}
	if err := can(by, auth.PermDeskRead, v.CommunityID); err != nil {
		return nil, err
	}
	return visitorShown(by, v), nil
}

// Visitors lists visits in the caller's scope.
func (s *Service) Visitors(ctx context.Context, by *auth.User, f VisitorFilter) ([]*Visitor, int, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, 0, errs.Forbidden("没有权限")
	}
	if f.CommunityID > 0 {
		if err := can(by, auth.PermDeskRead, f.CommunityID); err != nil {
			return nil, 0, err
		}
	}
	vs, total, err := listVisitors(ctx, s.DB.Q(ctx), deskScope(by), f, s.at())
	for _, v := range vs {
		visitorShown(by, v)
	}
	return vs, total, err
}

// VisitorStep is a change of a visit's status: check in an expected
// visitor, check a visitor out, cancel a pre-registration.
type VisitorStep struct {
	from, to string
	set      string // columns set besides status and updated_at: $2 now, $3 the user's id, $4 name
	done     string // the flash after it
}

// The steps.
var (
	VisitorCheckIn  = VisitorStep{VisitorExpected, VisitorOnSite, "checked_in_at = $2, visit_at = $2, checkin_by = $3, checkin_name = $4", "已登记到访"}
	VisitorCheckOut = VisitorStep{VisitorOnSite, VisitorLeft, "checked_out_at = $2, checkout_by = $3, checkout_name = $4", "已登记离开"}
	VisitorCancel   = VisitorStep{VisitorExpected, VisitorCancelled, "checkout_by = $3, checkout_name = $4", "已取消预约"}
)

// conflict is why the step cannot be taken from v's status.
func (st VisitorStep) conflict(v *Visitor) error {
	if v.Status == st.from {
		return nil
	}
	switch v.Status {
	case VisitorLeft:
		return errs.Conflict("", "该访客已于 %s 离开", deskTime(v.CheckedOutAt))
	case VisitorCancelled:
		return errs.Conflict("", "该预约已取消")
	case VisitorOnSite:
		return errs.Conflict("", "该访客已于 %s 到访，尚未离开", deskTime(v.CheckedInAt))
	}
	return errs.Conflict("", "该访客为预约，尚未到访；请先登记到访")
}

// StepVisitor takes step on a visit. It is one conditional UPDATE, so of
// two desks checking the same visitor out exactly one succeeds; the
// other, like a second checkout, gets 409.
func (s *Service) StepVisitor(ctx context.Context, by *auth.User, id int64, step VisitorStep) (*Visitor, error) {
	before, err := getVisitor(ctx, s.DB.Q(ctx), id)
	if err != nil {
		return nil, err
	}
	if err := can(by, auth.PermDeskWrite, before.CommunityID); err != nil {
		return nil, err
	}
	if err := step.conflict(before); err != nil {
		return nil, err
	}
	var v *Visitor
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE visitors SET status = $5, `+step.set+`, updated_at = $2
			WHERE id = $1 AND status = $6`, id, s.at(), by.ID, by.Name, step.to, step.from)
		if err != nil {
			return fmt.Errorf("visitor %s: %w", step.to, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			cur, err := getVisitor(ctx, tx, id)
			if err != nil {
				return err
			}
			return step.conflict(cur)
		}
		if v, err = getVisitor(ctx, tx, id); err != nil {
			return err
		}
		return deskAudit(ctx, tx, by, v.CommunityID, "visitor", id, audit.ActionUpdate, before, v)
	})
	if err != nil {
		return nil, err
	}
	return visitorShown(by, v), nil
}

// store

const visitorCols = `v.id, v.community_id, v.house_id, COALESCE(h.code, ''), v.host_name, v.name, v.phone, v.id_type,
	v.id_number, v.purpose, v.people, v.plate, v.notes, v.status, v.source, v.expected_at, v.checked_in_at,
	v.checked_out_at, v.visit_at, v.checkin_name, v.checkout_name, v.created_by, v.created_name, v.created_at, v.updated_at`

const (
	visitorJoin = ` LEFT JOIN houses h ON h.id = v.house_id`
	visitorFrom = ` FROM visitors v` + visitorJoin
)

func scanVisitor(sc db.Scanner) (*Visitor, error) {
	var v Visitor
	var house sql.NullInt64
	var expected, in, out sql.NullTime
	err := sc.Scan(&v.ID, &v.CommunityID, &house, &v.HouseCode, &v.HostName, &v.Name, &v.Phone, &v.IDType, &v.IDNumber,
		&v.Purpose, &v.People, &v.Plate, &v.Notes, &v.Status, &v.Source, &expected, &in, &out, &v.VisitAt,
		&v.CheckinName, &v.CheckoutName, &v.CreatedBy, &v.CreatedName, &v.CreatedAt, &v.UpdatedAt)
	v.HouseID = house.Int64
	v.ExpectedAt, v.CheckedInAt, v.CheckedOutAt = timePtr(expected), timePtr(in), timePtr(out)
	return &v, err
}

func getVisitor(ctx context.Context, q db.Querier, id int64) (*Visitor, error) {
	v, err := scanVisitor(q.QueryRowContext(ctx, `SELECT `+visitorCols+visitorFrom+` WHERE v.id = $1`, id))
	if err != nil {
		return nil, deskNotFound(err, "访客记录")
	}
	return v, nil
}

func (f VisitorFilter) where(scope []int64, now time.Time) (*db.Where, string) {
	w := &db.Where{}
	w.Scope("v.community_id", scope)
	if f.CommunityID > 0 {
		w.Add("v.community_id = ?", f.CommunityID)
	}
	if f.HouseID > 0 {
		w.Add("v.house_id = ?", f.HouseID)
	}
	order := " ORDER BY v.visit_at DESC, v.id DESC"
	switch f.View {
	case "onsite":
		w.Add("v.status = 'on_site'")
	case "expected":
		w.Add("v.status = 'expected'")
		order = " ORDER BY v.visit_at, v.id"
	case "today":
		day := deskDayStart(deskToday(now))
		w.Add("v.visit_at >= ? AND v.visit_at < ?", day, day.Add(24*time.Hour))
	}
	if f.Status != "" {
		w.Add("v.status = ?", f.Status)
	}
	if f.From != "" {
		w.Add("v.visit_at >= ?", deskDayStart(f.From))
	}
	if f.To != "" {
		w.Add("v.visit_at < ?", deskDayStart(f.To).Add(24*time.Hour))
	}
	if f.Name != "" {
		w.Add(`v.name LIKE ? ESCAPE '\'`, deskLike(f.Name))
	}
	if f.Phone != "" {
		w.Add(`v.phone LIKE ? ESCAPE '\'`, deskLike(f.Phone))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`(v.name LIKE ? ESCAPE '\' OR v.phone LIKE ? ESCAPE '\' OR v.plate LIKE ? ESCAPE '\')`,
			deskLike(q), deskLike(q), deskLike(strings.ToUpper(q)))
	}
	return w, order
}

func listVisitors(ctx context.Context, q db.Querier, scope []int64, f VisitorFilter, now time.Time) ([]*Visitor, int, error) {
	w, order := f.where(scope, now)
	return deskPage(ctx, q, "visitors", "v", visitorCols, visitorJoin, w, order, f.Limit, f.Offset, scanVisitor)
}

// visitorHistory is a visit's audit history, the ID number masked for a
// user without idnumber.view.
func (s *Service) visitorHistory(ctx context.Context, by *auth.User, id int64) ([]audit.Entry, error) {
	es, err := audit.History(ctx, s.DB, "visitor", id)
	if err != nil {
		return nil, err
	}
	if !by.Can(auth.PermIDNumberView) {
		for i := range es {
			es[i].Before = audit.MaskFields(es[i].Before, "id_number")
			es[i].After = audit.MaskFields(es[i].After, "id_number")
		}
	}
	return es, nil
}
