package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"wuye/internal/archive"
	"wuye/internal/platform/money"
)

var planDay = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func testPlan(n int) *plan { return newPlan(rand.New(rand.NewPCG(seed, uint64(n))), n, planDay) }

// fingerprint is everything a plan would write, in order.
func fingerprint(p *plan) string {
	var b strings.Builder
	for _, c := range p.communities {
		fmt.Fprintln(&b, c.in)
		for _, h := range c.houses {
			fmt.Fprintln(&b, h.code, h.in)
		}
		for _, hh := range c.households {
			for _, o := range hh.owners {
				fmt.Fprintln(&b, o.in)
			}
			for _, r := range hh.regs {
				fmt.Fprintln(&b, r.house.code, r.date, r.reason, len(r.owners), r.shares)
			}
			for _, r := range hh.residents {
				fmt.Fprintln(&b, r.house.code, r.in)
			}
			for _, v := range hh.vehicles {
				fmt.Fprintln(&b, v.house.code, v.in)
			}
		}
	}
	return b.String()
}

func TestPlanIsDeterministic(t *testing.T) {
	if a, b := fingerprint(testPlan(300)), fingerprint(testPlan(300)); a != b {
		t.Fatal("two plans of 300 houses differ")
	}
}

func hundredths(t *testing.T, s string) int64 {
	t.Helper()
	v, err := money.ParseHundredths(s)
	if err != nil {
		t.Fatalf("area %q: %v", s, err)
	}
	return v
}

// areas are the gross areas of each use, in hundredths of m².
var areas = map[string][2]int64{"住宅": {60_00, 180_00}, "商铺": {40_00, 200_00}, "车位": {12_00, 15_00}}

func TestPlanHasExactlyTheHousesAskedAndValidRecords(t *testing.T) {
	for _, n := range []int{10, 11, 57, 200, 2400, 9999, 70000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := testPlan(n)
			houses, owners := p.counts()
			if houses != n || len(p.communities) != 2 {
				t.Fatalf("%d houses in %d communities, want %d in 2", houses, len(p.communities), n)
			}
			if n >= 200 && owners < houses { // about 1.1 owners a house
				t.Errorf("%d owners for %d houses", owners, houses)
			}
			codes := map[string]bool{}
			for _, c := range p.communities {
				owned := map[*housePlan]bool{}
				for _, h := range c.houses {
					if codes[h.code] {
						t.Errorf("house code %s twice", h.code)
					}
					codes[h.code] = true
					gross := hundredths(t, string(h.in.GrossArea))
					if r := areas[h.use()]; gross < r[0] || gross > r[1] {
						t.Errorf("%s (%s) has %s m²", h.code, h.use(), h.in.GrossArea)
					}
					if h.use() == "住宅" {
						if r := hundredths(t, string(h.in.InnerArea)) * 100 / gross; r < 77 || r > 85 {
							t.Errorf("%s: inner area is %d%% of gross", h.code, r)
						}
					}
					if h.in.Floor < -10 || h.in.Floor > 200 || len(h.in.Number) > 12 || h.unit.b.floors > 200 {
						t.Errorf("%s on floor %d of %d", h.code, h.in.Floor, h.unit.b.floors)
					}
					if h.in.DeliveredOn < "2015-01-01" || h.in.DeliveredOn > "2023-12-31" || h.in.Status == "" {
						t.Errorf("%s delivered %q, status %q", h.code, h.in.DeliveredOn, h.in.Status)
					}
				}
				for _, hh := range c.households {
					for _, o := range hh.owners {
						if o.in.IDType == "身份证" && !archive.ValidIDNumber(o.in.IDNumber) {
							t.Errorf("owner %s: invalid ID number %s", o.in.Name, o.in.IDNumber)
						}
						if o.in.IDType == "营业执照" && len(o.in.IDNumber) != 18 {
							t.Errorf("company %s: credit code %s", o.in.Name, o.in.IDNumber)
						}
					}
					for _, r := range hh.regs {
						var sum int64
						for _, s := range r.shares {
							sum += hundredths(t, s)
						}
						if sum != 100_00 || len(r.shares) != len(r.owners) || r.date < r.house.in.DeliveredOn {
							t.Errorf("%s registered %s with shares %v", r.house.code, r.date, r.shares)
						}
						owned[r.house] = true
					}
					for _, r := range hh.residents {
						if r.in.Kind == "租户" && (r.in.LeaseEnd <= planDay.Format(day) || r.in.LeaseStart > r.in.LeaseEnd) {
							t.Errorf("%s: tenant %s leases %s – %s", r.house.code, r.in.Name, r.in.LeaseStart, r.in.LeaseEnd)
						}
					}
				}
				if len(owned) != len(c.houses) {
					t.Errorf("%s: %d of %d houses have owners", c.in.Name, len(owned), len(c.houses))
				}
			}
		})
	}
}

