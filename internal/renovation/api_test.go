package renovation_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/renovation"
)

// TestExtinguisherArithmetic pins the manual's rule 每X平方米至少配备Y个
// Z公斤干粉灭火器，不足X平方米的按X平方米计算 at its boundaries, in
// hundredths of m², with no float anywhere.
func TestExtinguisherArithmetic(t *testing.T) {
	for _, c := range []struct {
		area, per int64
		count     int
		want      int
	}{
		{5000, 5000, 1, 1},  // exactly X
		{5001, 5000, 1, 2},  // X + 0.01
		{1, 5000, 1, 1},     // 0.01 m²: under X counts as X
		{4999, 5000, 1, 1},  // just under X
		{10000, 5000, 1, 2}, // 2X
		{10001, 5000, 2, 6}, // 2X + 0.01, two per X
		{8550, 3000, 1, 3},  // 85.50 m² at 30 m²
		{0, 5000, 1, 0},     // nothing to protect
		{12345678, 5000, 1, 2470},
	} {
		if got := renovation.Extinguishers(c.area, c.per, c.count); got != c.want {
			t.Errorf("Extinguishers(%d, %d, %d) = %d, want %d", c.area, c.per, c.count, got, c.want)
		}
	}
}

// TestApplicationContract: POST /api/v1/renovations answers 201 with id,
// status and required_extinguishers, the area as a number or a string;
// the extinguishers follow the community's rule at its boundaries.
func TestApplicationContract(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		body := map[string]any{"house_id": x.A.House.ID, "contractor": "金螳螂家装", "manager_name": "王建国",
			"manager_phone": "13800138000", "area": 85.5, "starts_on": "2026-12-01", "ends_on": "2027-02-28"}
		r := x.do(auth.RoleCSAgent, "POST", "/api/v1/renovations", body, http.StatusCreated)
		m := r.Map(t)
		for _, k := range []string{"id", "status", "required_extinguishers"} {
			if _, ok := m[k]; !ok {
				t.Errorf("no %s in %s", k, r)
			}
		}
		if m["status"] != "submitted" || m["required_extinguishers"] != float64(2) || m["area"] != "85.50" ||
			m["house_code"] != "3-2-1201" || m["applicant_name"] != x.A.Owner.Name {
			t.Errorf("created: %s", r)
		}
		// The defaults: every 50 m² one 4 kg extinguisher.
		for area, want := range map[string]int{"50": 1, "50.01": 2, "0.01": 1, "100": 2, "100.00": 2, "150.5": 4} {
			got := x.apply(0, map[string]any{"area": area})
			if got.RequiredExtinguishers != want || got.ExtinguisherKg != 4 {
				t.Errorf("area %s: %d × %d kg, want %d", area, got.RequiredExtinguishers, got.ExtinguisherKg, want)
			}
		}
		// A community's own rule: every 30 m² two 2 kg extinguishers.
		x.do(auth.RoleCSManager, "PUT", fmt.Sprintf("/api/v1/renovation-rules/%d", x.A.Community.ID),
			map[string]any{"extinguisher_area": "30", "extinguisher_count": 2, "extinguisher_kg": 2}, http.StatusOK)
		for area, want := range map[string]int{"30": 2, "30.01": 4, "0.01": 2, "89.99": 6, "90": 6, "90.01": 8} {
			if got := x.apply(0, map[string]any{"area": area}); got.RequiredExtinguishers != want || got.ExtinguisherKg != 2 {
				t.Errorf("area %s at 30 m²: %d × %d kg, want %d × 2 kg", area, got.RequiredExtinguishers, got.ExtinguisherKg, want)
			}
		}
		var rules renovation.Rules
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/renovation-rules/%d", x.A.Community.ID), nil, http.StatusOK).JSON(t, &rules)
		if !rules.Saved || rules.ExtArea != "30.00" || rules.ExtCount != 2 || rules.WeekdayHours != "08:00-12:00,14:00-18:00" ||
			rules.DepositFen != 300000 || len(rules.Forbidden) == 0 {
			t.Errorf("rules: %+v", rules)
		}
	})
}

