package billing_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
)

// The staff console's billing pages, driven as a browser does: a session
// cookie, forms with the CSRF field, redirects followed by hand.

// The page helpers are shared with the other modules' page tests.
var (
	page   = apptest.Page
	submit = apptest.Submit
	follow = apptest.Follow
	has    = apptest.Has
	hasNot = apptest.HasNot
)

func ids(bs []*billing.Bill) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = fmt.Sprint(b.ID)
	}
	return out
}

// TestPagesRender: every billing page answers 200 with its key content
// to the roles that may see it, and 403 to department staff.
func TestPagesRender(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		area, _ := x.standard()
		water := x.item(map[string]any{"name": "水费", "kind": "metered", "unit_price": "3.5"})
		x.do(auth.RoleCashier, "POST", "/api/v1/meter-readings", map[string]any{"house_id": x.houses[0].ID,
			"fee_item_id": water.ID, "period": "2026-11", "reading": "12.5"}, http.StatusCreated)
		x.run("2026-11")
		h1, h2 := x.houses[0].ID, x.houses[1].ID
		p := x.paid(x.pay(auth.RoleCashier, h2, 25000, x.bills(h2, "unpaid")...))
		x.do(auth.RoleCashier, "POST", "/api/v1/dunning", map[string]any{"house_id": h1, "method": "phone",
			"result": "业主称月底来缴", "next_follow_up": "2026-11-20"}, http.StatusCreated)
		x.do(auth.RoleDirector, "POST", "/api/v1/expenditures", map[string]any{"community_id": x.A.Community.ID,
			"spent_on": "2026-11-10", "category": "绿化养护", "description": "草坪修剪", "amount_fen": 120000}, http.StatusCreated)
		cid := x.A.Community.ID
		cashier, auditor := x.Browser(auth.RoleCashier), x.Browser(auth.RoleAuditor)

		desk := page(t, cashier, fmt.Sprintf("/billing/desk?house_id=%d", h1), 200)
		has(t, "desk", desk, "3-2-1201", x.A.Owner.Name, "物业服务费", "¥210.33", "水费", "¥43.75", "¥269.08", `name="bill_ids"`,
			"收款并开具收据", "现金", "POS刷卡", `value="269.08"`, "hx-get=\"/billing/desk\"")
		has(t, "desk for the auditor", page(t, auditor, fmt.Sprintf("/billing/desk?house_id=%d", h1), 200), "您的角色只能查看")
		hasNot(t, "desk for the auditor", page(t, auditor, fmt.Sprintf("/billing/desk?house_id=%d", h1), 200), "pay-button")
		// The selection's total follows the ticked bills (the htmx refresh).
		b1 := x.bills(h1, "unpaid")
		one := page(t, cashier, fmt.Sprintf("/billing/desk?house_id=%d&sel=1&bill_ids=%d", h1, b1[0].ID), 200)
		has(t, "desk with one bill ticked", one, `id="sel-count">1<`, `value="`+money(b1[0].AmountFen)+`"`)

		// Finding a house: one match opens its account, several are listed.
		r := cashier.Get("/billing/desk?q=3-2-1201")
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != fmt.Sprintf("/billing/desk?house_id=%d", h1) {
			t.Errorf("desk search for one house: %s", r)
		}
		has(t, "desk search", page(t, cashier, "/billing/desk?q=3-2-12", 200), "3-2-1201", "3-2-1202", "3-2-1203")

		has(t, "payments", page(t, auditor, "/billing/payments", 200), p.ReceiptNumber, "3-2-1202", "¥250.00")
		has(t, "payments of a day", page(t, auditor, "/billing/payments?from=2026-11-20&to=2026-11-20&method=cash", 200), p.ReceiptNumber)
		hasNot(t, "payments of another day", page(t, auditor, "/billing/payments?from=2026-11-21", 200), p.ReceiptNumber)
		has(t, "receipt", page(t, auditor, fmt.Sprintf("/billing/payments/%d", p.ID), 200), p.ReceiptNumber, "贰佰伍拾元整",
			x.A.Community.Name, "3-2-1202", "现金")
		has(t, "items", page(t, auditor, "/billing/items", 200), "物业服务费", "2.35", "用途：住宅", "水费", "全部房屋")
		has(t, "item", page(t, x.Browser(auth.RoleCSManager), fmt.Sprintf("/billing/fee-items/%d", area.ID), 200),
			"收费标准", "设定新单价", "2.35")
		has(t, "runs", page(t, auditor, "/billing/runs", 200), "2026-11", "已出账")
		has(t, "readings", page(t, cashier, fmt.Sprintf("/billing/readings?community_id=%d", cid), 200), "12.50", "3-2-1201", "保存读数")
		has(t, "arrears", page(t, auditor, "/billing/arrears", 200), "3-2-1201", "3-2-1203", "¥269.08", "3个月以内", "导出Excel")
		has(t, "dunning", page(t, cashier, "/billing/dunning", 200), "业主称月底来缴", "记录催缴", "待跟进")
		has(t, "notices", page(t, cashier, fmt.Sprintf("/billing/dunning/notices?community_id=%d&months=1", cid), 200),
			"催缴通知单", "贰佰陆拾玖元零捌分", "3-2-1203")
		rep := page(t, auditor, fmt.Sprintf("/billing/reports?community_id=%d&period=2026-11", cid), 200)
		has(t, "reports", rep, "收缴率", "清欠率", "收费日报", p.ReceiptNumber, "/api/v1/collection-rate/export.xlsx")
		has(t, "statement", page(t, auditor, fmt.Sprintf("/billing/statement?community_id=%d&year=2026", cid), 200),
			"2026年度物业服务费收支情况公示", "绿化养护", "¥1,200.00", "¥250.00")

		staff := x.Browser(auth.RoleDeptStaff)
		for _, path := range []string{"/billing/desk", "/billing/payments", "/billing/arrears", "/billing/reports"} {
			page(t, staff, path, http.StatusForbidden)
		}
		// The sidebar offers billing to those who may read it.
		has(t, "sidebar", desk, `href="/billing/desk"`, `href="/billing/arrears"`, "收支公示")
		hasNot(t, "sidebar of department staff", page(t, staff, "/tickets", 200), `href="/billing/desk"`)
	})
}

