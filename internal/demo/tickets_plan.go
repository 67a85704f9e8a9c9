package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"wuye/internal/ticket"
)

// The demo's 工单 of the last tkDays days are planned here — what, where,
// who, when received and how each one ends — and then driven through the
// ticket service step by step (tickets.go), with the service's clock set
// to each step's time.

// tkDays is how far back the demo's tickets go.
const tkDays = 75

// tkPerHouse is the number of houses per ticket over those days: about
// 600 tickets for the default 2400 houses.
const tkPerHouse = 4

// Stages an open ticket may be left in.
const (
	stFull       = iota // run to its natural end
	stNew               // registered only
	stDispatched        // dispatched, not started
	stInProgress        // being worked on
	stResolved          // resolved, awaiting its 回访
)

// tkPlan is one planned ticket.
type tkPlan struct {
	comm      *tkComm
	item      *tkItem
	kind      string
	urgent    bool
	channel   string
	house     *housePlan // for a matter in a house
	reqName   string     // set for a tenant, or an owner reporting a common matter
	reqPhone  string
	location  string
	title     string
	desc      string
	received  time.Time // Asia/Shanghai
	entered   time.Time // typed in: received, or next morning for a night call
	receiver  string    // staff login
	stop      int       // stFull or the stage it is left in
	late      bool      // resolved (or first responded) after its deadline
	lateReply bool      // late in responding rather than resolving
	cancel    bool
	major     bool
	valid     *bool
	direct    bool     // an inquiry answered on the spot
	engineer  bool     // assigned to the demo engineer
	callbacks []string // results of successive 回访
	reopen    bool     // closed, then reopened by a repeat call
}

// tkComm is a community's ticket sources: occupied houses with who lives
// there, and its car park.
type tkComm struct {
	plan    *commPlan
	first   bool
	houses  []*housePlan
	cum     []int
	people  map[*housePlan][2]string // current owner, or the tenant: name, phone
	tenants map[*housePlan]bool
	garage  *buildingPlan
}

var houseWeight = map[string]int{"自住": 10, "出租": 8, "装修中": 7, "已入住": 9, "空置": 1}

func newTkComm(c *commPlan, first bool) *tkComm {
	tc := &tkComm{plan: c, first: first, people: map[*housePlan][2]string{}, tenants: map[*housePlan]bool{}}
	for _, hh := range c.households {
		for _, reg := range hh.regs {
			o := reg.owners[0].in
			tc.people[reg.house] = [2]string{o.Name, o.Phone}
		}
		for _, rp := range hh.residents {
			if rp.in.Kind == "租户" && !tc.tenants[rp.house] && rp.in.Phone != "" {
				tc.people[rp.house] = [2]string{rp.in.Name, rp.in.Phone}
				tc.tenants[rp.house] = true
			}
		}
	}
	total := 0
	for _, h := range c.houses {
		if h.use() == "车位" && tc.garage == nil {
			tc.garage = h.unit.b
		}
		if h.use() != "住宅" && h.use() != "商铺" {
			continue
		}
		if _, ok := tc.people[h]; !ok {
			continue
		}
		w := houseWeight[h.status()]
		if h.use() == "商铺" {
			w = 4
		}
		total += w
		tc.houses = append(tc.houses, h)
		tc.cum = append(tc.cum, total)
	}
	return tc
}

func (tc *tkComm) pickHouse(r *rand.Rand, flatsOnly bool) *housePlan {
	if len(tc.houses) == 0 {
		return nil
	}
	for range 20 {
		n := r.IntN(tc.cum[len(tc.cum)-1])
		i, _ := slices.BinarySearch(tc.cum, n+1)
		if h := tc.houses[i]; !flatsOnly || h.use() == "住宅" {
			return h
		}
	}
	return tc.houses[0]
}

