package archive

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// Surnames whose reading differs from the character's common reading.
// go-pinyin picks the most frequent reading; as a surname these read so.
var surnameReadings = map[string][]string{
	"曾": {"zeng"}, "单": {"shan"}, "解": {"xie"}, "查": {"zha"}, "仇": {"qiu"}, "区": {"ou"},
	"朴": {"piao"}, "乐": {"yue"}, "翟": {"zhai"}, "盖": {"ge"}, "覃": {"qin"}, "缪": {"miao"},
	"尉迟": {"yu", "chi"}, "万俟": {"mo", "qi"}, "长孙": {"zhang", "sun"}, "重": {"chong"},
	"秘": {"bi"}, "冼": {"xian"}, "繁": {"po"}, "员": {"yun"}, "种": {"chong"}, "句": {"gou"},
	"黑": {"he"}, "召": {"shao"}, "莘": {"shen"}, "华": {"hua"}, "任": {"ren"}, "沈": {"shen"},
	"柏": {"bai"}, "折": {"she"}, "阚": {"kan"}, "宓": {"mi"},
}

var pyArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Fallback = func(r rune, _ pinyin.Args) []string { return nil }
	return a
}()

// syllables returns a name's pinyin, reading its surname as a surname and
// keeping any Latin letters and digits as they are.
func syllables(name string) []string {
	var out []string
	rest := name
	for s, py := range surnameReadings {
		if len([]rune(s)) == 2 && strings.HasPrefix(rest, s) {
			out, rest = append(out, py...), strings.TrimPrefix(rest, s)
			break
		}
	}
	if len(out) == 0 {
		for _, r := range rest {
			if py, ok := surnameReadings[string(r)]; ok {
				out, rest = append(out, py...), strings.TrimPrefix(rest, string(r))
			}
			break
		}
	}
	var latin strings.Builder
	flush := func() {
		if latin.Len() > 0 {
			out = append(out, strings.ToLower(latin.String()))
			latin.Reset()
		}
	}
	for _, r := range rest {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			if py := pinyin.LazyPinyin(string(r), pyArgs); len(py) > 0 {
				out = append(out, py[0])
			}
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			latin.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// NameKeys returns the search keys of a person's name: the name itself,
// its full pinyin ("zhangsan") and its initials ("zs").
func NameKeys(name string) (key, full, initials string) {
	py := syllables(name)
	var ini strings.Builder
	for _, s := range py {
		ini.WriteByte(s[0])
	}
	return strings.ToLower(strings.TrimSpace(name)), strings.Join(py, ""), ini.String()
}

// PhoneTail is the last four digits of a phone number, the way callers
// identify themselves on the hotline.
func PhoneTail(phone string) string {
	var d []byte
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			d = append(d, phone[i])
		}
	}
	if len(d) < 4 {
		return string(d)
	}
	return string(d[len(d)-4:])
}

// PlateTail is a plate without its province character ("B12345").
func PlateTail(plate string) string {
	for i, r := range plate {
		if !unicode.Is(unicode.Han, r) {
			return plate[i:]
		}
	}
	return ""
}
