package billing_test

import (
	"testing"
	"time"

	"wuye/internal/billing"
)

func TestAmountInWords(t *testing.T) {
	for _, c := range []struct {
		fen  int64
		want string
	}{
		{0, "零元整"},
		{5, "伍分"},
		{50, "伍角整"},
		{55, "伍角伍分"},
		{100, "壹元整"},
		{1000, "壹拾元整"},
		{1010, "壹拾元壹角整"},
		{10000, "壹佰元整"},
		{10005, "壹佰元零伍分"},    // 100.05
		{21033, "贰佰壹拾元叁角叁分"}, // 210.33
		{140950, "壹仟肆佰零玖元伍角整"},
		{600714, "陆仟零柒元壹角肆分"},
		{1001001, "壹万零壹拾元零壹分"},
		{1001010, "壹万零壹拾元壹角整"}, // 10,010.10
		{10700053, "壹拾万柒仟元伍角叁分"},
		{100000000, "壹佰万元整"}, // 1,000,000.00
		{100000500, "壹佰万零伍元整"},
		{10000000000, "壹亿元整"},
		{10001000000, "壹亿零壹万元整"},
		{12345678901, "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零壹分"},
		{-21033, "负贰佰壹拾元叁角叁分"},
	} {
		if got := billing.AmountInWords(c.fen); got != c.want {
			t.Errorf("AmountInWords(%d) = %q, want %q", c.fen, got, c.want)
		}
	}
}

// TestLineAmountRoundsHalfUpToTheFen: quantity (hundredths) × unit price
// (1/10000 元) in 分, half-up, exact.
func TestLineAmountRoundsHalfUpToTheFen(t *testing.T) {
	for _, c := range []struct {
		qty, price, want int64
	}{
		{8950, 23500, 21033},  // 89.50 m² × 2.35 = 210.325 → 210.33
		{100, 5, 0},           // 1.00 × 0.0005 = 0.0005 元 = 0.05 分 → 0
		{100, 50, 1},          // 1.00 × 0.005 元 = 0.5 分 → 1 分 (the .005 case rounds up)
		{100, 49, 0},          // 0.49 分 → 0
		{12033, 23500, 28278}, // 120.33 × 2.35 = 282.7755 → 282.78
		{10000, 23500, 23500}, // 100.00 × 2.35
		{100, 500000, 5000},   // fixed 50.00
		{1234, 34567, 4266},   // 12.34 × 3.4567 = 42.655678 → 42.66
		{150, 12345, 185},     // 1.50 × 1.2345 = 1.85175 → 1.85
		{300, 16667, 500},     // 3.00 × 1.6667 = 5.0001 → 5.00
		{100_000_000_00, 10000_0000, 100_000_000_000_000}, // 1e8 units × 10000 元, exact
	} {
		got, err := billing.LineAmount(c.qty, c.price)
		if err != nil || got != c.want {
			t.Errorf("LineAmount(%d, %d) = %d, %v; want %d", c.qty, c.price, got, err, c.want)
		}
	}
	if _, err := billing.LineAmount(1<<62, 1<<40); err == nil {
		t.Error("an overflowing amount is accepted")
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{billing.FormatPrice(23500), "2.35"}, {billing.FormatPrice(23456), "2.3456"}, {billing.FormatPrice(5), "0.0005"},
		{billing.FormatPrice(30000000), "3000.00"}, {billing.FormatQuantity(8950), "89.50"}, {billing.FormatRate(500), "0.05"},
		{billing.FormatRate(1_000_000), "100"}, {billing.FormatRate(0), "0"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestLateFee: 0.05%/day after the period's last day plus 30 grace
// days, capped; a bill issued after its period's end (a late run, a
// back-dated one-off charge) starts its days when it is issued; days are
// calendar days of Asia/Shanghai, counted as integers however far apart.
func TestLateFee(t *testing.T) {
	day := func(s string) time.Time {
		tm, _ := time.Parse(time.RFC3339, s+"T12:00:00+08:00")
		return tm
	}
	for _, c := range []struct {
		amount    int64
		period    string
		issued    string // "" = zero
		rate, cap int64
		grace     int
		asOf      string
		want      int64
	}{
		{21033, "2026-11", "", 500, 1_000_000, 30, "2026-12-30", 0},            // within grace
		{21033, "2026-11", "", 500, 1_000_000, 30, "2026-12-31", 11},           // 1 day: 10.5165 → 11
		{21033, "2026-11", "", 500, 1_000_000, 0, "2026-12-31", 326},           // 31 days: 326.0115 → 326
		{21033, "2026-11", "2026-11-20", 500, 1_000_000, 0, "2026-12-31", 326}, // issued within the month: from its end
		{21033, "2026-11", "", 500, 100_000, 0, "2027-12-31", 2103},            // capped at 10%: 2103.3 → 2103
		{21033, "2026-11", "", 0, 0, 0, "2030-01-01", 0},                       // no late fee on the item
		{10000, "2026-02", "", 10000, 0, 0, "2026-03-03", 300},                 // 1%/day, 3 days after 02-28, no cap
		// Billed late: September's bill issued on 11-20 owes nothing that
		// day, one day's fee the next, and its grace starts on 11-20.
		{10000, "2026-09", "2026-11-20", 10000, 1_000_000, 0, "2026-11-20", 0},
		{10000, "2026-09", "2026-11-20", 10000, 1_000_000, 0, "2026-11-21", 100},
		{10000, "2026-09", "2026-11-20", 10000, 1_000_000, 5, "2026-11-25", 0},
		{10000, "2026-09", "2026-11-20", 10000, 1_000_000, 5, "2026-11-27", 200},
		// 145,914 days from 2001-01-31 to 2400-08-01: no overflow of a
		// time.Duration (292 years) and no float; 1e8 × 0.0001% × days.
		{100_000_000, "2001-01", "", 1, 1_000_000, 0, "2400-08-01", 14_591_400},
	} {
		var issued time.Time
		if c.issued != "" {
			issued = day(c.issued).Add(-3 * time.Hour) // 09:00 that day
		}
		if got := billing.LateFee(c.amount, c.period, issued, c.rate, c.cap, c.grace, day(c.asOf)); got != c.want {
			t.Errorf("LateFee(%d, %s, issued %q, %d, %d, %d, %s) = %d, want %d", c.amount, c.period, c.issued, c.rate, c.cap,
				c.grace, c.asOf, got, c.want)
		}
	}
	// A day is a day of Asia/Shanghai: 2026-12-01 00:30 there is
	// 2026-11-30 16:30 UTC, already one day after November.
	if got := billing.LateFee(10000, "2026-11", time.Time{}, 10000, 0, 0, time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC)); got != 100 {
		t.Errorf("late fee at 00:30 Shanghai on 12-01: %d, want 100", got)
	}
}
