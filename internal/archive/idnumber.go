package archive

import "time"

// idProvinces are the first two digits of the administrative division
// codes a 居民身份证号码 can start with; 83 is the code of the residence
// permits issued to Taiwan residents (81 Hong Kong, 82 Macao).
var idProvinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// ValidIDNumber checks an 18-digit 居民身份证号码: digits, a known
// province code, a real birth date and the ISO 7064 MOD 11-2 check
// character (an upper-case X; callers upper-case input first).
func ValidIDNumber(s string) bool {
	if len(s) != 18 || !idProvinces[s[:2]] {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * weights[i]
	}
	if "10X98765432"[sum%11] != s[17] {
		return false
	}
	birth, err := time.Parse("20060102", s[6:14])
	return err == nil && birth.Year() >= 1900 && birth.Before(time.Now())
}
