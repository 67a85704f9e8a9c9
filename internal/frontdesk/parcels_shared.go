package frontdesk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Helpers of the parcel and visitor areas (API, pages and service) that
// any front-desk area may reuse.

// deskList writes the API's list envelope.
func deskList[T any](w http.ResponseWriter, items []T, total int) error {
	if items == nil {
		items = []T{}
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

// deskQuery reads list filters from the query string, keeping the
// first error.
type deskQuery struct {
	r   *http.Request
	err error
}

func (q *deskQuery) fail(err error) {
	if q.err == nil {
		q.err = err
	}
}

func (q *deskQuery) str(name string) string { return strings.TrimSpace(q.r.URL.Query().Get(name)) }

func (q *deskQuery) id(name string) int64 {
	v, err := web.QueryID(q.r, name)
	if err != nil {
		q.fail(err)
	}
	return v
}

func (q *deskQuery) int(name string, lo, hi int) int {
	s := q.str(name)
	if s == "" {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		q.fail(errs.Invalid(name, "%s 须为 %d 到 %d 之间的整数", name, lo, hi))
	}
	return v
}

func (q *deskQuery) day(name string) string {
	s := q.str(name)
	if s == "" {
		return ""
	}
	d, ok := normDeskDay(s)
	if !ok {
		q.fail(errs.Invalid(name, "日期格式应为 2026-11-27"))
	}
	return d
}

func (q *deskQuery) enum(name string, allowed ...string) string {
	s := q.str(name)
	if s != "" && !slices.Contains(allowed, s) {
		q.fail(errs.Invalid(name, "%s 须为 %s 之一", name, strings.Join(allowed, "/")))
	}
	return s
}

func (q *deskQuery) paging() (int, int) {
	p := web.PagingOf(q.r)
	return p.PerPage, p.Offset()
}

// normDeskDay checks a day (2026-11-27, 2026/11/27) and normalises it.
func normDeskDay(s string) (string, bool) {
	s = strings.NewReplacer("/", "-", ".", "-").Replace(strings.TrimSpace(s))
	t, err := time.Parse("2006-1-2", s)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return s, false
	}
	return t.Format("2006-01-02"), true
}

// deskDayStart is the UTC instant a day (YYYY-MM-DD) starts in Shanghai.
func deskDayStart(day string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", day, web.Shanghai)
	return t.UTC()
}

// deskToday is now's day in Shanghai.
func deskToday(now time.Time) string { return now.In(web.Shanghai).Format("2006-01-02") }

// parseDeskTime reads a moment: RFC 3339 (any offset), or a local
// Shanghai time as a form's datetime-local sends it (2026-11-27T14:05,
// also with a space). Empty is the zero time.
func parseDeskTime(s, field, what string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Microsecond), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, web.Shanghai); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errs.Invalid(field, "%s格式应为 2026-11-27 14:05 或 RFC 3339 时间", what)
}

// deskScope is the communities a user sees: nil for every one.
func deskScope(u *auth.User) []int64 { return archive.Scope(u) }

// deskText trims s and checks its length.
func deskText(f *errs.Fields, s *string, field, what string, max int, required bool) {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "" && required:
		f.Add(field, "请填写%s", what)
	case utf8.RuneCountInString(*s) > max:
		f.Add(field, "%s不能超过 %d 个字", what, max)
	}
}

