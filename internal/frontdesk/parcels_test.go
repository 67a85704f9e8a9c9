package frontdesk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
)

// pvClock is the front desk's clock in a test: fixed until moved.
type pvClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *pvClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *pvClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// pvFixture is the app fixture with the desk's clock at 2026-11-20 10:00
// Asia/Shanghai.
type pvFixture struct {
	*apptest.Fixture
	t   *testing.T
	clk *pvClock
}

func pvEach(t *testing.T, fn func(t *testing.T, x *pvFixture)) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		clk := &pvClock{t: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)}
		f.App.Desk.Now = clk.Now
		fn(t, &pvFixture{Fixture: f, t: t, clk: clk})
	})
}

// do sends a request as role and fails the test unless the status is want.
func (x *pvFixture) do(role auth.Role, method, path string, body any, want int) *apptest.Response {
	x.t.Helper()
	r := x.API(role).Do(method, path, body)
	if r.Code != want {
		x.t.Fatalf("%s %s as %s: got %s, want %d", method, path, role, r, want)
	}
	return r
}

// parcel registers an arrival for community A's house through the API.
func (x *pvFixture) parcel(tracking string, extra map[string]any) *frontdesk.Parcel {
	x.t.Helper()
	body := map[string]any{"community_id": x.A.Community.ID, "house_id": x.A.House.ID, "carrier": "顺丰", "tracking_number": tracking}
	for k, v := range extra {
		body[k] = v
	}
	var p frontdesk.Parcel
	x.do(auth.RoleCSAgent, "POST", "/api/v1/parcels", body, http.StatusCreated).JSON(x.t, &p)
	return &p
}

// wantError checks an error envelope's status, code and field, and that
// its message is Chinese.
func wantError(t *testing.T, r *apptest.Response, status int, code, field string) apptest.APIError {
	t.Helper()
	if r.Code != status {
		t.Fatalf("got %s, want %d %s", r, status, code)
	}
	e := r.Error(t)
	if e.Code != code || e.Field != field || !regexp.MustCompile(`\p{Han}`).MatchString(e.Message) {
		t.Errorf("error %+v, want code %s field %q and a Chinese message", e, code, field)
	}
	return e
}

var sixDigits = regexp.MustCompile(`^\d{6}$`)

func TestParcelArrivesAndIsPickedUpWithItsCodeOnce(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		p := x.parcel("SF1001", map[string]any{"shelf": "A-03", "recipient_name": "张三"})
		if !sixDigits.MatchString(p.PickupCode) || p.Status != frontdesk.ParcelWaiting || p.HouseCode != "3-2-1201" ||
			p.Kind != frontdesk.KindParcel || p.Direction != frontdesk.DirectionIn || !p.ArrivedAt.Equal(x.clk.Now()) {
			t.Fatalf("registered %+v", p)
		}
		// Neither the record nor the lists show the code; a lookup by it
		// finds the parcel.
		var got frontdesk.Parcel
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/parcels/%d", p.ID), nil, http.StatusOK).JSON(t, &got)
		if got.PickupCode != "" || got.TrackingNumber != "SF1001" {
			t.Errorf("record shows %+v", got)
		}
		var list struct {
			Items []frontdesk.Parcel `json:"items"`
			Total int                `json:"total"`
		}
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/parcels?community_id=%d&view=waiting", x.A.Community.ID), nil, http.StatusOK).JSON(t, &list)
		if list.Total != 1 || list.Items[0].PickupCode != "" {
			t.Errorf("waiting list %+v", list)
		}
		x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/parcels?community_id=%d&code=%s", x.A.Community.ID, p.PickupCode), nil,
			http.StatusOK).JSON(t, &list)
		if list.Total != 1 || list.Items[0].ID != p.ID || list.Items[0].PickupCode != p.PickupCode {
			t.Errorf("lookup by code %+v", list)
		}

		x.clk.Add(time.Hour)
		var done frontdesk.Parcel
		x.do(auth.RoleCashier, "POST", fmt.Sprintf("/api/v1/parcels/%d/pickup", p.ID), map[string]any{"code": p.PickupCode},
			http.StatusOK).JSON(t, &done)
		if done.Status != frontdesk.ParcelPickedUp || done.PickupMethod != "code" || done.PickedUpBy != "张三" ||
			done.PickedUpAt == nil || !done.PickedUpAt.Equal(x.clk.Now()) || done.HandedName != x.Users[auth.RoleCashier].Name {
			t.Errorf("picked up %+v", done)
		}
		// Again, with the right code or a wrong one: 409.
		e := wantError(t, x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/parcels/%d/pickup", p.ID), map[string]any{"code": p.PickupCode}),
			http.StatusConflict, "conflict", "")
		if !strings.Contains(e.Message, "已于") {
			t.Errorf("conflict message %q", e.Message)
		}
		wantError(t, x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/parcels/%d/pickup", p.ID), map[string]any{"by_id": true,
			"id_number": apptest.IDNumber(), "reason": "忘带", "picked_up_by": "李四"}), http.StatusConflict, "conflict", "")
		// The code of a collected parcel finds nothing and may be reused.
		x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/parcels?code=%s", p.PickupCode), nil, http.StatusOK).JSON(t, &list)
		if list.Total != 0 {
			t.Errorf("collected parcel found by code: %+v", list)
		}
		var n int
		if err := x.DB.QueryRow(`SELECT count(*) FROM audit_log WHERE entity = 'parcel' AND entity_id = $1`, p.ID).Scan(&n); err != nil || n != 2 {
			t.Errorf("%d audit entries (%v), want create and pickup", n, err)
		}
	})
}

