package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"wuye/internal/app"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/errs"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// migrate brings the whole app's schema: the tests over HTTP (apptest)
// share the package's databases with the service tests.
func migrate(ctx context.Context, d *db.DB) error { return app.Migrate(ctx, d) }

const pw = "Secret123"

var ctx = context.Background()

func unique() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// clock is a settable time source for the service.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newService(d *db.DB) (*auth.Service, *clock) {
	s := auth.NewService(d)
	s.Params = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	c := &clock{t: time.Now().UTC().Truncate(time.Microsecond)}
	s.Now = c.now
	return s, c
}

func newUser(t *testing.T, s *auth.Service, role auth.Role) *auth.User {
	t.Helper()
	in := auth.UserInput{Login: string(role) + "-" + unique(), Name: "测试" + role.Label(), Role: role, Communities: []int64{1}}
	if role == auth.RoleDeptStaff {
		in.Department = "工程部"
	}
	u, err := s.CreateUser(ctx, nil, in, pw)
	if err != nil {
		t.Fatalf("create %s: %v", role, err)
	}
	return u
}

func wantCode(t *testing.T, what string, err error, code errs.Code, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || e.Field != field {
		t.Errorf("%s: got %v, want %s on field %q", what, err, code, field)
	}
}

func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"abc123", false},   // too short
		{"abcdefgh", false}, // no digit
		{"12345678", false}, // no letter
		{"        ", false},
		{"abcd1234", false},  // a common password
		{"Password1", false}, // a common one in other letter case
		{"woaini1314", false},
		{"kq7v2m9x", true},
		{"密码安全门卫12", true},
	}
	for _, tt := range tests {
		err := auth.CheckPasswordFor("someone", tt.pw)
		if tt.ok && err != nil {
			t.Errorf("%q rejected: %v", tt.pw, err)
		}
		if !tt.ok {
			wantCode(t, fmt.Sprintf("password %q", tt.pw), err, errs.CodeInvalid, "password")
		}
	}
	for _, tt := range []struct{ login, pw string }{{"zhangsan", "zhangsan2026"}, {"Kefu01", "my-KEFU01-pass"}} {
		if err := auth.CheckPasswordFor(tt.login, tt.pw); err == nil || !strings.Contains(err.Error(), "不能包含登录名") {
			t.Errorf("login %s with password %s: %v, want refused for holding the login", tt.login, tt.pw, err)
		}
	}
	if err := auth.CheckPasswordFor("zhangsan", "kq7v2m9x"); err != nil {
		t.Errorf("a good password refused: %v", err)
	}
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		_, err := s.CreateUser(ctx, nil, auth.UserInput{Login: "weak-" + unique(), Name: "弱", Role: auth.RoleAdmin}, "short1")
		wantCode(t, "create with a weak password", err, errs.CodeInvalid, "password")
		login := "liming" + unique()
		_, err = s.CreateUser(ctx, nil, auth.UserInput{Login: login, Name: "李明", Role: auth.RoleAdmin}, login+"1")
		wantCode(t, "create with the login in the password", err, errs.CodeInvalid, "password")
		u := newUser(t, s, auth.RoleCSAgent)
		wantCode(t, "reset to a weak password", s.SetPassword(ctx, nil, u.ID, "abcdefgh"), errs.CodeInvalid, "password")
		wantCode(t, "reset to a common password", s.SetPassword(ctx, nil, u.ID, "qwerty123"), errs.CodeInvalid, "password")
		wantCode(t, "reset to the login", s.SetPassword(ctx, nil, u.ID, "x"+u.Login), errs.CodeInvalid, "password")
		if _, _, err := s.Login(ctx, u.Login, pw, "10.0.9.1", "", auth.KindWeb); err != nil {
			t.Errorf("a refused reset changed the password: %v", err)
		}
	})
}

