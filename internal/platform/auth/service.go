package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the accounts' migrations.
var Module = db.Module{Name: "auth", FS: migrations}

func init() {
	audit.Describe("user", "用户", map[string]string{
		"login": "登录名", "name": "姓名", "role": "角色", "department": "部门", "phone": "电话",
		"disabled": "停用", "communities": "管辖小区", "email": "电子邮箱",
	})
}

// Session kinds.
const (
	KindWeb = "web"
	KindAPI = "api"
)

// Lifetimes and throttling limits.
const (
	WebSessionTTL  = 12 * time.Hour
	APITokenTTL    = 30 * 24 * time.Hour
	touchEvery     = time.Minute
	failWindow     = 15 * time.Minute
	maxFailByLogin = 5
	maxFailByIP    = 20
)

// Service manages accounts and sessions.
type Service struct {
	DB *db.DB
	// CommunitiesExist checks community ids given to a user; the archive
	// module provides it (auth cannot import archive).
	CommunitiesExist func(ctx context.Context, ids []int64) error
	// Params are the argon2id parameters; tests lower them.
	Params *argon2id.Params
	Now    func() time.Time

	// session is the session lookup, prepared once: SQLite's driver
	// would otherwise parse it on every request.
	sessionMu sync.Mutex
	session   *sql.Stmt
}

// sessionStmt returns the prepared session lookup, or nil (the plain
// query then runs and reports any error).
func (s *Service) sessionStmt(ctx context.Context) *sql.Stmt {
	s.sessionMu.Lock()
	defer s.sessionMu.Unlock()
	if s.session == nil {
		s.session, _ = s.DB.PrepareContext(ctx, sessionSQL)
	}
	return s.session
}

// NewService returns a service with production settings.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, Params: argon2id.DefaultParams, Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// UserInput is what an admin sets on an account.
type UserInput struct {
	Login       string  `json:"login"`
	Name        string  `json:"name"`
	Role        Role    `json:"role"`
	Department  string  `json:"department"`
	Phone       string  `json:"phone"`
	Email       string  `json:"email"` // optional
	Communities []int64 `json:"communities"`
}

func (in *UserInput) validate(creating bool) error {
	var f errs.Fields
	in.Login = strings.TrimSpace(in.Login)
	in.Name = strings.TrimSpace(in.Name)
	if creating {
		if in.Login == "" {
			f.Add("login", "请填写登录名")
		} else if !validLogin(in.Login) {
			f.Add("login", "登录名只能包含字母、数字、点、下划线和短横线，3–32 位")
		}
	}
	if in.Name == "" {
		f.Add("name", "请填写姓名")
	} else if utf8.RuneCountInString(in.Name) > 40 {
		f.Add("name", "姓名过长")
	}
	if !in.Role.Valid() {
		f.Add("role", "请选择角色")
	}
	in.Email = strings.TrimSpace(in.Email)
	if msg := emailProblem(in.Email); msg != "" {
		f.Add("email", "%s", msg)
	}
	if in.Role == RoleDeptStaff && !slices.Contains(Departments, in.Department) {
		f.Add("department", "部门员工需选择部门")
	}
	if in.Role != RoleDeptStaff {
		in.Department = ""
	}
	if in.Role != RoleAdmin && len(in.Communities) == 0 {
		f.Add("communities", "请至少选择一个管辖小区")
	}
	if in.Role == RoleAdmin {
		in.Communities = nil
	}
	slices.Sort(in.Communities)
	in.Communities = slices.Compact(in.Communities)
	return f.Err()
}

func validLogin(s string) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c < 128 && (unicode.IsLetter(c) || unicode.IsDigit(c) || c == '.' || c == '_' || c == '-')) {
			return false
		}
	}
	return true
}

// CleanEmail trims an e-mail address and checks it: empty (no e-mail),
// or one plain address of at most 100 characters, without a display
// name ("张三 <a@b.cn>" is refused: the name is the account's).
func CleanEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if msg := emailProblem(s); msg != "" {
		return s, errs.Invalid("email", "%s", msg)
	}
	return s, nil
}

