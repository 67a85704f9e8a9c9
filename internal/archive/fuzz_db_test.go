package archive_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
)

// routable reports whether s can reach a handler at all: the router
// refuses query and form values that are not UTF-8 or hold a NUL, and
// DecodeJSON refuses \u0000 and turns bad UTF-8 into U+FFFD.
func routable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// wantInputError fails unless err is nil or an error the user caused
// (invalid input or a conflict): never an internal error, a 500.
func wantInputError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeConflict {
		t.Fatalf("%s: %v (code %s), want nil or an input error", what, err, c)
	}
}

// FuzzSearch: the header's one box (archive, tickets and receipts) takes
// any text without an internal error, shows a scoped user only records of
// their communities, and treats LIKE wildcards as plain characters: "%"
// or "_" find nothing in the fixture, whose records contain neither.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"3-2-1201", "3-2", "1201", "张三", "张", "zs", "zhangsan", "粤B12345", "B12345", "1234",
		"13800138000", "TS2026", "SJ2026-000001", "", "0", "-1", "%", "_", "%%", "3-2-%", "张%", "\\", "'", "' OR 1=1 --",
		"１２０１", "1e9", strings.Repeat("9", 64), strings.Repeat("9", 65), "\U0010FFFF", "\u3000", "ts", "sj1"} {
		f.Add(s)
	}
	tb, fixtures := apptest.Fuzz(f)
	f.Fuzz(func(t *testing.T, q string) {
		tb.Use(t)
		if !routable(q) {
			t.Skip()
		}
		for _, fx := range fixtures {
			for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleCSAgent} {
				by := fx.Users[role]
				ctx := context.Background()
				hits, err := fx.App.Archive.Search(ctx, by, q)
				wantInputError(t, "archive search "+q, err)
				for _, more := range []archive.Searcher{fx.App.Tickets.Search, fx.App.Billing.Search} {
					h, err := more(ctx, by, q)
					wantInputError(t, "search "+q, err)
					hits = append(hits, h...)
				}
				for _, h := range hits {
					if role != auth.RoleAdmin && h.CommunityID != fx.A.Community.ID {
						t.Fatalf("%s searching %q found %s %d of community %d", role, q, h.Kind, h.ID, h.CommunityID)
					}
					if strings.Trim(q, "%_") == "" {
						t.Fatalf("searching %q found %s %q: a wildcard matched", q, h.Kind, h.Title)
					}
				}
			}
		}
	})
}

// FuzzHouseByCode: a typed house code finds the house whose code it is
// (ignoring spaces, full-width dashes and case) or is an invalid error on
// the field; wildcards and quotes are plain characters.
func FuzzHouseByCode(f *testing.F) {
	for _, s := range []string{"3-2-1201", " 3 - 2 - 1201 ", "3－2－1201", "3—2—1201", "3　-2-1201", "3-2-120", "3-2-12011",
		"3-2-120%", "3-2-120_", "%", "3-2", "1201", "", "-", "--", "3-2-1201' OR '1'='1", "３-２-１２０１", "\U0010FFFF"} {
		f.Add(s)
	}
	tb, fixtures := apptest.Fuzz(f)
	f.Fuzz(func(t *testing.T, code string) {
		tb.Use(t)
		if !routable(code) {
			t.Skip()
		}
		for _, fx := range fixtures {
			h, err := fx.App.Archive.HouseByCode(context.Background(), fx.Users[auth.RoleCSAgent], fx.A.Community.ID, code, "house")
			if err != nil {
				if e, ok := errs.As(err); !ok || e.Code != errs.CodeInvalid || e.Field != "house" {
					t.Fatalf("HouseByCode(%q): %v", code, err)
				}
				continue
			}
			typed := strings.Join(strings.Fields(strings.ReplaceAll(code, "　", " ")), "")
			typed = strings.NewReplacer("－", "-", "—", "-", "–", "-").Replace(typed)
			if h.CommunityID != fx.A.Community.ID || !strings.EqualFold(h.Code, typed) {
				t.Fatalf("HouseByCode(%q) = %s of community %d", code, h.Code, h.CommunityID)
			}
		}
	})
}

// FuzzImportHouses: a workbook with any cell values imports in full or
// is refused with row errors (an invalid error), never an internal error
// — on PostgreSQL too, which refuses text SQLite takes. A committed file
// imported again changes nothing.
func FuzzImportHouses(f *testing.F) {
	type row = [8]string // building, unit, number, gross area, owner, phone, ID number, notes
	for _, r := range []row{
		{"1", "1", "101", "89.50", "张三", "13800138000", apptest.IDNumber(), "备注"},
		{"1", "1", "102", "89.499999999999986", "", "", "", ""},
		{"A座", "2单元", "B1", "1,234.5", "李四", "+86 139 0013 9000", "", "_x0000_"},
		{"", "", "", "", "", "", "", ""},
		{"1-1", "1", "1", "-1", "王五", "123", "110105194912310021", "&#0;"},
		{"1", "1", "1e3", "1e3", "赵六", "010-12345678", "E12345678", "\x00"},
		{"1", "1", "101", "NaN", "张三", "13800138000", "110101********1234", "\xff\xfe"},
		{"%", "_", "1", "0", strings.Repeat("长", 61), "", "", strings.Repeat("x", 5000)},
	} {
		f.Add(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
	}
	tb, fixtures := apptest.Fuzz(f)
	communities := make([]int64, len(fixtures))
	for i, fx := range fixtures {
		c, err := fx.App.Archive.CreateCommunity(context.Background(), fx.Users[auth.RoleAdmin],
			archive.CommunityInput{Name: "导入模糊测试" + fx.Suffix, Type: "住宅"})
		if err != nil {
			f.Fatal(err)
		}
		communities[i] = c.ID
	}
	f.Fuzz(func(t *testing.T, building, unit, number, gross, name, phone, idNumber, notes string) {
		tb.Use(t)
		// The fuzzed row, and a good row after it so the file is not
		// refused for being empty of data.
		file, ok := apptest.Workbook(archive.HouseColumns,
			[]any{building, unit, number, "", gross, "", "住宅", "自住", "", name, phone, "身份证", idNumber, "", "", notes},
			[]any{"9", "9", "999", "", "50", "", "住宅", "空置", "", "", "", "", "", "", "", ""})
		if !ok {
			t.Skip()
		}
		for i, fx := range fixtures {
			by := fx.Users[auth.RoleAdmin]
			rep, err := fx.App.Archive.ImportHouses(context.Background(), by, communities[i], bytes.NewReader(file), true)
			wantInputError(t, "import", err)
			if err != nil {
				if errs.CodeOf(err) == errs.CodeInvalid && (rep == nil || len(rep.Errors) == 0) {
					t.Fatalf("import refused without a row error: %v", err)
				}
				for _, e := range rep.Errors {
					if e.Reason == "" || e.Row < 0 || !utf8.ValidString(e.Error()) {
						t.Fatalf("row error %+v", e)
					}
				}
				continue
			}
			if !rep.Committed || !rep.Clean() {
				t.Fatalf("import without error: %+v", rep)
			}
			again, err := fx.App.Archive.ImportHouses(context.Background(), by, communities[i], bytes.NewReader(file), false)
			if err != nil || again.NewHouses+again.UpdatedHouses+again.NewOwners+again.UpdatedOwners+again.NewBuildings+again.NewUnits > 0 {
				t.Fatalf("the same file again would change %+v (%v)", again, err)
			}
		}
	})
}
