package ticket

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the tickets' migrations (after archive and auth).
var Module = db.Module{Name: "ticket", FS: migrations}

func init() {
	audit.Describe("ticket", "工单", map[string]string{"status": "状态", "department": "派工部门", "assignee_id": "处理人",
		"resolution": "处理结果", "callback_result": "回访结果", "valid": "有效投诉", "validity_reason": "定性理由",
		"major": "重大投诉", "major_report": "书面报告", "cancel_reason": "取消原因", "reopen_count": "返修次数",
		"title": "标题", "kind": "类型", "urgency": "紧急程度", "overdue": "超时"})
	audit.DescribeValues("ticket", Labels)
	audit.Describe("sla_policy", "时限标准", map[string]string{"respond_within": "响应时限", "resolve_within": "完成时限"})
}

// Calendar adds working days on the statutory calendar.
type Calendar interface {
	AddWorkdays(ctx context.Context, t time.Time, n int) (time.Time, error)
}

// Service holds the ticket rules.
type Service struct {
	DB  *db.DB
	Cal Calendar
	Now func() time.Time

	stmts    stmtCache
	policies policyCache
}

// NewService returns the ticket service.
func NewService(d *db.DB, cal Calendar) *Service {
	return &Service{DB: d, Cal: cal, Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Sees reports whether u may see t: their community, and for department
// staff only their department's tickets or those they took or received.
func Sees(u *auth.User, t *Ticket) bool {
	if !u.Sees(t.CommunityID) {
		return false
	}
	if u.Role == auth.RoleDeptStaff {
		return t.Department == u.Department || (t.AssigneeID != nil && *t.AssigneeID == u.ID) || t.ReceiverID == u.ID
	}
	return true
}

func scopeFilter(u *auth.User, f *Filter) {
	if !u.AllCommunities() {
		f.scope = u.Communities
		if f.scope == nil {
			f.scope = []int64{}
		}
	}
	if u.Role == auth.RoleDeptStaff {
		f.restricted, f.ownDept, f.ownUserID = true, u.Department, u.ID
	}
}

// due computes a deadline from t, in UTC like every stored time: the
// calendar answers in Asia/Shanghai, and SQLite compares the stored text,
// so a +08:00 deadline would sort wrongly against UTC times.
func (s *Service) due(ctx context.Context, t time.Time, w Within) (time.Time, error) {
	if w.Workdays > 0 {
		d, err := s.Cal.AddWorkdays(ctx, t, w.Workdays)
		return d.UTC(), err
	}
	return t.Add(time.Duration(w.Minutes) * time.Minute).UTC(), nil
}

// Policy returns the SLA policy for (kind, urgency): the stored one, or
// the default.
func (s *Service) Policy(ctx context.Context, q db.Querier, kind, urgency string) (Policy, error) {
	p := Policy{Kind: kind, Urgency: urgency}
	err := q.QueryRowContext(ctx, `SELECT respond_minutes, respond_workdays, resolve_minutes, resolve_workdays, updated_at
		FROM sla_policies WHERE kind = $1 AND urgency = $2`, kind, urgency).
		Scan(&p.RespondWithin.Minutes, &p.RespondWithin.Workdays, &p.ResolveWithin.Minutes, &p.ResolveWithin.Workdays, &p.UpdatedAt)
	if err == sql.ErrNoRows {
		return defaultPolicy(kind, urgency)
	}
	return p, err
}

func defaultPolicy(kind, urgency string) (Policy, error) {
	for _, d := range DefaultPolicies {
		if d.Kind == kind && d.Urgency == urgency {
			return d, nil
		}
	}
	return Policy{}, errs.Invalid("kind", "没有该类型的时限标准")
}

// Policies lists every (kind, urgency) policy in effect.
func (s *Service) Policies(ctx context.Context) ([]Policy, error) {
	out := make([]Policy, 0, len(DefaultPolicies))
	for _, k := range Kinds {
		for _, u := range Urgencies {
			p, err := s.Policy(ctx, s.DB, k, u)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// SetPolicy stores an SLA policy. Existing tickets keep their deadlines.
func (s *Service) SetPolicy(ctx context.Context, by *auth.User, p Policy) (Policy, error) {
	if !by.Can(auth.PermSLAAdmin) {
		return Policy{}, errs.Forbidden("只有系统管理员或中心主任可以修改时限标准")
	}
	var f errs.Fields
	var ok bool
	if p.Kind, ok = canon(p.Kind, Kinds); !ok {
		f.Add("kind", "工单类型无效")
	}
	if p.Urgency == "" {
		p.Urgency = UrgencyNormal
	}
	if p.Urgency, ok = canon(p.Urgency, Urgencies); !ok {
		f.Add("urgency", "紧急程度无效")
	}
	if !p.RespondWithin.valid() {
		f.Add("respond_within", "响应时限须为 {\"minutes\":N} 或 {\"workdays\":N} 之一，且为正数")
	}
	if !p.ResolveWithin.valid() {
		f.Add("resolve_within", "完成时限须为 {\"minutes\":N} 或 {\"workdays\":N} 之一，且为正数")
	}
	if err := f.Err(); err != nil {
		return Policy{}, err
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.Policy(ctx, tx, p.Kind, p.Urgency)
		if err != nil {
			return err
		}
		p.UpdatedAt = s.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO sla_policies (kind, urgency, respond_minutes, respond_workdays,
			resolve_minutes, resolve_workdays, updated_by, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
			ON CONFLICT (kind, urgency) DO UPDATE SET respond_minutes=$3, respond_workdays=$4, resolve_minutes=$5,
			resolve_workdays=$6, updated_by=$7, updated_at=$8`, p.Kind, p.Urgency, p.RespondWithin.Minutes,
			p.RespondWithin.Workdays, p.ResolveWithin.Minutes, p.ResolveWithin.Workdays, by.ID, p.UpdatedAt); err != nil {
			return fmt.Errorf("save policy: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), Entity: "sla_policy",
			EntityID: int64(slices.Index(Kinds, p.Kind)*10 + slices.Index(Urgencies, p.Urgency)),
			Action:   audit.ActionUpdate, Before: before, After: p})
	})
	s.clearPolicies()
	return p, err
}

// Get returns a ticket with its timeline.
func (s *Service) Get(ctx context.Context, by *auth.User, id int64) (*Ticket, error) {
	t, err := getTicket(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !Sees(by, t) {
		return nil, errs.Forbidden("该工单不在您的处理范围内")
	}
	t.Overdue = t.Overdue || t.LateAt(s.Now())
	if t.Events, err = events(ctx, s.DB, id); err != nil {
		return nil, err
	}
	return t, nil
}

// List returns tickets in the caller's scope.
func (s *Service) List(ctx context.Context, by *auth.User, f Filter) ([]*Ticket, int, error) {
	if f.CommunityID > 0 && !by.Sees(f.CommunityID) {
		return nil, 0, errs.Forbidden("该小区不在您管辖范围内")
	}
	scopeFilter(by, &f)
	now := s.Now()
	ts, total, err := listTickets(ctx, s.DB, s.DB.Dialect, f, now)
	for _, t := range ts {
		t.Overdue = t.Overdue || t.LateAt(now)
	}
	return ts, total, err
}

// Create registers a ticket. The registering user is its 首问责任人 for
// the ticket's whole life.
func (s *Service) Create(ctx context.Context, by *auth.User, in CreateInput) (*Ticket, error) {
	now := s.Now()
	received, err := in.validate(now)
	if err != nil {
		return nil, err
	}
	if !by.Sees(in.CommunityID) {
		return nil, errs.Forbidden("该小区不在您管辖范围内")
	}
	pol, err := s.cachedPolicy(ctx, in.Kind, in.Urgency)
	if err != nil {
		return nil, err
	}
	respondDue, err := s.due(ctx, received, pol.RespondWithin)
	if err != nil {
		return nil, err
	}
	resolveDue, err := s.due(ctx, received, pol.ResolveWithin)
	if err != nil {
		return nil, err
	}
	t := &Ticket{CommunityID: in.CommunityID, Kind: in.Kind, Urgency: in.Urgency, Channel: in.Channel, Title: in.Title,
		Description: in.Description, Category: strings.TrimSpace(in.Category), Location: strings.TrimSpace(in.Location),
		ReceiverID: by.ID, ReceiverName: by.Name, Status: StatusNew, ReceivedAt: received, RespondDueAt: respondDue,
		ResolveDueAt: resolveDue, CreatedAt: now, UpdatedAt: now}
	if in.HouseID != nil {
		h := *in.HouseID
		t.HouseID = &h
	}
	note := Label(in.Channel) + "受理"
	if !received.Equal(now) {
		note += "（补录，受理时间 " + received.In(shanghai).Format("2006-01-02 15:04") + "）"
	}
	if s.DB.Dialect == db.Postgres {
		if err := s.insertPG(ctx, by, t, in, note); err != nil {
			return nil, err
		}
		return t, nil
	}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		q := s.q(tx)
		if t.HouseID == nil {
			var exists int64
			if err := q.QueryRowContext(ctx, `SELECT id FROM communities WHERE id = $1`, t.CommunityID).Scan(&exists); err != nil {
				if err == sql.ErrNoRows {
					return errs.Invalid("community_id", "小区不存在")
				}
				return err
			}
		} else {
			// The house (whose community exists by its foreign key) and
			// its current owner, the default requester, in one query.
			var hc int64
			var owner, phone sql.NullString
			err := q.QueryRowContext(ctx, `SELECT h.community_id, h.code, o.name, o.phone FROM houses h
				LEFT JOIN house_owners ho ON ho.house_id = h.id AND ho.active LEFT JOIN owners o ON o.id = ho.owner_id
				WHERE h.id = $1 ORDER BY ho.id LIMIT 1`, *t.HouseID).Scan(&hc, &t.HouseCode, &owner, &phone)
			if err == sql.ErrNoRows || (err == nil && hc != t.CommunityID) {
				return errs.Invalid("house_id", "房屋不存在或不在该小区")
			}
			if err != nil {
				return err
			}
			if in.RequesterName == "" && owner.Valid {
				in.RequesterName, in.RequesterPhone = owner.String, phone.String
			}
		}
		t.RequesterName, t.RequesterPhone = in.RequesterName, in.RequesterPhone
		year := received.In(shanghai).Year()
		var err error
		if t.Number, err = nextNumber(ctx, q, t.CommunityID, year); err != nil {
			return err
		}
		// The ticket is what was inserted: no re-read.
		err = q.QueryRowContext(ctx, `INSERT INTO tickets (community_id, number, year, kind, urgency, channel, title, description,
			category, house_id, location, requester_name, requester_phone, receiver_id, status, received_at, respond_due_at,
			resolve_due_at, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,'new',$15,$16,$17,$18,$18) RETURNING id`,
			t.CommunityID, t.Number, year, t.Kind, t.Urgency, t.Channel, t.Title, t.Description, t.Category,
			t.HouseID, t.Location, t.RequesterName, t.RequesterPhone, t.ReceiverID, t.ReceivedAt, t.RespondDueAt,
			t.ResolveDueAt, now).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("insert ticket: %w", err)
		}
		if err := addEvent(ctx, q, t, now, by.ID, by.Name, "create", "", StatusNew, note); err != nil {
			return err
		}
		return audit.Record(ctx, q, audit.Event{Actor: by.Actor(), CommunityID: t.CommunityID, Entity: "ticket",
			EntityID: t.ID, Action: audit.ActionCreate, After: t})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()
