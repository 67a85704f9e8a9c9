package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/alexedwards/argon2id"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Login checks credentials, throttled per client address and refused
// for a locked account, and opens a session of the given kind. It
// returns the token to hand to the client (the database keeps only its
// hash).
func (s *Service) Login(ctx context.Context, login, password, ip, userAgent, kind string) (string, *User, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return "", nil, errs.Invalid("login", "请输入登录名")
	}
	now := s.Now()
	var byIP int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM login_failures WHERE ip = $1 AND at > $2`,
		ip, now.Add(-failWindow)).Scan(&byIP); err != nil {
		return "", nil, fmt.Errorf("login throttle: %w", err)
	}
	if byIP >= maxFailByIP {
		return "", nil, errs.TooMany("登录失败次数过多，请 15 分钟后再试")
	}
	u, hash, err := getUser(ctx, s.DB, "login = $1", login)
	if errs.CodeOf(err) == errs.CodeNotFound {
		u, hash = nil, ""
	} else if err != nil {
		return "", nil, err
	}
	locked, err := s.lockedOut(ctx, u, login, now)
	if err != nil {
		return "", nil, err
	}
	if locked {
		return "", nil, errLocked
	}
	ok := false
	if u != nil {
		ok, _ = argon2id.ComparePasswordAndHash(password, hash)
	} else {
		// Spend the same time as a real check, so timing does not reveal
		// which logins exist.
		argon2id.ComparePasswordAndHash(password, dummyHash(s.Params))
	}
	if !ok || u.Disabled {
		guessed := u
		if ok {
			guessed = nil // the right password of a disabled account is no guess
		}
		if err := s.failPassword(ctx, guessed, login, ip, now); err != nil {
			return "", nil, err
		}
		if ok && u.Disabled {
			return "", nil, errs.Unauthorized("该账号已停用，请联系管理员")
		}
		return "", nil, errs.Unauthorized("登录名或密码不正确")
	}
	tok := newToken()
	ttl := WebSessionTTL
	if kind == KindAPI {
		ttl = APITokenTTL
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := passwordRight(ctx, tx, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE login = $1`, login); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, now.Add(-keepExpired)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, kind, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES ($1,$2,$3,$4,$4,$5,$6,$7)`, hashToken(tok), u.ID, kind, now, now.Add(ttl), ip, truncate(userAgent, 200))
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("open session: %w", err)
	}
	s.showLock(u)
	return tok, u, nil
}

var dummy struct {
	hash string
}

func dummyHash(p *argon2id.Params) string {
	if dummy.hash == "" {
		dummy.hash, _ = argon2id.CreateHash("dummy-password-1", p)
	}
	return dummy.hash
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// errExpired is a session that existed but has timed out; the login
// form tells its browser so.
var errExpired = errs.Unauthorized("登录已超时，请重新登录")

// Authenticate returns the user of a live session or API token.
func (s *Service) Authenticate(ctx context.Context, token, kind string) (*User, error) {
	if token == "" {
		return nil, errs.Unauthorized("请先登录")
	}
	now := s.Now()
	hash := hashToken(token)
	u, lastSeen, expires, err := sessionUser(ctx, s.sessionStmt(ctx), s.DB, hash, kind)
	if err != nil {
		return nil, err
	}
	if !now.Before(expires) || (kind == KindWeb && now.Sub(lastSeen) >= WebIdleTimeout) {
		return nil, errExpired
	}
	if u.Disabled {
		return nil, errs.Unauthorized("该账号已停用")
	}
	if now.Sub(lastSeen) > touchEvery {
		// One write a minute at most. Only an API token's lifetime
		// slides; a web session's end was fixed at login.
		s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1,
				expires_at = CASE WHEN kind = $2 THEN $3 ELSE expires_at END WHERE token_hash = $4`,
				now, KindAPI, now.Add(APITokenTTL), hash)
			return err
		})
	}
	s.showLock(u)
	return u, nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
		return err
	})
}

// LogoutEverywhere ends every session and API token of a user.
func (s *Service) LogoutEverywhere(ctx context.Context, userID int64) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		return err
	})
}

// SessionCookie is the web session cookie's name.
const SessionCookie = "wuye_session"

// Authorize implements web.Gate: Bearer token for /api/, the session
// cookie for pages; then the permission check.
func (s *Service) Authorize(r *http.Request, perm string) (*http.Request, error) {
	var u *User
	var err error
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		u, err = s.Authenticate(r.Context(), strings.TrimPrefix(h, "Bearer "), KindAPI)
	} else if c, cerr := r.Cookie(SessionCookie); cerr == nil {
		u, err = s.Authenticate(r.Context(), c.Value, KindWeb)
		if err == nil && web.IsAPI(r) && r.Method != http.MethodGet && r.Method != http.MethodHead {
			// The router skips CSRF for the API, which Bearer tokens
			// reach; a browser's cookie must bring its token there too.
			err = web.CheckCSRF(r)
		}
	} else {
		err = errs.Unauthorized("请先登录")
	}
	if err != nil {
		return nil, err
	}
	ctx := WithUser(r.Context(), u)
	ctx = context.WithValue(ctx, signInKey{}, &signIn{s: s, bearer: strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ")})
	ctx = web.WithViewer(ctx, u)
	r = r.WithContext(ctx)
	if !u.Can(perm) {
		return r, errs.Forbidden("您的角色（%s）无权进行此操作", u.Role.Label())
	}
	return r, nil
}