func TestParcelPickupCodesAreUniqueAmongWaiting(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		seen := map[string]bool{}
		for i := range 30 {
			p := x.parcel(fmt.Sprintf("YT%04d", i), nil)
			if seen[p.PickupCode] {
				t.Fatalf("code %s given twice", p.PickupCode)
			}
			seen[p.PickupCode] = true
		}
		// The same tracking number while the first is uncollected: 409.
		wantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/parcels", map[string]any{"community_id": x.A.Community.ID,
			"house_id": x.A.House.ID, "carrier": "圆通", "tracking_number": "yt0003"}), http.StatusConflict, "conflict", "tracking_number")
	})
}

func TestWrongPickupCodesAreRefusedThenThrottled(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		p := x.parcel("ZTO777", nil)
		wrong := "000000"
		if p.PickupCode == wrong {
			wrong = "111111"
		}
		path := fmt.Sprintf("/api/v1/parcels/%d/pickup", p.ID)
		for i := 1; i <= frontdesk.MaxWrongCodes; i++ {
			e := wantError(t, x.API(auth.RoleCSAgent).Post(path, map[string]any{"code": wrong}), http.StatusBadRequest, "invalid", "code")
			if i == 1 && !strings.Contains(e.Message, "还可再试 4 次") {
				t.Errorf("first wrong code: %q", e.Message)
			}
			x.clk.Add(time.Minute)
		}
		// Locked: the right code too is refused, from any server (the
		// count is in the database).
		for _, code := range []string{wrong, p.PickupCode} {
			e := wantError(t, x.API(auth.RoleCashier).Post(path, map[string]any{"code": code}), http.StatusTooManyRequests,
				"too_many_requests", "")
			if !strings.Contains(e.Message, "15 分钟") {
				t.Errorf("429 message %q", e.Message)
			}
		}
		// A malformed code is a 400 that counts nothing.
		wantError(t, x.API(auth.RoleCSAgent).Post(path, map[string]any{"code": "12a"}), http.StatusBadRequest, "invalid", "code")
		// 15 minutes after the last wrong code the right one works.
		x.clk.Add(frontdesk.WrongCodeWindow + time.Second)
		x.do(auth.RoleCSAgent, "POST", path, map[string]any{"code": p.PickupCode}, http.StatusOK)

		// Pickup by ID is not throttled: it needs the number, the reason
		// and who, and keeps the number masked.
		q := x.parcel("ZTO778", nil)
		qpath := fmt.Sprintf("/api/v1/parcels/%d/pickup", q.ID)
		for range frontdesk.MaxWrongCodes + 1 {
			x.API(auth.RoleCSAgent).Post(qpath, map[string]any{"code": wrong})
		}
		wantError(t, x.API(auth.RoleCSAgent).Post(qpath, map[string]any{"by_id": true, "id_number": "123", "reason": "丢失",
			"picked_up_by": "张三"}), http.StatusBadRequest, "invalid", "id_number")
		wantError(t, x.API(auth.RoleCSAgent).Post(qpath, map[string]any{"by_id": true, "id_number": apptest.IDNumber(),
			"picked_up_by": "张三"}), http.StatusBadRequest, "invalid", "reason")
		id := apptest.IDNumber()
		var got frontdesk.Parcel
		x.do(auth.RoleCSAgent, "POST", qpath, map[string]any{"by_id": true, "id_number": id, "reason": "取件码短信已删除",
			"picked_up_by": "张三"}, http.StatusOK).JSON(t, &got)
		if got.PickupMethod != "id" || got.PickupIDNumber != auth.MaskID(id) || got.PickupReason != "取件码短信已删除" || got.PickedUpBy != "张三" {
			t.Errorf("picked up by ID: %+v", got)
		}
		var stored string
		if err := x.DB.QueryRow(`SELECT pickup_id_number FROM parcels WHERE id = $1`, q.ID).Scan(&stored); err != nil || stored != auth.MaskID(id) {
			t.Errorf("stored ID number %q (%v), want it masked", stored, err)
		}
	})
}

