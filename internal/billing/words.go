package billing

import "strings"

var (
	capDigits = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	capUnits  = []string{"", "拾", "佰", "仟"}
	capGroups = []string{"", "万", "亿", "万亿"}
)

// AmountInWords writes fen as a receipt's 大写金额, following the 支付结算
// rules: 21033 → "贰佰壹拾元叁角叁分", 10000 → "壹佰元整", 10005 →
// "壹佰元零伍分", 0 → "零元整". An amount ending in 元 or 角 is closed
// with 整 so nothing can be appended; one ending in 分 is not.
func AmountInWords(fen int64) string {
	var b strings.Builder
	if fen < 0 {
		b.WriteString("负")
		fen = -fen
	}
	yuan, jiao, f := fen/100, fen/10%10, fen%10
	if yuan == 0 && jiao == 0 && f == 0 {
		return b.String() + "零元整"
	}
	if yuan > 0 {
		b.WriteString(integerWords(yuan))
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && f == 0:
		b.WriteString("整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteString(capDigits[f] + "分")
	default:
		b.WriteString(capDigits[jiao] + "角")
		if f == 0 {
			b.WriteString("整")
		} else {
			b.WriteString(capDigits[f] + "分")
		}
	}
	return b.String()
}

// integerWords writes n > 0 in groups of four digits (个, 万, 亿, 万亿): a
// run of zeros inside the number is one 零, trailing zeros are silent.
func integerWords(n int64) string {
	var groups []int64 // lowest first
	for n > 0 {
		groups = append(groups, n%10000)
		n /= 10000
	}
	var b strings.Builder
	zero := false
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		if g == 0 {
			zero = b.Len() > 0
			continue
		}
		if b.Len() > 0 && (zero || g < 1000) {
			b.WriteString("零")
		}
		b.WriteString(groupWords(g))
		b.WriteString(capGroups[i])
		zero = false
	}
	return b.String()
}

// groupWords writes 1..9999 without a leading 零.
func groupWords(g int64) string {
	var b strings.Builder
	started, zero := false, false
	for pos := 3; pos >= 0; pos-- {
		d := g
		for range pos {
			d /= 10
		}
		d %= 10
		if d == 0 {
			zero = started
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(capDigits[d] + capUnits[pos])
		started = true
	}
	return b.String()
}
