package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"wuye/internal/billing"
	"wuye/internal/platform/web"
)

// planPayments queues a house's payments by its habit. Each payment
// pays the house's unpaid bills up to a month, in full, as the cashier
// desk offers them; what it pays is decided when it happens. The one
// with redo (last month's) is taken wrongly, voided and taken again.
func (l *blLoader) planPayments(h *blHouse) {
	r := l.r
	day := func() int { return between(r, 4, 27) }
	for i := range blMonths {
		through, ahead := i, 0
		switch h.habit {
		case hYearly, hHalf, hQuarterly:
			if !slices.Contains(h.months, i) {
				continue
			}
		case hMonthly:
			// Online, within days of the bill, a few near the month's end.
			d := between(r, 0, 22)
			l.pay(h, l.when(h, i, 4+d*d/22), i, 0, h.redo && i == blMonths-2)
			continue
		case hLate:
			if !slices.Contains(h.months, i) || i < h.lag {
				continue
			}
			through = i - h.lag
		case hPrepaid:
			// A year ahead, then a top-up whenever the balance fell
			// short of a month's bills.
			switch {
			case i == h.months[0]:
				ahead = 12
			case i > h.months[0]:
				ahead = -6
			default:
				continue
			}
		case hDebtor:
			// The last payment before it stopped; settle pays the rest
			// after a call.
			if i != h.stop-1 {
				continue
			}
		}
		l.pay(h, l.when(h, i, day()), through, ahead, h.redo && i == blMonths-2)
	}
}

// when is a payment's moment on a day of month i: office hours at the
// desk, any waking hour online.
func (l *blLoader) when(h *blHouse, i, day int) time.Time {
	if h.method == billing.MethodWeChat || h.method == billing.MethodAlipay {
		return l.anyHour(i, day)
	}
	return l.officeDay(i, day)
}

// pay queues a payment of the house's bills up to month through. ahead
// > 0 prepays that many months more (预存); ahead < 0 does so only when
// something is unpaid (a top-up). redo has the cashier take it in cash
// by mistake, the manager void it, and the cashier take it again.
func (l *blLoader) pay(h *blHouse, at time.Time, through, ahead int, redo bool) {
	method := h.method
	l.add("缴费", at, func(ctx context.Context) error {
		ids, sum, err := l.unpaid(ctx, h.id(), l.period(through))
		if err != nil {
			return err
		}
		if len(ids) == 0 && ahead <= 0 {
			return nil
		}
		in := billing.PaymentInput{HouseID: h.id(), BillIDs: ids, AmountFen: sum, Method: method}
		if ahead != 0 {
			months := int64(max(ahead, -ahead))
			// A month's fees and water, rounded up to a hundred 元.
			in.AmountFen += (months*(h.monthlyFen()+8000) + 9999) / 10000 * 10000
			in.Note = fmt.Sprintf("预存约 %d 个月费用，出账时自动抵扣", months)
		} else if method == billing.MethodCash && sum%1000 != 0 && l.r.IntN(20) == 0 {
			in.AmountFen = (sum + 999) / 1000 * 1000
			in.Note = "零头不找，转入预存"
		}
		if redo {
			in.Method, in.Reference = billing.MethodCash, ""
		} else {
			in.Reference = l.reference(in.Method)
		}
		p, err := l.svc.Pay(ctx, h.c.cashier, in)
		if err != nil {
			return fmt.Errorf("缴费 %s: %w", h.h.code, err)
		}
		if !redo {
			return nil
		}
		l.at = l.at.Add(time.Duration(between(l.r, 6, 15)) * time.Minute)
		if _, err := l.svc.VoidPayment(ctx, h.c.manager, p.ID, "收款方式录入错误（业主实为POS刷卡，未收现金），作废后重新开具"); err != nil {
			return fmt.Errorf("作废收据 %s: %w", p.ReceiptNumber, err)
		}
		l.at = l.at.Add(time.Duration(between(l.r, 2, 5)) * time.Minute)
		in.Method, in.Reference, in.Note = billing.MethodPOS, l.reference(billing.MethodPOS), "重开收据 "+p.ReceiptNumber
		_, err = l.svc.Pay(ctx, h.c.cashier, in)
		return err
	})
}

// reference is a transaction number as the payment channel prints it.
func (l *blLoader) reference(method string) string {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + l.r.IntN(10)))
		}
		return b.String()
	}
	day := l.at.In(shanghai).Format("20060102")
	switch method {
	case billing.MethodWeChat:
		return "4200002" + digits(3) + day + digits(10)
	case billing.MethodAlipay:
		return day + "22001" + digits(15)
	case billing.MethodPOS:
		return "参考号" + digits(12)
	case billing.MethodBank:
		return "网银" + day + digits(8)
	}
	return ""
}

