package demo

import (
	"math/rand/v2"
	"strconv"
	"time"

	"wuye/internal/archive"
)

var (
	categories    = newPicker([]weighted{{"普通", 94}, {"VIP", 3}, {"业委会成员", 1}, {"重点关注", 2}})
	categoryNotes = map[string][]string{
		"VIP":   {"企业高管，来电优先处理", "长期预存物业费", "社区文化活动积极分子"},
		"业委会成员": {"第二届业主委员会委员"},
		"重点关注":  {"独居老人，定期探访", "曾多次投诉邻里噪音，沟通需耐心", "物业费长期拖欠，催缴中", "行动不便，维修需上门沟通"},
	}
	familySize     = newPicker([]weighted{{"1", 40}, {"2", 40}, {"3", 20}})
	transferReason = newPicker([]weighted{{"买卖过户", 70}, {"继承", 15}, {"赠与", 15}})
	shopKinds      = []string{"便利店", "餐饮", "药店", "美容美发", "洗衣店", "培训机构", "水果店", "面包房", "房产中介", "快递驿站", "茶叶店", "宠物用品"}
)

// Shares of co-owned houses.
var shareSplits = [][2]string{{"50", "50"}, {"50", "50"}, {"50", "50"}, {"50", "50"}, {"70", "30"}, {"60", "40"}}

// specialOwners are always present in the first community, so that the
// pinyin search can be shown with "zs" and "oyxy".
var specialOwners = []string{"张三", "欧阳修远"}

// people plans the owners, residents and vehicles of every house of c;
// the first community has the special owners.
func (c *commPlan) people(r *rand.Rand, today time.Time, first bool) {
	c.plates, c.idNumbers = map[string]bool{}, map[string]bool{}
	var special []string
	if first {
		special = specialOwners
	}
	// Cars: about 35% of all houses, registered to occupied flats.
	occupied := 0
	for _, h := range c.houses {
		if h.use() == "住宅" && (h.status() == "自住" || h.status() == "出租") {
			occupied++
		}
	}
	carOdds := 0
	if occupied > 0 {
		carOdds = min(95, len(c.houses)*35/occupied)
	}
	living := c.flats(r, today, special, carOdds)
	c.spaces(r, living)
	c.shops(r, today)
}

func sole(h *housePlan, date, reason string, o *ownerPlan) regPlan {
	return regPlan{house: h, date: date, reason: reason, owners: []*ownerPlan{o}, shares: []string{"100"}}
}

// flats plans the owners of every flat, with their families or tenants
// and cars, and returns the households living in their own flat.
func (c *commPlan) flats(r *rand.Rand, today time.Time, special []string, carOdds int) (living []*household) {
	var owners []*household
	for _, h := range c.houses {
		if h.use() != "住宅" {
			continue
		}
		// Some rented flats belong to an owner who has another flat here.
		if h.status() == "出租" && len(owners) > 0 && r.IntN(100) < 10 {
			hh := owners[r.IntN(len(owners))]
			hh.regs = append(hh.regs, sole(h, max(h.in.DeliveredOn, hh.since), "交房登记", hh.primary))
			c.tenants(r, hh, h, today, carOdds, "")
			continue
		}
		name := ""
		if len(special) > 0 && h.status() == "自住" {
			name, special = special[0], special[1:]
		}
		hh := c.flatOwners(r, h, today, name)
		switch h.status() {
		case "自住":
			if r.IntN(100) < 80 {
				c.family(r, hh, h, hh.primary, len(hh.regs[len(hh.regs)-1].owners) > 1, today)
			}
			c.cars(r, hh, h, hh.primary.in.Name, hh.primary.in.Phone, carOdds)
			living = append(living, hh)
		case "出租":
			c.tenants(r, hh, h, today, carOdds, "")
		}
		owners = append(owners, hh)
		c.households = append(c.households, hh)
	}
	return living
}

