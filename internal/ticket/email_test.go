package ticket_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/mail"
	"wuye/internal/platform/mail/mailtest"
)

const baseURL = "https://wuye.example.com/"

// mailbox is one test's fake SMTP server and a sender to it.
type mailbox struct {
	srv    *mailtest.Server
	sender mail.Sender
}

func newMailbox(t *testing.T) *mailbox {
	srv := mailtest.Start(t)
	return &mailbox{srv: srv, sender: mail.New(srv.Config())}
}

// to returns the mails received for one address.
func (m *mailbox) to(addr string) []mailtest.Mail {
	var out []mailtest.Mail
	for _, ml := range m.srv.Mails() {
		if len(ml.To) == 1 && ml.To[0] == addr {
			out = append(out, ml)
		}
	}
	return out
}

// send runs the e-mail job once and fails the test on an error unless
// failing is expected.
func (x *fx) send(m *mailbox, failing bool) int {
	x.t.Helper()
	n, err := x.svc.SendEmails(context.Background(), m.sender, baseURL)
	if (err != nil) != failing {
		x.t.Fatalf("SendEmails: %d, %v (failing %v)", n, err, failing)
	}
	return n
}

// setEmail gives a user an address of this fixture.
func (x *fx) setEmail(u *auth.User, name string) string {
	x.t.Helper()
	addr := fmt.Sprintf("%s-%s@example.com", name, strings.ToLower(x.Suffix))
	if _, err := x.App.Auth.SetEmail(context.Background(), u, u.ID, addr); err != nil {
		x.t.Fatal(err)
	}
	return addr
}

type outboxRow struct {
	Kind     string
	State    string
	Attempts int
	Emailed  bool
}

// outbox lists a user's notifications and their e-mail state, oldest
// first.
func (x *fx) outbox(u *auth.User) []outboxRow {
	x.t.Helper()
	rows, err := x.DB.Query(`SELECT kind, email_state, email_attempts, emailed_at FROM notifications
		WHERE user_id = $1 ORDER BY id`, u.ID)
	if err != nil {
		x.t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		var at sql.NullTime
		if err := rows.Scan(&r.Kind, &r.State, &r.Attempts, &at); err != nil {
			x.t.Fatal(err)
		}
		r.Emailed = at.Valid
		out = append(out, r)
	}
	return out
}

// TestDispatchIsEmailedOnce: the assignee with an address gets exactly
// one mail for a dispatch, with the ticket number in the subject and the
// link in the body; the job run again sends nothing; a user without an
// address gets none, now or after adding one.
func TestDispatchIsEmailedOnce(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		m := newMailbox(t)
		staff := x.user(auth.RoleDeptStaff)
		addr := x.setEmail(staff, "staff")
		other := x.NewUser(auth.RoleDeptStaff, x.A.Community.ID)
		a := x.create(auth.RoleCSAgent, x.repair("卫生间下水堵塞"))
		b := x.create(auth.RoleCSAgent, x.repair("楼道灯不亮"))
		x.act(auth.RoleCSManager, a.ID, "dispatch", map[string]any{"department": "工程部", "assignee_id": staff.ID})
		x.act(auth.RoleCSManager, b.ID, "dispatch", map[string]any{"department": "工程部", "assignee_id": other.ID})
		if got := m.srv.Mails(); len(got) != 0 {
			t.Fatalf("mailed inside the business transaction: %d", len(got))
		}
		x.send(m, false)
		got := m.to(addr)
		if len(got) != 1 {
			t.Fatalf("assignee got %d mails", len(got))
		}
		ml := got[0]
		if !strings.Contains(ml.Subject, a.Number) || !strings.Contains(ml.Subject, "卫生间下水堵塞") {
			t.Errorf("subject %q lacks the ticket", ml.Subject)
		}
		link := fmt.Sprintf("https://wuye.example.com/tickets/%d", a.ID)
		if !strings.Contains(ml.Body, link) || !strings.Contains(ml.Body, a.Number) {
			t.Errorf("body lacks %s:\n%s", link, ml.Body)
		}
		if ml.From != "noreply@example.com" || ml.Header.Get("To") == "" {
			t.Errorf("envelope from %q, To %q", ml.From, ml.Header.Get("To"))
		}
		if ob := x.outbox(staff); len(ob) != 1 || ob[0] != (outboxRow{"assigned", "sent", 1, true}) {
			t.Errorf("assignee's outbox: %+v", ob)
		}
		if ob := x.outbox(other); len(ob) != 1 || ob[0].State != "skipped" || ob[0].Attempts != 0 {
			t.Errorf("no-address outbox: %+v", ob)
		}

		// Again: nothing new, even once the other user has an address.
		otherAddr := x.setEmail(other, "other")
		x.send(m, false)
		if n := len(m.to(addr)); n != 1 {
			t.Errorf("assignee got %d mails after a second run", n)
		}
		if n := len(m.to(otherAddr)); n != 0 {
			t.Errorf("a skipped notification was mailed later: %d", n)
		}
		// A new notification reaches them now, and the in-app list is
		// untouched by any of it.
		x.act(auth.RoleDeptStaff, b.ID, "resolve", bodies["resolve"])
		x.act(auth.RoleCSAgent, b.ID, "callback", map[string]any{"result": "unsatisfied", "note": "还是不亮"})
		x.send(m, false)
		if got := m.to(otherAddr); len(got) != 1 || !strings.Contains(got[0].Subject, b.Number) {
			t.Errorf("reopening mail to the new address: %+v", got)
		}
		if in := inboxOf(t, x.APIAs(other.Login)); in.Total != 2 || in.Unread != 2 {
			t.Errorf("in-app inbox: %+v", in)
		}

		// A disabled account is not mailed.
		x.act(auth.RoleDeptStaff, a.ID, "resolve", bodies["resolve"])
		x.act(auth.RoleCSAgent, a.ID, "callback", map[string]any{"result": "unsatisfied", "note": "仍然堵"})
		if err := x.App.Auth.SetDisabled(context.Background(), x.user(auth.RoleAdmin), staff.ID, true); err != nil {
			t.Fatal(err)
		}
		x.send(m, false)
		if n := len(m.to(addr)); n != 1 {
			t.Errorf("a disabled user got mail: %d", n)
		}
		if ob := x.outbox(staff); len(ob) != 2 || ob[1].State != "skipped" {
			t.Errorf("disabled user's outbox: %+v", ob)
		}
	})
}

