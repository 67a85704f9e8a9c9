package workday_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/workday"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func migrate(ctx context.Context, d *db.DB) error {
	return d.Migrate(ctx, auth.Module, audit.Module, workday.Module)
}

var ctx = context.Background()

// The statutory dates below were read from lunar-go v1.4.7's table
// (HolidayUtil.GetHolidaysByYear) and their weekdays checked by hand:
//
//	2026 中秋节  off 09-25 Fri … 09-27 Sun
//	2026 国庆节  off 10-01 Thu … 10-07 Wed; 调休 working 09-20 Sun and 10-10 Sat
//	2027 春节    off 02-05 Fri … 02-13 Sat; 调休 working 01-31 Sun and 02-14 Sun
//
// The test below pins them, so a lunar-go upgrade that changes them fails
// here first instead of moving deadlines silently.

func date(s string) workday.Date {
	d, err := workday.ParseDate("day", s)
	if err != nil {
		panic(err)
	}
	return d
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestStatutoryTableIsTheOneTheseTestsAssume(t *testing.T) {
	for _, c := range []struct {
		day     string
		wd      time.Weekday
		working bool
		name    string
	}{
		{"2026-09-20", time.Sunday, true, "国庆节"},
		{"2026-09-25", time.Friday, false, "中秋节"},
		{"2026-10-01", time.Thursday, false, "国庆节"},
		{"2026-10-07", time.Wednesday, false, "国庆节"},
		{"2026-10-08", time.Thursday, true, ""},
		{"2026-10-10", time.Saturday, true, "国庆节"},
		{"2026-10-11", time.Sunday, false, ""},
		{"2027-01-29", time.Friday, true, ""},
		{"2027-01-31", time.Sunday, true, "春节"},
		{"2027-02-05", time.Friday, false, "春节"},
		{"2027-02-08", time.Monday, false, "春节"},
		{"2027-02-13", time.Saturday, false, "春节"},
		{"2027-02-14", time.Sunday, true, "春节"},
		{"2027-02-15", time.Monday, true, ""},
	} {
		d := date(c.day)
		working, name := workday.Statutory(d)
		if d.Weekday() != c.wd || working != c.working || name != c.name {
			t.Errorf("%s: %s working=%v %q, want %s %v %q", c.day, d.Weekday(), working, name, c.wd, c.working, c.name)
		}
	}
	for y, want := range map[int]bool{2025: true, 2026: true, 2027: true, 2028: false} {
		if got := workday.StatutoryCovered(y); got != want {
			t.Errorf("StatutoryCovered(%d) = %v, want %v", y, got, want)
		}
	}
}

func TestAddWorkdaysFollowsHolidaysAndAdjustedWeekends(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		cal := workday.NewCalendar(d)
		for _, c := range []struct {
			what, from string
			n          int
			want       string
		}{
			{"Wednesday before 国庆 lands after the holiday", "2026-09-30T10:00:00+08:00", 1, "2026-10-08T10:00:00+08:00"},
			{"second working day is the Friday", "2026-09-30T10:00:00+08:00", 2, "2026-10-09T10:00:00+08:00"},
			{"调休 Saturday 10-10 counts", "2026-09-30T10:00:00+08:00", 3, "2026-10-10T10:00:00+08:00"},
			{"then Sunday is off again", "2026-09-30T10:00:00+08:00", 4, "2026-10-12T10:00:00+08:00"},
			{"调休 Sunday 09-20 counts", "2026-09-18T09:30:00+08:00", 1, "2026-09-20T09:30:00+08:00"},
			{"中秋 Friday 09-25 is off", "2026-09-24T17:00:00+08:00", 1, "2026-09-28T17:00:00+08:00"},
			{"from inside the holiday", "2026-10-03T08:00:00+08:00", 1, "2026-10-08T08:00:00+08:00"},
			{"a working day's own date does not count", "2026-10-08T10:00:00+08:00", 1, "2026-10-09T10:00:00+08:00"},
			{"Friday before 春节 week: 调休 Sunday 01-31, Mon, Tue", "2027-01-29T10:00:00+08:00", 3, "2027-02-02T10:00:00+08:00"},
			{"last day before 春节: 调休 Sunday 02-14, Mon, Tue", "2027-02-04T10:00:00+08:00", 3, "2027-02-16T10:00:00+08:00"},
			{"from the first day of 春节", "2027-02-05T15:00:00+08:00", 1, "2027-02-14T15:00:00+08:00"},
			{"UTC input, Shanghai clock time kept", "2026-09-30T02:00:00Z", 1, "2026-10-08T10:00:00+08:00"},
			{"UTC evening is already the holiday's date in Shanghai", "2026-09-30T17:00:00Z", 1, "2026-10-08T01:00:00+08:00"},
			{"backwards over 国庆", "2026-10-08T10:00:00+08:00", -1, "2026-09-30T10:00:00+08:00"},
			{"backwards onto the 调休 Sunday", "2027-02-15T10:00:00+08:00", -1, "2027-02-14T10:00:00+08:00"},
		} {
			got, err := cal.AddWorkdays(ctx, at(c.from), c.n)
			if err != nil {
				t.Fatalf("%s: %v", c.what, err)
			}
			if got.Format(time.RFC3339) != c.want {
				t.Errorf("%s: %d working days after %s = %s, want %s", c.what, c.n, c.from, got.Format(time.RFC3339), c.want)
			}
		}
		// N = 0 is T itself, even on a holiday and in its own zone.
		from := at("2026-10-01T10:00:00Z")
		if got, err := cal.AddWorkdays(ctx, from, 0); err != nil || !got.Equal(from) {
			t.Errorf("0 working days after %s = %s, %v", from, got, err)
		}
	})
}

