package frontdesk_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/frontdesk"
	"wuye/internal/platform/auth"
)

// key registers a key of community A through the API.
func (x *pvFixture) key(label string, extra map[string]any) *frontdesk.Key {
	x.t.Helper()
	body := map[string]any{"community_id": x.A.Community.ID, "label": label, "class": "equipment_room",
		"location": "2栋地下水泵房", "copies": 2}
	for k, v := range extra {
		body[k] = v
	}
	var k frontdesk.Key
	x.do(auth.RoleCSAgent, "POST", "/api/v1/keys", body, http.StatusCreated).JSON(x.t, &k)
	return &k
}

func borrowBody(name string) map[string]any {
	return map[string]any{"borrower_name": name, "borrower_phone": "13800138000", "purpose": "水泵房例行巡检",
		"expected_return": "2026-11-20T18:00:00+08:00"}
}

func (x *pvFixture) getKey(id int64) *frontdesk.Key {
	x.t.Helper()
	var k frontdesk.Key
	x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/keys/%d", id), nil, http.StatusOK).JSON(x.t, &k)
	return &k
}

// auditActions lists the actions recorded for a record, oldest first.
func (x *pvFixture) auditActions(entity string, id int64) string {
	x.t.Helper()
	rows, err := x.DB.Query(`SELECT action FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id`, entity, id)
	if err != nil {
		x.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		out = append(out, a)
	}
	return strings.Join(out, ",")
}

func TestKeyIsLentOnceReturnedAndLentAgain(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		k := x.key("SB-01", nil)
		if k.ID == 0 || k.Status != frontdesk.KeyIn || k.ClassLabel != "设备房" || k.Copies != 2 || k.CommunityID != x.A.Community.ID {
			t.Fatalf("created %+v", k)
		}
		var loan frontdesk.KeyLoan
		x.do(auth.RoleCashier, "POST", fmt.Sprintf("/api/v1/keys/%d/borrow", k.ID), borrowBody("王师傅"), http.StatusCreated).JSON(t, &loan)
		if loan.BorrowerName != "王师傅" || loan.BorrowerKind != frontdesk.BorrowerStaff || loan.ReturnedAt != nil ||
			!loan.LentAt.Equal(x.clk.Now()) || loan.ExpectedReturn.Format(time.RFC3339) != "2026-11-20T10:00:00Z" {
			t.Fatalf("loan %+v", loan)
		}
		// Out: a second lending is a conflict that names the borrower.
		r := x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/keys/%d/borrow", k.ID), borrowBody("李师傅"))
		if e := wantError(t, r, http.StatusConflict, "conflict", "status"); !strings.Contains(e.Message, "王师傅") {
			t.Errorf("conflict message %q does not name the borrower", e.Message)
		}
		got := x.getKey(k.ID)
		if got.Status != frontdesk.KeyOut || got.Loan == nil || got.Loan.BorrowerName != "王师傅" {
			t.Fatalf("key while out: %+v", got)
		}

		x.clk.Add(3 * time.Hour)
		var back frontdesk.KeyLoan
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/keys/%d/return", k.ID),
			map[string]any{"received_by": "值班员小周", "note": "两把齐全"}, http.StatusOK).JSON(t, &back)
		if back.ReturnedAt == nil || !back.ReturnedAt.Equal(x.clk.Now()) || back.ReceivedByName != "值班员小周" || back.ReturnNote != "两把齐全" {
			t.Fatalf("return %+v", back)
		}
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/keys/%d/return", k.ID), nil, http.StatusConflict)
		if got := x.getKey(k.ID); got.Status != frontdesk.KeyIn || got.Loan != nil {
			t.Fatalf("key after return: %+v", got)
		}

		// Back in the cabinet, it is lent again: a day given alone is due
		// at its end.
		b := borrowBody("装修队张工")
		b["borrower_kind"], b["borrower_company"], b["expected_return"] = "contractor", "安居装饰", "2026-11-21"
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/keys/%d/borrow", k.ID), b, http.StatusCreated).JSON(t, &loan)
		if loan.ExpectedReturn.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05") != "2026-11-21 23:59:59" ||
			loan.BorrowerLabel != "外单位/施工" {
			t.Errorf("second loan %+v", loan)
		}
		var hist struct {
			Items []frontdesk.KeyLoan `json:"items"`
			Total int                 `json:"total"`
		}
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/keys/%d/loans", k.ID), nil, http.StatusOK).JSON(t, &hist)
		if hist.Total != 2 || hist.Items[0].BorrowerName != "装修队张工" || hist.Items[1].ReturnedAt == nil {
			t.Errorf("history %+v", hist)
		}
		if got := x.auditActions("desk_key", k.ID); got != "create,borrow,return,borrow" {
			t.Errorf("key audit %s", got)
		}
		if got := x.auditActions("desk_key_loan", loan.ID); got != "create" {
			t.Errorf("loan audit %s", got)
		}
	})
}

