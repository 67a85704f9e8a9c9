package auth

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"wuye/internal/platform/errs"
)

// CheckPassword enforces the password rule that needs no account: at
// least 8 characters with both letters and digits.
func CheckPassword(p string) error {
	if utf8.RuneCountInString(p) < 8 {
		return errs.Invalid("password", "密码至少 8 位")
	}
	var letter, digit bool
	for _, c := range p {
		letter = letter || unicode.IsLetter(c)
		digit = digit || unicode.IsDigit(c)
	}
	if !letter || !digit {
		return errs.Invalid("password", "密码需同时包含字母和数字")
	}
	return nil
}

// CheckPasswordFor is the whole password policy for the account login:
// CheckPassword, and neither the login name inside it nor one of the
// passwords that guessing tools try first (they pass the letters-and-
// digits rule, which is why the rule alone is not enough).
func CheckPasswordFor(login, p string) error {
	if err := CheckPassword(p); err != nil {
		return err
	}
	lp := strings.ToLower(p)
	if l := strings.ToLower(strings.TrimSpace(login)); l != "" && strings.Contains(lp, l) {
		return errs.Invalid("password", "密码不能包含登录名")
	}
	if commonPasswords[lp] {
		return errs.Invalid("password", "密码过于常见，容易被猜中，请换一个")
	}
	return nil
}

// commonPasswords are the most frequent leaked passwords (Chinese sites
// included) that have letters and digits, lower case: the ones an
// attacker tries first against every login.
var commonPasswords = map[string]bool{}

func init() {
	for _, p := range strings.Fields(`
		12345678a 123456789a a12345678 a123456789 a1234567 abc12345 abcd1234 abc123456 abcd123456
		1234qwer qwer1234 qwe12345 qwe123456 qwerty123 qwerty12 1qaz2wsx 1q2w3e4r 1q2w3e4r5t
		zxcvbnm123 asd12345 asd123456 aa123456 aa123456789 qq123456 qq111111 a5201314
		password1 password12 password123 passw0rd p@ssw0rd admin123 admin888 admin1234
		woaini1314 woaini520 5201314a iloveyou1 123456qq 123456abc 123123abc abc123abc
		wuye1234 wuye123456`) {
		commonPasswords[p] = true
	}
}