// TestApplicationValidation: bad input is a 400 naming the field, in
// Chinese, and writes nothing.
func TestApplicationValidation(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		base := func(k string, v any) map[string]any {
			b := map[string]any{"house_id": x.A.House.ID, "contractor": "金螳螂家装", "manager_name": "王建国",
				"manager_phone": "13800138000", "area": "85.5", "starts_on": "2026-12-01", "ends_on": "2027-02-28"}
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
			return b
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{base("ends_on", "2026-11-30"), "ends_on"},
			{base("ends_on", "2028-12-31"), "ends_on"},
			{base("starts_on", "2026-13-01"), "starts_on"},
			{base("starts_on", nil), "starts_on"},
			{base("area", 0), "area"},
			{base("area", "-3"), "area"},
			{base("area", "八十"), "area"},
			{base("area", "85.555"), "area"},
			{base("area", nil), "area"},
			{base("manager_phone", "12345"), "manager_phone"},
			{base("manager_phone", nil), "manager_phone"},
			{base("manager_name", " "), "manager_name"},
			{base("contractor", nil), "contractor"},
			{base("house_id", nil), "house_id"},
			{base("house_id", 987654321), "house_id"},
			{base("house_id", "x"), "house_id"},
			{base("workers", []map[string]any{{"name": "李四", "id_number": "110105199001011234"}}), "workers"},
			{base("workers", []map[string]any{{"phone": "13900001111"}}), "workers"},
		} {
			r := x.API(auth.RoleCSAgent).Post("/api/v1/renovations", c.body)
			expectError(t, r, http.StatusBadRequest, "invalid", c.field)
			if e := r.Error(t); !strings.ContainsAny(e.Message, "请须不格式") {
				t.Errorf("%s: message %q", c.field, e.Message)
			}
		}
		var list struct{ Total int }
		x.do(auth.RoleCSAgent, "GET", "/api/v1/renovations", nil, http.StatusOK).JSON(t, &list)
		if list.Total != 0 {
			t.Errorf("%d applications written by bad input", list.Total)
		}
		// Roles without the permission.
		expectError(t, x.API(auth.RoleCashier).Post("/api/v1/renovations", base("x", 1)), http.StatusForbidden, "forbidden", "")
		expectError(t, x.API(auth.RoleDeptStaff).Post("/api/v1/renovations", base("x", 1)), http.StatusForbidden, "forbidden", "")
	})
}

