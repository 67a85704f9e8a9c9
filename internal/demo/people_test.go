package demo

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"wuye/internal/archive"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func TestValidIDNumber(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"valid with X", "11010519491231002X", true},
		{"lower-case x (callers upper-case first)", "11010519491231002x", false},
		{"bad checksum", "110105194912310021", false},
		{"month 13", "110105194913310028", false},
		{"feb 30", "110105194902300028", false},
		{"too short", "11010519491231002", false},
		{"too long", "11010519491231002X1", false},
		{"empty", "", false},
		{"letter in body", "1101051949123A002X", false},
		{"X not last", "X10105194912310021", false},
		{"unknown province", "99010519491231002X", false},
		{"Taiwan residence permit", "830000199001010012", true},
		{"future birth", "110105299912310021", false},
		{"full-width digits", "１１０１０５１９４９１２３１００", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := archive.ValidIDNumber(tt.id); got != tt.want {
				t.Errorf("ValidIDNumber(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestIDNumberGenerated(t *testing.T) {
	r := newRand(1)
	for i := range 10000 {
		male := i%2 == 0
		id := IDNumber(r, 1940, 2010, male)
		if !archive.ValidIDNumber(id) {
			t.Fatalf("generated invalid ID %q", id)
		}
		if y := id[6:10]; y < "1940" || y > "2010" {
			t.Fatalf("ID %q birth year %s out of range", id, y)
		}
		if gotMale := (id[16]-'0')%2 == 1; gotMale != male {
			t.Fatalf("ID %q gender digit %c, want male=%v", id, id[16], male)
		}
		if id[14:17] == "000" {
			t.Fatalf("ID %q has zero sequence", id)
		}
		if !slices.Contains(areaCodes, id[:6]) {
			t.Fatalf("ID %q has unknown area code", id)
		}
	}
}

func TestIDNumberYearRange(t *testing.T) {
	tests := []struct{ from, to int }{{1980, 1980}, {2000, 1990}, {1900, 1900}}
	r := newRand(2)
	for _, tt := range tests {
		lo, hi := min(tt.from, tt.to), max(tt.from, tt.to)
		for range 500 {
			id := IDNumber(r, tt.from, tt.to, false)
			y := 0
			for _, c := range id[6:10] {
				y = y*10 + int(c-'0')
			}
			if y < lo || y > hi || !archive.ValidIDNumber(id) {
				t.Fatalf("IDNumber(%d,%d) = %q", tt.from, tt.to, id)
			}
		}
	}
}

func TestAreaCodesCount(t *testing.T) {
	if len(areaCodes) < 20 {
		t.Fatalf("only %d area codes", len(areaCodes))
	}
	for _, c := range areaCodes {
		id := c + "19800101123"
		if id += string(idCheckChar(id)); len(c) != 6 || !archive.ValidIDNumber(id) {
			t.Errorf("bad area code %q", c)
		}
	}
}

func TestMobilePhone(t *testing.T) {
	allowed := map[string]bool{}
	for _, p := range []string{
		"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
		"150", "151", "152", "153", "155", "156", "157", "158", "159",
		"166", "176", "177", "178", "180", "181", "182", "183", "184",
		"185", "186", "187", "188", "189", "191", "198", "199",
	} {
		allowed[p] = true
	}
	r := newRand(3)
	for range 5000 {
		p := MobilePhone(r)
		if len(p) != 11 || strings.Trim(p, "0123456789") != "" {
			t.Fatalf("phone %q not 11 digits", p)
		}
		if !allowed[p[:3]] {
			t.Fatalf("phone %q has disallowed prefix", p)
		}
	}
}

func TestDeterministic(t *testing.T) {
	gens := []struct {
		name string
		f    func(*rand.Rand) string
	}{
		{"PersonName", PersonName},
		{"PersonNameGender", func(r *rand.Rand) string { return PersonNameGender(r, true) }},
		{"MobilePhone", MobilePhone},
		{"IDNumber", func(r *rand.Rand) string { return IDNumber(r, 1950, 2005, false) }},
		{"Plate", Plate},
		{"CarColor", CarColor},
		{"CarBrand", CarBrand},
		{"Relation", Relation},
	}
	for _, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			a, b, c := newRand(42), newRand(42), newRand(43)
			var sa, sb, sc []string
			for range 100 {
				sa = append(sa, g.f(a))
				sb = append(sb, g.f(b))
				sc = append(sc, g.f(c))
			}
			if !slices.Equal(sa, sb) {
				t.Errorf("same seed produced different sequences")
			}
			if slices.Equal(sa, sc) {
				t.Errorf("different seeds produced identical sequences")
			}
		})
	}
}