func TestIsWorkdayAndNextWorkday(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		cal := workday.NewCalendar(d)
		for day, want := range map[string]bool{
			"2026-09-20": true, "2026-09-25": false, "2026-10-01": false, "2026-10-08": true, "2026-10-10": true,
			"2026-10-11": false, "2026-10-12": true, "2027-01-31": true, "2027-02-05": false, "2027-02-08": false,
			"2027-02-14": true, "2028-01-03": true, "2028-01-01": false,
		} {
			if got, err := cal.IsWorkday(ctx, date(day)); err != nil || got != want {
				t.Errorf("IsWorkday(%s) = %v, %v; want %v", day, got, err, want)
			}
		}
		for from, want := range map[string]string{
			"2026-09-30": "2026-10-08", "2026-10-08": "2026-10-09", "2026-10-09": "2026-10-10",
			"2027-02-04": "2027-02-14", "2027-12-31": "2028-01-03",
		} {
			if got, err := cal.NextWorkday(ctx, date(from)); err != nil || got.String() != want {
				t.Errorf("NextWorkday(%s) = %s, %v; want %s", from, got, err, want)
			}
		}
	})
}

func TestWorkdaysBetweenAcrossHolidays(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		cal := workday.NewCalendar(d)
		for _, c := range []struct {
			a, b string
			want int
		}{
			{"2026-09-30T10:00:00+08:00", "2026-10-12T09:00:00+08:00", 4}, // 10-08, 10-09, 10-10 (调休), 10-12
			{"2026-09-30T10:00:00+08:00", "2026-10-07T18:00:00+08:00", 0}, // all 国庆
			{"2026-10-08T09:00:00+08:00", "2026-10-08T18:00:00+08:00", 0}, // same date
			{"2027-02-04T10:00:00+08:00", "2027-02-16T10:00:00+08:00", 3}, // 02-14 (调休), 02-15, 02-16
			{"2027-01-29T10:00:00+08:00", "2027-02-16T10:00:00+08:00", 8}, // 01-31, 02-01…02-04, 02-14…02-16
			{"2026-10-12T09:00:00+08:00", "2026-09-30T10:00:00+08:00", -4},
			{"2026-12-30T10:00:00+08:00", "2027-01-05T10:00:00+08:00", 3}, // 12-31, 01-04, 01-05 (元旦 01-01…03)
		} {
			if got, err := cal.WorkdaysBetween(ctx, at(c.a), at(c.b)); err != nil || got != c.want {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, %v; want %d", c.a, c.b, got, err, c.want)
			}
		}
		// AddWorkdays and WorkdaysBetween agree on every n around both holidays.
		for _, from := range []string{"2026-09-17T10:00:00+08:00", "2027-01-27T10:00:00+08:00"} {
			for n := 1; n <= 25; n++ {
				to, err := cal.AddWorkdays(ctx, at(from), n)
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := cal.WorkdaysBetween(ctx, at(from), to); got != n {
					t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", from, to.Format(time.DateOnly), got, n)
				}
				if ok, _ := cal.IsWorkday(ctx, workday.DateOf(to)); !ok {
					t.Errorf("%d working days after %s is %s, not a working day", n, from, to)
				}
			}
		}
	})
}