// TestScope: a user of community A sees, lists and acts on A's
// applications only; B's answer 403 and never show up in A's lists.
func TestScope(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		a := x.apply(0, nil)
		var b renovation.Renovation
		admin := x.API(auth.RoleAdmin)
		r := admin.Post("/api/v1/renovations", map[string]any{"house_id": x.B.House.ID, "contractor": "乙苑装饰",
			"manager_name": "赵六", "manager_phone": "13700137000", "area": "60", "starts_on": "2026-12-01", "ends_on": "2026-12-31"})
		if r.Code != http.StatusCreated {
			t.Fatalf("B: %s", r)
		}
		r.JSON(t, &b)
		if b.CommunityID != x.B.Community.ID {
			t.Fatalf("community from the house: %d", b.CommunityID)
		}
		// The agent of A may not register for B's house.
		expectError(t, x.API(auth.RoleCSAgent).Post("/api/v1/renovations", map[string]any{"house_id": x.B.House.ID,
			"contractor": "x", "manager_name": "x", "manager_phone": "13700137000", "area": "60", "starts_on": "2026-12-01",
			"ends_on": "2026-12-31"}), http.StatusForbidden, "forbidden", "")
		for _, role := range []auth.Role{auth.RoleDirector, auth.RoleCSManager, auth.RoleCSAgent, auth.RoleDeptStaff, auth.RoleAuditor} {
			if r := x.API(role).Get(fmt.Sprintf("/api/v1/renovations/%d", b.ID)); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
				t.Errorf("%s reads B's application: %s", role, r)
			}
			var list struct {
				Items []renovation.Renovation
				Total int
			}
			x.do(role, "GET", "/api/v1/renovations", nil, http.StatusOK).JSON(t, &list)
			if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != a.ID {
				t.Errorf("%s lists %d: %+v", role, list.Total, list.Items)
			}
			if r := x.API(role).Get(fmt.Sprintf("/api/v1/renovations?community_id=%d", x.B.Community.ID)); r.Code != http.StatusForbidden {
				t.Errorf("%s lists B: %s", role, r)
			}
		}
		for _, action := range []string{"approve", "reject", "review", "start", "complete", "refund", "inspections", "workers"} {
			role := map[string]auth.Role{"review": auth.RoleDeptStaff, "start": auth.RoleCSAgent, "inspections": auth.RoleCSAgent,
				"workers": auth.RoleCSAgent}[action]
			if role == "" {
				role = auth.RoleCSManager
			}
			r := x.API(role).Post(fmt.Sprintf("/api/v1/renovations/%d/%s", b.ID, action), map[string]any{"reason": "x",
				"opinion": "x", "name": "x"})
			if r.Code != http.StatusForbidden {
				t.Errorf("%s %s on B: %s", role, action, r)
			}
		}
		x.do(auth.RoleCSManager, "PUT", fmt.Sprintf("/api/v1/renovation-rules/%d", x.B.Community.ID), map[string]any{}, http.StatusForbidden)
		if got := x.get(auth.RoleAdmin, b.ID); got.Status != renovation.StatusSubmitted {
			t.Errorf("B's application changed: %s", got.Status)
		}
		// Pages: B's application is a 403 page, the list shows A's only.
		page := x.Browser(auth.RoleCSManager)
		if r := page.Get(fmt.Sprintf("/renovations/%d", b.ID)); r.Code != http.StatusForbidden {
			t.Errorf("B's page: %d", r.Code)
		}
		body := apptest.Page(t, page, "/renovations", http.StatusOK)
		apptest.Has(t, "list", body, fmt.Sprintf(`href="/renovations/%d"`, a.ID))
		apptest.HasNot(t, "list", body, fmt.Sprintf(`href="/renovations/%d"`, b.ID), x.B.Community.Name)
	})
}

// statusOf drives a fresh application of a house (0: A's) to status.
func (x *fx) statusOf(house int64, status string) *renovation.Renovation {
	x.t.Helper()
	r := x.apply(house, nil)
	steps := map[string][]string{
		renovation.StatusSubmitted:  nil,
		renovation.StatusReviewed:   {"review"},
		renovation.StatusApproved:   {"approve"},
		renovation.StatusRejected:   {"reject"},
		renovation.StatusInProgress: {"approve", "start"},
		renovation.StatusCompleted:  {"approve", "start", "complete"},
		renovation.StatusRefunded:   {"approve", "start", "complete", "refund"},
	}[status]
	for _, s := range steps {
		if s == "refund" {
			x.pay(r.HouseID, *r.DepositBillID, r.DepositFen)
		}
		r = x.act(roleOf(s), r.ID, s, map[string]any{"opinion": "同意施工", "reason": "图纸不全"}, http.StatusOK)
	}
	if r.Status != status {
		x.t.Fatalf("drove to %s, got %s", status, r.Status)
	}
	return r
}

func roleOf(action string) auth.Role {
	switch action {
	case "review":
		return auth.RoleDeptStaff
	case "start", "inspections":
		return auth.RoleCSAgent
	}
	return auth.RoleCSManager
}

