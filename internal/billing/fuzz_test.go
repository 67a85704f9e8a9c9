package billing

import (
	"bytes"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Fuzz targets of billing's own parsers and arithmetic; the readings
// import against a database is in fuzz_db_test.go.

var decimalSeeds = []string{"2.35", "1,234.5", "¥3", "￥3", "3元", "+1", "-1", "0", "", ".", ".5", "5.", "2.3456", "2.34567",
	"1000000", "999999999999.9999", "9999999999999", "0000000000000001", "１２３", "1e9", "0x10", "1 000", "\x00", "\xff",
	"10%", "100.0000", "100.0001"}

// decimalValue keeps the characters that carry an accepted string's
// value; ¥, 元, commas and spaces carry none.
func decimalValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '.' || r == '+' {
			return r
		}
		return -1
	}, s)
}

// FuzzParseDecimal: an accepted amount is worth exactly what is written
// (never rounded), never negative, and its rendering reads back the same.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range decimalSeeds {
		f.Add(s, uint8(2))
		f.Add(s, uint8(4))
	}
	f.Fuzz(func(t *testing.T, s string, places uint8) {
		p := int(places%4) + 1
		v, err := parseDecimal(s, p)
		if err != nil {
			if err != errFormat && err != errPrecision && err != errRange {
				t.Fatalf("parseDecimal(%q, %d): %v", s, p, err)
			}
			return
		}
		scale := big.NewInt(1)
		for range p {
			scale.Mul(scale, big.NewInt(10))
		}
		want, ok := new(big.Rat).SetString(decimalValue(s))
		if !ok || v < 0 || new(big.Rat).SetFrac(big.NewInt(v), scale).Cmp(want) != 0 {
			t.Fatalf("parseDecimal(%q, %d) = %d", s, p, v)
		}
		if p >= 2 {
			if back, err := parseDecimal(formatDecimal(v, p), p); err != nil || back != v {
				t.Fatalf("parseDecimal(%q, %d) = %d renders as %q, which reads %d %v", s, p, v, formatDecimal(v, p), back, err)
			}
		}
	})
}

// FuzzPriceAndRate: a unit price and a percentage that validation
// accepts are shown (FormatPrice, FormatRate) as text that reads back as
// the same value, and stay within their bounds.
func FuzzPriceAndRate(f *testing.F) {
	for _, s := range decimalSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := parsePrice(s); err == nil {
			if p < 0 || p > 1_000_000*10000 {
				t.Fatalf("parsePrice(%q) = %d", s, p)
			}
			if back, err := parsePrice(FormatPrice(p)); err != nil || back != p {
				t.Fatalf("parsePrice(%q) = %d shown %q reads %d %v", s, p, FormatPrice(p), back, err)
			}
		}
		if r, err := parseRate(s, 100); err == nil {
			if r < 0 || r > 100*10000 {
				t.Fatalf("parseRate(%q) = %d", s, r)
			}
			if back, err := parseRate(FormatRate(r), 100); err != nil || back != r {
				t.Fatalf("parseRate(%q) = %d shown %q reads %d %v", s, r, FormatRate(r), back, err)
			}
			if back, err := parseRate(FormatRate(r)+"%", 100); err != nil || back != r {
				t.Fatalf("parseRate(%q%%) = %d, %v", FormatRate(r), back, err)
			}
		}
	})
}

var (
	periodRe = regexp.MustCompile(`^\d{4}-\d\d$`)
	dayRe    = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
)

// FuzzPeriodAndDay: an accepted month (2026-11, 2026/1) or day comes out
// in its stored form (YYYY-MM, YYYY-MM-DD, 2000–2200), is accepted again
// unchanged, and starts at midnight of that day in Asia/Shanghai.
func FuzzPeriodAndDay(f *testing.F) {
	for _, s := range []string{"2026-11", "2026-1", "2026/11", "2026-13", "1999-12", "2201-01", "", "0", "-1", "2026",
		"２０２６-１１", "2026-11-30", "2026/11/30", "2026.11.30", "2026-02-29", "2028-02-29", "2026-11-31", "\xff", "2026-011"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, ok := normPeriod(s); ok {
			start, err := periodStart(p)
			if !periodRe.MatchString(p) || err != nil || start.Day() != 1 || start.Hour() != 0 {
				t.Fatalf("normPeriod(%q) = %q (start %v, %v)", s, p, start, err)
			}
			if again, ok := normPeriod(p); !ok || again != p {
				t.Fatalf("normPeriod(%q) = %q, then %q", s, p, again)
			}
			if PeriodOf(start) != p || monthIndex(p) != start.Year()*12+int(start.Month())-1 {
				t.Fatalf("period %q: PeriodOf(start) = %q, monthIndex %d", p, PeriodOf(start), monthIndex(p))
			}
		}
		if d, ok := normDay(s); ok {
			start := dayStart(d)
			if !dayRe.MatchString(d) || start.In(shanghai).Format("2006-01-02") != d || start.In(shanghai).Hour() != 0 {
				t.Fatalf("normDay(%q) = %q starts %v", s, d, start)
			}
			if again, ok := normDay(d); !ok || again != d {
				t.Fatalf("normDay(%q) = %q, then %q", s, d, again)
			}
		}
	})
}

