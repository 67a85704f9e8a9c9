package renovation_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
	"wuye/internal/renovation"
)

// TestPagesWalk drives the console's forms without a browser: the agent
// registers (a bad area keeps the values and says why), the engineer
// reviews, the manager approves, the permit and the passes print, an
// inspection with a finding, the acceptance and the refund with one
// deduction; the list and its export show the application.
func TestPagesWalk(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		agent, engineer, manager := x.Browser(auth.RoleCSAgent), x.Browser(auth.RoleDeptStaff), x.Browser(auth.RoleCSManager)
		cid := fmt.Sprint(x.A.Community.ID)
		body := apptest.Page(t, agent, "/renovations/new", http.StatusOK)
		apptest.Has(t, "new form", body, `name="house_code"`, `name="worker_name0"`, "每 50 平方米至少配备 1 个 4 公斤干粉灭火器")
		form := url.Values{"community_id": {cid}, "house_code": {"3-2-1201"}, "contractor": {"业主自装"}, "manager_name": {"周工"},
			"manager_phone": {"13812345678"}, "area": {"50.01"}, "starts_on": {"2026-12-01"}, "ends_on": {"2026-11-01"},
			"scope": {"厨卫翻新"}, "worker_name0": {"钱师傅"}, "worker_trade0": {"泥瓦工"}}
		r := apptest.Submit(t, agent, "/renovations", form, http.StatusUnprocessableEntity)
		apptest.Has(t, "bad form", string(r.Body), "完工日期不能早于开工日期", `value="业主自装"`, `value="钱师傅"`)
		form.Set("ends_on", "2027-01-31")
		form.Set("house_code", "3-2-9999")
		r = apptest.Submit(t, agent, "/renovations", form, http.StatusUnprocessableEntity)
		apptest.Has(t, "unknown house", string(r.Body), "本小区没有房屋 3-2-9999")
		form.Set("house_code", "3-2-1201")
		r = apptest.Submit(t, agent, "/renovations", form, http.StatusSeeOther)
		loc, page := apptest.Follow(t, agent, r)
		apptest.Has(t, "application", page, "应配灭火器 2 个", "钱师傅", "待审核", "厨卫翻新")
		id := strings.TrimPrefix(loc, "/renovations/")

		r = apptest.Submit(t, engineer, loc+"/review", url.Values{"opinion": {""}}, http.StatusUnprocessableEntity)
		apptest.Has(t, "empty opinion", string(r.Body), "请填写审核意见")
		r = apptest.Submit(t, engineer, loc+"/review", url.Values{"opinion": {"同意，注意防水"}}, http.StatusSeeOther)
		_, page = apptest.Follow(t, engineer, r)
		apptest.Has(t, "reviewed", page, "同意，注意防水", "工程部已审核")
		apptest.HasNot(t, "engineer", page, `id="approve-form"`)

		r = apptest.Submit(t, manager, loc+"/approve", url.Values{"conditions": {"48 小时闭水试验"}}, http.StatusSeeOther)
		_, page = apptest.Follow(t, manager, r)
		apptest.Has(t, "approved", page, "已批准，许可证号 ZX", "¥3,000.00", "未缴", "48 小时闭水试验")
		// Approving twice is refused with the state's name.
		r = apptest.Submit(t, manager, loc+"/approve", url.Values{}, http.StatusSeeOther)
		_, page = apptest.Follow(t, manager, r)
		apptest.Has(t, "approve twice", page, "操作未完成：该装修申请当前为“已批准”，不能批准")

		permit := apptest.Page(t, agent, loc+"/permit", http.StatusOK)
		apptest.Has(t, "permit", permit, "装修许可证", "3-2-1201", "2026-12-01 至 2027-01-31", "<b>2</b> 个 4 公斤干粉灭火器",
			"08:00-12:00、14:00-18:00", "禁止：拆改承重墙", x.A.Community.Name)
		passes := apptest.Page(t, agent, loc+"/passes", http.StatusOK)
		apptest.Has(t, "passes", passes, "装修出入证", "钱师傅", "泥瓦工", "有效期：", "2027-01-31")

		r = apptest.Submit(t, agent, loc+"/start", url.Values{}, http.StatusSeeOther)
		_, page = apptest.Follow(t, agent, r)
		apptest.Has(t, "started", page, "施工中", "房屋状态为装修中")

		apptest.Has(t, "inspect form", apptest.Page(t, agent, loc+"/inspect", http.StatusOK), `name="type0"`, "未配灭火器")
		r = apptest.Submit(t, agent, loc+"/inspections", url.Values{"note": {"巡查"}, "type0": {"不存在的类型"}}, http.StatusUnprocessableEntity)
		apptest.Has(t, "bad finding", string(r.Body), "第 1 个问题的类型须为")
		r = apptest.Submit(t, agent, loc+"/inspections", url.Values{"note": {"午后巡查"}, "type0": {"垃圾乱放"},
			"finding_note0": {"楼道堆放砂浆袋"}}, http.StatusSeeOther)
		_, page = apptest.Follow(t, agent, r)
		apptest.Has(t, "inspected", page, "发现 1 个问题", "楼道堆放砂浆袋", "复查：已整改")

		r = apptest.Submit(t, manager, loc+"/complete", url.Values{"result": {"验收合格"}}, http.StatusSeeOther)
		_, page = apptest.Follow(t, manager, r)
		apptest.Has(t, "completed", page, "已竣工验收", `id="refund-form"`, "尚有 1 个问题未整改")

		x.pay(x.A.House.ID, *x.get(auth.RoleCSManager, atoi(id)).DepositBillID, 300000)
		r = apptest.Submit(t, manager, loc+"/refund", url.Values{"amount0": {"5000.00"}, "reason0": {"垃圾乱放"}, "method": {"cash"}},
			http.StatusUnprocessableEntity)
		apptest.Has(t, "too much", string(r.Body), "扣款合计 ¥5,000.00 超过押金 ¥3,000.00", `value="5000.00"`)
		r = apptest.Submit(t, manager, loc+"/refund", url.Values{"amount0": {"200"}, "reason0": {"垃圾乱放"}, "method": {"bank"}},
			http.StatusSeeOther)
		_, page = apptest.Follow(t, manager, r)
		apptest.Has(t, "refunded", page, "押金已结清：退还 ¥2,800.00，扣款 ¥200.00", "押金已结清", "变更记录")

		list := apptest.Page(t, agent, "/renovations?community_id="+cid, http.StatusOK)
		apptest.Has(t, "list", list, "3-2-1201", "业主自装", "押金已结清", "ZX")
		res := agent.Get("/renovations/export.xlsx?community_id=" + cid)
		if res.Code != http.StatusOK || res.Header.Get("Content-Type") != excel.ContentType {
			t.Fatalf("export: %d %s", res.Code, res.Header.Get("Content-Type"))
		}
		rd, err := excel.Open(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for rd.Next() {
			_, cells := rd.Row()
			rows = append(rows, append([]string(nil), cells...))
		}
		if len(rows) != 2 || rows[1][2] != "3-2-1201" || rows[1][10] != "押金已结清" || rows[1][15] != "2800" {
			t.Errorf("export rows: %q", rows)
		}
	})
}