var deskPhoneRe = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8}|\+?\d{6,15})$`)

// deskPhone normalises a phone and checks it; required says whether an
// empty one is an error.
func deskPhone(f *errs.Fields, s *string, field, what string, required bool) {
	*s = strings.NewReplacer(" ", "", "—", "-").Replace(strings.TrimPrefix(strings.TrimSpace(*s), "+86"))
	switch {
	case *s == "" && required:
		f.Add(field, "请填写%s", what)
	case *s != "" && !deskPhoneRe.MatchString(*s):
		f.Add(field, "%s格式不正确，手机号应为 11 位", what)
	}
}

// deskIDNumber checks an ID type and number; an empty type is 身份证.
func deskIDNumber(f *errs.Fields, idType, number *string, typeField, numberField string, required bool) {
	*idType = strings.TrimSpace(*idType)
	if *idType == "" {
		*idType = "身份证"
	}
	if !slices.Contains(archive.IDTypes, *idType) {
		f.Add(typeField, "证件类型须为 %s 之一", strings.Join(archive.IDTypes, "、"))
	}
	*number = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(*number), " ", ""))
	switch {
	case *number == "" && required:
		f.Add(numberField, "请填写证件号码")
	case *number != "" && *idType == "身份证" && !archive.ValidIDNumber(*number):
		f.Add(numberField, "身份证号码无效（应为 18 位且校验位正确）")
	case utf8.RuneCountInString(*number) > 30:
		f.Add(numberField, "证件号码不能超过 30 个字符")
	}
}

// deskLike is a LIKE pattern matching s anywhere, with % and _ escaped
// (use with ESCAPE '\').
func deskLike(s string) string { return db.Like(s) }

// deskHouse checks that house id is in the community and returns its
// code; a house of another community, or none, is invalid input on field.
func deskHouse(ctx context.Context, q db.Querier, houseID, communityID int64, field string) (string, error) {
	var code string
	var cid int64
	err := q.QueryRowContext(ctx, `SELECT code, community_id FROM houses WHERE id = $1`, houseID).Scan(&code, &cid)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && cid != communityID) {
		return "", errs.Invalid(field, "房屋不存在或不属于所选小区")
	}
	if err != nil {
		return "", fmt.Errorf("house %d: %w", houseID, err)
	}
	return code, nil
}

// deskCommunity checks a community named in a body: present, and one the
// caller may write in with perm.
func deskCommunity(by *auth.User, perm string, id int64) error {
	if id <= 0 {
		return errs.Invalid("community_id", "请选择小区")
	}
	return can(by, perm, id)
}

// deskAudit records one change of a front-desk record in tx.
func deskAudit(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, entity string, id int64, action string, before, after any) error {
	return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), CommunityID: communityID, Entity: entity,
		EntityID: id, Action: action, Before: before, After: after})
}

// deskNotFound maps a missing row to a not-found error naming what.
func deskNotFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound("%s不存在", what)
	}
	return err
}

// deskPage runs a list's count and its page: the page's ids first, from
// the index alone where one serves the filter and its order (sorted there
// when a user's several communities are merged), then only those rows,
// with join. alias names table in w, order and cols.
func deskPage[T any](ctx context.Context, q db.Querier, table, alias, cols, join string, w *db.Where, order string,
	limit, offset int, scan func(db.Scanner) (T, error)) ([]T, int, error) {
	from := ` FROM ` + table + ` ` + alias
	var total int
	if err := q.QueryRowContext(ctx, `SELECT count(*)`+from+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", table, err)
	}
	out := []T{}
	if total == 0 {
		return out, 0, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+from+join+` WHERE `+alias+`.id IN (SELECT `+alias+`.id`+from+w.SQL()+
		order+w.Page(limit, offset)+`)`+order, w.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	return out, total, rows.Err()
}

// Pages

// deskListQuery is what a list page's filters come to: the typed house
// resolved (HouseID -1 when it names none, the error then in Errors) and
// the query of the list's export link.
type deskListQuery struct {
	HouseID int64
	Export  url.Values
	Errors  map[string]string
}

// listQuery reads a list page's house filter (query "house", a code) in
// community c, and copies the named filters into the export link.
func (h *Handlers) listQuery(r *http.Request, c *deskCommunities, view string, keep ...string) (*deskListQuery, error) {
	q := r.URL.Query()
	out := &deskListQuery{Export: url.Values{"community_id": {strconv.FormatInt(c.ID, 10)}, "view": {view}},
		Errors: map[string]string{}}
	if code := strings.TrimSpace(q.Get("house")); code != "" {
		hs, err := h.houseByCode(r.Context(), user(r), c.ID, code, "house_filter")
		if e, ok := formFault(err); ok {
			out.HouseID, out.Errors["house_filter"] = -1, e.Message
		} else if err != nil {
			return nil, err
		} else {
			out.HouseID = hs.ID
			out.Export.Set("house_id", strconv.FormatInt(hs.ID, 10))
		}
	}
	for _, k := range keep {
		if s := q.Get(k); s != "" {
			out.Export.Set(k, s)
		}
	}
	return out, nil
}

// deskCommunities is the communities a page offers and the one chosen.
type deskCommunities = archive.PageScope

// communities reads the page's community (archive.PageScope).
func (h *Handlers) communities(r *http.Request, need bool) (*deskCommunities, error) {
	return h.Arch.PageScope(r, need)
}

// houseByCode finds the house of a typed code in a community.
func (h *Handlers) houseByCode(ctx context.Context, u *auth.User, communityID int64, code, field string) (*archive.House, error) {
	return h.Arch.HouseByCode(ctx, u, communityID, code, field)
}

// formFault reports whether err is the user's to correct on the page
// (bad input, a conflict, throttling); permission and missing-record
// errors go up as 403/404.
func formFault(err error) (*errs.Error, bool) {
	e, ok := errs.As(err)
	return e, ok && (e.Code == errs.CodeInvalid || e.Code == errs.CodeConflict || e.Code == errs.CodeTooMany)
}

// formErrorsOf maps an error to a form's fields; an error of a field
// the form does not show goes to the top ("").
func formErrorsOf(err error, rename map[string]string, known ...string) map[string]string {
	out := map[string]string{}
	for f, msg := range errs.ByField(err) {
		if n, ok := rename[f]; ok {
			f = n
		}
		if f != "" && !slices.Contains(known, f) {
			f = ""
		}
		if out[f] == "" {
			out[f] = msg
		}
	}
	return out
}

// mergeErrors adds more's field errors to a page's (either may be nil).
func mergeErrors(errs, more map[string]string) map[string]string {
	if errs == nil {
		errs = map[string]string{}
	}
	for k, v := range more {
		errs[k] = v
	}
	return errs
}

// deskPager is the pager under a page's list.
func deskPager(r *http.Request, total int) web.Pager {
	pg := web.PagingOf(r)
	return web.Pager{Total: total, Page: pg.Page, PerPage: pg.PerPage, Query: r.URL.Query()}
}

// formID reads a positive integer form value (0 when absent or bad).
func formID(r *http.Request, name string) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}
