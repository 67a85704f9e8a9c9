package auth_test

import (
	"strings"
	"testing"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/errs"
)

func TestEmailIsOptionalAndChecked(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"   ", "", true},
		{" zhang.san@example.com ", "zhang.san@example.com", true},
		{"wang+wuye@mail.example.com.cn", "wang+wuye@mail.example.com.cn", true},
		{"zhangsan", "", false},
		{"zhang@localhost", "", false},
		{"张三 <zhang@example.com>", "", false},
		{"<zhang@example.com>", "", false},
		{"a@b.cn, c@d.cn", "", false},
		{"zhang@example.com\r\nBcc: x@y.cn", "", false},
		{strings.Repeat("a", 90) + "@example.com", "", false}, // 102 characters
	} {
		got, err := auth.CleanEmail(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("CleanEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !tc.ok {
			if e, ok := errs.As(err); !ok || e.Code != errs.CodeInvalid || e.Field != "email" || e.Message == "" {
				t.Errorf("CleanEmail(%q): got %v, want invalid email", tc.in, err)
			}
		}
	}
}

// An admin sets a user's address on create and edit; the user sets their
// own; every change is audited; the session user carries it.
func TestEmailIsStoredAndAudited(t *testing.T) {
	dbtest.Each(t, migrate, func(t *testing.T, d *db.DB) {
		s, _ := newService(d)
		admin := newUser(t, s, auth.RoleAdmin)
		in := auth.UserInput{Login: "mail-" + unique(), Name: "邮件", Role: auth.RoleCSAgent, Communities: []int64{1},
			Email: " li@example.com "}
		u, err := s.CreateUser(ctx, admin, in, pw)
		if err != nil || u.Email != "li@example.com" {
			t.Fatalf("create: %+v %v", u, err)
		}
		bad := in
		bad.Login, bad.Email = "mail-"+unique(), "li-at-example.com"
		_, err = s.CreateUser(ctx, admin, bad, pw)
		wantCode(t, "create with a bad address", err, errs.CodeInvalid, "email")
		_, err = s.UpdateUser(ctx, admin, u.ID, bad)
		wantCode(t, "update with a bad address", err, errs.CodeInvalid, "email")

		in.Email = "li.new@example.com"
		if u, err = s.UpdateUser(ctx, admin, u.ID, in); err != nil || u.Email != "li.new@example.com" {
			t.Fatalf("update: %+v %v", u, err)
		}
		_, err = s.SetEmail(ctx, u, u.ID, "not an address")
		wantCode(t, "own bad address", err, errs.CodeInvalid, "email")
		if u, err = s.SetEmail(ctx, u, u.ID, "li.own@example.com"); err != nil || u.Email != "li.own@example.com" {
			t.Fatalf("own address: %+v %v", u, err)
		}
		// Unchanged: nothing to audit.
		if _, err := s.SetEmail(ctx, u, u.ID, "li.own@example.com"); err != nil {
			t.Fatal(err)
		}
		tok, _, err := s.Login(ctx, u.Login, pw, "10.7.0.1", "", auth.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		if me, err := s.Authenticate(ctx, tok, auth.KindWeb); err != nil || me.Email != "li.own@example.com" {
			t.Errorf("session user: %+v %v", me, err)
		}
		if u, err = s.SetEmail(ctx, u, u.ID, ""); err != nil || u.Email != "" {
			t.Fatalf("remove: %+v %v", u, err)
		}
		if u, _ = s.User(ctx, u.ID); u.Email != "" {
			t.Errorf("removed address still stored: %q", u.Email)
		}

		es, _, err := audit.List(ctx, d, audit.Filter{Entity: "user", EntityID: u.ID})
		if err != nil || len(es) != 4 {
			t.Fatalf("audit: %d entries, %v", len(es), err)
		}
		// Newest first: removed by the user, set by the user, edited by
		// the admin, created by the admin.
		want := []struct {
			by            int64
			before, after string
		}{{u.ID, "li.own@example.com", ""}, {u.ID, "li.new@example.com", "li.own@example.com"},
			{admin.ID, "li@example.com", "li.new@example.com"}, {admin.ID, "", "li@example.com"}}
		for i, w := range want {
			var mail []audit.Change
			for _, c := range es[i].Changes() {
				if c.Field == "电子邮箱" {
					mail = append(mail, c)
				} else if i < 3 {
					t.Errorf("audit entry %d changed %s too", i, c.Field)
				}
			}
			if es[i].UserID != w.by || len(mail) != 1 || mail[0].After != w.after || mail[0].Before != w.before {
				t.Errorf("audit entry %d by %d: %+v", i, es[i].UserID, mail)
			}
		}
	})
}
