package billing_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/check"
	"wuye/internal/platform/db"
)

// books is a house's year at the desk, through the services: November
// billed, paid with its 滞纳金 and a surplus, voided, paid again; a
// deposit paid and given back less a deduction; December billed and
// drawn from the balance, the run voided and run again; a 工本费 paid.
type books struct {
	nov, dec       *billing.BillRun
	paid, voided   *billing.Payment
	card           *billing.Payment
	garbage, cardB *billing.Bill
	refund         *billing.DepositRefund
}

// checkFresh runs fn on SQLite and PostgreSQL, each with the books on a
// database of its own: the checks read every row, and the test breaks
// some on purpose.
func checkFresh(t *testing.T, fn func(t *testing.T, x *fx, b *books)) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			f := apptest.New(t, apptest.FreshDB(t, dialect))
			clk := &clock{t: at("2026-11-20T10:00:00+08:00")}
			f.App.Billing.Now = clk.Now
			x := &fx{Fixture: f, t: t, clk: clk, svc: f.App.Billing, houses: []*archive.House{f.A.House}}
			fn(t, x, x.books())
		})
	}
}

func (x *fx) books() *books {
	t, ctx := x.t, context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	cashier, mgr := x.user(auth.RoleCashier), x.user(auth.RoleCSManager)
	h := x.A.House.ID
	pay := func(amount int64, bills ...*billing.Bill) *billing.Payment {
		t.Helper()
		p, err := x.svc.Pay(ctx, cashier, billing.PaymentInput{HouseID: h, BillIDs: billIDs(bills), AmountFen: amount,
			Method: billing.MethodCash, LateFee: true})
		must(err)
		return p
	}
	var b books
	x.lateFees() // November billed; the clock at 2026-12-31
	b.nov = &billing.BillRun{}
	must(x.DB.QueryRow(`SELECT id FROM bill_runs WHERE community_id = $1`, x.A.Community.ID).Scan(&b.nov.ID))
	nov := x.bills(h, "unpaid") // 210.33 (滞纳金 3.26) + 15.00
	b.garbage = nov[1]
	b.voided = pay(22859+10000, nov...)
	_, err := x.svc.VoidPayment(ctx, mgr, b.voided.ID, "收错金额")
	must(err)
	b.paid = pay(22859+30000, nov...)

	dep := x.item(map[string]any{"name": "装修押金", "kind": "oneoff", "deposit": true, "unit_price": "3000"})
	card := x.item(map[string]any{"name": "门禁卡工本费", "kind": "oneoff", "unit_price": "20"})
	db1, err := x.svc.Charge(ctx, cashier, billing.ChargeInput{HouseID: h, FeeItemID: dep.ID})
	must(err)
	pay(300000, db1)
	b.refund, err = x.svc.RefundDeposit(ctx, mgr, billing.DepositRefundInput{BillID: db1.ID,
		Deductions: []billing.DepositDeduction{{AmountFen: 5000, Reason: "损坏电梯轿厢"}}})
	must(err)
	b.cardB, err = x.svc.Charge(ctx, cashier, billing.ChargeInput{HouseID: h, FeeItemID: card.ID, Quantity: "2"})
	must(err)
	b.card = pay(4000, b.cardB)

	first := x.run("2026-12") // draws 225.33 of the 300.00 prepaid
	if first.PrepaidFen != 22533 {
		t.Fatalf("December drew %d", first.PrepaidFen)
	}
	_, err = x.svc.VoidRun(ctx, mgr, first.ID, "单价录错")
	must(err)
	b.dec = x.run("2026-12")
	if b.dec.PrepaidFen != 22533 || x.balance(h) != 30000-22533 {
		t.Fatalf("December again drew %d, balance %d", b.dec.PrepaidFen, x.balance(h))
	}
	return &b
}

