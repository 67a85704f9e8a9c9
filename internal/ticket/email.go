package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"wuye/internal/platform/db"
	"wuye/internal/platform/mail"
)

// E-mailed notifications. Every notification is also an outbox row
// (migration 00003): notify() writes it inside the business transaction,
// which must never wait for an SMTP server, and SendEmails, run by the
// job ticker, mails it after commit. A row is claimed (attempts + 1, a
// lease) in a short transaction under a job lock, sent outside any
// transaction, then marked; so several servers never send the same row
// at once, and a server that dies mid-batch leaves rows that another
// takes up when their lease ends (they may then arrive twice: at least
// once, never silently lost).
const (
	emailLock      = 0x7775_7965_6d6c // "wuye" "ml": the e-mail job
	EmailBatch     = 100              // rows claimed per SendEmails call
	emailMaxTries  = 5                // then the row is failed
	emailLease     = 10 * time.Minute // a claim's hold on its rows
	emailRetryBase = 5 * time.Minute  // wait after the first failure, doubling
	// emailMaxAge: older notifications are not mailed, so that turning
	// e-mail on (or a long SMTP outage) does not flood inboxes with
	// stale news; the in-app list still has them.
	emailMaxAge = 24 * time.Hour
)

type outMail struct {
	id, ticketID int64
	title        string
	name, email  string
	attempts     int
}

// SendEmails mails unsent notifications to their users through m, with
// links to baseURL (e.g. https://wuye.example.com). It sends at most one
// batch per call and reports how many were sent; err reports a failed
// claim, or the first failed message (which stays for a later retry).
// Notifications of users without an address, or disabled, are skipped
// for good. A nil m sends nothing.
func (s *Service) SendEmails(ctx context.Context, m mail.Sender, baseURL string) (int, error) {
	if m == nil {
		return 0, nil
	}
	baseURL = strings.TrimRight(baseURL, "/")
	batch, err := s.claimEmails(ctx)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	sent := 0
	var failed error
	for i, o := range batch {
		if ctx.Err() != nil {
			// Shutting down: give the rest back untried.
			s.releaseEmails(batch[i:])
			break
		}
		serr := m.Send(ctx, mail.Message{ToName: o.name, To: o.email, Subject: o.title, Body: emailBody(o, baseURL)})
		if err := s.markEmail(ctx, o, serr); err != nil {
			return sent, err
		}
		if serr != nil {
			if failed == nil {
				failed = fmt.Errorf("notification %d to %s: %w", o.id, o.email, serr)
			}
			continue
		}
		sent++
	}
	return sent, failed
}

// claimEmails skips what will never be mailed and claims a batch.
func (s *Service) claimEmails(ctx context.Context) ([]outMail, error) {
	now := s.Now()
	var batch []outMail
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		batch = nil
		if ok, err := s.DB.TryJobLock(ctx, tx, emailLock); err != nil || !ok {
			return err // another server is claiming right now
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET email_state = 'skipped', email_error = 'too old'
			WHERE email_state = 'pending' AND created_at < $1`, now.Add(-emailMaxAge)); err != nil {
			return fmt.Errorf("expire e-mails: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET email_state = 'skipped', email_error = 'no address'
			WHERE email_state = 'pending' AND user_id IN (SELECT id FROM users WHERE email = '' OR disabled)`); err != nil {
			return fmt.Errorf("skip e-mails: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT n.id, COALESCE(n.ticket_id, 0), n.title, u.name, u.email, n.email_attempts
			FROM notifications n JOIN users u ON u.id = n.user_id
			WHERE n.email_state = 'pending' AND (n.email_lease IS NULL OR n.email_lease <= $1)
			ORDER BY n.id LIMIT $2`, now, EmailBatch)
		if err != nil {
			return fmt.Errorf("claim e-mails: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var o outMail
			if err := rows.Scan(&o.id, &o.ticketID, &o.title, &o.name, &o.email, &o.attempts); err != nil {
				return err
			}
			o.attempts++
			batch = append(batch, o)
		}
		if err := rows.Err(); err != nil || len(batch) == 0 {
			return err
		}
		rows.Close()
		ids := make([]int64, len(batch))
		for i, o := range batch {
			ids[i] = o.id
		}
		in, args := db.In([]any{now.Add(emailLease)}, ids)
		_, err = tx.ExecContext(ctx, `UPDATE notifications SET email_lease = $1, email_attempts = email_attempts + 1
			WHERE id IN (`+in+`)`, args...)
		return err
	})
	return batch, err
}

// markEmail records one try: sent, or failed with a retry after a
// doubling wait, or failed for good after emailMaxTries.
func (s *Service) markEmail(ctx context.Context, o outMail, sendErr error) error {
	now := s.Now()
	// The outcome is recorded even when ctx ends mid-send.
	ctx = context.WithoutCancel(ctx)
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		switch {
		case sendErr == nil:
			_, err = tx.ExecContext(ctx, `UPDATE notifications SET email_state = 'sent', emailed_at = $1, email_lease = NULL,
				email_error = '' WHERE id = $2`, now, o.id)
		case o.attempts >= emailMaxTries:
			_, err = tx.ExecContext(ctx, `UPDATE notifications SET email_state = 'failed', email_lease = NULL,
				email_error = $1 WHERE id = $2`, errText(sendErr), o.id)
		default:
			retry := now.Add(emailRetryBase << (o.attempts - 1))
			_, err = tx.ExecContext(ctx, `UPDATE notifications SET email_lease = $1, email_error = $2 WHERE id = $3`,
				retry, errText(sendErr), o.id)
		}
		if err != nil {
			return fmt.Errorf("mark e-mail %d: %w", o.id, err)
		}
		return nil
	})
}

// releaseEmails gives claimed rows back untried.
func (s *Service) releaseEmails(batch []outMail) {
	ids := make([]int64, len(batch))
	for i, o := range batch {
		ids[i] = o.id
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	in, args := db.In(nil, ids)
	s.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET email_lease = NULL, email_attempts = email_attempts - 1
			WHERE email_state = 'pending' AND id IN (`+in+`)`, args...)
		return err
	})
}

func errText(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return strings.ToValidUTF8(s, "?")
}

// emailBody is the text of a notification's e-mail.
func emailBody(o outMail, baseURL string) string {
	var b strings.Builder
	b.WriteString(o.title + "\n\n")
	if o.ticketID > 0 {
		fmt.Fprintf(&b, "查看工单：%s/tickets/%d\n", baseURL, o.ticketID)
	}
	fmt.Fprintf(&b, "全部通知：%s/notifications\n", baseURL)
	b.WriteString("\n——\n此邮件由物业客服系统自动发送，请勿直接回复。\n")
	fmt.Fprintf(&b, "不想再收到邮件通知，可在“我的账号”中删除电子邮箱：%s/account\n", baseURL)
	return b.String()
}
