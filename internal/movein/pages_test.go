package movein_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/movein"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
)

// TestTakeoverThroughPages: an engineer inspects a building's common
// parts through the forms — a mistake comes back with the field marked
// and the values kept — records a finding, follows it to a passed
// re-inspection, and the building summary, the findings list and its
// Excel export show it.
func TestTakeoverThroughPages(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		eng := x.Browser(auth.RoleDeptStaff)
		body := apptest.Page(t, eng, fmt.Sprintf("/takeover/new?community_id=%d", x.A.Community.ID), http.StatusOK)
		apptest.Has(t, "new inspection", body, "3栋", "开始验收")
		r := eng.Post("/takeover", url.Values{"community_id": {fmt.Sprint(x.A.Community.ID)}, "building_id": {fmt.Sprint(x.A.Building.ID)},
			"house_code": {"9-9-9"}, "developer": {"华润置地"}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad house code: %s", r)
		}
		apptest.Has(t, "bad house code", string(r.Body), "本小区没有房屋 9-9-9", `value="华润置地"`)
		r = apptest.Submit(t, eng, "/takeover", url.Values{"community_id": {fmt.Sprint(x.A.Community.ID)},
			"building_id": {fmt.Sprint(x.A.Building.ID)}, "developer": {"华润置地"}, "inspected_on": {"2026-11-19"}}, http.StatusSeeOther)
		loc, body := apptest.Follow(t, eng, r)
		apptest.Has(t, "inspection", body, "已新建接管验收：3栋公共部位", "电梯：运行正常", "检查项目")

		r = eng.Post(loc+"/findings", url.Values{"item": {"电梯"}, "description": {""}, "deadline": {"2026-11-01"}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("finding without description: %s", r)
		}
		apptest.Has(t, "finding error", string(r.Body), "请填写问题描述")
		r = apptest.Submit(t, eng, loc+"/findings", url.Values{"item": {"电梯：运行正常，有合格证"}, "description": {"2号梯无年检合格证"},
			"party": {"developer"}, "deadline": {"2026-11-25"}}, http.StatusSeeOther)
		_, body = apptest.Follow(t, eng, r)
		apptest.Has(t, "finding added", body, "已登记问题：电梯：运行正常，有合格证", "2号梯无年检合格证", "华润置地", "待整改")
		var id int64
		x.DB.QueryRow(`SELECT id FROM takeover_findings WHERE description = '2号梯无年检合格证'`).Scan(&id)
		fpath := fmt.Sprintf("/takeover-findings/%d", id)

		r = eng.Post(fpath+"/reinspect", url.Values{"passed": {"1"}})
		if r.Code != http.StatusConflict {
			t.Fatalf("re-inspecting an open finding: %s", r)
		}
		apptest.Has(t, "early re-inspection", string(r.Body), "尚未整改，不能复验")
		r = eng.Post(fpath+"/fix", url.Values{"fixed_by": {"华润物业 李工"}})
		apptest.Has(t, "fix without note", string(r.Body), "请填写整改说明", `value="华润物业 李工"`)
		_, body = apptest.Follow(t, eng, apptest.Submit(t, eng, fpath+"/fix", url.Values{"note": {"已取得年检合格证"}}, http.StatusSeeOther))
		apptest.Has(t, "fixed", body, "已登记整改完成，等待复验", "已整改待复验", "复验")
		_, body = apptest.Follow(t, eng, apptest.Submit(t, eng, fpath+"/reinspect", url.Values{"passed": {"1"}, "note": {"证照齐全"}}, http.StatusSeeOther))
		apptest.Has(t, "passed", body, "复验结果：复验合格", "登记问题", "整改完成", "证照齐全", "变更记录")
		apptest.HasNot(t, "passed", body, `id="fix-form"`, `id="reinspect-form"`)

		body = apptest.Page(t, x.Browser(auth.RoleCSAgent), fmt.Sprintf("/takeover?community_id=%d", x.A.Community.ID), http.StatusOK)
		apptest.Has(t, "summary", body, `data-building="3"`, "3栋公共部位")
		list := apptest.Page(t, x.Browser(auth.RoleAuditor), fmt.Sprintf("/takeover/findings?community_id=%d&status=passed", x.A.Community.ID), http.StatusOK)
		apptest.Has(t, "findings list", list, "2号梯无年检合格证", "复验合格")
		xl := x.Browser(auth.RoleAuditor).Get(fmt.Sprintf("/takeover/export.xlsx?community_id=%d", x.A.Community.ID))
		if xl.Code != http.StatusOK || xl.Header.Get("Content-Type") != excel.ContentType || len(xl.Body) < 1000 {
			t.Errorf("export: %d %s", xl.Code, xl.Header.Get("Content-Type"))
		}
		// The checklist page lets the director add an item.
		dir := x.Browser(auth.RoleDirector)
		_, body = apptest.Follow(t, dir, apptest.Submit(t, dir, "/takeover/checklist", url.Values{"community_id": {fmt.Sprint(x.A.Community.ID)},
			"house_use": {"车位"}, "category": {"土建"}, "name": {"车位地坪无裂缝"}, "sort": {"10"}}, http.StatusSeeOther))
		apptest.Has(t, "checklist", body, "已添加验收项目：车位地坪无裂缝")
	})
}

