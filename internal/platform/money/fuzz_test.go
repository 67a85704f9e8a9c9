package money

import (
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

// maxParsed is the largest magnitude ParseHundredths accepts: 15 whole
// digits and two decimals.
const maxParsed = 999_999_999_999_999_99

// numericChars keeps what carries a number's value in an accepted string
// (digits, the dot, a sign); ¥, 元, m², spaces and commas carry none.
func numericChars(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' {
			return r
		}
		return -1
	}, s)
}

var moneySeeds = []string{
	"", "0", "-0", "-1", "+1", "1,234.50", "¥1,234.50", "￥12", "100元", "89.50 m²", "75.2㎡",
	".5", "5.", ".", "-", "+", "-.5", "1.005", "1.500", "0.001", "１２３", "1e9", "1E2", "0x10",
	"999999999999999.99", "-999999999999999.99", "1000000000000000", "9223372036854775807",
	"00000000000000000000001", "1.2.3", "1,,2", "--1", "+-1", " 1 ", "1 000", "¥-1", "-¥1",
	"1\x002", "\xff", "\xe2\x82", "NaN", "Inf", "٣", "1_000",
}

// FuzzParseHundredths: an accepted string is worth exactly its written
// decimal value (no rounding, no float), stays within 15 whole digits,
// and every rendering of that value parses back to it.
func FuzzParseHundredths(f *testing.F) {
	for _, s := range moneySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseHundredths(s)
		if err != nil {
			if err != ErrFormat && err != ErrPrecision {
				t.Fatalf("ParseHundredths(%q): unexpected error %v", s, err)
			}
			if fen, ferr := Parse(s); ferr != err || fen != 0 {
				t.Fatalf("Parse(%q) = %d, %v; ParseHundredths said %v", s, fen, ferr, err)
			}
			return
		}
		if v > maxParsed || v < -maxParsed {
			t.Fatalf("ParseHundredths(%q) = %d, beyond 15 whole digits", s, v)
		}
		want, ok := new(big.Rat).SetString(numericChars(s))
		if !ok {
			t.Fatalf("ParseHundredths(%q) accepted %q, which is not a decimal", s, numericChars(s))
		}
		if got := big.NewRat(v, 100); got.Cmp(want) != 0 {
			t.Fatalf("ParseHundredths(%q) = %d hundredths, want %s", s, v, want.FloatString(4))
		}
		checkRenderings(t, v)
	})
}

var formatted = regexp.MustCompile(`^-?(0|[1-9]\d{0,2})(,\d{3})*\.\d\d$`)

// checkRenderings parses every way v is shown back to v.
func checkRenderings(t *testing.T, v int64) {
	t.Helper()
	for _, s := range []string{FormatHundredths(v), PlainHundredths(v), Fen(v).String(), Area(v)} {
		if back, err := ParseHundredths(s); err != nil || back != v {
			t.Fatalf("%d rendered as %q parses back as %d, %v", v, s, back, err)
		}
	}
}

// FuzzFormatHundredths: every int64 renders as ±d,ddd.dd, and every value
// within what ParseHundredths accepts round-trips through each rendering.
func FuzzFormatHundredths(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 99, 100, -100, 123450, maxParsed, -maxParsed, maxParsed + 1,
		math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		s := FormatHundredths(v)
		if !formatted.MatchString(s) {
			t.Fatalf("FormatHundredths(%d) = %q", v, s)
		}
		if (v < 0) != strings.HasPrefix(s, "-") {
			t.Fatalf("FormatHundredths(%d) = %q has the wrong sign", v, s)
		}
		if v >= -maxParsed && v <= maxParsed {
			checkRenderings(t, v)
		}
	})
}