// TestEmailRetries: a refused message stays unsent with one attempt
// more and goes out on a later run after its wait; a message refused
// five times is given up.
func TestEmailRetries(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		m := newMailbox(t)
		staff := x.user(auth.RoleDeptStaff)
		addr := x.setEmail(staff, "retry")
		a := x.create(auth.RoleCSAgent, x.repair("电梯异响"))
		x.act(auth.RoleCSManager, a.ID, "dispatch", map[string]any{"department": "工程部", "assignee_id": staff.ID})

		m.srv.Fail("451 4.3.0 mailbox busy")
		x.send(m, true)
		if ob := x.outbox(staff); len(ob) != 1 || ob[0] != (outboxRow{"assigned", "pending", 1, false}) {
			t.Fatalf("after a failure: %+v", ob)
		}
		m.srv.Fail("")
		// Not before its wait.
		x.send(m, false)
		if n := len(m.to(addr)); n != 0 {
			t.Errorf("retried at once: %d mails", n)
		}
		x.clk.Add(6 * time.Minute)
		x.send(m, false)
		if got := m.to(addr); len(got) != 1 || !strings.Contains(got[0].Subject, a.Number) {
			t.Errorf("after the retry: %+v", got)
		}
		if ob := x.outbox(staff); len(ob) != 1 || ob[0] != (outboxRow{"assigned", "sent", 2, true}) {
			t.Errorf("after the retry: %+v", ob)
		}

		// Five refusals, each after its wait, and the job gives up.
		x.act(auth.RoleDeptStaff, a.ID, "resolve", bodies["resolve"])
		x.act(auth.RoleCSAgent, a.ID, "callback", map[string]any{"result": "unsatisfied", "note": "还在响"})
		m.srv.Fail("554 5.7.1 rejected")
		for i := range 5 {
			x.send(m, true)
			if ob := x.outbox(staff); ob[1].Attempts != i+1 {
				t.Fatalf("try %d: %+v", i+1, ob[1])
			}
			x.clk.Add(2 * time.Hour)
		}
		m.srv.Fail("")
		x.send(m, false)
		if ob := x.outbox(staff); ob[1].State != "failed" || ob[1].Attempts != 5 || ob[1].Emailed {
			t.Errorf("after five refusals: %+v", ob[1])
		}
		if n := len(m.to(addr)); n != 1 {
			t.Errorf("a given-up notification was sent: %d mails", n)
		}
	})
}

// TestEmailJobIsSafeOnSeveralServers: two servers running the job at
// once send each notification exactly once; a notification older than a
// day is not mailed.
func TestEmailJobIsSafeOnSeveralServers(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		m := newMailbox(t)
		staff := x.user(auth.RoleDeptStaff)
		addr := x.setEmail(staff, "many")
		stale := x.create(auth.RoleCSAgent, x.repair("旧工单"))
		x.act(auth.RoleCSManager, stale.ID, "dispatch", map[string]any{"department": "工程部", "assignee_id": staff.ID})
		x.clk.Add(25 * time.Hour)
		const n = 6
		for i := range n {
			tk := x.create(auth.RoleCSAgent, x.repair(fmt.Sprintf("并发%d", i)))
			x.act(auth.RoleCSManager, tk.ID, "dispatch", map[string]any{"department": "工程部", "assignee_id": staff.ID})
		}
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				for range 3 {
					if _, err := x.svc.SendEmails(context.Background(), m.sender, baseURL); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		got := m.to(addr)
		seen := map[string]int{}
		for _, ml := range got {
			seen[ml.Subject]++
		}
		if len(got) != n || len(seen) != n {
			t.Errorf("%d mails, %d distinct, want %d: %v", len(got), len(seen), n, seen)
		}
		for s := range seen {
			if strings.Contains(s, stale.Number) {
				t.Errorf("a day-old notification was mailed: %s", s)
			}
		}
		if ob := x.outbox(staff); len(ob) != n+1 || ob[0].State != "skipped" {
			t.Errorf("outbox: %+v", ob)
		}
	})
}
