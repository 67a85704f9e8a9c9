package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

const ticketCols = `t.id, t.community_id, t.number, t.kind, t.urgency, t.channel, t.title, t.description, t.category,
	t.house_id, COALESCE(h.code, ''), t.location, t.requester_name, t.requester_phone, t.receiver_id, COALESCE(ru.name, ''),
	t.department, t.assignee_id, COALESCE(au.name, ''), t.status, t.received_at, t.respond_due_at, t.resolve_due_at,
	t.first_response_at, t.first_resolved_at, t.resolved_at, t.closed_at, t.resolution, t.reopen_count,
	t.callback_result, t.callback_at, t.valid, t.validity_reason, t.major, t.major_report, t.cancel_reason, t.overdue,
	t.created_at, t.updated_at`

const ticketFrom = ` FROM tickets t LEFT JOIN houses h ON h.id = t.house_id
	LEFT JOIN users ru ON ru.id = t.receiver_id LEFT JOIN users au ON au.id = t.assignee_id`

type scanner interface{ Scan(...any) error }

func scanTicket(s scanner) (*Ticket, error) {
	var t Ticket
	var house, assignee sql.NullInt64
	var firstResp, firstRes, resolved, closed, callback sql.NullTime
	var valid sql.NullBool
	err := s.Scan(&t.ID, &t.CommunityID, &t.Number, &t.Kind, &t.Urgency, &t.Channel, &t.Title, &t.Description, &t.Category,
		&house, &t.HouseCode, &t.Location, &t.RequesterName, &t.RequesterPhone, &t.ReceiverID, &t.ReceiverName,
		&t.Department, &assignee, &t.AssigneeName, &t.Status, &t.ReceivedAt, &t.RespondDueAt, &t.ResolveDueAt,
		&firstResp, &firstRes, &resolved, &closed, &t.Resolution, &t.ReopenCount,
		&t.CallbackResult, &callback, &valid, &t.ValidityReason, &t.Major, &t.MajorReport, &t.CancelReason, &t.Overdue,
		&t.CreatedAt, &t.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if house.Valid {
		t.HouseID = &house.Int64
	}
	if assignee.Valid {
		t.AssigneeID = &assignee.Int64
	}
	if valid.Valid {
		t.Valid = &valid.Bool
	}
	for _, p := range []struct {
		src sql.NullTime
		dst **time.Time
	}{{firstResp, &t.FirstResponseAt}, {firstRes, &t.FirstResolvedAt}, {resolved, &t.ResolvedAt}, {closed, &t.ClosedAt}, {callback, &t.CallbackAt}} {
		if p.src.Valid {
			v := p.src.Time.UTC()
			*p.dst = &v
		}
	}
	t.ReceivedAt, t.RespondDueAt, t.ResolveDueAt = t.ReceivedAt.UTC(), t.RespondDueAt.UTC(), t.ResolveDueAt.UTC()
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return &t, nil
}

func getTicket(ctx context.Context, q db.Querier, id int64) (*Ticket, error) {
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketCols+ticketFrom+` WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("工单不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("get ticket: %w", err)
	}
	return t, nil
}

func events(ctx context.Context, q db.Querier, ticketID int64) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, ticket_id, at, user_id, user_name, action, from_status, to_status, note
		FROM ticket_events WHERE ticket_id = $1 ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.TicketID, &e.At, &e.UserID, &e.UserName, &e.Action, &e.FromStatus, &e.ToStatus, &e.Note); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Filter selects tickets for lists, queues and exports.
type Filter struct {
	CommunityID int64
	Kind        string
	Status      string // a status, or "open" for new/dispatched/in_progress
	Department  string
	AssigneeID  int64
	ReceiverID  int64
	HouseID     int64
	Overdue     bool
	Callback    bool // resolved tickets awaiting callback, oldest first
	From, To    time.Time
	Q           string // number, title, requester name or phone
	Limit       int
	Offset      int

	// Set by the service from the caller: nil = all communities; a
	// department restricts dept_staff to their own department's tickets
	// and those assigned to them.
	scope      []int64
	ownDept    string
	ownUserID  int64
	restricted bool

	// For the KPI passes (kpi.go): the kinds, and every community named.
	kinds          []string
	everyCommunity bool
}

// cond is the shared WHERE builder.
type cond = db.Where

func (f Filter) cond(now time.Time) *cond { return f.where(now, false) }

// where builds the filter's WHERE clause. With scopeAsFilter, the
// scope of a user with several communities is written
// "+t.community_id IN (…)": the unary plus keeps it out of index
// selection, so that SQLite reads a page in order from an index on
// received_at (or kind, status, … then received_at) with the scope as a
// filter, instead of fetching and sorting every row of those
// communities — it has no statistics to see the difference. PostgreSQL
// has them, and the plus would only blind it.
func (f Filter) where(now time.Time, scopeAsFilter bool) *cond {
	c := &cond{}
	if scopeAsFilter && len(f.scope) > 1 {
		c.Scope("+t.community_id", f.scope)
	} else {
		c.Scope("t.community_id", f.scope)
	}
	if f.restricted {
		c.Add("(t.department = ? OR t.assignee_id = ? OR t.receiver_id = ?)", f.ownDept, f.ownUserID, f.ownUserID)
	}
	if f.CommunityID > 0 {
		c.Add("t.community_id = ?", f.CommunityID)
	}
	if f.everyCommunity {
		c.Add("t.community_id IN (SELECT id FROM communities)")
	}
	if f.Kind != "" {
		c.Add("t.kind = ?", f.Kind)
	}
	if len(f.kinds) > 0 {
		var in string
		in, c.Args = db.In(c.Args, f.kinds)
		c.Add("t.kind IN (" + in + ")")
	}
	switch f.Status {
	case "":
	case "open":
		c.Add("t.status IN ('new','dispatched','in_progress')")
	default:
		c.Add("t.status = ?", f.Status)
	}
	if f.Department != "" {
		c.Add("t.department = ?", f.Department)
	}
	if f.AssigneeID > 0 {
		c.Add("t.assignee_id = ?", f.AssigneeID)
	}
	if f.ReceiverID > 0 {
		c.Add("t.receiver_id = ?", f.ReceiverID)
	}
	if f.HouseID > 0 {
		c.Add("t.house_id = ?", f.HouseID)
	}
	if f.Overdue {
		// The first term adds nothing (a ticket late in either way is in
		// one of these states) but lets the small partial index
		// tickets_unfinished find the candidates.
		c.Add("t.status IN ('new','dispatched','in_progress','resolved')")
		c.Add(`((t.first_response_at IS NULL AND t.respond_due_at < ? AND t.status NOT IN ('cancelled','closed'))
			OR (t.status IN ('new','dispatched','in_progress') AND t.resolve_due_at < ?))`, now, now)
	}
	if f.Callback {
		c.Add("t.status = 'resolved'")
	}
	if !f.From.IsZero() {
		c.Add("t.received_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		c.Add("t.received_at < ?", f.To.UTC())
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		c.Add(`(t.number = ? OR t.requester_phone = ? OR t.requester_name = ? OR t.title LIKE ? ESCAPE '\')`, strings.ToUpper(q), q, q, db.Like(q))
	}
	return c
}

func listTickets(ctx context.Context, q db.Querier, dialect db.Dialect, f Filter, now time.Time) ([]*Ticket, int, error) {
	c := f.cond(now)
	var total int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM tickets t"+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count tickets: %w", err)
	}
	if total <= f.Offset {
		return []*Ticket{}, total, nil
	}
	c = f.where(now, dialect == db.SQLite)
	if f.Limit <= 0 {
		f.Limit = 50
	}
	order := " ORDER BY t.received_at DESC, t.id DESC"
	if f.Callback {
		order = " ORDER BY t.resolved_at, t.id"
	}
	// The page's ids first, from an index alone where one covers the
	// filter (the rows skipped to reach page 20 are never read), then
	// those rows with their joins.
	page := `SELECT t.id FROM tickets t` + c.SQL() + order + c.Page(f.Limit, f.Offset)
	rows, err := q.QueryContext(ctx, `SELECT `+ticketCols+ticketFrom+` WHERE t.id IN (`+page+`)`+order, c.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	out := []*Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	return out, total, rows.Err()
}

// nextNumber allocates the next ticket number of a community and year in
// tx: an upsert on the counter row, so concurrent creators queue on it and
// no number is skipped or given twice.
func nextNumber(ctx context.Context, q db.Querier, communityID int64, year int) (string, error) {
	var last int64
	err := q.QueryRowContext(ctx, `INSERT INTO ticket_counters (community_id, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (community_id, year) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last`,
		communityID, year).Scan(&last)
	if err != nil {
		return "", fmt.Errorf("ticket number: %w", err)
	}
	return fmt.Sprintf("TS%d-%06d", year, last), nil
}

func addEvent(ctx context.Context, q db.Querier, t *Ticket, at time.Time, userID int64, userName, action, from, to, note string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO ticket_events (ticket_id, community_id, at, user_id, user_name, action, from_status, to_status, note)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, t.ID, t.CommunityID, at, userID, userName, action, from, to, note)
	if err != nil {
		return fmt.Errorf("ticket event: %w", err)
	}
	return nil
}