func TestUserInputIsValidated(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		tests := []struct {
			name  string
			in    auth.UserInput
			field string
		}{
			{"short login", auth.UserInput{Login: "ab", Name: "x", Role: auth.RoleAdmin}, "login"},
			{"non-ASCII login", auth.UserInput{Login: "张三丰", Name: "x", Role: auth.RoleAdmin}, "login"},
			{"no name", auth.UserInput{Login: "noname" + unique(), Role: auth.RoleAdmin}, "name"},
			{"unknown role", auth.UserInput{Login: "r" + unique(), Name: "x", Role: "boss"}, "role"},
			{"agent without community", auth.UserInput{Login: "c" + unique(), Name: "x", Role: auth.RoleCSAgent}, "communities"},
			{"staff without department", auth.UserInput{Login: "d" + unique(), Name: "x", Role: auth.RoleDeptStaff, Communities: []int64{1}}, "department"},
		}
		for _, tt := range tests {
			_, err := s.CreateUser(ctx, nil, tt.in, pw)
			wantCode(t, tt.name, err, errs.CodeInvalid, tt.field)
		}
		u := newUser(t, s, auth.RoleCashier)
		_, err := s.CreateUser(ctx, nil, auth.UserInput{Login: u.Login, Name: "重名", Role: auth.RoleAdmin}, pw)
		wantCode(t, "duplicate login", err, errs.CodeConflict, "login")
		// An admin sees every community; a scope given to one is dropped.
		a, err := s.CreateUser(ctx, nil, auth.UserInput{Login: "adm" + unique(), Name: "管理员", Role: auth.RoleAdmin, Communities: []int64{5}}, pw)
		if err != nil || len(a.Communities) != 0 || !a.Sees(987) {
			t.Errorf("admin: %+v, %v", a, err)
		}
	})
}

func TestLoginGivesATokenThatAuthenticates(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		u := newUser(t, s, auth.RoleCSAgent)
		tok, got, err := s.Login(ctx, " "+u.Login+" ", pw, "10.0.0.1", "test", auth.KindAPI)
		if err != nil || tok == "" || got.ID != u.ID {
			t.Fatalf("login: %q %+v %v", tok, got, err)
		}
		me, err := s.Authenticate(ctx, tok, auth.KindAPI)
		if err != nil || me.ID != u.ID || len(me.Communities) != 1 || me.Communities[0] != 1 {
			t.Fatalf("authenticate: %+v %v", me, err)
		}
		// An API token is not a browser session, and vice versa.
		if _, err := s.Authenticate(ctx, tok, auth.KindWeb); errs.CodeOf(err) != errs.CodeUnauthorized {
			t.Errorf("API token accepted as a web session: %v", err)
		}
		for _, bad := range []string{"", "not-a-token", tok + "x"} {
			if _, err := s.Authenticate(ctx, bad, auth.KindAPI); errs.CodeOf(err) != errs.CodeUnauthorized {
				t.Errorf("token %q: %v", bad, err)
			}
		}
	})
}

func TestWrongPasswordOrUnknownLoginIsUnauthorized(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		u := newUser(t, s, auth.RoleCSAgent)
		_, _, err1 := s.Login(ctx, u.Login, "Wrong1234", "10.0.1.1", "", auth.KindAPI)
		_, _, err2 := s.Login(ctx, "nobody-"+unique(), pw, "10.0.1.1", "", auth.KindAPI)
		wantCode(t, "wrong password", err1, errs.CodeUnauthorized, "")
		wantCode(t, "unknown login", err2, errs.CodeUnauthorized, "")
		// The same words for both, so a caller cannot probe for logins.
		if err1.Error() != err2.Error() {
			t.Errorf("messages differ: %q vs %q", err1, err2)
		}
		_, _, err := s.Login(ctx, "  ", pw, "10.0.1.1", "", auth.KindAPI)
		wantCode(t, "empty login", err, errs.CodeInvalid, "login")
	})
}

func TestTwentyFailuresLockTheAddress(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		u := newUser(t, s, auth.RoleCSAgent)
		ip := "10.2." + fmt.Sprint(time.Now().UnixNano()%250) + ".9"
		for i := range 20 {
			s.Login(ctx, fmt.Sprintf("guess%d-%s", i, unique()), "Wrong1234", ip, "", auth.KindAPI)
		}
		_, _, err := s.Login(ctx, u.Login, pw, ip, "", auth.KindAPI)
		wantCode(t, "login from a guessing address", err, errs.CodeTooMany, "")
		if _, _, err := s.Login(ctx, u.Login, pw, "10.3.0.1", "", auth.KindAPI); err != nil {
			t.Errorf("another address was locked too: %v", err)
		}
	})
}

