package archive

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
)

// Fuzz targets of the archive's own parsers (areas, dates, shares, house
// code segments, 身份证 and phone numbers); the database-backed ones
// (search, HouseByCode, the Excel import) are in fuzz_db_test.go.

// fieldErrs returns what validation said, by field.
func fieldErrs(f errs.Fields) map[string]string { return errs.ByField(f.Err()) }

// FuzzParseArea: an accepted area is non-negative (positive when
// required), at most two decimals, and its display "89.50 m²" is accepted
// again as the same value.
func FuzzParseArea(f *testing.F) {
	for _, s := range []string{"89.50", "89.5", "89.50 m²", "75.2㎡", "0", "-1", "", " ", "1,234.50", "１２３", "1e9",
		"1.005", "100000000.00", "100000000.01", "999999999999999999999", "\x00", "\xff", ".5", "0.00"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, required bool) {
		var fe errs.Fields
		v := parseArea(&fe, "gross_area", s, required)
		if len(fe) > 0 {
			if fe[0].Field != "gross_area" || fe[0].Code != errs.CodeInvalid {
				t.Fatalf("parseArea(%q): %v", s, fe[0])
			}
			return
		}
		if v < 0 || (required && v == 0) || v > 100_000_000_00 {
			t.Fatalf("parseArea(%q, required=%v) accepted %d", s, required, v)
		}
		if strings.TrimSpace(s) == "" {
			return
		}
		var again errs.Fields
		if back := parseArea(&again, "gross_area", money.Area(v), required); back != v || len(again) > 0 {
			t.Fatalf("parseArea(%q) = %d, but its display %q gives %d %v", s, v, money.Area(v), back, fieldErrs(again))
		}
	})
}

var isoDay = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)

// FuzzParseDate: an accepted day comes out as YYYY-MM-DD (1900–2200), a
// real date that is accepted again unchanged.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-01-31", "2026/1/31", "2026.01.31", "2026-02-30", "1899-12-31", "2201-01-01", "",
		"0", "-1", "２０２６-０１-３１", "2026-01-31T00:00:00Z", "45292", "26-1-1", "2026--1", "2026-1-1-1", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fe errs.Fields
		out := parseDate(&fe, "delivered_on", s)
		if len(fe) > 0 || out == "" {
			if out == "" && strings.TrimSpace(s) != "" && len(fe) == 0 {
				t.Fatalf("parseDate(%q) lost the value", s)
			}
			return
		}
		d, err := time.Parse("2006-01-02", out)
		if !isoDay.MatchString(out) || err != nil || d.Year() < 1900 || d.Year() > 2200 {
			t.Fatalf("parseDate(%q) = %q", s, out)
		}
		var again errs.Fields
		if back := parseDate(&again, "delivered_on", out); back != out || len(again) > 0 {
			t.Fatalf("parseDate(%q) = %q, which gives %q %v", s, out, back, fieldErrs(again))
		}
	})
}

// FuzzParseShare: an accepted share is 0.01%–100% (0 for blank) and reads
// back from its "50.5%" display.
func FuzzParseShare(f *testing.F) {
	for _, s := range []string{"50", "50.5", "50%", "100", "100.01", "0", "-1", "", "%", "%%", "33.333", "0.01", "1e2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fe errs.Fields
		v := parseShare(&fe, s)
		if len(fe) > 0 {
			return
		}
		if v == 0 {
			if strings.TrimSuffix(strings.TrimSpace(s), "%") != "" {
				t.Fatalf("parseShare(%q) = 0 without an error", s)
			}
			return
		}
		if v < 1 || v > 100_00 {
			t.Fatalf("parseShare(%q) = %d", s, v)
		}
		var again errs.Fields
		if back := parseShare(&again, money.PlainHundredths(v)+"%"); back != v || len(again) > 0 {
			t.Fatalf("parseShare(%q) = %d, display reads back %d", s, v, back)
		}
	})
}

