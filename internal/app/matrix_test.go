package app_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/web"
)

// The permission matrix walks every route the app registers (pages and
// API alike, read from a.Router.Routes(), so a route added tomorrow is
// walked tomorrow) for every role, once against records of the caller's
// own community A and once against community B, which no user but the
// admin may see. It fails when:
//
//   - a route has no permission and is not one of publicRoutes: a new
//     route must name the permission it needs (web.Router.Handle);
//   - a role without the route's permission gets anything but 403;
//   - a path naming a record of B (houses/{id}, owners/{id}, …) answers
//     anything but 403 or 404 to a user of A: the handler forgot the scope
//     check (archive's see(), or an equivalent);
//   - any response to a user of A contains one of B's marker strings (B's
//     name, phones, ID numbers): a list or a search forgot to filter by
//     scope, or an error message reveals the record;
//   - a user of A changed anything in B (row counts, update times, audit
//     entries): a create or update took the community from the request
//     body without checking it;
//   - a role that has the permission gets 401/403 or a 5xx;
//   - any route answers 5xx to an empty, malformed or ill-typed body or
//     query, or to ids of records that do not exist;
//   - the matrix cannot fill a path parameter: teach fill() the new name.
//
// A route's expected permission is the one it registers; which role has
// which permission is pinned separately in platform/auth's
// TestRolePermissions.

// publicRoutes are the only routes that may be served without a login.
// (Static files are mounted outside the router.)
var publicRoutes = []string{"GET /login", "POST /login", "POST /api/v1/login", "GET /healthz", "GET /readyz", "GET /metrics", "GET /p/statements/{token}"}

// roleOrder is every role, admin last: it may write into B, which the
// write check of the other roles must not see.
var roleOrder = append(slices.DeleteFunc(slices.Clone(auth.Roles), func(r auth.Role) bool { return r == auth.RoleAdmin }), auth.RoleAdmin)

// unscoped are the path parameters that belong to no community; every
// other record is taken to be one community's.
var unscoped = map[string]bool{"users": true, "day": true, "token": true, "file": true}

// ids returns the path value of each fillable parameter for community c:
// its records (other modules' ones from apptest.ExtraRecords, scoped to
// the community like the archive's) and values that are no record at all.
func ids(f *apptest.Fixture, c *apptest.Community) map[string]string {
	m := map[string]string{"day": "2030-10-08", "token": "x", // token: a public page's, no record
		"file": "wuye-20301008-020000.jsonl.gz"} // file: a backup's name, not written
	for k, v := range map[string]int64{
		"communities": c.Community.ID, "buildings": c.Building.ID, "units": c.Unit.ID, "houses": c.House.ID,
		"owners": c.Owner.ID, "residents": c.Resident.ID, "vehicles": c.Vehicle.ID, "link": c.Link.ID,
		"users": f.Target.ID,
	} {
		m[k] = fmt.Sprint(v)
	}
	for k, v := range c.IDs {
		m[k] = fmt.Sprint(v)
	}
	return m
}

// singular maps {house}, {house_id} … to their entity.
var singular = map[string]string{"community": "communities", "building": "buildings", "unit": "units",
	"house": "houses", "owner": "owners", "resident": "residents", "vehicle": "vehicles", "user": "users"}

// fill replaces the path parameters of route with ids from m. "{id}"
// names the record of the segment before it (/houses/{id}); other names
// name their entity ({link}, {house_id}). It reports whether the path
// names a record that belongs to a community.
func fill(path string, m map[string]string) (string, bool, error) {
	segs := strings.Split(path, "/")
	isScoped := false
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		name := strings.TrimSuffix(strings.TrimSuffix(strings.Trim(s, "{}"), "..."), "$")
		if name == "" { // {$}
			segs[i] = ""
			continue
		}
		if name == "aid" {
			// An attachment is reached through its ticket ({id}), which
			// carries the scope; the matrix has no file to upload.
			segs[i] = "1"
			continue
		}
		entity := name
		if name == "id" && i > 0 {
			entity = segs[i-1]
		}
		if e, ok := singular[strings.TrimSuffix(entity, "_id")]; ok {
			entity = e
		}
		id, ok := m[entity]
		if !ok {
			return "", false, fmt.Errorf("cannot fill %s in %s: add its entity to the matrix", s, path)
		}
		segs[i] = id
		isScoped = isScoped || !unscoped[entity]
	}
	return strings.Join(segs, "/"), isScoped, nil
}

