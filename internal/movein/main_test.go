package movein_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/movein"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db/dbtest"
)

// TestMain drops the package's test databases when the tests end.
func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is move-in's clock in a test: fixed until moved.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	c.t = t
}

// fx is the app fixture with move-in's clock at 2026-11-20 10:00
// Asia/Shanghai and a second house 3-2-1202 in community A, without
// owner.
type fx struct {
	*apptest.Fixture
	t      *testing.T
	clk    *clock
	second *archive.House
}

func each(t *testing.T, fn func(t *testing.T, x *fx)) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		clk := &clock{}
		clk.Set("2026-11-20T10:00:00+08:00")
		f.App.MoveIn.Now = clk.Now
		h, err := f.App.Archive.CreateHouse(context.Background(), f.Users[auth.RoleAdmin], archive.HouseInput{UnitID: f.A.Unit.ID,
			Number: "1202", Floor: 12, GrossArea: "100.00", Use: "住宅", Status: "空置"})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, &fx{Fixture: f, t: t, clk: clk, second: h})
	})
}

// do sends a request as role and fails unless the status is want.
func (x *fx) do(role auth.Role, method, path string, body any, want int) *apptest.Response {
	x.t.Helper()
	r := x.API(role).Do(method, path, body)
	if r.Code != want {
		x.t.Fatalf("%s %s as %s: got %s, want %d", method, path, role, r, want)
	}
	return r
}

// campaign plans a campaign in community c (A unless given).
func (x *fx) campaign(c *apptest.Community, body map[string]any) *movein.Campaign {
	x.t.Helper()
	if c == nil {
		c = x.A
	}
	b := map[string]any{"community_id": c.Community.ID, "name": "12月入伙", "starts_on": "2026-12-01", "ends_on": "2026-12-31"}
	for k, v := range body {
		b[k] = v
	}
	role := auth.RoleDirector
	if c != x.A {
		role = auth.RoleAdmin // the director is scoped to A
	}
	var out movein.Campaign
	x.do(role, "POST", "/api/v1/movein/campaigns", b, http.StatusCreated).JSON(x.t, &out)
	return &out
}

// record reads a house's 收楼 record.
func (x *fx) record(houseID int64) *movein.Entry {
	x.t.Helper()
	var e movein.Entry
	x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/movein/houses/%d", houseID), nil, http.StatusOK).JSON(x.t, &e)
	return &e
}

// sign signs a document (name or id) for a house as the agent.
func (x *fx) sign(houseID int64, doc any) *apptest.Response {
	x.t.Helper()
	return x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/movein/houses/%d/documents", houseID),
		map[string]any{"document": doc, "signed_by": "张三", "signed_on": "2026-11-20"})
}

// houseStatus reads a house's archive status.
func (x *fx) houseStatus(id int64) string {
	x.t.Helper()
	var h archive.House
	x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/houses/%d", id), nil, http.StatusOK).JSON(x.t, &h)
	return h.Status
}

// apiError checks an error response's status, and that its message
// contains every one of want.
func (x *fx) apiError(r *apptest.Response, status int, field string, want ...string) apptest.APIError {
	x.t.Helper()
	if r.Code != status {
		x.t.Fatalf("got %s, want %d", r, status)
	}
	e := r.Error(x.t)
	if field != "" && e.Field != field {
		x.t.Errorf("error field %q, want %q (%s)", e.Field, field, e.Message)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			x.t.Errorf("error %q does not mention %q", e.Message, w)
		}
	}
	return e
}