func TestConcurrentPickupsHandOutOnce(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		p := x.parcel("JD5555", nil)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = x.App.Desk.PickupParcel(ctx, x.Users[auth.RoleCSAgent], p.ID, frontdesk.PickupInput{Code: p.PickupCode})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !strings.Contains(err.Error(), "conflict") {
				t.Errorf("concurrent pickup: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d pickups succeeded, want exactly 1", ok)
		}
	})
}

func TestParcelValidationIsChineseAndPerField(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		a := x.A.Community.ID
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"house_id": x.A.House.ID, "carrier": "顺丰", "tracking_number": "SF1"}, "community_id"},
			{map[string]any{"community_id": a, "carrier": "顺丰", "tracking_number": "SF12345"}, "house_id"},
			{map[string]any{"community_id": a, "house_id": x.A.House.ID, "tracking_number": "SF12345"}, "carrier"},
			{map[string]any{"community_id": a, "house_id": x.A.House.ID, "carrier": "顺丰"}, "tracking_number"},
			{map[string]any{"community_id": a, "house_id": x.A.House.ID, "carrier": "顺丰", "tracking_number": "运单"}, "tracking_number"},
			{map[string]any{"community_id": a, "house_id": x.B.House.ID, "carrier": "顺丰", "tracking_number": "SF12345"}, "house_id"},
			{map[string]any{"community_id": a, "house_id": x.A.House.ID, "carrier": "顺丰", "tracking_number": "SF12345", "kind": "box"}, "kind"},
			{map[string]any{"community_id": a, "house_id": x.A.House.ID, "carrier": "顺丰", "tracking_number": "SF12345",
				"recipient_phone": "12"}, "recipient_phone"},
			{map[string]any{"community_id": a, "house_id": x.A.House.ID, "carrier": "顺丰", "tracking_number": "SF12345",
				"arrived_at": "2030-01-01T00:00:00+08:00"}, "arrived_at"},
			{map[string]any{"community_id": a, "house_id": x.A.House.ID, "carrier": "顺丰", "tracking_number": "SF12345",
				"arrived_at": "昨天"}, "arrived_at"},
			{map[string]any{"community_id": a, "direction": "out", "sender_name": "张三", "recipient_name": "王五"}, "address"},
		} {
			wantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/parcels", c.body), http.StatusBadRequest, "invalid", c.field)
		}
		wantError(t, x.API(auth.RoleCSAgent).Post("/api/v1/parcels", `{"community_id":"x"}`), http.StatusBadRequest, "invalid", "community_id")
		var n int
		if err := x.DB.QueryRow(`SELECT count(*) FROM parcels WHERE community_id = $1`, a).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d parcels written by refused requests (%v)", n, err)
		}
		// Plain mail needs no tracking number and goes by 中国邮政.
		p := x.parcel("", map[string]any{"kind": "mail", "carrier": ""})
		if p.Carrier != "中国邮政" || p.Kind != frontdesk.KindMail {
			t.Errorf("mail %+v", p)
		}
	})
}

