package billing_test

import (
	"fmt"
	"net/http"
	"testing"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
)

// TestCollectionFigures checks 收缴率, 清欠率, the 日报 and the 收支公示 on a
// hand-checked month. November bills (created 11-20): 3-2-1201 210.33 +
// 15.00, 3-2-1202 235.00 + 15.00, 3-2-1203 15.00 = 490.33.
//
//	11-25 cashier   1201 both bills        225.33 cash
//	12-05 cashier   1202 物业服务费          235.00 cash
//	12-05 manager   1203 prepayment        100.00 wechat (no bill: not income)
//	12-05 cashier   1201 装修押金          3000.00 cash  (a deposit: not income)
//	12-06 cashier   1203 垃圾清运费          15.00 pos, voided 12-07
func TestCollectionFigures(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		deposit := x.item(map[string]any{"name": "装修押金", "kind": "oneoff", "deposit": true, "unit_price": "3000"})
		run := x.run("2026-11")
		h1, h2, h3 := x.houses[0].ID, x.houses[1].ID, x.houses[2].ID
		x.clk.Set("2026-11-25T10:00:00+08:00")
		x.paid(x.pay(auth.RoleCashier, h1, 22533, x.bills(h1, "unpaid")...))
		x.clk.Set("2026-12-05T10:00:00+08:00")
		x.paid(x.pay(auth.RoleCashier, h2, 23500, x.bills(h2, "unpaid")[0]))
		x.paid(x.API(auth.RoleCSManager).Post("/api/v1/payments", map[string]any{"house_id": h3, "amount_fen": 10000, "method": "wechat"}))
		var dep billing.Bill
		x.do(auth.RoleCashier, "POST", "/api/v1/bills", map[string]any{"house_id": h1, "fee_item_id": deposit.ID}, http.StatusCreated).JSON(t, &dep)
		if dep.AmountFen != 300000 || !dep.Deposit || dep.Period != "2026-12" {
			t.Errorf("deposit charge: %+v", dep)
		}
		x.paid(x.pay(auth.RoleCashier, h1, 300000, &dep))
		x.clk.Set("2026-12-06T16:00:00+08:00")
		voided := x.paid(x.API(auth.RoleCashier).Post("/api/v1/payments", map[string]any{"house_id": h3,
			"bill_ids": []int64{x.bills(h3, "unpaid")[0].ID}, "amount_fen": 1500, "method": "pos"}))
		x.clk.Set("2026-12-07T09:00:00+08:00")
		x.do(auth.RoleCSManager, "POST", fmt.Sprintf("/api/v1/payments/%d/void", voided.ID), map[string]any{"reason": "重复刷卡"}, http.StatusOK)

		cid := x.A.Community.ID
		rate := func(query string) map[string]any {
			return x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/collection-rate?community_id=%d&%s", cid, query), nil, http.StatusOK).Map(t)
		}
		for _, c := range []struct {
			query        string
			billed, paid float64
			rate         any
		}{
			{"period=2026-11&as_of=2026-11-19", 0, 0, nil},
			{"period=2026-11&as_of=2026-11-30", 49033, 22533, 22533.0 / 49033},
			{"period=2026-11&as_of=2026-12-06", 49033, 47533, 47533.0 / 49033},
			{"period=2026-11&as_of=2026-12-31", 49033, 46033, 46033.0 / 49033},
			{"period=2026-11", 49033, 46033, 46033.0 / 49033},
			{"period=2026-10", 0, 0, nil},
		} {
			m := rate(c.query)
			if m["billed_fen"] != c.billed || m["paid_fen"] != c.paid || m["rate"] != c.rate {
				t.Errorf("%s: billed %v paid %v rate %v; want %v %v %v", c.query, m["billed_fen"], m["paid_fen"], m["rate"],
					c.billed, c.paid, c.rate)
			}
		}
		if m := rate("period=2026-11"); m["billed_fen"] != float64(run.TotalFen) {
			t.Errorf("billed %v, run total %d", m["billed_fen"], run.TotalFen)
		}
		expectError(t, x.API(auth.RoleAuditor).Get(fmt.Sprintf("/api/v1/collection-rate?community_id=%d", cid)), 422, "invalid", "period")

		// 清欠率 from December: 265.00 owed for November at 12-01.
		clear := func(asOf string) map[string]any {
			return x.do(auth.RoleDirector, "GET", fmt.Sprintf("/api/v1/clearance-rate?community_id=%d&from=2026-12&as_of=%s", cid, asOf),
				nil, http.StatusOK).Map(t)
		}
		if m := clear("2026-12-06"); m["arrears_fen"] != 26500.0 || m["collected_fen"] != 25000.0 {
			t.Errorf("clearance as of 12-06: %v", m)
		}
		if m := clear("2026-12-31"); m["arrears_fen"] != 26500.0 || m["collected_fen"] != 23500.0 || m["rate"] != 23500.0/26500 {
			t.Errorf("clearance as of 12-31: %v", m)
		}
		if m := x.do(auth.RoleDirector, "GET", fmt.Sprintf("/api/v1/clearance-rate?community_id=%d&from=2026-11", cid), nil,
			http.StatusOK).Map(t); m["arrears_fen"] != 0.0 || m["rate"] != nil {
			t.Errorf("no arrears before November: %v", m)
		}

		// 日报 of 12-05: two cashiers, cash 3235.00 and wechat 100.00.
		var day billing.CashReport
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/cash-report?community_id=%d&date=2026-12-05", cid), nil, http.StatusOK).JSON(t, &day)
		if day.Count != 3 || day.TotalFen != 333500 || len(day.Cashiers) != 2 || len(day.ByMethod) != 2 ||
			day.ByMethod[0].Method != "cash" || day.ByMethod[0].AmountFen != 323500 || day.ByMethod[1].AmountFen != 10000 {
			t.Errorf("日报 12-05: %+v", day)
		}
		for _, c := range day.Cashiers {
			var n int64
			for _, p := range c.Payments {
				n += p.AmountFen
			}
			if n != c.TotalFen {
				t.Errorf("cashier %s: receipts %d, total %d", c.CashierName, n, c.TotalFen)
			}
		}
		// 12-06 closed with the POS receipt valid: it stays counted there;
		// its void on 12-07 is the manager's refund of 12-07.
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/cash-report?community_id=%d&date=2026-12-06", cid), nil, http.StatusOK).JSON(t, &day)
		if day.Count != 1 || day.TotalFen != 1500 || len(day.Cashiers) != 1 || day.Cashiers[0].VoidedCount != 0 ||
			day.Cashiers[0].TotalFen != 1500 {
			t.Errorf("日报 12-06: %+v", day)
		}
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/cash-report?community_id=%d&date=2026-12-07", cid), nil, http.StatusOK).JSON(t, &day)
		if day.Count != 0 || day.TotalFen != -1500 || day.RefundFen != 1500 || len(day.Cashiers) != 1 ||
			day.Cashiers[0].CashierID != x.user(auth.RoleCSManager).ID || len(day.Cashiers[0].Refunds) != 1 {
			t.Errorf("日报 12-07: %+v", day)
		}

		// 收支公示 2026: income by item without the deposit, spending by category.
		for _, e := range []map[string]any{
			{"spent_on": "2026-03-01", "category": "绿化养护", "amount_fen": 100000},
			{"spent_on": "2026-06-30", "category": "人员费用", "amount_fen": 200000, "description": "保洁员工资"},
			{"spent_on": "2025-12-31", "category": "人员费用", "amount_fen": 999},
		} {
			e["community_id"] = cid
			x.do(auth.RoleDirector, "POST", "/api/v1/expenditures", e, http.StatusCreated)
		}
		var wrong billing.Expenditure
		x.do(auth.RoleDirector, "POST", "/api/v1/expenditures", map[string]any{"community_id": cid, "spent_on": "2026-07-01",
			"category": "其他", "amount_fen": 5555}, http.StatusCreated).JSON(t, &wrong)
		x.do(auth.RoleDirector, "PUT", fmt.Sprintf("/api/v1/expenditures/%d", wrong.ID), map[string]any{"amount_fen": 6666}, http.StatusOK)
		x.do(auth.RoleDirector, "POST", fmt.Sprintf("/api/v1/expenditures/%d/void", wrong.ID), map[string]any{"reason": "录错"}, http.StatusOK)
		expectError(t, x.API(auth.RoleCSManager).Post("/api/v1/expenditures", map[string]any{"community_id": cid}), 403, "forbidden", "")
		var st billing.Statement
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/statement?community_id=%d&year=2026", cid), nil, http.StatusOK).JSON(t, &st)
		if st.IncomeFen != 46033 || len(st.Income) != 2 || st.Income[0].Name != "物业服务费" || st.Income[0].AmountFen != 44533 ||
			st.Income[1].AmountFen != 1500 || st.DepositsFen != 300000 {
			t.Errorf("income: %+v", st)
		}
		if st.ExpenditureFen != 300000 || len(st.Expenditure) != 2 || st.Expenditure[0].Name != "人员费用" ||
			st.BalanceFen != 46033-300000 {
			t.Errorf("expenditure: %+v", st)
		}
		// The statement's income equals what the collection rate counts paid.
		if m := rate("period=2026-11"); m["paid_fen"] != float64(st.IncomeFen) {
			t.Errorf("paid %v, income %d", m["paid_fen"], st.IncomeFen)
		}
	})
}

