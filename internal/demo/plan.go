package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// The demo company is planned in full first, from one seeded generator,
// and only then written through the archive service. Planning draws every
// random number, so the same house count always gives the same company.

type plan struct {
	communities []*commPlan
}

func (p *plan) counts() (houses, owners int) {
	for _, c := range p.communities {
		houses += len(c.houses)
		for _, h := range c.households {
			owners += len(h.owners)
		}
	}
	return houses, owners
}

type commPlan struct {
	in         archive.CommunityInput
	id         int64
	city       string // for company names
	phoneArea  string // landline area code
	developer  string
	buildings  []*buildingPlan
	houses     []*housePlan
	households []*household
	plates     map[string]bool
	idNumbers  map[string]bool
}

type buildingPlan struct {
	name      string
	floors    int
	notes     string
	delivered string // YYYY-MM-DD
	units     []*unitPlan
	id        int64
}

type unitPlan struct {
	b    *buildingPlan
	name string
	id   int64
}

type housePlan struct {
	unit *unitPlan
	in   archive.HouseInput // UnitID is set when the unit exists
	code string
	id   int64
}

func (h *housePlan) use() string    { return h.in.Use }
func (h *housePlan) status() string { return h.in.Status }

// ownerPlan is an owner with what the generators need to make a family.
type ownerPlan struct {
	in      archive.OwnerInput
	male    bool
	born    int // birth year; 0 for a company
	company bool
	id      int64
}

// regPlan is one registration of a house's owners: the first one at
// delivery, later ones are 过户.
type regPlan struct {
	house  *housePlan
	date   string
	reason string
	owners []*ownerPlan
	shares []string
}

type residentPlan struct {
	house *housePlan
	in    archive.ResidentInput
}

type vehiclePlan struct {
	house *housePlan
	in    archive.VehicleInput
}

// household is everything written for one owner (or couple, or company):
// the owners, the registrations of their houses, and the residents and
// vehicles of those houses.
type household struct {
	owners    []*ownerPlan
	regs      []regPlan
	residents []residentPlan
	vehicles  []vehiclePlan
	// primary owns the household's first flat since since.
	primary *ownerPlan
	since   string
}

func area(v int64) web.Text { return web.Text(money.PlainHundredths(v)) }

// between returns a random integer in [lo, hi].
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

