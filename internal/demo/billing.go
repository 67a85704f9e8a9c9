package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// The demo's 收费与催缴 is a year of fees run as a 客服部 runs them,
// through billing.Service, each step as the staff member who takes it
// with the service's clock at the step's time (inside Seed's
// transaction every call joins it). Billing went live twelve months ago:
// the fee items were set up, the water meters read and the arrears
// carried over from before (期初欠费) entered. Every month since, the
// meters were read on the 1st and the month's bills run on the 2nd or
// 3rd; owners paid as owners do, several months at once — most once or
// twice a year, some every quarter, a few monthly online or in advance,
// some late, and some not at all, who were chased (催缴); the director
// entered the month's spending for the 收支公示. billing_plan.go plans
// the year, billing_pay.go the payments and 催缴, billing_spend.go the
// spending.

// blLoader plays the planned events in time order.
type blLoader struct {
	svc    *billing.Service
	tx     *sql.Tx
	r      *rand.Rand
	now    time.Time // the real now (UTC): nothing happens after it
	at     time.Time // the service's clock
	staff  map[string]*auth.User
	base   time.Time // the first day of this month, Asia/Shanghai
	comms  []*blComm
	events []blEvent
}

// blEvent is one step of the year.
type blEvent struct {
	what string
	at   time.Time
	do   func(ctx context.Context) error
}

// loadBilling plans and loads the demo's fees and collection.
func loadBilling(ctx context.Context, tx *sql.Tx, d *db.DB, p *plan, now time.Time) error {
	staffUsers, err := demoStaff(ctx, tx)
	if err != nil {
		return err
	}
	houses, _ := p.counts()
	l := &blLoader{svc: billing.NewService(d), tx: tx, r: rand.New(rand.NewPCG(seed+2, uint64(houses))),
		now: now.UTC().Truncate(time.Second), staff: staffUsers}
	n := now.In(shanghai)
	l.base = time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, shanghai)
	l.svc.Now = func() time.Time { return l.at }
	for _, c := range p.communities {
		l.comms = append(l.comms, l.planCommunity(c))
	}
	slices.SortStableFunc(l.events, func(a, b blEvent) int { return a.at.Compare(b.at) })
	for _, e := range l.events {
		if e.at.After(l.now) {
			continue
		}
		l.at = e.at
		if err := e.do(ctx); err != nil {
			return fmt.Errorf("%s %s: %w", e.what, e.at.In(shanghai).Format("2006-01-02 15:04"), err)
		}
	}
	return nil
}

// billingCounts is what the demo's 收费 amounts to: bills issued and
// receipts given.
func billingCounts(ctx context.Context, q db.Querier) (bills, receipts int, err error) {
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM bills`).Scan(&bills); err != nil {
		return 0, 0, err
	}
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM payments WHERE receipt_number IS NOT NULL`).Scan(&receipts)
	return bills, receipts, err
}

// month is the first day of month i of the year (11 = this month, -1 =
// the month billing went live), Asia/Shanghai.
func (l *blLoader) month(i int) time.Time { return l.base.AddDate(0, i-(blMonths-1), 0) }

// period is month i as a billing period, "2026-11".
func (l *blLoader) period(i int) string { return l.month(i).Format("2006-01") }

// day is a moment of month i: the day (1-based; past the month's end it
// runs into the next), hour and minute, with random seconds.
func (l *blLoader) day(i, day, hour, minute int) time.Time {
	m := l.month(i)
	return time.Date(m.Year(), m.Month(), day, hour, minute, l.r.IntN(60), 0, shanghai).UTC()
}

// officeDay is a random moment of office hours (08:30–17:30) on a day of
// month i.
func (l *blLoader) officeDay(i, day int) time.Time {
	return l.day(i, day, 8, 30).Add(time.Duration(l.r.IntN(9*3600)) * time.Second)
}

// anyHour is a random moment between 07:00 and 23:00 on a day of month i
// (online payments).
func (l *blLoader) anyHour(i, day int) time.Time {
	return l.day(i, day, 7, 0).Add(time.Duration(l.r.IntN(16*3600)) * time.Second)
}

func (l *blLoader) add(what string, at time.Time, do func(ctx context.Context) error) {
	l.events = append(l.events, blEvent{what: what, at: at, do: do})
}

// who returns the first of the logins whose account covers community,
// else the demo's loading account (an admin).
func (l *blLoader) who(community int64, logins ...string) *auth.User {
	for _, lg := range logins {
		if u := l.staff[lg]; u != nil && u.Sees(community) {
			return u
		}
	}
	return actor
}

// unpaid is a house's unpaid bills (deposits aside) up to period through,
// oldest first, as the cashier desk shows them: at most the thousand a
// payment may settle.
func (l *blLoader) unpaid(ctx context.Context, houseID int64, through string) (ids []int64, sum int64, err error) {
	rows, err := l.tx.QueryContext(ctx, `SELECT id, amount_fen FROM bills WHERE house_id = $1 AND status = 'unpaid'
		AND deposit = FALSE AND period <= $2 ORDER BY period LIMIT 1000`, houseID, through)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, amount int64
		if err := rows.Scan(&id, &amount); err != nil {
			return nil, 0, err
		}
		ids, sum = append(ids, id), sum+amount
	}
	return ids, sum, rows.Err()
}
