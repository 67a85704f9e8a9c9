package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"wuye/internal/platform/check"
	"wuye/internal/platform/db"
	"wuye/internal/platform/money"
)

// Checks are billing's invariants, for `wuye check`: what Pay, Run,
// VoidPayment, VoidRun, Charge and RefundDeposit keep true in every
// transaction, so a record breaking one was changed outside them (by
// hand, by a bad restore) or by a bug. Voids and refunds are part of the
// rules, not exceptions to them: a voided payment keeps its lines but
// counts for nothing, its prepaid effects are reversed by entries of
// their own, and a refunded deposit stays paid.
func Checks() []check.Check {
	return []check.Check{
		{Name: "账单金额（数量 × 单价）", Run: checkBills},
		{Name: "出账合计", Run: checkRuns},
		{Name: "账单与收款明细", Run: checkSettled},
		{Name: "收据金额与明细", Run: checkPayments},
		{Name: "收据编号（按小区、年度连续不重复）", Run: checkReceipts},
		{Name: "预存余额与流水", Run: checkPrepaid},
		{Name: "押金退还", Run: checkRefunds},
	}
}

// checkBills: a bill's amount is its quantity × unit price, half-up to
// the 分 (LineAmount), except a 公摊 share, which is its split of the
// community meter's charge; it belongs to the community of its house,
// item and run, and to its run's month.
func checkBills(ctx context.Context, d *db.DB) ([]check.Problem, error) {
	var out []check.Problem
	var id, community, qty, price, amount, itemCommunity, houseCommunity int64
	var runCommunity sql.NullInt64
	var status, period string
	var runPeriod sql.NullString
	var deposit, itemDeposit, shared bool
	err := check.Rows(ctx, d, `SELECT b.id, b.community_id, b.status, b.quantity, b.unit_price, b.amount_fen, b.deposit,
		f.deposit, f.kind = 'metered' AND f.shared, f.community_id, h.community_id, r.community_id, b.period, r.period
		FROM bills b JOIN fee_items f ON f.id = b.fee_item_id JOIN houses h ON h.id = b.house_id
		LEFT JOIN bill_runs r ON r.id = b.run_id
		WHERE b.status NOT IN ('unpaid', 'paid', 'void') OR b.amount_fen <= 0
		OR (NOT (f.kind = 'metered' AND f.shared) AND b.amount_fen <> (b.quantity * b.unit_price + 5000) / 10000)
		OR b.deposit <> f.deposit OR f.community_id <> b.community_id OR h.community_id <> b.community_id
		OR r.community_id <> b.community_id OR r.period <> b.period
		ORDER BY b.id`,
		[]any{&id, &community, &status, &qty, &price, &amount, &deposit, &itemDeposit, &shared, &itemCommunity,
			&houseCommunity, &runCommunity, &period, &runPeriod},
		func() {
			var why []string
			if status != BillUnpaid && status != BillPaid && status != BillVoid {
				why = append(why, fmt.Sprintf("状态 %q 无效", status))
			}
			if want, err := LineAmount(qty, price); !shared && (err != nil || want != amount) {
				why = append(why, fmt.Sprintf("金额 %s，数量 %s × 单价 %s 应为 %s", money.Fen(amount), FormatQuantity(qty),
					FormatPrice(price), money.Fen(want)))
			} else if amount <= 0 {
				why = append(why, fmt.Sprintf("金额 %s 不大于 0", money.Fen(amount)))
			}
			if deposit != itemDeposit {
				why = append(why, "押金标记与收费项目不符")
			}
			if itemCommunity != community || houseCommunity != community {
				why = append(why, fmt.Sprintf("收费项目属小区 #%d、房屋属小区 #%d", itemCommunity, houseCommunity))
			}
			if runCommunity.Valid && (runCommunity.Int64 != community || runPeriod.String != period) {
				why = append(why, fmt.Sprintf("账期 %s，所属出账为小区 #%d 的 %s", period, runCommunity.Int64, runPeriod.String))
			}
			out = append(out, check.Record("bills", id, community, "%s", strings.Join(why, "；")))
		})
	return out, err
}

