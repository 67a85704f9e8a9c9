package demo_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"wuye/internal/app"
	"wuye/internal/demo"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/ticket"
)

// The demo's tickets go through the ticket service: every status is
// there, the last full month has all six rates, numbers are gap-free per
// community and year, and the timeline, notifications and audit agree.
func TestSeedLoadsLiveTickets(t *testing.T) {
	fresh(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		t0 := time.Now()
		res, err := demo.Seed(ctx, d, 300)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Seed(300) on %s: %+v in %v", d.Dialect, res, time.Since(t0))
		n := count(t, d, `SELECT count(*) FROM tickets`)
		if n != res.Tickets || n < 60 || n > 110 {
			t.Errorf("%d tickets (Seed said %d), want about one per 4 houses", n, res.Tickets)
		}
		for _, st := range ticket.Statuses {
			if c := count(t, d, `SELECT count(*) FROM tickets WHERE status = $1`, st); c == 0 {
				t.Errorf("no %s ticket", st)
			}
		}
		open := count(t, d, `SELECT count(*) FROM tickets WHERE status IN ('new','dispatched','in_progress','resolved')`)
		if open < 8 || open > n/3+5 {
			t.Errorf("%d open tickets, want the most recent few", open)
		}
		for _, k := range ticket.Kinds {
			if c := count(t, d, `SELECT count(*) FROM tickets WHERE kind = $1`, k); c == 0 && k != ticket.KindPraise {
				t.Errorf("no %s ticket", k)
			}
		}
		repairs := count(t, d, `SELECT count(*) FROM tickets WHERE kind = 'repair'`)
		if repairs < n*45/100 || repairs > n*65/100 {
			t.Errorf("%d repairs of %d tickets, want about 55%%", repairs, n)
		}
		for what, q := range map[string]string{
			"major complaint with its report": `SELECT count(*) FROM tickets WHERE major AND valid AND major_report <> ''`,
			"invalid complaint":               `SELECT count(*) FROM tickets WHERE kind = 'complaint' AND valid = FALSE`,
			"reopened ticket":                 `SELECT count(*) FROM tickets WHERE reopen_count > 0`,
			"unsatisfied callback":            `SELECT count(*) FROM ticket_events WHERE action = 'callback' AND note LIKE '不满意%'`,
			"ticket assigned to the engineer": `SELECT count(*) FROM tickets t JOIN users u ON u.id = t.assignee_id WHERE u.login = 'engineer'`,
			"ticket received by the cashier":  `SELECT count(*) FROM tickets t JOIN users u ON u.id = t.receiver_id WHERE u.login = 'cashier'`,
			"backfilled night call":           `SELECT count(*) FROM ticket_events WHERE action = 'create' AND note LIKE '%补录%'`,
			"late resolution":                 `SELECT count(*) FROM tickets WHERE first_resolved_at > resolve_due_at`,
			"escalation":                      `SELECT count(*) FROM ticket_events WHERE action = 'escalate'`,
			"urgent repair":                   `SELECT count(*) FROM tickets WHERE kind = 'repair' AND urgency = 'urgent'`,
			"patrol ticket":                   `SELECT count(*) FROM tickets WHERE channel = 'patrol' AND location <> ''`,
			"callback-due notification":       `SELECT count(*) FROM notifications WHERE kind = 'callback_due'`,
		} {
			if c := count(t, d, q); c == 0 {
				t.Errorf("no %s", what)
			}
		}
		// Each ticket's timeline starts with its registration and runs
		// forward; nothing happens after now; every step is audited.
		if c := count(t, d, `SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e
			WHERE e.ticket_id = t.id AND e.action = 'create')`); c != 0 {
			t.Errorf("%d tickets without a create event", c)
		}
		if c := count(t, d, `SELECT count(*) FROM ticket_events a JOIN ticket_events b ON b.ticket_id = a.ticket_id
			AND b.id > a.id AND b.at < a.at`); c != 0 {
			t.Errorf("%d timeline steps out of order", c)
		}
		if c := count(t, d, `SELECT count(*) FROM ticket_events WHERE at > $1`, time.Now().UTC()); c != 0 {
			t.Errorf("%d steps in the future", c)
		}
		if c := count(t, d, `SELECT count(*) FROM tickets WHERE received_at < $1`, time.Now().AddDate(0, 0, -76)); c != 0 {
			t.Errorf("%d tickets older than 75 days", c)
		}
		events := count(t, d, `SELECT count(*) FROM ticket_events WHERE action <> 'escalate'`)
		if a := count(t, d, `SELECT count(*) FROM audit_log WHERE entity = 'ticket'`); a != events {
			t.Errorf("%d ticket audit entries for %d staff steps", a, events)
		}
		// Every requester is a real person of the archive or a patrol.
		if c := count(t, d, `SELECT count(*) FROM tickets WHERE requester_name = '' AND channel <> 'patrol'`); c != 0 {
			t.Errorf("%d tickets without a requester", c)
		}
		if c := count(t, d, `SELECT count(*) FROM tickets t WHERE t.house_id IS NOT NULL AND t.requester_name NOT IN
			(SELECT name FROM owners UNION SELECT name FROM residents)`); c != 0 {
			t.Errorf("%d house tickets whose requester is neither owner nor resident", c)
		}

		// Gap-free numbers per community and year.
		rows, err := d.QueryContext(ctx, `SELECT community_id, year, number FROM tickets ORDER BY community_id, year, number`)
		if err != nil {
			t.Fatal(err)
		}
		seq := map[string]int{}
		for rows.Next() {
			var c int64
			var y int
			var num string
			if err := rows.Scan(&c, &y, &num); err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprint(c, "/", y)
			seq[key]++
			want := fmt.Sprintf("TS%d-%06d", y, seq[key])
			if num != want {
				t.Errorf("community %d: number %s, want %s", c, num, want)
				break
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}

		// The six rates of the last full month are all there.
		a := app.New(d, nil)
		now := time.Now().In(time.FixedZone("CST", 8*3600))
		to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
		from := to.AddDate(0, -1, 0)
		k, err := a.Tickets.KPI(ctx, &auth.User{Role: auth.RoleAdmin}, 0, from, to)
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range k.Rates() {
			if rt.R.Value == nil {
				t.Errorf("%s %s: no value (%d/%d)", from.Format("2006-01"), rt.Label, rt.R.Num, rt.R.Den)
			} else {
				t.Logf("%s %s = %s (%d/%d)", from.Format("2006-01"), rt.Label, rt.R.Percent(), rt.R.Num, rt.R.Den)
			}
		}
		if v := k.CallbackSatisfactionRate.Value; v != nil && *v < 0.8 {
			t.Errorf("回访满意率 %.2f, want most callbacks satisfied in the end", *v)
		}
		if v := k.ReworkRate.Value; v != nil && *v > 0.25 {
			t.Errorf("返修率 %.2f, want few repairs reworked", *v)
		}
		// At the first 回访, about one in ten is unsatisfied.
		first := count(t, d, `SELECT count(*) FROM ticket_events e WHERE e.action = 'callback' AND NOT EXISTS
			(SELECT 1 FROM ticket_events p WHERE p.ticket_id = e.ticket_id AND p.action = 'callback' AND p.id < e.id)`)
		unhappy := count(t, d, `SELECT count(*) FROM ticket_events e WHERE e.action = 'callback' AND e.note LIKE '不满意%' AND NOT EXISTS
			(SELECT 1 FROM ticket_events p WHERE p.ticket_id = e.ticket_id AND p.action = 'callback' AND p.id < e.id)`)
		if unhappy == 0 || unhappy*100/first > 25 {
			t.Errorf("%d of %d first callbacks unsatisfied, want about 10%%", unhappy, first)
		}
		if v := k.RepairOnTimeRate.Value; v != nil && *v < 0.7 {
			t.Errorf("零修急修及时率 %.2f, want most repairs on time", *v)
		}

		// The workbench, the callback queue and the overdue list are live
		// for the demo agent.
		_, agent, err := a.Auth.Login(ctx, "agent", demo.Password, "127.0.0.1", "test", auth.KindAPI)
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range map[string]ticket.Filter{"open": {Status: "open"}, "callback": {Callback: true}, "overdue": {Overdue: true}} {
			ts, total, err := a.Tickets.List(ctx, agent, f)
			if err != nil {
				t.Fatal(err)
			}
			if total == 0 || len(ts) == 0 {
				t.Errorf("agent's %s list is empty", name)
			}
		}
		// A demo ticket can be taken on through the service now.
		ts, _, err := a.Tickets.List(ctx, agent, ticket.Filter{Callback: true})
		if err != nil || len(ts) == 0 {
			t.Fatal(err)
		}
		if tk, err := a.Tickets.Callback(ctx, agent, ts[0].ID, ticket.CallbackInput{Result: "满意"}); err != nil || tk.Status != ticket.StatusClosed {
			t.Errorf("callback of demo ticket %s: %v", ts[0].Number, err)
		}
		if !strings.HasPrefix(ts[0].Number, "TS"+strconv.Itoa(ts[0].ReceivedAt.In(now.Location()).Year())) {
			t.Errorf("number %s of a ticket received %v", ts[0].Number, ts[0].ReceivedAt)
		}
	})
}
