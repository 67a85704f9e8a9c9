package ticket

import (
	"context"
	"fmt"
	"strings"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// Aggregates for the dashboard and the monthly report. Every query goes
// through Filter.cond after scopeFilter, so a user's community scope and a
// department's restriction apply exactly as in the ticket list.

// bind appends v to c's arguments and returns its placeholder, for
// values used outside the WHERE clause.
func bind(c *cond, v any) string {
	c.Args = append(c.Args, v)
	return fmt.Sprintf("$%d", len(c.Args))
}

// lateExpr is "this ticket was or is late": flagged by the escalation job,
// past a deadline now, or responded to or resolved after its deadline.
func lateExpr(c *cond, now time.Time) string {
	n := bind(c, now)
	return `(t.overdue OR (t.first_response_at IS NULL AND t.respond_due_at < ` + n + ` AND t.status NOT IN ('cancelled','closed'))
		OR (t.status IN ('new','dispatched','in_progress') AND t.resolve_due_at < ` + n + `)
		OR t.first_response_at > t.respond_due_at OR t.first_resolved_at > t.resolve_due_at)`
}

// scoped applies the caller's scope to f, refusing a community outside it.
func scoped(by *auth.User, f *Filter) error {
	if f.CommunityID > 0 && !by.Sees(f.CommunityID) {
		return errs.Forbidden("该小区不在您管辖范围内")
	}
	scopeFilter(by, f)
	return nil
}

// Count is one row of a breakdown: tickets of one key, how many are still
// open and how many were late.
type Count struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Total int    `json:"total"`
	Open  int    `json:"open"`
	Late  int    `json:"late"`
}

// Dimensions a breakdown may group by: the key and label expressions.
var dimensions = map[string]struct{ key, label, join string }{
	"kind":       {key: "t.kind", label: "t.kind"},
	"channel":    {key: "t.channel", label: "t.channel"},
	"status":     {key: "t.status", label: "t.status"},
	"department": {key: "t.department", label: "t.department"},
	"category":   {key: "t.category", label: "t.category"},
	"community": {key: "CAST(t.community_id AS TEXT)", label: "COALESCE(c.name, '')",
		join: " LEFT JOIN communities c ON c.id = t.community_id"},
}

// order lists the keys of identifiers in display order, so a breakdown
// by kind reads 报修 投诉 … whatever the counts.
var order = map[string][]string{"kind": Kinds, "channel": Channels, "status": Statuses, "department": Departments}

