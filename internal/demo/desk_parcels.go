package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// The demo's 快递邮件 and 来访登记: the last two weeks at each
// community's desk, played through frontdesk.Service with its clock at
// each step's time. Couriers bring parcels, letters and registered mail
// during the day; owners collect most within a day or two with their
// code, a few with their ID card, and some leave theirs for days, who
// get reminded (one parcel went back to the courier); owners hand in
// mail to send. Visitors come, are registered and leave; today some are
// still on site, and owners have announced a few for tomorrow.

// dkLoader plays the planned steps in time order.
type dkLoader struct {
	svc    *frontdesk.Service
	r      *rand.Rand
	now    time.Time // the real now (UTC): nothing happens after it
	at     time.Time // the service's clock
	staff  map[string]*auth.User
	events []blEvent
}

const deskDays = 14

// loadDeskParcels loads the demo's parcels and mail, and its visitors.
func loadDeskParcels(ctx context.Context, tx *sql.Tx, d *db.DB, p *plan, now time.Time) error {
	staffUsers, err := demoStaff(ctx, tx)
	if err != nil {
		return err
	}
	houses, _ := p.counts()
	l := &dkLoader{svc: frontdesk.NewService(d), r: rand.New(rand.NewPCG(seed+5, uint64(houses))),
		now: now.UTC().Truncate(time.Second), staff: staffUsers}
	l.svc.Now = func() time.Time { return l.at }
	for i, c := range p.communities {
		tc := newTkComm(c, i == 0)
		if len(tc.houses) == 0 {
			continue
		}
		l.planParcels(c, tc)
		l.planVisitors(c, tc)
	}
	slices.SortStableFunc(l.events, func(a, b blEvent) int { return a.at.Compare(b.at) })
	for _, e := range l.events {
		if e.at.After(l.now) {
			continue
		}
		l.at = e.at
		if err := e.do(ctx); err != nil {
			return fmt.Errorf("%s %s: %w", e.what, e.at.In(shanghai).Format("2006-01-02 15:04"), err)
		}
	}
	return nil
}

func (l *dkLoader) add(what string, at time.Time, do func(ctx context.Context) error) {
	l.events = append(l.events, blEvent{what: what, at: at, do: do})
}

// desk is who works the desk of community: the agents, else the manager,
// else the demo's loading account.
func (l *dkLoader) desk(community int64) *auth.User {
	for _, lg := range []string{"agent", "agent2", "manager", "cashier"} {
		if u := l.staff[lg]; u != nil && u.Sees(community) {
			return u
		}
	}
	return actor
}

// moment is a random time between the hours on day (0 = today, -1 =
// yesterday …), Asia/Shanghai.
func (l *dkLoader) moment(day int, fromHour, toHour int) time.Time {
	n := l.now.In(shanghai)
	d := time.Date(n.Year(), n.Month(), n.Day()+day, fromHour, 0, 0, 0, shanghai)
	return d.Add(time.Duration(l.r.IntN((toHour-fromHour)*3600)) * time.Second).UTC()
}

// dkCarriers are the couriers in their share of the parcels, with how
// their tracking numbers look.
var dkCarriers = []struct {
	name, prefix string
	digits, w    int
}{{"中通", "7", 13, 22}, {"圆通", "YT", 13, 18}, {"韵达", "4", 14, 14}, {"顺丰", "SF", 13, 12}, {"京东", "JDX", 12, 12},
	{"申通", "77", 13, 8}, {"极兔", "JT", 13, 8}, {"邮政EMS", "E", 11, 6}}

func (l *dkLoader) carrier() (string, string) {
	n := l.r.IntN(100)
	for _, c := range dkCarriers {
		if n < c.w {
			return c.name, c.prefix + digitsN(l.r, c.digits)
		}
		n -= c.w
	}
	return "中通", "7" + digitsN(l.r, 13)
}

