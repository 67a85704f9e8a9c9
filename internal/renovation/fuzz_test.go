package renovation_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/renovation"
)

// FuzzRenovationList: any query string of GET /api/v1/renovations is a
// list or a 4xx, never a 500, and the keyword matches literally: every
// application listed has q as a house code prefix, inside its
// contractor, manager or applicant, or as its permit number — "%" and "_"
// are characters, not wildcards.
func FuzzRenovationList(f *testing.F) {
	for _, q := range []string{"", "q=%25", "q=_", "q=%5C", "q=金螳螂", "q=3-2", "q=100%25", "q=a_b", "status=submitted&q=王",
		"view=pending", "view=expiring", "view=overdue", "view=bogus", "status=%FF", "community_id=-1", "community_id=abc",
		"page=9223372036854775807&per_page=1", "q=%00", "q=' OR '1'='1"} {
		f.Add(q)
	}
	tb, fixtures := apptest.Fuzz(f)
	for _, fx := range fixtures {
		for _, contractor := range []string{"金螳螂100%装饰", "a_b家装", `反斜杠\装修`} {
			r := fx.API(auth.RoleCSAgent).Post("/api/v1/renovations", map[string]any{"house_id": fx.A.House.ID,
				"contractor": contractor, "manager_name": "王建国", "manager_phone": "13800138000", "area": 85.5,
				"starts_on": "2026-12-01", "ends_on": "2027-02-28"})
			if r.Code != http.StatusCreated {
				f.Fatalf("apply: %s", r)
			}
		}
	}
	f.Fuzz(func(t *testing.T, query string) {
		tb.Use(t)
		// As the server reads it: pairs that do not parse are dropped.
		q := strings.TrimSpace((&url.URL{RawQuery: query}).Query().Get("q"))
		for _, fx := range fixtures {
			var items []renovation.Renovation
			if !fx.API(auth.RoleCSAgent).List(t, "/api/v1/renovations", query, &items) {
				continue
			}
			// SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
			lq := strings.ToLower(q)
			for _, it := range items {
				if q != "" && !strings.HasPrefix(strings.ToLower(it.HouseCode), lq) && !strings.Contains(strings.ToLower(it.Contractor), lq) &&
					!strings.Contains(strings.ToLower(it.ManagerName), lq) && !strings.Contains(strings.ToLower(it.ApplicantName), lq) &&
					it.PermitNumber != q {
					t.Fatalf("q=%q listed %s %q", q, it.HouseCode, it.Contractor)
				}
			}
		}
	})
}
