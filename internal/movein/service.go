// Package movein is 入伙治理 and 接管验收: the takeover inspection of
// buildings before owners arrive, and the move-in campaign from plan and
// notices to documents, fees, 验房 defects (repair tickets) and the key
// handover.
package movein

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
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
	"wuye/internal/platform/workday"
	"wuye/internal/ticket"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is move-in's migrations (after archive, ticket and billing).
var Module = db.Module{Name: "movein", FS: migrations}

// Service holds the move-in rules. Every method takes the acting user and
// checks the permission and the community scope itself (defence in depth
// behind the route's role check).
type Service struct {
	DB  *db.DB
	Now func() time.Time
	// Archive changes a house's status at the key handover; Tickets
	// registers 验房 defects as repair tickets. NewService makes its own;
	// the app may hand in the shared ones.
	Archive *archive.Service
	Tickets *ticket.Service
}

// NewService returns the move-in service on d.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, Now: time.Now, Archive: archive.NewService(d),
		Tickets: ticket.NewService(d, workday.NewCalendar(d))}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// today is the current day in Shanghai, YYYY-MM-DD.
func (s *Service) today() string { return s.Now().In(web.Shanghai).Format(dayLayout) }

const dayLayout = "2006-01-02"

// can checks that by holds perm and sees communityID.
func can(by *auth.User, perm string, communityID int64) error {
	if !by.Can(perm) {
		return errs.Forbidden("没有权限")
	}
	if !by.Sees(communityID) {
		return errs.Forbidden("该记录不在您管辖的小区内")
	}
	return nil
}

// record writes one audit entry in tx.
func record(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, entity string, id int64, action string, before, after any) error {
	return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), CommunityID: communityID, Entity: entity,
		EntityID: id, Action: action, Before: before, After: after})
}

// missing maps no row to a not-found error naming what.
func missing(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound("%s不存在", what)
	}
	return err
}

// text trims *v and checks its length; required says an empty one is an
// error.
func text(f *errs.Fields, v *string, field, label string, max int, required bool) {
	*v = strings.TrimSpace(*v)
	switch {
	case *v == "" && required:
		f.Add(field, "请填写%s", label)
	case utf8.RuneCountInString(*v) > max:
		f.Add(field, "%s不能超过 %d 个字", label, max)
	}
}

// day normalises a date (2026-11-27, 2026/11/27, 2026.11.27) in *v; an
// empty one is an error only when required.
func day(f *errs.Fields, v *string, field, label string, required bool) {
	s := strings.NewReplacer("/", "-", ".", "-").Replace(strings.TrimSpace(*v))
	if s == "" {
		*v = ""
		if required {
			f.Add(field, "请填写%s", label)
		}
		return
	}
	t, err := time.Parse("2006-1-2", s)
	if ts, terr := time.Parse(time.RFC3339, s); err != nil && terr == nil {
		t, err = ts.In(web.Shanghai), nil // a moment: its day in Shanghai
	}
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		f.Add(field, "%s格式应为 2026-11-27", label)
		return
	}
	*v = t.Format(dayLayout)
}

// daysBetween is the number of days from a to b (both YYYY-MM-DD).
func daysBetween(a, b string) int {
	ta, err1 := time.Parse(dayLayout, a)
	tb, err2 := time.Parse(dayLayout, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}

// addDays is day d moved by n days.
func addDays(d string, n int) string {
	t, err := time.Parse(dayLayout, d)
	if err != nil {
		return d
	}
	return t.AddDate(0, 0, n).Format(dayLayout)
}

// houseRow is what move-in needs of an archive house.
type houseRow struct {
	ID, CommunityID, BuildingID int64
	Code, Use, Status           string
}

// houseOf loads a house and checks that by sees it: another community's
// house is a 403 before anything else is looked at.
func houseOf(ctx context.Context, q db.Querier, by *auth.User, id int64) (*houseRow, error) {
	h := &houseRow{ID: id}
	err := q.QueryRowContext(ctx, `SELECT community_id, building_id, code, house_use, status FROM houses WHERE id = $1`, id).
		Scan(&h.CommunityID, &h.BuildingID, &h.Code, &h.Use, &h.Status)
	if err != nil {
		return nil, missing(err, "房屋")
	}
	if !by.Sees(h.CommunityID) {
		return nil, errs.Forbidden("该房屋不在您管辖的小区内")
	}
	return h, nil
}

// communityName is a community's name ("" if none).
func communityName(ctx context.Context, q db.Querier, id int64) string {
	var n string
	q.QueryRowContext(ctx, `SELECT name FROM communities WHERE id = $1`, id).Scan(&n)
	return n
}

// checkCommunity checks a community named in a body: present, existing,
// and one by may work in with perm.
func checkCommunity(ctx context.Context, q db.Querier, by *auth.User, perm string, id int64) error {
	if id <= 0 {
		return errs.Invalid("community_id", "请选择小区")
	}
	if err := can(by, perm, id); err != nil {
		return err
	}
	if communityName(ctx, q, id) == "" {
		return errs.Invalid("community_id", "小区不存在")
	}
	return nil
}

// ownerNames lists the current owners of houses, by house.
func ownerNames(ctx context.Context, q db.Querier, houseIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(houseIDs) == 0 {
		return out, nil
	}
	in, args := db.In(nil, houseIDs)
	rows, err := q.QueryContext(ctx, `SELECT ho.house_id, o.name FROM house_owners ho JOIN owners o ON o.id = ho.owner_id
		WHERE ho.active AND ho.house_id IN (`+in+`) ORDER BY ho.house_id, ho.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("owners: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = append(out[id], name)
	}
	return out, rows.Err()
}

// sortBuildings orders buildings as people count them: 2 before 10.
func sortBuildings(bs []BuildingSummary) {
	slices.SortStableFunc(bs, func(a, b BuildingSummary) int { return natural(a.Building, b.Building) })
}

// natural compares names by their leading number first, then as text.
func natural(a, b string) int {
	na, ea := strconv.Atoi(strings.TrimRightFunc(a, func(r rune) bool { return r < '0' || r > '9' }))
	nb, eb := strconv.Atoi(strings.TrimRightFunc(b, func(r rune) bool { return r < '0' || r > '9' }))
	if ea == nil && eb == nil && na != nb {
		return cmp.Compare(na, nb)
	}
	return cmp.Compare(a, b)
}
