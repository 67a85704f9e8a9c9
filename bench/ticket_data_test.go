package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"wuye/internal/demo"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/ticket"
)

// tkStaff are the benchmark's users: per community two agents and an
// engineer, and an administrator and a scoped manager.
type tkStaff struct {
	admin, manager *auth.User
	agents         map[int64][]int64 // community → user ids
	engineers      map[int64][]int64
}

func tkCreateStaff(tb testing.TB, d *db.DB, communities int) *tkStaff {
	ctx := context.Background()
	s := auth.NewService(d)
	st := &tkStaff{agents: map[int64][]int64{}, engineers: map[int64][]int64{}}
	mk := func(login string, role auth.Role, dept string, cs ...int64) *auth.User {
		u, err := s.CreateUser(ctx, nil, auth.UserInput{Login: login, Name: "基准" + role.Label(), Role: role,
			Department: dept, Communities: cs}, "Bench-pass-1")
		if err != nil {
			tb.Fatal(err)
		}
		return u
	}
	st.admin = mk("bench_admin", auth.RoleAdmin, "")
	st.manager = mk("bench_manager", auth.RoleCSManager, "", 2, 4)
	for c := int64(1); c <= int64(communities); c++ {
		for i := range 2 {
			st.agents[c] = append(st.agents[c], mk(fmt.Sprintf("bench_agent_%d_%d", c, i), auth.RoleCSAgent, "", c).ID)
		}
		st.engineers[c] = append(st.engineers[c], mk(fmt.Sprintf("bench_eng_%d", c), auth.RoleDeptStaff, "工程部", c).ID)
	}
	return st
}

// tkCols are the columns of a generated ticket row, all but the id.
var tkCols = []string{"community_id", "number", "year", "kind", "urgency", "channel", "title", "description", "category",
	"house_id", "location", "requester_name", "requester_phone", "receiver_id", "department", "assignee_id", "status",
	"received_at", "respond_due_at", "resolve_due_at", "first_response_at", "first_resolved_at", "resolved_at",
	"closed_at", "resolution", "reopen_count", "callback_result", "callback_at", "valid", "validity_reason", "major",
	"major_report", "cancel_reason", "overdue", "created_at", "updated_at"}

// tkShares are the communities' shares of the tickets, in percent.
var tkShares = []int{30, 25, 20, 15, 10}

