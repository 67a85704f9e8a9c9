package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/workday"
	"wuye/internal/ticket"
)

// tkLoader drives the planned tickets through ticket.Service, each step
// as the staff member who would take it, with the service's clock set to
// the step's time; inside Seed's transaction every call joins it.
type tkLoader struct {
	svc   *ticket.Service
	r     *rand.Rand
	now   time.Time // the real now: nothing happens after it
	staff map[string]*auth.User
	at    time.Time // the clock of the ticket being driven
	clamp bool      // squeeze late steps in before now instead of stopping
}

// errNotYet ends a ticket's story at now: the next step is in the future.
var errNotYet = errors.New("not yet")

// loadTickets plans and loads the demo's tickets and returns how many.
func loadTickets(ctx context.Context, tx *sql.Tx, d *db.DB, p *plan, now time.Time) (int, error) {
	staffUsers, err := demoStaff(ctx, tx)
	if err != nil {
		return 0, err
	}
	houses, _ := p.counts()
	r := rand.New(rand.NewPCG(seed+1, uint64(houses)))
	plans := planTickets(r, p, now.In(shanghai))
	l := &tkLoader{svc: ticket.NewService(d, workday.NewCalendar(d)), r: r, now: now.UTC(), staff: staffUsers}
	saved := l.svc.Now
	l.svc.Now = func() time.Time { return l.at }
	defer func() { l.svc.Now = saved }()
	n := 0
	for _, tp := range plans {
		ok, err := l.run(ctx, tp)
		if err != nil {
			return n, fmt.Errorf("ticket %s %s: %w", tp.received.Format("2006-01-02 15:04"), tp.title, err)
		}
		if ok {
			n++
		}
	}
	// The escalation job, as it would run now: open tickets past a
	// deadline are flagged and their managers told.
	l.at = l.now
	if _, err := l.svc.Escalate(ctx); err != nil {
		return n, fmt.Errorf("escalate: %w", err)
	}
	return n, l.readOld(ctx, tx)
}

