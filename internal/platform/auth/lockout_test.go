package auth_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/errs"
)

// wantLocked checks err is the lockout's answer.
func wantLocked(t *testing.T, what string, err error) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.CodeTooMany || !strings.HasPrefix(e.Message, "账号已锁定，请联系管理员解锁") {
		t.Errorf("%s: got %v, want the lockout", what, err)
	}
}

func userActions(t *testing.T, d *db.DB, id int64) []string {
	t.Helper()
	es, _, err := audit.List(ctx, d, audit.Filter{Entity: "user", EntityID: id})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func TestFiveWrongPasswordsInARowLockTheAccountUntilAnAdminUnlocksIt(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, clk := newService(d)
		admin := newUser(t, s, auth.RoleAdmin)
		u := newUser(t, s, auth.RoleCSAgent)
		other := newUser(t, s, auth.RoleCSAgent)
		// Each from another address: the lock is the account's.
		for i := range auth.MaxFailedPasswords {
			_, _, err := s.Login(ctx, u.Login, "Wrong1234", fmt.Sprintf("10.1.0.%d", i), "", auth.KindAPI)
			wantCode(t, "wrong password", err, errs.CodeUnauthorized, "")
		}
		_, _, err := s.Login(ctx, u.Login, pw, "10.1.1.1", "", auth.KindAPI)
		wantLocked(t, "right password of a locked account", err)
		if got, _ := s.User(ctx, u.ID); !got.Locked() || got.LockedAt == nil {
			t.Errorf("user after 5 failures: %+v, want locked", got)
		}
		if _, _, err := s.Login(ctx, other.Login, pw, "10.1.0.1", "", auth.KindAPI); err != nil {
			t.Errorf("another account was locked too: %v", err)
		}
		// Still locked after the old 15-minute throttle window.
		clk.advance(20 * time.Minute)
		_, _, err = s.Login(ctx, u.Login, pw, "10.1.1.1", "", auth.KindAPI)
		wantLocked(t, "20 minutes later", err)

		got, err := s.Unlock(ctx, admin, u.ID)
		if err != nil || got.Locked() {
			t.Fatalf("unlock: %+v %v", got, err)
		}
		if _, _, err := s.Login(ctx, u.Login, pw, "10.1.1.1", "", auth.KindAPI); err != nil {
			t.Errorf("login after the unlock: %v", err)
		}
		es, _, _ := audit.List(ctx, d, audit.Filter{Entity: "user", EntityID: u.ID})
		if len(es) != 3 || es[0].Action != "unlock" || es[0].UserID != admin.ID || es[1].Action != "lock" || es[1].UserName != "系统" {
			t.Errorf("audit of the account: %v, want create, lock by 系统, unlock by the admin", userActions(t, d, u.ID))
		}
		// Unlocking an account that is not locked records nothing.
		if _, err := s.Unlock(ctx, admin, u.ID); err != nil || len(userActions(t, d, u.ID)) != 3 {
			t.Errorf("unlock of an unlocked account: %v, audit %v", err, userActions(t, d, u.ID))
		}
	})
}

func TestOnlyWrongPasswordsInARowCount(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		u := newUser(t, s, auth.RoleCashier)
		for range 2 {
			for range auth.MaxFailedPasswords - 1 {
				s.Login(ctx, u.Login, "Wrong1234", "10.1.2.1", "", auth.KindAPI)
			}
			if _, _, err := s.Login(ctx, u.Login, pw, "10.1.2.1", "", auth.KindAPI); err != nil {
				t.Fatalf("4 failures then the right password: %v", err)
			}
		}
		// A wrong current password (account page, re-authentication)
		// counts as well.
		for range auth.MaxFailedPasswords - 1 {
			s.Login(ctx, u.Login, "Wrong1234", "10.1.2.1", "", auth.KindAPI)
		}
		wantCode(t, "wrong own password", s.CheckOwnPassword(ctx, u.ID, "Wrong1234"), errs.CodeInvalid, "old_password")
		_, _, err := s.Login(ctx, u.Login, pw, "10.1.2.1", "", auth.KindAPI)
		wantLocked(t, "after 4 wrong logins and a wrong own password", err)
		// While locked, even the right own password is refused.
		e, _ := errs.As(s.CheckOwnPassword(ctx, u.ID, pw))
		if e == nil || e.Field != "old_password" || !strings.Contains(e.Message, "账号已锁定") {
			t.Errorf("own password of a locked account: %v", e)
		}
	})
}

func TestLockLapsesAfterHalfAnHour(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, clk := newService(d)
		u := newUser(t, s, auth.RoleCSManager)
		for range auth.MaxFailedPasswords {
			s.Login(ctx, u.Login, "Wrong1234", "10.1.3.1", "", auth.KindAPI)
		}
		clk.advance(auth.LockoutDuration - time.Second)
		_, _, err := s.Login(ctx, u.Login, pw, "10.1.3.2", "", auth.KindAPI)
		wantLocked(t, "a second before the lapse", err)
		clk.advance(time.Second)
		if got, _ := s.User(ctx, u.ID); got.Locked() {
			t.Error("the users page still shows a lapsed lock")
		}
		// The count starts again: one more wrong password does not lock.
		s.Login(ctx, u.Login, "Wrong1234", "10.1.3.2", "", auth.KindAPI)
		if _, _, err := s.Login(ctx, u.Login, pw, "10.1.3.2", "", auth.KindAPI); err != nil {
			t.Errorf("login after the lapse: %v", err)
		}
	})
}

// An unknown login answers like an account: the same words for a wrong
// password, the same lockout after as many, so neither tells which
// logins exist.
func TestUnknownLoginLooksLikeALockedAccount(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		u := newUser(t, s, auth.RoleCSAgent)
		ghost := "ghost-" + unique()
		var real, fake []string
		for range auth.MaxFailedPasswords + 1 {
			_, _, e1 := s.Login(ctx, u.Login, "Wrong1234", "10.1.4.1", "", auth.KindAPI)
			_, _, e2 := s.Login(ctx, ghost, "Wrong1234", "10.1.4.2", "", auth.KindAPI)
			real, fake = append(real, e1.Error()), append(fake, e2.Error())
		}
		if strings.Join(real, "|") != strings.Join(fake, "|") {
			t.Errorf("an account answers\n%q\nan unknown login\n%q", real, fake)
		}
		if !strings.Contains(real[auth.MaxFailedPasswords], "账号已锁定") {
			t.Errorf("sixth try: %s, want the lockout", real[auth.MaxFailedPasswords])
		}
	})
}
