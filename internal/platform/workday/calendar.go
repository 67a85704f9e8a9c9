package workday

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// DefaultTTL is how long a Calendar trusts the overrides it loaded.
const DefaultTTL = time.Minute

// maxWalk bounds a walk through the calendar, so that a pathological set
// of overrides (every day off) ends in an error instead of a hang.
const maxWalk = 20 * 366

// Calendar answers working-day questions for one database.
//
// Overrides are cached per calendar year: the first question about a year
// loads that year's overrides with one query (Preload loads a whole range
// with one), and later questions within TTL are answered from memory, so
// a ticket list computing a deadline per row queries at most once per
// year it touches, not once per ticket.
//
// Invalidation: an override written through this Calendar clears its
// cache at commit. Another app server's Calendar does not hear of it and
// keeps its copy until TTL (one minute by default) has passed, so a
// correction reaches every server within a minute — acceptable for a
// calendar that admins change a few times a year, usually weeks ahead.
// Share one Calendar per process (app.New creates it).
type Calendar struct {
	DB  *db.DB
	TTL time.Duration
	// Now is the clock for the cache and for updated_at; tests replace it.
	Now func() time.Time

	mu    sync.Mutex
	years map[int]cachedYear
	gen   uint64 // bumped by every invalidation
}

type cachedYear struct {
	loaded time.Time
	days   map[Date]override
}

// NewCalendar returns a calendar with the default cache lifetime.
func NewCalendar(d *db.DB) *Calendar {
	return &Calendar{DB: d, TTL: DefaultTTL, Now: time.Now}
}

// Invalidate drops every cached override; the next question reloads.
func (c *Calendar) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.years = nil
	c.gen++
}

// cached returns the fresh cached years among from..to and the cache
// generation the caller must present when storing what it loads.
func (c *Calendar) cached(from, to int) (map[int]map[Date]override, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	out := map[int]map[Date]override{}
	for y := from; y <= to; y++ {
		if cy, ok := c.years[y]; ok && now.Sub(cy.loaded) < c.TTL {
			out[y] = cy.days
		}
	}
	return out, c.gen
}

// store caches years loaded at generation gen, unless an invalidation
// happened meanwhile (the load may predate a write).
func (c *Calendar) store(gen uint64, loaded time.Time, years map[int]map[Date]override) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.years == nil {
		c.years = map[int]cachedYear{}
	}
	for y, days := range years {
		c.years[y] = cachedYear{loaded: loaded, days: days}
	}
}

// Preload makes sure the overrides of every year from from's to to's are
// cached, loading the missing ones with one query.
func (c *Calendar) Preload(ctx context.Context, from, to Date) error {
	_, err := c.load(ctx, from.Year, to.Year)
	return err
}

// load returns the overrides of years from..to, from the cache where
// fresh and with one query for the rest.
func (c *Calendar) load(ctx context.Context, from, to int) (map[int]map[Date]override, error) {
	from, to = max(from, MinYear), min(to, MaxYear)
	have, gen := c.cached(from, to)
	lo, hi := 0, 0
	for y := from; y <= to; y++ {
		if _, ok := have[y]; !ok {
			if lo == 0 {
				lo = y
			}
			hi = y
		}
	}
	if lo == 0 {
		return have, nil
	}
	loaded := c.Now()
	rows, err := queryOverrides(ctx, c.DB, Date{lo, time.January, 1}, Date{hi, time.December, 31})
	if err != nil {
		return nil, err
	}
	fresh := map[int]map[Date]override{}
	for y := lo; y <= hi; y++ {
		fresh[y] = map[Date]override{}
	}
	for d, o := range rows {
		fresh[d.Year][d] = o
	}
	c.store(gen, loaded, fresh)
	for y, m := range fresh {
		have[y] = m
	}
	return have, nil
}

func queryOverrides(ctx context.Context, q db.Querier, from, to Date) (map[Date]override, error) {
	rows, err := q.QueryContext(ctx, `SELECT day, working, note, updated_by, updated_at
		FROM workday_overrides WHERE day >= $1 AND day <= $2`, from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("load workday overrides: %w", err)
	}
	defer rows.Close()
	out := map[Date]override{}
	for rows.Next() {
		var s string
		var o override
		if err := rows.Scan(&s, &o.Working, &o.Note, &o.UpdatedBy, &o.UpdatedAt); err != nil {
			return nil, fmt.Errorf("scan workday override: %w", err)
		}
		d, err := ParseDate("day", s)
		if err != nil {
			return nil, fmt.Errorf("workday override %q: %w", s, err)
		}
		out[d] = o
	}
	return out, rows.Err()
}