// TestCampaignThroughPages: the director plans a campaign with the form
// (errors inline, values kept), adds a batch, the agent records a house's
// steps from its page, the dashboard and the export show them.
func TestCampaignThroughPages(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		dir := x.Browser(auth.RoleDirector)
		body := apptest.Page(t, dir, fmt.Sprintf("/movein/campaigns/new?community_id=%d", x.A.Community.ID), http.StatusOK)
		apptest.Has(t, "new campaign", body, "陪同验房（设备部）", "保存入伙计划")
		form := url.Values{"community_id": {fmt.Sprint(x.A.Community.ID)}, "name": {"首批入伙"}, "starts_on": {"2026-12-01"},
			"ends_on": {"2026-11-01"}, "post_0": {"总负责"}, "staff_0": {"陈主任"}}
		r := dir.Post("/movein/campaigns", form)
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad dates: %s", r)
		}
		apptest.Has(t, "bad dates", string(r.Body), "结束日期不能早于开始日期", `value="首批入伙"`, `value="陈主任"`)
		form.Set("ends_on", "2026-12-31")
		loc, body := apptest.Follow(t, dir, apptest.Submit(t, dir, "/movein/campaigns", form, http.StatusSeeOther))
		apptest.Has(t, "campaign", body, "已制定入伙计划：首批入伙", "陈主任", "还没有批次")
		_, body = apptest.Follow(t, dir, apptest.Submit(t, dir, loc+"/batches", url.Values{"name": {"第1批"}, "starts_on": {"2026-12-08"},
			"newspaper_on": {"2026-12-01"}}, http.StatusSeeOther))
		apptest.Has(t, "batch", body, "已添加批次：第1批")
		apptest.HasNot(t, "batch a week ahead", body, `id="warnings"`)

		agent := x.Browser(auth.RoleCSAgent)
		hp := fmt.Sprintf("/movein/houses/%d", x.A.House.ID)
		body = apptest.Page(t, agent, hp, http.StatusOK)
		apptest.Has(t, "house page", body, "收楼办理 3-2-1201", "办理第一步时加入", "暂不能交钥匙", "《安全责任书》")
		r = agent.Post(hp+"/notices", url.Values{"documents": {"入伙通知书"}, "method": {"挂号信"}})
		apptest.Has(t, "notice without number", string(r.Body), "请填写挂号信号码")
		_, body = apptest.Follow(t, agent, apptest.Submit(t, agent, hp+"/notices", url.Values{"documents": {"入伙通知书"},
			"method": {"挂号信"}, "mail_number": {"XA001"}, "sent_on": {"2026-11-19"}}, http.StatusSeeOther))
		apptest.Has(t, "noticed", body, "已登记通知寄送：挂号信 XA001", "2026-11-19")
		r = agent.Post(hp+"/handover", url.Values{"key_name_0": {"入户门钥匙"}, "key_count_0": {"3"}})
		if r.Code != http.StatusConflict {
			t.Fatalf("early handover: %s", r)
		}
		apptest.Has(t, "early handover", string(r.Body), "不能交钥匙：必签资料未签署")
		_, body = apptest.Follow(t, agent, apptest.Submit(t, agent, hp+"/defects", url.Values{"room": {"厨房"},
			"description": {"橱柜门歪斜"}, "party": {"developer"}}, http.StatusSeeOther))
		apptest.Has(t, "defect", body, "已登记验房问题，维修工单 TS", "橱柜门歪斜")

		body = apptest.Page(t, x.Browser(auth.RoleCashier), loc+"?missing=signed", http.StatusOK)
		apptest.Has(t, "dashboard", body, `data-house="3-2-1201"`, "必签资料未签署", "寄出通知")
		body = apptest.Page(t, x.Browser(auth.RoleCashier), hp+"/print", http.StatusOK)
		apptest.Has(t, "print", body, "收楼手续流程表", "XA001", "厨房：橱柜门歪斜")
		xl := x.Browser(auth.RoleCashier).Get(loc + "/export.xlsx")
		if xl.Code != http.StatusOK || xl.Header.Get("Content-Type") != excel.ContentType {
			t.Errorf("export: %s", xl)
		}
		// The pack page revises a document; later signatures carry the version.
		var docID int64
		x.DB.QueryRow(`SELECT id FROM movein_documents WHERE community_id = $1 AND name = '安全责任书'`, x.A.Community.ID).Scan(&docID)
		_, body = apptest.Follow(t, dir, apptest.Submit(t, dir, fmt.Sprintf("/movein/documents/%d/revise", docID),
			url.Values{"note": {"增加电动车充电条款"}}, http.StatusSeeOther))
		apptest.Has(t, "revised", body, "《安全责任书》已修订为第 2 版", "第 2 版")
		var sig movein.Signature
		x.do(auth.RoleCSAgent, "POST", fmt.Sprintf("/api/v1/movein/houses/%d/documents", x.A.House.ID),
			map[string]any{"document": "安全责任书", "signed_by": "张三"}, http.StatusCreated).JSON(t, &sig)
		if sig.Version != 2 || !strings.Contains(strings.Join(sig.Missing, ""), "《业主手册》") {
			t.Errorf("signature after the revision: %+v", sig)
		}
	})
}