func TestDisabledUserIsLockedOut(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		admin := newUser(t, s, auth.RoleAdmin)
		u := newUser(t, s, auth.RoleCSAgent)
		tok, _, err := s.Login(ctx, u.Login, pw, "10.4.0.1", "", auth.KindAPI)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetDisabled(ctx, admin, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok, auth.KindAPI); errs.CodeOf(err) != errs.CodeUnauthorized {
			t.Errorf("a disabled user's token still works: %v", err)
		}
		_, _, err = s.Login(ctx, u.Login, pw, "10.4.0.1", "", auth.KindAPI)
		wantCode(t, "disabled login", err, errs.CodeUnauthorized, "")
		if err := s.SetDisabled(ctx, admin, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, u.Login, pw, "10.4.0.1", "", auth.KindAPI); err != nil {
			t.Errorf("re-enabled user cannot log in: %v", err)
		}
		es, _, err := audit.List(ctx, d, audit.Filter{Entity: "user", EntityID: u.ID})
		if err != nil || len(es) != 3 || es[0].Action != "enable" || es[1].Action != "disable" || es[1].UserID != admin.ID {
			t.Errorf("audit of the account: %+v %v", es, err)
		}
	})
}

func TestLogoutEverywhereEndsEverySession(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		u := newUser(t, s, auth.RoleDirector)
		web1, _, _ := s.Login(ctx, u.Login, pw, "10.5.0.1", "", auth.KindWeb)
		web2, _, _ := s.Login(ctx, u.Login, pw, "10.5.0.2", "", auth.KindWeb)
		api, _, _ := s.Login(ctx, u.Login, pw, "10.5.0.3", "", auth.KindAPI)
		if err := s.Logout(ctx, web1); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, web1, auth.KindWeb); err == nil {
			t.Error("logged-out session still works")
		}
		if _, err := s.Authenticate(ctx, web2, auth.KindWeb); err != nil {
			t.Errorf("logout ended another session: %v", err)
		}
		if err := s.LogoutEverywhere(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, web2, auth.KindWeb); err == nil {
			t.Error("web session survived logout everywhere")
		}
		if _, err := s.Authenticate(ctx, api, auth.KindAPI); err == nil {
			t.Error("API token survived logout everywhere")
		}
	})
}

func TestPasswordResetEndsSessionsAndChangesThePassword(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		u := newUser(t, s, auth.RoleCashier)
		tok, _, _ := s.Login(ctx, u.Login, pw, "10.6.0.1", "", auth.KindWeb)
		if err := s.SetPassword(ctx, nil, u.ID, "NewPass456"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok, auth.KindWeb); err == nil {
			t.Error("session survived a password reset")
		}
		if _, _, err := s.Login(ctx, u.Login, pw, "10.6.0.1", "", auth.KindWeb); err == nil {
			t.Error("old password still works")
		}
		if _, _, err := s.Login(ctx, u.Login, "NewPass456", "10.6.0.1", "", auth.KindWeb); err != nil {
			t.Errorf("new password: %v", err)
		}
		wantCode(t, "wrong current password", s.CheckOwnPassword(ctx, u.ID, pw), errs.CodeInvalid, "old_password")
		if err := s.CheckOwnPassword(ctx, u.ID, "NewPass456"); err != nil {
			t.Errorf("CheckOwnPassword: %v", err)
		}
		wantCode(t, "reset of a missing user", s.SetPassword(ctx, nil, 987654321, "NewPass456"), errs.CodeNotFound, "")
	})
}

// lastAdminDB is a database of its own: "the last admin" is a count over
// every account, which the package's shared database would spoil.
func lastAdminDB(t *testing.T, dialect db.Dialect) *db.DB {
	d, err := db.Open(ctx, dbtest.DSN(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLastAdminCannotBeDisabledOrDemoted(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			s, _ := newService(lastAdminDB(t, dialect))
			admin := newUser(t, s, auth.RoleAdmin)
			wantCode(t, "disable the only admin", s.SetDisabled(ctx, admin, admin.ID, true), errs.CodeConflict, "role")
			_, err := s.UpdateUser(ctx, admin, admin.ID, auth.UserInput{Name: admin.Name, Role: auth.RoleDirector, Communities: []int64{1}})
			wantCode(t, "demote the only admin", err, errs.CodeConflict, "role")
			if u, _ := s.User(ctx, admin.ID); u.Disabled || u.Role != auth.RoleAdmin {
				t.Errorf("the refused change was written: %+v", u)
			}
			second := newUser(t, s, auth.RoleAdmin)
			if err := s.SetDisabled(ctx, admin, second.ID, true); err != nil {
				t.Errorf("disable one of two admins: %v", err)
			}
			// A disabled admin does not count as the one that remains.
			wantCode(t, "disable the last enabled admin", s.SetDisabled(ctx, admin, admin.ID, true), errs.CodeConflict, "role")
		})
	}
}

