package billing_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/excel"
)

// FuzzImportReadings: a readings workbook with any house code, reading,
// 换表 and start value, for any period, imports or is refused with row
// errors or an invalid error — never an internal error, on SQLite or
// PostgreSQL. A committed file imported again changes nothing.
func FuzzImportReadings(f *testing.F) {
	for _, c := range [][5]string{{"3-2-1201", "100", "", "", "2026-11"}, {"3－2－1201", "1,234.5", "否", "", "2026/11"},
		{"3-2-1201", "5", "是", "1", "2026-11"}, {"3-2-1201", "-1", "", "", "2026-11"}, {"3-2-9999", "1", "", "", "2026-11"},
		{"", "", "", "", ""}, {"3-2-1201", "1.005", "maybe", "x", "2026-13"}, {"3-2-1201", "89.499999999999986", "y", "NaN", "2026-1"},
		{"%", "1e20", "1", "1e400", "1999-12"}, {"3-2-1201", "１００", "是", "", "2026-12"}, {"3-2-1201\x00", "\xff", "", "", "2026-11"}} {
		f.Add(c[0], c[1], c[2], c[3], c[4])
	}
	tb, fixtures := apptest.Fuzz(f)
	items := make([]int64, len(fixtures))
	for i, fx := range fixtures {
		var it billing.FeeItem
		r := fx.API(auth.RoleCSManager).Post("/api/v1/fee-items", map[string]any{"community_id": fx.A.Community.ID,
			"name": "水费", "kind": "metered", "unit_price": "3.5"})
		if r.Code != http.StatusCreated {
			f.Fatalf("fee item: %s", r)
		}
		r.JSON(f, &it)
		items[i] = it.ID
	}
	f.Fuzz(func(t *testing.T, house, reading, replacement, start, period string) {
		tb.Use(t)
		var cols []excel.Column
		for _, h := range billing.ReadingColumns {
			cols = append(cols, excel.Column{Header: h})
		}
		file, ok := apptest.Workbook(cols, []any{house, reading, replacement, start})
		if !ok {
			t.Skip()
		}
		for i, fx := range fixtures {
			in := billing.ReadingImportInput{CommunityID: fx.A.Community.ID, FeeItemID: items[i], Period: period, Commit: true}
			by := fx.Users[auth.RoleAdmin]
			rep, err := fx.App.Billing.ImportReadings(context.Background(), by, in, bytes.NewReader(file))
			if err != nil {
				if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeConflict {
					t.Fatalf("import %q %q %q %q for %q: %v", house, reading, replacement, start, period, err)
				}
				continue
			}
			for _, e := range rep.Errors {
				if e.Row != 2 || e.Column == "" || e.Reason == "" {
					t.Fatalf("row error %+v", e)
				}
			}
			if !rep.Clean() {
				if rep.Committed {
					t.Fatalf("a file with errors was committed: %+v", rep)
				}
				continue
			}
			in.Commit = false
			again, err := fx.App.Billing.ImportReadings(context.Background(), by, in, bytes.NewReader(file))
			if err != nil || again.New+again.Updated > 0 || !again.Clean() {
				t.Fatalf("the same file again: %+v, %v", again, err)
			}
		}
	})
}
