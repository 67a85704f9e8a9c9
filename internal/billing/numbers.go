package billing

import (
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

var (
	errFormat    = errors.New("不是有效的数字")
	errPrecision = errors.New("小数位数过多")
	errRange     = errors.New("数值过大")
)

// parseDecimal reads a non-negative decimal string with at most places
// decimals ("2.35", "1,234.5", "¥3") as an integer of 10^-places units.
// More decimals is an error, never a rounding.
func parseDecimal(s string, places int) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.TrimSpace(strings.ReplaceAll(strings.TrimSuffix(s, "元"), ",", ""))
	s = strings.TrimPrefix(s, "+")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && (!dot || frac == "") {
		return 0, errFormat
	}
	if whole == "" {
		whole = "0"
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, errFormat
		}
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > places {
		return 0, errPrecision
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return 0, errRange
	}
	w, _ := strconv.ParseInt("0"+whole, 10, 64)
	f, _ := strconv.ParseInt("0"+frac+strings.Repeat("0", places-len(frac)), 10, 64)
	scale := int64(1)
	for range places {
		scale *= 10
	}
	return w*scale + f, nil
}

// formatDecimal renders v units of 10^-places with at least two decimals
// and no trailing zeros beyond them: 23500 (places 4) → "2.35".
func formatDecimal(v int64, places int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	if len(s) <= places {
		s = strings.Repeat("0", places-len(s)+1) + s
	}
	whole, frac := s[:len(s)-places], s[len(s)-places:]
	for len(frac) > 2 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	out := whole
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// FormatPrice renders a unit price of 1/10000 元: 23500 → "2.35",
// 23456 → "2.3456".
func FormatPrice(p int64) string { return formatDecimal(p, 4) }

// FormatQuantity renders hundredths: 8950 → "89.50".
func FormatQuantity(q int64) string { return formatDecimal(q, 2) }

// FormatRate renders ten-thousandths of a percent as a percent: 500 →
// "0.05", 1000000 → "100".
func FormatRate(r int64) string {
	s := formatDecimal(r, 4)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// LineAmount is quantity (hundredths) × unit price (1/10000 元) in 分,
// rounded half-up: the product is in 1/10000 分. 8950 × 23500 =
// 210,325,000 → 21032.5 → 21033 分 (89.50 m² × 2.35 元 = 210.33 元).
func LineAmount(quantity, price int64) (int64, error) {
	if quantity < 0 || price < 0 {
		return 0, errRange
	}
	hi, lo := bits.Mul64(uint64(quantity), uint64(price))
	lo, carry := bits.Add64(lo, 5000, 0)
	hi += carry
	if hi >= 10000 {
		return 0, errRange
	}
	q, _ := bits.Div64(hi, lo, 10000)
	if q > 1<<62 {
		return 0, errRange
	}
	return int64(q), nil
}

// mulDivHalfUp is a × b / d rounded half-up, exact for any int64 inputs
// (a, b ≥ 0, d > 0).
func mulDivHalfUp(a, b, d int64) int64 {
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	n.Add(n, big.NewInt(d/2))
	n.Quo(n, big.NewInt(d))
	if !n.IsInt64() {
		return 1 << 62
	}
	return n.Int64()
}

// LateFee is the 滞纳金 of amount fen billed for period and issued at
// issued, as of asOf: rate (ten-thousandths of a percent per day) for
// each day after the later of the period's last day and the day the bill
// was issued (a bill issued late — a late run, a back-dated one-off
// charge — starts its grace period when it exists), plus grace days,
// capped at cap (ten-thousandths of a percent of the amount; 0 = no cap),
// rounded half-up to the 分. Days are calendar days in Asia/Shanghai,
// counted as integers. A zero issued counts from the period's end.
func LateFee(amount int64, period string, issued time.Time, rate, capRate int64, grace int, asOf time.Time) int64 {
	if rate <= 0 || amount <= 0 {
		return 0
	}
	p, err := time.Parse("2006-01", period)
	if err != nil {
		return 0
	}
	from := dayNumber(p.Year(), p.Month()+1, 0) // the period's last day
	if !issued.IsZero() {
		from = max(from, civilDay(issued))
	}
	days := civilDay(asOf) - from - int64(grace)
	if days <= 0 {
		return 0
	}
	fee := mulDivHalfUp(amount, rate*days, 1_000_000)
	if capRate > 0 {
		if c := mulDivHalfUp(amount, capRate, 1_000_000); fee > c {
			fee = c
		}
	}
	return fee
}

// dayNumber numbers a calendar date (month and day normalised as by
// time.Date: day 0 is the previous month's last) in whole days since
// 1970-01-01, so two dates are the difference of two integers.
func dayNumber(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// civilDay is the dayNumber of t's date in Asia/Shanghai.
func civilDay(t time.Time) int64 {
	y, m, d := t.In(shanghai).Date()
	return dayNumber(y, m, d)
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// normPeriod checks "YYYY-MM" (also "YYYY-M", "YYYY/MM") and returns it
// normalised.
func normPeriod(s string) (string, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "/", "-")
	t, err := time.Parse("2006-1", s)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return s, false
	}
	return t.Format("2006-01"), true
}

// periodStart is the first instant of a period in Asia/Shanghai.
func periodStart(p string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", p, shanghai)
	if err != nil {
		return t, fmt.Errorf("period %q: %w", p, err)
	}
	return t, nil
}

// PeriodOf is the period of t in Asia/Shanghai.
func PeriodOf(t time.Time) string { return t.In(shanghai).Format("2006-01") }

// monthIndex counts months since year 0, for ages between periods.
func monthIndex(p string) int {
	if len(p) < 7 {
		return 0
	}
	y, _ := strconv.Atoi(p[:4])
	m, _ := strconv.Atoi(p[5:7])
	return y*12 + m - 1
}

// normDay checks "YYYY-MM-DD" and returns it normalised.
func normDay(s string) (string, bool) {
	s = strings.NewReplacer("/", "-", ".", "-").Replace(strings.TrimSpace(s))
	t, err := time.Parse("2006-1-2", s)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return s, false
	}
	return t.Format("2006-01-02"), true
}

// dayStart is midnight of a "YYYY-MM-DD" day in Asia/Shanghai, in UTC.
func dayStart(day string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", day, shanghai)
	return t.UTC()
}
