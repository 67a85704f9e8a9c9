package demo

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"wuye/internal/billing"
	"wuye/internal/movein"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/web"
)

// loadMoveIn loads a move-in campaign running in the second community:
// two batches (the second's newspaper notice too late, so its warning
// shows), twelve houses, two at each stage from notified to keys handed
// over, with 验房 defects as repair tickets; and a takeover inspection
// of a building's common parts and of a house, with findings open,
// fixed, overdue and passed. Every record goes through the move-in and
// billing services, joining the demo's transaction (ctx carries it).
func loadMoveIn(ctx context.Context, tx *sql.Tx, d *db.DB, p *plan, now time.Time) error {
	if len(p.communities) < 2 {
		return nil
	}
	c := p.communities[len(p.communities)-1]
	var houses []*housePlan
	for i := len(c.houses) - 1; i >= 0 && len(houses) < 12; i-- {
		if h := c.houses[i]; h.use() == "住宅" && h.id != 0 {
			houses = append(houses, h)
		}
	}
	if len(houses) < 12 || len(c.buildings) == 0 {
		return nil
	}
	staffUsers, err := demoStaff(ctx, tx)
	if err != nil {
		return err
	}
	who := func(logins ...string) *auth.User {
		for _, l := range logins {
			if u := staffUsers[l]; u != nil && u.Sees(c.id) {
				return u
			}
		}
		return actor
	}
	director, agent, engineer, cashier := who("director"), who("agent2", "agent", "manager"), who("engineer"), who("cashier")
	// The services' clock walks through the campaign, so every step is
	// stamped on its day.
	at := now.UTC()
	clock := func() time.Time { return at }
	on := func(n int) string { return now.In(shanghai).AddDate(0, 0, n).Format(day) }
	set := func(n, minute int) {
		y, m, dd := now.In(shanghai).AddDate(0, 0, n).Date()
		at = time.Date(y, m, dd, 9, minute, 0, 0, shanghai).UTC()
		if at.After(now) {
			at = now.UTC()
		}
	}
	svc := movein.NewService(d)
	svc.Now, svc.Tickets.Now = clock, clock

	if err := loadTakeover(ctx, svc, c, houses[len(houses)-1], engineer, on, set); err != nil {
		return fmt.Errorf("takeover: %w", err)
	}

	bill := billing.NewService(d)
	bill.Now = clock
	set(-30, 0)
	item, err := bill.CreateFeeItem(ctx, actor, billing.FeeItemInput{CommunityID: c.id, Name: "入伙预收物业费（3个月）",
		Kind: billing.KindOneOff, UnitPrice: "1260", EffectiveFrom: now.In(shanghai).AddDate(0, -2, 0).Format("2006-01"),
		Notes: "入伙时预收三个月物业费"})
	if err != nil {
		return fmt.Errorf("fee item: %w", err)
	}
	camp, err := svc.CreateCampaign(ctx, director, movein.CampaignInput{CommunityID: c.id, Name: c.in.Name + " 集中入伙",
		StartsOn: on(-10), EndsOn: on(25), FeeItemIDs: []int64{item.ID},
		WorkPlan: "一、入伙地点：物业服务中心一楼大堂\n二、入伙流程：验证身份 → 签署资料 → 缴纳费用 → 陪同验房 → 交钥匙\n" +
			"三、开发公司营销部负责寄送入伙通知书、收楼手续流程表，入伙前一周登报公示\n四、设备部每时段安排两人陪同验房",
		Posts: []movein.Post{{Post: "总负责（中心主任）", Staff: director.Name}, {Post: "入伙手续办理（客服经理）", Staff: who("manager").Name},
			{Post: "资料录入（客服助理）", Staff: agent.Name}, {Post: "费用收取（内勤）", Staff: cashier.Name},
			{Post: "陪同验房（设备部）", Staff: engineer.Name}}})
	if err != nil {
		return fmt.Errorf("campaign: %w", err)
	}
	type batchPlan struct {
		name, first, paper string
		houses             []*housePlan
	}
	batches := []batchPlan{{"第一批", on(-10), on(-18), houses[:8]}, {"第二批", on(5), on(0), houses[8:]}}
	slots := map[*housePlan]int64{}
	for _, bp := range batches {
		var in []movein.SlotInput
		for k := range 3 {
			in = append(in, movein.SlotInput{Day: addDay(bp.first, k), From: "09:00", To: "11:30", Capacity: 6},
				movein.SlotInput{Day: addDay(bp.first, k), From: "14:00", To: "17:00", Capacity: 6})
		}
		b, err := svc.CreateBatch(ctx, director, movein.BatchInput{CampaignID: camp.ID, Name: bp.name, StartsOn: bp.first,
			Newspaper: "深圳特区报", NewspaperOn: bp.paper, Slots: in})
		if err != nil {
			return fmt.Errorf("batch %s: %w", bp.name, err)
		}
		var codes string
		for i, h := range bp.houses {
			codes += h.code + " "
			slots[h] = b.Slots[i%len(b.Slots)].ID
		}
		if _, _, err := svc.AssignHouses(ctx, director, b.ID, movein.AssignInput{HouseCodes: codes}); err != nil {
			return fmt.Errorf("assign %s: %w", bp.name, err)
		}
	}

	// Two houses at each stage: the later a house, the further it got.
	docs := []string{"业主手册", "安全责任书", "临时管理规约", "前期物业服务协议"}
	defects := [][2]string{{"主卫", "地漏排水慢"}, {"客厅", "墙面有裂缝"}, {"厨房", "橱柜门歪斜"}, {"阳台", "推拉门关不严"}}
	for i, h := range houses {
		stage := 5 - i/2 // houses[0:2] handed over … houses[10:12] only notified
		owner := ownerOf(c, h)
		steps := []func() error{
			func() error {
				set(-20+i%3, i)
				_, err := svc.RecordNotice(ctx, agent, h.id, movein.NoticeInput{Method: "挂号信",
					MailNumber: fmt.Sprintf("XA%s%04d", on(-20)[2:4], 1201+i), SentOn: on(-20 + i%3)})
				return err
			},
			func() error {
				set(-15+i%3, i)
				_, err := svc.Appoint(ctx, agent, h.id, movein.AppointInput{SlotID: slots[h]})
				return err
			},
			func() error {
				set(-8+i/2, i)
				for _, doc := range docs {
					if _, err := svc.Sign(ctx, agent, h.id, movein.SignInput{Document: web.Text(doc), SignedBy: owner,
						SignedOn: on(-8 + i/2)}); err != nil {
						return err
					}
				}
				return nil
			},
			func() error {
				set(-7+i/2, i)
				b, err := bill.Charge(ctx, actor, billing.ChargeInput{HouseID: h.id, FeeItemID: item.ID})
				if err != nil {
					return err
				}
				_, err = bill.Pay(ctx, cashier, billing.PaymentInput{HouseID: h.id, BillIDs: []int64{b.ID}, AmountFen: b.AmountFen,
					Method: billing.MethodWeChat})
				return err
			},
			func() error {
				set(-6+i/2, i)
				df := defects[i%len(defects)]
				if _, err := svc.AddDefect(ctx, agent, h.id, movein.DefectInput{Room: df[0], Description: df[1]}); err != nil {
					return err
				}
				_, err := svc.Accept(ctx, agent, h.id, movein.AcceptInput{AcceptedBy: owner, AcceptedOn: on(-6 + i/2)})
				return err
			},
			func() error {
				set(-5+i, i)
				occupied := i%2 == 0
				_, err := svc.Handover(ctx, agent, h.id, movein.HandoverInput{Keys: movein.DefaultKeys, SignedBy: owner,
					SignedOn: on(-5 + i), Occupied: &occupied})
				return err
			},
		}
		for k := 0; k <= stage; k++ {
			if err := steps[k](); err != nil {
				return fmt.Errorf("move-in %s step %d: %w", h.code, k+1, err)
			}
		}
	}
	at = now.UTC()
	return nil
}

