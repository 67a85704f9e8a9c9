package auth

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
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
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the accounts' migrations.
var Module = db.Module{Name: "auth", FS: migrations}

func init() {
	audit.Describe("user", "用户", map[string]string{
		"login": "登录名", "name": "姓名", "role": "角色", "department": "部门", "phone": "电话",
		"disabled": "停用", "communities": "管辖小区", "email": "电子邮箱", "locked_at": "锁定时间",
	})
}

// Session kinds.
const (
	KindWeb = "web"
	KindAPI = "api"
)

// Lifetimes and throttling limits.
//
// A web session ends WebIdleTimeout after its last request and, however
// busy, WebSessionTTL after the login: a front-desk PC left signed in is
// the likeliest way for someone else to act under a clerk's name. An API
// token has neither: it is a credential a script or an app asked for
// with the password and keeps, calling at its own pace (a nightly
// import, a phone app opened twice a day), never a browser cookie that
// a passer-by could use; it lapses after APITokenTTL unused and ends with
// 在所有设备上退出, a password change or disabling the account.
const (
	WebSessionTTL  = 12 * time.Hour
	WebIdleTimeout = 30 * time.Minute
	APITokenTTL    = 30 * 24 * time.Hour
	// touchEvery is how often a request writes last_seen_at, so a session
	// may end up to this much before WebIdleTimeout of real idleness,
	// never after it.
	touchEvery  = time.Minute
	failWindow  = 15 * time.Minute
	maxFailByIP = 20
	// keepExpired is how long an ended session's row stays, so that the
	// login form can tell its browser 登录已超时.
	keepExpired = 24 * time.Hour
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
	if err := CheckPasswordFor(in.Login, password); err != nil {
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
	s.showLock(u)
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
	s.showLock(u)
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
// after CheckOwnPassword) and ends every session of the account, so a
// changed password also shuts out whoever else was using the old one.
func (s *Service) SetPassword(ctx context.Context, by *User, id int64, password string) error {
	if err := CheckPassword(password); err != nil {
		return err
	}
	u, _, err := getUser(ctx, s.DB, "id = $1", id)
	if err != nil {
		return err
	}
	if err := CheckPasswordFor(u.Login, password); err != nil {
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

// CheckOwnPassword verifies a user's current password (on field
// old_password); a wrong one counts towards the account's lockout.
func (s *Service) CheckOwnPassword(ctx context.Context, id int64, password string) error {
	return s.checkOwn(ctx, id, password, "", "old_password", "原密码不正确")
}

// User returns one account.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	u, _, err := getUser(ctx, s.DB, "id = $1", id)
	s.showLock(u)
	return u, err
}

// Users lists accounts.
func (s *Service) Users(ctx context.Context, f ListFilter) ([]*User, error) {
	us, err := listUsers(ctx, s.DB, f)
	s.showLock(us...)
	return us, err
}
