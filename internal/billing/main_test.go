package billing_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/platform/web"
)

// TestMain drops the package's test databases when the tests end.
func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is billing's clock in a test: fixed until moved.
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

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// fx is the app fixture with billing's clock under the test's control
// and two more houses in community A: 3-2-1201 (89.50 m², the
// fixture's), 3-2-1202 (100.00 m²) and 3-2-1203 (120.33 m², 商铺).
type fx struct {
	*apptest.Fixture
	t      *testing.T
	clk    *clock
	svc    *billing.Service
	houses []*archive.House
}

// each runs fn on SQLite and PostgreSQL with a fresh fixture whose
// billing clock stands at 2026-11-20 10:00 Asia/Shanghai.
func each(t *testing.T, fn func(t *testing.T, x *fx)) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		clk := &clock{t: at("2026-11-20T10:00:00+08:00")}
		f.App.Billing.Now = clk.Now
		x := &fx{Fixture: f, t: t, clk: clk, svc: f.App.Billing, houses: []*archive.House{f.A.House}}
		admin := f.Users[auth.RoleAdmin]
		for _, h := range []struct{ number, area, use string }{{"1202", "100.00", "住宅"}, {"1203", "120.33", "商铺"}} {
			hh, err := f.App.Archive.CreateHouse(context.Background(), admin, archive.HouseInput{UnitID: f.A.Unit.ID,
				Number: h.number, Floor: 12, GrossArea: web.Text(h.area), Use: h.use, Status: "自住"})
			if err != nil {
				t.Fatal(err)
			}
			x.houses = append(x.houses, hh)
		}
		fn(t, x)
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

// item creates a fee item of community A through the API.
func (x *fx) item(body map[string]any) *billing.FeeItem {
	x.t.Helper()
	if body["community_id"] == nil {
		body["community_id"] = x.A.Community.ID
	}
	var it billing.FeeItem
	x.do(auth.RoleCSManager, "POST", "/api/v1/fee-items", body, http.StatusCreated).JSON(x.t, &it)
	return &it
}

// run bills community A for period through the API.
func (x *fx) run(period string) *billing.BillRun {
	x.t.Helper()
	var r billing.BillRun
	x.do(auth.RoleCSManager, "POST", "/api/v1/bill-runs", map[string]any{"community_id": x.A.Community.ID, "period": period},
		http.StatusCreated).JSON(x.t, &r)
	return &r
}

// bills lists a house's bills with an optional status.
func (x *fx) bills(houseID int64, status string) []*billing.Bill {
	x.t.Helper()
	var out struct {
		Items []*billing.Bill `json:"items"`
		Total int             `json:"total"`
	}
	x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/bills?house_id=%d&status=%s&per_page=500", houseID, status), nil,
		http.StatusOK).JSON(x.t, &out)
	if out.Total != len(out.Items) {
		x.t.Fatalf("bills total %d for %d items", out.Total, len(out.Items))
	}
	return out.Items
}

// pay takes a payment as role and returns the response.
func (x *fx) pay(role auth.Role, houseID int64, amount int64, bills ...*billing.Bill) *apptest.Response {
	x.t.Helper()
	ids := []int64{}
	for _, b := range bills {
		ids = append(ids, b.ID)
	}
	return x.API(role).Post("/api/v1/payments", map[string]any{"house_id": houseID, "bill_ids": ids,
		"amount_fen": amount, "method": "cash"})
}

// paid decodes a 201 payment.
func (x *fx) paid(r *apptest.Response) *billing.Payment {
	x.t.Helper()
	if r.Code != http.StatusCreated {
		x.t.Fatalf("payment: %s", r)
	}
	var p billing.Payment
	r.JSON(x.t, &p)
	return &p
}

// balance is a house's prepaid balance.
func (x *fx) balance(houseID int64) int64 {
	x.t.Helper()
	var a billing.Account
	x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/house-accounts/%d", houseID), nil, http.StatusOK).JSON(x.t, &a)
	return a.PrepaidFen
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

// sum adds the bills' amounts.
func sum(bs []*billing.Bill) int64 {
	var n int64
	for _, b := range bs {
		n += b.AmountFen
	}
	return n
}