func emailProblem(s string) string {
	if s == "" {
		return ""
	}
	if utf8.RuneCountInString(s) > 100 {
		return "电子邮箱不能超过 100 个字符"
	}
	// The domain needs a dot: "zhang@localhost" is no staff mailbox.
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "电子邮箱格式不正确，例如 zhangsan@example.com"
	}
	return ""
}

// CheckPassword enforces the password policy: at least 8 characters with
// both letters and digits.
func CheckPassword(p string) error {
	if utf8.RuneCountInString(p) < 8 {
		return errs.Invalid("password", "密码至少 8 位")
	}
	var letter, digit bool
	for _, c := range p {
		letter = letter || unicode.IsLetter(c)
		digit = digit || unicode.IsDigit(c)
	}
	if !letter || !digit {
		return errs.Invalid("password", "密码需同时包含字母和数字")
	}
	return nil
}

func actor(u *User) audit.Actor {
	if u == nil {
		return audit.Actor{Name: "系统"}
	}
	return audit.Actor{ID: u.ID, Name: u.Name}
}

// Actor is how a user appears in the audit log.
func (u *User) Actor() audit.Actor { return actor(u) }

// CreateUser adds an account.
func (s *Service) CreateUser(ctx context.Context, by *User, in UserInput, password string) (*User, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	if s.CommunitiesExist != nil && len(in.Communities) > 0 {
		if err := s.CommunitiesExist(ctx, in.Communities); err != nil {
			return nil, err
		}
	}
	hash, err := argon2id.CreateHash(password, s.Params)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.Now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (login, name, role, department, phone, email, password_hash, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id`, in.Login, in.Name, in.Role, in.Department, in.Phone, in.Email, hash, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("login", "登录名 %s 已被使用", in.Login)
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		if err := setCommunities(ctx, tx, id, in.Communities); err != nil {
			return err
		}
		u, _, err = getUser(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Actor: actor(by), Entity: "user", EntityID: id, Action: audit.ActionCreate, After: u})
	})
	return u, err
}

// UpdateUser changes name, role, department, phone, e-mail and
// communities.
func (s *Service) UpdateUser(ctx context.Context, by *User, id int64, in UserInput) (*User, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	if s.CommunitiesExist != nil && len(in.Communities) > 0 {
		if err := s.CommunitiesExist(ctx, in.Communities); err != nil {
			return nil, err
		}
	}
	var u *User
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, _, err := getUser(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		if before.Role == RoleAdmin && in.Role != RoleAdmin {
			if err := s.keepOneAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name=$1, role=$2, department=$3, phone=$4, email=$5, updated_at=$6 WHERE id=$7`,
			in.Name, in.Role, in.Department, in.Phone, in.Email, s.Now(), id); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if err := setCommunities(ctx, tx, id, in.Communities); err != nil {
			return err
		}
		if u, _, err = getUser(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Actor: actor(by), Entity: "user", EntityID: id, Action: audit.ActionUpdate, Before: before, After: u})
	})
	return u, err
}

// SetEmail changes only the e-mail address of an account: a user's own,
// from the account page ("" removes it).
func (s *Service) SetEmail(ctx context.Context, by *User, id int64, email string) (*User, error) {
	email, err := CleanEmail(email)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, _, err := getUser(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		if before.Email == email {
			u = before
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email=$1, updated_at=$2 WHERE id=$3`, email, s.Now(), id); err != nil {
			return fmt.Errorf("set email: %w", err)
		}
		if u, _, err = getUser(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Actor: actor(by), Entity: "user", EntityID: id, Action: audit.ActionUpdate, Before: before, After: u})
	})
	return u, err
}

func (s *Service) keepOneAdmin(ctx context.Context, tx *sql.Tx, leaving int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND id <> $1`, leaving).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.Conflict("role", "至少需要保留一个可用的系统管理员")
	}
	return nil
}