func TestParcelsOfAnotherCommunityAreOutOfScope(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		admin := x.API(auth.RoleAdmin)
		var pb frontdesk.Parcel
		r := admin.Post("/api/v1/parcels", map[string]any{"community_id": x.B.Community.ID, "house_id": x.B.House.ID,
			"carrier": "顺丰", "tracking_number": "SFB001", "recipient_name": "乙苑业主"})
		if r.Code != http.StatusCreated {
			t.Fatal(r)
		}
		r.JSON(t, &pb)
		x.parcel("SFA001", nil)
		for _, role := range []auth.Role{auth.RoleCSAgent, auth.RoleCSManager, auth.RoleCashier, auth.RoleAuditor} {
			c := x.API(role)
			for _, path := range []string{fmt.Sprintf("/api/v1/parcels/%d", pb.ID),
				fmt.Sprintf("/api/v1/parcels?community_id=%d", x.B.Community.ID),
				fmt.Sprintf("/api/v1/parcels?community_id=%d&code=%s", x.B.Community.ID, pb.PickupCode)} {
				if r := c.Get(path); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
					t.Errorf("%s GET %s: %s", role, path, r)
				}
			}
			// Unfiltered lists and a code lookup without a community show
			// only A's.
			var list struct {
				Items []frontdesk.Parcel `json:"items"`
				Total int                `json:"total"`
			}
			c.Get("/api/v1/parcels?view=all").JSON(t, &list)
			c2 := c.Get("/api/v1/parcels?code=" + pb.PickupCode)
			if list.Total != 1 || list.Items[0].TrackingNumber != "SFA001" || strings.Contains(string(c2.Body), "SFB001") {
				t.Errorf("%s sees %+v / %s", role, list, c2)
			}
		}
		for _, role := range []auth.Role{auth.RoleCSAgent, auth.RoleCashier} {
			c := x.API(role)
			for _, r := range []*apptest.Response{
				c.Post(fmt.Sprintf("/api/v1/parcels/%d/pickup", pb.ID), map[string]any{"code": pb.PickupCode}),
				c.Post(fmt.Sprintf("/api/v1/parcels/%d/remind", pb.ID), nil),
				c.Post("/api/v1/parcels", map[string]any{"community_id": x.B.Community.ID, "house_id": x.B.House.ID,
					"carrier": "顺丰", "tracking_number": "SFB002"}),
				c.Post("/api/v1/parcels/remind-overdue", map[string]any{"community_id": x.B.Community.ID}),
			} {
				if r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
					t.Errorf("%s wrote into B: %s", role, r)
				}
			}
		}
		// The auditor reads but may not write; dept_staff sees nothing.
		x.do(auth.RoleAuditor, "POST", "/api/v1/parcels", map[string]any{"community_id": x.A.Community.ID,
			"house_id": x.A.House.ID, "carrier": "顺丰", "tracking_number": "SFA009"}, http.StatusForbidden)
		x.do(auth.RoleDeptStaff, "GET", "/api/v1/parcels", nil, http.StatusForbidden)
		var st string
		if err := x.DB.QueryRow(`SELECT status FROM parcels WHERE id = $1`, pb.ID).Scan(&st); err != nil || st != "waiting" {
			t.Errorf("B's parcel is %q (%v)", st, err)
		}
	})
}