// FuzzHouseCode: building, unit and number that validation accepts make
// a code 楼栋-单元-房号 that splits back into exactly those three parts,
// so a code names one house and HouseByCode's clean-up leaves it alone.
func FuzzHouseCode(f *testing.F) {
	for _, c := range [][3]string{{"3", "2", "1201"}, {"3栋", "2单元", "1201"}, {"A座", "1", "B101"}, {"3-1", "2", "1"},
		{" 3 ", "2", "1201"}, {"", "2", "1"}, {"3", "2", "12-01"}, {"３", "２", "１２０１"}, {"一期#1", "东区", "0101"},
		{"3", "2", "1201 "}, {"3\x00", "2", "1"}, {"3　", "2", "1"}, {"\xff", "2", "1"}} {
		f.Add(c[0], c[1], c[2])
	}
	f.Fuzz(func(t *testing.T, building, unit, number string) {
		var fe errs.Fields
		b := validSegment(&fe, "building", "楼栋", building)
		u := validSegment(&fe, "unit", "单元", unit)
		if len(fe) > 0 || !numberRe.MatchString(number) {
			return
		}
		code := HouseCode(b, u, number)
		parts := strings.Split(code, "-")
		if len(parts) != 3 || parts[0] != b || parts[1] != u || parts[2] != number {
			t.Fatalf("HouseCode(%q, %q, %q) = %q splits as %q", b, u, number, code, parts)
		}
		cleaned := strings.Join(strings.Fields(strings.ReplaceAll(code, "　", " ")), "")
		if cleaned != code || strings.ContainsAny(code, "－—–") {
			t.Fatalf("code %q changes when typed back (%q)", code, cleaned)
		}
	})
}

// FuzzIDNumber: an accepted 身份证号码 has 18 characters, a known
// province, a real birth date not in the future and the right check
// character; any 17 digits with those completed by their check character
// are accepted.
func FuzzIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105194912310021", "11010519491231002x", "", "0", "-1",
		"99010519491231002X", "110105190002300021", "110105209912310021", "11010519491231002", "1101051949123100211",
		"１１０１０５１９４９１２３１００２X", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"} {
		f.Add(s)
	}
	check := func(body string) byte {
		weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
		sum := 0
		for i := range 17 {
			sum += int(body[i]-'0') * weights[i]
		}
		return "10X98765432"[sum%11]
	}
	digits := regexp.MustCompile(`^\d{17}$`)
	f.Fuzz(func(t *testing.T, s string) {
		if ValidIDNumber(s) {
			birth, err := time.Parse("20060102", s[6:14])
			if len(s) != 18 || !digits.MatchString(s[:17]) || !idProvinces[s[:2]] || err != nil || birth.After(time.Now()) ||
				birth.Year() < 1900 || check(s[:17]) != s[17] {
				t.Fatalf("ValidIDNumber(%q) accepted a bad number", s)
			}
		}
		if len(s) >= 17 && digits.MatchString(s[:17]) {
			body := s[:17]
			birth, err := time.Parse("20060102", body[6:14])
			want := idProvinces[body[:2]] && err == nil && birth.Year() >= 1900 && birth.Before(time.Now())
			if got := ValidIDNumber(body + string(check(body))); got != want {
				t.Fatalf("ValidIDNumber(%s + check) = %v, want %v", body, got, want)
			}
		}
	})
}

// FuzzPhone: a phone validation accepts is in its stored form (cleaning
// it again changes nothing) and its last four digits are what the
// one-box search matches.
func FuzzPhone(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138 0013 8000", "138-0013-8000", "010-12345678", "0755-1234567-123",
		"12345678", "400-123-4567", "4001234567", "", "0", "-1", "１３８００１３８０００", "1380013800", "138001380000",
		"010—12345678", "\x00", "\xff", "+86", " +86 13800138000 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, phone := "张三", s
		var fe errs.Fields
		validPerson(&fe, &name, &phone, true)
		if len(fe) > 0 {
			for _, e := range fe {
				if e.Field != "phone" {
					t.Fatalf("validPerson(%q): error on %s", s, e.Field)
				}
			}
			return
		}
		if !phoneRe.MatchString(phone) || normPhone(phone) != phone {
			t.Fatalf("validPerson(%q) stored %q", s, phone)
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, phone)
		if tail := PhoneTail(phone); len(digits) < 4 || tail != digits[len(digits)-4:] {
			t.Fatalf("PhoneTail(%q) = %q", phone, tail)
		}
	})
}
