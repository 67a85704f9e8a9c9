package auth_test

import (
	"fmt"
	"testing"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// Authenticate reads the session, its user and every community of the
// user in one go: the user it returns is the stored account, with all its
// communities in order (an administrator, who sees all, has an empty list,
// not nil).
func TestAuthenticateReturnsTheWholeUser(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		for _, tc := range []struct {
			role        auth.Role
			communities []int64
		}{
			{auth.RoleCSManager, []int64{7, 3, 5}},
			{auth.RoleCSAgent, []int64{4}},
			{auth.RoleDeptStaff, []int64{2}},
			{auth.RoleAdmin, nil},
		} {
			in := auth.UserInput{Login: "sess-" + unique(), Name: "会话" + tc.role.Label(), Role: tc.role,
				Department: map[bool]string{true: "秩序部"}[tc.role == auth.RoleDeptStaff], Phone: "13800138000",
				Email:       "sess-" + unique() + "@example.com",
				Communities: tc.communities}
			u, err := s.CreateUser(ctx, nil, in, pw)
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := s.Login(ctx, u.Login, pw, "10.0.0.9", "test", auth.KindWeb)
			if err != nil {
				t.Fatal(err)
			}
			me, err := s.Authenticate(ctx, tok, auth.KindWeb)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.User(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if me.Communities == nil {
				t.Errorf("%s: nil communities, want an empty list", tc.role)
			}
			got, exp := fmt.Sprintf("%+v", *me), fmt.Sprintf("%+v", *want)
			if got != exp {
				t.Errorf("%s: Authenticate = %s\nwant the account %s", tc.role, got, exp)
			}
		}
	})
}