// SetDisabled disables or enables an account; disabling ends its sessions.
func (s *Service) SetDisabled(ctx context.Context, by *User, id int64, disabled bool) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, _, err := getUser(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		if disabled && before.Role == RoleAdmin {
			if err := s.keepOneAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled=$1, updated_at=$2 WHERE id=$3`, disabled, s.Now(), id); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		after := *before
		after.Disabled = disabled
		action := "enable"
		if disabled {
			action = "disable"
		}
		return audit.Record(ctx, tx, audit.Event{Actor: actor(by), Entity: "user", EntityID: id, Action: action, Before: before, After: &after})
	})
}

// SetPassword sets a new password (admin reset, or the user's own change
// after CheckOwnPassword) and ends every session of the account.
func (s *Service) SetPassword(ctx context.Context, by *User, id int64, password string) error {
	if err := CheckPassword(password); err != nil {
		return err
	}
	hash, err := argon2id.CreateHash(password, s.Params)
	if err != nil {
		return err
	}
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash=$1, updated_at=$2 WHERE id=$3`, hash, s.Now(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFound("用户不存在")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event{Actor: actor(by), Entity: "user", EntityID: id, Action: "reset_password"})
	})
}

// CheckOwnPassword verifies a user's current password.
func (s *Service) CheckOwnPassword(ctx context.Context, id int64, password string) error {
	_, hash, err := getUser(ctx, s.DB, "id = $1", id)
	if err != nil {
		return err
	}
	if ok, _ := argon2id.ComparePasswordAndHash(password, hash); !ok {
		return errs.Invalid("old_password", "原密码不正确")
	}
	return nil
}

// User returns one account.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	u, _, err := getUser(ctx, s.DB, "id = $1", id)
	return u, err
}

// Users lists accounts.
func (s *Service) Users(ctx context.Context, f ListFilter) ([]*User, error) {
	return listUsers(ctx, s.DB, f)
}

// Login checks credentials, throttled per login and per client address,
// and opens a session of the given kind. It returns the token to hand to
// the client (the database keeps only its hash).
func (s *Service) Login(ctx context.Context, login, password, ip, userAgent, kind string) (string, *User, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return "", nil, errs.Invalid("login", "请输入登录名")
	}
	now := s.Now()
	since := now.Add(-failWindow)
	var byLogin, byIP int
	if err := s.DB.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM login_failures WHERE login = $1 AND at > $3),
		(SELECT count(*) FROM login_failures WHERE ip = $2 AND at > $3)`, login, ip, since).Scan(&byLogin, &byIP); err != nil {
		return "", nil, fmt.Errorf("login throttle: %w", err)
	}
	if byLogin >= maxFailByLogin || byIP >= maxFailByIP {
		return "", nil, errs.TooMany("登录失败次数过多，请 15 分钟后再试")
	}
	u, hash, err := getUser(ctx, s.DB, "login = $1", login)
	ok := false
	if err == nil {
		ok, _ = argon2id.ComparePasswordAndHash(password, hash)
	} else if errs.CodeOf(err) != errs.CodeNotFound {
		return "", nil, err
	} else {
		// Spend the same time as a real check, so timing does not reveal
		// which logins exist.
		argon2id.ComparePasswordAndHash(password, dummyHash(s.Params))
	}
	if !ok || u.Disabled {
		if werr := s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (login, ip, at) VALUES ($1,$2,$3)`, login, ip, now)
			return err
		}); werr != nil {
			return "", nil, werr
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
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE login = $1`, login); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, kind, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES ($1,$2,$3,$4,$4,$5,$6,$7)`, hashToken(tok), u.ID, kind, now, now.Add(ttl), ip, truncate(userAgent, 200))
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("open session: %w", err)
	}
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

// Authenticate returns the user of a live session or API token.
func (s *Service) Authenticate(ctx context.Context, token, kind string) (*User, error) {
	if token == "" {
		return nil, errs.Unauthorized("请先登录")
	}
	now := s.Now()
	hash := hashToken(token)
	u, lastSeen, err := sessionUser(ctx, s.sessionStmt(ctx), s.DB, hash, kind, now)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, errs.Unauthorized("该账号已停用")
	}
	if now.Sub(lastSeen) > touchEvery {
		// Sliding expiry for web sessions; one write a minute at most.
		exp := now.Add(WebSessionTTL)
		if kind == KindAPI {
			exp = now.Add(APITokenTTL)
		}
		s.DB.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at=$1, expires_at=$2 WHERE token_hash=$3`, now, exp, hash)
			return err
		})
	}
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
	ctx = web.WithViewer(ctx, u)
	r = r.WithContext(ctx)
	if !u.Can(perm) {
		return r, errs.Forbidden("您的角色（%s）无权进行此操作", u.Role.Label())
	}
	return r, nil
}
