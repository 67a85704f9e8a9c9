package auth_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/errs"
)

// Authenticate reads the session, its user and every community of the
// user in one go: the user it returns is the stored account, with all its
// communities in order (an administrator, who sees all, has an empty list,
// not nil).
func TestAuthenticateReturnsTheWholeUser(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		for _, tc := range []struct {
			role        auth.Role
			communities []int64
		}{
			{auth.RoleCSManager, []int64{7, 3, 5}},
			{auth.RoleCSAgent, []int64{4}},
			{auth.RoleDeptStaff, []int64{2}},
			{auth.RoleAdmin, nil},
		} {
			in := auth.UserInput{Login: "sess-" + unique(), Name: "会话" + tc.role.Label(), Role: tc.role,
				Department: map[bool]string{true: "秩序部"}[tc.role == auth.RoleDeptStaff], Phone: "13800138000",
				Email:       "sess-" + unique() + "@example.com",
				Communities: tc.communities}
			u, err := s.CreateUser(ctx, nil, in, pw)
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := s.Login(ctx, u.Login, pw, "10.0.0.9", "test", auth.KindWeb)
			if err != nil {
				t.Fatal(err)
			}
			me, err := s.Authenticate(ctx, tok, auth.KindWeb)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.User(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if me.Communities == nil {
				t.Errorf("%s: nil communities, want an empty list", tc.role)
			}
			got, exp := fmt.Sprintf("%+v", *me), fmt.Sprintf("%+v", *want)
			if got != exp {
				t.Errorf("%s: Authenticate = %s\nwant the account %s", tc.role, got, exp)
			}
		}
	})
}

func TestWebSessionEndsAfterHalfAnHourIdle(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, clk := newService(d)
		u := newUser(t, s, auth.RoleCSAgent)
		tok, _, _ := s.Login(ctx, u.Login, pw, "10.7.0.1", "", auth.KindWeb)
		// Used every 20 minutes, it lives on.
		for range 3 {
			clk.advance(20 * time.Minute)
			if _, err := s.Authenticate(ctx, tok, auth.KindWeb); err != nil {
				t.Fatalf("session used 20 minutes ago: %v", err)
			}
		}
		clk.advance(auth.WebIdleTimeout - time.Second)
		if _, err := s.Authenticate(ctx, tok, auth.KindWeb); err != nil {
			t.Fatalf("a second before the idle timeout: %v", err)
		}
		// That request counts: 29:59 later it is still alive …
		clk.advance(auth.WebIdleTimeout - time.Second)
		if _, err := s.Authenticate(ctx, tok, auth.KindWeb); err != nil {
			t.Fatalf("29:59 after the last request: %v", err)
		}
		// … and 30 minutes without a request end it.
		clk.advance(auth.WebIdleTimeout)
		_, err := s.Authenticate(ctx, tok, auth.KindWeb)
		if e, ok := errs.As(err); !ok || e.Code != errs.CodeUnauthorized || e.Message != "登录已超时，请重新登录" {
			t.Errorf("after 30 idle minutes: %v, want 登录已超时", err)
		}
		// An unknown token is not "timed out".
		if _, err := s.Authenticate(ctx, "no-such-token", auth.KindWeb); err == nil || strings.Contains(err.Error(), "超时") {
			t.Errorf("unknown token: %v", err)
		}
	})
}

func TestWebSessionEndsTwelveHoursAfterLoginHoweverBusy(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, clk := newService(d)
		u := newUser(t, s, auth.RoleCSAgent)
		web, _, _ := s.Login(ctx, u.Login, pw, "10.7.0.1", "", auth.KindWeb)
		api, _, _ := s.Login(ctx, u.Login, pw, "10.7.0.1", "", auth.KindAPI)
		for elapsed := time.Duration(0); elapsed < auth.WebSessionTTL-10*time.Minute; elapsed += 10 * time.Minute {
			clk.advance(10 * time.Minute)
			if _, err := s.Authenticate(ctx, web, auth.KindWeb); err != nil {
				t.Fatalf("busy session at %v: %v", elapsed+10*time.Minute, err)
			}
		}
		clk.advance(10 * time.Minute)
		if _, err := s.Authenticate(ctx, web, auth.KindWeb); err == nil {
			t.Error("a busy web session outlived its 12 hours")
		}
		// An API token has no idle timeout: 12 hours unused is nothing.
		if _, err := s.Authenticate(ctx, api, auth.KindAPI); err != nil {
			t.Errorf("API token ended with the web session: %v", err)
		}
	})
}

func TestAPITokenLapsesAfterThirtyDaysUnused(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, clk := newService(d)
		u := newUser(t, s, auth.RoleCSAgent)
		tok, _, _ := s.Login(ctx, u.Login, pw, "10.7.0.2", "", auth.KindAPI)
		clk.advance(auth.APITokenTTL - time.Hour)
		if _, err := s.Authenticate(ctx, tok, auth.KindAPI); err != nil {
			t.Fatalf("token used after 29 days: %v", err)
		}
		// Its use slides the end: another 29 days are fine …
		clk.advance(auth.APITokenTTL - time.Hour)
		if _, err := s.Authenticate(ctx, tok, auth.KindAPI); err != nil {
			t.Fatalf("token used 29 days after its last use: %v", err)
		}
		// … 30 unused are not.
		clk.advance(auth.APITokenTTL)
		if _, err := s.Authenticate(ctx, tok, auth.KindAPI); err == nil {
			t.Error("token unused for 30 days still works")
		}
	})
}