func newUser(t *testing.T, s *auth.Service, role auth.Role) *auth.User {
	t.Helper()
	u, err := s.CreateUser(ctx, nil, auth.UserInput{Login: string(role) + "-" + unique(), Name: "测试" + role.Label(),
		Role: role, Communities: []int64{1}}, "Secret123")
	if err != nil {
		t.Fatalf("create %s: %v", role, err)
	}
	return u
}

// cleanOverrides removes days' overrides when the test ends: the database
// is shared by the package's tests.
func cleanOverrides(t *testing.T, d *db.DB, days ...string) {
	t.Cleanup(func() {
		for _, day := range days {
			d.ExecContext(ctx, `DELETE FROM workday_overrides WHERE day = $1`, day)
		}
	})
}

func TestOverrideWinsAndIsAudited(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		cleanOverrides(t, d, "2026-10-12", "2026-10-05")
		s := authService(d)
		director := newUser(t, s, auth.RoleDirector)
		cal := workday.NewCalendar(d)
		from := at("2026-09-30T10:00:00+08:00")
		deadline := func() string {
			t.Helper()
			got, err := cal.AddWorkdays(ctx, from, 4)
			if err != nil {
				t.Fatal(err)
			}
			return got.Format(time.RFC3339)
		}
		if got := deadline(); got != "2026-10-12T10:00:00+08:00" {
			t.Fatalf("before any override: %s", got)
		}

		// Monday 10-12 off: the fourth working day moves to Tuesday.
		day, err := cal.SetOverride(ctx, director, date("2026-10-12"), false, "  停电检修  ")
		if err != nil {
			t.Fatal(err)
		}
		if day.Day != "2026-10-12" || day.Working || !day.StatutoryWorking || !day.Overridden || day.Note != "停电检修" {
			t.Errorf("override record: %+v", day)
		}
		if got := deadline(); got != "2026-10-13T10:00:00+08:00" {
			t.Errorf("with Monday off: %s, want 2026-10-13", got)
		}
		// Changing the note keeps it off and is an update.
		if _, err := cal.SetOverride(ctx, director, date("2026-10-12"), false, "全区停电"); err != nil {
			t.Fatal(err)
		}
		// A holiday made a working day is one: 国庆 Monday 10-05 worked.
		if _, err := cal.SetOverride(ctx, director, date("2026-10-05"), true, "值班"); err != nil {
			t.Fatal(err)
		}
		if got, _ := cal.AddWorkdays(ctx, from, 1); got.Format(time.DateOnly) != "2026-10-05" {
			t.Errorf("1 working day after 09-30 with 10-05 worked = %s", got)
		}
		if _, err := cal.DeleteOverride(ctx, director, date("2026-10-05")); err != nil {
			t.Fatal(err)
		}

		// Removing the override restores the statutory answer.
		day, err = cal.DeleteOverride(ctx, director, date("2026-10-12"))
		if err != nil {
			t.Fatal(err)
		}
		if !day.Working || day.Overridden || day.Note != "" {
			t.Errorf("after delete: %+v", day)
		}
		if got := deadline(); got != "2026-10-12T10:00:00+08:00" {
			t.Errorf("after removing the override: %s", got)
		}
		_, err = cal.DeleteOverride(ctx, director, date("2026-10-12"))
		if errs.CodeOf(err) != errs.CodeNotFound {
			t.Errorf("deleting a missing override: %v", err)
		}

		// Every change is in the audit log under entity workday, id YYYYMMDD.
		es, err := audit.History(ctx, d, workday.Entity, 20261012)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) < 3 {
			t.Fatalf("history has %d entries, want 3", len(es))
		}
		type rec struct {
			Day     string `json:"day"`
			Working bool   `json:"working"`
			Note    string `json:"note"`
		}
		decode := func(raw json.RawMessage) *rec {
			var r *rec
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatalf("audit json %s: %v", raw, err)
			}
			return r
		}
		want := []struct {
			action        string
			before, after *rec
		}{
			{audit.ActionDelete, &rec{"2026-10-12", false, "全区停电"}, nil},
			{audit.ActionUpdate, &rec{"2026-10-12", false, "停电检修"}, &rec{"2026-10-12", false, "全区停电"}},
			{audit.ActionCreate, nil, &rec{"2026-10-12", false, "停电检修"}},
		}
		for i, w := range want {
			e := es[i]
			b, a := decode(e.Before), decode(e.After)
			if e.Action != w.action || e.UserID != director.ID || e.CommunityID != 0 ||
				(b == nil) != (w.before == nil) || (b != nil && *b != *w.before) ||
				(a == nil) != (w.after == nil) || (a != nil && *a != *w.after) {
				t.Errorf("audit entry %d: %s %s → %s, want %s %+v → %+v", i, e.Action, e.Before, e.After, w.action, w.before, w.after)
			}
		}
	})
}

