// Package apptest builds a wired wuye app on a real test database (from
// dbtest) with two communities of records and one user of every role,
// and drives it over HTTP the way a browser or an API client does. It is
// a helper for tests only; nothing in the binary imports it.
package apptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"testing"

	"github.com/alexedwards/argon2id"

	"wuye/internal/app"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// Password is every fixture user's password.
const Password = "Secret123"

// Community is one community's fixture records: 3栋 2单元 1201 with one
// owner at 100%, one resident and one car.
type Community struct {
	Community *archive.Community
	Building  *archive.Building
	Unit      *archive.Unit
	House     *archive.House
	Owner     *archive.Owner
	Link      *archive.HouseOwner // Owner's link to House
	Resident  *archive.Resident
	Vehicle   *archive.Vehicle
	// IDs holds records of other modules, by the path segment that names
	// them ("tickets"); see SeedExtra.
	IDs map[string]int64
}

// Fixture is a wired app with community A (every non-admin user's scope)
// and community B (foreign to them).
type Fixture struct {
	T       testing.TB
	DB      *db.DB
	App     *app.App
	Handler http.Handler
	// Suffix makes this fixture's names unique in the shared test database.
	Suffix string
	A, B   *Community
	// Users has one user per role; all but admin are scoped to A.
	Users map[auth.Role]*auth.User
	// Target is a spare cs_agent of A that user-admin tests may edit,
	// disable or reset without locking anyone else out.
	Target *auth.User
	// IP is the client address of this fixture's requests, so login
	// throttling of one test does not spill into another.
	IP string

	tokens map[auth.Role]string
}

// FastParams are argon2id parameters cheap enough for tests.
var FastParams = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// NewApp wires an app on d with fast password hashing and a logger that
// reports errors to t.
func NewApp(t testing.TB, d *db.DB) *app.App {
	t.Helper()
	a := app.New(d, slog.New(&testLog{t: t}))
	a.Auth.Params = FastParams
	return a
}

// New builds the app on d and loads the fixture.
func New(t testing.TB, d *db.DB) *Fixture {
	t.Helper()
	a := NewApp(t, d)
	f := &Fixture{T: t, DB: d, App: a, Handler: a.Handler(), Suffix: Rand(6),
		Users: map[auth.Role]*auth.User{}, tokens: map[auth.Role]string{}}
	f.IP = fmt.Sprintf("10.%d.%d.%d", RandInt(250)+1, RandInt(250)+1, RandInt(250)+1)
	ctx := context.Background()
	admin, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "admin_" + f.Suffix, Name: "管理员" + f.Suffix, Role: auth.RoleAdmin}, Password)
	f.must(err)
	f.Users[auth.RoleAdmin] = admin
	f.A = f.community(admin, "甲苑"+f.Suffix, "张三")
	f.B = f.community(admin, "乙苑"+f.Suffix, "张三")
	for _, r := range auth.Roles {
		if r == auth.RoleAdmin {
			continue
		}
		f.Users[r] = f.NewUser(r, f.A.Community.ID)
	}
	f.Target = f.NewUser(auth.RoleCSAgent, f.A.Community.ID)
	return f
}

// Each runs fn on SQLite and PostgreSQL with a fresh fixture on each.
func Each(t *testing.T, fn func(t *testing.T, f *Fixture)) {
	t.Helper()
	dbtest.Each(t, app.Migrate, func(t *testing.T, d *db.DB) { fn(t, New(t, d)) })
}