func money(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// TestPayReceiptVoidThroughForms: the cashier pays two bills at the desk
// and lands on the receipt (figures and 大写); a short amount is an inline
// error with the values kept; an overpayment is confirmed first and goes
// to the prepaid balance; the cashier and the auditor may not void or
// pay; the manager voids with a reason, the receipt shows 作废 and the
// bills are unpaid again.
func TestPayReceiptVoidThroughForms(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		h1, h2 := x.houses[0].ID, x.houses[1].ID
		bs := x.bills(h1, "unpaid")
		cashier := x.Browser(auth.RoleCashier)
		form := url.Values{"house_id": {fmt.Sprint(h1)}, "sel": {"1"}, "bill_ids": ids(bs), "method": {"cash"}}

		// Too little: 422, the error next to the amount, the form kept.
		form.Set("amount", "200")
		r := submit(t, cashier, "/billing/desk/pay", form, http.StatusUnprocessableEntity)
		has(t, "short payment", string(r.Body), "少于所选账单合计 ¥225.33", `class="field has-err"><span>实收金额（元） *`, `value="200"`)
		if left := x.bills(h1, "unpaid"); len(left) != 2 {
			t.Fatalf("a refused payment paid %d bills", 2-len(left))
		}
		form.Set("amount", "abc")
		has(t, "bad amount", string(submit(t, cashier, "/billing/desk/pay", form, http.StatusUnprocessableEntity).Body), "实收金额须为大于 0 的金额")

		// The auditor may look but not take money.
		form.Set("amount", "225.33")
		submit(t, x.Browser(auth.RoleAuditor), "/billing/desk/pay", form, http.StatusForbidden)

		r = submit(t, cashier, "/billing/desk/pay", form, http.StatusSeeOther)
		loc, body := follow(t, cashier, r)
		if !strings.HasPrefix(loc, "/billing/payments/") {
			t.Fatalf("after paying: %s", loc)
		}
		has(t, "receipt", body, "已收款 ¥225.33，收据号 SJ2026-000001", `id="receipt-number">SJ2026-000001<`,
			"贰佰贰拾伍元叁角叁分", "¥225.33", "210.33", "15.00", "2026-11", x.A.Owner.Name, "data-print")
		hasNot(t, "valid receipt", body, `id="void-stamp"`)
		if left := x.bills(h1, "unpaid"); len(left) != 0 {
			t.Errorf("unpaid after paying: %d", len(left))
		}
		// Paying them again is a conflict, shown at the desk.
		has(t, "paid twice", string(submit(t, cashier, "/billing/desk/pay", form, http.StatusConflict).Body), "已缴费，不能重复收取")

		// More than the bills: asked first, then the surplus is prepaid.
		b2 := x.bills(h2, "unpaid") // 235.00 + 15.00
		over := url.Values{"house_id": {fmt.Sprint(h2)}, "sel": {"1"}, "bill_ids": ids(b2), "method": {"wechat"}, "amount": {"300"}}
		ask := string(submit(t, cashier, "/billing/desk/pay", over, http.StatusOK).Body)
		has(t, "overpayment", ask, "多收 <b>¥50.00</b> 将存入该房屋预存款", `name="confirm" value="30000"`, "确认收款")
		if x.balance(h2) != 0 || len(x.bills(h2, "unpaid")) != 2 {
			t.Fatal("the question took the money")
		}
		over.Set("confirm", "30000")
		_, body = follow(t, cashier, submit(t, cashier, "/billing/desk/pay", over, http.StatusSeeOther))
		has(t, "overpaid receipt", body, "其中 ¥50.00 存入预存款", "预存款", "叁佰元整", "微信")
		if bal := x.balance(h2); bal != 5000 {
			t.Errorf("prepaid %d, want 5000", bal)
		}

		// Voiding: not the cashier's; the manager's own password and a
		// reason are required; then 作废.
		void := loc + "/void"
		submit(t, cashier, void, url.Values{"reason": {"收错"}}, http.StatusForbidden)
		submit(t, x.Browser(auth.RoleAuditor), void, url.Values{"reason": {"收错"}}, http.StatusForbidden)
		manager := x.Browser(auth.RoleCSManager)
		own := apptest.Password
		has(t, "void without a reason", string(submit(t, manager, void, url.Values{"reason": {" "}, auth.ReauthField: {own}},
			http.StatusUnprocessableEntity).Body), "请填写作废原因")
		has(t, "void without the password", string(submit(t, manager, void, url.Values{"reason": {"收错"}},
			http.StatusUnprocessableEntity).Body), "请输入您的当前密码", `name="current_password"`)
		has(t, "void with a wrong password", string(submit(t, manager, void, url.Values{"reason": {"收错"}, auth.ReauthField: {"Wrong1234"}},
			http.StatusUnprocessableEntity).Body), "密码不正确", `value="收错"`)
		if left := x.bills(h1, "unpaid"); len(left) != 0 {
			t.Fatalf("a refused void restored %d bills", len(left))
		}
		has(t, "receipt for the manager", page(t, manager, loc, 200), `data-confirm="确定作废收据 SJ2026-000001`)
		_, body = follow(t, manager, submit(t, manager, void, url.Values{"reason": {"业主要求改为银行转账"}, auth.ReauthField: {own}}, http.StatusSeeOther))
		has(t, "voided receipt", body, "收据 SJ2026-000001 已作废", `id="void-stamp"`, "本收据已作废。原因：业主要求改为银行转账", "SJ2026-000001")
		hasNot(t, "voided receipt", body, `action="`+void+`"`)
		if left := x.bills(h1, "unpaid"); len(left) != 2 {
			t.Errorf("unpaid after the void: %d, want 2", len(left))
		}
		has(t, "desk after the void", page(t, cashier, fmt.Sprintf("/billing/desk?house_id=%d", h1), 200), "¥225.33", "作废")
		submit(t, manager, void, url.Values{"reason": {"again"}, auth.ReauthField: {own}}, http.StatusConflict)
	})
}