func TestConcurrentBorrowsLendTheKeyOnce(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		k := x.key("DT-JF", map[string]any{"location": "1栋电梯机房"})
		api := x.API(auth.RoleCSAgent)
		const n = 8
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = api.Post(fmt.Sprintf("/api/v1/keys/%d/borrow", k.ID), borrowBody(fmt.Sprintf("维保%d", i))).Code
			}()
		}
		wg.Wait()
		lent := 0
		for _, c := range codes {
			switch c {
			case http.StatusCreated:
				lent++
			case http.StatusConflict:
			default:
				t.Errorf("a concurrent lending answered %d", c)
			}
		}
		var open int
		if err := x.DB.QueryRow(`SELECT count(*) FROM desk_key_loans WHERE key_id = $1 AND returned_at IS NULL`, k.ID).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if lent != 1 || open != 1 {
			t.Errorf("%d lendings answered 201 and %d are open, want 1 and 1 (%v)", lent, open, codes)
		}
		// The service refuses it too, not only the HTTP layer.
		_, err := x.App.Desk.Borrow(context.Background(), x.Users[auth.RoleDirector], k.ID, frontdesk.BorrowInput{
			BorrowerName: "某人", BorrowerPhone: "13900001111", Purpose: "测试", ExpectedReturn: "2026-11-21"})
		if err == nil || !strings.Contains(err.Error(), "conflict") {
			t.Errorf("service borrow of a lent key: %v", err)
		}
	})
}

func TestLostKeyIsNotLentUntilFound(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		k := x.key("KF-02", map[string]any{"class": "vacant_house", "house_id": x.A.House.ID, "location": ""})
		if k.HouseCode != "3-2-1201" {
			t.Fatalf("vacant-house key %+v", k)
		}
		path := fmt.Sprintf("/api/v1/keys/%d", k.ID)
		// Lost while lent: the lending ends with it.
		x.do(auth.RoleCSAgent, "POST", path+"/borrow", borrowBody("业主张三"), http.StatusCreated)
		wantError(t, x.API(auth.RoleCSAgent).Post(path+"/lost", map[string]any{"reason": " "}), http.StatusBadRequest, "invalid", "reason")
		var lost frontdesk.Key
		x.do(auth.RoleCSAgent, "POST", path+"/lost", map[string]any{"reason": "业主张三称钥匙在小区外丢失"}, http.StatusOK).JSON(t, &lost)
		if lost.Status != frontdesk.KeyLost || lost.LostReason != "业主张三称钥匙在小区外丢失" || lost.Loan != nil || lost.LostAt == nil {
			t.Fatalf("lost %+v", lost)
		}
		var hist struct{ Items []frontdesk.KeyLoan }
		x.do(auth.RoleCSAgent, "GET", path+"/loans", nil, http.StatusOK).JSON(t, &hist)
		if len(hist.Items) != 1 || !hist.Items[0].Lost || hist.Items[0].ReturnedAt == nil {
			t.Errorf("the lending of a lost key: %+v", hist.Items)
		}
		e := wantError(t, x.API(auth.RoleCSAgent).Post(path+"/borrow", borrowBody("李四")), http.StatusConflict, "conflict", "status")
		if !strings.Contains(e.Message, "挂失") {
			t.Errorf("lending a lost key: %q", e.Message)
		}
		x.do(auth.RoleCSAgent, "POST", path+"/lost", map[string]any{"reason": "再报一次"}, http.StatusConflict)
		x.do(auth.RoleCSAgent, "POST", path+"/return", nil, http.StatusConflict)

		var found frontdesk.Key
		x.do(auth.RoleCSAgent, "POST", path+"/found", map[string]any{"note": "已重新配钥匙"}, http.StatusOK).JSON(t, &found)
		if found.Status != frontdesk.KeyIn || found.LostReason != "" || !strings.Contains(found.Notes, "已重新配钥匙") {
			t.Fatalf("found %+v", found)
		}
		x.do(auth.RoleCSAgent, "POST", path+"/found", nil, http.StatusConflict)
		x.do(auth.RoleCSAgent, "POST", path+"/borrow", borrowBody("李四"), http.StatusCreated)
		if got := x.auditActions("desk_key", k.ID); got != "create,borrow,lost,found,borrow" {
			t.Errorf("key audit %s", got)
		}
	})
}

