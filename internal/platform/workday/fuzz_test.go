package workday_test

import (
	"testing"
	"time"

	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
	"wuye/internal/platform/workday"
)

// FuzzParseDate: an accepted day is written exactly as it prints
// (YYYY-MM-DD, a real date, 2000–2100); anything else is an invalid error
// on the field, never a panic or another kind of error.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-10-01", "2000-01-01", "2100-12-31", "1999-12-31", "2101-01-01", "2026-02-29",
		"2028-02-29", "2026-13-01", "2026-1-1", "2026/10/01", "", "0", "-1", "２０２６-１０-０１", "2026-10-01T00:00:00Z",
		" 2026-10-01", "2026-10-01\x00", "\xff", "9999999999-01-01", "+2026-10-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := workday.ParseDate("day", s)
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Code != errs.CodeInvalid || e.Field != "day" {
				t.Fatalf("ParseDate(%q): %v, want an invalid error on day", s, err)
			}
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q) = %s, which prints differently", s, d)
		}
		if d.Year < workday.MinYear || d.Year > workday.MaxYear {
			t.Fatalf("ParseDate(%q) accepted year %d", s, d.Year)
		}
		if workday.NewDate(d.Year, d.Month, d.Day) != d {
			t.Fatalf("ParseDate(%q) = %v, not a real date", s, d)
		}
	})
}

// FuzzAddWorkdays: for any start in the calendar's years and any count
// the API allows, the answer is a working day at the same clock time, on
// the right side of the start, and WorkdaysBetween counts back exactly n.
func FuzzAddWorkdays(f *testing.F) {
	var cals []*workday.Calendar
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		cals = append(cals, workday.NewCalendar(dbtest.Open(f, dialect, migrate)))
	}
	first := time.Date(workday.MinYear, 1, 1, 0, 0, 0, 0, web.Shanghai).Unix()
	last := time.Date(workday.MaxYear, 12, 31, 23, 59, 59, 0, web.Shanghai).Unix()
	for _, c := range []struct {
		at string
		n  int
	}{{"2026-09-30T10:00:00+08:00", 1}, {"2026-09-30T10:00:00+08:00", 5}, {"2026-10-08T09:00:00+08:00", -3},
		{"2000-01-01T00:00:00+08:00", -1000}, {"2100-12-31T23:59:59+08:00", 1000}, {"2027-02-04T18:30:00+08:00", 0}} {
		f.Add(at(c.at).Unix(), c.n)
	}
	f.Fuzz(func(t *testing.T, sec int64, n int) {
		// Fold the inputs into what GET /api/v1/workdays/add accepts.
		span := last - first + 1
		from := time.Unix(first+((sec%span)+span)%span, 0)
		n = ((n%2001)+2001)%2001 - 1000
		for _, c := range cals {
			got, err := c.AddWorkdays(ctx, from, n)
			if err != nil {
				t.Fatalf("AddWorkdays(%s, %d): %v", from, n, err)
			}
			if n == 0 {
				if !got.Equal(from) {
					t.Fatalf("AddWorkdays(%s, 0) = %s", from, got)
				}
				continue
			}
			if a, b := from.In(web.Shanghai), got.In(web.Shanghai); a.Hour() != b.Hour() || a.Minute() != b.Minute() || a.Second() != b.Second() {
				t.Fatalf("AddWorkdays(%s, %d) = %s: clock time changed", from, n, got)
			}
			if (n > 0) != got.After(from) {
				t.Fatalf("AddWorkdays(%s, %d) = %s: wrong direction", from, n, got)
			}
			if ok, err := c.IsWorkday(ctx, workday.DateOf(got)); err != nil || !ok {
				t.Fatalf("AddWorkdays(%s, %d) = %s, not a working day (%v)", from, n, got, err)
			}
			// Counted from the earlier date, the later one included: going
			// back, the start's own date counts when it is a working day.
			want := n
			if n < 0 {
				want = -n - 1
				if ok, _ := c.IsWorkday(ctx, workday.DateOf(from)); ok {
					want++
				}
				want = -want
			}
			if back, err := c.WorkdaysBetween(ctx, from, got); err != nil || back != want {
				t.Fatalf("WorkdaysBetween(%s, AddWorkdays(…, %d) = %s) = %d, %v; want %d", from, n, got, back, err, want)
			}
		}
	})
}