// TestForbiddenTransitions: every action out of order is a 409 with the
// state's name in the message, and changes nothing.
func TestForbiddenTransitions(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		allowed := map[string][]string{
			renovation.StatusSubmitted:  {"review", "approve", "reject"},
			renovation.StatusReviewed:   {"approve", "reject"},
			renovation.StatusApproved:   {"start", "complete", "inspections"},
			renovation.StatusRejected:   {},
			renovation.StatusInProgress: {"complete", "inspections"},
			renovation.StatusCompleted:  {"refund"},
			renovation.StatusRefunded:   {},
		}
		actions := []string{"review", "approve", "reject", "start", "complete", "refund", "inspections"}
		// A valid body for every action, so that only the state can refuse.
		body := map[string]any{"opinion": "同意", "reason": "不符合要求", "conditions": "", "result": "验收合格",
			"findings": []map[string]any{{"type": "噪音扰民", "note": "午休时间电钻"}}, "deductions": []map[string]any{}}
		for _, st := range renovation.Statuses {
			r := x.statusOf(x.newHouse(), st)
			for _, a := range actions {
				if contains(allowed[st], a) {
					continue
				}
				res := x.API(auth.RoleAdmin).Post(fmt.Sprintf("/api/v1/renovations/%d/%s", r.ID, a), body)
				expectError(t, res, http.StatusConflict, "conflict", "status")
				if e := res.Error(t); !strings.Contains(e.Message, renovation.StatusLabel(st)) {
					t.Errorf("%s in %s: message %q", a, st, e.Message)
				}
			}
			if got := x.get(auth.RoleAdmin, r.ID); got.Status != st || got.UpdatedAt != r.UpdatedAt {
				t.Errorf("%s changed by refused actions: %s", st, got.Status)
			}
		}
	})
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestDepositRefund walks the money: approval charges the deposit (a
// deposit bill: not income) and the 垃圾清运费; the refund of an unpaid
// deposit is a 409; deductions above the deposit a 400; deductions equal
// to the deposit give back 0; a second refund is a 409; a partial
// deduction gives back the exact 分 and counts as income. The house is
// 装修中 from the start to the acceptance.
func TestDepositRefund(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		h := x.A.House.ID
		r := x.apply(0, map[string]any{"workers": []map[string]any{{"name": "李师傅", "phone": "13900139000", "trade": "水电工",
			"id_number": apptest.IDNumber()}}})
		r = x.act(auth.RoleDeptStaff, r.ID, "review", map[string]any{"opinion": "水电改造须报工程部验收"}, http.StatusOK)
		r = x.act(auth.RoleCSManager, r.ID, "approve", map[string]any{"conditions": "卫生间闭水试验 48 小时"}, http.StatusOK)
		if r.Status != "approved" || !strings.HasPrefix(r.PermitNumber, "ZX20") || r.DepositBillID == nil || r.WasteBillID == nil ||
			r.DepositFen != 300000 || r.WasteFeeFen != 30000 || r.Conditions != "卫生间闭水试验 48 小时" {
			t.Fatalf("approved: %+v", r)
		}
		dep, waste := x.bill(*r.DepositBillID), x.bill(*r.WasteBillID)
		if !dep.Deposit || dep.FeeItemName != "装修押金" || dep.AmountFen != 300000 || dep.Status != "unpaid" || dep.HouseID != h {
			t.Errorf("deposit bill: %+v", dep)
		}
		if waste.Deposit || waste.FeeItemName != "装修垃圾清运费" || waste.AmountFen != 30000 {
			t.Errorf("waste bill: %+v", waste)
		}
		if s := x.houseStatus(h); s != "自住" {
			t.Errorf("house before the works: %s", s)
		}
		r = x.act(auth.RoleCSAgent, r.ID, "start", nil, http.StatusOK)
		if s := x.houseStatus(h); s != "装修中" || r.HouseStatusBefore != "自住" {
			t.Errorf("house under works: %s (before %q)", s, r.HouseStatusBefore)
		}
		x.inspect(r.ID, map[string]any{"type": "垃圾乱放", "note": "楼道堆放砂浆袋", "rectify_by": time.Now().AddDate(0, 0, 2).Format("2006-01-02")})
		r = x.act(auth.RoleCSManager, r.ID, "complete", nil, http.StatusOK)
		if s := x.houseStatus(h); s != "自住" || r.CompletionResult != "验收合格" {
			t.Errorf("house after the acceptance: %s, result %q", s, r.CompletionResult)
		}
		refund := func(want int, lines ...map[string]any) *apptest.Response {
			t.Helper()
			if lines == nil {
				lines = []map[string]any{}
			}
			res := x.API(auth.RoleCSManager).Post(fmt.Sprintf("/api/v1/renovations/%d/refund", r.ID), map[string]any{"deductions": lines})
			if res.Code != want {
				t.Fatalf("refund %v: %s, want %d", lines, res, want)
			}
			return res
		}
		expectError(t, refund(http.StatusConflict), http.StatusConflict, "conflict", "bill_id")
		x.pay(h, dep.ID, dep.AmountFen)
		expectError(t, refund(http.StatusBadRequest, map[string]any{"amount_fen": 300001, "reason": "垃圾乱放"}),
			http.StatusBadRequest, "invalid", "deductions")
		expectError(t, refund(http.StatusBadRequest, map[string]any{"amount_fen": 200000, "reason": "垃圾乱放"},
			map[string]any{"amount_fen": 100001, "reason": "损坏电梯轿厢"}), http.StatusBadRequest, "invalid", "deductions")
		expectError(t, refund(http.StatusBadRequest, map[string]any{"amount_fen": 0, "reason": "x"}), http.StatusBadRequest, "invalid", "deductions")
		expectError(t, refund(http.StatusBadRequest, map[string]any{"amount_fen": 100, "reason": " "}), http.StatusBadRequest, "invalid", "deductions")
		if got := x.get(auth.RoleCSManager, r.ID); got.Status != "completed" {
			t.Fatalf("a refused refund changed the status: %s", got.Status)
		}
		var out renovation.Renovation
		refund(http.StatusOK, map[string]any{"amount_fen": 200000, "reason": "垃圾乱放，逾期未清理"},
			map[string]any{"amount_fen": 100000, "reason": "损坏电梯轿厢"}).JSON(t, &out)
		if out.Status != "refunded" || out.RefundFen != 0 || out.DeductionsFen != 300000 || out.RefundID == nil {
			t.Errorf("refund of everything: %+v", out)
		}
		expectError(t, refund(http.StatusConflict), http.StatusConflict, "conflict", "status")

		// Billing refuses a second refund of the same bill by itself too.
		_, err := x.App.Reno.Billing.RefundDeposit(context.Background(), x.Users[auth.RoleCSManager],
			billing.DepositRefundInput{BillID: dep.ID})
		if e, ok := err.(interface{ Error() string }); !ok || !strings.Contains(e.Error(), "不能重复退还") {
			t.Errorf("second refund in billing: %v", err)
		}

		// A second application of the same house this month has bills of
		// its own.
		r2 := x.statusOf(0, renovation.StatusCompleted)
		if r2.DepositBillID == nil || *r2.DepositBillID == dep.ID || r2.WasteBillID == nil || *r2.WasteBillID == waste.ID {
			t.Fatalf("second application's bills: deposit %v waste %v", r2.DepositBillID, r2.WasteBillID)
		}
		x.pay(h, *r2.DepositBillID, r2.DepositFen)
		x.act(auth.RoleCSManager, r2.ID, "refund", map[string]any{"deductions": []map[string]any{{"amount_fen": 12345,
			"reason": "噪音扰民，屡劝不改"}}, "method": "bank"}, http.StatusOK)
		if got := x.get(auth.RoleAuditor, r2.ID); got.RefundFen != 287655 || got.DeductionsFen != 12345 {
			t.Errorf("partial refund: %d back, %d kept", got.RefundFen, got.DeductionsFen)
		}
		kept, err := x.App.Reno.Billing.DepositDeductionIncome(context.Background(), x.A.Community.ID,
			time.Now().AddDate(0, 0, -1), time.Now().AddDate(0, 0, 1))
		if err != nil || kept != 312345 {
			t.Errorf("deductions as income: %d, %v", kept, err)
		}
		ref, err := x.App.Reno.Billing.DepositRefundOf(context.Background(), x.Users[auth.RoleAuditor], *r2.DepositBillID)
		if err != nil || ref.RefundFen != 287655 || ref.Method != "bank" || len(ref.Deductions) != 1 ||
			ref.Reference != "装修许可证 "+r2.PermitNumber {
			t.Errorf("billing's refund record: %+v, %v", ref, err)
		}
	})
}