// checkRuns: a run's counts are what it issued and drew down — its
// bills, voided ones included (voiding a run voids them but keeps its
// totals), and its prepaid draw-downs, voided or not.
func checkRuns(ctx context.Context, d *db.DB) ([]check.Problem, error) {
	var out []check.Problem
	var id, community, created, total, prepaid, n, sum, drawn int64
	err := check.Rows(ctx, d, `SELECT r.id, r.community_id, r.created, r.total_fen, r.prepaid_fen,
		COALESCE(b.n, 0), COALESCE(b.s, 0), COALESCE(p.s, 0)
		FROM bill_runs r
		LEFT JOIN (SELECT run_id, count(*) AS n, CAST(SUM(amount_fen) AS BIGINT) AS s FROM bills
			WHERE run_id IS NOT NULL GROUP BY run_id) b ON b.run_id = r.id
		LEFT JOIN (SELECT run_id, CAST(SUM(amount_fen) AS BIGINT) AS s FROM payments
			WHERE run_id IS NOT NULL AND method = 'prepaid' GROUP BY run_id) p ON p.run_id = r.id
		WHERE r.created <> COALESCE(b.n, 0) OR r.total_fen <> COALESCE(b.s, 0) OR r.prepaid_fen <> COALESCE(p.s, 0)
		ORDER BY r.id`,
		[]any{&id, &community, &created, &total, &prepaid, &n, &sum, &drawn},
		func() {
			var why []string
			if created != n || total != sum {
				why = append(why, fmt.Sprintf("记为 %d 笔共 %s，账单实有 %d 笔共 %s", created, money.Fen(total), n, money.Fen(sum)))
			}
			if prepaid != drawn {
				why = append(why, fmt.Sprintf("记为预存抵扣 %s，抵扣记录合计 %s", money.Fen(prepaid), money.Fen(drawn)))
			}
			out = append(out, check.Record("bill_runs", id, community, "%s", strings.Join(why, "；")))
		})
	return out, err
}

// checkSettled: a paid bill is settled by exactly one valid payment,
// the one it names, on a line of its full amount; an unpaid or void
// bill by none (the lines of voided payments stay, counting for
// nothing). Two valid lines for one bill is a bill paid twice.
func checkSettled(ctx context.Context, d *db.DB) ([]check.Problem, error) {
	var out []check.Problem
	var id, community, amount, n, sum int64
	var status string
	var payment, linePayment sql.NullInt64
	var paymentStatus sql.NullString
	err := check.Rows(ctx, d, `SELECT b.id, b.community_id, b.status, b.amount_fen, b.payment_id, p.status,
		COALESCE(v.n, 0), COALESCE(v.s, 0), v.pid
		FROM bills b
		LEFT JOIN payments p ON p.id = b.payment_id
		LEFT JOIN (SELECT l.bill_id, count(*) AS n, CAST(SUM(l.amount_fen) AS BIGINT) AS s, MIN(l.payment_id) AS pid
			FROM payment_lines l JOIN payments vp ON vp.id = l.payment_id
			WHERE l.kind = 'bill' AND vp.status = 'valid' GROUP BY l.bill_id) v ON v.bill_id = b.id
		WHERE (b.status = 'paid' AND (b.payment_id IS NULL OR p.status IS NULL OR p.status <> 'valid' OR v.n IS NULL
			OR v.n <> 1 OR v.pid <> b.payment_id OR v.s <> b.amount_fen OR p.house_id <> b.house_id))
		OR (b.status <> 'paid' AND (b.payment_id IS NOT NULL OR v.n IS NOT NULL))
		ORDER BY b.id`,
		[]any{&id, &community, &status, &amount, &payment, &paymentStatus, &n, &sum, &linePayment},
		func() {
			var msg string
			switch {
			case status == BillPaid && !payment.Valid:
				msg = "状态为已缴，却没有记下缴费记录"
			case status == BillPaid && !paymentStatus.Valid:
				msg = fmt.Sprintf("状态为已缴，所记缴费记录 #%d 却不存在", payment.Int64)
			case status == BillPaid && paymentStatus.String != PaymentValid:
				msg = fmt.Sprintf("状态为已缴，所记缴费记录 #%d 却已作废", payment.Int64)
			case status == BillPaid && n == 0:
				msg = fmt.Sprintf("状态为已缴（缴费记录 #%d），收据上却没有这笔账单的明细", payment.Int64)
			case n > 1:
				msg = fmt.Sprintf("被 %d 张有效收据重复收取，共 %s", n, money.Fen(sum))
			case status == BillPaid && linePayment.Int64 != payment.Int64:
				msg = fmt.Sprintf("记为缴费记录 #%d 所收，收款明细却在 #%d", payment.Int64, linePayment.Int64)
			case status == BillPaid && sum != amount:
				msg = fmt.Sprintf("金额 %s，收据明细收取 %s", money.Fen(amount), money.Fen(sum))
			case status == BillPaid:
				msg = fmt.Sprintf("缴费记录 #%d 属于另一户", payment.Int64)
			case n > 0:
				msg = fmt.Sprintf("状态为%s，有效的缴费记录 #%d 却收取了它", Label(status), linePayment.Int64)
			default:
				msg = fmt.Sprintf("状态为%s，却记有缴费记录 #%d", Label(status), payment.Int64)
			}
			out = append(out, check.Record("bills", id, community, "%s", msg))
		})
	return out, err
}