// flatOwners plans the owner of flat h, sometimes with a co-owner, and
// sometimes a previous owner with the 过户 between them. A name makes the
// owner one of the special owners, with no history.
func (c *commPlan) flatOwners(r *rand.Rand, h *housePlan, today time.Time, name string) *household {
	special := name != ""
	hh := &household{since: h.in.DeliveredOn}
	delivered, _ := time.Parse(day, h.in.DeliveredOn)
	transferBy := today.AddDate(0, 0, -60)
	var prev *ownerPlan
	reason := ""
	if !special && r.IntN(100) < 3 && delivered.AddDate(1, 0, 0).Before(transferBy) {
		reason = transferReason.pick(r)
		prev = c.person(r, r.IntN(2) == 0, 1950, 1975)
		hh.owners = append(hh.owners, prev)
	}
	male := special || r.IntN(100) < 55
	primary := c.person(r, male, 1950, 2000)
	switch {
	case special:
		primary.in.Name, primary.in.Category, primary.in.Notes = name, "普通", ""
	case reason == "继承":
		surname, _ := splitName(prev.in.Name)
		primary.in.Name = nameWithSurname(r, surname, male)
	}
	owners, shares := []*ownerPlan{primary}, []string{"100"}
	if r.IntN(100) < 22 {
		spouse := c.person(r, !male, max(1950, primary.born-5), min(2000, primary.born+5))
		split := shareSplits[r.IntN(len(shareSplits))]
		owners, shares = append(owners, spouse), split[:]
	}
	hh.owners, hh.primary = append(hh.owners, owners...), primary
	if prev != nil {
		days := int(transferBy.Sub(delivered.AddDate(1, 0, 0)).Hours() / 24)
		hh.since = delivered.AddDate(1, 0, r.IntN(days+1)).Format(day)
		hh.regs = append(hh.regs, sole(h, h.in.DeliveredOn, "交房登记", prev))
	} else {
		reason = "交房登记"
	}
	hh.regs = append(hh.regs, regPlan{house: h, date: hh.since, reason: reason, owners: owners, shares: shares})
	return hh
}

// spaces plans the owners of the parking spaces: the developer keeps
// some unsold, households living here buy some (their car parks there),
// and owners from outside buy the rest.
func (c *commPlan) spaces(r *rand.Rand, living []*household) {
	var developer *household
	for _, h := range c.houses {
		if h.use() != "车位" {
			continue
		}
		switch x := r.IntN(100); {
		case x < 15:
			if developer == nil {
				o := c.company(r, c.developer)
				o.in.Notes = "开发商，持有未售车位"
				developer = &household{owners: []*ownerPlan{o}}
				c.households = append(c.households, developer)
			}
			h.in.Status = "空置"
			developer.regs = append(developer.regs, sole(h, h.in.DeliveredOn, "首次登记", developer.owners[0]))
		case x < 55 && len(living) > 0:
			i := r.IntN(len(living))
			hh := living[i]
			living[i] = living[len(living)-1]
			living = living[:len(living)-1]
			h.in.Status = "自住"
			hh.regs = append(hh.regs, sole(h, max(h.in.DeliveredOn, hh.since), "购买车位", hh.primary))
			for i := range hh.vehicles {
				if hh.vehicles[i].house.status() == "自住" {
					hh.vehicles[i].in.ParkingSpace = h.code
					break
				}
			}
		default:
			o := c.person(r, r.IntN(2) == 0, 1955, 2000)
			c.households = append(c.households, &household{owners: []*ownerPlan{o},
				regs: []regPlan{sole(h, h.in.DeliveredOn, "交房登记", o)}})
		}
	}
}

// shops plans the owners of the shops, about a third companies (some
// with several shops), and the shopkeepers renting them.
func (c *commPlan) shops(r *rand.Rand, today time.Time) {
	var companies []*household
	for _, h := range c.houses {
		if h.use() != "商铺" {
			continue
		}
		var hh *household
		switch x := r.IntN(100); {
		case x < 35 && len(companies) > 0 && r.IntN(100) < 30:
			hh = companies[r.IntN(len(companies))]
		case x < 35:
			name, _ := CompanyName(r, c.city)
			hh = &household{owners: []*ownerPlan{c.company(r, name)}}
			companies = append(companies, hh)
			c.households = append(c.households, hh)
		default:
			hh = &household{owners: []*ownerPlan{c.person(r, r.IntN(100) < 60, 1955, 1995)}}
			c.households = append(c.households, hh)
		}
		hh.regs = append(hh.regs, sole(h, h.in.DeliveredOn, "交房登记", hh.owners[0]))
		if h.status() == "出租" {
			c.tenants(r, hh, h, today, 0, pickOne(r, shopKinds))
		}
	}
}

// uniqueID returns an ID number not yet used in the community.
func (c *commPlan) uniqueID(r *rand.Rand, from, to int, male bool) string {
	for {
		id := IDNumber(r, from, to, male)
		if !c.idNumbers[id] {
			c.idNumbers[id] = true
			return id
		}
	}
}

// person plans an individual owner born between from and to.
func (c *commPlan) person(r *rand.Rand, male bool, from, to int) *ownerPlan {
	id := c.uniqueID(r, from, to, male)
	born, _ := strconv.Atoi(id[6:10])
	o := &ownerPlan{male: male, born: born,
		in: archive.OwnerInput{Name: PersonNameGender(r, male), Phone: MobilePhone(r), IDType: "身份证", IDNumber: id,
			Category: categories.pick(r)}}
	if r.IntN(100) < 5 {
		o.in.Phone2 = MobilePhone(r)
	}
	if notes := categoryNotes[o.in.Category]; len(notes) > 0 {
		o.in.Notes = pickOne(r, notes)
	}
	return o
}