// body is a plausible request for any create or edit route, every
// reference pointing into community c, so that a handler that uses it
// reaches its scope check instead of stopping at validation.
func body(c *apptest.Community, path string) map[string]any {
	kind := "家庭成员" // a resident's
	if strings.Contains(path, "ticket") {
		kind = "repair"
	}
	return map[string]any{
		"community_id": c.Community.ID, "building_id": c.Building.ID, "unit_id": c.Unit.ID,
		"house_id": c.House.ID, "owner_id": c.Owner.ID,
		"name": "矩阵" + apptest.Rand(3), "address": "矩阵路9号", "type": "住宅", "floors": 9,
		"number": fmt.Sprint(9000 + apptest.RandInt(999)), "floor": 9, "gross_area": "88.00", "inner_area": "70.00",
		"use": "住宅", "status": "自住", "phone": apptest.Phone(), "category": "普通",
		"relation": "亲属", "plate": fmt.Sprintf("粤B9%04d", apptest.RandInt(10000)), "color": "白",
		"share": "1", "reason": "矩阵测试", "notes": "矩阵测试", "id_type": "身份证",
		"building_name": fmt.Sprint(80 + apptest.RandInt(19)), "units": "1-2", // the community page's building form
		"name0": "矩阵买家", "phone0": apptest.Phone(), "share0": "100", // the transfer form's first row
		// tickets
		"text": "矩阵答复", "resolution": "已处理", "result": "satisfied", "department": "工程部", "valid": true,
		"report": "矩阵报告", "kind": kind, "title": "矩阵工单", "description": "矩阵测试",
		"owners": []map[string]any{{"owner_id": c.Owner.ID, "share": "100"}},
		"login":  "mx" + apptest.Rand(4), "password": "Secret999", "password2": "Secret999", "role": "cs_agent",
		"communities": []int64{c.Community.ID},
	}
}

// form is body as a posted form.
func form(m map[string]any) url.Values {
	v := url.Values{}
	for k, x := range m {
		switch x := x.(type) {
		case []int64:
			for _, id := range x {
				v.Add(k, fmt.Sprint(id))
			}
		case []map[string]any:
		default:
			v.Set(k, fmt.Sprint(x))
		}
	}
	return v
}

// endsSession reports whether a route may end the caller's session, so
// it gets a session of its own.
func endsSession(r web.Route) bool {
	return strings.Contains(r.Path, "logout") || strings.Contains(r.Path, "password")
}

type caller struct {
	api, page *apptest.Client
}

// fingerprint sums up everything of community c: row counts and latest
// update per table, and its audit entries.
func fingerprint(t *testing.T, d *db.DB, communityID int64) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"buildings", "units", "houses", "owners", "house_owners", "residents", "vehicles"} {
		var n int
		var latest any
		if err := d.QueryRow(`SELECT count(*), max(updated_at) FROM `+table+` WHERE community_id = $1`, communityID).Scan(&n, &latest); err != nil {
			t.Fatalf("fingerprint %s: %v", table, err)
		}
		fmt.Fprintf(&b, "%s:%d@%v ", table, n, latest)
	}
	var n int
	var latest any
	d.QueryRow(`SELECT count(*), max(updated_at) FROM communities WHERE id = $1`, communityID).Scan(&n, &latest)
	fmt.Fprintf(&b, "community@%v ", latest)
	d.QueryRow(`SELECT count(*) FROM audit_log WHERE community_id = $1`, communityID).Scan(&n)
	fmt.Fprintf(&b, "audit:%d", n)
	return b.String()
}