// checkPayments: what a payment received is its bills, its late fees
// and what it added to the prepaid balance, and its lines add up to the
// first two; a late fee is charged with its bill on the same receipt;
// every payment but a draw-down has a receipt number.
func checkPayments(ctx context.Context, d *db.DB) ([]check.Problem, error) {
	var out []check.Problem
	var id, community, amount, bills, late, added, lineBills, lineLate int64
	var method, status string
	var receipt sql.NullString
	err := check.Rows(ctx, d, `SELECT p.id, p.community_id, p.receipt_number, p.method, p.status, p.amount_fen, p.bills_fen,
		p.late_fee_fen, p.prepaid_added_fen, COALESCE(l.bills, 0), COALESCE(l.late, 0)
		FROM payments p
		LEFT JOIN (SELECT payment_id, CAST(SUM(CASE WHEN kind = 'bill' THEN amount_fen ELSE 0 END) AS BIGINT) AS bills,
			CAST(SUM(CASE WHEN kind = 'late_fee' THEN amount_fen ELSE 0 END) AS BIGINT) AS late
			FROM payment_lines GROUP BY payment_id) l ON l.payment_id = p.id
		WHERE p.amount_fen <> p.bills_fen + p.late_fee_fen + p.prepaid_added_fen OR p.amount_fen <= 0
		OR p.prepaid_added_fen < 0 OR p.bills_fen <> COALESCE(l.bills, 0) OR p.late_fee_fen <> COALESCE(l.late, 0)
		OR p.status NOT IN ('valid', 'void') OR (p.method = 'prepaid' AND p.receipt_number IS NOT NULL)
		OR (p.method <> 'prepaid' AND p.receipt_number IS NULL)
		ORDER BY p.id`,
		[]any{&id, &community, &receipt, &method, &status, &amount, &bills, &late, &added, &lineBills, &lineLate},
		func() {
			var why []string
			if amount != bills+late+added || amount <= 0 || added < 0 {
				why = append(why, fmt.Sprintf("实收 %s ≠ 账单 %s + 滞纳金 %s + 转入预存 %s", money.Fen(amount), money.Fen(bills),
					money.Fen(late), money.Fen(added)))
			}
			if bills != lineBills || late != lineLate {
				why = append(why, fmt.Sprintf("记为账单 %s、滞纳金 %s，明细合计为账单 %s、滞纳金 %s", money.Fen(bills), money.Fen(late),
					money.Fen(lineBills), money.Fen(lineLate)))
			}
			if status != PaymentValid && status != PaymentVoid {
				why = append(why, fmt.Sprintf("状态 %q 无效", status))
			}
			if (method == MethodPrepaid) == receipt.Valid {
				why = append(why, fmt.Sprintf("缴费方式%s与收据号“%s”不符（只有预存抵扣没有收据号）", Label(method), receipt.String))
			}
			out = append(out, check.Record("payments", paymentKey(id, receipt), community, "%s", strings.Join(why, "；")))
		})
	if err != nil {
		return nil, err
	}
	var line, payment, billAmount int64
	var kind string
	err = check.Rows(ctx, d, `SELECT l.id, l.payment_id, p.community_id, p.receipt_number, l.kind, l.amount_fen, b.amount_fen
		FROM payment_lines l JOIN payments p ON p.id = l.payment_id JOIN bills b ON b.id = l.bill_id
		WHERE l.kind NOT IN ('bill', 'late_fee') OR l.amount_fen <= 0 OR l.community_id <> p.community_id
		OR b.house_id <> p.house_id OR (l.kind = 'bill' AND l.amount_fen <> b.amount_fen)
		OR (l.kind = 'late_fee' AND NOT EXISTS (SELECT 1 FROM payment_lines x
			WHERE x.payment_id = l.payment_id AND x.bill_id = l.bill_id AND x.kind = 'bill'))
		ORDER BY l.id`,
		[]any{&line, &payment, &community, &receipt, &kind, &amount, &billAmount},
		func() {
			var msg string
			switch {
			case kind != LineBill && kind != LineLateFee:
				msg = fmt.Sprintf("明细类别 %q 无效", kind)
			case amount <= 0:
				msg = fmt.Sprintf("金额 %s 不大于 0", money.Fen(amount))
			case kind == LineBill && amount != billAmount:
				msg = fmt.Sprintf("收取 %s，账单金额为 %s", money.Fen(amount), money.Fen(billAmount))
			case kind == LineLateFee:
				msg = "滞纳金所属账单不在同一张收据上"
			default:
				msg = "与缴费记录不属于同一小区或同一户"
			}
			on := fmt.Sprintf("预存抵扣 #%d", payment)
			if receipt.Valid {
				on = "收据 " + receipt.String
			}
			out = append(out, check.Record("payment_lines", line, community, "%s：%s", on, msg))
		})
	return out, err
}

