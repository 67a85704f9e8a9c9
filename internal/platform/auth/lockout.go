package auth

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"time"

	"github.com/alexedwards/argon2id"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// Account lockout. MaxFailedPasswords wrong passwords in a row — at the
// login form, the API login or when re-authenticating for a sensitive
// action — lock the account: no password is accepted until an
// administrator presses 解除锁定 on the user's page, or LockoutDuration
// has passed. The lock lapses by itself because anyone who knows a login
// name can lock it: without the lapse a prankster could shut the front
// desk out for a weekend, or lock the only administrator with nobody
// left to unlock. Brute force is still held off: a handful of guesses
// per half hour per account, and the per-address throttle in Login.
// Sessions already open stay open (a lock caused by a stranger's guesses
// must not throw the clerk out mid-payment), but they cannot pass a
// re-authentication while it lasts.
const (
	MaxFailedPasswords = 5
	LockoutDuration    = 30 * time.Minute
)

var errLocked = errs.TooMany("账号已锁定，请联系管理员解锁，或 %d 分钟后再试", int(LockoutDuration.Minutes()))

func init() {
	audit.DescribeActions(map[string]string{"lock": "锁定", "unlock": "解除锁定"})
}

// Locked reports whether the account is locked out (see Service.Unlock).
func (u *User) Locked() bool { return u != nil && u.LockedAt != nil }

// lockActive reports whether a lock set at lockedAt still holds at now.
func lockActive(lockedAt *time.Time, now time.Time) bool {
	return lockedAt != nil && now.Before(lockedAt.Add(LockoutDuration))
}

// showLock clears LockedAt of the users whose lock has lapsed, so that
// pages and the API show the state a login would meet.
func (s *Service) showLock(us ...*User) {
	now := s.Now()
	for _, u := range us {
		if u != nil && !lockActive(u.LockedAt, now) {
			u.LockedAt = nil
		}
	}
}

// lockedOut reports whether login is locked out. A login that does not
// exist answers as an account would after the same wrong guesses, so the
// lock message does not tell which logins exist.
func (s *Service) lockedOut(ctx context.Context, u *User, login string, now time.Time) (bool, error) {
	if u != nil {
		return lockActive(u.LockedAt, now), nil
	}
	var n int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM login_failures WHERE login = $1 AND at > $2`,
		login, now.Add(-LockoutDuration)).Scan(&n); err != nil {
		return false, fmt.Errorf("login lockout: %w", err)
	}
	return n >= MaxFailedPasswords, nil
}

// failPassword records a wrong password given for login from ip and,
// for an account (u not nil), counts it and locks the account at the
// MaxFailedPasswords-th in a row, in the audit log as the system's act.
func (s *Service) failPassword(ctx context.Context, u *User, login, ip string, now time.Time) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (login, ip, at) VALUES ($1,$2,$3)`, login, ip, now); err != nil {
			return err
		}
		if u == nil {
			return nil
		}
		// After a lapsed lock the count starts again.
		lapsed := now.Add(-LockoutDuration)
		var n int
		if err := tx.QueryRowContext(ctx, `UPDATE users SET
			failed_logins = CASE WHEN locked_at IS NOT NULL AND locked_at <= $1 THEN 1 ELSE failed_logins + 1 END,
			locked_at = CASE WHEN locked_at <= $1 THEN NULL ELSE locked_at END
			WHERE id = $2 RETURNING failed_logins`, lapsed, u.ID).Scan(&n); err != nil {
			return fmt.Errorf("count failed password: %w", err)
		}
		if n < MaxFailedPasswords {
			return nil
		}
		before, _, err := getUser(ctx, tx, "id = $1", u.ID)
		if err != nil || before.LockedAt != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET locked_at = $1 WHERE id = $2`, now, u.ID); err != nil {
			return err
		}
		after := *before
		after.LockedAt = &now
		return audit.Record(ctx, tx, audit.Event{Actor: actor(nil), Entity: "user", EntityID: u.ID, Action: "lock", Before: before, After: &after})
	})
}

// passwordRight ends the run of wrong passwords of an account.
func passwordRight(ctx context.Context, q db.Querier, id int64) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_at = NULL
		WHERE id = $1 AND (failed_logins <> 0 OR locked_at IS NOT NULL)`, id)
	return err
}

// Unlock lifts an account's lockout (解除锁定); unlocking an account that
// is not locked changes nothing.
func (s *Service) Unlock(ctx context.Context, by *User, id int64) (*User, error) {
	var u *User
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, _, err := getUser(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		u = before
		if before.LockedAt == nil {
			_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0 WHERE id = $1 AND failed_logins <> 0`, id)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_at = NULL, updated_at = $1 WHERE id = $2`,
			s.Now(), id); err != nil {
			return err
		}
		if u, _, err = getUser(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Actor: actor(by), Entity: "user", EntityID: id, Action: "unlock", Before: before, After: u})
	})
	s.showLock(u)
	return u, err
}

// checkOwn verifies the signed-in user's own password, answering on
// field with wrong; a wrong one counts towards the lockout like a wrong
// login, or a stolen session could guess the password without limit.
func (s *Service) checkOwn(ctx context.Context, id int64, password, ip, field, wrong string) error {
	if password == "" {
		return errs.Invalid(field, "请输入您的当前密码以确认此操作")
	}
	now := s.Now()
	u, hash, err := getUser(ctx, s.DB, "id = $1", id)
	if err != nil {
		return err
	}
	if lockActive(u.LockedAt, now) {
		return errs.Invalid(field, "%s", errLocked.Message)
	}
	if ok, _ := argon2id.ComparePasswordAndHash(password, hash); !ok {
		if err := s.failPassword(ctx, u, u.Login, ip, now); err != nil {
			return err
		}
		return errs.Invalid(field, "%s", wrong)
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error { return passwordRight(ctx, tx, id) })
}

// ReauthField is the form field, and the JSON member, that carries the
// signed-in user's own password (当前密码) for a sensitive action.
const ReauthField = "current_password"

// signIn is how the request was authenticated, kept for Reauth.
type signIn struct {
	s      *Service
	bearer bool
}

type signInKey struct{}

// Reauth confirms a sensitive action (voiding a payment, granting or
// changing an account's access) with the acting user's own password: a
// browser left signed in must not be enough for them. A wrong password
// is an invalid error on ReauthField ("密码不正确") and counts towards
// the lockout. An API client signed in with a Bearer token may leave the
// password out — the token is itself a credential asked for with the
// password, and the API contract's bodies ({"reason"} to void) carry
// none — but a password it does send is checked.
func Reauth(r *http.Request, password string) error {
	in, _ := r.Context().Value(signInKey{}).(*signIn)
	u := UserOf(r.Context())
	if in == nil || u == nil {
		return errs.Unauthorized("请先登录")
	}
	if in.bearer && password == "" {
		return nil
	}
	return in.s.checkOwn(r.Context(), u.ID, password, ClientIP(r), ReauthField, "密码不正确")
}

// ReauthForm is Reauth with the password of the posted form.
func ReauthForm(r *http.Request) error { return Reauth(r, r.FormValue(ReauthField)) }
