package billing_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
)

// sheet downloads an export and returns its first sheet's rows.
func (x *fx) sheet(path string) [][]string {
	x.t.Helper()
	r := x.API(auth.RoleAuditor).Get(path)
	if r.Code != 200 || r.Header.Get("Content-Type") != excel.ContentType {
		x.t.Fatalf("GET %s: %d %s", path, r.Code, r.Header.Get("Content-Type"))
	}
	rd, err := excel.Open(bytes.NewReader(r.Body))
	if err != nil {
		x.t.Fatalf("%s: %v", path, err)
	}
	var rows [][]string
	for rd.Next() {
		_, cells := rd.Row()
		rows = append(rows, append([]string(nil), cells...))
	}
	return rows
}

// TestReportExports: every report downloads as .xlsx with the same
// figures as the JSON, money as exact two-decimal numbers.
func TestReportExports(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		h1 := x.houses[0].ID
		x.paid(x.pay(auth.RoleCashier, h1, 22533, x.bills(h1, "unpaid")...))
		cid := x.A.Community.ID
		arrears := x.sheet(fmt.Sprintf("/api/v1/arrears/export.xlsx?community_id=%d", cid))
		if len(arrears) != 3 || arrears[0][0] != "房屋" || arrears[1][2] != "250" { // 3-2-1202 owes 250.00
			t.Errorf("arrears sheet: %q", arrears)
		}
		rate := x.sheet(fmt.Sprintf("/api/v1/collection-rate/export.xlsx?community_id=%d&period=2026-11", cid))
		last := rate[len(rate)-1]
		if last[1] != "490.33" || last[2] != "225.33" || last[3] != "45.9%" {
			t.Errorf("collection sheet: %q", rate)
		}
		cash := x.sheet(fmt.Sprintf("/api/v1/cash-report/export.xlsx?community_id=%d&date=2026-11-20", cid))
		if last := cash[len(cash)-1]; last[0] != "合计" || last[5] != "225.33" {
			t.Errorf("cash sheet: %q", cash)
		}
		st := x.sheet(fmt.Sprintf("/api/v1/statement/export.xlsx?community_id=%d&year=2026", cid))
		if !strings.Contains(fmt.Sprint(st), "收入合计  225.33") {
			t.Errorf("statement sheet: %q", st)
		}
	})
}
