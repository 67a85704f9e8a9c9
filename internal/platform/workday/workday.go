// Package workday is the statutory working-day calendar of mainland China
// (public holidays and 调休 weekend working days, from lunar-go's
// HolidayUtil) corrected by admin overrides stored in the database. It
// answers "N working days after T" for deadlines such as ticket SLAs.
//
// Rules: a working day is a Monday–Friday that is not a statutory
// holiday, or a weekend day declared a 调休 working day; an override of a
// day wins over both. Dates are Asia/Shanghai calendar dates; times are
// stored in UTC by callers and computed here in Asia/Shanghai.
package workday

import (
	"embed"
	"fmt"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the calendar's migrations.
var Module = db.Module{Name: "workday", FS: migrations}

// Entity is the audit entity of an override; its id is the day as the
// integer YYYYMMDD.
const Entity = "workday"

func init() {
	audit.Describe(Entity, "工作日历", map[string]string{
		"day": "日期", "working": "上班", "note": "备注",
	})
}

// The years an override may be set for: wide enough for any deadline,
// narrow enough that a typo (20266-01-01, 1026-…) is refused.
const (
	MinYear = 2000
	MaxYear = 2100
)

// Date is a calendar date in Asia/Shanghai, without a time of day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is t's date in Asia/Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(web.Shanghai).Date()
	return Date{y, m, d}
}

// NewDate normalises y-m-d like time.Date (2026-12-32 is 2027-01-01).
func NewDate(y int, m time.Month, d int) Date {
	return dateOfUTC(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

func dateOfUTC(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD; a bad or out-of-range date is an invalid
// error on field.
func ParseDate(field, s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, errs.Invalid(field, "日期格式应为 2026-10-01：%s", s)
	}
	d := dateOfUTC(t)
	if d.Year < MinYear || d.Year > MaxYear {
		return Date{}, errs.Invalid(field, "日期须在 %d 年至 %d 年之间", MinYear, MaxYear)
	}
	return d, nil
}

func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// String is YYYY-MM-DD, the form stored in workday_overrides.day.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Key is the date as the integer YYYYMMDD (the audit entity id).
func (d Date) Key() int64 { return int64(d.Year)*10000 + int64(d.Month)*100 + int64(d.Day) }

// AddDays is the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return dateOfUTC(d.utc().AddDate(0, 0, n)) }

// Weekday is the day of the week.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Key() < e.Key() }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// At is the instant on d at the same Asia/Shanghai clock time as t.
func (d Date) At(t time.Time) time.Time {
	l := t.In(web.Shanghai)
	return time.Date(d.Year, d.Month, d.Day, l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), web.Shanghai)
}

// Weekend reports whether d is a Saturday or Sunday.
func (d Date) Weekend() bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

var weekdayNames = [...]string{"日", "一", "二", "三", "四", "五", "六"}

// WeekdayLabel is 星期一 … 星期日.
func (d Date) WeekdayLabel() string { return "星期" + weekdayNames[d.Weekday()] }

// statutoryDay is one day of lunar-go's holiday table.
type statutoryDay struct {
	name string // 国庆节, 春节, …
	work bool   // a 调休 working day (otherwise a day off)
}

// statutory is lunar-go's table as a map, built once: HolidayUtil scans a
// string on every call, which is too slow for walking many deadlines.
var statutory = sync.OnceValue(func() map[Date]statutoryDay {
	m := map[Date]statutoryDay{}
	for y := MinYear; y <= MaxYear; y++ {
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			t, err := time.Parse(time.DateOnly, h.GetDay())
			if err != nil {
				continue
			}
			m[dateOfUTC(t)] = statutoryDay{name: h.GetName(), work: h.IsWork()}
		}
	}
	return m
})

// statutoryYears are the years lunar-go has holiday data for.
var statutoryYears = sync.OnceValue(func() map[int]bool {
	ys := map[int]bool{}
	for d := range statutory() {
		ys[d.Year] = true
	}
	return ys
})

// StatutoryCovered reports whether lunar-go carries the holidays of year.
// For a year it does not (the State Council publishes each year's
// schedule late in the year before), only weekends and overrides count
// until the library is updated, so admins enter the holidays as overrides.
func StatutoryCovered(year int) bool { return statutoryYears()[year] }

// Statutory is what the statutory calendar alone says of d: whether it is
// a working day, and the holiday's name for a holiday or a 调休 day.
func Statutory(d Date) (working bool, holiday string) {
	if h, ok := statutory()[d]; ok {
		return h.work, h.name
	}
	return !d.Weekend(), ""
}

// Day is one day of the calendar as the API and the admin page show it.
type Day struct {
	Date             Date   `json:"-"`
	Day              string `json:"day"`               // YYYY-MM-DD
	Working          bool   `json:"working"`           // the answer: override, else statutory
	Note             string `json:"note"`              // the override's note
	StatutoryWorking bool   `json:"statutory_working"` // what the statutory calendar says
	HolidayName      string `json:"holiday_name"`      // 国庆节 … for a holiday or its 调休 day
	Overridden       bool   `json:"overridden"`        // an admin override decides this day
}

func dayOf(d Date, o *override) Day {
	sw, name := Statutory(d)
	day := Day{Date: d, Day: d.String(), Working: sw, StatutoryWorking: sw, HolidayName: name}
	if o != nil {
		day.Working, day.Note, day.Overridden = o.Working, o.Note, true
	}
	return day
}

// Kind classifies the day for display: "holiday" (statutory day off),
// "adjusted" (调休 weekend working day), "weekend", or "workday".
func (d Day) Kind() string {
	switch {
	case d.HolidayName != "" && !d.StatutoryWorking:
		return "holiday"
	case d.HolidayName != "" && d.StatutoryWorking:
		return "adjusted"
	case d.Date.Weekend():
		return "weekend"
	}
	return "workday"
}

// StatutoryLabel is the statutory status in words: 国庆节, 国庆节调休上班,
// 周末, 工作日.
func (d Day) StatutoryLabel() string {
	switch d.Kind() {
	case "holiday":
		return d.HolidayName
	case "adjusted":
		return d.HolidayName + "调休上班"
	case "weekend":
		return "周末"
	}
	return "工作日"
}

// override is one row of workday_overrides.
type override struct {
	Working   bool
	Note      string
	UpdatedBy int64
	UpdatedAt time.Time
}