func TestOverridesNeedCalendarAdmin(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		cleanOverrides(t, d, "2026-11-02")
		s := authService(d)
		cal := workday.NewCalendar(d)
		for _, role := range []auth.Role{auth.RoleCSManager, auth.RoleCSAgent, auth.RoleAuditor} {
			u := newUser(t, s, role)
			_, err := cal.SetOverride(ctx, u, date("2026-11-02"), false, "")
			if errs.CodeOf(err) != errs.CodeForbidden {
				t.Errorf("%s set an override: %v", role, err)
			}
		}
		for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleDirector} {
			u := newUser(t, s, role)
			if _, err := cal.SetOverride(ctx, u, date("2026-11-02"), false, ""); err != nil {
				t.Errorf("%s cannot set an override: %v", role, err)
			}
		}
		long := make([]rune, 201)
		for i := range long {
			long[i] = '长'
		}
		_, err := cal.SetOverride(ctx, newUser(t, s, auth.RoleAdmin), date("2026-11-02"), true, string(long))
		if e, ok := errs.As(err); !ok || e.Code != errs.CodeInvalid || e.Field != "note" {
			t.Errorf("a 201-character note: %v", err)
		}
	})
}

// clock is a settable time source for the cache.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestCalendarCachesOverridesForItsTTL(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		cleanOverrides(t, d, "2026-11-09", "2027-03-01")
		clk := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
		cal := workday.NewCalendar(d)
		cal.Now = clk.now
		mon := date("2026-11-09")
		if ok, _ := cal.IsWorkday(ctx, mon); !ok {
			t.Fatal("2026-11-09 (Monday) is not a working day")
		}
		if err := cal.Preload(ctx, date("2027-01-01"), date("2027-12-31")); err != nil {
			t.Fatal(err)
		}
		// Another server writes two overrides straight to the database.
		for _, day := range []string{"2026-11-09", "2027-03-01"} {
			if _, err := d.ExecContext(ctx, `INSERT INTO workday_overrides (day, working, note, updated_by, updated_at)
				VALUES ($1, $2, '', 0, $3)`, day, false, clk.t); err != nil {
				t.Fatal(err)
			}
		}
		// Within the TTL this calendar answers from memory: no query per
		// question, and the other server's change is not seen yet.
		clk.t = clk.t.Add(workday.DefaultTTL - time.Second)
		for i := 0; i < 100; i++ {
			if ok, _ := cal.IsWorkday(ctx, mon); !ok {
				t.Fatal("the cache was bypassed within its TTL")
			}
		}
		if ok, _ := cal.IsWorkday(ctx, date("2027-03-01")); !ok {
			t.Fatal("the preloaded year was bypassed within its TTL")
		}
		// After the TTL it reloads and sees them.
		clk.t = clk.t.Add(2 * time.Second)
		if ok, _ := cal.IsWorkday(ctx, mon); ok {
			t.Error("the other server's override is not seen after the TTL")
		}
		if ok, _ := cal.IsWorkday(ctx, date("2027-03-01")); ok {
			t.Error("the other server's 2027 override is not seen after the TTL")
		}
		// A write through this calendar is seen at once.
		admin := newUser(t, authService(d), auth.RoleAdmin)
		if _, err := cal.SetOverride(ctx, admin, mon, true, ""); err != nil {
			t.Fatal(err)
		}
		if ok, _ := cal.IsWorkday(ctx, mon); !ok {
			t.Error("the calendar's own write is not seen at once")
		}
	})
}
