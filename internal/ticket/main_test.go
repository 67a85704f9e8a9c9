package ticket_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/ticket"
)

// TestMain drops the package's test databases (SQLite file, PostgreSQL
// schema) when the tests end. It is the package's only TestMain.
func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is the tickets' clock in a test: fixed until moved.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to an RFC 3339 instant.
func (c *clock) Set(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = at(s)
}

// Add moves the clock forward.
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// at parses RFC 3339 into UTC, the way the service keeps time.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// cst renders t as Asia/Shanghai RFC 3339 for comparisons.
func cst(t time.Time) string {
	return t.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)
}

// fx is the app fixture with the tickets' clock under the test's control.
type fx struct {
	*apptest.Fixture
	t   *testing.T
	clk *clock
	svc *ticket.Service
}

// each runs fn on SQLite and PostgreSQL with a fresh fixture whose
// ticket clock stands at Monday 2026-11-02 09:00 Asia/Shanghai.
func each(t *testing.T, fn func(t *testing.T, x *fx)) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		clk := &clock{t: at("2026-11-02T09:00:00+08:00")}
		f.App.Tickets.Now = clk.Now
		fn(t, &fx{Fixture: f, t: t, clk: clk, svc: f.App.Tickets})
	})
}

func (x *fx) user(r auth.Role) *auth.User { return x.Users[r] }

// do sends a request as role and fails the test unless the status is want.
func (x *fx) do(role auth.Role, method, path string, body any, want int) *apptest.Response {
	x.t.Helper()
	r := x.API(role).Do(method, path, body)
	if r.Code != want {
		x.t.Fatalf("%s %s as %s: got %s, want %d", method, path, role, r, want)
	}
	return r
}

// ticketOf decodes a ticket response.
func (x *fx) ticketOf(r *apptest.Response) *ticket.Ticket {
	x.t.Helper()
	var tk ticket.Ticket
	r.JSON(x.t, &tk)
	if tk.ID == 0 {
		x.t.Fatalf("no ticket in %s", r)
	}
	return &tk
}

// repair is a create body: a normal repair at community A's house.
func (x *fx) repair(title string) map[string]any {
	return map[string]any{"community_id": x.A.Community.ID, "house_id": x.A.House.ID, "kind": "repair",
		"channel": "phone", "title": title, "description": "厨房水龙头漏水"}
}

// complaint is a create body: a normal complaint from community A.
func (x *fx) complaint(title string) map[string]any {
	return map[string]any{"community_id": x.A.Community.ID, "house_id": x.A.House.ID, "kind": "complaint",
		"channel": "hotline", "title": title, "description": "夜间装修噪音"}
}

// create registers a ticket through the API as role.
func (x *fx) create(role auth.Role, body map[string]any) *ticket.Ticket {
	x.t.Helper()
	return x.ticketOf(x.do(role, "POST", "/api/v1/tickets", body, http.StatusCreated))
}

// act posts /api/v1/tickets/{id}/{action} as role and returns the ticket.
func (x *fx) act(role auth.Role, id int64, action string, body any) *ticket.Ticket {
	x.t.Helper()
	return x.ticketOf(x.do(role, "POST", fmt.Sprintf("/api/v1/tickets/%d/%s", id, action), body, http.StatusOK))
}

// try posts an action and returns the response whatever its status.
func (x *fx) try(role auth.Role, id int64, action string, body any) *apptest.Response {
	x.t.Helper()
	return x.API(role).Post(fmt.Sprintf("/api/v1/tickets/%d/%s", id, action), body)
}

// get reads a ticket through the API as role.
func (x *fx) get(role auth.Role, id int64) *ticket.Ticket {
	x.t.Helper()
	return x.ticketOf(x.do(role, "GET", fmt.Sprintf("/api/v1/tickets/%d", id), nil, http.StatusOK))
}

// list reads GET /api/v1/tickets?query as role and returns the ids.
func (x *fx) list(role auth.Role, query string) []int64 {
	x.t.Helper()
	r := x.do(role, "GET", "/api/v1/tickets?"+query, nil, http.StatusOK)
	var out struct {
		Items []ticket.Ticket `json:"items"`
		Total int             `json:"total"`
	}
	r.JSON(x.t, &out)
	ids := []int64{}
	for _, tk := range out.Items {
		ids = append(ids, tk.ID)
	}
	if out.Total != len(ids) {
		x.t.Fatalf("GET /api/v1/tickets?%s: total %d for %d items", query, out.Total, len(ids))
	}
	return ids
}

// actions lists a timeline's actions in order.
func actions(es []ticket.Event) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

// expectError checks an error envelope's status, code and field.
func expectError(t *testing.T, r *apptest.Response, status int, code, field string) {
	t.Helper()
	if r.Code != status {
		t.Errorf("got %s, want %d %s", r, status, code)
		return
	}
	e := r.Error(t)
	if e.Code != code || e.Field != field || e.Message == "" {
		t.Errorf("error %+v, want code %s field %q", e, code, field)
	}
}

// raw decodes a body into a generic map, to see JSON nulls as nil.
func raw(t *testing.T, r *apptest.Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("not JSON: %s", r)
	}
	return m
}