// TestRunAndItemForms: an item is created through its form (a bad price
// is an inline error), the run is previewed without writing anything and
// then committed, the price changes from a month on, and a reading lower
// than the previous one is refused next to the field.
func TestRunAndItemForms(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		manager := x.Browser(auth.RoleCSManager)
		cid := fmt.Sprint(x.A.Community.ID)
		item := url.Values{"community_id": {cid}, "name": {"物业服务费"}, "kind": {"area"}, "unit_price": {"2.345678"},
			"use": {"住宅"}, "late_fee_daily_rate": {"0.05"}}
		has(t, "bad price", string(submit(t, manager, "/billing/items", item, http.StatusUnprocessableEntity).Body),
			"单价最多四位小数", `value="物业服务费"`)
		item.Set("unit_price", "2.35")
		loc, body := follow(t, manager, submit(t, manager, "/billing/items", item, http.StatusSeeOther))
		has(t, "new item", body, "已新建收费项目 物业服务费", "用途：住宅", "日 0.05%")
		submit(t, x.Browser(auth.RoleCashier), "/billing/items", item, http.StatusForbidden)

		run := url.Values{"community_id": {cid}, "period": {"2026-11"}}
		body = string(submit(t, manager, "/billing/runs/preview", run, http.StatusOK).Body)
		has(t, "preview", body, `id="preview-count">2<`, "¥445.33", "生成账单") // 210.33 + 235.00; the 商铺 is not 住宅
		if n := count(t, x, `SELECT count(*) FROM bills WHERE community_id = $1`, x.A.Community.ID); n != 0 {
			t.Fatalf("the preview wrote %d bills", n)
		}
		_, body = follow(t, manager, submit(t, manager, "/billing/runs", run, http.StatusSeeOther))
		has(t, "run", body, "已生成 2026-11 账单 2 笔，合计 ¥445.33")
		_, body = follow(t, manager, submit(t, manager, "/billing/runs", run, http.StatusSeeOther))
		has(t, "run again", body, "2026-11 没有需要生成的账单（2 笔此前已出账），未新增出账记录")

		// A new price from December; November's bills keep theirs.
		has(t, "bad price month", string(submit(t, manager, loc+"/prices", url.Values{"price": {"2.50"}, "price_from": {"12月"}},
			http.StatusUnprocessableEntity).Body), "起始月份格式应为")
		_, body = follow(t, manager, submit(t, manager, loc+"/prices", url.Values{"price": {"2.50"}, "price_from": {"2026-12"}}, http.StatusSeeOther))
		has(t, "new price", body, "自 2026-12 起单价 2.50 元", "2026-12")
		if bs := x.bills(x.houses[0].ID, "unpaid"); len(bs) != 1 || bs[0].AmountFen != 21033 {
			t.Errorf("November's bill after the price change: %+v", bs)
		}

		// Void the December run through its form.
		dec := url.Values{"community_id": {cid}, "period": {"2026-12"}}
		follow(t, manager, submit(t, manager, "/billing/runs", dec, http.StatusSeeOther))
		var runID int64
		x.DB.QueryRow(`SELECT id FROM bill_runs WHERE community_id = $1 AND period = '2026-12'`, x.A.Community.ID).Scan(&runID)
		_, body = follow(t, manager, submit(t, manager, fmt.Sprintf("/billing/bill-runs/%d/void", runID), url.Values{"reason": {"单价录错"}}, http.StatusSeeOther))
		has(t, "voided run", body, "已作废 2026-12 的出账", "单价录错")

		// Meter readings: the second month lower than the first is refused.
		water := x.item(map[string]any{"name": "水费", "kind": "metered", "unit_price": "3.5"})
		cashier := x.Browser(auth.RoleCashier)
		rd := url.Values{"community_id": {cid}, "house_code": {"3-2-1201"}, "fee_item_id": {fmt.Sprint(water.ID)}, "period": {"2026-10"}, "reading": {"100"}}
		_, body = follow(t, cashier, submit(t, cashier, "/billing/readings", rd, http.StatusSeeOther))
		has(t, "reading", body, "已录入 2026-10 读数 100.00", "100.00")
		rd.Set("period", "2026-11")
		rd.Set("reading", "90")
		body = string(submit(t, cashier, "/billing/readings", rd, http.StatusUnprocessableEntity).Body)
		has(t, "lower reading", body, "读数 90.00 小于上次读数 100.00", `value="90"`, `class="field has-err"><span>本月读数`)
		rd.Set("house_code", "9-9-9999")
		has(t, "unknown house", string(submit(t, cashier, "/billing/readings", rd, http.StatusUnprocessableEntity).Body), "本小区没有房屋 9-9-9999")
		rd.Set("house_code", "3-2-1201")
		rd.Set("replacement", "1")
		_, body = follow(t, cashier, submit(t, cashier, "/billing/readings", rd, http.StatusSeeOther))
		has(t, "replacement", body, "用量 90.00", "换表")
	})
}