func TestRolePermissions(t *testing.T) {
	all := []string{auth.PermArchiveRead, auth.PermArchiveWrite, auth.PermArchiveTransfer, auth.PermArchiveImport,
		auth.PermArchiveExport, auth.PermCommunityAdmin, auth.PermIDNumberView, auth.PermAuditRead, auth.PermUsersAdmin,
		auth.PermBackupManage, auth.PermPhoneView}
	grants := map[auth.Role][]string{
		auth.RoleAdmin: all,
		auth.RoleDirector: {auth.PermArchiveRead, auth.PermArchiveWrite, auth.PermArchiveTransfer, auth.PermArchiveImport,
			auth.PermArchiveExport, auth.PermIDNumberView, auth.PermAuditRead, auth.PermPhoneView},
		auth.RoleCSManager: {auth.PermArchiveRead, auth.PermArchiveWrite, auth.PermArchiveTransfer, auth.PermArchiveImport, auth.PermArchiveExport,
			auth.PermPhoneView},
		auth.RoleCSAgent:   {auth.PermArchiveRead, auth.PermArchiveWrite, auth.PermArchiveExport, auth.PermPhoneView},
		auth.RoleCashier:   {auth.PermArchiveRead, auth.PermArchiveExport, auth.PermPhoneView},
		auth.RoleDeptStaff: {auth.PermArchiveRead, auth.PermPhoneView},
		auth.RoleAuditor:   {auth.PermArchiveRead, auth.PermArchiveExport, auth.PermAuditRead},
	}
	for _, role := range auth.Roles {
		has := map[string]bool{}
		for _, p := range grants[role] {
			has[p] = true
		}
		for _, p := range all {
			if auth.RoleHas(role, p) != has[p] {
				t.Errorf("%s has %s = %v, want %v", role, p, auth.RoleHas(role, p), has[p])
			}
		}
		if !auth.RoleHas(role, auth.PermSignedIn) {
			t.Errorf("%s is not signed in", role)
		}
	}
	u := &auth.User{Role: auth.RoleDirector, Disabled: true}
	if u.Can(auth.PermArchiveRead) {
		t.Error("a disabled user can act")
	}
	var nobody *auth.User
	if nobody.Can(auth.PermSignedIn) {
		t.Error("nil user can act")
	}
}

func TestCommunityScope(t *testing.T) {
	agent := &auth.User{Role: auth.RoleCSAgent, Communities: []int64{3, 5}}
	if !agent.Sees(3) || !agent.Sees(5) || agent.Sees(4) || agent.AllCommunities() {
		t.Errorf("agent scope wrong")
	}
	admin := &auth.User{Role: auth.RoleAdmin}
	if !admin.Sees(4) || !admin.AllCommunities() {
		t.Errorf("admin must see every community")
	}
}

func TestMasks(t *testing.T) {
	if got := auth.MaskID("11010519491231002X"); got != "110105********002X" {
		t.Errorf("MaskID = %q", got)
	}
	if got := auth.MaskID("E1234567"); got != "********" {
		t.Errorf("MaskID short = %q", got)
	}
	for in, want := range map[string]string{"13812345678": "138****5678", "138****5678": "138****5678",
		"0571-88886666": "057******6666", "88886666": "****6666", "1234567": "*******", "": ""} {
		if got := auth.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOnlyRolesThatCallPeopleSeeTheirPhones(t *testing.T) {
	const phone = "13812345678"
	for _, role := range auth.Roles {
		want := phone
		if role == auth.RoleAuditor {
			want = "138****5678"
		}
		if got := (&auth.User{Role: role}).ShowPhone(phone); got != want {
			t.Errorf("%s sees %q, want %q", role, got, want)
		}
	}
	var nobody *auth.User
	if got := nobody.ShowPhone(phone); got != "138****5678" {
		t.Errorf("nobody sees %q", got)
	}
	if got := (&auth.User{Role: auth.RoleCSAgent, Disabled: true}).ShowPhone(phone); got == phone {
		t.Error("a disabled user sees a whole phone")
	}
}