var (
	dunPhone = []string{"电话无人接听", "业主称近期资金紧张，月底前缴纳", "业主对楼上渗漏维修结果不满，表示暂不缴费",
		"业主称房屋空置未住，要求减免后再缴", "号码已停机，需核实新的联系方式", "业主称已委托家人代缴，待核实",
		"业主在外地工作，答应回深后到前台缴费"}
	dunSMS     = []string{"已发送缴费提醒短信", "短信已送达，业主未回复"}
	dunNotice  = []string{"已投递《催缴通知单》至信箱", "《催缴通知单》已张贴于户门", "《催缴通知单》已由业主签收"}
	dunVisit   = []string{"上门未遇，已在户门张贴通知", "上门面谈，业主承诺分期缴纳", "上门面谈，业主对停车管理有意见，已记录并转客服经理"}
	dunLawyer  = []string{"已委托律师事务所发送律师函", "律师函已签收，业主未回应，拟提起诉讼"}
	dunSteps   = []string{"sms", "phone", "notice", "phone", "visit", "notice", "lawyer_letter"}
	dunResults = map[string][]string{"sms": dunSMS, "phone": dunPhone, "notice": dunNotice, "visit": dunVisit,
		"lawyer_letter": dunLawyer}
)

// planDunning queues the 催缴 of a debtor: from its second month owing,
// every two or three months, sms, phone, written notice, visit, and
// once nine months are owed a lawyer's letter, each with the day to
// follow up. A debtor who settles is called first and pays within days;
// the cases marked due were called lately, for the follow-up queue.
func (l *blLoader) planDunning(h *blHouse) {
	if h.habit != hDebtor {
		return
	}
	r := l.r
	n, lawyer := 0, false
	for m := max(h.stop+2, 0); m < min(h.settle, blMonths); m += between(r, 2, 3) {
		at := l.officeDay(m, between(r, 5, 22))
		if h.due > 0 && at.After(l.now.Add(-12*24*time.Hour)) {
			break
		}
		step := dunSteps[min(n, len(dunSteps)-1)]
		if m-h.stop >= 8 && !lawyer {
			// Nine months owed: the lawyer's letter.
			step, lawyer = "lawyer_letter", true
		}
		next := at.AddDate(0, 0, between(r, 7, 21))
		if step == "lawyer_letter" {
			next = at.AddDate(0, 0, 30)
		}
		l.dun(h, at, step, pickOne(r, dunResults[step]), next)
		n++
	}
	switch {
	case h.settle < blMonths:
		at := l.officeDay(h.settle, between(r, 5, 18))
		l.dun(h, at, "phone", "业主同意本周内一次性缴清欠费", time.Time{})
		l.settle(h, at.AddDate(0, 0, between(r, 1, 5)), h.settle)
	case h.due > 0:
		// The latest call, to follow up today, four days ago or next week.
		at, next := l.now.Add(-50*time.Hour), l.now
		switch h.due {
		case 2:
			at, next = l.now.Add(-11*24*time.Hour), l.now.Add(-4*24*time.Hour)
		case 3:
			at, next = l.now.Add(-3*24*time.Hour), l.now.Add(7*24*time.Hour)
		}
		l.dun(h, at, "phone", "业主称下周到前台缴费", next)
	}
}

func (l *blLoader) dun(h *blHouse, at time.Time, method, result string, next time.Time) {
	l.add("催缴", at, func(ctx context.Context) error {
		in := billing.DunningInput{HouseID: h.id(), Method: method, Result: result}
		if !next.IsZero() {
			in.NextFollowUp = next.In(shanghai).Format("2006-01-02")
		}
		by := h.c.cashier
		switch method {
		case "visit":
			by = h.c.agent
		case "lawyer_letter":
			by = h.c.manager
		}
		_, err := l.svc.RecordDunning(ctx, by, in)
		return err
	})
}