// TestNoDepositConfigured: a community charging no deposit approves
// without bills, and the application is closed with no refund; a
// deduction from no deposit is refused.
func TestNoDepositConfigured(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.do(auth.RoleCSManager, "PUT", fmt.Sprintf("/api/v1/renovation-rules/%d", x.A.Community.ID),
			map[string]any{"deposit_fen": 0, "waste_fee_fen": 0}, http.StatusOK)
		r := x.statusOf(0, renovation.StatusCompleted)
		if r.DepositBillID != nil || r.WasteBillID != nil {
			t.Fatalf("bills without amounts: %v %v", r.DepositBillID, r.WasteBillID)
		}
		expectError(t, x.API(auth.RoleCSManager).Post(fmt.Sprintf("/api/v1/renovations/%d/refund", r.ID),
			map[string]any{"deductions": []map[string]any{{"amount_fen": 100, "reason": "x"}}}), http.StatusBadRequest, "invalid", "deductions")
		if got := x.act(auth.RoleCSManager, r.ID, "refund", nil, http.StatusOK); got.Status != "refunded" || got.RefundFen != 0 {
			t.Errorf("closed: %+v", got)
		}
	})
}

// TestRulesPriceSync: the amounts of the rules become the fee items'
// prices from this month, so approval charges what the rules say.
func TestRulesPriceSync(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.statusOf(0, renovation.StatusApproved) // creates both items at ¥3,000 and ¥300
		x.do(auth.RoleCSManager, "PUT", fmt.Sprintf("/api/v1/renovation-rules/%d", x.A.Community.ID),
			map[string]any{"deposit_fen": 500000, "waste_fee_fen": 45050}, http.StatusOK)
		r := x.statusOf(0, renovation.StatusApproved)
		if r.DepositFen != 500000 || x.bill(*r.DepositBillID).AmountFen != 500000 {
			t.Errorf("deposit after the change: %d", r.DepositFen)
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"weekday_hours": "18:00-08:00"}, "weekday_hours"},
			{map[string]any{"weekday_hours": ""}, "weekday_hours"},
			{map[string]any{"weekend_hours": "9点到12点"}, "weekend_hours"},
			{map[string]any{"extinguisher_area": "0"}, "extinguisher_area"},
			{map[string]any{"extinguisher_count": 0}, "extinguisher_count"},
			{map[string]any{"deposit_fen": -1}, "deposit_fen"},
			{map[string]any{"deposit_item_id": *r.WasteBillID + 99999}, "deposit_item_id"},
		} {
			expectError(t, x.API(auth.RoleCSManager).Do("PUT", fmt.Sprintf("/api/v1/renovation-rules/%d", x.A.Community.ID), c.body),
				http.StatusBadRequest, "invalid", c.field)
		}
		x.do(auth.RoleCSAgent, "PUT", fmt.Sprintf("/api/v1/renovation-rules/%d", x.A.Community.ID), map[string]any{}, http.StatusForbidden)
	})
}

