package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/renovation"
)

// The demo's 装修: in each community a few applications in every state of
// their life, each step taken by the staff member whose job it is, with
// the services' clocks at the step's day: registered at the desk, the
// 工程部's opinion, the manager's approval (permit, deposit and 垃圾清运费
// billed; the deposit mostly paid at the desk a day later), works under
// way with inspections — one with a rectification past its deadline, one
// whose passes run out within a week — accepted, and settled with or
// without deductions. One application was turned down.

// rnStep is where an application stops.
type rnStep int

const (
	rnSubmitted rnStep = iota
	rnReviewed
	rnRejected
	rnApproved
	rnStarted
	rnCompleted
	rnRefunded
)

// rnPlan is one demo application: where it stops, how many days ago it
// was registered and how long the works take.
type rnPlan struct {
	stop     rnStep
	ago, dur int
	overdue  bool // an inspection finding past its deadline
	deduct   int64
}

var rnPlans = []rnPlan{
	{stop: rnRefunded, ago: 120, dur: 60, deduct: 0},
	{stop: rnRefunded, ago: 100, dur: 45, deduct: 50000},
	{stop: rnCompleted, ago: 80, dur: 50},
	{stop: rnStarted, ago: 40, dur: 70, overdue: true},
	{stop: rnStarted, ago: 35, dur: 38},
	{stop: rnApproved, ago: 6, dur: 60},
	{stop: rnReviewed, ago: 3, dur: 45},
	{stop: rnSubmitted, ago: 1, dur: 30},
	{stop: rnRejected, ago: 20, dur: 90},
}

var (
	rnContractors = []string{"金螳螂家装", "东易日盛装饰", "业之峰装饰", "城市人家装饰", "百安居装饰", "业主自装"}
	rnScopes      = []string{
		"厨房、卫生间翻新（更换瓷砖、橱柜、洁具），水电线路改造，卫生间重做防水",
		"全屋硬装：地面铺木地板，墙面乳胶漆，吊顶，厨卫翻新",
		"客厅及卧室墙面翻新、铺设地板，更换室内门",
		"阳台改造（不封闭、不外扩），卫生间防水及洁具更换",
		"拆除非承重隔墙一处（已附结构说明），重新布置水电",
	}
	rnTrades = []string{"水电工", "泥瓦工", "木工", "油漆工", "杂工", "防水工"}
)

// rnLoader plays the applications of one community.
type rnLoader struct {
	svc   *renovation.Service
	r     *rand.Rand
	at    time.Time
	today time.Time // 00:00 Asia/Shanghai
	staff map[string]*auth.User
}

// loadRenovations loads the demo's renovations through renovation.Service
// (and billing's, for the deposit paid at the desk).
func loadRenovations(ctx context.Context, tx *sql.Tx, d *db.DB, p *plan, now time.Time) error {
	staffUsers, err := demoStaff(ctx, tx)
	if err != nil {
		return err
	}
	houses, _ := p.counts()
	n := now.In(shanghai)
	l := &rnLoader{svc: renovation.NewService(d), r: rand.New(rand.NewPCG(seed+5, uint64(houses))), staff: staffUsers,
		today: time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, shanghai)}
	l.svc.Now = func() time.Time { return l.at }
	l.svc.Billing.Now = l.svc.Now
	for _, c := range p.communities {
		var picked []*housePlan
		for _, h := range c.houses {
			if h.use() == "住宅" && h.status() != "装修中" && h.id != 0 {
				picked = append(picked, h)
			}
		}
		l.r.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })
		for i, rp := range rnPlans {
			if i >= len(picked) {
				break
			}
			if err := l.play(ctx, c.id, picked[i], rp); err != nil {
				return fmt.Errorf("装修 %s: %w", picked[i].code, err)
			}
		}
	}
	return nil
}

// day is a moment of office hours, ago days before today.
func (l *rnLoader) day(ago int) time.Time {
	return l.today.AddDate(0, 0, -ago).Add(time.Duration(8*3600+30*60+l.r.IntN(8*3600)) * time.Second).UTC()
}

// who is the first of the logins whose account covers the community,
// else the demo's loading account (an admin).
func (l *rnLoader) who(community int64, logins ...string) *auth.User {
	for _, lg := range logins {
		if u := l.staff[lg]; u != nil && u.Sees(community) {
			return u
		}
	}
	return actor
}