func TestPermissionMatrix(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		f.SeedExtra()
		routes := f.App.Router.Routes()
		if len(routes) < 50 {
			t.Fatalf("only %d routes registered", len(routes))
		}
		for _, r := range routes {
			if r.Perm == "" && !slices.Contains(publicRoutes, r.Method+" "+r.Path) {
				t.Errorf("%s %s has no permission: name one in Handle, or add it to publicRoutes if it must be public", r.Method, r.Path)
			}
		}
		callers := map[auth.Role]*caller{}
		for _, role := range roleOrder {
			callers[role] = &caller{api: f.API(role), page: f.Browser(role)}
		}
		markers := f.Markers()
		bBefore := fingerprint(t, f.DB, f.B.Community.ID)
		requests := 0
		for _, role := range roleOrder {
			if role == auth.RoleAdmin {
				if after := fingerprint(t, f.DB, f.B.Community.ID); after != bBefore {
					t.Errorf("users of A changed community B:\nbefore %s\nafter  %s", bBefore, after)
				}
			}
			for _, r := range routes {
				for _, foreign := range []bool{false, true} {
					c := f.A
					if foreign {
						c = f.B
					}
					path, pathScoped, err := fill(r.Path, ids(f, c))
					if err != nil {
						if role == roleOrder[0] && !foreign {
							t.Error(err)
						}
						continue
					}
					cl := callers[role].page
					if strings.HasPrefix(path, "/api/") {
						cl = callers[role].api
					}
					if r.Perm == "" {
						// Public (login): a client of its own address, so
						// its failed logins do not throttle the others.
						cl = f.Anon()
						cl.IP = fmt.Sprintf("10.250.%d.%d", apptest.RandInt(250), apptest.RandInt(250))
						cl.CSRF = strings.Repeat("m", 32)
					} else if endsSession(r) {
						if cl.Token != "" {
							cl = f.APIAs(f.Users[role].Login)
						} else {
							cl = f.BrowserAs(f.Users[role].Login)
						}
					}
					var b any
					if r.Method != "GET" {
						if cl.Token != "" {
							b = body(c, path)
						} else {
							b = form(body(c, path))
						}
					}
					var res *apptest.Response
					if r.Method == "GET" {
						// Lists: filtered to the variant's community, and (own
						// variant) unfiltered, which must still show only A.
						if !foreign {
							res = cl.Do("GET", path+"?q=zs", nil)
							requests++
							checkMarkers(t, r.Method+" "+path+"?q=zs as "+string(role), res, role, markers)
						}
						path += fmt.Sprintf("?community_id=%d&q=zs", c.Community.ID)
					}
					res = cl.Do(r.Method, path, b)
					requests++
					if endsSession(r) {
						// "Log out everywhere" ends the cached sessions too.
						login := f.Users[role].Login
						callers[role] = &caller{api: f.APIAs(login), page: f.BrowserAs(login)}
					}
					what := fmt.Sprintf("%s %s %s (as %s, %s)", r.Method, r.Path, path, role, map[bool]string{false: "own", true: "foreign"}[foreign])
					check(t, what, res, role, r, foreign && role != auth.RoleAdmin, pathScoped)
					checkMarkers(t, what, res, role, markers)
				}
			}
		}
		t.Logf("%d routes, %d requests", len(routes), requests)
	})
}

// checkMarkers fails if a response to a user of A shows B's data.
func checkMarkers(t *testing.T, what string, res *apptest.Response, role auth.Role, markers []string) {
	t.Helper()
	if role == auth.RoleAdmin {
		return
	}
	for _, m := range markers {
		if strings.Contains(string(res.Body), m) {
			t.Errorf("%s: response shows %q of community B", what, m)
		}
	}
}

// check asserts one response of the matrix. foreign: the caller is not
// admin and the request points into community B; record: the path names
// one of B's records.
func check(t *testing.T, what string, res *apptest.Response, role auth.Role, r web.Route, foreign, record bool) {
	t.Helper()
	// A page answers "not logged in" with a redirect to the login form.
	toLogin := res.Code == 303 && strings.HasPrefix(res.Header.Get("Location"), "/login?next=")
	switch {
	case res.Code >= 500:
		t.Errorf("%s: %s", what, short(res))
	case r.Perm == "":
		// Public: wrong credentials are a 401, which is fine.
	case !auth.RoleHas(role, r.Perm):
		if res.Code != 403 {
			t.Errorf("%s: role lacks %s, got %s, want 403", what, r.Perm, short(res))
		}
	case res.Code == 401 || toLogin:
		t.Errorf("%s: role has %s, got %s", what, r.Perm, short(res))
	case foreign && record:
		if res.Code == 403 || res.Code == 404 {
			break
		}
		t.Errorf("%s: record of another community, got %s, want 403 or 404"+
			" (a 4xx about a field means body() does not satisfy the route yet: add the field so the request reaches the scope check)",
			what, short(res))
	case foreign:
		// B's id in the query or body: a 403 is right; anything else is
		// checked by the marker and the write checks.
	case res.Code == 403:
		t.Errorf("%s: role has %s, got %s", what, r.Perm, short(res))
	}
}