func atoi(s string) int64 {
	var v int64
	fmt.Sscan(s, &v)
	return v
}

// TestRulesPage: the manager edits the rules; a bad time range keeps the
// form and says why; the agent reads them without the form.
func TestRulesPage(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		manager := x.Browser(auth.RoleCSManager)
		cid := fmt.Sprint(x.A.Community.ID)
		page := apptest.Page(t, manager, "/renovations/rules?community_id="+cid, http.StatusOK)
		apptest.Has(t, "rules", page, "尚未设置，使用默认规定", "50.00 m² 须配 1 个", "50.01 m² 须配 2 个", `id="rules-form"`)
		form := url.Values{"community_id": {cid}, "weekday_hours": {"8:30-12:00，14:00~18:30"}, "weekend_hours": {""},
			"weekend_note": {"周末禁止噪音施工"}, "waste_times": {"每日 17:30-18:30"}, "waste_place": {"北门垃圾站"},
			"extinguisher_area": {"40"}, "extinguisher_count": {"1"}, "extinguisher_kg": {"4"},
			"forbidden": {"拆改承重墙\n\n封闭阳台\n"}, "deposit": {"2000"}, "waste_fee": {"0"}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("weekday_hours", "18:00-08:00")
		r := apptest.Submit(t, manager, "/renovations/rules", bad, http.StatusUnprocessableEntity)
		apptest.Has(t, "bad hours", string(r.Body), "施工时间格式应为", `value="北门垃圾站"`)
		r = apptest.Submit(t, manager, "/renovations/rules", form, http.StatusSeeOther)
		_, page = apptest.Follow(t, manager, r)
		apptest.Has(t, "saved", page, "装修管理规定已保存", "08:30-12:00、14:00-18:30", "北门垃圾站", "50.00 m² 须配 2 个",
			"每 40 平方米至少配备 1 个 4 公斤干粉灭火器")
		var rules renovation.Rules
		x.do(auth.RoleCSAgent, "GET", "/api/v1/renovation-rules/"+cid, nil, http.StatusOK).JSON(t, &rules)
		if len(rules.Forbidden) != 2 || rules.DepositFen != 200000 || rules.WasteFeeFen != 0 {
			t.Errorf("saved rules: %+v", rules)
		}
		page = apptest.Page(t, x.Browser(auth.RoleCSAgent), "/renovations/rules?community_id="+cid, http.StatusOK)
		apptest.HasNot(t, "agent", page, `id="rules-form"`)
		apptest.Has(t, "agent", page, "封闭阳台", "¥2,000.00")
		if r := x.Browser(auth.RoleCSAgent).Post("/renovations/rules", form); r.Code != http.StatusForbidden {
			t.Errorf("agent saves rules: %d", r.Code)
		}
	})
}

