package app_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
)

// checkAnswer fails unless a response is a success or a 4xx: a 500 (or a
// 4xx whose envelope says "internal") is a bug whatever the input was.
func checkAnswer(t *testing.T, what string, r *apptest.Response) {
	t.Helper()
	if r.Code >= 500 {
		t.Fatalf("%s: %s", what, r)
	}
	if r.Code >= 400 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var env struct {
			Error struct{ Code string }
		}
		if json.Unmarshal(r.Body, &env) != nil || env.Error.Code == "" || env.Error.Code == "internal" {
			t.Fatalf("%s: %s is not a client error envelope", what, r)
		}
	}
}

// postRoute is a JSON API write with a body that succeeds as it stands,
// for the fuzzer to spoil one field at a time.
type postRoute struct {
	method, path string
	base         func(fx *apptest.Fixture) map[string]any
}

var postRoutes = []postRoute{
	{"POST", "/api/v1/tickets", func(fx *apptest.Fixture) map[string]any {
		return map[string]any{"community_id": fx.A.Community.ID, "house_id": fx.A.House.ID, "kind": "repair", "channel": "phone",
			"title": "厨房漏水", "description": "水管接口滴水", "requester_name": "张三", "requester_phone": "13800138000"}
	}},
	{"POST", "/api/v1/payments", func(fx *apptest.Fixture) map[string]any {
		return map[string]any{"house_id": fx.A.House.ID, "bill_ids": []int64{}, "amount_fen": 100, "method": "cash"}
	}},
	{"POST", "/api/v1/parcels", func(fx *apptest.Fixture) map[string]any {
		return map[string]any{"community_id": fx.A.Community.ID, "house_id": fx.A.House.ID, "carrier": "顺丰",
			"tracking_number": "SF1234567890", "recipient_name": "张三", "recipient_phone": "13800138000"}
	}},
	{"POST", "/api/v1/visitors", func(fx *apptest.Fixture) map[string]any {
		return map[string]any{"community_id": fx.A.Community.ID, "house_id": fx.A.House.ID, "name": "王五",
			"phone": "13800138000", "purpose": "探亲", "people": 2}
	}},
	{"POST", "/api/v1/houses", func(fx *apptest.Fixture) map[string]any {
		return map[string]any{"unit_id": fx.A.Unit.ID, "number": "1301", "floor": 13, "gross_area": "89.50",
			"inner_area": 75.2, "use": "住宅", "status": "空置", "delivered_on": "2020/6/30"}
	}},
	{"POST", "/api/v1/renovations", func(fx *apptest.Fixture) map[string]any {
		return map[string]any{"house_id": fx.A.House.ID, "contractor": "金螳螂家装", "manager_name": "王建国",
			"manager_phone": "13800138000", "area": 85.5, "starts_on": "2026-12-01", "ends_on": "2027-02-28"}
	}},
	{"POST", "/api/v1/fee-items", func(fx *apptest.Fixture) map[string]any {
		return map[string]any{"community_id": fx.A.Community.ID, "name": "物业费", "kind": "area", "unit_price": "2.35",
			"applies_to": map[string]any{"use": []string{"住宅"}}, "late_fee_daily_rate": "0.05"}
	}},
	{"POST", "/api/v1/movein/campaigns", func(fx *apptest.Fixture) map[string]any {
		return map[string]any{"community_id": fx.A.Community.ID, "name": "12月入伙", "starts_on": "2026-12-01",
			"ends_on": "2026-12-31", "posts": map[string]any{"接待": []string{"王婷", "赵雪"}}}
	}},
	{"PUT", "/api/v1/workdays/2099-06-06", func(*apptest.Fixture) map[string]any {
		return map[string]any{"working": true, "note": "模糊测试"}
	}},
}