// paymentKey names a payment by its receipt number, or by its id for a
// draw-down, which has none.
func paymentKey(id int64, receipt sql.NullString) string {
	if receipt.Valid {
		return fmt.Sprintf("%d %s", id, receipt.String)
	}
	return strconv.FormatInt(id, 10)
}

// checkReceipts: receipt numbers SJyyyy-nnnnnn are given per community
// and year from receipt_counters in the payment's own transaction, so
// the receipts of a year are exactly 1 … last: none twice, none missing.
func checkReceipts(ctx context.Context, d *db.DB) ([]check.Problem, error) {
	var out []check.Problem
	var community, n int64
	var number string
	err := check.Rows(ctx, d, `SELECT community_id, receipt_number, count(*) FROM payments WHERE receipt_number IS NOT NULL
		GROUP BY community_id, receipt_number HAVING count(*) > 1 ORDER BY 1, 2`,
		[]any{&community, &number, &n}, func() {
			out = append(out, check.Record("payments", nil, community, "收据号 %s 用了 %d 次", number, n))
		})
	if err != nil {
		return nil, err
	}
	type key struct {
		community int64
		year      string
	}
	type year struct{ count, max, last int64 }
	years := map[key]*year{}
	var order []key
	get := func(k key) *year {
		if years[k] == nil {
			years[k] = &year{}
			order = append(order, k)
		}
		return years[k]
	}
	var y string
	var count, maxNo, last int64
	err = check.Rows(ctx, d, `SELECT community_id, substr(receipt_number, 3, 4), count(DISTINCT receipt_number),
		MAX(CAST(substr(receipt_number, 8) AS BIGINT)) FROM payments
		WHERE receipt_number LIKE 'SJ____-%' GROUP BY 1, 2 ORDER BY 1, 2`,
		[]any{&community, &y, &count, &maxNo}, func() {
			r := get(key{community, y})
			r.count, r.max = count, maxNo
		})
	if err != nil {
		return nil, err
	}
	err = check.Rows(ctx, d, `SELECT community_id, CAST(year AS TEXT), last FROM receipt_counters ORDER BY 1, 2`,
		[]any{&community, &y, &last}, func() { get(key{community, y}).last = last })
	if err != nil {
		return nil, err
	}
	for _, k := range order {
		r := years[k]
		if r.count == r.last && r.max == r.last {
			continue
		}
		missing, err := missingReceipts(ctx, d, k.community, k.year, r.last)
		if err != nil {
			return nil, err
		}
		out = append(out, check.Record("receipt_counters", k.year, k.community,
			"%s 年已发出收据号到第 %d 号，实有 %d 张（最大为第 %d 号）%s", k.year, r.last, r.count, r.max, missing))
	}
	err = check.Rows(ctx, d, `SELECT id, community_id, receipt_number FROM payments
		WHERE receipt_number IS NOT NULL AND receipt_number NOT LIKE 'SJ____-%' ORDER BY id`,
		[]any{&n, &community, &number}, func() {
			out = append(out, check.Record("payments", n, community, "收据号 %q 不是 SJ年份-序号 的格式", number))
		})
	return out, err
}

