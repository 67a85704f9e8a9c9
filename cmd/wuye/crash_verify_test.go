package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/db"
)

// crashVerify reads the database after the kills and checks it against
// what the clients were told; it returns the number of bills paid twice
// and of the registrations cut off by a kill that had been stored.
func crashVerify(t *testing.T, dsn string, led *crashLedger) (double, cutStored int) {
	d := crashOpen(t, dsn)
	defer d.Close()

	// Every ticket acknowledged, once, with its timeline's first event
	// and its audit entry; a registration cut off by a kill is there at
	// most once.
	type row struct {
		id            int64
		number        string
		events, audit int
	}
	tickets := map[string][]row{}
	crashRows(t, d, `SELECT t.title, t.id, t.number,
		(SELECT count(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.action = 'create'),
		(SELECT count(*) FROM audit_log a WHERE a.entity = 'ticket' AND a.entity_id = t.id AND a.action = $1)
		FROM tickets t WHERE t.title LIKE 'crash-%'`, []any{audit.ActionCreate}, func(scan func(...any)) {
		var tag string
		var r row
		scan(&tag, &r.id, &r.number, &r.events, &r.audit)
		tickets[tag] = append(tickets[tag], r)
	})
	for tag, rs := range tickets {
		if len(rs) > 1 {
			t.Errorf("ticket %s registered %d times", tag, len(rs))
		}
	}
	for _, tk := range led.tickets {
		rs := tickets[tk.tag]
		switch {
		case len(rs) == 0:
			t.Errorf("ticket %s (%s, id %d) was acknowledged and is lost", tk.tag, tk.number, tk.id)
		case rs[0].id != tk.id || rs[0].number != tk.number:
			t.Errorf("ticket %s: acknowledged as %d %s, stored as %d %s", tk.tag, tk.id, tk.number, rs[0].id, rs[0].number)
		case rs[0].events != 1 || rs[0].audit != 1:
			t.Errorf("ticket %s: %d create events, %d audit entries, want 1 and 1", tk.number, rs[0].events, rs[0].audit)
		}
	}
	for _, tag := range led.cutTickets {
		if len(tickets[tag]) > 0 {
			cutStored++
		}
	}

	// Every bill acknowledged, with its audit entry, paid by the payment
	// acknowledged for it — or, when the only answers were 409s, by the
	// payment whose answer a kill cut off.
	type bill struct {
		status, ref       string
		amount, paymentID int64
		audit             int
	}
	bills := map[int64]bill{}
	crashRows(t, d, `SELECT b.id, b.status, b.amount_fen, COALESCE(b.payment_id, 0), COALESCE(p.reference, ''),
		(SELECT count(*) FROM audit_log a WHERE a.entity = 'bill' AND a.entity_id = b.id AND a.action = $1)
		FROM bills b LEFT JOIN payments p ON p.id = b.payment_id WHERE b.note LIKE 'crash-%'`, []any{audit.ActionCreate},
		func(scan func(...any)) {
			var id int64
			var b bill
			scan(&id, &b.status, &b.amount, &b.paymentID, &b.ref, &b.audit)
			bills[id] = b
		})
	for _, cb := range led.bills {
		b, ok := bills[cb.id]
		switch {
		case !ok:
			t.Errorf("bill %d was acknowledged and is lost", cb.id)
			continue
		case b.amount != cb.amount || b.audit != 1:
			t.Errorf("bill %d: %d fen and %d audit entries, acknowledged %d fen", cb.id, b.amount, b.audit, cb.amount)
		}
		switch {
		case len(cb.paidBy) > 1:
			double++
			t.Errorf("bill %d: %d payments acknowledged (%v)", cb.id, len(cb.paidBy), cb.paidBy)
		case len(cb.paidBy) == 1 && (b.status != "paid" || b.paymentID != cb.paidBy[0]):
			t.Errorf("bill %d: acknowledged paid by payment %d, stored %s by %d", cb.id, cb.paidBy[0], b.status, b.paymentID)
		case len(cb.paidBy) == 0 && cb.refused > 0 && (b.status != "paid" || !strings.HasPrefix(b.ref, "crash-p")):
			t.Errorf("bill %d: payment refused as already made, but it is %s (payment %d %q)", cb.id, b.status, b.paymentID, b.ref)
		}
	}

	// Every payment acknowledged, valid, with its receipt number, its
	// lines and its audit entry; one valid payment at most per payment
	// sent (all its resends carry its reference).
	type payment struct {
		id, amount   int64
		receipt, ref string
		audit        int
		bills        []int64
	}
	payments := map[int64]*payment{}
	perRef := map[string]int{}
	crashRows(t, d, `SELECT p.id, p.amount_fen, COALESCE(p.receipt_number, ''), p.reference,
		(SELECT count(*) FROM audit_log a WHERE a.entity = 'payment' AND a.entity_id = p.id AND a.action = $1)
		FROM payments p WHERE p.reference LIKE 'crash-%' AND p.status = 'valid'`, []any{audit.ActionCreate},
		func(scan func(...any)) {
			p := &payment{}
			scan(&p.id, &p.amount, &p.receipt, &p.ref, &p.audit)
			payments[p.id] = p
			perRef[p.ref]++
		})
	crashRows(t, d, `SELECT l.payment_id, l.bill_id FROM payment_lines l JOIN payments p ON p.id = l.payment_id
		WHERE p.reference LIKE 'crash-%' AND l.kind = 'bill' ORDER BY l.bill_id`, nil, func(scan func(...any)) {
		var pid, bid int64
		scan(&pid, &bid)
		if p := payments[pid]; p != nil {
			p.bills = append(p.bills, bid)
		}
	})
	for ref, n := range perRef {
		if n > 1 {
			double++
			t.Errorf("payment %s taken %d times", ref, n)
		}
	}
	for _, cp := range led.payments {
		p := payments[cp.id]
		switch {
		case p == nil:
			t.Errorf("payment %d (receipt %s) was acknowledged and is lost or void", cp.id, cp.receipt)
		case p.receipt != cp.receipt || p.ref != cp.tag || p.amount != cp.amount || p.audit != 1:
			t.Errorf("payment %d: acknowledged %s %s %d fen, stored %s %s %d fen with %d audit entries",
				cp.id, cp.receipt, cp.tag, cp.amount, p.receipt, p.ref, p.amount, p.audit)
		case !slices.Equal(p.bills, slices.Sorted(slices.Values(cp.bills))):
			t.Errorf("payment %d: pays bills %v, acknowledged for %v", cp.id, p.bills, cp.bills)
		}
	}

	// Across the whole database: no bill on two valid payments, no bill
	// marked paid without its payment, no valid payment of a bill not
	// marked paid by it, and no payment whose lines miss its amount.
	for what, q := range map[string]string{
		"bills on two valid payments": `SELECT l.bill_id FROM payment_lines l JOIN payments p ON p.id = l.payment_id
			WHERE p.status = 'valid' AND l.kind = 'bill' GROUP BY l.bill_id HAVING count(*) > 1`,
		"bills paid without their payment": `SELECT b.id FROM bills b WHERE b.status = 'paid' AND NOT EXISTS (SELECT 1
			FROM payment_lines l JOIN payments p ON p.id = l.payment_id WHERE l.bill_id = b.id AND l.kind = 'bill'
			AND p.id = b.payment_id AND p.status = 'valid')`,
		"valid payments of bills not paid by them": `SELECT l.bill_id FROM payment_lines l JOIN payments p ON p.id = l.payment_id
			JOIN bills b ON b.id = l.bill_id WHERE p.status = 'valid' AND l.kind = 'bill'
			AND (b.status <> 'paid' OR b.payment_id <> p.id)`,
		"payments whose lines and amounts differ": `SELECT p.id FROM payments p WHERE p.amount_fen <> p.bills_fen + p.late_fee_fen
			+ p.prepaid_added_fen OR p.bills_fen <> (SELECT COALESCE(SUM(l.amount_fen), 0) FROM payment_lines l
			WHERE l.payment_id = p.id AND l.kind = 'bill')`,
		"prepaid balances that are not the sum of their entries": `SELECT b.house_id FROM prepaid_balances b
			WHERE b.balance_fen < 0 OR b.balance_fen <> (SELECT COALESCE(SUM(e.amount_fen), 0) FROM prepaid_entries e
			WHERE e.house_id = b.house_id)`,
	} {
		var ids []int64
		crashRows(t, d, q, nil, func(scan func(...any)) {
			var id int64
			scan(&id)
			ids = append(ids, id)
		})
		if len(ids) > 0 {
			if strings.HasPrefix(what, "bills on two") {
				double += len(ids)
			}
			t.Errorf("%s: %v", what, ids)
		}
	}
	crashNumbers(t, d, "receipt", `SELECT p.community_id, p.receipt_number FROM payments p WHERE p.receipt_number IS NOT NULL`,
		`SELECT community_id, year, last FROM receipt_counters`)
	crashNumbers(t, d, "ticket", `SELECT community_id, number FROM tickets`, `SELECT community_id, year, last FROM ticket_counters`)
	return double, cutStored
}