// FuzzLineAmount: quantity × price is exact and rounded half-up to the
// 分, or a range error — never a wrapped, negative amount.
func FuzzLineAmount(f *testing.F) {
	for _, c := range [][2]int64{{8950, 23500}, {0, 0}, {1, 5000}, {1, 4999}, {-1, 1}, {1, -1}, {1 << 62, 10000},
		{1 << 40, 1 << 40}, {9223372036854775807, 9223372036854775807}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, q, p int64) {
		got, err := LineAmount(q, p)
		if q < 0 || p < 0 {
			if err == nil {
				t.Fatalf("LineAmount(%d, %d) = %d for a negative input", q, p, got)
			}
			return
		}
		want := new(big.Int).Mul(big.NewInt(q), big.NewInt(p))
		want.Add(want, big.NewInt(5000)).Quo(want, big.NewInt(10000))
		if err != nil {
			if want.Cmp(big.NewInt(1<<62)) <= 0 && want.IsInt64() && new(big.Int).Mul(big.NewInt(q), big.NewInt(p)).BitLen() < 64 {
				t.Fatalf("LineAmount(%d, %d): %v, want %s", q, p, err, want)
			}
			return
		}
		if !want.IsInt64() || want.Int64() != got {
			t.Fatalf("LineAmount(%d, %d) = %d, want %s", q, p, got, want)
		}
	})
}

// FuzzLateFee: a 滞纳金 is never negative, nothing without a rate or an
// amount, never above its cap, and nothing before the grace days end.
func FuzzLateFee(f *testing.F) {
	asOf := time.Date(2026, 12, 20, 10, 0, 0, 0, shanghai).Unix()
	for _, c := range []struct {
		amount      int64
		period      string
		rate, cap   int64
		grace       int
		daysAfterTo int64
	}{{10000, "2026-10", 500, 1000000, 0, 0}, {10000, "2026-11", 500, 0, 15, 0}, {1 << 62, "2026-01", 1 << 40, 0, 0, 0},
		{-5, "2026-10", 500, 0, 0, 0}, {100, "bad", 500, 0, 0, 0}, {100, "2026-10", -1, 0, 0, 0}, {100, "0001-01", 1 << 50, 1 << 50, -100, 1 << 20}} {
		f.Add(c.amount, c.period, c.rate, c.cap, c.grace, asOf+c.daysAfterTo*86400)
	}
	fold := func(v, n int64) int64 { return (v%n + n) % n }
	first, last := time.Date(2000, 1, 1, 0, 0, 0, 0, shanghai).Unix(), time.Date(2200, 1, 1, 0, 0, 0, 0, shanghai).Unix()
	f.Fuzz(func(t *testing.T, amount int64, period string, rate, capRate int64, grace int, asOfSec int64) {
		// Into what an item's validation admits: at most 1% a day, a cap
		// of at most 100%, 0–3650 grace days; and a date 2000–2200.
		if rate > 0 {
			rate = fold(rate, 10001)
		}
		capRate, grace = fold(capRate, 1_000_001), int(fold(int64(grace), 3651))
		at := time.Unix(first+fold(asOfSec, last-first), 0)
		fee := LateFee(amount, period, time.Time{}, rate, capRate, grace, at)
		switch {
		case fee < 0:
			t.Fatalf("LateFee(%d, %q, rate %d) = %d", amount, period, rate, fee)
		case (rate <= 0 || amount <= 0) && fee != 0:
			t.Fatalf("LateFee without rate or amount = %d", fee)
		case amount > 0 && capRate > 0 && fee > mulDivHalfUp(amount, capRate, 1_000_000):
			t.Fatalf("LateFee(%d, cap %d) = %d, above the cap", amount, capRate, fee)
		}
		if fee > 0 {
			p, err := time.Parse("2006-01", period)
			if err != nil {
				t.Fatalf("LateFee of bad period %q = %d", period, fee)
			}
			end := time.Date(p.Year(), p.Month()+1, 0, 0, 0, 0, 0, shanghai).AddDate(0, 0, grace)
			if !at.In(shanghai).After(end) {
				t.Fatalf("LateFee(%q, grace %d) = %d on %v, within grace", period, grace, fee, at)
			}
		}
	})
}

// FuzzFeeItemJSON: any body for a fee item decodes or is an invalid
// error (a 4xx), including every shape of applies_to; a decoded
// applies_to only ever names uses, buildings or houses.
func FuzzFeeItemJSON(f *testing.F) {
	for _, s := range []string{`{"name":"物业费","kind":"area","unit_price":"2.35","applies_to":{"use":["住宅"]}}`,
		`{"applies_to":{"use":"住宅"}}`, `{"applies_to":{"buildings":[1,2],"houses":[3]}}`, `{"applies_to":{"all":true}}`,
		`{"applies_to":{"use":1}}`, `{"applies_to":[]}`, `{"applies_to":null}`, `{"applies_to":"住宅"}`,
		`{"applies_to":{"house_ids":[-1,1e3]}}`, `{"applies_to":{"use":null}}`, `{"unit_price":2.35}`, `{"active":"yes"}`,
		`{"late_fee_grace_days":1e10}`, `{"applies_to":{"use":["\u0000"]}}`, `{"applies_to":{"use":["a"],"use":"b"}}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in FeeItemInput
		r := httptest.NewRequest(http.MethodPost, "/api/v1/fee-items", bytes.NewReader(body))
		if err := web.DecodeJSON(r, &in); err != nil {
			if e, ok := errs.As(err); !ok || e.Code != errs.CodeInvalid {
				t.Fatalf("DecodeJSON(%q): %v", body, err)
			}
			return
		}
		in.validate(true) // must not panic on anything decoded
	})
}
