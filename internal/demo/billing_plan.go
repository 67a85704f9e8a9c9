package demo

import (
	"context"
	"fmt"
	"time"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// blMonths is how many months have been billed: this one and the eleven
// before it.
const blMonths = 12

// blTariff is a community's 收费标准 (元) and the houses its metered
// items reach.
type blTariff struct {
	res, shop, parking, garbage, water, waterNew, power string
	// Water is read per house in the smallest block of flats (one not
	// yet metered by the water company) or in the shops.
	waterInBlock bool
	// The 公摊 meter is the garage's (车位) or the towers' (住宅), at
	// kwh a house a month.
	powerUse, powerName, powerNotes string
	kwh                             [2]int
}

// 翠湖花园 is an ordinary estate; 滨江国际 charges more, its podium shops
// most. Water went up city-wide from the seventh billed month.
var blTariffs = []blTariff{
	{res: "1.80", shop: "3.50", parking: "60", garbage: "80", water: "3.95", waterNew: "4.30", power: "0.88",
		waterInBlock: true, powerUse: "车位", powerName: "车库公共电费（公摊）", kwh: [2]int{6, 9},
		powerNotes: "地下车库照明、排风用电，按车库总表用量 × 单价，按车位面积分摊"},
	{res: "2.20", shop: "6.80", parking: "100", garbage: "150", water: "3.95", waterNew: "4.30", power: "0.88",
		powerUse: "住宅", powerName: "公共电费（公摊）", kwh: [2]int{16, 20},
		powerNotes: "电梯、走廊照明、水泵等公共用电，按总表用量 × 单价，按建筑面积分摊"},
}

// The late-fee rule of the 物业服务费: 0.03% a day after 30 days' grace,
// at most 20% of the bill.
const (
	blLateRate  = "0.03"
	blLateGrace = 30
	blLateCap   = "20"
)

// blComm is a community's billing as it is loaded.
type blComm struct {
	plan    *commPlan
	t       blTariff
	block   *buildingPlan // where water is read per flat, if anywhere
	items   map[string]*billing.FeeItem
	houses  []*blHouse
	billed  [blMonths]int64 // each run's total
	utility [blMonths]int64 // of it, water and 公摊 electricity
	meter   int64           // the community electricity meter, hundredths of kWh

	manager, director, agent, cashier *auth.User
}

// Paying habits. Most owners pay several months at once, as 物业费 is
// collected: twice a year, once a year, every quarter.
const (
	hYearly    = "yearly"    // once a year, towards its end
	hHalf      = "half"      // twice a year, for the months past
	hQuarterly = "quarterly" // every third month
	hMonthly   = "monthly"   // online, every month
	hPrepaid   = "prepaid"   // pays ahead; the runs draw the balance down
	hLate      = "late"      // every six months, and only what is old
	hDebtor    = "debtor"    // stops paying; chased (催缴)
)

var (
	flatHabits = newPicker([]weighted{{hYearly, 44}, {hHalf, 29}, {hQuarterly, 3}, {hMonthly, 1}, {hPrepaid, 2},
		{hLate, 11}, {hDebtor, 8}})
	// Owners of empty flats pay worst; spaces are mostly paid by the year.
	emptyHabits = newPicker([]weighted{{hYearly, 45}, {hHalf, 20}, {hQuarterly, 2}, {hMonthly, 1}, {hPrepaid, 2},
		{hLate, 10}, {hDebtor, 17}})
	shopHabits = newPicker([]weighted{{hYearly, 22}, {hHalf, 35}, {hQuarterly, 12}, {hMonthly, 2}, {hPrepaid, 2},
		{hLate, 13}, {hDebtor, 11}})
	spaceHabits = newPicker([]weighted{{hYearly, 70}, {hHalf, 15}, {hQuarterly, 2}, {hMonthly, 1}, {hPrepaid, 3},
		{hLate, 3}, {hDebtor, 5}})
	onlineWays = newPicker([]weighted{{billing.MethodWeChat, 60}, {billing.MethodAlipay, 30}, {billing.MethodBank, 10}})
	deskWays   = newPicker([]weighted{{billing.MethodCash, 22}, {billing.MethodPOS, 33}, {billing.MethodWeChat, 35}, {billing.MethodBank, 10}})
)

// blHouse is a house's billing story.
type blHouse struct {
	h      *housePlan
	c      *blComm
	gross  int64 // hundredths of m²
	habit  string
	months []int // the months it pays in (yearly, half, quarterly, late, prepaid: the first)
	lag    int   // months a late payer lets pass
	method string
	// A debtor last paid in month stop-1 and owes from stop (-1: from
	// before billing went live) until it settles (blMonths: never).
	stop, settle int
	water        bool  // read per house
	meter        int64 // its water meter, hundredths of m³
	redo         bool  // one payment is voided and taken again
	due          int   // the latest 催缴 is to be followed up 1: today, 2: four days ago, 3: in a week
	waive        bool  // settles with its 滞纳金 waived
}

func (h *blHouse) id() int64 { return h.h.id }

// monthlyFen is the house's 物业服务费 (or 车位管理费) a month.
func (h *blHouse) monthlyFen() int64 {
	price := h.c.t.res
	switch h.h.use() {
	case "商铺":
		price = h.c.t.shop
	case "车位":
		v, _ := money.ParseHundredths(h.c.t.parking)
		return v
	}
	p, _ := money.ParseHundredths(price)
	return (h.gross*p + 50) / 100
}

// planCommunity plans a community's year and queues its events.
func (l *blLoader) planCommunity(c *commPlan) *blComm {
	r := l.r
	bc := &blComm{plan: c, t: blTariffs[min(len(l.comms), len(blTariffs)-1)], items: map[string]*billing.FeeItem{}}
	bc.manager = l.who(c.id, "manager", "director")
	bc.director = l.who(c.id, "director", "admin")
	bc.agent = l.who(c.id, "agent", "agent2", "cashier", "manager")
	bc.cashier = l.who(c.id, "cashier", "manager")
	if bc.t.waterInBlock {
		size := map[*buildingPlan]int{}
		for _, h := range c.houses {
			if h.use() == "住宅" {
				size[h.unit.b]++
			}
		}
		for _, b := range c.buildings {
			if size[b] > 0 && (bc.block == nil || size[b] < size[bc.block]) {
				bc.block = b
			}
		}
	}
	for _, hp := range c.houses {
		gross, _ := money.ParseHundredths(string(hp.in.GrossArea))
		h := &blHouse{h: hp, c: bc, gross: gross, settle: blMonths}
		if bc.block != nil {
			h.water = hp.unit.b == bc.block
		} else {
			h.water = hp.use() == "商铺"
		}
		habits := flatHabits
		switch {
		case hp.use() == "商铺":
			habits = shopHabits
		case hp.use() == "车位":
			habits = spaceHabits
		case hp.status() == "空置":
			habits = emptyHabits
		}
		h.habit, h.lag, h.method = habits.pick(r), between(r, 1, 3), deskWays.pick(r)
		switch p := r.IntN(6); h.habit {
		case hYearly:
			// Towards the year's end, most this month.
			h.months = []int{blMonths - 1 - r.IntN(10)/7}
		case hHalf:
			// Twice a year: once in the first half, and again for the
			// rest towards its end.
			second := p + 6
			if p < 4 {
				second = blMonths - 1 - r.IntN(10)/7
			}
			h.months = []int{p, second}
		case hQuarterly:
			h.months = []int{p % 3, p%3 + 3, p%3 + 6, p%3 + 9}
		case hLate:
			h.months = []int{p, p + 6}
		case hPrepaid:
			h.months = []int{p % 3}
		}
		if h.habit == hMonthly {
			h.method = onlineWays.pick(r)
		}
		if h.habit == hDebtor {
			switch x := r.IntN(10); {
			case x < 2:
				h.stop = -1
			case x < 7:
				h.stop = r.IntN(6)
			default:
				h.stop = between(r, 6, 9)
			}
			if r.IntN(4) == 0 && h.stop < 8 {
				h.settle = between(r, h.stop+3, blMonths-1)
			}
		}
		h.meter = int64(between(r, 80, 2400)) * 100
		bc.houses = append(bc.houses, h)
	}
	l.forceDebtors(bc)
	l.planVoid(bc)
	l.setup(bc)
	for i := range blMonths {
		l.planMonth(bc, i)
	}
	for _, h := range bc.houses {
		l.planPayments(h)
		l.planDunning(h)
	}
	l.planExemptions(bc)
	l.planDeposits(bc)
	return bc
}

// forceDebtors makes sure, among the debtors (so that there are no
// more of them than planned), that every aging bucket has houses: two
// owing from before billing went live (more than 12 months), two from
// 7–12 months ago and two from 4–6 months ago, none of whom settles, the
// first three called lately (follow-up four days ago, today, next week);
// and that one more settles last month after a call, its 滞纳金 waived.
func (l *blLoader) forceDebtors(bc *blComm) {
	stops := []int{-1, -1, between(l.r, 0, 5), between(l.r, 0, 5), between(l.r, 6, 8), between(l.r, 6, 8)}
	var debtors, others []*blHouse
	for _, h := range bc.houses {
		switch {
		case h.h.use() == "车位":
		case h.habit == hDebtor:
			debtors = append(debtors, h)
		default:
			others = append(others, h)
		}
	}
	// A small community: take houses from the end.
	for len(debtors) <= len(stops) && len(others) > 0 {
		h := others[len(others)-1]
		others = others[:len(others)-1]
		h.habit, h.stop, h.method = hDebtor, blMonths-1, deskWays.pick(l.r)
		debtors = append(debtors, h)
	}
	for i, h := range debtors {
		switch {
		case i < len(stops):
			h.stop, h.settle, h.due = stops[i], blMonths, []int{2, 1, 3, 0, 0, 0}[i]
		case i == len(stops):
			h.stop, h.settle, h.waive = min(h.stop, 5), blMonths-2, true
		}
	}
}

// setup is the go-live, in the month before the first billed one: the
// fee items, the arrears carried over, the water meters' first reading.
func (l *blLoader) setup(bc *blComm) {
	cid, t := bc.plan.id, bc.t
	uses := func(u ...string) billing.AppliesTo { return billing.AppliesTo{Uses: u} }
	water := billing.FeeItemInput{Name: "水费", Kind: billing.KindMetered, UnitPrice: web.Text(t.water), AppliesTo: uses("商铺"),
		Notes: "商铺分户水表每月 1 日抄表，按用量计收（含污水处理费）"}
	if bc.block != nil {
		water.AppliesTo = billing.AppliesTo{BuildingIDs: []int64{bc.block.id}}
		water.Notes = bc.block.name + "栋为早期交付的住宅，未实施供水抄表到户，由物业每月 1 日抄分户水表代收水费"
	}
	items := []struct {
		key string
		in  billing.FeeItemInput
	}{
		{"res", billing.FeeItemInput{Name: "物业服务费（住宅）", Kind: billing.KindArea, UnitPrice: web.Text(t.res),
			AppliesTo: uses("住宅"), LateFeeRate: blLateRate, LateFeeGraceDays: blLateGrace, LateFeeCap: blLateCap,
			Notes: "按建筑面积计收，每月初出账；逾期 30 日后按日万分之三计收滞纳金，以欠费的 20% 为限"}},
		{"shop", billing.FeeItemInput{Name: "物业服务费（商铺）", Kind: billing.KindArea, UnitPrice: web.Text(t.shop),
			AppliesTo: uses("商铺"), LateFeeRate: blLateRate, LateFeeGraceDays: blLateGrace, LateFeeCap: blLateCap,
			Notes: "按建筑面积计收，含商业区域保洁与秩序维护"}},
		{"parking", billing.FeeItemInput{Name: "车位管理费", Kind: billing.KindFixed, UnitPrice: web.Text(t.parking),
			AppliesTo: uses("车位"), Notes: "产权车位，每个车位每月"}},
		{"garbage", billing.FeeItemInput{Name: "垃圾清运费（商铺）", Kind: billing.KindFixed, UnitPrice: web.Text(t.garbage),
			AppliesTo: uses("商铺"), Notes: "商业垃圾清运，每间每月（住宅生活垃圾处理费随水费由水务公司代征）"}},
		{"water", water},
		{"power", billing.FeeItemInput{Name: t.powerName, Kind: billing.KindMetered, Shared: true, UnitPrice: web.Text(t.power),
			AppliesTo: uses(t.powerUse), Notes: t.powerNotes}},
		{"deposit", billing.FeeItemInput{Name: "装修押金", Kind: billing.KindOneOff, Deposit: true, UnitPrice: "3000",
			Notes: "办理装修许可时收取，竣工验收合格后无息退还"}},
		{"opening", billing.FeeItemInput{Name: "期初欠费（系统上线前）", Kind: billing.KindOneOff, UnitPrice: "1",
			Notes: "系统上线前的历史欠费结转，数量为欠费金额（元），按所欠月份逐月列示"}},
	}
	at := l.day(-1, 1, 9, 0)
	l.add("收费项目", at, func(ctx context.Context) error {
		for _, it := range items {
			in := it.in
			in.CommunityID = cid
			fi, err := l.svc.CreateFeeItem(ctx, bc.manager, in)
			if err != nil {
				return fmt.Errorf("%s: %w", in.Name, err)
			}
			bc.items[it.key] = fi
			l.at = l.at.Add(time.Duration(between(l.r, 60, 240)) * time.Second)
		}
		return nil
	})
	// The arrears from before: one line a month owed.
	at = l.day(-1, 1, 14, 0)
	for _, h := range bc.houses {
		if h.habit != hDebtor || h.stop >= 0 {
			continue
		}
		months := between(l.r, 2, 8)
		at = at.Add(time.Duration(between(l.r, 60, 300)) * time.Second)
		l.add("期初欠费", at, func(ctx context.Context) error {
			for m := months; m >= 1; m-- {
				_, err := l.svc.Charge(ctx, bc.cashier, billing.ChargeInput{HouseID: h.id(), FeeItemID: bc.items["opening"].ID,
					Period: l.period(-m), Quantity: web.Text(money.PlainHundredths(h.monthlyFen())),
					Note: "系统上线前欠缴的" + l.period(-m) + "物业服务费，据原台账结转"})
				if err != nil {
					return fmt.Errorf("期初欠费 %s: %w", h.h.code, err)
				}
			}
			return nil
		})
	}
	l.readMeters(bc, -1, l.day(-1, 2, 8, 30))
}

// planMonth queues month i's meter readings and bill run.
func (l *blLoader) planMonth(bc *blComm, i int) {
	run := l.day(i, between(l.r, 2, 3), between(l.r, 9, 10), l.r.IntN(60))
	read := l.day(i, 1, 8, 30)
	if limit := l.now.Add(-time.Hour); run.After(limit) {
		// Early in the month: the run is this morning's first job.
		run = limit
		read = run.Add(-time.Duration(len(bc.houses)+600) * 10 * time.Second)
	}
	if i == 6 {
		// The water company's new price, from this month on.
		l.add("调价", l.day(i-1, between(l.r, 10, 20), 15, 0), func(ctx context.Context) error {
			_, err := l.svc.SetPrice(ctx, bc.manager, bc.items["water"].ID,
				billing.PriceInput{UnitPrice: web.Text(bc.t.waterNew), EffectiveFrom: l.period(i)})
			return err
		})
	}
	l.readMeters(bc, i, read)
	l.add("出账", run, func(ctx context.Context) error {
		br, err := l.svc.Run(ctx, bc.manager, billing.RunInput{CommunityID: bc.plan.id, Period: l.period(i)})
		if err != nil {
			return fmt.Errorf("出账 %s: %w", l.period(i), err)
		}
		bc.billed[i] = br.TotalFen
		for _, it := range br.Items {
			if it.FeeItemID == bc.items["water"].ID || it.FeeItemID == bc.items["power"].ID {
				bc.utility[i] += it.TotalFen
			}
		}
		return nil
	})
	l.planSpending(bc, i)
}

// readMeters queues the reading of every water meter and of the 公摊
// meter for month i, from at on, ten seconds or so a meter. In month 7
// the first water meter is found broken and replaced.
func (l *blLoader) readMeters(bc *blComm, i int, at time.Time) {
	l.add("抄表", at, func(ctx context.Context) error {
		period := l.period(i)
		summer := l.month(i).Month() >= 6 && l.month(i).Month() <= 9
		var sharing int64
		first := true
		for _, h := range bc.houses {
			if h.h.use() == bc.t.powerUse {
				sharing++
			}
			if !h.water {
				continue
			}
			in := billing.ReadingInput{HouseID: h.id(), FeeItemID: bc.items["water"].ID, Period: period}
			if i >= 0 {
				use := int64(waterUse(l, h)) * 100
				if summer {
					use = use * 5 / 4 / 100 * 100
				}
				h.meter += use
				if i == 7 && first {
					h.meter, in.Replacement = use, true
				}
			}
			first = false
			in.Reading = web.Text(money.PlainHundredths(h.meter))
			if _, err := l.svc.RecordReading(ctx, bc.agent, in); err != nil {
				return fmt.Errorf("抄表 %s %s: %w", h.h.code, period, err)
			}
			l.at = l.at.Add(time.Duration(between(l.r, 6, 14)) * time.Second)
		}
		use := sharing * int64(between(l.r, bc.t.kwh[0], bc.t.kwh[1])) * 100
		if summer {
			use = use * 13 / 10
		}
		if i < 0 {
			use = int64(between(l.r, 200_000, 900_000)) * 100
		}
		bc.meter += use
		_, err := l.svc.RecordSharedReading(ctx, bc.agent, billing.SharedReadingInput{FeeItemID: bc.items["power"].ID,
			Period: period, Reading: web.Text(money.PlainHundredths(bc.meter))})
		if err != nil {
			return fmt.Errorf("总表抄表 %s: %w", period, err)
		}
		return nil
	})
}

// waterUse is a month's water in m³: a family uses 8–20, an empty flat
// none, a shop depends on its trade.
func waterUse(l *blLoader, h *blHouse) int {
	switch {
	case h.h.status() == "空置":
		return l.r.IntN(5) / 4
	case h.h.status() == "装修中":
		return between(l.r, 2, 8)
	case h.h.use() == "商铺":
		return between(l.r, 6, 60)
	case h.h.status() == "出租":
		return between(l.r, 5, 16)
	}
	return between(l.r, 8, 20)
}