// short is a response in one line: the status and the error message.
func short(res *apptest.Response) string {
	b := string(res.Body)
	if i := strings.Index(b, `role="alert">`); i >= 0 {
		b = b[i+len(`role="alert">`):]
	} else if i := strings.Index(b, "<main"); i >= 0 {
		b = b[i:]
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return fmt.Sprintf("%d %s %s", res.Code, res.Header.Get("Location"), strings.Join(strings.Fields(b), " "))
}

// TestNoRouteAnswers500ToBadInput sends every route empty, malformed and
// ill-typed bodies and queries, and ids of records that do not exist:
// the answer is a 4xx (a JSON error envelope on the API), never a 5xx.
func TestNoRouteAnswers500ToBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		f.SeedExtra()
		missing := ids(f, f.A)
		for k := range missing {
			missing[k] = "987654321"
		}
		missing["day"] = "2026-02-30"
		jsonBodies := []any{nil, "", "{", "{{{not json", "[]", "null", `"text"`, "12", `{"a":` + strings.Repeat("[", 5000),
			`{"name":"a\u0000b","title":"\u0000","text":"\u0000","q":"\u0000"}`, "{\"name\":\"\xff\xfe\"}",
			map[string]any{"community_id": "abc", "unit_id": -1, "house_id": 1.5, "owner_id": "x", "building_id": []int{1},
				"name": 123, "number": true, "gross_area": map[string]any{}, "share": []any{}, "owners": "x", "communities": "x",
				"password": 1, "role": 7, "date": "2026-99-99", "valid": "maybe", "department": 5, "kind": nil}}
		garbageForm := url.Values{"community_id": {"abc"}, "unit_id": {"-1"}, "house_id": {"1.5"}, "owner_id": {"x"},
			"building_id": {"1e9"}, "gross_area": {"{{"}, "share": {"百分之五十"}, "communities": {"x", "-3"}, "date": {"2026-99-99"},
			"floor": {"999999999999999999999"}, "floors": {"x"}, "lease_start": {"0000-00-00"}, "valid": {"maybe"}, "data": {"%%%"}}
		queries := []string{"?q=%FF%FE&name=%00", "?community_id=abc&building_id=-1&unit_id=x&house_id=0&page=-1&per_page=abc&q=%27%22%3B--%00&from=xx&to=yy&status=zz&entity_id=q&user_id=x&year=x&days=x&date=x"}
		admin, dir := f.API(auth.RoleAdmin), f.API(auth.RoleDirector)
		pAdmin, pDir := f.Browser(auth.RoleAdmin), f.Browser(auth.RoleDirector)
		requests := 0
		for _, r := range f.App.Router.Routes() {
			if r.Perm == "" || endsSession(r) {
				continue // login and logout are tested on their own
			}
			for _, m := range []map[string]string{ids(f, f.A), missing} {
				path, _, err := fill(r.Path, m)
				if err != nil {
					continue // reported by TestPermissionMatrix
				}
				api := strings.HasPrefix(path, "/api/")
				send := func(cl *apptest.Client, p string, b any) {
					res := cl.Do(r.Method, p, b)
					requests++
					if res.Code >= 500 {
						t.Errorf("%s %s: %s", r.Method, p, short(res))
					}
					if api && res.Code >= 400 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
						t.Errorf("%s %s: %d without a JSON error envelope", r.Method, p, res.Code)
					}
				}
				if r.Method == "GET" {
					for _, q := range queries {
						send(admin, path+q, nil)
						if !api {
							send(pAdmin, path+q, nil)
						}
					}
					continue
				}
				if api {
					for _, b := range jsonBodies {
						send(admin, path, b)
						send(dir, path, b)
					}
				} else {
					send(pAdmin, path, url.Values{})
					send(pAdmin, path, garbageForm)
					send(pDir, path, garbageForm)
					send(pDir, path, url.Values{"name": {"a\x00b"}, "q": {"\xff"}, "title": {"\x00"}})
				}
			}
		}
		t.Logf("%d requests", requests)
	})
}
