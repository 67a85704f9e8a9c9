package demo

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// loadDeskKeys fills each community's key cabinet (unit doors, common
// areas, equipment rooms, mailboxes and vacant flats' keys kept for their
// owners), lends some of them — returned, still out, one overdue, one
// lost — and loads the items held at the desk (物品寄存), some already
// collected. Every record goes through frontdesk.Service as the agent
// on duty, with the service's clock at the moment it happened.
func loadDeskKeys(ctx context.Context, tx *sql.Tx, d *db.DB, p *plan, now time.Time) error {
	staffUsers, err := demoStaff(ctx, tx)
	if err != nil {
		return err
	}
	svc := frontdesk.NewService(d)
	l := &deskKeyLoader{svc: svc, ctx: ctx, staff: staffUsers}
	svc.Now = func() time.Time { return l.at }
	local := now.In(shanghai)
	day := func(daysAgo, hour, minute int) time.Time {
		return time.Date(local.Year(), local.Month(), local.Day()-daysAgo, hour, minute, 0, 0, shanghai)
	}
	for ci, c := range p.communities {
		if err := l.community(c, ci, day, now); err != nil {
			return fmt.Errorf("%s: %w", c.in.Name, err)
		}
	}
	return nil
}

type deskKeyLoader struct {
	svc   *frontdesk.Service
	ctx   context.Context
	staff map[string]*auth.User
	at    time.Time
	by    *auth.User
}

// clerk is the demo account on duty at the desk of community id.
func (l *deskKeyLoader) clerk(id int64) *auth.User {
	for _, login := range []string{"agent", "agent2", "manager", "director"} {
		if u := l.staff[login]; u != nil && u.Sees(id) {
			return u
		}
	}
	return actor
}

func (l *deskKeyLoader) community(c *commPlan, ci int, day func(int, int, int) time.Time, now time.Time) error {
	l.by = l.clerk(c.id)
	l.at = day(40, 9, 0)
	keys := map[string]*frontdesk.Key{}
	add := func(label, class, location string, houseID int64, copies int, notes string) error {
		k, err := l.svc.CreateKey(l.ctx, l.by, frontdesk.KeyInput{CommunityID: c.id, Label: label, Class: class,
			Location: location, HouseID: houseID, Copies: copies, CabinetPosition: fmt.Sprintf("%c柜-%02d", 'A'+len(keys)/20, len(keys)%20+1),
			Notes: notes})
		if err != nil {
			return fmt.Errorf("key %s: %w", label, err)
		}
		keys[label] = k
		return nil
	}
	for bi, b := range c.buildings {
		if bi >= 3 {
			break
		}
		for _, u := range b.units {
			if err := add(fmt.Sprintf("DY-%s-%s", b.name, u.name), frontdesk.KeyUnitDoor, fmt.Sprintf("%s栋%s单元门", b.name, u.name), 0, 2, ""); err != nil {
				return err
			}
		}
		if bi < 2 {
			if err := add("TT-"+b.name, frontdesk.KeyCommonArea, b.name+"栋天台门", 0, 1, "天台门常闭，借用须登记"); err != nil {
				return err
			}
			if err := add("DT-"+b.name, frontdesk.KeyEquipmentRoom, b.name+"栋电梯机房", 0, 1, ""); err != nil {
				return err
			}
			if err := add("XB-"+b.name, frontdesk.KeyMailbox, b.name+"栋信报箱总钥匙", 0, 1, ""); err != nil {
				return err
			}
		}
	}
	for _, k := range []struct{ label, class, location string }{
		{"CK-01", frontdesk.KeyCommonArea, "地下车库消防通道门"}, {"LJ-01", frontdesk.KeyCommonArea, "垃圾房"},
		{"HS-01", frontdesk.KeyCommonArea, "会所活动室"}, {"PD-01", frontdesk.KeyEquipmentRoom, "配电房"},
		{"SB-01", frontdesk.KeyEquipmentRoom, "地下水泵房"}, {"XF-01", frontdesk.KeyEquipmentRoom, "消防控制室"},
	} {
		if err := add(k.label, k.class, k.location, 0, 2, ""); err != nil {
			return err
		}
	}
	var vacant []string
	for _, h := range c.houses {
		if h.status() == "空置" && h.use() == "住宅" && len(vacant) < 4 {
			label := "KF-" + h.code
			if err := add(label, frontdesk.KeyVacantHouse, "", h.id, 2, "业主委托保管，凭业主身份证或授权书借用"); err != nil {
				return err
			}
			vacant = append(vacant, label)
		}
	}

	// Lendings: three returned in the past days, two out now (one of them
	// past its return time) and a key lost by its borrower.
	type lending struct {
		label               string
		kind, name, company string
		purpose             string
		lent, due, back     time.Time // back zero: still out
		lost                string
	}
	lendings := []lending{
		{"SB-01", "contractor", "周师傅", "安泰水泵维保", "二次供水水泵季度保养", day(6, 9, 10), day(6, 17, 0), day(6, 15, 40), ""},
		{"PD-01", "staff", "马国栋", "", "配电房月度巡检", day(4, 14, 0), day(4, 16, 0), day(4, 15, 20), ""},
		{"TT-" + c.buildings[0].name, "contractor", "吴工", "蓝天防水工程", "天台防水层修补", day(3, 8, 30), day(3, 18, 0), day(3, 17, 45), ""},
		{"DT-" + c.buildings[0].name, "contractor", "郑师傅", "迅达电梯维保", "电梯半月保养", day(1, 14, 0), day(1, 17, 0), time.Time{}, ""},
		{"XF-01", "staff", "刘建", "", "消防联动测试", now.Add(-2 * time.Hour), now.Add(4 * time.Hour), time.Time{}, ""},
		{"HS-01", "staff", "陈洁", "", "会所活动布置", day(9, 9, 0), day(9, 18, 0), time.Time{}, "借用人在小区外遗失，已安排补配"},
	}
	if len(vacant) > 0 {
		lendings = append(lendings, lending{vacant[0], "owner", "业主亲属", "", "开窗通风、检查水电", day(2, 10, 0), day(2, 12, 0), day(2, 11, 30), ""})
	}
	for _, x := range lendings {
		k := keys[x.label]
		if k == nil || !x.lent.Before(now) {
			continue
		}
		l.at = x.lent.UTC()
		if _, err := l.svc.Borrow(l.ctx, l.by, k.ID, frontdesk.BorrowInput{BorrowerKind: x.kind, BorrowerName: x.name,
			BorrowerPhone: fmt.Sprintf("13%d%08d", 5+ci, 10000000+len(x.name)*7919+int(k.ID)), BorrowerCompany: x.company,
			Purpose: x.purpose, ExpectedReturn: x.due.Format(time.RFC3339)}); err != nil {
			return fmt.Errorf("lend %s: %w", x.label, err)
		}
		switch {
		case x.lost != "":
			l.at = x.due.Add(time.Hour).UTC()
			if _, err := l.svc.ReportLost(l.ctx, l.by, k.ID, x.lost); err != nil {
				return fmt.Errorf("lose %s: %w", x.label, err)
			}
		case !x.back.IsZero() && x.back.Before(now):
			l.at = x.back.UTC()
			if _, err := l.svc.Return(l.ctx, l.by, k.ID, frontdesk.ReturnInput{Note: "钥匙齐全"}); err != nil {
				return fmt.Errorf("return %s: %w", x.label, err)
			}
		}
	}
	return l.custody(c, day, now)
}