// check runs every generic and billing check in ctx, printing the report.
func (x *fx) check(ctx context.Context) (*check.Report, string) {
	x.t.Helper()
	rep, err := check.Run(ctx, x.DB, append(check.Generic(), billing.Checks()...)...)
	if err != nil {
		x.t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rep.Write(&out); err != nil {
		x.t.Fatal(err)
	}
	return rep, out.String()
}

// Books kept only through the services pass every check: a voided
// receipt, a voided run, late fees, prepaid draw-downs and a refunded
// deposit are the rules, not false alarms.
func TestChecksPassOnBooksKeptByTheServices(t *testing.T) {
	checkFresh(t, func(t *testing.T, x *fx, b *books) {
		if rep, text := x.check(context.Background()); !rep.OK() {
			t.Fatalf("healthy books fail:\n%s", text)
		}
	})
}

// A change made behind the services' back is found and named: the
// record, its community and what no longer adds up.
func TestChecksNameWhatWasChangedByHand(t *testing.T) {
	type exec func(stmt string, args ...any)
	cases := []struct {
		name   string
		break_ func(x *fx, b *books, exec exec)
		want   func(x *fx, b *books, a int64) []string
	}{
		{"bill amount", func(x *fx, b *books, exec exec) {
			exec(`UPDATE bills SET amount_fen = 1600 WHERE id = $1`, b.garbage.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{
				fmt.Sprintf("bills #%d（小区 #%d）：金额 ¥16.00，数量 1.00 × 单价 15.00 应为 ¥15.00", b.garbage.ID, a),
				fmt.Sprintf("bill_runs #%d（小区 #%d）：记为 2 笔共 ¥225.33，账单实有 2 笔共 ¥226.33", b.nov.ID, a),
				fmt.Sprintf("bills #%d（小区 #%d）：金额 ¥16.00，收据明细收取 ¥15.00", b.garbage.ID, a),
			}
		}},
		{"receipt lines deleted", func(x *fx, b *books, exec exec) {
			exec(`DELETE FROM payment_lines WHERE payment_id = $1`, b.card.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{
				fmt.Sprintf("payments #%d %s（小区 #%d）：记为账单 ¥40.00、滞纳金 ¥0.00，明细合计为账单 ¥0.00、滞纳金 ¥0.00",
					b.card.ID, b.card.ReceiptNumber, a),
				fmt.Sprintf("bills #%d（小区 #%d）：状态为已缴（缴费记录 #%d），收据上却没有这笔账单的明细", b.cardB.ID, a, b.card.ID),
			}
		}},
		{"bill paid twice", func(x *fx, b *books, exec exec) {
			exec(`INSERT INTO payment_lines (payment_id, bill_id, community_id, fee_item_id, period, amount_fen, kind)
				SELECT $1, bill_id, community_id, fee_item_id, period, amount_fen, kind FROM payment_lines WHERE payment_id = $2`,
				b.card.ID, b.paid.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{fmt.Sprintf("bills #%d（小区 #%d）：被 2 张有效收据重复收取，共 ¥30.00", b.garbage.ID, a)}
		}},
		{"bill unpaid by hand", func(x *fx, b *books, exec exec) {
			exec(`UPDATE bills SET status = 'unpaid', payment_id = NULL, paid_at = NULL WHERE id = $1`, b.cardB.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{fmt.Sprintf("bills #%d（小区 #%d）：状态为未缴，有效的缴费记录 #%d 却收取了它", b.cardB.ID, a, b.card.ID)}
		}},
		{"receipt number skipped", func(x *fx, b *books, exec exec) {
			exec(`UPDATE receipt_counters SET last = last + 1 WHERE community_id = $1`, x.A.Community.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{fmt.Sprintf("receipt_counters #2026（小区 #%d）：2026 年已发出收据号到第 5 号，实有 4 张（最大为第 4 号），缺 SJ2026-000005", a)}
		}},
		{"prepaid balance", func(x *fx, b *books, exec exec) {
			exec(`UPDATE prepaid_balances SET balance_fen = balance_fen + 100 WHERE house_id = $1`, x.A.House.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{fmt.Sprintf("prepaid_balances #%d（小区 #%d）：预存余额 ¥75.67，6 条流水合计 ¥74.67", x.A.House.ID, a)}
		}},
		{"prepaid surplus", func(x *fx, b *books, exec exec) {
			exec(`UPDATE payments SET prepaid_added_fen = 20000, amount_fen = amount_fen - 10000 WHERE id = $1`, b.paid.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{fmt.Sprintf("payments #%d %s（小区 #%d）：有效的现金记录使预存余额变动 ¥300.00，应为 ¥200.00",
				b.paid.ID, b.paid.ReceiptNumber, a)}
		}},
		{"deposit refund", func(x *fx, b *books, exec exec) {
			exec(`UPDATE deposit_refunds SET refund_fen = refund_fen + 1 WHERE id = $1`, b.refund.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{fmt.Sprintf("deposit_refunds #%d（小区 #%d）：退还 ¥2,950.01 ≠ 押金 ¥3,000.00 − 扣款 ¥50.00", b.refund.ID, a)}
		}},
		{"orphan receipt line", func(x *fx, b *books, exec exec) {
			if x.DB.Dialect == db.SQLite {
				exec(`PRAGMA defer_foreign_keys = ON`) // checked at a commit that never comes
			} else {
				exec(`SET LOCAL session_replication_role = replica`)
			}
			exec(`INSERT INTO payment_lines (payment_id, bill_id, community_id, fee_item_id, period, amount_fen, kind)
				VALUES ($1, 999999, $2, 1, '2026-12', 100, 'bill')`, b.card.ID, x.A.Community.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{"[问题] 外键：1 处", "bill_id = 999999：bills 中没有这条记录",
				fmt.Sprintf("payments #%d %s（小区 #%d）：记为账单 ¥40.00、滞纳金 ¥0.00，明细合计为账单 ¥41.00", b.card.ID, b.card.ReceiptNumber, a)}
		}},
		{"run draw-downs", func(x *fx, b *books, exec exec) {
			exec(`UPDATE bill_runs SET prepaid_fen = 0 WHERE id = $1`, b.dec.ID)
		}, func(x *fx, b *books, a int64) []string {
			return []string{fmt.Sprintf("bill_runs #%d（小区 #%d）：记为预存抵扣 ¥0.00，抵扣记录合计 ¥225.33", b.dec.ID, a)}
		}},
	}
	checkFresh(t, func(t *testing.T, x *fx, b *books) {
		ctx := context.Background()
		for _, c := range cases {
			// Each break is made and checked in a transaction rolled back
			// after, so the next starts from the healthy books.
			tx, err := x.DB.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.break_(x, b, func(stmt string, args ...any) {
				t.Helper()
				if _, err := tx.Exec(stmt, args...); err != nil {
					t.Fatalf("%s: %s: %v", c.name, stmt, err)
				}
			})
			rep, text := x.check(db.WithTx(ctx, tx))
			tx.Rollback()
			if rep.OK() {
				t.Errorf("%s: the checks pass", c.name)
			}
			for _, want := range c.want(x, b, x.A.Community.ID) {
				if !strings.Contains(text, want) {
					t.Errorf("%s: report lacks %q:\n%s", c.name, want, text)
				}
			}
		}
		if rep, text := x.check(ctx); !rep.OK() {
			t.Errorf("after the rollbacks:\n%s", text)
		}
	})
}