func digitsN(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

var dkPickupReasons = []string{"取件码短信误删", "手机没电", "代家人领取，无取件码", "取件码记不清"}

// planParcels plans two weeks of a community's parcels and mail.
func (l *dkLoader) planParcels(c *commPlan, tc *tkComm) {
	r := l.r
	for day := -deskDays + 1; day <= 0; day++ {
		for range 3 + r.IntN(5) {
			h := tc.pickHouse(r, true)
			person := tc.people[h]
			in := frontdesk.ParcelInput{CommunityID: c.id, HouseID: h.id, Kind: frontdesk.KindParcel,
				Shelf: fmt.Sprintf("%c-%02d", 'A'+rune(r.IntN(4)), 1+r.IntN(12))}
			in.Carrier, in.TrackingNumber = l.carrier()
			switch n := r.IntN(100); {
			case n < 8:
				in.Kind, in.Carrier, in.TrackingNumber, in.Shelf = frontdesk.KindMail, "中国邮政", "", "信报箱"
			case n < 12:
				in.Kind, in.Carrier, in.TrackingNumber = frontdesk.KindRegistered, "中国邮政", "XA"+digitsN(r, 9)+"CN"
			}
			if r.IntN(10) < 7 {
				in.RecipientName, in.RecipientPhone = person[0], person[1]
			}
			arrived := l.moment(day, 9, 19)
			age := l.now.Sub(arrived)
			// Collected after a few hours or days; some not yet.
			wait := time.Duration(1+r.IntN(30)) * time.Hour
			switch n := r.IntN(100); {
			case n < 10:
				wait = time.Duration(3+r.IntN(6)) * 24 * time.Hour
			case n < 14:
				wait = 30 * 24 * time.Hour // never
			}
			byID := r.IntN(100) < 4
			who := person[0]
			var code string
			var id int64
			desk := l.desk(c.id)
			l.add("快递到件", arrived, func(ctx context.Context) error {
				p, err := l.svc.RegisterParcel(ctx, desk, in)
				if err != nil {
					return err
				}
				id, code = p.ID, p.PickupCode
				return nil
			})
			// The oldest never-collected parcel went back to the courier.
			returned := day == -deskDays+1 && wait > age
			if returned {
				wait = 10 * 24 * time.Hour
				l.add("退回", arrived.Add(wait), func(ctx context.Context) error {
					_, err := l.svc.ReturnParcel(ctx, desk, id, "超期无人领取，退回快递员")
					return err
				})
			} else if wait < age {
				l.add("取件", arrived.Add(wait), func(ctx context.Context) error {
					pin := frontdesk.PickupInput{Code: code, PickedUpBy: who}
					if byID {
						pin = frontdesk.PickupInput{ByID: true, IDType: "身份证", IDNumber: IDNumber(r, 1960, 2000, r.IntN(2) == 0),
							Reason: pickOne(r, dkPickupReasons), PickedUpBy: who}
					}
					_, err := l.svc.PickupParcel(ctx, desk, id, pin)
					return err
				})
			}
			// Waiting more than three days: the desk phones, every few days.
			for rem := 3 * 24 * time.Hour; rem < min(wait, age); rem += 3 * 24 * time.Hour {
				at := rem + time.Duration(r.IntN(3600))*time.Second
				if at >= min(wait, age) {
					break
				}
				l.add("提醒取件", arrived.Add(at), func(ctx context.Context) error {
					_, err := l.svc.RemindParcel(ctx, desk, id)
					return err
				})
			}
		}
		if day%2 == 0 {
			h := tc.pickHouse(r, true)
			person := tc.people[h]
			in := frontdesk.ParcelInput{CommunityID: c.id, HouseID: h.id, Direction: frontdesk.DirectionOut,
				Kind: frontdesk.KindParcel, SenderName: person[0], SenderPhone: person[1], RecipientName: PersonName(r),
				RecipientPhone: MobilePhone(r), Address: pickOne(r, dkAddresses)}
			handed := l.moment(day, 9, 17)
			var id int64
			desk := l.desk(c.id)
			l.add("寄件登记", handed, func(ctx context.Context) error {
				p, err := l.svc.RegisterParcel(ctx, desk, in)
				if err == nil {
					id = p.ID
				}
				return err
			})
			carrier, tracking := l.carrier()
			l.add("寄出", l.moment(day+1, 15, 17), func(ctx context.Context) error {
				_, err := l.svc.SendParcel(ctx, desk, id, frontdesk.SendInput{Carrier: carrier, TrackingNumber: tracking})
				return err
			})
		}
	}
}

var dkAddresses = []string{"北京市朝阳区建国路88号", "上海市浦东新区世纪大道100号", "广州市天河区体育西路191号",
	"成都市锦江区红星路三段1号", "武汉市江汉区解放大道690号", "杭州市西湖区文三路478号"}

var dkPurposes = []struct {
	purpose string
	w       int
}{{"探亲访友", 40}, {"送货", 15}, {"装修施工", 12}, {"维修", 10}, {"家政保洁", 10}, {"中介看房", 8}, {"办事", 5}}

func dkPurpose(r *rand.Rand) string {
	n := r.IntN(100)
	for _, p := range dkPurposes {
		if n < p.w {
			return p.purpose
		}
		n -= p.w
	}
	return dkPurposes[0].purpose
}

// planVisitors plans two weeks of a community's visitors and tomorrow's
// announced ones.
func (l *dkLoader) planVisitors(c *commPlan, tc *tkComm) {
	r := l.r
	for day := -deskDays + 1; day <= 1; day++ {
		for i := range 2 + r.IntN(5) {
			h := tc.pickHouse(r, false)
			in := frontdesk.VisitorInput{CommunityID: c.id, HouseID: h.id, HostName: tc.people[h][0], Name: PersonName(r),
				Phone: MobilePhone(r), Purpose: dkPurpose(r), People: 1 + r.IntN(3)*r.IntN(2)}
			if r.IntN(10) < 6 {
				in.IDType, in.IDNumber = "身份证", IDNumber(r, 1955, 2004, r.IntN(2) == 0)
			}
			if r.IntN(10) < 3 {
				in.Plate = Plate(r)
			}
			arrive := l.moment(day, 8, 20)
			stay := time.Duration(15+r.IntN(180)) * time.Minute
			desk := l.desk(c.id)
			announced := day == 1 || (i == 0 && r.IntN(2) == 0)
			var id int64
			if announced {
				// The owner announces the visitor the day before.
				in.Source = frontdesk.SourcePortal
				at := arrive.Truncate(30 * time.Minute)
				in.ExpectedAt = at.Format(time.RFC3339)
				l.add("访客预约", at.Add(-time.Duration(6+r.IntN(18))*time.Hour), func(ctx context.Context) error {
					v, err := l.svc.RegisterVisitor(ctx, desk, in)
					if err == nil {
						id = v.ID
					}
					return err
				})
				if day < 1 && r.IntN(10) == 0 {
					l.add("取消预约", at.Add(-time.Hour), func(ctx context.Context) error {
						_, err := l.svc.StepVisitor(ctx, desk, id, frontdesk.VisitorCancel)
						return err
					})
					continue
				}
				l.add("预约到访", arrive, func(ctx context.Context) error {
					_, err := l.svc.StepVisitor(ctx, desk, id, frontdesk.VisitorCheckIn)
					return err
				})
			} else {
				l.add("访客登记", arrive, func(ctx context.Context) error {
					v, err := l.svc.RegisterVisitor(ctx, desk, in)
					if err == nil {
						id = v.ID
					}
					return err
				})
			}
			l.add("访客离开", arrive.Add(stay), func(ctx context.Context) error {
				_, err := l.svc.StepVisitor(ctx, desk, id, frontdesk.VisitorCheckOut)
				return err
			})
		}
	}
}