// crashNumbers checks that the document numbers of a kind ("SJ2026-000123")
// run 1, 2, … n in each community and year, with neither duplicates nor
// gaps, up to the counter the next number is taken from.
func crashNumbers(t *testing.T, d *db.DB, kind, numbers, counters string) {
	type key struct {
		community int64
		year      string
	}
	seen := map[key]map[int64]bool{}
	crashRows(t, d, numbers, nil, func(scan func(...any)) {
		var k key
		var number string
		scan(&k.community, &number)
		head, tail, _ := strings.Cut(number, "-")
		n, err := strconv.ParseInt(tail, 10, 64)
		if err != nil || len(head) < 4 {
			t.Errorf("%s number %q", kind, number)
			return
		}
		k.year = head[len(head)-4:]
		if seen[k] == nil {
			seen[k] = map[int64]bool{}
		}
		if seen[k][n] {
			t.Errorf("%s number %s given twice in community %d", kind, number, k.community)
		}
		seen[k][n] = true
	})
	last := map[key]int64{}
	crashRows(t, d, counters, nil, func(scan func(...any)) {
		var k key
		var year, n int64
		scan(&k.community, &year, &n)
		k.year = fmt.Sprint(year)
		last[k] = n
	})
	for k, ns := range seen {
		top := slices.Max(slices.Collect(maps.Keys(ns)))
		if int64(len(ns)) != last[k] || top != last[k] {
			t.Errorf("%s numbers of community %d in %s: %d issued up to %d, counter at %d — a gap", kind, k.community, k.year,
				len(ns), top, last[k])
		}
	}
}

// crashRows runs a query and calls fn for each row with its scanner.
func crashRows(t *testing.T, d *db.DB, q string, args []any, fn func(scan func(...any))) {
	t.Helper()
	rows, err := d.Query(q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	for rows.Next() {
		fn(func(dest ...any) {
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
		})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