// readOld marks the notifications of more than two days ago read, as
// their users would have, so that the badges show this week's news.
func (l *tkLoader) readOld(ctx context.Context, tx *sql.Tx) error {
	for _, u := range l.staff {
		rows, err := tx.QueryContext(ctx, `SELECT id, created_at FROM notifications WHERE user_id = $1 AND read_at IS NULL
			AND created_at < $2 ORDER BY id`, u.ID, l.now.Add(-48*time.Hour))
		if err != nil {
			return err
		}
		type note struct {
			id int64
			at time.Time
		}
		var old []note
		for rows.Next() {
			var n note
			if err := rows.Scan(&n.id, &n.at); err != nil {
				rows.Close()
				return err
			}
			old = append(old, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, n := range old {
			l.at = n.at.Add(minutes(l.r, 5, 240))
			if err := l.svc.MarkRead(ctx, u, n.id); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoStaff loads the demo accounts from tx by login, each only if it is
// still of the role the demo gave it (an account that existed before the
// demo keeps its own).
func demoStaff(ctx context.Context, tx *sql.Tx) (map[string]*auth.User, error) {
	out := map[string]*auth.User{}
	for _, s := range staff {
		u := &auth.User{Login: s.login}
		err := tx.QueryRowContext(ctx, `SELECT id, name, role, department, disabled FROM users WHERE login = $1`, s.login).
			Scan(&u.ID, &u.Name, &u.Role, &u.Department, &u.Disabled)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if u.Role != s.role || u.Disabled || u.Department != s.department {
			continue
		}
		rows, err := tx.QueryContext(ctx, `SELECT community_id FROM user_communities WHERE user_id = $1`, u.ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c int64
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return nil, err
			}
			u.Communities = append(u.Communities, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		out[s.login] = u
	}
	return out, nil
}

// who returns the first of the logins whose account covers community.
func (l *tkLoader) who(community int64, logins ...string) *auth.User {
	for _, lg := range logins {
		if u := l.staff[lg]; u != nil && u.Sees(community) {
			return u
		}
	}
	return nil
}

// step moves the ticket's clock on by d (kept to office hours when
// office is set) and tells whether the step happens by now.
func (l *tkLoader) step(d time.Duration, office bool) error {
	t := l.at.Add(d)
	if office {
		t = officeHours(l.r, t)
	}
	if t.After(l.now) {
		if !l.clamp {
			return errNotYet
		}
		t = l.at.Add(time.Duration(l.r.Int64N(int64(l.now.Sub(l.at))/2 + 1)))
	}
	l.at = t
	return nil
}

// officeHours moves t into 09:00–18:00 Asia/Shanghai, to that day's or
// the next day's morning.
func officeHours(r *rand.Rand, t time.Time) time.Time {
	c := t.In(shanghai)
	switch {
	case c.Hour() < 9:
		return time.Date(c.Year(), c.Month(), c.Day(), 9, r.IntN(60), r.IntN(60), 0, shanghai).UTC()
	case c.Hour() >= 18:
		return time.Date(c.Year(), c.Month(), c.Day()+1, 9, r.IntN(60), r.IntN(60), 0, shanghai).UTC()
	}
	return t
}

func minutes(r *rand.Rand, lo, hi int) time.Duration {
	return time.Duration(lo*60+r.IntN((hi-lo)*60+1)) * time.Second
}

// until is a random duration that keeps the clock between lo after now
// and hi before t (lo if there is no room).
func (l *tkLoader) until(t time.Time, lo, hi time.Duration) time.Duration {
	room := t.Sub(l.at) - hi - lo
	if room <= 0 {
		return lo
	}
	// Most work is done well within its time; square the fraction.
	f := l.r.Float64()
	return lo + time.Duration(f*f*float64(room))
}

// run registers one ticket and takes it through its planned story. It
// reports false when the community has no one to take the call.
func (l *tkLoader) run(ctx context.Context, tp *tkPlan) (bool, error) {
	cid := tp.comm.plan.id
	receiver := l.who(cid, tp.receiver, "agent", "agent2", "manager")
	handler := l.who(cid, "agent", "agent2", "manager", "director", "admin")
	if tp.receiver == "manager" {
		handler = l.who(cid, "manager", "agent", "agent2", "director", "admin")
	}
	judge := l.who(cid, "manager", "director", "admin")
	if receiver == nil || handler == nil {
		return false, nil
	}
	worker := handler
	var engineer *auth.User
	if tp.engineer {
		if engineer = l.who(cid, "engineer"); engineer != nil {
			worker = engineer
		}
	}
	in := ticket.CreateInput{CommunityID: cid, Location: tp.location, Kind: tp.kind, Urgency: ticket.UrgencyNormal,
		Channel: tp.channel, Title: tp.title, Description: tp.desc, Category: tp.item.category,
		RequesterName: tp.reqName, RequesterPhone: tp.reqPhone}
	if tp.kind != ticket.KindComplaint && tp.kind != ticket.KindRepair {
		in.Category = ""
	}
	if tp.urgent {
		in.Urgency = ticket.UrgencyUrgent
	}
	if tp.house != nil {
		in.HouseID = &tp.house.id
	}
	received := tp.received.UTC().Truncate(time.Second)
	l.at = tp.entered.UTC().Truncate(time.Second)
	if l.at.After(l.now) {
		l.at = received
	}
	if !l.at.Equal(received) {
		in.ReceivedAt = received.Format(time.RFC3339)
	}
	l.clamp = tp.stop != stFull
	t, err := l.svc.Create(ctx, receiver, in)
	if err != nil {
		return false, fmt.Errorf("create: %w", err)
	}
	if tp.stop == stNew {
		return true, nil
	}
	err = l.story(ctx, tp, t, handler, worker, engineer, judge)
	if errors.Is(err, errNotYet) {
		err = nil
	}
	return true, err
}

// story is everything after registration.
func (l *tkLoader) story(ctx context.Context, tp *tkPlan, t *ticket.Ticket, handler, worker, engineer, judge *auth.User) error {
	id, r := t.ID, l.r
	if tp.cancel {
		if r.IntN(2) == 0 {
			if err := l.dispatch(ctx, tp, id, handler, engineer, minutes(r, 3, 40)); err != nil {
				return err
			}
		}
		if err := l.step(minutes(r, 20, 600), false); err != nil {
			return err
		}
		_, err := l.svc.Cancel(ctx, handler, id, pickOne(r, tkCancel))
		return err
	}
	if tp.direct {
		// An inquiry answered on the spot.
		if err := l.step(minutes(r, 1, 8), false); err != nil {
			return err
		}
		if _, err := l.svc.Reply(ctx, handler, id, pickOne(r, tkReplies[tp.kind])); err != nil {
			return err
		}
		if err := l.step(minutes(r, 1, 5), false); err != nil {
			return err
		}
		if _, err := l.svc.Resolve(ctx, handler, id, pickOne(r, tp.item.res)); err != nil {
			return err
		}
		return l.callbacks(ctx, tp, id, handler, worker)
	}
	// First response: dispatch, in time or (planned late) after the
	// escalation job has flagged it.
	gap := l.until(t.RespondDueAt, 2*time.Minute, t.RespondDueAt.Sub(l.at)*2/5)
	if tp.urgent {
		gap = minutes(r, 2, 12)
	}
	if tp.lateReply {
		if err := l.escalate(ctx, t.RespondDueAt.Sub(l.at)+minutes(r, 2, 30)); err != nil {
			return err
		}
		gap = minutes(r, 20, 240)
	}
	if tp.kind == ticket.KindPraise || tp.kind == ticket.KindSuggestion {
		if err := l.step(gap, true); err != nil {
			return err
		}
		if _, err := l.svc.Reply(ctx, handler, id, pickOne(r, tkReplies[tp.kind])); err != nil {
			return err
		}
		gap = minutes(r, 5, 60)
	}
	if err := l.dispatch(ctx, tp, id, handler, engineer, gap); err != nil {
		return err
	}
	if tp.kind == ticket.KindComplaint {
		if err := l.judge(ctx, tp, id, handler, judge); err != nil {
			return err
		}
	}
	if tp.stop == stDispatched {
		return nil
	}
	if err := l.work(ctx, tp, t, handler, worker, tp.late); err != nil || tp.stop == stInProgress {
		return err
	}
	return l.callbacks(ctx, tp, id, handler, worker)
}

func (l *tkLoader) dispatch(ctx context.Context, tp *tkPlan, id int64, by, engineer *auth.User, gap time.Duration) error {
	if err := l.step(gap, false); err != nil {
		return err
	}
	in := ticket.DispatchInput{Department: tp.item.dept}
	if engineer != nil {
		in.AssigneeID = &engineer.ID
	}
	_, err := l.svc.Dispatch(ctx, by, id, in)
	return err
}

// judge has the 客服经理 decide a complaint: valid or not, and for a major
// one the written report to the 中心主任.
func (l *tkLoader) judge(ctx context.Context, tp *tkPlan, id int64, handler, judge *auth.User) error {
	r := l.r
	if r.IntN(2) == 0 {
		if err := l.step(minutes(r, 5, 60), false); err != nil {
			return err
		}
		if _, err := l.svc.Reply(ctx, handler, id, pickOne(r, tkReplies[ticket.KindComplaint])); err != nil {
			return err
		}
	}
	if judge == nil || tp.valid == nil {
		return nil
	}
	if err := l.step(minutes(r, 20, 300), !tp.major); err != nil {
		return err
	}
	reason := tp.item.invalid
	if *tp.valid {
		reason = tp.item.valid
	}
	if _, err := l.svc.SetValidity(ctx, judge, id, ticket.ValidityInput{Valid: tp.valid, Reason: reason, Major: tp.major}); err != nil {
		return err
	}
	if !tp.major {
		return nil
	}
	if err := l.step(minutes(r, 120, 300), false); err != nil {
		return err
	}
	_, err := l.svc.MajorReport(ctx, judge, id, fmt.Sprintf(tkMajorReport, tp.desc))
	return err
}

// work starts and resolves a dispatched ticket, in time or late.
func (l *tkLoader) work(ctx context.Context, tp *tkPlan, t *ticket.Ticket, handler, worker *auth.User, late bool) error {
	r := l.r
	start := minutes(r, 10, 60)
	if tp.urgent {
		start = minutes(r, 3, 15)
	}
	if err := l.step(start, false); err != nil {
		return err
	}
	if _, err := l.svc.Start(ctx, worker, t.ID); err != nil {
		return err
	}
	if tp.stop == stInProgress {
		return nil
	}
	gap := l.until(t.ResolveDueAt, 15*time.Minute, 10*time.Minute)
	if at := officeHours(r, l.at.Add(gap)); !tp.urgent && at.Before(t.ResolveDueAt.Add(-10*time.Minute)) {
		gap = at.Sub(l.at)
	}
	if late {
		if err := l.escalate(ctx, t.ResolveDueAt.Sub(l.at)+minutes(r, 5, 45)); err != nil {
			return err
		}
		gap = minutes(r, 60, 36*60)
	}
	if err := l.step(gap, late && !tp.urgent); err != nil {
		return err
	}
	_, err := l.svc.Resolve(ctx, worker, t.ID, pickOne(r, tp.item.res))
	return err
}

// escalate runs the escalation job at the clock plus d, when a late
// ticket is flagged.
func (l *tkLoader) escalate(ctx context.Context, d time.Duration) error {
	if err := l.step(max(d, time.Minute), false); err != nil {
		return err
	}
	_, err := l.svc.Escalate(ctx)
	return err
}

// callbacks makes the planned 回访: an unsatisfied one reopens the
// ticket, which is worked again and called back again; a repair may also
// come back by a repeat call after it was closed.
func (l *tkLoader) callbacks(ctx context.Context, tp *tkPlan, id int64, handler, worker *auth.User) error {
	r := l.r
	if tp.stop == stResolved {
		return nil
	}
	for i := 0; i < len(tp.callbacks); i++ {
		res := tp.callbacks[i]
		if err := l.step(minutes(r, 120, 26*60), true); err != nil {
			return err
		}
		note := pickOne(r, map[string][]string{ticket.ResultSatisfied: tkHappy, ticket.ResultBasicSatisfied: tkOK,
			ticket.ResultUnsatisfied: tkUnhappy}[res])
		t, err := l.svc.Callback(ctx, handler, id, ticket.CallbackInput{Result: res, Note: note})
		if err != nil {
			return err
		}
		if res != ticket.ResultUnsatisfied {
			break
		}
		if i == len(tp.callbacks)-1 {
			// Unsatisfied again: a hard case, left open on the workbench.
			if err := l.step(minutes(r, 30, 180), true); err != nil {
				return err
			}
			text := "客服经理已约见业主，协调进一步处理方案。"
			if tp.item.category == "土建防水" {
				text = "需动用专项维修资金，已报业委会，待业主表决后施工。"
			}
			_, err := l.svc.Reply(ctx, handler, id, text)
			return err
		}
		if err := l.rework(ctx, tp, t, handler, worker); err != nil {
			return err
		}
	}
	if !tp.reopen {
		return nil
	}
	tp.reopen = false
	if err := l.step(minutes(r, 2*24*60, 10*24*60), true); err != nil {
		return err
	}
	t, err := l.svc.Reopen(ctx, handler, id, pickOne(r, tkReopen))
	if err != nil {
		return err
	}
	if err := l.rework(ctx, tp, t, handler, worker); err != nil {
		return err
	}
	tp.callbacks = []string{ticket.ResultBasicSatisfied}
	return l.callbacks(ctx, tp, id, handler, worker)
}

// rework works a reopened ticket again, against its original deadline
// (long gone: the rework is judged by the 返修率, not by the deadline).
func (l *tkLoader) rework(ctx context.Context, tp *tkPlan, t *ticket.Ticket, handler, worker *auth.User) error {
	r := l.r
	if err := l.step(minutes(r, 30, 8*60), true); err != nil {
		return err
	}
	if _, err := l.svc.Start(ctx, worker, t.ID); err != nil {
		return err
	}
	if err := l.step(minutes(r, 60, 30*60), false); err != nil {
		return err
	}
	_, err := l.svc.Resolve(ctx, worker, t.ID, "返修："+pickOne(r, tp.item.res))
	return err
}