// entrance names a building entrance: "5栋2单元", or "A座".
func entrance(u *unitPlan) string {
	if strings.HasSuffix(u.b.name, "座") {
		return u.b.name
	}
	return u.b.name + "栋" + u.name + "单元"
}

var estateSpots = []string{"小区南门", "小区北门", "中心花园", "儿童游乐区", "2号非机动车棚", "会所", "东侧消防通道", "垃圾分类投放点", "主干道"}

// Hours of the day, weighted by how many calls they bring.
var callHours = newPicker([]weighted{{"0", 1}, {"1", 1}, {"2", 1}, {"3", 1}, {"4", 1}, {"5", 1}, {"6", 2}, {"7", 4},
	{"8", 10}, {"9", 12}, {"10", 11}, {"11", 9}, {"12", 5}, {"13", 6}, {"14", 10}, {"15", 10}, {"16", 9}, {"17", 8},
	{"18", 6}, {"19", 6}, {"20", 5}, {"21", 3}, {"22", 2}, {"23", 1}})

var dayChannels = newPicker([]weighted{{"phone", 38}, {"hotline", 22}, {"visit", 18}, {"portal", 17}, {"web", 3}, {"other", 2}})

var kindWeights = []weighted{{ticket.KindRepair, 55}, {ticket.KindComplaint, 12}, {ticket.KindInquiry, 18},
	{ticket.KindSuggestion, 5}, {ticket.KindHelp, 7}, {ticket.KindPraise, 3}}