// TestArrearsAgingAndDunning: per-house totals and oldest period, aging
// buckets by months owed, filters, the 催缴 records, the follow-up queue
// and the houses owing at least N months.
func TestArrearsAgingAndDunning(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.clk.Set("2026-12-20T10:00:00+08:00")
		x.standard()
		for _, p := range []string{"2025-12", "2026-03", "2026-08", "2026-11", "2026-12"} {
			x.run(p)
		}
		h1, h2, h3 := x.houses[0].ID, x.houses[1].ID, x.houses[2].ID
		var old1, old3 []*billing.Bill
		for _, b := range x.bills(h1, "unpaid") {
			if b.Period != "2026-12" {
				old1 = append(old1, b)
			}
		}
		for _, b := range x.bills(h3, "unpaid") {
			if b.Period < "2026-11" {
				old3 = append(old3, b)
			}
		}
		x.paid(x.pay(auth.RoleCashier, h1, sum(old1), old1...))
		x.paid(x.pay(auth.RoleCashier, h3, sum(old3), old3...))

		cid := x.A.Community.ID
		get := func(query string) *billing.ArrearsReport {
			var rep billing.ArrearsReport
			x.do(auth.RoleCSAgent, "GET", "/api/v1/arrears?"+query, nil, http.StatusOK).JSON(t, &rep)
			return &rep
		}
		rep := get(fmt.Sprintf("community_id=%d", cid))
		if rep.Total != 3 || rep.OwedFen != 150533 || len(rep.Items) != 3 {
			t.Fatalf("arrears: %+v", rep)
		}
		first := rep.Items[0]
		if first.HouseID != h2 || first.OwedFen != 125000 || first.OldestPeriod != "2025-12" || first.Months != 5 ||
			first.Bucket != "12+" || first.AgeMonths != 13 {
			t.Errorf("3-2-1202: %+v", first)
		}
		byHouse := map[int64]*billing.Arrear{}
		for _, a := range rep.Items {
			byHouse[a.HouseID] = a
		}
		if a := byHouse[h1]; a.OwedFen != 22533 || a.OldestPeriod != "2026-12" || a.Bucket != "0-3" || len(a.Owners) != 1 {
			t.Errorf("3-2-1201: %+v", a)
		}
		if a := byHouse[h3]; a.OwedFen != 3000 || a.OldestPeriod != "2026-11" || a.Months != 2 {
			t.Errorf("3-2-1203: %+v", a)
		}
		want := []struct {
			houses int
			owed   int64
		}{{2, 22533 + 50000 + 3000}, {0, 25000}, {0, 25000}, {1, 25000}}
		var total int64
		for i, b := range rep.Buckets {
			total += b.OwedFen
			if b.Houses != want[i].houses || b.OwedFen != want[i].owed {
				t.Errorf("bucket %s: %d houses %d, want %+v", b.Key, b.Houses, b.OwedFen, want[i])
			}
		}
		if total != rep.OwedFen {
			t.Errorf("buckets sum to %d, owed %d", total, rep.OwedFen)
		}
		if r := get(fmt.Sprintf("community_id=%d&min_months=3", cid)); r.Total != 1 || r.Items[0].HouseID != h2 {
			t.Errorf("owing 3+ months: %+v", r.Items)
		}
		if r := get(fmt.Sprintf("community_id=%d&category=普通", cid)); r.Total != 1 || r.Items[0].HouseID != h1 {
			t.Errorf("category 普通: %+v", r.Items)
		}
		if r := get(fmt.Sprintf("community_id=%d&building_id=%d&per_page=1", cid, x.A.Building.ID)); r.Total != 3 || len(r.Items) != 1 {
			t.Errorf("building page: %d of %d", len(r.Items), r.Total)
		}
		expectError(t, x.API(auth.RoleCSAgent).Get(fmt.Sprintf("/api/v1/arrears?community_id=%d", x.B.Community.ID)), 403, "forbidden", "")

		// 催缴: records, the queue of follow-ups due, notices.
		dun := func(house int64, method, next string) *billing.Dunning {
			var d billing.Dunning
			x.do(auth.RoleCSAgent, "POST", "/api/v1/dunning", map[string]any{"house_id": house, "method": method,
				"result": "业主承诺月底前缴清", "next_follow_up": next}, http.StatusCreated).JSON(t, &d)
			return &d
		}
		if d := dun(h2, "phone", "2026-12-10"); d.OwedFen != 125000 || d.Method != "phone" {
			t.Errorf("dunning: %+v", d)
		}
		dun(h2, "电话", "2026-12-25") // the latest record is the one that counts
		dun(h1, "notice", "2027-01-10")
		dun(h3, "sms", "")
		expectError(t, x.API(auth.RoleCSAgent).Post("/api/v1/dunning", map[string]any{"house_id": h2, "method": "fax", "result": "x"}),
			422, "invalid", "method")
		expectError(t, x.API(auth.RoleAuditor).Post("/api/v1/dunning", map[string]any{"house_id": h2, "method": "phone", "result": "x"}),
			403, "forbidden", "")
		queue := func(due string) []*billing.Dunning {
			var out struct {
				Items []*billing.Dunning `json:"items"`
			}
			x.do(auth.RoleCSAgent, "GET", fmt.Sprintf("/api/v1/dunning?community_id=%d&due=%s", cid, due), nil, http.StatusOK).JSON(t, &out)
			return out.Items
		}
		if q := queue("2026-12-20"); len(q) != 0 {
			t.Errorf("queue of 12-20: %+v", q)
		}
		if q := queue("2026-12-31"); len(q) != 1 || q[0].HouseID != h2 || q[0].NextFollowUp != "2026-12-25" {
			t.Errorf("queue of 12-31: %+v", q)
		}
		var ns struct {
			Items []*billing.Notice `json:"items"`
		}
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/dunning/notices?community_id=%d&months=3", cid), nil, http.StatusOK).JSON(t, &ns)
		if len(ns.Items) != 1 || ns.Items[0].HouseID != h2 || len(ns.Items[0].Unpaid) != 10 || sum(ns.Items[0].Unpaid) != 125000 {
			t.Errorf("notices: %+v", ns.Items)
		}
		// Paying clears the house from the queue.
		x.paid(x.pay(auth.RoleCashier, h2, 125000, x.bills(h2, "unpaid")...))
		if q := queue("2026-12-31"); len(q) != 0 {
			t.Errorf("queue after paying: %+v", q)
		}
	})
}