// walker answers "is d a working day" while walking, asking the Calendar
// for a year's overrides only when the walk enters it.
type walker struct {
	c    *Calendar
	ctx  context.Context
	year int
	days map[Date]override
}

func (w *walker) working(d Date) (bool, error) {
	if w.days == nil || d.Year != w.year {
		ys, err := w.c.load(w.ctx, d.Year, d.Year)
		if err != nil {
			return false, err
		}
		w.year, w.days = d.Year, ys[d.Year] // nil outside MinYear..MaxYear: no overrides
	}
	if o, ok := w.days[d]; ok {
		return o.Working, nil
	}
	ok, _ := Statutory(d)
	return ok, nil
}

// Day returns d as the calendar sees it now (cached overrides).
func (c *Calendar) Day(ctx context.Context, d Date) (Day, error) {
	ys, err := c.load(ctx, d.Year, d.Year)
	if err != nil {
		return Day{}, err
	}
	if o, ok := ys[d.Year][d]; ok {
		return dayOf(d, &o), nil
	}
	return dayOf(d, nil), nil
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(ctx context.Context, d Date) (bool, error) {
	return (&walker{c: c, ctx: ctx}).working(d)
}

// NextWorkday is the first working day after d (d itself never counts).
func (c *Calendar) NextWorkday(ctx context.Context, d Date) (Date, error) {
	return c.nth(ctx, d, 1)
}

// nth walks to the n-th working day after d (before d for negative n).
func (c *Calendar) nth(ctx context.Context, d Date, n int) (Date, error) {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	// Load the span the walk will most likely cover with one query: n
	// working days rarely take more than twice as many calendar days plus
	// a Golden Week.
	end := d.AddDays(step * (2*n + 14))
	from, to := d, end
	if step < 0 {
		from, to = end, d
	}
	if err := c.Preload(ctx, from, to); err != nil {
		return Date{}, err
	}
	w := &walker{c: c, ctx: ctx}
	for i := 0; n > 0; i++ {
		if i >= maxWalk {
			return Date{}, errs.Conflict("days", "工作日历在 %s 之后 %d 天内找不到足够的工作日，请检查日历调整", d, maxWalk)
		}
		d = d.AddDays(step)
		ok, err := w.working(d)
		if err != nil {
			return Date{}, err
		}
		if ok {
			n--
		}
	}
	return d, nil
}

// AddWorkdays is "n working days after t": the same Asia/Shanghai clock
// time on the n-th working day after t's date. t's own date never counts,
// even when it is a working day; n = 0 returns t unchanged; a negative n
// goes back n working days. The result is in Asia/Shanghai.
func (c *Calendar) AddWorkdays(ctx context.Context, t time.Time, n int) (time.Time, error) {
	if n == 0 {
		return t, nil
	}
	d, err := c.nth(ctx, DateOf(t), n)
	if err != nil {
		return time.Time{}, err
	}
	return d.At(t), nil
}

// WorkdaysBetween counts the working days after a's date up to and
// including b's date (Asia/Shanghai): a ticket opened at a and closed at
// b was handled "within N working days" when the count is at most N. The
// same date, or b on a's next day off, gives 0; b before a gives the
// negated count from b to a.
func (c *Calendar) WorkdaysBetween(ctx context.Context, a, b time.Time) (int, error) {
	da, dbb := DateOf(a), DateOf(b)
	sign := 1
	if dbb.Before(da) {
		da, dbb, sign = dbb, da, -1
	}
	if err := c.Preload(ctx, da, dbb); err != nil {
		return 0, err
	}
	w := &walker{c: c, ctx: ctx}
	n := 0
	for d := da.AddDays(1); !dbb.Before(d); d = d.AddDays(1) {
		ok, err := w.working(d)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return sign * n, nil
}

// Year lists the year's days that are not ordinary: statutory holidays,
// 调休 working days and overridden days, in date order. It reads the
// overrides afresh (admins look at it right after a change made on
// another server) and refreshes the cache with them.
func (c *Calendar) Year(ctx context.Context, year int) ([]Day, error) {
	if year < MinYear || year > MaxYear {
		return nil, errs.Invalid("year", "年份须在 %d 至 %d 之间", MinYear, MaxYear)
	}
	_, gen := c.cached(year, year)
	loaded := c.Now()
	ovs, err := queryOverrides(ctx, c.DB, Date{year, time.January, 1}, Date{year, time.December, 31})
	if err != nil {
		return nil, err
	}
	c.store(gen, loaded, map[int]map[Date]override{year: ovs})
	var out []Day
	for d := (Date{year, time.January, 1}); d.Year == year; d = d.AddDays(1) {
		if o, ok := ovs[d]; ok {
			out = append(out, dayOf(d, &o))
		} else if _, ok := statutory()[d]; ok {
			out = append(out, dayOf(d, nil))
		}
	}
	return out, nil
}

// overrideRecord is an override as the audit log keeps it.
type overrideRecord struct {
	Day     string `json:"day"`
	Working bool   `json:"working"`
	Note    string `json:"note"`
}

const maxNote = 200

func (c *Calendar) checkWrite(by *auth.User, d Date) error {
	if !by.Can(auth.PermCalendarAdmin) {
		return errs.Forbidden("无权调整工作日历")
	}
	if d.Year < MinYear || d.Year > MaxYear {
		return errs.Invalid("day", "日期须在 %d 年至 %d 年之间", MinYear, MaxYear)
	}
	return nil
}

// SetOverride makes d a working day or a day off whatever the statutory
// calendar says, with a note (e.g. "公司安排：国庆加班"), audited. It
// returns the day as it now stands.
func (c *Calendar) SetOverride(ctx context.Context, by *auth.User, d Date, working bool, note string) (Day, error) {
	if err := c.checkWrite(by, d); err != nil {
		return Day{}, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > maxNote {
		return Day{}, errs.Invalid("note", "备注不能超过 %d 个字", maxNote)
	}
	now := c.Now().UTC().Truncate(time.Microsecond)
	after := overrideRecord{Day: d.String(), Working: working, Note: note}
	err := c.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := lockOverride(ctx, tx, d)
		if err != nil {
			return err
		}
		if before == nil {
			// No row yet: insert it. Losing a race to a concurrent insert of
			// the same day leaves the row to update like any other.
			res, err := tx.ExecContext(ctx, `INSERT INTO workday_overrides (day, working, note, updated_by, updated_at)
				VALUES ($1,$2,$3,$4,$5) ON CONFLICT (day) DO NOTHING`, d.String(), working, note, by.ID, now)
			if err != nil {
				return fmt.Errorf("insert workday override: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), Entity: Entity, EntityID: d.Key(),
					Action: audit.ActionCreate, After: after})
			}
			if before, err = lockOverride(ctx, tx, d); err != nil {
				return err
			}
			if before == nil {
				return fmt.Errorf("workday override %s vanished while saving", d)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workday_overrides SET working = $2, note = $3, updated_by = $4, updated_at = $5
			WHERE day = $1`, d.String(), working, note, by.ID, now); err != nil {
			return fmt.Errorf("update workday override: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), Entity: Entity, EntityID: d.Key(),
			Action: audit.ActionUpdate, Before: before, After: after})
	})
	c.Invalidate()
	if err != nil {
		return Day{}, err
	}
	return dayOf(d, &override{Working: working, Note: note, UpdatedBy: by.ID, UpdatedAt: now}), nil
}

// lockOverride reads d's override for update: the no-op UPDATE takes the
// row lock on PostgreSQL (SQLite's transaction already holds the write
// lock), so the "before" of the audit entry is the row this transaction
// replaces. It returns nil when d has no override.
func lockOverride(ctx context.Context, tx *sql.Tx, d Date) (*overrideRecord, error) {
	res, err := tx.ExecContext(ctx, `UPDATE workday_overrides SET updated_at = updated_at WHERE day = $1`, d.String())
	if err != nil {
		return nil, fmt.Errorf("lock workday override: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	r := &overrideRecord{Day: d.String()}
	if err := tx.QueryRowContext(ctx, `SELECT working, note FROM workday_overrides WHERE day = $1`, d.String()).
		Scan(&r.Working, &r.Note); err != nil {
		return nil, fmt.Errorf("read workday override: %w", err)
	}
	return r, nil
}

// DeleteOverride removes d's override, so the statutory calendar decides
// the day again, audited. It returns the day as it now stands.
func (c *Calendar) DeleteOverride(ctx context.Context, by *auth.User, d Date) (Day, error) {
	if err := c.checkWrite(by, d); err != nil {
		return Day{}, err
	}
	err := c.DB.Tx(ctx, func(tx *sql.Tx) error {
		before := overrideRecord{Day: d.String()}
		err := tx.QueryRowContext(ctx, `DELETE FROM workday_overrides WHERE day = $1 RETURNING working, note`, d.String()).
			Scan(&before.Working, &before.Note)
		if err == sql.ErrNoRows {
			return errs.NotFound("%s 没有调整，无需恢复", d)
		}
		if err != nil {
			return fmt.Errorf("delete workday override: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), Entity: Entity, EntityID: d.Key(),
			Action: audit.ActionDelete, Before: before})
	})
	c.Invalidate()
	if err != nil {
		return Day{}, err
	}
	return dayOf(d, nil), nil
}