// company plans an organisation owner with a 统一社会信用代码.
func (c *commPlan) company(r *rand.Rand, name string) *ownerPlan {
	code := CreditCode(r, "440300")
	for c.idNumbers[code] {
		code = CreditCode(r, "440300")
	}
	c.idNumbers[code] = true
	return &ownerPlan{company: true, in: archive.OwnerInput{Name: name, Phone: LandlinePhone(r, c.phoneArea),
		IDType: "营业执照", IDNumber: code, Category: "普通"}}
}

// member plans one household member born between from and to; adults get
// a phone and most have their ID number recorded.
func member(r *rand.Rand, h *housePlan, name string, male bool, from, to int, relation string, today time.Time) residentPlan {
	in := archive.ResidentInput{Name: name, Kind: "家庭成员", Relation: relation}
	born := between(r, min(from, to), max(from, to))
	if today.Year()-born >= 16 {
		in.Phone = MobilePhone(r)
	}
	if r.IntN(100) < 60 {
		in.IDNumber = IDNumber(r, born, born, male)
	}
	return residentPlan{house: h, in: in}
}

// family plans 1–3 family members living with the owner.
func (c *commPlan) family(r *rand.Rand, hh *household, h *housePlan, o *ownerPlan, coOwned bool, today time.Time) {
	surname, _ := splitName(o.in.Name)
	n := int(familySize.pick(r)[0] - '0')
	spouse := coOwned
	for range n {
		rel := Relation(r)
		if rel == "配偶" && spouse || rel == "父母" && o.born < 1965 {
			rel = "子女"
		}
		var m residentPlan
		switch rel {
		case "配偶":
			spouse = true
			m = member(r, h, PersonNameGender(r, !o.male), !o.male, o.born-4, o.born+4, rel, today)
		case "子女":
			lo, hi := o.born+22, min(o.born+40, today.Year()-1)
			male := r.IntN(2) == 0
			m = member(r, h, nameWithSurname(r, surname, male), male, lo, hi, rel, today)
		case "父母":
			male := r.IntN(2) == 0
			name := PersonNameGender(r, male)
			if male && o.male {
				name = nameWithSurname(r, surname, true)
			}
			m = member(r, h, name, male, max(1930, o.born-32), max(1930, o.born-22), rel, today)
		case "兄弟姐妹":
			male := r.IntN(2) == 0
			m = member(r, h, nameWithSurname(r, surname, male), male, o.born-6, o.born+6, rel, today)
		case "保姆":
			m = member(r, h, PersonNameGender(r, false), false, 1965, 1985, rel, today)
		default:
			male := r.IntN(2) == 0
			m = member(r, h, PersonNameGender(r, male), male, 1950, 2000, rel, today)
		}
		hh.residents = append(hh.residents, m)
	}
}

// tenants plans the tenants of a rented flat or shop (business names what
// a shop sells); about one lease in eight ends within the next 30 days.
func (c *commPlan) tenants(r *rand.Rand, hh *household, h *housePlan, today time.Time, carOdds int, business string) {
	months := 12 * between(r, 1, 2)
	var start, end time.Time
	if r.IntN(100) < 12 {
		end = today.AddDate(0, 0, between(r, 1, 30))
		start = end.AddDate(0, -months, 1)
	} else {
		start = today.AddDate(0, 0, -r.IntN(months*30-45))
		end = start.AddDate(0, months, -1)
	}
	n := 1
	if business == "" && r.IntN(100) < 45 {
		n = 2
	}
	for i := range n {
		male := r.IntN(100) < 55
		in := archive.ResidentInput{Name: PersonNameGender(r, male), Phone: MobilePhone(r), Kind: "租户", Relation: "承租人",
			LeaseStart: start.Format(day), LeaseEnd: end.Format(day)}
		if i > 0 {
			in.Relation = "同住人"
		}
		if business != "" {
			in.Relation, in.Notes = "商户", "经营："+business
		}
		if r.IntN(100) < 70 {
			in.IDNumber = IDNumber(r, 1965, 2003, male)
		}
		hh.residents = append(hh.residents, residentPlan{house: h, in: in})
		if i == 0 {
			c.cars(r, hh, h, in.Name, in.Phone, carOdds)
		}
	}
}

// cars plans the car (sometimes two) of a flat's occupant, with odds in
// percent.
func (c *commPlan) cars(r *rand.Rand, hh *household, h *housePlan, owner, phone string, odds int) {
	if r.IntN(100) >= odds {
		return
	}
	n := 1
	if r.IntN(100) < 8 {
		n = 2
	}
	for range n {
		plate := Plate(r)
		for c.plates[plate] {
			plate = Plate(r)
		}
		c.plates[plate] = true
		hh.vehicles = append(hh.vehicles, vehiclePlan{house: h, in: archive.VehicleInput{Plate: plate, Color: CarColor(r),
			Brand: CarBrand(r), OwnerName: owner, Phone: phone}})
	}
}
