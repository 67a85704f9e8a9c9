// Package demo loads a realistic demo company (Seed, behind "wuye demo")
// and generates the deterministic Chinese data it is made of (names, phone
// numbers, ID numbers, car plates, ...). Every generator takes a
// caller-seeded *rand.Rand so demo data sets are reproducible.
package demo

import (
	"math/rand/v2"
	"strings"
	"time"
)

// weighted is a value with a relative weight.
type weighted struct {
	v string
	w int
}

// picker draws strings according to relative weights.
type picker struct {
	vals []string
	cum  []int
}

func newPicker(items []weighted) *picker {
	p := &picker{}
	total := 0
	for _, it := range items {
		total += it.w
		p.vals = append(p.vals, it.v)
		p.cum = append(p.cum, total)
	}
	return p
}

func (p *picker) pick(r *rand.Rand) string {
	n := r.IntN(p.cum[len(p.cum)-1])
	lo, hi := 0, len(p.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if n < p.cum[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return p.vals[lo]
}

func pickOne(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

// Surname weights: approximate share of the population in units of 0.01%.
var surnames = newPicker([]weighted{
	{"王", 712}, {"李", 700}, {"张", 674}, {"刘", 510}, {"陈", 461}, {"杨", 322},
	{"黄", 245}, {"赵", 229}, {"吴", 205}, {"周", 197}, {"徐", 152}, {"孙", 145},
	{"马", 129}, {"朱", 128}, {"胡", 123}, {"郭", 118}, {"何", 118}, {"高", 108},
	{"林", 108}, {"罗", 104}, {"郑", 97}, {"梁", 94}, {"谢", 82}, {"宋", 77},
	{"唐", 74}, {"许", 72}, {"韩", 68}, {"冯", 67}, {"邓", 67}, {"曹", 64},
	{"彭", 61}, {"曾", 58}, {"肖", 58}, {"田", 55}, {"董", 52}, {"袁", 51},
	{"潘", 50}, {"于", 49}, {"蒋", 49}, {"蔡", 47}, {"余", 46}, {"杜", 45},
	{"叶", 44}, {"程", 43}, {"苏", 41}, {"魏", 40}, {"吕", 40}, {"丁", 38},
	{"任", 38}, {"沈", 37}, {"姚", 36}, {"卢", 36}, {"姜", 35}, {"崔", 35},
	{"钟", 34}, {"谭", 34}, {"陆", 33}, {"汪", 32}, {"范", 32}, {"金", 31},
	{"石", 30}, {"廖", 30}, {"贾", 30}, {"夏", 29}, {"韦", 29}, {"付", 29},
	{"方", 28}, {"白", 28}, {"邹", 27}, {"孟", 27}, {"熊", 27}, {"秦", 26},
	{"邱", 26}, {"江", 26}, {"尹", 25}, {"薛", 25}, {"闫", 24}, {"段", 24},
	{"雷", 24}, {"侯", 23}, {"龙", 23}, {"史", 23}, {"陶", 22}, {"黎", 22},
	{"贺", 22}, {"顾", 21}, {"毛", 21}, {"郝", 21}, {"龚", 20}, {"邵", 20},
	{"万", 20}, {"钱", 19}, {"严", 19}, {"覃", 18}, {"武", 18}, {"戴", 18},
	{"莫", 17}, {"孔", 17}, {"向", 17}, {"汤", 16},
})

// compoundSurnames are drawn about 2% of the time.
var compoundSurnames = newPicker([]weighted{
	{"欧阳", 40}, {"司马", 15}, {"上官", 12}, {"诸葛", 10}, {"东方", 8},
	{"尉迟", 5}, {"慕容", 10},
})

var maleGiven = []string{
	"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "浩", "宇", "轩", "博", "文",
	"斌", "鹏", "辉", "华", "平", "刚", "飞", "鑫", "波", "俊", "峰", "建", "国", "志", "晨",
	"宏", "亮", "成", "龙", "海", "东", "毅", "凯", "昊", "然", "睿", "泽", "子", "哲", "天",
	"一", "晓", "嘉", "铭", "永", "健", "林", "思", "远", "航", "逸", "彬", "帆", "翔", "旭",
}

var femaleGiven = []string{
	"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "琳", "欣", "怡", "萱", "佳", "梦",
	"秀", "英", "华", "玲", "红", "燕", "颖", "倩", "晶", "慧", "莉", "丹", "洁", "蕾", "璐",
	"淑", "兰", "凤", "琴", "云", "蓉", "薇", "雅", "诗", "涵", "晓", "思", "雨", "可", "馨",
	"悦", "彤", "瑶", "婉", "月", "小", "子", "嘉", "欢", "露", "宁", "岚", "妍", "晴",
}

// PersonName returns a realistic Chinese full name of random gender.
func PersonName(r *rand.Rand) string {
	return PersonNameGender(r, r.IntN(2) == 0)
}

// PersonNameGender returns a realistic Chinese full name (2–4 runes) with a
// male- or female-leaning given name. About 2% of surnames are compound and
// 70% of given names have two characters.
func PersonNameGender(r *rand.Rand, male bool) string {
	var b strings.Builder
	if r.IntN(100) < 2 {
		b.WriteString(compoundSurnames.pick(r))
	} else {
		b.WriteString(surnames.pick(r))
	}
	pool := femaleGiven
	if male {
		pool = maleGiven
	}
	first := pickOne(r, pool)
	b.WriteString(first)
	if r.IntN(10) < 7 {
		second := pickOne(r, pool)
		for second == first {
			second = pickOne(r, pool)
		}
		b.WriteString(second)
	}
	return b.String()
}

// mobilePrefixes are real mainland mobile number segments.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"166", "176", "177", "178",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
	"191", "198", "199",
}

// MobilePhone returns an 11-digit mainland China mobile number.
func MobilePhone(r *rand.Rand) string {
	b := []byte(pickOne(r, mobilePrefixes))
	for range 8 {
		b = append(b, byte('0'+r.IntN(10)))
	}
	return string(b)
}

// areaCodes are real 6-digit administrative division codes (districts).
var areaCodes = []string{
	"110101", // 北京东城
	"110105", // 北京朝阳
	"110108", // 北京海淀
	"120101", // 天津和平
	"310104", // 上海徐汇
	"310115", // 上海浦东
	"440305", // 深圳南山
	"440304", // 深圳福田
	"440106", // 广州天河
	"330106", // 杭州西湖
	"330108", // 杭州滨江
	"320102", // 南京玄武
	"320505", // 苏州虎丘
	"510107", // 成都武侯
	"500103", // 重庆渝中
	"420106", // 武汉武昌
	"430103", // 长沙天心
	"610113", // 西安雁塔
	"370102", // 济南历下
	"370202", // 青岛市南
	"350203", // 厦门思明
	"350102", // 福州鼓楼
	"410105", // 郑州金水
	"210102", // 沈阳和平
	"230103", // 哈尔滨南岗
	"340104", // 合肥蜀山
	"360102", // 南昌东湖
	"530102", // 昆明五华
	"450103", // 南宁青秀
	"130102", // 石家庄长安
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckMap = "10X98765432"

// idCheckChar computes the ISO 7064 MOD 11-2 check character for the first
// 17 digits of an ID number. The caller guarantees s[:17] are digits.
func idCheckChar(s string) byte {
	sum := 0
	for i := range 17 {
		sum += int(s[i]-'0') * idWeights[i]
	}
	return idCheckMap[sum%11]
}

// IDNumber returns a valid 18-digit resident identity card number with a
// birth date in [birthYearFrom, birthYearTo] (swapped if reversed) whose
// sequence code parity matches the sex (odd = male, even = female).
func IDNumber(r *rand.Rand, birthYearFrom, birthYearTo int, male bool) string {
	if birthYearFrom > birthYearTo {
		birthYearFrom, birthYearTo = birthYearTo, birthYearFrom
	}
	year := birthYearFrom + r.IntN(birthYearTo-birthYearFrom+1)
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	days := start.AddDate(1, 0, 0).Sub(start).Hours() / 24
	birth := start.AddDate(0, 0, r.IntN(int(days)))

	var seq int
	for seq == 0 {
		last := 2 * r.IntN(5) // even digit
		if male {
			last++
		}
		seq = r.IntN(100)*10 + last
	}
	var b strings.Builder
	b.WriteString(pickOne(r, areaCodes))
	b.WriteString(birth.Format("20060102"))
	b.WriteByte(byte('0' + seq/100))
	b.WriteByte(byte('0' + seq/10%10))
	b.WriteByte(byte('0' + seq%10))
	s := b.String()
	return s + string(idCheckChar(s))
}

// plateRegions pairs province abbreviations with realistic city letters.
var plateRegions = newPicker([]weighted{
	{"京ABCEFGHJKLMNPQ", 8}, {"沪ABCDEFGHJKLMN", 7}, {"津ABCDEFGH", 3},
	{"渝ABCDFGH", 4}, {"粤ABCDEFGHJKLMNPQRSTUVWXY", 12}, {"浙ABCDEFGHJKL", 8},
	{"苏ABCDEFGHJKLMN", 9}, {"鲁ABCDEFGHJKLMNPQRSUV", 8}, {"川ABCDEFHJKLMQRSTUVWXYZ", 6},
	{"鄂ABCDEFGHJKLMNPQRS", 5}, {"湘ABCDEFGHJKLMNU", 5}, {"豫ABCDEFGHJKLMNPQRSU", 7},
	{"冀ABCDEFGHJRT", 6}, {"皖ABCDEFGHJKLMNPRS", 4}, {"闽ABCDEFGHJK", 4},
	{"陕ABCDEFGHJKUV", 3}, {"辽ABCDEFGHJKLMNP", 3}, {"吉ABCDEFGHJ", 2},
	{"黑ABCDEFGHJKLMNPR", 2}, {"赣ABCDEFGHJKLM", 3}, {"桂ABCDEFGHJKLMNPR", 3},
	{"云ACDEFGHJKLMNPQRS", 3}, {"贵ABCDEFGHJ", 2}, {"晋ABCDEFHJKLM", 2},
	{"蒙ABCDEFGHJKLM", 1}, {"甘ABCDEFGHJKLMNP", 1}, {"新ABCDEFGHJKLMNPQR", 1},
	{"琼ABCDE", 1}, {"宁ABCDE", 1}, {"青ABCDEFGH", 1}, {"藏ABCDEFGHJ", 1},
})

// plateLetters excludes I and O, which are not used on plates.
const plateLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ"

// Plate returns a realistic car plate such as "粤B12345" or "京AD12345"
// (new-energy, about 10%). No separator dot is included.
func Plate(r *rand.Rand) string {
	region := []rune(plateRegions.pick(r))
	var b strings.Builder
	b.WriteRune(region[0])
	b.WriteRune(region[1+r.IntN(len(region)-1)])
	if r.IntN(10) == 0 {
		b.WriteByte("DF"[r.IntN(2)])
		for range 5 {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	chars := make([]byte, 5)
	for i := range chars {
		chars[i] = byte('0' + r.IntN(10))
	}
	// Most ordinary plates contain zero to two letters.
	letters := 0
	switch n := r.IntN(10); {
	case n >= 9:
		letters = 2
	case n >= 5:
		letters = 1
	}
	for _, i := range r.Perm(5)[:letters] {
		chars[i] = plateLetters[r.IntN(len(plateLetters))]
	}
	b.Write(chars)
	return b.String()
}

var carColors = newPicker([]weighted{
	{"白", 35}, {"黑", 25}, {"银", 12}, {"灰", 12}, {"红", 6}, {"蓝", 6}, {"金", 2}, {"绿", 2},
})

// CarColor returns a car colour, weighted toward common colours.
func CarColor(r *rand.Rand) string { return carColors.pick(r) }

var carBrands = newPicker([]weighted{
	{"大众", 16}, {"丰田", 12}, {"本田", 10}, {"比亚迪", 12}, {"吉利", 8}, {"特斯拉", 5},
	{"宝马", 5}, {"奔驰", 5}, {"奥迪", 5}, {"日产", 6}, {"长安", 6}, {"哈弗", 5},
	{"理想", 3}, {"蔚来", 2}, {"小鹏", 2}, {"别克", 6},
})

// CarBrand returns a car brand, weighted roughly by market share.
func CarBrand(r *rand.Rand) string { return carBrands.pick(r) }

// Relations are the relationships of household members to the owner.
var Relations = []string{"配偶", "子女", "父母", "兄弟姐妹", "其他亲属", "保姆"}

var relationWeights = []int{40, 35, 12, 5, 5, 3}

// Relation returns one of Relations; 配偶 and 子女 are the most common.
func Relation(r *rand.Rand) string {
	items := make([]weighted, len(Relations))
	for i, v := range Relations {
		w := 1
		if i < len(relationWeights) {
			w = relationWeights[i]
		}
		items[i] = weighted{v, w}
	}
	return newPicker(items).pick(r)
}