// loadTakeover records a takeover inspection of the first building's
// common parts and of one house: findings open (one overdue), fixed and
// waiting for re-inspection, failed once and passed.
func loadTakeover(ctx context.Context, svc *movein.Service, c *commPlan, house *housePlan, by *auth.User,
	on func(int) string, set func(day, minute int)) error {
	b := c.buildings[0]
	set(-40, 0)
	insp, err := svc.CreateInspection(ctx, by, movein.InspectionInput{BuildingID: b.id, InspectedOn: on(-40),
		Inspectors: by.Name + "、开发公司工程部", Developer: c.developer, Contractor: "中建三局第一建设工程有限责任公司"})
	if err != nil {
		return err
	}
	var results []movein.CheckInput
	for i, ch := range insp.Checks {
		r := movein.CheckOK
		if i == 1 || i == 5 {
			r = movein.CheckFail
		}
		results = append(results, movein.CheckInput{ID: ch.ID, Result: r})
	}
	if _, err := svc.SetChecks(ctx, by, insp.ID, results); err != nil {
		return err
	}
	type finding struct {
		item, desc, party, deadline string
		steps                       []string // fix, fail, pass
		days                        []int    // of the steps, from today
	}
	yes, no := true, false
	for _, f := range []finding{
		{insp.Checks[1].Name, "2号电梯未取得年检合格证", movein.PartyDeveloper, on(-20), []string{"fix", "fail", "fix", "pass"}, []int{-30, -28, -22, -21}},
		{insp.Checks[5].Name, "屋面东北角渗水，顶层走道墙面有水渍", movein.PartyContractor, on(-3), nil, nil},
		{"消防", "地下室两处消防栓箱缺水带", movein.PartyContractor, on(10), []string{"fix"}, []int{-2}},
	} {
		set(-40, 1)
		out, err := svc.AddFinding(ctx, by, movein.FindingInput{InspectionID: insp.ID, Item: f.item, Description: f.desc,
			Party: f.party, Deadline: f.deadline})
		if err != nil {
			return err
		}
		for k, st := range f.steps {
			set(f.days[k], k)
			switch st {
			case "fix":
				_, err = svc.Fix(ctx, by, out.ID, movein.FixInput{Note: "已按要求整改"})
			case "fail":
				_, err = svc.Reinspect(ctx, by, out.ID, movein.ReinspectInput{Passed: &no, Note: "合格证仍未张贴"})
			case "pass":
				_, err = svc.Reinspect(ctx, by, out.ID, movein.ReinspectInput{Passed: &yes, Note: "复验合格"})
			}
			if err != nil {
				return err
			}
		}
	}
	set(-35, 0)
	hi, err := svc.CreateInspection(ctx, by, movein.InspectionInput{HouseID: house.id, InspectedOn: on(-35),
		Inspectors: by.Name, Developer: c.developer})
	if err != nil {
		return err
	}
	_, err = svc.AddFinding(ctx, by, movein.FindingInput{InspectionID: hi.ID, Item: "门窗", Description: "次卧窗户密封条脱落",
		Party: movein.PartyDeveloper, Deadline: on(-15)})
	return err
}

// ownerOf is the name of a house's current owner in the plan: the first
// of its latest registration.
func ownerOf(c *commPlan, h *housePlan) string {
	name, date := "业主", ""
	for _, hh := range c.households {
		for _, reg := range hh.regs {
			if reg.house == h && len(reg.owners) > 0 && reg.date >= date {
				name, date = reg.owners[0].in.Name, reg.date
			}
		}
	}
	return name
}

func addDay(d string, n int) string {
	t, _ := time.Parse(day, d)
	return t.AddDate(0, 0, n).Format(day)
}
