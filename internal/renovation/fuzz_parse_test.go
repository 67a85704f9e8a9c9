package renovation

import (
	"regexp"
	"strings"
	"testing"
)

var hoursRe = regexp.MustCompile(`^([0-2]\d:[0-5]\d-[0-2]\d:[0-5]\d)(,[0-2]\d:[0-5]\d-[0-2]\d:[0-5]\d)*$`)

// FuzzHours: permitted working hours as typed ("8:00-12:00，14:00~18:00")
// come out as HH:MM-HH:MM ranges, each ending after it starts, in order
// and not overlapping, and are accepted again unchanged.
func FuzzHours(f *testing.F) {
	for _, s := range []string{"08:00-12:00,14:00-18:00", "8:00-12:00，14:00~18:00", "08:00至12:00；14:00—18:00", "",
		" ", "12:00-08:00", "08:00-12:00,11:00-13:00", "08:00-08:00", "24:00-25:00", "08:00", "-", ",,", "0:0-1:1",
		"08：00-12：00", "08:00-12:00,", "\xff", "08:00-12:00\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := hours(s)
		if !ok || out == "" {
			return
		}
		if !hoursRe.MatchString(out) {
			t.Fatalf("hours(%q) = %q", s, out)
		}
		last := ""
		for _, r := range strings.Split(out, ",") {
			a, b, _ := strings.Cut(r, "-")
			if a >= b || a < last {
				t.Fatalf("hours(%q) = %q: range %s out of order", s, out, r)
			}
			last = b
		}
		if again, ok := hours(out); !ok || again != out {
			t.Fatalf("hours(%q) = %q, then %q", s, out, again)
		}
	})
}

// FuzzDate: an accepted day is YYYY-MM-DD (2000–2100) and accepted again
// unchanged.
func FuzzDate(f *testing.F) {
	for _, s := range []string{"2026-12-01", "2026/12/01", "2026-2-30", "1999-12-31", "2101-01-01", "", "0", "-1",
		"２０２６-１２-０１", "2026-12-01T00:00:00Z", "\xff"} {
		f.Add(s)
	}
	day := regexp.MustCompile(`^(20\d\d|2100)-\d\d-\d\d$`)
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := date(s)
		if !ok {
			return
		}
		if !day.MatchString(out) {
			t.Fatalf("date(%q) = %q", s, out)
		}
		if again, ok := date(out); !ok || again != out {
			t.Fatalf("date(%q) = %q, then %q", s, out, again)
		}
	})
}
