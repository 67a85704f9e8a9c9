package billing_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
)

// TestSharedReadingForm: the meter-reading page lists the community
// meters' (公摊) readings and takes new ones; a mistake (lower than the
// previous reading without a replacement, below the new meter's start,
// a bad month or number, an already billed month) is shown next to its
// field of the shared form, with the values kept, and nothing is
// written; the list is also served by GET /api/v1/shared-readings,
// scoped to the caller's communities.
func TestSharedReadingForm(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		water := x.item(map[string]any{"name": "公共水费", "kind": "metered", "unit_price": "3.5", "shared": true})
		cid := fmt.Sprint(x.A.Community.ID)
		cashier := x.Browser(auth.RoleCashier)
		name := x.user(auth.RoleCashier).Name

		empty := page(t, cashier, "/billing/readings?community_id="+cid, 200)
		has(t, "readings page", empty, "总表（公摊）抄表", "没有总表读数", `name="shared_item_id"`, ">公共水费</option>", "保存总表读数",
			"按总表公摊的项目请在下方")
		// With a per-house metered item too, the house form sits beside.
		x.item(map[string]any{"name": "水费", "kind": "metered", "unit_price": "3.5"})
		has(t, "both forms", page(t, cashier, "/billing/readings?community_id="+cid, 200), "保存读数", "保存总表读数")

		rd := url.Values{"community_id": {cid}, "shared_item_id": {fmt.Sprint(water.ID)}, "shared_period": {"2026-10"}, "shared_reading": {"1000"}}
		_, body := follow(t, cashier, submit(t, cashier, "/billing/shared-readings", rd, http.StatusSeeOther))
		has(t, "first reading", body, "已录入 2026-10 公共水费总表读数 1000.00（用量 1000.00）", "<td>公共水费</td>", "1000.00", name)

		refused := func(what string, status int, want ...string) {
			t.Helper()
			body := string(submit(t, cashier, "/billing/shared-readings", rd, status).Body)
			has(t, what, body, want...)
			hasNot(t, what+": the house form", body, `class="field has-err"><span>本月读数`)
			if n := count(t, x, `SELECT count(*) FROM shared_readings WHERE community_id = $1`, x.A.Community.ID); n != 1 {
				t.Fatalf("%s: %d shared readings, want 1", what, n)
			}
		}
		rd.Set("shared_period", "2026-11")
		rd.Set("shared_reading", "900")
		refused("lower reading", http.StatusUnprocessableEntity, "读数 900.00 小于上次读数 1000.00；如已换表请勾选“换表”",
			`class="field has-err"><span>总表本月读数 *`, `value="900"`, `value="2026-11"`, "请修正标红的字段后再保存")
		rd.Set("shared_replacement", "1")
		rd.Set("shared_start_reading", "950")
		refused("below the new meter's start", http.StatusUnprocessableEntity, "读数不能小于新表起始读数 950.00",
			`name="shared_replacement" value="1" checked`, `value="950"`)
		rd.Set("shared_reading", "abc")
		refused("not a number", http.StatusUnprocessableEntity, "读数须为不小于 0 的数字")
		rd.Set("shared_reading", "1030")
		rd.Set("shared_period", "11月")
		refused("bad month", http.StatusUnprocessableEntity, `class="field has-err"><span>月份 *`, "月份格式应为 2026-11")
		rd.Set("shared_period", "2026-11")
		rd.Set("shared_item_id", "0")
		refused("no item", http.StatusUnprocessableEntity, "请选择抄表项目", `class="field has-err"><span>公摊项目 *`)
		rd.Set("shared_item_id", fmt.Sprint(water.ID))
		submit(t, x.Browser(auth.RoleAuditor), "/billing/shared-readings", rd, http.StatusForbidden)

		// A replacement meter counts from its start reading.
		_, body = follow(t, cashier, submit(t, cashier, "/billing/shared-readings", rd, http.StatusSeeOther))
		has(t, "replacement", body, "已录入 2026-11 公共水费总表读数 1030.00（用量 80.00），已按换表计算", `<span class="tag">换表</span>`)

		// Once billed, the month's reading is final: said at the month.
		x.run("2026-11")
		rd.Set("shared_reading", "1040")
		body = string(submit(t, cashier, "/billing/shared-readings", rd, http.StatusConflict).Body)
		has(t, "billed", body, "2026-11 的公共水费已出账，读数不能再修改", `class="field has-err"><span>月份 *`)

		// The auditor sees the list, not the form.
		aud := page(t, x.Browser(auth.RoleAuditor), "/billing/readings?community_id="+cid+"&period=2026-11", 200)
		has(t, "auditor", aud, "80.00", "1030.00")
		hasNot(t, "auditor", aud, "保存总表读数")

		// The API lists them by community and period, in scope only.
		var out struct {
			Items []*billing.SharedReading `json:"items"`
			Total int                      `json:"total"`
		}
		x.do(auth.RoleAuditor, "GET", "/api/v1/shared-readings?community_id="+cid+"&period=2026-11", nil, http.StatusOK).JSON(t, &out)
		if out.Total != 1 || len(out.Items) != 1 || out.Items[0].Consumption != "80.00" || !out.Items[0].Replacement ||
			out.Items[0].FeeItemName != "公共水费" || out.Items[0].CreatedName != name {
			t.Errorf("shared readings: %+v", out.Items)
		}
		x.do(auth.RoleCashier, "GET", "/api/v1/shared-readings?community_id="+cid, nil, http.StatusOK).JSON(t, &out)
		if out.Total != 2 || out.Items[0].Period != "2026-11" || out.Items[1].Period != "2026-10" {
			t.Errorf("all of A: %+v", out.Items)
		}
		x.do(auth.RoleCashier, "GET", fmt.Sprintf("/api/v1/shared-readings?community_id=%d", x.B.Community.ID), nil, http.StatusForbidden)
		x.do(auth.RoleDeptStaff, "GET", "/api/v1/shared-readings?community_id="+cid, nil, http.StatusForbidden)
		expectError(t, x.API(auth.RoleCashier).Get("/api/v1/shared-readings?period=11月"), 422, "invalid", "period")
	})
}