// tkLoadTickets writes n tickets received over the two years before now
// into the dataset's communities with multi-row INSERTs (db.Batch), in
// transactions of 100k: the realistic mix of the demo (kinds, urgency,
// channels, departments, requesters from the archive), numbered per
// community and year, nearly all closed after a 回访 except the last
// days' and a few stuck ones, some late, some reworked, complaints
// judged. No timeline events or audit entries: the list and the KPI
// read neither.
func tkLoadTickets(ctx context.Context, d *db.DB, ds *dataset, st *tkStaff, n int, now time.Time) error {
	g := newTkGen(ds, st, n, now)
	const chunk = 100_000
	for done := 0; done < n; {
		end := min(n, done+chunk)
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			bt := db.NewBatch(ctx, tx, d.Dialect, "tickets", tkCols, "", nil)
			for i := done; i < end; i++ {
				if err := bt.Add(g.row(i)...); err != nil {
					return err
				}
			}
			return bt.Close()
		})
		if err != nil {
			return err
		}
		done = end
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		for k, last := range g.seq {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_counters (community_id, year, last) VALUES ($1,$2,$3)`,
				k[0], k[1], last); err != nil {
				return err
			}
		}
		return nil
	})
}

// tkGen generates the rows.
type tkGen struct {
	r        *rand.Rand
	ds       *dataset
	st       *tkStaff
	houses   map[int64][]int // community → indexes into ds.houses
	ownerOf  map[int64]int64 // house → first owner
	policy   map[[2]string]ticket.Policy
	seq      map[[2]int]int // (community, year) → last number
	n        int
	start    time.Time
	span     time.Duration
	now      time.Time
	cumShare []int
}

var cst = time.FixedZone("CST", 8*3600)

func newTkGen(ds *dataset, st *tkStaff, n int, now time.Time) *tkGen {
	g := &tkGen{r: rand.New(rand.NewPCG(11, 12)), ds: ds, st: st, houses: map[int64][]int{}, ownerOf: map[int64]int64{},
		policy: map[[2]string]ticket.Policy{}, seq: map[[2]int]int{}, n: n, span: 730 * 24 * time.Hour, now: now}
	g.start = now.Add(-g.span)
	for i, h := range ds.houses {
		g.houses[h.comm] = append(g.houses[h.comm], i)
	}
	for _, l := range ds.links {
		if _, ok := g.ownerOf[l.house]; !ok {
			g.ownerOf[l.house] = l.owner
		}
	}
	for _, p := range ticket.DefaultPolicies {
		g.policy[[2]string{p.Kind, p.Urgency}] = p
	}
	sum := 0
	for _, s := range tkShares[:ds.communities] {
		sum += s
		g.cumShare = append(g.cumShare, sum)
	}
	return g
}

// within is a policy's duration, working days taken as 7/5 calendar
// days (near enough without the calendar).
func within(w ticket.Within) time.Duration {
	if w.Workdays > 0 {
		return time.Duration(w.Workdays) * 24 * time.Hour * 7 / 5
	}
	return time.Duration(w.Minutes) * time.Minute
}

func (g *tkGen) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(g.r.Int64N(int64(hi-lo)))
}

// row is the i-th of n tickets, in the order received.
func (g *tkGen) row(i int) []any {
	r := g.r
	received := g.start.Add(time.Duration((float64(i) + r.Float64()) / float64(g.n) * float64(g.span))).UTC().Truncate(time.Second)
	c := int64(1)
	for k, n := 0, r.IntN(g.cumShare[len(g.cumShare)-1]); n >= g.cumShare[k]; k++ {
		c = int64(k + 2)
	}
	kind := tkKind(r)
	urgency := ticket.UrgencyNormal
	if u := map[string]int{ticket.KindRepair: 15, ticket.KindHelp: 40}[kind]; r.IntN(100) < max(u, 2) {
		urgency = ticket.UrgencyUrgent
	}
	title, desc, category, dept := demo.TicketText(r, kind)
	hs := g.houses[c]
	h := g.ds.houses[hs[r.IntN(len(hs))]]
	o := g.ds.owners[g.ownerOf[h.id]-1]
	var house any = h.id
	location := ""
	if r.IntN(100) < 20 {
		house, location = nil, fmt.Sprintf("%s栋%s单元", h.bname, h.uname)
	}
	year := received.In(cst).Year()
	g.seq[[2]int{int(c), year}]++
	number := fmt.Sprintf("TS%d-%06d", year, g.seq[[2]int{int(c), year}])
	agents := g.st.agents[c]
	receiver := agents[r.IntN(len(agents))]
	pol := g.policy[[2]string{kind, urgency}]
	respondDue, resolveDue := received.Add(within(pol.RespondWithin)), received.Add(within(pol.ResolveWithin))

	age := g.now.Sub(received)
	status := ticket.StatusClosed
	switch x := r.IntN(1000); {
	case age < 24*time.Hour:
		status = []string{ticket.StatusNew, ticket.StatusDispatched, ticket.StatusInProgress, ticket.StatusResolved}[x%4]
	case age < 7*24*time.Hour:
		switch {
		case x < 150:
			status = ticket.StatusResolved
		case x < 230:
			status = ticket.StatusInProgress
		case x < 280:
			status = ticket.StatusDispatched
		case x < 300:
			status = ticket.StatusCancelled
		}
	default:
		switch {
		case x < 25:
			status = ticket.StatusCancelled
		case x < 30:
			status = ticket.StatusResolved // never called back
		case x < 33:
			status = ticket.StatusInProgress // stuck
		case x < 35:
			status = ticket.StatusDispatched
		}
	}
	late := r.IntN(100) < 10
	var department, assignee, firstResp, firstRes, resolved, closed, callbackAt, valid any
	resolution, callback, validity, cancel := "", "", "", ""
	reopen := 0
	updated := received
	if status != ticket.StatusNew && !(status == ticket.StatusCancelled && r.IntN(2) == 0) {
		department = dept
		if dept == "工程部" && r.IntN(2) == 0 {
			engs := g.st.engineers[c]
			assignee = engs[r.IntN(len(engs))]
		}
		fr := received.Add(g.between(time.Minute, within(pol.RespondWithin)*3/4))
		if late && r.IntN(3) == 0 {
			fr = respondDue.Add(g.between(time.Minute, 4*time.Hour))
		}
		firstResp, updated = fr, fr
	} else if status == ticket.StatusNew && age > within(pol.RespondWithin) {
		late = true
	}
	switch status {
	case ticket.StatusResolved, ticket.StatusClosed:
		fr := firstResp.(time.Time)
		res := fr.Add(g.between(10*time.Minute, resolveDue.Sub(fr)*4/5))
		if late {
			res = resolveDue.Add(g.between(time.Hour, 48*time.Hour))
		}
		firstRes, resolved, resolution, updated = res, res, "已处理完毕", res
		if status == ticket.StatusClosed {
			cb := res.Add(g.between(2*time.Hour, 30*time.Hour))
			callback = []string{ticket.ResultSatisfied, ticket.ResultSatisfied, ticket.ResultSatisfied,
				ticket.ResultBasicSatisfied, ticket.ResultBasicSatisfied}[r.IntN(5)]
			if r.IntN(100) < 4 {
				callback = ticket.ResultUnsatisfied // then reworked: the last 回访 is the second
				reopen = 1
				callback = ticket.ResultBasicSatisfied
				res2 := cb.Add(g.between(time.Hour, 48*time.Hour))
				resolved, cb = res2, res2.Add(g.between(2*time.Hour, 30*time.Hour))
			}
			callbackAt, closed, updated = cb, cb, cb
		}
	case ticket.StatusCancelled:
		cancel = "业主撤回"
		updated = received.Add(g.between(10*time.Minute, 24*time.Hour))
	case ticket.StatusInProgress, ticket.StatusDispatched:
		late = late || g.now.After(resolveDue)
	}
	if kind == ticket.KindComplaint && status != ticket.StatusNew && r.IntN(100) < 95 {
		v := r.IntN(100) < 65
		valid, validity = v, "经核实"
	}
	// Nothing happens after now.
	for _, t := range []*any{&firstResp, &firstRes, &resolved, &callbackAt, &closed} {
		if v, ok := (*t).(time.Time); ok && v.After(g.now) {
			*t = g.now
		}
	}
	if updated.After(g.now) {
		updated = g.now
	}
	return []any{c, number, year, kind, urgency, tkChannels[r.IntN(len(tkChannels))], title, desc, category, house, location,
		o.name, o.phone, receiver, nz(department), assignee, status, received, respondDue, resolveDue, firstResp,
		firstRes, resolved, closed, resolution, reopen, callback, callbackAt, valid, validity, false, "", cancel,
		late && status != ticket.StatusCancelled, received, updated}
}

// nz is a NOT NULL text column's value: "" for nil.
func nz(v any) any {
	if v == nil {
		return ""
	}
	return v
}