// FuzzAPIWrites posts bodies that are right but for one field (any name,
// any JSON value or string), or any bytes at all, with any query string,
// to a few JSON API writes: the answer is never a 500.
func FuzzAPIWrites(f *testing.F) {
	values := []string{``, `""`, `0`, `-1`, `null`, `true`, `[]`, `{}`, `"1,234.50"`, `"１２３"`, `1e9`, `1e400`,
		`99999999999999999999`, `"\u0000"`, "\"\xff\"", `"` + strings.Repeat("长", 6000) + `"`, `"2026-02-30"`,
		`"9999-12-31T23:59:59-23:59"`, `"0001-01-01T00:00:00+14:00"`, `"%"`, `"' OR 1=1 --"`, `[1,2,3]`, `-0.0`}
	blank := &apptest.Fixture{A: &apptest.Community{Community: &archive.Community{}, House: &archive.House{}, Unit: &archive.Unit{}}}
	// Each field gets a few of the values (rotating), so that the seed
	// corpus stays small enough to replay in a short fuzzing run.
	n := 0
	for i, r := range postRoutes {
		for field := range r.base(blank) {
			for range 3 {
				f.Add(uint8(i), field, values[n%len(values)], true, "")
				n++
			}
		}
		f.Add(uint8(i), "", `{"x":`, true, "")
		f.Add(uint8(i), "", "\x00\xff", false, "page=-1&community_id=%FF")
		f.Add(uint8(i), "unknown_field", `"x"`, true, "q=%00")
	}
	f.Add(uint8(2), "arrived_at", "2026-11-27T14:05", false, "")
	f.Add(uint8(2), "arrived_at", "9999-12-31T23:59:59-23:59", false, "")
	f.Add(uint8(3), "expected_at", "0001-01-01T00:00:00+14:00", false, "")
	tb, fixtures := apptest.Fuzz(f)
	f.Fuzz(func(t *testing.T, route uint8, field, value string, raw bool, query string) {
		tb.Use(t)
		r := postRoutes[int(route)%len(postRoutes)]
		for _, fx := range fixtures {
			var body []byte
			if field == "" {
				body = []byte(value)
			} else {
				b := r.base(fx)
				if raw && json.Valid([]byte(value)) {
					b[field] = json.RawMessage(value)
				} else {
					b[field] = value
				}
				var err error
				if body, err = json.Marshal(b); err != nil {
					t.Skip()
				}
			}
			c := fx.API(auth.RoleAdmin)
			req := c.Request(r.method, r.path, body)
			req.URL.RawQuery = query
			checkAnswer(t, fmt.Sprintf("%s %s?%s %s", r.method, r.path, query, body), c.Send(req))
		}
	})
}

// FuzzGetQueries sends any query string to every GET route without a
// path parameter — the JSON API with a token, the pages and exports with
// a browser session — as an admin and as a scoped agent: never a 500.
func FuzzGetQueries(f *testing.F) {
	queries := []string{"page=2&per_page=20", "page=-1&per_page=0",
		"q=%25", "q=_", "q=%00", "q=%FF", "q=3-2-1201", "q=TS2026", "community_id=-1", "community_id=99999999999",
		"community_id=1e3", "from=2026-02-30&to=0000-01-01", "from=9999-12-31", "month=2026-13", "month=1999-12",
		"year=0", "year=99999999999999999999", "period=2026/11", "status=%E2%80%AE", "kind=报修&status=open",
		"from=2026-09-30T10:00:00%2B08:00&days=1000", "from=2100-12-31T23:59:59Z&days=1000", "days=-1001",
		"house_id=0&owner_id=x", "sort=;DROP TABLE users", "view=overdue", "overdue=1&callback=1", "%zz=1&a=%"}
	tb, fixtures := apptest.Fuzz(f)
	var routes []string
	for _, r := range fixtures[0].App.Router.Routes() {
		if r.Method == "GET" && !strings.Contains(r.Path, "{") && !slices.Contains(skipGET, r.Path) &&
			!slices.Contains(routes, r.Path) {
			routes = append(routes, r.Path)
		}
	}
	slices.Sort(routes)
	// Every route once, bare or with a page far past the end; every query
	// on a spread of routes.
	for i := range routes {
		q := ""
		if i%2 == 1 {
			q = "page=9223372036854775807&per_page=500"
		}
		f.Add(uint16(i), q, i%4 < 2)
	}
	for i, q := range queries {
		f.Add(uint16(i*7), q, i%2 == 0)
	}
	clients := make([]map[bool]*apptest.Client, len(fixtures))
	for i, fx := range fixtures {
		clients[i] = map[bool]*apptest.Client{true: fx.API(auth.RoleAdmin), false: fx.API(auth.RoleCSAgent)}
	}
	pages := make([]map[bool]*apptest.Client, len(fixtures))
	for i, fx := range fixtures {
		pages[i] = map[bool]*apptest.Client{true: fx.Browser(auth.RoleAdmin), false: fx.Browser(auth.RoleCSAgent)}
	}
	f.Fuzz(func(t *testing.T, route uint16, query string, admin bool) {
		tb.Use(t)
		path := routes[int(route)%len(routes)]
		for i := range fixtures {
			c := pages[i][admin]
			if strings.HasPrefix(path, "/api/") {
				c = clients[i][admin]
			}
			checkAnswer(t, fmt.Sprintf("GET %s?%s (admin %v)", path, query, admin), c.GetRaw(path, query))
		}
	})
}

// skipGET are GET routes that are not the application's: probes and the
// sign-in page.
var skipGET = []string{"/login", "/healthz", "/readyz", "/metrics"}
