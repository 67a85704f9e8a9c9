package demo

import (
	"context"
	"fmt"
	"time"

	"wuye/internal/billing"
)

// blSpend is a monthly expenditure: a share (‰) of the month's fees
// (water and 公摊 electricity aside, which are passed on at cost).
type blSpend struct {
	day           int
	category, say string
	permille      int64
}

var blSpends = []blSpend{
	{5, "秩序维护", "秩序维护外包服务费（保安）", 140},
	{6, "清洁卫生", "保洁外包服务费", 90},
	{8, "绿化养护", "绿化养护外包服务费", 40},
	{10, "人员费用", "上月员工工资及社会保险", 400},
	{15, "公共设施设备维护", "电梯维保及消防设施维保费", 50},
	{15, "税费", "增值税及附加", 55},
	{25, "办公及管理费用", "办公用品、通讯费及系统服务费", 25},
}

// blRepairs are the month's odd repairs (元).
var blRepairs = []struct {
	say    string
	lo, hi int
}{
	{"消防水泵维修更换机械密封", 3000, 9000}, {"单元门禁系统更换", 12000, 36000}, {"园区路灯线路维修", 2000, 8000},
	{"外墙渗漏维修", 15000, 45000}, {"地下车库排水沟清淤及盖板更换", 5000, 15000}, {"电梯钢丝绳更换", 18000, 40000},
	{"儿童游乐设施维修", 3000, 8000}, {"监控摄像头更换", 4000, 12000},
}

// planSpending queues month i's expenditures of the community, entered
// by the director on the day they are paid; their amounts follow the
// month's run, so they are reckoned when entered.
func (l *blLoader) planSpending(bc *blComm, i int) {
	r := l.r
	m := l.month(i).Month()
	type entry struct {
		day           int
		category, say string
		fen           func() int64
	}
	fees := func() int64 { return bc.billed[i] - bc.utility[i] }
	var es []entry
	for _, s := range blSpends {
		s, noise := s, int64(between(r, 950, 1050))
		es = append(es, entry{s.day, s.category, fmt.Sprintf("%d月%s", m, s.say),
			func() int64 { return fees() * s.permille / 1000 * noise / 1000 }})
	}
	noise := int64(between(r, 1010, 1060))
	es = append(es, entry{20, "公共水电", fmt.Sprintf("%d月代缴水务公司水费及供电局公共电费", m),
		func() int64 { return bc.utility[i] * noise / 1000 }})
	if r.IntN(2) == 0 {
		rp := blRepairs[r.IntN(len(blRepairs))]
		fen := int64(between(r, rp.lo, rp.hi)) * 100
		es = append(es, entry{between(r, 8, 24), "公共设施设备维护", rp.say, func() int64 { return fen }})
	}
	if i == 0 {
		fen := int64(len(bc.houses)) * int64(between(r, 12, 16)) * 100
		es = append(es, entry{12, "保险", "公众责任险及电梯安全责任险年度保费", func() int64 { return fen }})
	}
	switch m {
	case time.January, time.February:
		fen := int64(between(r, 6000, 15000)) * 100
		es = append(es, entry{between(r, 10, 20), "其他", "春节园区装饰布置", func() int64 { return fen }})
	case time.September:
		fen := int64(between(r, 8000, 20000)) * 100
		es = append(es, entry{between(r, 10, 20), "其他", "中秋社区文化活动", func() int64 { return fen }})
	}
	for _, e := range es {
		at := l.officeDay(i, e.day)
		l.add("支出", at, func(ctx context.Context) error {
			fen := e.fen()
			if fen <= 0 {
				return nil
			}
			_, err := l.svc.SaveExpenditure(ctx, bc.director, 0, billing.ExpenditureInput{CommunityID: bc.plan.id,
				SpentOn: l.at.In(shanghai).Format("2006-01-02"), Category: e.category, Description: e.say, AmountFen: fen})
			if err != nil {
				return fmt.Errorf("支出 %s: %w", e.say, err)
			}
			return nil
		})
	}
}
