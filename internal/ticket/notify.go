package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// Notification is an in-app message (the badge and list in the header).
type Notification struct {
	ID       int64      `json:"id"`
	Kind     string     `json:"kind"`
	TicketID int64      `json:"ticket_id"`
	Title    string     `json:"title"`
	At       time.Time  `json:"created_at"`
	ReadAt   *time.Time `json:"read_at"`
}

// notify tells one user about a ticket. The (user, kind, ticket) key makes
// it idempotent, so the escalation job may run any number of times.
func notify(ctx context.Context, q db.Querier, userID int64, t *Ticket, kind, title string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO notifications (user_id, community_id, kind, ticket_id, title, dedup_key, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (user_id, dedup_key) DO NOTHING`,
		userID, t.CommunityID, kind, t.ID, title, fmt.Sprintf("%s:%d", kind, t.ID), now)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// notifyRole tells every active user of a role who covers the ticket's
// community.
func notifyRole(ctx context.Context, q db.Querier, role auth.Role, t *Ticket, kind, title string, now time.Time) error {
	rows, err := q.QueryContext(ctx, `SELECT u.id FROM users u JOIN user_communities uc ON uc.user_id = u.id
		WHERE u.role = $1 AND NOT u.disabled AND uc.community_id = $2`, string(role), t.CommunityID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := notify(ctx, q, id, t, kind, title, now); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Notifications lists a user's latest notifications and the unread count.
func (s *Service) Notifications(ctx context.Context, u *auth.User, limit int) ([]Notification, int, error) {
	var unread int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, u.ID).Scan(&unread); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, kind, COALESCE(ticket_id, 0), title, created_at, read_at FROM notifications
		WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, u.ID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		var n Notification
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.Kind, &n.TicketID, &n.Title, &n.At, &read); err != nil {
			return nil, 0, err
		}
		if read.Valid {
			n.ReadAt = &read.Time
		}
		out = append(out, n)
	}
	return out, unread, rows.Err()
}

// MarkRead marks one (id > 0) or all of a user's notifications read.
func (s *Service) MarkRead(ctx context.Context, u *auth.User, id int64) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`
		args := []any{s.Now(), u.ID}
		if id > 0 {
			q += ` AND id = $3`
			args = append(args, id)
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

const escalateLock = 0x7775_7965_0001 // "wuye" job 1

// Escalate flags open tickets past a deadline as overdue, records the
// step on their timeline and notifies the 客服经理 of the community and the
// assignee; it also warns assignees an hour before the resolve deadline.
// It is idempotent: run it on a ticker from any number of servers.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	now := s.Now()
	var n int
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if ok, err := s.DB.TryJobLock(ctx, tx, escalateLock); err != nil || !ok {
			return err // another server is escalating right now
		}
		// The status term, implied by the rest, lets the partial index
		// tickets_unfinished serve this every minute at any table size.
		rows, err := tx.QueryContext(ctx, `SELECT `+ticketCols+ticketFrom+` WHERE NOT t.overdue
			AND t.status IN ('new','dispatched','in_progress','resolved') AND (
			(t.first_response_at IS NULL AND t.respond_due_at < $1 AND t.status NOT IN ('cancelled','closed'))
			OR (t.status IN ('new','dispatched','in_progress') AND t.resolve_due_at < $1)) ORDER BY t.id LIMIT 500`, now)
		if err != nil {
			return err
		}
		var late []*Ticket
		for rows.Next() {
			t, err := scanTicket(rows)
			if err != nil {
				rows.Close()
				return err
			}
			late = append(late, t)
		}
		rows.Close()
		for _, t := range late {
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET overdue = TRUE WHERE id = $1`, t.ID); err != nil {
				return err
			}
			what := "超过完成时限"
			if t.FirstResponseAt == nil && now.After(t.RespondDueAt) {
				what = "超过响应时限"
			}
			if err := addEvent(ctx, tx, t, now, 0, "系统", "escalate", t.Status, t.Status, what); err != nil {
				return err
			}
			title := "工单超时：" + t.Number + " " + t.Title + "（" + what + "）"
			if err := notifyRole(ctx, tx, auth.RoleCSManager, t, "overdue", title, now); err != nil {
				return err
			}
			if t.AssigneeID != nil {
				if err := notify(ctx, tx, *t.AssigneeID, t, "overdue", title, now); err != nil {
					return err
				}
			}
			n++
		}
		// Nearing the deadline: one warning per ticket to its assignee.
		rows, err = tx.QueryContext(ctx, `SELECT `+ticketCols+ticketFrom+` WHERE t.status IN ('dispatched','in_progress')
			AND t.assignee_id IS NOT NULL AND t.resolve_due_at >= $1 AND t.resolve_due_at < $2 LIMIT 500`, now, now.Add(time.Hour))
		if err != nil {
			return err
		}
		var near []*Ticket
		for rows.Next() {
			t, err := scanTicket(rows)
			if err != nil {
				rows.Close()
				return err
			}
			near = append(near, t)
		}
		rows.Close()
		for _, t := range near {
			if err := notify(ctx, tx, *t.AssigneeID, t, "due_soon", "即将超时："+t.Number+" "+t.Title, now); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