// custody loads items held for houses of c: two collected, two waiting.
func (l *deskKeyLoader) custody(c *commPlan, day func(int, int, int) time.Time, now time.Time) error {
	items := []struct {
		description, depositedBy, pickup string
		quantity                         int
		in, out                          time.Time
		pickedUpBy                       string
	}{
		{"生日蛋糕一盒", "蛋糕店配送员", "", 1, day(5, 11, 20), day(5, 18, 40), "业主本人"},
		{"装修合同及图纸一袋", "业主", "安居装饰 杨经理", 1, day(3, 9, 15), day(3, 14, 5), "安居装饰 杨经理"},
		{"生鲜水果两箱", "快递员", "", 2, day(1, 16, 30), time.Time{}, ""},
		{"备用门禁卡（亲友来访用）", "业主", "业主父亲 王建国", 1, now.Add(-time.Hour), time.Time{}, ""},
	}
	for i, it := range items {
		if i >= len(c.houses) || !it.in.Before(now) {
			continue
		}
		h := c.houses[(i*7)%len(c.houses)]
		l.at = it.in.UTC()
		item, err := l.svc.Receive(l.ctx, l.by, frontdesk.CustodyInput{CommunityID: c.id, HouseID: h.id,
			Description: it.description, Quantity: it.quantity, DepositedBy: it.depositedBy, PickupName: it.pickup}, "", nil)
		if err != nil {
			return fmt.Errorf("custody %s: %w", it.description, err)
		}
		if it.out.IsZero() || !it.out.Before(now) {
			continue
		}
		l.at = it.out.UTC()
		if _, err := l.svc.Release(l.ctx, l.by, item.ID, frontdesk.ReleaseInput{PickedUpBy: it.pickedUpBy}); err != nil {
			return fmt.Errorf("release %s: %w", it.description, err)
		}
	}
	return nil
}
