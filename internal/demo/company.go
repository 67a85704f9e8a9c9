package demo

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

var tradeNames = []string{
	"鑫源", "华盛", "金盛", "宏达", "恒通", "佳美", "益康", "万家", "福满", "优品", "德信", "嘉禾",
	"新希", "瑞丰", "天润", "百汇", "顺和", "永晟", "安泰", "森林", "蓝海", "合众", "悦享", "禾木",
}

var industries = newPicker([]weighted{
	{"餐饮管理", 20}, {"便利店", 10}, {"贸易", 12}, {"医药连锁", 6}, {"教育咨询", 8},
	{"美容美发", 8}, {"文化传媒", 5}, {"商贸", 10}, {"科技", 8}, {"房地产经纪", 6}, {"洗衣服务", 3},
	{"烘焙食品", 4},
})

// CompanyName returns a made-up company name in city, such as
// "深圳市鑫源餐饮管理有限公司", and its line of business.
func CompanyName(r *rand.Rand, city string) (name, business string) {
	business = industries.pick(r)
	return city + pickOne(r, tradeNames) + business + "有限公司", business
}

// creditChars are the 31 characters a 统一社会信用代码 may use (no I, O,
// S, V, Z).
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCode returns a made-up 18-character 统一社会信用代码 of a company
// registered in the 6-digit division area: "91" (an enterprise), the area,
// a random 9-character organisation code and the GB 32100 check character.
func CreditCode(r *rand.Rand, area string) string {
	var b strings.Builder
	b.WriteString("91")
	b.WriteString(area)
	for range 9 {
		b.WriteByte(creditChars[r.IntN(len(creditChars))])
	}
	s := b.String()
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(creditChars, s[i]) * creditWeights[i]
	}
	return s + string(creditChars[(31-sum%31)%31])
}

// LandlinePhone returns a fixed-line number with the area code, such as
// "0755-86123456".
func LandlinePhone(r *rand.Rand, areaCode string) string {
	b := []byte(areaCode + "-")
	b = append(b, byte('2'+r.IntN(7)))
	for range 7 {
		b = append(b, byte('0'+r.IntN(10)))
	}
	return string(b)
}

// splitName returns a Chinese name's surname (compound surnames
// included) and given name.
func splitName(name string) (surname, given string) {
	for _, c := range compoundSurnames.vals {
		if strings.HasPrefix(name, c) {
			return c, name[len(c):]
		}
	}
	_, n := utf8.DecodeRuneInString(name)
	return name[:n], name[n:]
}

// nameWithSurname returns a name of the given sex with surname, as a child
// takes the father's surname.
func nameWithSurname(r *rand.Rand, surname string, male bool) string {
	_, given := splitName(PersonNameGender(r, male))
	return surname + given
}