func TestKeyInputErrorsAreChineseAndNamed(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		api := x.API(auth.RoleCSAgent)
		a := x.A.Community.ID
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"community_id": a, "class": "common_area", "location": "天台"}, "label"},
			{map[string]any{"community_id": a, "label": "X1", "class": "garage", "location": "车库"}, "class"},
			{map[string]any{"community_id": a, "label": "X1", "class": "common_area"}, "location"},
			{map[string]any{"community_id": a, "label": "X1", "class": "vacant_house", "location": "某房"}, "house_id"},
			{map[string]any{"community_id": a, "label": "X1", "class": "mailbox", "location": "信报箱", "copies": 100}, "copies"},
			{map[string]any{"community_id": a, "label": "X1", "class": "unit_door", "house_id": x.B.House.ID}, "house_id"},
			{map[string]any{"community_id": a, "label": "X1", "class": "unit_door", "location": "门", "copies": "两把"}, "copies"},
			{map[string]any{"label": "X1", "class": "unit_door", "location": "门"}, "community_id"},
		} {
			wantError(t, api.Post("/api/v1/keys", c.body), http.StatusBadRequest, "invalid", c.field)
		}
		// A house of B named in A is refused without naming it.
		r := api.Post("/api/v1/keys", map[string]any{"community_id": a, "label": "X1", "class": "unit_door", "house_id": x.B.House.ID})
		if strings.Contains(string(r.Body), x.B.Community.Name) {
			t.Errorf("the error names B: %s", r)
		}
		k := x.key("TT-1", map[string]any{"copies": nil})
		if k.Copies != 1 {
			t.Errorf("copies left out: %d, want 1", k.Copies)
		}
		wantError(t, api.Post("/api/v1/keys", map[string]any{"community_id": a, "label": "TT-1", "class": "common_area",
			"location": "天台"}), http.StatusConflict, "conflict", "label")
		// The same label in another community is another key.
		x.do(auth.RoleAdmin, "POST", "/api/v1/keys", map[string]any{"community_id": x.B.Community.ID, "label": "TT-1",
			"class": "common_area", "location": "天台"}, http.StatusCreated)

		path := fmt.Sprintf("/api/v1/keys/%d/borrow", k.ID)
		for field, change := range map[string]map[string]any{
			"borrower_name":      {"borrower_name": ""},
			"borrower_phone":     {"borrower_phone": "12ab"},
			"purpose":            {"purpose": " "},
			"expected_return":    {"expected_return": "2026-11-19T09:00:00+08:00"},
			"borrower_kind":      {"borrower_kind": "visitor"},
			"borrower_id_number": {"borrower_id_number": "12345"},
		} {
			b := borrowBody("王五")
			for k, v := range change {
				b[k] = v
			}
			wantError(t, api.Post(path, b), http.StatusBadRequest, "invalid", field)
		}
		b := borrowBody("王五")
		b["expected_return"] = "明天下午"
		if e := wantError(t, api.Post(path, b), http.StatusBadRequest, "invalid", "expected_return"); !strings.Contains(e.Message, "2026-11-27") {
			t.Errorf("format hint %q", e.Message)
		}
		// Nothing half-written: the key is still in.
		if got := x.getKey(k.ID); got.Status != frontdesk.KeyIn {
			t.Errorf("key after refused lendings: %s", got.Status)
		}

		// A partial edit keeps the other fields.
		var ed frontdesk.Key
		x.do(auth.RoleCSAgent, "PUT", fmt.Sprintf("/api/v1/keys/%d", k.ID), map[string]any{"copies": 3, "cabinet_position": "A-07"},
			http.StatusOK).JSON(t, &ed)
		if ed.Copies != 3 || ed.CabinetPosition != "A-07" || ed.Label != "TT-1" || ed.Location != "2栋地下水泵房" {
			t.Errorf("edited %+v", ed)
		}
		wantError(t, api.Do("PUT", fmt.Sprintf("/api/v1/keys/%d", k.ID), map[string]any{"community_id": x.B.Community.ID}),
			http.StatusBadRequest, "invalid", "community_id")
	})
}