func randomDate(r *rand.Rand, fromYear, toYear int) time.Time {
	start := time.Date(fromYear, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(toYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	return start.AddDate(0, 0, r.IntN(int(end.Sub(start).Hours()/24)))
}

const day = "2006-01-02"

// layout is the floor plan of a stack of flats: every flat above another
// has the same areas.
type layout struct{ gross, inner int64 }

func newLayout(r *rand.Rand, lo, hi int, innerLo, innerHi int) layout {
	gross := int64(between(r, lo*100, hi*100))
	ratio := int64(between(r, innerLo*100, innerHi*100)) // in 1/10000
	return layout{gross: gross, inner: gross * ratio / 10000}
}

var flatSizes = newPicker([]weighted{{"small", 25}, {"medium", 50}, {"large", 20}, {"xl", 5}})

func flatLayout(r *rand.Rand) layout {
	switch flatSizes.pick(r) {
	case "small":
		return newLayout(r, 60, 90, 78, 85)
	case "medium":
		return newLayout(r, 90, 130, 78, 85)
	case "large":
		return newLayout(r, 130, 160, 78, 85)
	default:
		return newLayout(r, 160, 180, 78, 85)
	}
}

func (c *commPlan) addBuilding(name string, floors int, delivered, notes string, units ...string) *buildingPlan {
	b := &buildingPlan{name: name, floors: floors, delivered: delivered, notes: notes}
	for _, u := range units {
		b.units = append(b.units, &unitPlan{b: b, name: u})
	}
	c.buildings = append(c.buildings, b)
	return b
}

func (c *commPlan) addHouse(u *unitPlan, number string, floor int, l layout, use string) *housePlan {
	h := &housePlan{unit: u, code: archive.HouseCode(u.b.name, u.name, number), in: archive.HouseInput{
		Number: number, Floor: floor, GrossArea: area(l.gross), Use: use, DeliveredOn: u.b.delivered}}
	if l.inner > 0 {
		h.in.InnerArea = area(l.inner)
	}
	c.houses = append(c.houses, h)
	return h
}

// towerSpec describes a community's residential buildings.
type towerSpec struct {
	name          func(i int) string
	units         func(r *rand.Rand) []string
	perFloor      int
	minF, maxF    int
	delivered     func(r *rand.Rand, i int) string
	shopBuildings int
}

// towers plans residential buildings of units×perFloor flats a floor until
// budget is spent (or too little is left for another building) and
// returns how many houses they hold. The first shopBuildings buildings
// have shops instead of flats on the ground floor.
func (c *commPlan) towers(r *rand.Rand, budget int, s towerSpec) int {
	used := 0
	for i := 0; budget-used > 0; i++ {
		units := s.units(r)
		per := len(units) * s.perFloor
		floors := between(r, s.minF, s.maxF)
		if floors*per > budget-used {
			floors = (budget - used) / per
		}
		if floors < s.minF && i > 0 || floors == 0 {
			break
		}
		b := c.addBuilding(s.name(i), floors, s.delivered(r, i), "", units...)
		shops := i < s.shopBuildings && floors > 1
		if shops {
			b.notes = "一层为临街商铺"
		}
		for _, u := range b.units {
			stacks := make([]layout, s.perFloor)
			for k := range stacks {
				stacks[k] = flatLayout(r)
			}
			shopStacks := make([]layout, s.perFloor)
			for k := range shopStacks {
				shopStacks[k] = newLayout(r, 40, 200, 85, 92)
			}
			for f := 1; f <= floors; f++ {
				for k := range s.perFloor {
					number := fmt.Sprintf("%d%02d", f, k+1)
					if shops && f == 1 {
						c.addHouse(u, number, f, shopStacks[k], "商铺")
					} else {
						c.addHouse(u, number, f, stacks[k], "住宅")
					}
				}
			}
		}
		used += floors * per
	}
	return used
}

// garage plans n parking spaces in building name: up to 600 a level, at
// most ten levels down (the lowest floor a house may be on).
func (c *commPlan) garage(r *rand.Rand, name string, n int, delivered string) {
	if n <= 0 {
		return
	}
	levels := min(10, (n+599)/600)
	per := (n + levels - 1) / levels
	names := []string{"负一层", "负二层", "负三层", "负四层", "负五层", "负六层", "负七层", "负八层", "负九层", "负十层"}
	b := c.addBuilding(name, levels, delivered, "地下停车场，产权车位", names[:levels]...)
	for i := range n {
		level := i / per
		space := layout{gross: int64(between(r, 12_00, 15_00))}
		c.addHouse(b.units[level], fmt.Sprintf("B%d", 101+i%per), -1-level, space, "车位")
	}
}

func (c *commPlan) totalArea() web.Text {
	var sum int64
	for _, h := range c.houses {
		v, _ := money.ParseHundredths(string(h.in.GrossArea))
		sum += v
	}
	return area(sum)
}

func phaseDate(r *rand.Rand, i, n int) string {
	phases := [][2]int{{2015, 2016}, {2018, 2019}, {2021, 2023}}
	p := phases[min(2, i*3/max(1, n))]
	return randomDate(r, p[0], p[1]).Format(day)
}

// cuihu is 翠湖花园: a residential estate of 2–3-unit buildings, 2 flats a
// floor a unit, shops on the ground floor of the first buildings along the
// street, and an underground garage.
func cuihu(r *rand.Rand, n int) *commPlan {
	c := &commPlan{city: "深圳市", phoneArea: "0755", developer: "深圳市翠湖置业有限公司", in: archive.CommunityInput{
		Name: "翠湖花园", Address: "深圳市南山区翠湖路88号", Type: "住宅", Phone: "0755-86001234",
		Notes: "分三期开发，2015–2023 年陆续交付"}}
	parking := n * 12 / 100
	// Guess the number of buildings to date them by phase: about 85 houses each.
	guess := max(1, (n-parking)/85)
	used := c.towers(r, n-parking, towerSpec{
		name:  func(i int) string { return fmt.Sprint(i + 1) },
		units: func(r *rand.Rand) []string { return []string{"1", "2", "3"}[:between(r, 2, 3)] },
		minF:  6, maxF: 33, perFloor: 2,
		delivered:     func(r *rand.Rand, i int) string { return phaseDate(r, i, guess) },
		shopBuildings: max(1, guess/3),
	})
	delivered := phaseDate(r, 0, 1)
	if len(c.buildings) > 0 {
		delivered = c.buildings[0].delivered
	}
	c.garage(r, "地下车库", n-used, delivered)
	c.in.TotalArea = c.totalArea()
	return c
}

// binjiang is 滨江国际: a mixed development of apartment towers, a
// three-storey shopping podium and a large garage.
func binjiang(r *rand.Rand, n int) *commPlan {
	c := &commPlan{city: "深圳市", phoneArea: "0755", developer: "深圳滨江国际置业有限公司", in: archive.CommunityInput{
		Name: "滨江国际", Address: "深圳市福田区滨河大道6008号", Type: "混合", Phone: "0755-83005678",
		Notes: "住宅公寓与商业综合体，裙楼一至三层为商铺"}}
	delivered := randomDate(r, 2019, 2020).Format(day)
	shops := n * 18 / 100
	parking := n * 22 / 100
	used := c.towers(r, n-shops-parking, towerSpec{
		name: func(i int) string {
			if i < 26 {
				return string(rune('A'+i)) + "座"
			}
			return fmt.Sprintf("%d座", i+1)
		},
		units: func(*rand.Rand) []string { return []string{"1"} },
		minF:  20, maxF: 40, perFloor: 6,
		delivered: func(*rand.Rand, int) string { return delivered },
	})
	if shops > 0 {
		b := c.addBuilding("裙楼", 3, delivered, "商业裙楼", "一层", "二层", "三层")
		for i := range shops {
			floor := i % 3
			c.addHouse(b.units[floor], fmt.Sprintf("%d%02d", floor+1, i/3+1), floor+1, newLayout(r, 40, 200, 85, 92), "商铺")
		}
	}
	// A name of its own keeps house codes unique across the company.
	c.garage(r, "地下停车场", n-used-shops, delivered)
	c.in.TotalArea = c.totalArea()
	return c
}

var (
	flatStatus    = newPicker([]weighted{{"自住", 72}, {"出租", 15}, {"空置", 10}, {"装修中", 3}})
	newFlatStatus = newPicker([]weighted{{"自住", 55}, {"出租", 8}, {"空置", 22}, {"装修中", 15}})
	shopStatus    = newPicker([]weighted{{"出租", 55}, {"自住", 25}, {"空置", 20}})
	spaceStatus   = newPicker([]weighted{{"自住", 82}, {"出租", 18}})
)

// setStatus gives every house a status; recently delivered flats are more
// often empty or being decorated.
func (c *commPlan) setStatus(r *rand.Rand) {
	for _, h := range c.houses {
		switch h.use() {
		case "住宅":
			if h.in.DeliveredOn >= "2022" {
				h.in.Status = newFlatStatus.pick(r)
			} else {
				h.in.Status = flatStatus.pick(r)
			}
		case "商铺":
			h.in.Status = shopStatus.pick(r)
		default:
			h.in.Status = spaceStatus.pick(r)
		}
	}
}

// newPlan plans the demo company with houses houses, about 75% in 翠湖花园.
func newPlan(r *rand.Rand, houses int, today time.Time) *plan {
	n1 := houses * 3 / 4
	p := &plan{communities: []*commPlan{cuihu(r, n1), binjiang(r, houses-n1)}}
	for i, c := range p.communities {
		c.setStatus(r)
		c.people(r, today, i == 0)
	}
	return p
}