// Breakdown counts the tickets of f grouped by dim (kind, channel, status,
// department, category or community). Identifier dimensions come in
// display order with every value present (zero rows too); the others by
// count, largest first, at most limit rows (0 = all).
func (s *Service) Breakdown(ctx context.Context, by *auth.User, f Filter, dim string, limit int) ([]Count, error) {
	d, ok := dimensions[dim]
	if !ok {
		return nil, errs.Invalid("dim", "不支持的统计维度")
	}
	if err := scoped(by, &f); err != nil {
		return nil, err
	}
	now := s.Now()
	c := f.cond(now)
	late := lateExpr(c, now)
	rows, err := s.DB.QueryContext(ctx, `SELECT `+d.key+`, `+d.label+`, count(*),
		COALESCE(SUM(CASE WHEN t.status IN ('new','dispatched','in_progress') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN `+late+` THEN 1 ELSE 0 END), 0)
		FROM tickets t`+d.join+c.SQL()+` GROUP BY `+d.key+`, `+d.label+` ORDER BY count(*) DESC, `+d.key, c.Args...)
	if err != nil {
		return nil, fmt.Errorf("breakdown %s: %w", dim, err)
	}
	defer rows.Close()
	out := []Count{}
	for rows.Next() {
		var x Count
		if err := rows.Scan(&x.Key, &x.Label, &x.Total, &x.Open, &x.Late); err != nil {
			return nil, err
		}
		x.Label = dimLabel(dim, x.Label)
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if keys, ok := order[dim]; ok {
		out = inOrder(dim, keys, out)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func dimLabel(dim, v string) string {
	switch {
	case dim == "department" && v == "":
		return "未派工"
	case dim == "category" && v == "":
		return "未分类"
	case dim == "kind" || dim == "channel" || dim == "status":
		return Label(v)
	}
	return v
}

// inOrder puts the known keys first in display order (zeros included),
// then anything else as counted.
func inOrder(dim string, keys []string, got []Count) []Count {
	byKey := map[string]Count{}
	for _, x := range got {
		byKey[x.Key] = x
	}
	out := make([]Count, 0, len(keys)+1)
	for _, k := range keys {
		x, ok := byKey[k]
		if !ok {
			x = Count{Key: k, Label: dimLabel(dim, k)}
		}
		out = append(out, x)
		delete(byKey, k)
	}
	for _, x := range got {
		if _, ok := byKey[x.Key]; ok {
			out = append(out, x)
		}
	}
	return out
}

// Series is the tickets of one kind per bucket of a period.
type Series struct {
	Kind   string `json:"kind"`
	Label  string `json:"label"`
	Counts []int  `json:"counts"`
}

// Buckets splits [from, to) into days (Asia/Shanghai) for spans up to 62
// days, into months beyond; it returns the edges and a label per bucket.
func Buckets(from, to time.Time) ([]time.Time, []string) {
	from, to = from.In(shanghai), to.In(shanghai)
	daily := to.Sub(from) <= 62*24*time.Hour
	edges := []time.Time{from}
	var labels []string
	for t := from; t.Before(to); {
		var next time.Time
		if daily {
			next = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, shanghai)
			labels = append(labels, t.Format("01-02"))
		} else {
			next = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, shanghai)
			labels = append(labels, t.Format("2006-01"))
		}
		if next.After(to) {
			next = to
		}
		edges = append(edges, next)
		t = next
	}
	return edges, labels
}

// Daily counts the tickets of f received in each bucket between edges
// (see Buckets), one series per kind in display order. It is one pass:
// cumulative counts below each edge, differenced here, so the SQL is the
// same on both databases (no date functions).
func (s *Service) Daily(ctx context.Context, by *auth.User, f Filter, edges []time.Time) ([]Series, error) {
	if len(edges) < 2 || len(edges) > 400 {
		return nil, errs.Invalid("to", "统计区间无效")
	}
	f.From, f.To = edges[0], edges[len(edges)-1]
	if err := scoped(by, &f); err != nil {
		return nil, err
	}
	c := f.cond(s.Now())
	var cols strings.Builder
	for _, e := range edges[1 : len(edges)-1] {
		fmt.Fprintf(&cols, ", COALESCE(SUM(CASE WHEN t.received_at < %s THEN 1 ELSE 0 END), 0)", bind(c, e.UTC()))
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT t.kind, count(*)`+cols.String()+` FROM tickets t`+c.SQL()+` GROUP BY t.kind`, c.Args...)
	if err != nil {
		return nil, fmt.Errorf("daily: %w", err)
	}
	defer rows.Close()
	n := len(edges) - 1
	byKind := map[string][]int{}
	for rows.Next() {
		var kind string
		cum := make([]int, n) // cum[i] = received before edges[i+1]; cum[n-1] is the total
		dst := []any{&kind, &cum[n-1]}
		for i := 0; i < n-1; i++ {
			dst = append(dst, &cum[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		counts := make([]int, n)
		prev := 0
		for i := range cum {
			counts[i] = cum[i] - prev
			prev = cum[i]
		}
		byKind[kind] = counts
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Series, 0, len(Kinds))
	for _, k := range Kinds {
		counts := byKind[k]
		if counts == nil {
			counts = make([]int, n)
		}
		out = append(out, Series{Kind: k, Label: Label(k), Counts: counts})
	}
	return out, nil
}

// LateTickets lists the tickets of f that were or are late (see
// lateExpr), oldest first, with the total.
func (s *Service) LateTickets(ctx context.Context, by *auth.User, f Filter, limit int) ([]*Ticket, int, error) {
	if err := scoped(by, &f); err != nil {
		return nil, 0, err
	}
	now := s.Now()
	c := f.cond(now)
	c.Parts = append(c.Parts, lateExpr(c, now))
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM tickets t`+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count late tickets: %w", err)
	}
	lim := bind(c, limit)
	rows, err := s.DB.QueryContext(ctx, `SELECT `+ticketCols+ticketFrom+c.SQL()+` ORDER BY t.received_at, t.id LIMIT `+lim, c.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("late tickets: %w", err)
	}
	defer rows.Close()
	out := []*Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, 0, err
		}
		t.Overdue = true
		out = append(out, t)
	}
	return out, total, rows.Err()
}

// Assignee is a user a ticket may be dispatched to.
type Assignee struct {
	ID         int64
	Name       string
	Role       auth.Role
	Department string
}

// Label is how the assignee appears in a select: "工程部 · 李工".
func (a Assignee) Label() string {
	if a.Department != "" {
		return a.Department + " · " + a.Name
	}
	return a.Role.Label() + " · " + a.Name
}

// Assignees lists the active users who may work on tickets of a community,
// by department and name.
func (s *Service) Assignees(ctx context.Context, by *auth.User, communityID int64) ([]Assignee, error) {
	if !by.Sees(communityID) {
		return nil, errs.Forbidden("该小区不在您管辖范围内")
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT u.id, u.name, u.role, u.department FROM users u
		WHERE NOT u.disabled AND u.id IN (SELECT user_id FROM user_communities WHERE community_id = $1)
		ORDER BY u.department, u.name, u.id`, communityID)
	if err != nil {
		return nil, fmt.Errorf("assignees: %w", err)
	}
	defer rows.Close()
	out := []Assignee{}
	for rows.Next() {
		var a Assignee
		if err := rows.Scan(&a.ID, &a.Name, &a.Role, &a.Department); err != nil {
			return nil, err
		}
		if auth.RoleHas(a.Role, auth.PermTicketWork) {
			out = append(out, a)
		}
	}
	return out, rows.Err()
}

// CommunityName returns a community's name ("" if it does not exist).
func (s *Service) CommunityName(ctx context.Context, id int64) string {
	var name string
	s.DB.QueryRowContext(ctx, `SELECT name FROM communities WHERE id = $1`, id).Scan(&name)
	return name
}
