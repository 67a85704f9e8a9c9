package frontdesk_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
)

// FuzzParcelPickup: whatever is typed as the pickup code (and however
// the request is shaped), a parcel is handed out only for its own six
// digits, and a wrong code is a 4xx (invalid, or throttled), never a 500.
func FuzzParcelPickup(f *testing.F) {
	for _, c := range []string{"", "0", "-1", "000000", "123456", "1234567", "12345", "１２３４５６", " 123456 ", "12345\x00",
		"\xff\xfe", "1e5", "%", "' OR 1=1 --", "\u0661\u0662\u0663\u0664\u0665\u0666"} {
		f.Add(c, false)
	}
	f.Add("", true)
	tb, fixtures := apptest.Fuzz(f)
	parcels := make([]*frontdesk.Parcel, len(fixtures))
	for i, fx := range fixtures {
		r := fx.API(auth.RoleCSAgent).Post("/api/v1/parcels", map[string]any{"community_id": fx.A.Community.ID,
			"house_id": fx.A.House.ID, "carrier": "顺丰", "tracking_number": "SF" + apptest.Rand(5), "recipient_name": "张三"})
		if r.Code != http.StatusCreated {
			f.Fatalf("register: %s", r)
		}
		parcels[i] = &frontdesk.Parcel{}
		if r.JSON(f, parcels[i]); len(parcels[i].PickupCode) != 6 {
			f.Fatalf("registered parcel has pickup code %q", parcels[i].PickupCode)
		}
	}
	f.Fuzz(func(t *testing.T, code string, byID bool) {
		tb.Use(t)
		for i, fx := range fixtures {
			p := parcels[i]
			body, _ := json.Marshal(map[string]any{"code": code, "by_id": byID})
			// Wrong codes soon throttle (429): still a client error.
			r := fx.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/parcels/%d/pickup", p.ID), body)
			switch {
			case r.Code >= 500:
				t.Fatalf("pickup with %q: %s", code, r)
			case r.Code < 300 && (byID || strings.TrimSpace(code) != p.PickupCode):
				t.Fatalf("pickup with %q (by_id %v) handed out the parcel whose code is %s", code, byID, p.PickupCode)
			}
		}
	})
}

// FuzzVisitorList: any query string of the visitor list is a list or a
// 4xx, never a 500, and the name, phone and keyword filters match
// literally: "%" and "_" are characters, not wildcards.
func FuzzVisitorList(f *testing.F) {
	for _, q := range []string{"", "q=%25", "q=_", "q=%5C", "name=%25", "phone=_", "q=王", "q=100%25", "q=a_b",
		"status=on_site", "status=bogus", "view=today", "from=2026-11-01&to=2026-11-30", "from=2026-02-30", "from=0000-01-01",
		"community_id=-1", "house_id=abc", "people=1000", "page=9223372036854775807&per_page=500", "q=%00", "q=%FF"} {
		f.Add(q)
	}
	tb, fixtures := apptest.Fuzz(f)
	for _, fx := range fixtures {
		for _, name := range []string{"王%五", "李_四", `赵\六`, "钱七"} {
			r := fx.API(auth.RoleCSAgent).Post("/api/v1/visitors", map[string]any{"community_id": fx.A.Community.ID,
				"house_id": fx.A.House.ID, "name": name, "phone": "13800138000", "purpose": "探亲", "plate": "粤B12345"})
			if r.Code != http.StatusCreated {
				f.Fatalf("visitor: %s", r)
			}
		}
	}
	f.Fuzz(func(t *testing.T, query string) {
		tb.Use(t)
		v := (&url.URL{RawQuery: query}).Query() // as the server reads it
		name, phone, q := strings.TrimSpace(v.Get("name")), strings.TrimSpace(v.Get("phone")), strings.TrimSpace(v.Get("q"))
		for _, fx := range fixtures {
			var items []frontdesk.Visitor
			if !fx.API(auth.RoleCSAgent).List(t, "/api/v1/visitors", query, &items) {
				continue
			}
			// SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
			has := func(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }
			for _, it := range items {
				if !has(it.Name, name) || !has(it.Phone, phone) || (q != "" && !has(it.Name, q) && !has(it.Phone, q) && !has(it.Plate, q)) {
					t.Fatalf("?%s listed %q %s %s", query, it.Name, it.Phone, it.Plate)
				}
			}
		}
	})
}