// TestInspectionsAndRectification: findings need a known type and a
// deadline not in the past; one past its deadline shows in the overdue
// view until it is re-checked; inspections stop after the acceptance.
func TestInspectionsAndRectification(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		r := x.statusOf(0, renovation.StatusInProgress)
		path := fmt.Sprintf("/api/v1/renovations/%d/inspections", r.ID)
		for _, f := range []map[string]any{
			{"type": "乱扔烟头"},
			{"type": "其他"},
			{"type": "噪音扰民", "rectify_by": "2020-01-01"},
			{"type": "噪音扰民", "rectify_by": "明天"},
		} {
			expectError(t, x.API(auth.RoleCSAgent).Post(path, map[string]any{"findings": []any{f}}), http.StatusBadRequest, "invalid", "findings")
		}
		// An inspection made a week ago with a deadline three days ago.
		svc := x.App.Reno
		real := svc.Now
		svc.Now = func() time.Time { return real().AddDate(0, 0, -7) }
		in, err := svc.Inspect(context.Background(), x.Users[auth.RoleCSAgent], r.ID, renovation.InspectionInput{Note: "巡查",
			Findings: []renovation.FindingInput{{Type: "未配灭火器", Note: "现场无灭火器", RectifyBy: real().AddDate(0, 0, -3).In(shanghai).Format("2006-01-02")},
				{Type: "噪音扰民", Note: "午休施工"}}})
		svc.Now = real
		if err != nil || len(in.Findings) != 2 {
			t.Fatalf("inspection: %+v %v", in, err)
		}
		got := x.get(auth.RoleCSAgent, r.ID)
		if got.OpenFindings != 2 || got.Overdue != 1 || !got.Inspections[0].Findings[0].Overdue {
			t.Errorf("open %d, overdue %d", got.OpenFindings, got.Overdue)
		}
		var list struct {
			Items []renovation.Renovation
			Total int
		}
		x.do(auth.RoleAuditor, "GET", "/api/v1/renovations?view=overdue", nil, http.StatusOK).JSON(t, &list)
		if list.Total != 1 || list.Items[0].ID != r.ID {
			t.Errorf("overdue view: %+v", list)
		}
		x.do(auth.RoleAuditor, "GET", "/api/v1/renovations?view=active", nil, http.StatusOK).JSON(t, &list)
		if list.Total != 1 {
			t.Errorf("active view: %d", list.Total)
		}
		fid := in.Findings[0].ID
		x.act(auth.RoleCSAgent, r.ID, "rectify", map[string]any{"finding_id": fid, "note": "已配两具灭火器"}, http.StatusOK)
		expectError(t, x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/renovations/%d/rectify", r.ID),
			map[string]any{"finding_id": fid}), http.StatusConflict, "conflict", "finding_id")
		x.do(auth.RoleAuditor, "GET", "/api/v1/renovations?view=overdue", nil, http.StatusOK).JSON(t, &list)
		if list.Total != 0 {
			t.Errorf("overdue after the re-check: %d", list.Total)
		}
		if got := x.get(auth.RoleCSAgent, r.ID); got.OpenFindings != 1 || !got.Inspections[0].Findings[0].Rectified ||
			got.Inspections[0].Findings[0].RecheckNote != "已配两具灭火器" {
			t.Errorf("after the re-check: %+v", got.Inspections[0].Findings)
		}
		x.act(auth.RoleCSManager, r.ID, "complete", map[string]any{"result": "有遗留问题", "note": "噪音问题待复查"}, http.StatusOK)
		expectError(t, x.API(auth.RoleCSAgent).Post(path, map[string]any{"findings": []any{}}), http.StatusConflict, "conflict", "status")
		// The re-check still works after the acceptance.
		x.act(auth.RoleCSAgent, r.ID, "rectify", map[string]any{"finding_id": in.Findings[1].ID}, http.StatusOK)
		// Expiring passes: ends within a week.
		soon := x.apply(0, map[string]any{"starts_on": time.Now().Format("2006-01-02"), "ends_on": time.Now().AddDate(0, 0, 3).Format("2006-01-02")})
		x.act(auth.RoleCSManager, soon.ID, "approve", nil, http.StatusOK)
		x.do(auth.RoleAuditor, "GET", "/api/v1/renovations?view=expiring", nil, http.StatusOK).JSON(t, &list)
		if list.Total != 1 || list.Items[0].ID != soon.ID {
			t.Errorf("expiring view: %+v", list)
		}
		ext := x.act(auth.RoleCSManager, soon.ID, "extend", map[string]any{"ends_on": time.Now().AddDate(0, 1, 0).Format("2006-01-02"),
			"reason": "材料延期到货"}, http.StatusOK)
		if !strings.Contains(ext.Notes, "材料延期到货") {
			t.Errorf("extension note: %q", ext.Notes)
		}
		x.do(auth.RoleAuditor, "GET", "/api/v1/renovations?view=expiring", nil, http.StatusOK).JSON(t, &list)
		if list.Total != 0 {
			t.Errorf("expiring after the extension: %d", list.Total)
		}
		expectError(t, x.API(auth.RoleAuditor).Get("/api/v1/renovations?view=late"), http.StatusBadRequest, "invalid", "view")
		x.apply(0, nil)
		cards, err := x.App.Reno.Cards(context.Background(), x.Users[auth.RoleAuditor])
		if err != nil || len(cards) != 1 {
			t.Fatalf("cards: %v %v", cards, err)
		}
		counts := map[string]int{}
		for _, it := range cards[0].Items {
			counts[it.Label] = it.Count
		}
		if counts["待审批"] != 1 || counts["在施工程"] != 1 || counts["出入证 7 天内到期"] != 0 || counts["整改逾期"] != 0 || counts["待退押金"] != 1 {
			t.Errorf("cards: %v", counts)
		}
		if cards, _ := x.App.Reno.Cards(context.Background(), x.Users[auth.RoleCashier]); cards != nil {
			t.Errorf("cashier's cards: %v", cards)
		}
	})
}

