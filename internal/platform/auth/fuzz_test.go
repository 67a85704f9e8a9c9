package auth_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
)

// FuzzUserSearch: the admin's user search takes any text without an
// error and matches it literally in the login or the name: "%" and "_"
// are characters, not wildcards that list every account.
func FuzzUserSearch(f *testing.F) {
	for _, q := range []string{"%", "_", "%%", `\`, "admin", "ADMIN", "管理员", "cs_agent", "a%b", "", "' OR 1=1 --", "\U0010FFFF"} {
		f.Add(q)
	}
	tb, fixtures := apptest.Fuzz(f)
	f.Fuzz(func(t *testing.T, q string) {
		tb.Use(t)
		if !utf8.ValidString(q) || strings.ContainsRune(q, 0) {
			t.Skip() // the router answers 422 before the handler
		}
		for _, fx := range fixtures {
			us, err := fx.App.Auth.Users(context.Background(), auth.ListFilter{Q: q})
			if err != nil {
				t.Fatalf("Users(%q): %v", q, err)
			}
			// SQLite's LIKE and lower() fold ASCII case only.
			lq := strings.ToLower(q)
			for _, u := range us {
				if !strings.Contains(strings.ToLower(u.Login), lq) && !strings.Contains(strings.ToLower(u.Name), lq) {
					t.Fatalf("searching %q listed %s (%s)", q, u.Login, u.Name)
				}
			}
		}
	})
}
