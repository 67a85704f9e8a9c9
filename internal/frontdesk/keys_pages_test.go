package frontdesk_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/excel"
)

// sheetRows downloads an export as role and returns its first sheet.
func (x *pvFixture) sheetRows(role auth.Role, path string) [][]string {
	x.t.Helper()
	r := x.Browser(role).Get(path)
	if r.Code != http.StatusOK || r.Header.Get("Content-Type") != excel.ContentType {
		x.t.Fatalf("GET %s: %s", path, r)
	}
	rd, err := excel.Open(bytes.NewReader(r.Body))
	if err != nil {
		x.t.Fatalf("%s: %v", path, err)
	}
	var rows [][]string
	for rd.Next() {
		_, cells := rd.Row()
		rows = append(rows, append([]string(nil), cells...))
	}
	return rows
}

func TestKeyPagesRegisterLendReturnPrintAndExport(t *testing.T) {
	pvEach(t, func(t *testing.T, x *pvFixture) {
		agent := x.Browser(auth.RoleCSAgent)
		a := fmt.Sprint(x.A.Community.ID)
		apptest.Has(t, "new form", apptest.Page(t, agent, "/desk/keys/new", http.StatusOK), "登记钥匙", "设备房", "空置房")
		// Mistakes are shown next to their fields, with what was typed.
		r := agent.Post("/desk/keys", url.Values{"community_id": {a}, "label": {"KF-1201"}, "class": {"vacant_house"},
			"house_code": {"3-2-9999"}, "copies": {"1"}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown house: %s", r)
		}
		apptest.Has(t, "form error", string(r.Body), "本小区没有房屋 3-2-9999", `value="KF-1201"`)
		r = apptest.Submit(t, agent, "/desk/keys", url.Values{"community_id": {a}, "label": {"KF-1201"}, "class": {"vacant_house"},
			"house_code": {"3-2-1201"}, "copies": {"2"}, "cabinet_position": {"B柜-12"}, "notes": {"业主出国，委托保管"}}, http.StatusSeeOther)
		loc, body := apptest.Follow(t, agent, r)
		apptest.Has(t, "key page", body, "已登记钥匙 KF-1201", "空置房", "3-2-1201", "B柜-12", "在柜", "登记借出")
		r = apptest.Submit(t, agent, "/desk/keys", url.Values{"community_id": {a}, "label": {"KF-1201"}, "class": {"common_area"},
			"location": {"天台"}}, http.StatusConflict)
		apptest.Has(t, "duplicate", string(r.Body), "本小区已有标识编号为 KF-1201 的钥匙")

		// Lend it on its page: a missing phone is shown on the form.
		r = agent.Post(loc+"/borrow", url.Values{"borrower_kind": {"owner"}, "borrower_name": {"张三"}, "purpose": {"回家取物"},
			"expected_return": {"2026-11-20T17:30"}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("borrow without a phone: %s", r)
		}
		apptest.Has(t, "borrow error", string(r.Body), "请填写借用人电话", `value="张三"`)
		r = apptest.Submit(t, agent, loc+"/borrow", url.Values{"borrower_kind": {"owner"}, "borrower_name": {"张三"},
			"borrower_phone": {"13800138000"}, "purpose": {"回家取物"}, "expected_return": {"2026-11-20T17:30"}}, http.StatusSeeOther)
		_, body = apptest.Follow(t, agent, r)
		apptest.Has(t, "lent", body, "钥匙 KF-1201 已借给 张三，预计 2026-11-20 17:30 归还", "当前借用", "登记归还")
		// A second desk with the page still open: the conflict is shown.
		r = agent.Post(loc+"/borrow", url.Values{"borrower_name": {"李四"}, "borrower_phone": {"13800138001"}, "purpose": {"x"},
			"expected_return": {"2026-11-20T17:30"}})
		if r.Code != http.StatusConflict || !strings.Contains(string(r.Body), "已由 张三 借出") {
			t.Errorf("second lending on the page: %s", r)
		}
		r = apptest.Submit(t, agent, loc+"/return", url.Values{"received_by": {"前台小王"}}, http.StatusSeeOther)
		_, body = apptest.Follow(t, agent, r)
		apptest.Has(t, "returned", body, "钥匙 KF-1201 已由 张三 归还", "前台小王", "借用记录", "变更记录")

		// The list, its filters, the print-out and the export.
		apptest.Has(t, "list", apptest.Page(t, agent, "/desk/keys?class=vacant_house&status=in&q=kf", http.StatusOK), "KF-1201", "B柜-12")
		if body := apptest.Page(t, agent, "/desk/keys?status=out", http.StatusOK); strings.Contains(body, "KF-1201") {
			t.Errorf("status=out lists a key in the cabinet")
		}
		apptest.Page(t, agent, "/desk/keys?status=nope", http.StatusUnprocessableEntity)
		apptest.Has(t, "print", apptest.Page(t, x.Browser(auth.RoleAuditor), "/desk/keys/print?community_id="+a, http.StatusOK),
			"钥匙清单", x.A.Community.Name, "空置房（1）", "KF-1201", "制表人")
		rows := x.sheetRows(auth.RoleAuditor, "/desk/keys/export.xlsx?community_id="+a)
		if len(rows) != 2 || rows[0][1] != "标识编号" || rows[1][1] != "KF-1201" || rows[1][2] != "空置房" || rows[1][3] != "3-2-1201" ||
			rows[1][5] != "2" || rows[1][7] != "在柜" {
			t.Errorf("export %q", rows)
		}
		// Lost, then found, on the page.
		r = apptest.Submit(t, agent, loc+"/lost", url.Values{"reason": {"保洁员发现挂钩空了"}}, http.StatusSeeOther)
		_, body = apptest.Follow(t, agent, r)
		apptest.Has(t, "lost", body, "已挂失", "保洁员发现挂钩空了", "找回入柜")
		if strings.Contains(body, `id="borrow"`) {
			t.Errorf("a lost key's page offers to lend it")
		}
		// The auditor reads but has no forms.
		body = apptest.Page(t, x.Browser(auth.RoleAuditor), loc, http.StatusOK)
		if strings.Contains(body, `action="`+loc+`/found"`) {
			t.Errorf("the auditor is offered the found form")
		}
		// B's staff see neither the key nor its list entry.
		b := x.BrowserAs(x.NewUser(auth.RoleCSManager, x.B.Community.ID).Login)
		if r := b.Get(loc); r.Code != http.StatusForbidden {
			t.Errorf("B's manager on A's key page: %d", r.Code)
		}
		if body := apptest.Page(t, b, "/desk/keys", http.StatusOK); strings.Contains(body, "KF-1201") {
			t.Errorf("B's list shows A's key")
		}
		if r := b.Get("/desk/keys/print?community_id=" + a); r.Code != http.StatusForbidden {
			t.Errorf("B's manager prints A's key list: %d", r.Code)
		}
	})
}