func TestPlanLooksLikeARealCompany(t *testing.T) {
	p := testPlan(2400)
	c1, c2 := p.communities[0], p.communities[1]
	if len(c1.houses) != 1800 || len(c2.houses) != 600 {
		t.Errorf("houses split %d/%d, want 1800/600", len(c1.houses), len(c2.houses))
	}
	if c1.in.Type != "住宅" || c2.in.Type != "混合" {
		t.Errorf("types %s, %s", c1.in.Type, c2.in.Type)
	}
	status, uses := map[string]int{}, map[string]int{}
	var flats, coOwned, transfers, cars, tenants, soon, companies int
	names := map[string]bool{}
	categories := map[string]int{}
	var people int
	for _, c := range p.communities {
		plates := map[string]bool{}
		for _, h := range c.houses {
			uses[h.use()]++
			if h.use() == "住宅" {
				flats++
				status[h.status()]++
			}
		}
		for _, hh := range c.households {
			for _, o := range hh.owners {
				names[o.in.Name] = true
				if o.company {
					companies++
				} else {
					people++
					categories[o.in.Category]++
				}
			}
			for i, r := range hh.regs {
				if len(r.owners) == 2 {
					coOwned++
				}
				if i > 0 && r.house == hh.regs[i-1].house {
					transfers++
				}
			}
			for _, r := range hh.residents {
				if r.in.Kind == "租户" {
					tenants++
					if r.in.LeaseEnd <= planDay.AddDate(0, 0, 30).Format(day) {
						soon++
					}
				}
			}
			for _, v := range hh.vehicles {
				cars++
				if plates[v.in.Plate] {
					t.Errorf("plate %s twice in %s", v.in.Plate, c.in.Name)
				}
				plates[v.in.Plate] = true
			}
		}
	}
	pct := func(n, of int) int { return n * 100 / of }
	checks := []struct {
		what   string
		got    int
		lo, hi int
	}{
		{"% flats 自住", pct(status["自住"], flats), 60, 80},
		{"% flats 出租", pct(status["出租"], flats), 10, 20},
		{"% flats 空置", pct(status["空置"], flats), 6, 16},
		{"% flats 装修中", pct(status["装修中"], flats), 1, 7},
		{"% flats co-owned", pct(coOwned, flats), 15, 25},
		{"% houses with a car", pct(cars, 2400), 30, 42},
		{"% people VIP", pct(categories["VIP"]*10, people), 20, 45},
		{"‰ people 业委会成员", categories["业委会成员"] * 1000 / people, 4, 20},
		{"% people 重点关注", pct(categories["重点关注"]*10, people), 10, 30},
		{"parking spaces", uses["车位"], 250, 450},
		{"shops", uses["商铺"], 60, 200},
		{"transfers", transfers, 20, 100},
		{"company owners", companies, 10, 80},
		{"tenants", tenants, 300, 700},
		{"leases ending within 30 days", soon, 20, 120},
	}
	for _, c := range checks {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s = %d, want %d–%d", c.what, c.got, c.lo, c.hi)
		}
	}
	for _, n := range specialOwners {
		if !names[n] {
			t.Errorf("no owner named %s", n)
		}
	}
}
