package money

import (
	"errors"
	"testing"
)

func TestParseHundredths(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr error
	}{
		{"1,234.50", 123450, nil},
		{"89.5", 8950, nil},
		{"89.50", 8950, nil},
		{"¥0.01", 1, nil},
		{"￥12", 1200, nil},
		{"-3", -300, nil},
		{"+7.1", 710, nil},
		{" 89.50 m² ", 8950, nil},
		{"75.2㎡", 7520, nil},
		{"100元", 10000, nil},
		{".5", 50, nil},
		{"1.500", 150, nil}, // trailing zeros are not extra precision
		{"0", 0, nil},
		{"1.005", 0, ErrPrecision},
		{"0.001", 0, ErrPrecision},
		{"abc", 0, ErrFormat},
		{"", 0, ErrFormat},
		{"-", 0, ErrFormat},
		{".", 0, ErrFormat},
		{"1.2.3", 0, ErrFormat},
		{"12a", 0, ErrFormat},
		{"1e3", 0, ErrFormat},
		{"--3", 0, ErrFormat},
		{"1234567890123456", 0, ErrFormat}, // would overflow once in hundredths
	}
	for _, tt := range tests {
		got, err := ParseHundredths(tt.in)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseHundredths(%q) = %d, %v; want error %v", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseHundredths(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatHundredths(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{123450, "1,234.50"},
		{8950, "89.50"},
		{1, "0.01"},
		{0, "0.00"},
		{-300, "-3.00"},
		{-5, "-0.05"},
		{100, "1.00"},
		{99999, "999.99"},
		{100000, "1,000.00"},
		{123456789012, "1,234,567,890.12"},
	}
	for _, tt := range tests {
		if got := FormatHundredths(tt.in); got != tt.want {
			t.Errorf("FormatHundredths(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, 10, 99, 100, 8950, 123450, -123450, 987654321} {
		got, err := ParseHundredths(FormatHundredths(v))
		if err != nil || got != v {
			t.Errorf("round trip %d: got %d, %v", v, got, err)
		}
	}
}

func TestDisplayForms(t *testing.T) {
	if got := Fen(123450).String(); got != "¥1,234.50" {
		t.Errorf("Fen.String = %q", got)
	}
	if got := Area(8950); got != "89.50 m²" {
		t.Errorf("Area = %q", got)
	}
	if got := PlainHundredths(123450); got != "1234.50" {
		t.Errorf("PlainHundredths = %q", got)
	}
	if f, err := Parse("¥1,234.50"); err != nil || f != 123450 {
		t.Errorf("Parse = %d, %v", f, err)
	}
}