// FreshDB opens a migrated database of its own (not the package's shared
// one), for tests that count over every row, such as "the last admin".
func FreshDB(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), dbtest.DSN(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := app.Migrate(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

// NewUser creates a user of role scoped to the given communities.
func (f *Fixture) NewUser(role auth.Role, communities ...int64) *auth.User {
	f.T.Helper()
	login := fmt.Sprintf("%s_%s_%s", role, f.Suffix, Rand(3))
	in := auth.UserInput{Login: login, Name: role.Label() + Rand(2), Role: role, Communities: communities}
	if role == auth.RoleDeptStaff {
		in.Department = "工程部"
	}
	u, err := f.App.Auth.CreateUser(context.Background(), nil, in, Password)
	f.must(err)
	return u
}

func (f *Fixture) community(admin *auth.User, name, ownerName string) *Community {
	ctx := context.Background()
	s := f.App.Archive
	c := &Community{IDs: map[string]int64{}}
	var err error
	c.Community, err = s.CreateCommunity(ctx, admin, archive.CommunityInput{Name: name, Address: name + "路1号", Type: "住宅"})
	f.must(err)
	c.Building, err = s.CreateBuilding(ctx, admin, archive.BuildingInput{CommunityID: c.Community.ID, Name: "3", Floors: 18})
	f.must(err)
	c.Unit, err = s.CreateUnit(ctx, admin, archive.UnitInput{BuildingID: c.Building.ID, Name: "2"})
	f.must(err)
	c.House, err = s.CreateHouse(ctx, admin, archive.HouseInput{UnitID: c.Unit.ID, Number: "1201", Floor: 12,
		GrossArea: "89.50", InnerArea: "75.20", Use: "住宅", Status: "自住"})
	f.must(err)
	c.Owner, err = s.CreateOwner(ctx, admin, archive.OwnerInput{CommunityID: c.Community.ID, Name: ownerName,
		Phone: Phone(), IDNumber: IDNumber(), Category: "普通"})
	f.must(err)
	c.Link, err = s.AddHouseOwner(ctx, admin, c.House.ID, archive.ShareInput{OwnerID: c.Owner.ID, Share: "100"})
	f.must(err)
	c.Resident, err = s.SaveResident(ctx, admin, 0, archive.ResidentInput{HouseID: c.House.ID, Name: "李四",
		Phone: Phone(), IDNumber: IDNumber(), Kind: "家庭成员", Relation: "配偶"})
	f.must(err)
	c.Vehicle, err = s.SaveVehicle(ctx, admin, 0, archive.VehicleInput{HouseID: c.House.ID, Plate: "粤B12345",
		Color: "白", Brand: "比亚迪", OwnerName: ownerName, Phone: c.Owner.Phone})
	f.must(err)
	c.House, err = s.House(ctx, admin, c.House.ID)
	f.must(err)
	return c
}

func (f *Fixture) must(err error) {
	f.T.Helper()
	if err != nil {
		f.T.Fatalf("fixture: %v", err)
	}
}

// Markers are strings that only community B's records contain; a
// response to a user scoped to A must contain none of them.
func (f *Fixture) Markers() []string {
	return []string{f.B.Community.Name, f.B.Owner.Phone, f.B.Owner.IDNumber, f.B.Resident.Phone, f.B.Resident.IDNumber}
}

// Rand returns n random bytes as hex (2n characters).
func Rand(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// RandInt returns a random int in [0, n).
func RandInt(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

// Phone returns a random mobile number.
func Phone() string { return fmt.Sprintf("139%08d", RandInt(100_000_000)) }

// IDNumber returns a random valid 18-digit 身份证 number.
func IDNumber() string {
	body := fmt.Sprintf("110105%04d%02d%02d%03d", 1950+RandInt(50), 1+RandInt(12), 1+RandInt(28), 1+RandInt(998))
	return body + string(IDCheck(body))
}

// IDCheck is the ISO 7064 MOD 11-2 check character of a 17-digit body.
func IDCheck(body string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

// testLog sends warnings and errors (a handler's 500) to the test log
// and drops the per-request info lines.
type testLog struct {
	t     testing.TB
	attrs []slog.Attr
}

func (l *testLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }
func (l *testLog) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	l.t.Logf("app log: %s %s", r.Level, msg)
	return nil
}
func (l *testLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &testLog{t: l.t, attrs: append(append([]slog.Attr{}, l.attrs...), as...)}
}
func (l *testLog) WithGroup(string) slog.Handler { return l }