func TestOverdueParcelsAndReminders(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		a := x.A.Community.ID
		old := x.parcel("OLD001", nil)                                                                              // 5 days
		x.parcel("OLD002", map[string]any{"arrived_at": x.clk.Now().Add(-2 * 24 * time.Hour).Format(time.RFC3339)}) // 2 + 5 = 7 days
		x.clk.Add(5 * 24 * time.Hour)
		x.parcel("NEW001", nil)
		list := func(path string) []frontdesk.Parcel {
			var out struct {
				Items []frontdesk.Parcel `json:"items"`
				Total int                `json:"total"`
			}
			x.do(auth.RoleCSAgent, "GET", path, nil, http.StatusOK).JSON(t, &out)
			return out.Items
		}
		got := list(fmt.Sprintf("/api/v1/parcels/overdue?community_id=%d", a))
		if len(got) != 2 || got[0].TrackingNumber != "OLD002" || got[1].TrackingNumber != "OLD001" {
			t.Fatalf("overdue (3 days): %+v", got)
		}
		if got := list(fmt.Sprintf("/api/v1/parcels/overdue?community_id=%d&days=6", a)); len(got) != 1 || got[0].TrackingNumber != "OLD002" {
			t.Errorf("overdue (6 days): %+v", got)
		}
		if got := list(fmt.Sprintf("/api/v1/parcels?community_id=%d&view=today", a)); len(got) != 1 || got[0].TrackingNumber != "NEW001" {
			t.Errorf("today: %+v", got)
		}
		wantError(t, x.API(auth.RoleCSAgent).Get("/api/v1/parcels/overdue?days=0"), http.StatusBadRequest, "invalid", "days")

		var one frontdesk.Parcel
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/parcels/%d/remind", old.ID), nil, http.StatusOK).JSON(t, &one)
		if one.Reminders != 1 || one.LastRemindedAt == nil || !one.LastRemindedAt.Equal(x.clk.Now()) {
			t.Errorf("reminded %+v", one)
		}
		var res struct {
			Reminded int     `json:"reminded"`
			IDs      []int64 `json:"ids"`
		}
		x.do(auth.RoleCSAgent, "POST", "/api/v1/parcels/remind-overdue", map[string]any{"community_id": a}, http.StatusOK).JSON(t, &res)
		if res.Reminded != 1 || res.IDs[0] == old.ID { // old was reminded today already
			t.Errorf("batch reminder %+v", res)
		}
		x.do(auth.RoleCSAgent, "POST", "/api/v1/parcels/remind-overdue", map[string]any{"community_id": a}, http.StatusOK).JSON(t, &res)
		if res.Reminded != 0 {
			t.Errorf("second batch the same day reminded %d", res.Reminded)
		}
		x.clk.Add(24 * time.Hour)
		x.do(auth.RoleCSAgent, "POST", "/api/v1/parcels/remind-overdue", map[string]any{"community_id": a, "days": 3}, http.StatusOK).JSON(t, &res)
		if res.Reminded != 2 {
			t.Errorf("next day's batch reminded %d, want both overdue", res.Reminded)
		}
		got = list(fmt.Sprintf("/api/v1/parcels/overdue?community_id=%d", a))
		if got[len(got)-1].TrackingNumber != "OLD001" || got[len(got)-1].Reminders != 2 {
			t.Errorf("after reminders: %+v", got)
		}
		// Returned to the courier: off the lists, and no longer collectable.
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/parcels/%d/return", old.ID), map[string]any{"reason": ""}, http.StatusBadRequest)
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/parcels/%d/return", old.ID), map[string]any{"reason": "超期无人领取"}, http.StatusOK)
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/parcels/%d/pickup", old.ID), map[string]any{"code": "123456"}, http.StatusConflict)
		if got := list(fmt.Sprintf("/api/v1/parcels/overdue?community_id=%d", a)); len(got) != 1 {
			t.Errorf("overdue after the return: %d", len(got))
		}
	})
}

func TestOutgoingMailIsRegisteredThenSent(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		var p frontdesk.Parcel
		x.do(auth.RoleCSAgent, "POST", "/api/v1/parcels", map[string]any{"community_id": x.A.Community.ID, "house_id": x.A.House.ID,
			"direction": "out", "kind": "registered", "sender_name": "张三", "sender_phone": "13900001111",
			"recipient_name": "王五", "address": "北京市海淀区中关村大街1号"}, http.StatusCreated).JSON(t, &p)
		if p.Status != frontdesk.ParcelPending || p.PickupCode != "" || p.Carrier != "中国邮政" {
			t.Fatalf("outgoing %+v", p)
		}
		path := fmt.Sprintf("/api/v1/parcels/%d", p.ID)
		x.do(auth.RoleCSAgent, "POST", path+"/pickup", map[string]any{"code": "123456"}, http.StatusConflict)
		x.do(auth.RoleCSAgent, "POST", path+"/send", map[string]any{"carrier": "中国邮政", "tracking_number": "XA1234567CN"}, http.StatusOK).JSON(t, &p)
		if p.Status != frontdesk.ParcelSent || p.TrackingNumber != "XA1234567CN" || p.SentAt == nil {
			t.Errorf("sent %+v", p)
		}
		x.do(auth.RoleCSAgent, "POST", path+"/send", map[string]any{"carrier": "中国邮政"}, http.StatusConflict)
	})
}