// TestUploadsOnPages: drawings with the application form, a worker with
// a photo, a file that is not a drawing refused with the reason.
func TestUploadsOnPages(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		agent := x.Browser(auth.RoleCSAgent)
		apptest.Page(t, agent, "/renovations/new", http.StatusOK)
		post := func(path string, fields map[string]string, files map[string][]byte, want int) *apptest.Response {
			t.Helper()
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, v := range fields {
				mw.WriteField(k, v)
			}
			for name, data := range files {
				field, file, _ := strings.Cut(name, ":")
				fw, _ := mw.CreateFormFile(field, file)
				fw.Write(data)
			}
			mw.Close()
			req := agent.Request("POST", path, buf.Bytes())
			req.Header.Set("Content-Type", mw.FormDataContentType())
			res := agent.Send(req)
			if res.Code != want {
				t.Fatalf("POST %s: %s, want %d", path, res, want)
			}
			return res
		}
		csrf := agent.CSRF
		fields := map[string]string{"csrf": csrf, "community_id": fmt.Sprint(x.A.Community.ID), "house_code": "3-2-1201",
			"contractor": "金螳螂", "manager_name": "王工", "manager_phone": "13812345678", "area": "90",
			"starts_on": "2026-12-01", "ends_on": "2027-01-31"}
		res := post("/renovations", fields, map[string][]byte{"drawings:plan.exe": []byte("MZ\x90\x00")}, http.StatusUnprocessableEntity)
		apptest.Has(t, "bad drawing", string(res.Body), "图纸只能是 PDF 文件或 JPEG、PNG 图片")
		res = post("/renovations", fields, map[string][]byte{"drawings:平面图.pdf": []byte("%PDF-1.4 平面图")}, http.StatusSeeOther)
		loc, page := apptest.Follow(t, agent, res)
		apptest.Has(t, "drawing", page, "平面图.pdf")
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...)
		res = post(loc+"/workers", map[string]string{"csrf": csrf, "name": "孙师傅", "trade": "木工"},
			map[string][]byte{"photo:sun.png": png}, http.StatusSeeOther)
		_, page = apptest.Follow(t, agent, res)
		apptest.Has(t, "worker", page, "已登记施工人员 孙师傅", `class="thumb"`)
		res = post(loc+"/workers", map[string]string{"csrf": csrf, "name": "赵师傅", "id_number": "123"}, nil, http.StatusUnprocessableEntity)
		apptest.Has(t, "bad worker", string(res.Body), "证件号码格式不正确", `value="赵师傅"`)
	})
}