// settle is a debtor paying everything owed after a call; h.waive has
// the manager first waive the 滞纳金 of its oldest 物业服务费.
func (l *blLoader) settle(h *blHouse, at time.Time, m int) {
	if h.waive {
		l.add("减免滞纳金", at, func(ctx context.Context) error {
			var oldest int64
			err := l.tx.QueryRowContext(ctx, `SELECT id FROM bills WHERE house_id = $1 AND status = 'unpaid'
				AND fee_item_id IN ($2, $3) ORDER BY period LIMIT 1`, h.id(), h.c.items["res"].ID, h.c.items["shop"].ID).Scan(&oldest)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			_, err = l.svc.WaiveLateFee(ctx, h.c.manager, oldest, "业主一次性缴清欠费，经客服经理批准减免滞纳金")
			return err
		})
	}
	h.method = pickOne(l.r, []string{billing.MethodBank, billing.MethodPOS, billing.MethodWeChat})
	l.pay(h, at.Add(10*time.Minute), m, 0, false)
}

// planExemptions queues the community's 减免, each entered by the
// manager before the first run it applies to.
func (l *blLoader) planExemptions(bc *blComm) {
	type ex struct {
		use, item  string
		from, to   int
		enterMonth int
		enterDay   int
		reason     string
		comm       int // the first community or the second
	}
	all := []ex{
		{"住宅", "res", 0, blMonths - 1, -1, 20, "低保困难家庭（持民政部门低保证），经业主委员会同意减免本年度物业服务费", 0},
		{"住宅", "res", 4, 5, 3, 22, "楼上管道渗漏致房屋无法正常居住，维修期间减免两个月物业服务费", 0},
		{"车位", "parking", 7, 9, 6, 20, "车库消防管道改造占用该车位，停用期间免收车位管理费", 0},
		{"商铺", "", 0, blMonths + 23, -1, 22, "由开发商无偿提供作社区党群服务站，免收全部费用", 1},
		{"住宅", "res", 2, 4, 1, 18, "业主家中失火受灾，经业主委员会同意减免三个月物业服务费", 1},
	}
	taken := map[*blHouse]bool{}
	for _, e := range all {
		if e.comm != min(len(l.comms), 1) {
			continue
		}
		var can []*blHouse
		for _, x := range bc.houses {
			if x.h.use() == e.use && x.habit != hDebtor && !taken[x] {
				can = append(can, x)
			}
		}
		if len(can) == 0 {
			continue
		}
		h := can[l.r.IntN(len(can))]
		taken[h] = true
		l.add("减免", l.officeDay(e.enterMonth, e.enterDay), func(ctx context.Context) error {
			in := billing.ExemptionInput{HouseID: h.id(), From: l.period(e.from), To: l.period(e.to), Reason: e.reason}
			if e.item != "" {
				in.FeeItemID = bc.items[e.item].ID
			}
			_, err := l.svc.CreateExemption(ctx, bc.manager, in)
			return err
		})
	}
}

// planDeposits queues the 装修押金 of the flats being decorated: charged
// and paid at the desk the day the decoration is registered.
func (l *blLoader) planDeposits(bc *blComm) {
	for _, h := range bc.houses {
		if h.h.status() != "装修中" {
			continue
		}
		m := between(l.r, 3, blMonths-1)
		at := l.officeDay(m, between(l.r, 3, 26))
		qty, method := "1", pickOne(l.r, []string{billing.MethodPOS, billing.MethodBank, billing.MethodWeChat, billing.MethodCash})
		if h.h.use() == "商铺" {
			qty = "2"
		}
		permit := fmt.Sprintf("ZX%s-%03d", l.month(m).Format("200601"), l.r.IntN(1000))
		l.add("装修押金", at, func(ctx context.Context) error {
			b, err := l.svc.Charge(ctx, bc.cashier, billing.ChargeInput{HouseID: h.id(), FeeItemID: bc.items["deposit"].ID,
				Quantity: web.Text(qty), Note: "装修许可 " + permit})
			if err != nil {
				return fmt.Errorf("装修押金 %s: %w", h.h.code, err)
			}
			l.at = l.at.Add(time.Duration(between(l.r, 2, 8)) * time.Minute)
			_, err = l.svc.Pay(ctx, bc.cashier, billing.PaymentInput{HouseID: h.id(), BillIDs: []int64{b.ID},
				AmountFen: b.AmountFen, Method: method, Reference: l.reference(method), Note: "装修押金，验收合格后凭收据退还"})
			return err
		})
	}
}

// planVoid picks the first community's house whose payment of last
// month is taken wrongly, voided and taken again: one paying monthly,
// else one paying then for its half year.
func (l *blLoader) planVoid(bc *blComm) {
	if len(l.comms) > 0 {
		return
	}
	for _, habit := range []string{hMonthly, hHalf} {
		for _, h := range bc.houses {
			if h.habit == habit && (habit == hMonthly || slices.Contains(h.months, blMonths-2)) {
				h.redo = true
				return
			}
		}
	}
}