func TestParcelPagesRegisterLookUpAndHandOut(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		c := x.Browser(auth.RoleCSAgent)
		a := fmt.Sprint(x.A.Community.ID)
		// A typo in the house code keeps the values and says why.
		r := apptest.Submit(t, c, "/desk/parcels", url.Values{"community_id": {a}, "house": {"9-9-9999"}, "carrier": {"中通"},
			"tracking_number": {"ZT100"}, "kind": {"parcel"}}, http.StatusUnprocessableEntity)
		apptest.Has(t, "bad house", string(r.Body), "本小区没有房屋 9-9-9999", `value="ZT100"`)
		r = apptest.Submit(t, c, "/desk/parcels", url.Values{"community_id": {a}, "house": {"3-2-1201"}, "carrier": {"中通"},
			"tracking_number": {"ZT100"}, "kind": {"parcel"}, "shelf": {"B-2"}}, http.StatusSeeOther)
		_, body := apptest.Follow(t, c, r)
		m := regexp.MustCompile(`取件码 (\d{6})`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no pickup code in the flash: %s", body)
		}
		apptest.Has(t, "today", body, "ZT100", "B-2", "今日到件")
		body = apptest.Page(t, c, "/desk/parcels?community_id="+a+"&code="+m[1], http.StatusOK)
		apptest.Has(t, "lookup", body, `id="found"`, "3-2-1201", "核对无误，确认取件")
		body = apptest.Page(t, c, "/desk/parcels?community_id="+a+"&code=000001", http.StatusOK)
		if m[1] != "000001" {
			apptest.Has(t, "no match", body, "没有取件码为 000001 的待取快递")
		}
		var id int64
		if err := x.DB.QueryRow(`SELECT id FROM parcels WHERE tracking_number = 'ZT100'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		// A wrong code on the record page: the form says so.
		wrong := "999999"
		if m[1] == wrong {
			wrong = "888888"
		}
		r = apptest.Submit(t, c, fmt.Sprintf("/desk/parcels/%d/pickup", id), url.Values{"code": {wrong}}, http.StatusUnprocessableEntity)
		apptest.Has(t, "wrong code", string(r.Body), "取件码不正确")
		r = apptest.Submit(t, c, fmt.Sprintf("/desk/parcels/%d/pickup", id), url.Values{"code": {m[1]}, "from": {"list"},
			"community_id": {a}, "picked_up_by": {"张三"}}, http.StatusSeeOther)
		_, body = apptest.Follow(t, c, r)
		apptest.Has(t, "picked up", body, "已取件", "取件人 张三")
		body = apptest.Page(t, c, fmt.Sprintf("/desk/parcels/%d", id), http.StatusOK)
		apptest.Has(t, "record", body, "已取件", "张三", "变更记录")
		apptest.HasNot(t, "record", body, m[1])
		r = c.Get("/api/v1/parcels/export.xlsx?community_id=" + a + "&view=all")
		if r.Code != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheet") {
			t.Errorf("export: %s", r)
		}
	})
}

func TestParcelCardCountsWaitingOverdueAndVisitors(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		x.parcel("CARD01", nil)
		x.clk.Add(4 * 24 * time.Hour)
		x.parcel("CARD02", nil)
		x.visitor(auth.RoleCSAgent, nil)
		x.visitor(auth.RoleCSAgent, map[string]any{"expected_at": x.clk.Now().Add(time.Hour).Format(time.RFC3339)})
		items, err := x.App.Desk.ParcelCardItems(context.Background(), x.Users[auth.RoleCSAgent])
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, it := range items {
			got[it.Label] = it.Count
		}
		want := map[string]int{"快递待取": 2, "快递超 3 天未取": 1, "访客在访": 1, "访客预约待到": 1}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("card %s = %d, want %d (%v)", k, got[k], n, got)
			}
		}
		if items, _ := x.App.Desk.ParcelCardItems(context.Background(), x.Users[auth.RoleDeptStaff]); items != nil {
			t.Errorf("dept_staff gets a card: %v", items)
		}
	})
}