func TestPersonName(t *testing.T) {
	r := newRand(4)
	const n = 10000
	compound, twoChar := 0, 0
	for i := range n {
		var name string
		if i%3 == 0 {
			name = PersonName(r)
		} else {
			name = PersonNameGender(r, i%3 == 1)
		}
		rc := utf8.RuneCountInString(name)
		if rc < 2 || rc > 4 {
			t.Fatalf("name %q has %d runes", name, rc)
		}
		surnameLen := 1
		for _, c := range []string{"欧阳", "司马", "上官", "诸葛", "东方", "尉迟", "慕容"} {
			if strings.HasPrefix(name, c) {
				compound++
				surnameLen = 2
				break
			}
		}
		if rc-surnameLen == 2 {
			twoChar++
		}
	}
	if rate := float64(compound) / n; rate < 0.005 || rate > 0.05 {
		t.Errorf("compound surname rate %.4f, want 0.5%%–5%%", rate)
	}
	if rate := float64(twoChar) / n; rate < 0.65 || rate > 0.75 {
		t.Errorf("two-character given name rate %.4f, want ~70%%", rate)
	}
}

func TestPersonNameGenderPools(t *testing.T) {
	tests := []struct {
		male bool
		pool []string
	}{{true, maleGiven}, {false, femaleGiven}}
	r := newRand(5)
	for _, tt := range tests {
		for range 1000 {
			name := []rune(PersonNameGender(r, tt.male))
			last := string(name[len(name)-1])
			if !slices.Contains(tt.pool, last) {
				t.Fatalf("male=%v name %q uses %q outside pool", tt.male, string(name), last)
			}
		}
	}
}

func TestPlate(t *testing.T) {
	r := newRand(6)
	const n = 10000
	newEnergy := 0
	for range n {
		p := []rune(Plate(r))
		if len(p) != 7 && len(p) != 8 {
			t.Fatalf("plate %q has %d runes", string(p), len(p))
		}
		if !strings.ContainsRune("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼", p[0]) {
			t.Fatalf("plate %q bad province", string(p))
		}
		if !strings.ContainsRune(plateLetters, p[1]) {
			t.Fatalf("plate %q bad city letter", string(p))
		}
		rest := string(p[2:])
		if len(p) == 8 {
			newEnergy++
			if (rest[0] != 'D' && rest[0] != 'F') || strings.Trim(rest[1:], "0123456789") != "" {
				t.Fatalf("new-energy plate %q malformed", string(p))
			}
			continue
		}
		if strings.Trim(rest, "0123456789"+plateLetters) != "" || strings.ContainsAny(rest, "IO") {
			t.Fatalf("plate %q malformed", string(p))
		}
	}
	if rate := float64(newEnergy) / n; rate < 0.07 || rate > 0.13 {
		t.Errorf("new-energy rate %.4f, want ~10%%", rate)
	}
}

func TestCarColorBrandRelation(t *testing.T) {
	colors := []string{"白", "黑", "银", "灰", "红", "蓝", "金", "绿"}
	brands := []string{"大众", "丰田", "本田", "比亚迪", "吉利", "特斯拉", "宝马", "奔驰",
		"奥迪", "日产", "长安", "哈弗", "理想", "蔚来", "小鹏", "别克"}
	tests := []struct {
		name    string
		f       func(*rand.Rand) string
		allowed []string
	}{
		{"CarColor", CarColor, colors},
		{"CarBrand", CarBrand, brands},
		{"Relation", Relation, Relations},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRand(7)
			seen := map[string]int{}
			for range 5000 {
				v := tt.f(r)
				if !slices.Contains(tt.allowed, v) {
					t.Fatalf("unexpected value %q", v)
				}
				seen[v]++
			}
			if len(seen) != len(tt.allowed) {
				t.Errorf("saw %d distinct values, want %d", len(seen), len(tt.allowed))
			}
		})
	}
}

func TestRelationWeighting(t *testing.T) {
	r := newRand(8)
	counts := map[string]int{}
	for range 10000 {
		counts[Relation(r)]++
	}
	for _, other := range []string{"父母", "兄弟姐妹", "其他亲属", "保姆"} {
		if counts["配偶"] <= counts[other] || counts["子女"] <= counts[other] {
			t.Errorf("配偶/子女 should outnumber %s: %v", other, counts)
		}
	}
}
