package billing

import (
	"context"
	"fmt"
	"time"

	"wuye/internal/platform/db"
)

// 滞纳金 collected at the desk. A bill's late fee is computed on demand
// (LateFee, shown by the desk) and, when the cashier collects it with the
// bill, recorded exactly on the payment: one payment line of kind
// late_fee per bill, carrying the bill, its item and period and the fee
// in 分 as of the payment, and the payment's late_fee_fen. So:
//
//   - the receipt prints each as its own 滞纳金 line, and the amount
//     received (amount_fen = bills_fen + late_fee_fen + prepaid_added_fen)
//     is what the 日报 counts;
//   - the 收支公示 counts it as income on its own line, 滞纳金;
//   - 收缴率 and 清欠率 are about bills: they count the lines of kind
//     bill only, so a late fee is neither billed nor paid there;
//   - voiding the payment voids its late fee with it (reports count valid
//     payments only), and the bill, unpaid again, accrues its late fee
//     from its period as before.

// Kinds of payment lines.
const (
	LineBill    = "bill"
	LineLateFee = "late_fee"
)

// lateFeeLines are the 滞纳金 due on the bills of lines as of asOf, by
// the desk's own computation (scanBill: the item's daily rate after its
// grace period, capped; 0 once waived), one line per bill that has one,
// and their total. The bills must still be unpaid.
func lateFeeLines(ctx context.Context, q db.Querier, lines []Line, asOf time.Time) ([]Line, int64, error) {
	if len(lines) == 0 {
		return nil, 0, nil
	}
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.BillID
	}
	in, args := db.In(nil, ids)
	c := cond{Parts: []string{"b.id IN (" + in + ")"}, Args: args}
	bills, _, err := listBills(ctx, q, &c, "b.period, b.fee_item_id, b.id", len(ids), 0, asOf)
	if err != nil {
		return nil, 0, err
	}
	var out []Line
	var sum int64
	for _, b := range bills {
		if b.LateFeeFen <= 0 {
			continue
		}
		out = append(out, Line{Kind: LineLateFee, BillID: b.ID, FeeItemID: b.FeeItemID, FeeItemName: b.FeeItemName,
			Period: b.Period, AmountFen: b.LateFeeFen})
		sum += b.LateFeeFen
	}
	return out, sum, nil
}

// lateFeeIncomeName is the 收支公示's line of the late fees collected.
const lateFeeIncomeName = "滞纳金"

// addLateFeeIncome adds to st, as its own income line, the 滞纳金
// collected by the valid payments made in [start, end).
func (s *Service) addLateFeeIncome(ctx context.Context, st *Statement, start, end time.Time) error {
	var fen int64
	err := s.DB.Q(ctx).QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(pl.amount_fen), 0) AS BIGINT)
		FROM payment_lines pl JOIN payments p ON p.id = pl.payment_id
		WHERE pl.community_id = $1 AND pl.kind = 'late_fee' AND p.status = 'valid' AND p.paid_at >= $2 AND p.paid_at < $3`,
		st.CommunityID, start, end).Scan(&fen)
	if err != nil {
		return fmt.Errorf("statement late fees: %w", err)
	}
	if fen > 0 {
		st.Income = append(st.Income, StatementLine{Name: lateFeeIncomeName, AmountFen: fen})
		st.IncomeFen += fen
	}
	return nil
}

// Name is what a receipt calls the line: the item, or 滞纳金 and the
// item it was charged on.
func (l Line) Name() string {
	if l.Kind == LineLateFee {
		return lateFeeIncomeName + "（" + l.FeeItemName + "）"
	}
	return l.FeeItemName
}
