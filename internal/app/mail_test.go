package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/mail"
	"wuye/internal/platform/mail/mailtest"
)

// TestRunJobsMailsOnlyWhenConfigured: without a mail sender the job
// ticker leaves notifications untried; with one it mails them, with
// links to the configured base URL.
func TestRunJobsMailsOnlyWhenConfigured(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		srv := mailtest.Start(t)
		staff := f.Users[auth.RoleDeptStaff]
		addr := "jobs-" + strings.ToLower(f.Suffix) + "@example.com"
		if _, err := f.App.Auth.SetEmail(context.Background(), staff, staff.ID, addr); err != nil {
			t.Fatal(err)
		}
		// An urgent repair taken three days ago is late: the escalation
		// job flags it, which tells the test that a run has happened.
		r := f.API(auth.RoleCSAgent).Post("/api/v1/tickets", map[string]any{"community_id": f.A.Community.ID,
			"house_id": f.A.House.ID, "kind": "repair", "urgency": "urgent", "channel": "phone", "title": "配电箱冒烟",
			"received_at": time.Now().Add(-72 * time.Hour).Format(time.RFC3339)})
		if r.Code != 201 {
			t.Fatalf("create: %s", r)
		}
		var tk struct {
			ID     int64  `json:"id"`
			Number string `json:"number"`
		}
		r.JSON(t, &tk)
		r = f.API(auth.RoleCSManager).Post(fmt.Sprintf("/api/v1/tickets/%d/dispatch", tk.ID),
			map[string]any{"department": "工程部", "assignee_id": staff.ID})
		if r.Code != 200 {
			t.Fatalf("dispatch: %s", r)
		}

		// Off.
		f.App.Mail = nil
		stop := runJobs(f)
		waitFor(t, "the escalation job", func() bool {
			var overdue bool
			f.DB.QueryRow(`SELECT overdue FROM tickets WHERE id = $1`, tk.ID).Scan(&overdue)
			return overdue
		})
		time.Sleep(300 * time.Millisecond) // the e-mail step would follow at once
		stop()
		var tried int
		if err := f.DB.QueryRow(`SELECT count(*) FROM notifications WHERE user_id = $1 AND (email_attempts > 0 OR email_state <> 'pending')`,
			staff.ID).Scan(&tried); err != nil {
			t.Fatal(err)
		}
		if tried != 0 || len(srv.Mails()) != 0 {
			t.Errorf("e-mail off, yet %d notifications tried and %d mails sent", tried, len(srv.Mails()))
		}

		// On: the assignment and the escalation both reach the assignee.
		f.App.Mail, f.App.BaseURL = mail.New(srv.Config()), "https://wuye.example.com"
		stop = runJobs(f)
		var mine []mailtest.Mail
		waitFor(t, "two mails", func() bool {
			mine = mine[:0]
			for _, m := range srv.Mails() {
				if m.To[0] == addr {
					mine = append(mine, m)
				}
			}
			return len(mine) >= 2
		})
		stop()
		link := fmt.Sprintf("https://wuye.example.com/tickets/%d", tk.ID)
		for _, m := range mine {
			if !strings.Contains(m.Subject, tk.Number) || !strings.Contains(m.Body, link) {
				t.Errorf("mail %q lacks the number or %s:\n%s", m.Subject, link, m.Body)
			}
		}
		if len(mine) != 2 {
			t.Errorf("%d mails to the assignee, want 2", len(mine))
		}
	})
}

// runJobs starts the job ticker and returns a function that stops it
// and waits for it to return.
func runJobs(f *apptest.Fixture) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.App.RunJobs(ctx); close(done) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			f.T.Fatal("RunJobs did not return")
		}
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEmailOnTheAccountAndUserPages: a user sets and removes their own
// address (a form post with the CSRF token); an admin sets anyone's on
// the user form; the API keeps an address a client does not send.
func TestEmailOnTheAccountAndUserPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		b := f.BrowserAs(f.Target.Login)
		addr := "target-" + strings.ToLower(f.Suffix) + "@example.com"
		if r := b.Post("/account/email", url.Values{"email": {addr}, "csrf": {""}}); r.Code != 403 {
			t.Errorf("without the CSRF token: %d", r.Code)
		}
		r := b.Post("/account/email", url.Values{"email": {"target at example"}})
		if r.Code != 422 || !strings.Contains(string(r.Body), "电子邮箱格式不正确") || !strings.Contains(string(r.Body), `value="target at example"`) {
			t.Errorf("bad address: %d", r.Code)
		}
		if r := b.Post("/account/email", url.Values{"email": {" " + addr + " "}}); r.Code != 303 {
			t.Fatalf("set own address: %s", r)
		}
		if r := b.Get("/account"); r.Code != 200 || !strings.Contains(string(r.Body), addr) {
			t.Errorf("account page lacks the address: %d", r.Code)
		}
		if u, _ := f.App.Auth.User(ctx, f.Target.ID); u.Email != addr {
			t.Errorf("stored %q", u.Email)
		}
		var audited int
		f.DB.QueryRow(`SELECT count(*) FROM audit_log WHERE entity = 'user' AND entity_id = $1 AND user_id = $1`, f.Target.ID).Scan(&audited)
		if audited != 1 {
			t.Errorf("%d audit entries by the user", audited)
		}
		if m := f.APIAs(f.Target.Login).Get("/api/v1/me").Map(t); m["email"] != addr {
			t.Errorf("/api/v1/me: %v", m)
		}

		// The API: an update without "email" keeps it, "" removes it.
		api := f.API(auth.RoleAdmin)
		path := fmt.Sprintf("/api/v1/users/%d", f.Target.ID)
		in := map[string]any{"name": f.Target.Name, "role": "cs_agent", "communities": []int64{f.A.Community.ID}}
		if m := api.Do("PUT", path, in).Map(t); m["email"] != addr {
			t.Errorf("PUT without email: %v", m)
		}
		in["email"] = "bad"
		if r := api.Do("PUT", path, in); r.Code != 422 || r.Error(t).Field != "email" {
			t.Errorf("PUT with a bad address: %s", r)
		}
		in["email"] = ""
		if m := api.Do("PUT", path, in).Map(t); m["email"] != nil {
			t.Errorf("PUT with email \"\": %v", m)
		}

		// The admin's form shows and sets it.
		admin := f.Browser(auth.RoleAdmin)
		form := url.Values{"name": {f.Target.Name}, "role": {"cs_agent"}, "communities": {fmt.Sprint(f.A.Community.ID)},
			"email": {"admin-set-" + addr}}
		if r := admin.Post(fmt.Sprintf("/admin/users/%d", f.Target.ID), form); r.Code != 303 {
			t.Fatalf("admin form: %s", r)
		}
		if r := admin.Get(fmt.Sprintf("/admin/users/%d", f.Target.ID)); !strings.Contains(string(r.Body), `value="admin-set-`+addr+`"`) {
			t.Errorf("user form lacks the address")
		}
		form.Set("email", "nope")
		if r := admin.Post(fmt.Sprintf("/admin/users/%d", f.Target.ID), form); r.Code != 422 || !strings.Contains(string(r.Body), "电子邮箱格式不正确") {
			t.Errorf("admin form with a bad address: %d", r.Code)
		}
	})
}