// missingReceipts names the first few numbers of 1 … last a community's
// year lacks, for the report.
func missingReceipts(ctx context.Context, d *db.DB, community int64, year string, last int64) (string, error) {
	rows, err := d.Q(ctx).QueryContext(ctx, `SELECT DISTINCT CAST(substr(receipt_number, 8) AS BIGINT) FROM payments
		WHERE community_id = $1 AND receipt_number LIKE $2 ORDER BY 1`, community, "SJ"+year+"-%")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var gaps []string
	next := int64(1)
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return "", err
		}
		for ; next < v && next <= last && len(gaps) <= 5; next++ {
			gaps = append(gaps, fmt.Sprintf("SJ%s-%06d", year, next))
		}
		next = max(next, v+1)
	}
	for ; next <= last && len(gaps) <= 5; next++ {
		gaps = append(gaps, fmt.Sprintf("SJ%s-%06d", year, next))
	}
	if err := rows.Err(); err != nil || len(gaps) == 0 {
		return "", err
	}
	if len(gaps) > 5 {
		gaps = append(gaps[:5], "…")
	}
	return "，缺 " + strings.Join(gaps, "、"), nil
}

// checkPrepaid: a house's balance is the sum of its ledger, never below
// zero, and each entry carries the balance after it; each payment moved
// the balance by what it says — a surplus added, a draw-down taken — and
// a voided one, by its reversing entry, by nothing in all.
func checkPrepaid(ctx context.Context, d *db.DB) ([]check.Problem, error) {
	var out []check.Problem
	var house, community, balance, sum int64
	var entries int64
	err := check.Rows(ctx, d, `SELECT COALESCE(b.house_id, e.house_id), COALESCE(b.community_id, e.community_id),
		COALESCE(b.balance_fen, 0), COALESCE(e.s, 0), COALESCE(e.n, 0)
		FROM prepaid_balances b
		FULL JOIN (SELECT house_id, MIN(community_id) AS community_id, CAST(SUM(amount_fen) AS BIGINT) AS s, count(*) AS n
			FROM prepaid_entries GROUP BY house_id) e ON e.house_id = b.house_id
		WHERE b.house_id IS NULL OR b.balance_fen < 0 OR b.balance_fen <> COALESCE(e.s, 0)
		ORDER BY 1`,
		[]any{&house, &community, &balance, &sum, &entries}, func() {
			out = append(out, check.Record("prepaid_balances", house, community, "预存余额 %s，%d 条流水合计 %s",
				money.Fen(balance), entries, money.Fen(sum)))
		})
	if err != nil {
		return nil, err
	}
	var id, amount, after, running int64
	err = check.Rows(ctx, d, `SELECT id, house_id, community_id, amount_fen, balance_fen, running FROM (
		SELECT id, house_id, community_id, amount_fen, balance_fen,
			CAST(SUM(amount_fen) OVER (PARTITION BY house_id ORDER BY id) AS BIGINT) AS running FROM prepaid_entries) x
		WHERE running <> balance_fen OR balance_fen < 0 ORDER BY id`,
		[]any{&id, &house, &community, &amount, &after, &running}, func() {
			out = append(out, check.Record("prepaid_entries", id, community, "房屋 #%d 变动 %s 后记余额 %s，按流水累计应为 %s",
				house, money.Fen(amount), money.Fen(after), money.Fen(running)))
		})
	if err != nil {
		return nil, err
	}
	var payment, moved, want int64
	var status, method string
	var receipt sql.NullString
	var exists bool
	err = check.Rows(ctx, d, `SELECT COALESCE(p.id, e.payment_id), COALESCE(p.community_id, e.community_id), p.id IS NOT NULL,
		p.receipt_number, COALESCE(p.status, ''), COALESCE(p.method, ''), COALESCE(e.s, 0),
		CASE WHEN p.id IS NULL OR p.status = 'void' THEN 0 WHEN p.method = 'prepaid' THEN -p.amount_fen ELSE p.prepaid_added_fen END
		FROM payments p
		FULL JOIN (SELECT payment_id, MIN(community_id) AS community_id, CAST(SUM(amount_fen) AS BIGINT) AS s
			FROM prepaid_entries GROUP BY payment_id) e ON e.payment_id = p.id
		WHERE p.id IS NULL OR COALESCE(e.s, 0) <> CASE WHEN p.status = 'void' THEN 0 WHEN p.method = 'prepaid' THEN -p.amount_fen
			ELSE p.prepaid_added_fen END
		ORDER BY 1`,
		[]any{&payment, &community, &exists, &receipt, &status, &method, &moved, &want}, func() {
			if !exists {
				out = append(out, check.Record("prepaid_entries", nil, community, "流水所记缴费记录 #%d 不存在（合计 %s）",
					payment, money.Fen(moved)))
				return
			}
			out = append(out, check.Record("payments", paymentKey(payment, receipt), community,
				"%s的%s记录使预存余额变动 %s，应为 %s", Label(status), Label(method), money.Fen(moved), money.Fen(want)))
		})
	return out, err
}