// TestDunningThroughForms: a 催缴 is recorded by house code and lands in
// the follow-up queue when due; the notices print each house's arrears
// with the total in words; the exemption and expenditure forms work.
func TestDunningThroughForms(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		cid := fmt.Sprint(x.A.Community.ID)
		cashier := x.Browser(auth.RoleCashier)
		d := url.Values{"community_id": {cid}, "house_code": {"3-2-1202"}, "method": {"visit"}, "result": {""}, "next_follow_up": {"2026-11-19"}}
		has(t, "no result", string(submit(t, cashier, "/billing/dunning", d, http.StatusUnprocessableEntity).Body), "请填写催缴结果")
		d.Set("result", "上门未遇，留通知单")
		loc, body := follow(t, cashier, submit(t, cashier, "/billing/dunning", d, http.StatusSeeOther))
		has(t, "dunning", body, "已记录 3-2-1202 的催缴（上门）", "上门未遇，留通知单", "¥250.00")
		if !strings.Contains(loc, fmt.Sprintf("house_id=%d", x.houses[1].ID)) {
			t.Errorf("after recording: %s", loc)
		}
		queue := page(t, cashier, "/billing/dunning", 200)
		has(t, "queue", queue, "2026-11-19", "共 1 户")
		submit(t, x.Browser(auth.RoleAuditor), "/billing/dunning", d, http.StatusForbidden)

		notices := page(t, cashier, "/billing/dunning/notices?community_id="+cid+"&months=1", 200)
		if n := strings.Count(notices, `class="sheet notice"`); n != 3 {
			t.Errorf("%d notices, want 3", n)
		}
		has(t, "notices", notices, "贰佰贰拾伍元叁角叁分", "¥225.33", "贰佰伍拾元整", "壹拾伍元整", "服务中心电话", x.A.Owner.Name)
		page(t, x.Browser(auth.RoleAuditor), "/billing/dunning/notices?community_id="+cid, http.StatusForbidden)

		manager := x.Browser(auth.RoleCSManager)
		ex := url.Values{"community_id": {cid}, "house_code": {"3-2-1203"}, "from": {"2026-12"}, "to": {"2026-11"}, "reason": {"空置"}}
		has(t, "bad exemption", string(submit(t, manager, "/billing/exemptions", ex, http.StatusUnprocessableEntity).Body), "结束月份不能早于起始月份")
		ex.Set("to", "2027-06")
		_, body = follow(t, manager, submit(t, manager, "/billing/exemptions", ex, http.StatusSeeOther))
		has(t, "exemption", body, "已为 3-2-1203 设置 2026-12 至 2027-06 的减免", "空置")

		director := x.Browser(auth.RoleDirector)
		e := url.Values{"community_id": {cid}, "spent_on": {"2026-11-18"}, "category": {"清洁卫生"}, "amount": {"-5"}}
		has(t, "bad expenditure", string(submit(t, director, "/billing/expenditures", e, http.StatusUnprocessableEntity).Body), "金额须为大于 0")
		e.Set("amount", "1,234.50")
		_, body = follow(t, director, submit(t, director, "/billing/expenditures", e, http.StatusSeeOther))
		has(t, "statement", body, "已登记支出：清洁卫生 ¥1,234.50", "支出合计", "¥1,234.50")
		submit(t, manager, "/billing/expenditures", e, http.StatusForbidden)
	})
}