func (l *rnLoader) play(ctx context.Context, community int64, h *housePlan, rp rnPlan) error {
	agent, manager := l.who(community, "agent", "agent2"), l.who(community, "manager")
	engineer, cashier := l.who(community, "engineer"), l.who(community, "cashier")
	date := func(ago int) string { return l.today.AddDate(0, 0, -ago).Format("2006-01-02") }
	startAgo := rp.ago - 3
	in := renovation.Input{HouseID: h.id, Contractor: pickOne(l.r, rnContractors), ManagerName: PersonNameGender(l.r, true),
		ManagerPhone: MobilePhone(l.r), Area: h.in.GrossArea, StartsOn: date(startAgo),
		EndsOn: date(startAgo - rp.dur), Scope: pickOne(l.r, rnScopes)}
	for range 2 + l.r.IntN(3) {
		in.Workers = append(in.Workers, renovation.WorkerInput{Name: PersonNameGender(l.r, l.r.IntN(10) < 8),
			Phone: MobilePhone(l.r), Trade: pickOne(l.r, rnTrades)})
	}
	l.at = l.day(rp.ago)
	x, err := l.svc.Create(ctx, agent, in)
	if err != nil {
		return err
	}
	if rp.stop == rnSubmitted {
		return nil
	}
	l.at = l.day(rp.ago - 1)
	if _, err := l.svc.Review(ctx, engineer, x.ID, "图纸已审，水电改造完成后须报工程部隐蔽验收，卫生间闭水试验 48 小时"); err != nil {
		return err
	}
	switch rp.stop {
	case rnReviewed:
		return nil
	case rnRejected:
		l.at = l.day(rp.ago - 2)
		_, err := l.svc.Reject(ctx, manager, x.ID, "拟拆除的墙体为承重墙，不予批准；请修改方案后重新申请")
		return err
	}
	l.at = l.day(rp.ago - 2)
	if x, err = l.svc.Approve(ctx, manager, x.ID, "卫生间须做闭水试验；装修垃圾按规定时间清运"); err != nil {
		return err
	}
	if rp.stop == rnApproved {
		return nil
	}
	var bills []int64
	for _, id := range []*int64{x.DepositBillID, x.WasteBillID} {
		if id != nil {
			bills = append(bills, *id)
		}
	}
	if len(bills) > 0 {
		l.at = l.at.Add(20 * time.Minute)
		if _, err := l.svc.Billing.Pay(ctx, cashier, billing.PaymentInput{HouseID: h.id, BillIDs: bills,
			AmountFen: x.DepositFen + x.WasteFeeFen, Method: pickOne(l.r, []string{billing.MethodPOS, billing.MethodWeChat, billing.MethodBank}),
			Note: "装修押金及垃圾清运费，押金验收合格后退还"}); err != nil {
			return err
		}
	}
	l.at = l.day(startAgo)
	if _, err := l.svc.Start(ctx, agent, x.ID); err != nil {
		return err
	}
	// Inspections every couple of weeks while the works run, up to the
	// acceptance two days before their end.
	for ago := startAgo - 7; ago > max(startAgo-rp.dur+2, 0); ago -= 14 {
		l.at = l.day(ago)
		in := renovation.InspectionInput{Note: "现场巡查：施工人员佩戴出入证，灭火器配置到位"}
		switch {
		case rp.overdue && ago <= 20:
			in.Note = "现场巡查"
			in.Findings = []renovation.FindingInput{{Type: "垃圾乱放", Note: "楼道堆放装修垃圾及砂浆袋",
				RectifyBy: date(ago - 3)}}
			rp.overdue = false
		case l.r.IntN(3) == 0:
			in.Findings = []renovation.FindingInput{{Type: "噪音扰民", Note: "午休时段使用电钻，已当面制止", RectifyBy: date(ago - 1)}}
		}
		ins, err := l.svc.Inspect(ctx, agent, x.ID, in)
		if err != nil {
			return err
		}
		if len(ins.Findings) > 0 && in.Findings[0].Type == "噪音扰民" && ago > 2 {
			l.at = l.day(ago - 1)
			if _, err := l.svc.Rectify(ctx, agent, x.ID, ins.Findings[0].ID, "复查：已按规定时间施工"); err != nil {
				return err
			}
		}
	}
	if rp.stop == rnStarted {
		return nil
	}
	l.at = l.day(startAgo - rp.dur + 2)
	if _, err := l.svc.Complete(ctx, manager, x.ID, renovation.CompleteInput{Note: "防水闭水试验合格，公共部位无损坏"}); err != nil {
		return err
	}
	if rp.stop == rnCompleted {
		return nil
	}
	l.at = l.day(startAgo - rp.dur)
	var deductions []billing.DepositDeduction
	if rp.deduct > 0 {
		deductions = []billing.DepositDeduction{{AmountFen: rp.deduct, Reason: "施工期间损坏电梯轿厢围板，照价扣除"}}
	}
	_, err = l.svc.Refund(ctx, manager, x.ID, renovation.RefundInput{Deductions: deductions, Method: billing.MethodBank})
	return err
}
