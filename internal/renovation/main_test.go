package renovation_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db/dbtest"
	"wuye/internal/renovation"
)

// TestMain drops the package's test databases when the tests end.
func TestMain(m *testing.M) { dbtest.Main(m) }

// fx is the app fixture driven through the renovation API.
type fx struct {
	*apptest.Fixture
	t *testing.T
}

// each runs fn on SQLite and PostgreSQL with a fresh fixture.
func each(t *testing.T, fn func(t *testing.T, x *fx)) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		fn(t, &fx{Fixture: f, t: t})
	})
}

// do sends a request as role and fails the test unless the status is want.
func (x *fx) do(role auth.Role, method, path string, body any, want int) *apptest.Response {
	x.t.Helper()
	r := x.API(role).Do(method, path, body)
	if r.Code != want {
		x.t.Fatalf("%s %s as %s: got %s, want %d", method, path, role, r, want)
	}
	return r
}

// apply registers an application of house (A's by default) as the agent,
// with extra fields over the contract's body.
func (x *fx) apply(houseID int64, extra map[string]any) *renovation.Renovation {
	x.t.Helper()
	if houseID == 0 {
		houseID = x.A.House.ID
	}
	body := map[string]any{"house_id": houseID, "contractor": "金螳螂家装", "manager_name": "王建国",
		"manager_phone": "13800138000", "area": 85.5, "starts_on": "2026-12-01", "ends_on": "2027-02-28"}
	for k, v := range extra {
		body[k] = v
	}
	var r renovation.Renovation
	x.do(auth.RoleCSAgent, "POST", "/api/v1/renovations", body, http.StatusCreated).JSON(x.t, &r)
	return &r
}

// act posts an action on an application as role and decodes the answer.
func (x *fx) act(role auth.Role, id int64, action string, body any, want int) *renovation.Renovation {
	x.t.Helper()
	r := x.do(role, "POST", fmt.Sprintf("/api/v1/renovations/%d/%s", id, action), body, want)
	if want >= 300 {
		return nil
	}
	var out renovation.Renovation
	r.JSON(x.t, &out)
	return &out
}

// get reads an application as role.
func (x *fx) get(role auth.Role, id int64) *renovation.Renovation {
	x.t.Helper()
	var out renovation.Renovation
	x.do(role, "GET", fmt.Sprintf("/api/v1/renovations/%d", id), nil, http.StatusOK).JSON(x.t, &out)
	return &out
}

// inspect records a clean inspection as the agent.
func (x *fx) inspect(id int64, findings ...map[string]any) {
	x.t.Helper()
	if findings == nil {
		findings = []map[string]any{}
	}
	x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/renovations/%d/inspections", id),
		map[string]any{"note": "现场整洁", "findings": findings}, http.StatusCreated)
}

// pay pays a bill in full at the desk as the cashier.
func (x *fx) pay(houseID, billID, amount int64) {
	x.t.Helper()
	x.do(auth.RoleCashier, "POST", "/api/v1/payments", map[string]any{"house_id": houseID, "bill_ids": []int64{billID},
		"amount_fen": amount, "method": "cash"}, http.StatusCreated)
}

// bill reads a bill as the cashier.
func (x *fx) bill(id int64) *billing.Bill {
	x.t.Helper()
	var b billing.Bill
	x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/bills/%d", id), nil, http.StatusOK).JSON(x.t, &b)
	return &b
}

// houseStatus is the archive's status of a house.
func (x *fx) houseStatus(id int64) string {
	x.t.Helper()
	var h struct {
		Status string `json:"status"`
	}
	x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/houses/%d", id), nil, http.StatusOK).JSON(x.t, &h)
	return h.Status
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

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// newHouse adds a house to A's unit (one renovation may be under way per
// house at a time).
func (x *fx) newHouse() int64 {
	x.t.Helper()
	h, err := x.App.Archive.CreateHouse(context.Background(), x.Users[auth.RoleAdmin], archive.HouseInput{UnitID: x.A.Unit.ID,
		Number: fmt.Sprint(2000 + apptest.RandInt(7000)), Floor: 20, GrossArea: "100.00", Use: "住宅", Status: "空置"})
	if err != nil {
		x.t.Fatal(err)
	}
	return h.ID
}