func TestKeysOfAnotherCommunityAreNotSeenNorLent(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		k := x.key("A-ONLY", nil)
		bStaff := x.NewUser(auth.RoleCSAgent, x.B.Community.ID)
		b := x.APIAs(bStaff.Login)
		path := fmt.Sprintf("/api/v1/keys/%d", k.ID)
		for _, r := range []*apptest.Response{
			b.Get(path), b.Get(path + "/loans"), b.Post(path+"/borrow", borrowBody("乙苑员工")),
			b.Post(path+"/return", nil), b.Post(path+"/lost", map[string]any{"reason": "x"}), b.Do("PUT", path, map[string]any{"copies": 5}),
			b.Get(fmt.Sprintf("/api/v1/keys?community_id=%d", x.A.Community.ID)),
			b.Post("/api/v1/keys", map[string]any{"community_id": x.A.Community.ID, "label": "B1", "class": "common_area", "location": "天台"}),
		} {
			if r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
				t.Errorf("B's staff on A's key: %s", r)
			}
		}
		var list struct {
			Items []frontdesk.Key `json:"items"`
			Total int             `json:"total"`
		}
		r := b.Get("/api/v1/keys?q=A-ONLY")
		r.JSON(t, &list)
		if r.Code != http.StatusOK || list.Total != 0 || len(list.Items) != 0 {
			t.Errorf("B's list shows A's key: %s", r)
		}
		x.do(auth.RoleCSAgent, "GET", "/api/v1/keys?q=a-only", nil, http.StatusOK).JSON(t, &list)
		if list.Total != 1 || list.Items[0].ID != k.ID {
			t.Errorf("A's list (case-insensitive search): %+v", list)
		}
		if got := x.getKey(k.ID); got.Status != frontdesk.KeyIn || got.Copies != 2 {
			t.Errorf("A's key changed by B: %+v", got)
		}
		// 部门员工 do not keep the desk's records.
		x.do(auth.RoleDeptStaff, "GET", "/api/v1/keys", nil, http.StatusForbidden)
		x.do(auth.RoleAuditor, "POST", path+"/borrow", borrowBody("审计"), http.StatusForbidden)
	})
}

func TestOverdueKeysAreListed(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		late := x.key("YQ-1", nil)
		onTime := x.key("YQ-2", nil)
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/keys/%d/borrow", late.ID), borrowBody("逾期人"), http.StatusCreated)
		b := borrowBody("按时人")
		b["expected_return"] = "2026-11-25"
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/keys/%d/borrow", onTime.ID), b, http.StatusCreated)
		x.clk.Add(9 * time.Hour) // 19:00, an hour past 18:00
		var loans struct {
			Items []frontdesk.KeyLoan `json:"items"`
			Total int                 `json:"total"`
		}
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/keys/overdue?community_id=%d", x.A.Community.ID), nil, http.StatusOK).JSON(t, &loans)
		if loans.Total != 1 || loans.Items[0].KeyLabel != "YQ-1" || !loans.Items[0].Overdue || loans.Items[0].KeyWhere != "2栋地下水泵房" {
			t.Fatalf("overdue %+v", loans)
		}
		var keys struct {
			Items []frontdesk.Key `json:"items"`
			Total int             `json:"total"`
		}
		x.do(auth.RoleAuditor, "GET", "/api/v1/keys?status=overdue", nil, http.StatusOK).JSON(t, &keys)
		if keys.Total != 1 || keys.Items[0].ID != late.ID || !keys.Items[0].Overdue {
			t.Errorf("status=overdue %+v", keys)
		}
		x.do(auth.RoleAuditor, "GET", "/api/v1/keys?status=out", nil, http.StatusOK).JSON(t, &keys)
		if keys.Total != 2 {
			t.Errorf("status=out: %d keys", keys.Total)
		}
		wantError(t, x.API(auth.RoleAuditor).Get("/api/v1/keys?status=gone"), http.StatusBadRequest, "invalid", "status")
		// The 工作台 counts them, for A's staff only.
		for _, c := range []struct {
			u       *auth.User
			out, od int
		}{{x.Users[auth.RoleCSAgent], 2, 1}, {x.NewUser(auth.RoleCashier, x.B.Community.ID), 0, 0}} {
			items, err := x.App.Desk.KeyCardItems(context.Background(), c.u)
			if err != nil || len(items) != 3 || items[0].Count != c.out || items[1].Count != c.od || !items[1].Alert ||
				items[1].URL != "/desk/keys?status=overdue" {
				t.Errorf("card items of %s: %+v %v", c.u.Login, items, err)
			}
		}
	})
}

func TestBorrowersIDNumberIsMaskedWithoutPermission(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		k := x.key("ID-1", nil)
		b := borrowBody("施工员")
		id := apptest.IDNumber()
		b["borrower_id_number"] = id
		var loan frontdesk.KeyLoan
		x.do(auth.RoleDirector, "POST", fmt.Sprintf("/api/v1/keys/%d/borrow", k.ID), b, http.StatusCreated).JSON(t, &loan)
		if loan.IDNumber != id || loan.IDType != "身份证" {
			t.Errorf("director sees %q %q", loan.IDType, loan.IDNumber)
		}
		got := x.getKey(k.ID) // as the auditor
		if got.Loan.IDNumber == id || got.Loan.IDNumber != auth.MaskID(id) {
			t.Errorf("auditor sees %q", got.Loan.IDNumber)
		}
		body := apptest.Page(t, x.Browser(auth.RoleCSAgent), fmt.Sprintf("/desk/keys/%d", k.ID), http.StatusOK)
		if strings.Contains(body, id) || !strings.Contains(body, auth.MaskID(id)) {
			t.Errorf("the key page shows the ID number to an agent")
		}
	})
}
