// Package money holds exact two-decimal quantities: money in 分 (fen) and
// areas in hundredths of a square metre. Nothing here touches a float.
package money

import (
	"errors"
	"strconv"
	"strings"
)

// Fen is an amount of money in 分.
type Fen int64

// ErrFormat is returned for strings that are not a plain decimal number.
var ErrFormat = errors.New("不是有效的数字")

// ErrPrecision is returned for more than two decimals.
var ErrPrecision = errors.New("最多两位小数")

// ParseHundredths parses "1,234.5", "¥89.50", "-3" or "89.50 m²" into
// hundredths (123450, 8950, -300). Thousands separators and a leading ¥
// or trailing unit are accepted; more than two decimals is an error, not
// a rounding.
func ParseHundredths(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "¥")
	s = strings.TrimPrefix(s, "￥")
	s = strings.TrimSuffix(s, "元")
	s = strings.TrimSuffix(s, "m²")
	s = strings.TrimSuffix(s, "㎡")
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, ErrFormat
	}
	if whole == "" {
		whole = "0"
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, ErrFormat
		}
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 2 {
		return 0, ErrPrecision
	}
	frac += strings.Repeat("0", 2-len(frac))
	if len(whole) > 15 {
		return 0, ErrFormat
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, ErrFormat
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := w*100 + f
	if neg {
		v = -v
	}
	return v, nil
}

// FormatHundredths renders 123450 as "1,234.50".
func FormatHundredths(v int64) string {
	neg := v < 0
	// The magnitude as uint64: -v overflows for math.MinInt64.
	u := uint64(v)
	if neg {
		u = -u
	}
	whole := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	frac := u % 100
	b.WriteByte('.')
	b.WriteByte(byte('0' + frac/10))
	b.WriteByte(byte('0' + frac%10))
	return b.String()
}

// PlainHundredths renders 123450 as "1234.50" (for forms and JSON).
func PlainHundredths(v int64) string {
	return strings.ReplaceAll(FormatHundredths(v), ",", "")
}

// Parse parses a money string into fen.
func Parse(s string) (Fen, error) {
	v, err := ParseHundredths(s)
	return Fen(v), err
}

// String renders fen as "¥1,234.50".
func (f Fen) String() string { return "¥" + FormatHundredths(int64(f)) }

// Area renders hundredths of m² as "89.50 m²".
func Area(v int64) string { return FormatHundredths(v) + " m²" }