// TestWorkersAndFiles: ID numbers are masked but for those who may see
// them; a pass can be withdrawn; drawings and photos are judged by their
// content.
func TestWorkersAndFiles(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		id := apptest.IDNumber()
		r := x.apply(0, map[string]any{"workers": []map[string]any{{"name": "李师傅", "id_number": id, "trade": "木工"}}})
		if got := x.get(auth.RoleCSAgent, r.ID).Workers[0].IDNumber; got == id || !strings.Contains(got, "*") {
			t.Errorf("agent sees %q", got)
		}
		if got := x.get(auth.RoleDirector, r.ID).Workers[0].IDNumber; got != id {
			t.Errorf("director sees %q", got)
		}
		var w renovation.Worker
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/renovations/%d/workers", r.ID),
			map[string]any{"name": "张师傅", "phone": "13911112222", "trade": "油漆工"}, http.StatusCreated).JSON(t, &w)
		expectError(t, x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/renovations/%d/workers", r.ID),
			map[string]any{"name": "", "phone": "13911112222"}), http.StatusBadRequest, "invalid", "name")
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
		cl := x.API(auth.RoleCSAgent)
		req := cl.Request("POST", fmt.Sprintf("/api/v1/renovations/%d/files?kind=worker_photo&ref=%d", r.ID, w.ID), png)
		req.Header.Set("Content-Type", "image/png")
		if res := cl.Send(req); res.Code != http.StatusCreated {
			t.Fatalf("photo: %s", res)
		}
		req = cl.Request("POST", fmt.Sprintf("/api/v1/renovations/%d/files?kind=drawing&name=plan.pdf", r.ID), []byte("%PDF-1.4 plan"))
		if res := cl.Send(req); res.Code != http.StatusCreated {
			t.Fatalf("drawing: %s", res)
		}
		req = cl.Request("POST", fmt.Sprintf("/api/v1/renovations/%d/files?kind=drawing", r.ID), []byte("MZ not a drawing"))
		expectError(t, cl.Send(req), http.StatusBadRequest, "invalid", "file")
		req = cl.Request("POST", fmt.Sprintf("/api/v1/renovations/%d/files?kind=worker_photo&ref=%d", r.ID, w.ID), []byte("%PDF-1.4"))
		expectError(t, cl.Send(req), http.StatusBadRequest, "invalid", "file")
		got := x.get(auth.RoleCSAgent, r.ID)
		if len(got.Files) != 2 || got.Workers[1].PhotoID == nil || got.Drawings()[0].Name != "plan.pdf" {
			t.Fatalf("files: %+v", got.Files)
		}
		page := x.Browser(auth.RoleAuditor)
		if res := page.Get(got.Drawings()[0].URL); res.Code != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("download: %d %s", res.Code, res.Header.Get("Content-Type"))
		}
		x.act(auth.RoleCSAgent, r.ID, "workers/revoke", map[string]any{"worker_id": got.Workers[0].ID}, http.StatusOK)
		expectError(t, x.API(auth.RoleCSAgent).Post(fmt.Sprintf("/api/v1/renovations/%d/workers/revoke", r.ID),
			map[string]any{"worker_id": got.Workers[0].ID}), http.StatusConflict, "conflict", "worker_id")
		if got := x.get(auth.RoleCSAgent, r.ID); !got.Workers[0].Revoked || got.Workers[1].Revoked {
			t.Errorf("revoked: %+v", got.Workers)
		}
	})
}