// checkRefunds: a deposit given back is a paid deposit bill of the same
// house, once (UNIQUE), for its full amount, and what is given back is
// the deposit less the deductions, which are the sum of their lines.
func checkRefunds(ctx context.Context, d *db.DB) ([]check.Problem, error) {
	var out []check.Problem
	var id, community, bill, deposit, deductions, refund, billAmount, house, billHouse int64
	var lines, status string
	var isDeposit bool
	err := check.Rows(ctx, d, `SELECT r.id, r.community_id, r.bill_id, r.deposit_fen, r.deductions_fen, r.refund_fen,
		r.deductions, r.house_id, b.amount_fen, b.status, b.deposit, b.house_id
		FROM deposit_refunds r JOIN bills b ON b.id = r.bill_id ORDER BY r.id`,
		[]any{&id, &community, &bill, &deposit, &deductions, &refund, &lines, &house, &billAmount, &status, &isDeposit, &billHouse},
		func() {
			var why []string
			if !isDeposit || status != BillPaid || billHouse != house {
				why = append(why, fmt.Sprintf("账单 #%d 不是这一户已缴的押金（%s）", bill, Label(status)))
			}
			if deposit != billAmount {
				why = append(why, fmt.Sprintf("押金记为 %s，账单为 %s", money.Fen(deposit), money.Fen(billAmount)))
			}
			if refund != deposit-deductions || deductions < 0 || deductions > deposit {
				why = append(why, fmt.Sprintf("退还 %s ≠ 押金 %s − 扣款 %s", money.Fen(refund), money.Fen(deposit), money.Fen(deductions)))
			}
			var ds []DepositDeduction
			var sum int64
			err := json.Unmarshal([]byte(lines), &ds)
			for _, x := range ds {
				sum += x.AmountFen
			}
			if err != nil || sum != deductions {
				why = append(why, fmt.Sprintf("扣款明细合计 %s，记为 %s", money.Fen(sum), money.Fen(deductions)))
			}
			if len(why) > 0 {
				out = append(out, check.Record("deposit_refunds", id, community, "%s", strings.Join(why, "；")))
			}
		})
	return out, err
}