// TestCards: the workbench card counts the houses owing, the follow-ups
// due and the cashier's own takings today.
func TestCards(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		h := x.houses[0].ID
		x.paid(x.pay(auth.RoleCashier, h, 22533, x.bills(h, "unpaid")...))
		x.do(auth.RoleCashier, "POST", "/api/v1/dunning", map[string]any{"house_id": x.houses[1].ID, "method": "phone",
			"result": "无人接听", "next_follow_up": "2026-11-20"}, http.StatusCreated)
		cards, err := x.svc.Cards(t.Context(), x.user(auth.RoleCashier))
		if err != nil || len(cards) != 1 {
			t.Fatalf("cards: %+v %v", cards, err)
		}
		got := map[string]int{}
		for _, it := range cards[0].Items {
			got[it.Label] = it.Count
		}
		want := map[string]int{"欠费户数": 2, "催缴待跟进": 1, "我今日收款 ¥225.33": 1}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("card %s = %d, want %d (all: %v)", k, got[k], v, got)
			}
		}
		if cs, _ := x.svc.Cards(t.Context(), x.user(auth.RoleDeptStaff)); len(cs) != 0 {
			t.Errorf("department staff get a billing card: %+v", cs)
		}
		if cs, _ := x.svc.Cards(t.Context(), x.user(auth.RoleAuditor)); len(cs) != 1 || len(cs[0].Items) != 1 {
			t.Errorf("the auditor's card: %+v", cs)
		}
	})
}