// receivedTimes spreads n calls over the days before now, fewer at
// weekends, by the hour of the day.
func receivedTimes(r *rand.Rand, n int, now time.Time) []time.Time {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai)
	start := today.AddDate(0, 0, -(tkDays - 1))
	var w []float64
	sum := 0.0
	for d := range tkDays {
		day := start.AddDate(0, 0, d)
		x := 0.7 + 0.6*r.Float64()
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			x *= 0.75
		}
		if d == tkDays-1 {
			x *= float64(now.Sub(today)) / float64(24*time.Hour)
		}
		w = append(w, x)
		sum += x
	}
	var out []time.Time
	acc := 0.0
	for d := range tkDays {
		day := start.AddDate(0, 0, d)
		acc += float64(n) * w[d] / sum
		for float64(len(out)) < acc-0.5 || (d == tkDays-1 && len(out) < n) {
			var t time.Time
			for try := 0; ; try++ {
				var h int
				fmt.Sscan(callHours.pick(r), &h)
				t = day.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
				if !t.After(now.Add(-10*time.Minute)) || try > 30 {
					break
				}
			}
			if t.After(now.Add(-10 * time.Minute)) {
				t = now.Add(-time.Duration(10+r.IntN(120)) * time.Minute)
			}
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// quotaKinds deals n kinds in the weights' proportions (largest
// remainder), with at least one complaint in any batch of three or more,
// shuffled.
func quotaKinds(r *rand.Rand, n int) []string {
	var out []string
	type rem struct {
		k string
		f float64
	}
	var rems []rem
	for _, kw := range kindWeights {
		exact := float64(n) * float64(kw.w) / 100
		for range int(exact) {
			out = append(out, kw.v)
		}
		rems = append(rems, rem{kw.v, exact - float64(int(exact))})
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.f > b.f:
			return -1
		case a.f < b.f:
			return 1
		}
		return 0
	})
	for i := 0; len(out) < n; i++ {
		out = append(out, rems[i%len(rems)].k)
	}
	if n >= 3 && !slices.Contains(out, ticket.KindComplaint) {
		out[slices.Index(out, ticket.KindInquiry)] = ticket.KindComplaint
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// planTickets plans every community's tickets and returns them in the
// order they were received.
func planTickets(r *rand.Rand, p *plan, now time.Time) []*tkPlan {
	var all []*tkPlan
	for ci, c := range p.communities {
		tc := newTkComm(c, ci == 0)
		if len(tc.houses) == 0 {
			continue
		}
		times := receivedTimes(r, max(4, len(c.houses)/tkPerHouse), now)
		// Kinds by quota per calendar month, so every month of every
		// community has its complaints and its repairs.
		for i := 0; i < len(times); {
			j := i
			for j < len(times) && times[j].Month() == times[i].Month() {
				j++
			}
			kinds := quotaKinds(r, j-i)
			complaints := 0
			for k := i; k < j; k++ {
				tp := tc.plan1(r, kinds[k-i], times[k])
				if tp.kind == ticket.KindComplaint {
					// The month's first complaint is valid, its second not.
					v := complaints == 0 || complaints > 1 && r.IntN(100) < 65
					complaints++
					tp.valid = &v
				}
				all = append(all, tp)
			}
			i = j
		}
	}
	slices.SortStableFunc(all, func(a, b *tkPlan) int { return a.received.Compare(b.received) })
	fates(r, all, now)
	return all
}

// plan1 plans one ticket of kind received at t.
func (tc *tkComm) plan1(r *rand.Rand, kind string, t time.Time) *tkPlan {
	it := tkPick(r, kind)
	tp := &tkPlan{comm: tc, item: it, kind: kind, received: t, entered: t, title: it.title, desc: pickOne(r, it.descs)}
	tp.urgent = r.IntN(100) < it.urgent
	if kind == ticket.KindRepair && it.urgent > 0 && tp.urgent {
		// keep urgent repairs near 15% of all repairs
		tp.urgent = r.IntN(100) < 65
	}
	tc.place(r, it, tp)
	hour := t.Hour()
	night := hour < 8 || hour >= 21
	switch {
	case it.patrol && !night && hour >= 9 && hour < 17 && r.IntN(100) < 40:
		tp.channel = "patrol"
		tp.reqName, tp.reqPhone = "", ""
	case night && r.IntN(100) < 85:
		tp.channel = "hotline"
	case night:
		tp.channel = "portal"
	default:
		tp.channel = dayChannels.pick(r)
	}
	// A night call that can wait a working day is typed in next morning.
	if tp.channel == "hotline" && night && !tp.urgent && r.IntN(100) < 60 &&
		(kind == ticket.KindComplaint || kind == ticket.KindSuggestion || kind == ticket.KindPraise) {
		next := time.Date(t.Year(), t.Month(), t.Day(), 8, 30+r.IntN(30), 0, 0, shanghai)
		if hour >= 21 {
			next = next.AddDate(0, 0, 1)
		}
		tp.entered = next
	}
	tp.receiver = receiverFor(r, tc, tp)
	tp.direct = kind == ticket.KindInquiry && r.IntN(100) < 65
	tp.engineer = it.dept == dEng && r.IntN(100) < 60
	tp.late = (kind == ticket.KindRepair || kind == ticket.KindComplaint || kind == ticket.KindHelp) && r.IntN(100) < 10
	tp.lateReply = tp.late && r.IntN(100) < 30
	return tp
}

// place puts tp where its matter is: in a house (its owner or tenant the
// requester), or in a building's common parts, the car park or the
// grounds (reported by someone who lives here).
func (tc *tkComm) place(r *rand.Rand, it *tkItem, tp *tkPlan) {
	h := tc.pickHouse(r, it.where == atCommon)
	person := tc.people[h]
	tp.house, tp.location, tp.title = nil, "", it.title
	tp.reqName, tp.reqPhone = person[0], person[1]
	switch it.where {
	case atHouse:
		tp.house = h
		tp.reqName, tp.reqPhone = "", "" // the service fills in the owner
		if tc.tenants[h] {
			tp.reqName, tp.reqPhone = person[0], person[1]
		}
	case atCommon:
		spot := it.spot
		if strings.Contains(spot, "%d") {
			spot = fmt.Sprintf(spot, max(1, h.in.Floor))
		}
		tp.location = entrance(h.unit) + spot
		tp.title = entrance(h.unit) + it.title
	case atGarage:
		tp.location = "小区道路"
		if tc.garage != nil {
			tp.location = tc.garage.name + tc.garage.units[r.IntN(len(tc.garage.units))].name
		}
	default:
		tp.location = pickOne(r, estateSpots)
	}
}

// receiverFor picks the 首问责任人 from the channel.
func receiverFor(r *rand.Rand, tc *tkComm, tp *tkPlan) string {
	switch tp.channel {
	case "patrol":
		if tp.kind == ticket.KindRepair {
			return "engineer"
		}
		return "manager"
	case "visit":
		if r.IntN(100) < 40 {
			return "cashier"
		}
	case "phone", "hotline":
		switch n := r.IntN(100); {
		case n < 10:
			return "manager"
		case n < 40 && !tc.first:
			return "agent2"
		}
	}
	return "agent"
}

// fates decides how the tickets end: the most recent are left open in
// every stage, a few are cancelled, one or two are major complaints, and
// the rest are called back — some unsatisfied, then reworked.
func fates(r *rand.Rand, all []*tkPlan, now time.Time) {
	n := len(all)
	open := min(max(8, 40*n/600), n/3)
	stages := []int{stNew, stDispatched, stInProgress, stResolved}
	for i, tp := range all[n-open:] {
		st := stages[i%len(stages)]
		if i >= len(stages) {
			st = []int{stNew, stDispatched, stDispatched, stInProgress, stInProgress, stInProgress, stResolved, stResolved}[r.IntN(8)]
		}
		tp.stop = st
		tp.late, tp.lateReply, tp.direct = false, false, false
	}
	r.Shuffle(open, func(i, j int) {
		all[n-open+i].stop, all[n-open+j].stop = all[n-open+j].stop, all[n-open+i].stop
	})
	past := all[:n-open]
	// Major complaints, a fortnight or more ago.
	majors := 1
	if n >= 400 {
		majors = 2
	}
	m := 0
	for _, i := range r.Perm(len(past)) {
		tp := past[i]
		if m == majors || tp.kind != ticket.KindComplaint || now.Sub(tp.received) < 14*24*time.Hour {
			continue
		}
		it := tkMajor[m]
		tp.comm.place(r, it, tp)
		tp.item, tp.major, tp.urgent, tp.late, tp.lateReply, tp.desc = it, true, true, false, false, it.descs[0]
		v := true
		tp.valid = &v
		m++
	}
	// Cancellations.
	c := 0
	for _, i := range r.Perm(len(past)) {
		if tp := past[i]; c < max(2, len(past)/50) && !tp.major && !tp.direct {
			tp.cancel = true
			c++
		}
	}
	for _, tp := range past {
		unhappy := 8 // percent unsatisfied at the first 回访
		switch tp.kind {
		case ticket.KindRepair:
			unhappy = 4
		case ticket.KindComplaint:
			unhappy = 20
		}
		switch k := r.IntN(100); {
		case tp.major:
			tp.callbacks = []string{ticket.ResultBasicSatisfied}
		case k < unhappy:
			tp.callbacks = []string{ticket.ResultUnsatisfied, tkSecond(r)}
		case k < unhappy+25:
			tp.callbacks = []string{ticket.ResultBasicSatisfied}
		default:
			tp.callbacks = []string{ticket.ResultSatisfied}
		}
		tp.reopen = tp.kind == ticket.KindRepair && !tp.cancel && r.IntN(100) < 1
	}
	for _, tp := range all[n-open:] {
		tp.callbacks = []string{ticket.ResultSatisfied}
	}
}

// tkSecond is the result of the 回访 after the rework.
func tkSecond(r *rand.Rand) string {
	switch k := r.IntN(100); {
	case k < 55:
		return ticket.ResultSatisfied
	case k < 90:
		return ticket.ResultBasicSatisfied
	}
	return ticket.ResultUnsatisfied
}
