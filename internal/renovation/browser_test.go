package renovation_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
	"wuye/internal/platform/db"
)

// TestBrowserRenovation walks one renovation through the pages in
// Chromium: the agent registers it with a worker (2 extinguishers for
// 50.01 m²), the manager approves it after the confirmation (permit
// number, deposit billed), the agent issues the permit (the house becomes
// 装修中), prints it without the navigation, inspects with a finding,
// the manager accepts the works (the house returns to 自住) and, once the
// cashier has taken the deposit, settles it less a deduction — with no
// console error or CSP violation on the way.
func TestBrowserRenovation(t *testing.T) {
	ctx := context.Background()
	f := apptest.New(t, apptest.FreshDB(t, db.SQLite))
	a, h := f.App, f.A.House
	srv := httptest.NewServer(f.Handler)
	t.Cleanup(srv.Close)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	login := func(ctx context.Context, role auth.Role) {
		t.Helper()
		must(browser.Login(ctx, srv.URL, f.Users[role].Login, apptest.Password))
	}
	houseStatus := func() string {
		x, err := a.Archive.House(ctx, f.Users[auth.RoleAdmin], h.ID)
		must(err)
		return x.Status
	}
	start := time.Now().In(shanghai).Format("2006-01-02")
	end := time.Now().In(shanghai).AddDate(0, 2, 0).Format("2006-01-02")

	agent := browser.Start(t)
	login(agent, auth.RoleCSAgent)
	browser.AcceptDialogs(agent)
	browser.Do(t, agent, chromedp.Navigate(srv.URL+"/renovations"), browser.ClickNav(`a[href^="/renovations/new"]`),
		browser.Fill(`input[name=house_code]`, "3-2-1201"), browser.Fill(`input[name=contractor]`, "金螳螂家装"),
		browser.Fill(`input[name=manager_name]`, "王建国"), browser.Fill(`input[name=manager_phone]`, "13812345678"),
		browser.Fill(`input[name=area]`, "50.01"), chromedp.SetValue(`input[name=starts_on]`, start),
		chromedp.SetValue(`input[name=ends_on]`, end), browser.Fill(`textarea[name=scope]`, "厨卫翻新、水电改造"),
		browser.Fill(`input[name=worker_name0]`, "李师傅"), browser.Fill(`input[name=worker_trade0]`, "水电工"),
		browser.ClickNav(`#create-button`))
	if f := browser.Text(t, agent, "main .flash"); !strings.Contains(f, "应配灭火器 2 个") {
		t.Errorf("flash after registering: %q", f)
	}
	appURL := browser.Eval[string](t, agent, `location.pathname`)
	if got := browser.Text(t, agent, "#extinguishers"); !strings.HasPrefix(got, "2 个 4 公斤干粉灭火器") {
		t.Errorf("extinguishers %q", got)
	}
	browser.DocShot(t, agent, "renovation-new.png")
	browser.NoProblems(t, agent)

	manager := browser.NewSession(t, agent)
	login(manager, auth.RoleCSManager)
	dialogs := browser.AcceptDialogs(manager)
	browser.Do(t, manager, chromedp.Navigate(srv.URL+appURL), browser.Fill(`#approve-form textarea[name=conditions]`, "卫生间闭水试验 48 小时"),
		browser.ClickNav(`#approve-button`))
	if ds := dialogs(); len(ds) != 1 || !strings.Contains(ds[0], "开具装修押金和垃圾清运费账单") {
		t.Errorf("approval confirmation %q", ds)
	}
	if f := browser.Text(t, manager, "main .flash"); !strings.Contains(f, "许可证号 ZX") || !strings.Contains(f, "¥3,000.00") {
		t.Errorf("flash after approving: %q", f)
	}
	if got := browser.Text(t, manager, "#deposit"); !strings.Contains(got, "¥3,000.00") || !strings.Contains(got, "未缴") {
		t.Errorf("deposit %q", got)
	}
	browser.NoProblems(t, manager)

	browser.Do(t, agent, chromedp.Navigate(srv.URL+appURL), browser.ClickNav(`#start-button`))
	if got := browser.Text(t, agent, "#status"); got != "施工中" {
		t.Errorf("status after the start: %q", got)
	}
	if st := houseStatus(); st != "装修中" {
		t.Errorf("house under works: %s", st)
	}
	browser.Do(t, agent, browser.ClickNav(`#permit-link`))
	if got := browser.Text(t, agent, "#permit-ext"); !strings.Contains(got, "2 个 4 公斤干粉灭火器") {
		t.Errorf("permit %q", got)
	}
	must(browser.Media(agent, "print"))
	for _, sel := range []string{"#nav", "header.topbar", ".toolbar"} {
		if v := browser.Eval[string](t, agent, `getComputedStyle(document.querySelector("`+sel+`")).display`); v != "none" {
			t.Errorf("print: %s is shown (%s)", sel, v)
		}
	}
	browser.DocShot(t, agent, "renovation-permit.png")
	must(browser.Media(agent, ""))
	browser.Do(t, agent, chromedp.Navigate(srv.URL+appURL+"/passes"), chromedp.WaitVisible(`#passes .pass`))
	if got := browser.Text(t, agent, "#passes"); !strings.Contains(got, "李师傅") || !strings.Contains(got, end) {
		t.Errorf("passes %q", got)
	}
	if !browser.Eval[bool](t, agent, `document.querySelector("#passes .p-qr").naturalWidth > 0`) {
		t.Error("the pass has no QR code")
	}
	browser.DocShot(t, agent, "renovation-passes.png")
	browser.NoProblems(t, agent)

	browser.Do(t, agent, chromedp.Navigate(srv.URL+appURL), browser.ClickNav(`#inspect-link`),
		browser.Fill(`textarea[name=note]`, "午后巡查"), chromedp.SetValue(`select[name=type0]`, "垃圾乱放"),
		browser.Fill(`input[name=finding_note0]`, "楼道堆放砂浆袋"), browser.ClickNav(`#inspect-button`))
	if got := browser.Text(t, agent, "#inspections"); !strings.Contains(got, "垃圾乱放") || !strings.Contains(got, "楼道堆放砂浆袋") {
		t.Errorf("inspections %q", got)
	}
	browser.DocShot(t, agent, "renovation.png")
	browser.NoProblems(t, agent)

	browser.Do(t, manager, chromedp.Navigate(srv.URL+appURL), browser.ClickNav(`#complete-button`))
	if ds := dialogs(); len(ds) != 2 || !strings.Contains(ds[1], "尚有 1 个问题未复查整改") {
		t.Errorf("acceptance confirmation %q", ds)
	}
	if got := browser.Text(t, manager, "#completion"); !strings.Contains(got, "验收合格") {
		t.Errorf("completion %q", got)
	}
	if st := houseStatus(); st != "自住" {
		t.Errorf("house after the acceptance: %s", st)
	}
	// The cashier takes the deposit at the desk.
	x, err := a.Reno.Get(ctx, f.Users[auth.RoleCSManager], atoi(strings.TrimPrefix(appURL, "/renovations/")))
	must(err)
	_, err = a.Billing.Pay(ctx, f.Users[auth.RoleCashier], billing.PaymentInput{HouseID: h.ID, BillIDs: []int64{*x.DepositBillID},
		AmountFen: x.DepositFen, Method: "cash"})
	must(err)
	browser.Do(t, manager, chromedp.Navigate(srv.URL+appURL), browser.Fill(`input[name=amount0]`, "200"),
		browser.Fill(`input[name=reason0]`, "垃圾乱放，逾期未清理"), chromedp.SetValue(`#refund-form select[name=method]`, "bank"),
		browser.ClickNav(`#refund-button`))
	if ds := dialogs(); len(ds) != 3 || !strings.Contains(ds[2], "押金结清后不能撤销") {
		t.Errorf("refund confirmation %q", ds)
	}
	if f := browser.Text(t, manager, "main .flash"); !strings.Contains(f, "退还 ¥2,800.00，扣款 ¥200.00") {
		t.Errorf("flash after the refund: %q", f)
	}
	if got := browser.Text(t, manager, "#refund"); !strings.Contains(got, "¥2,800.00") {
		t.Errorf("refund %q", got)
	}
	if got := browser.Text(t, manager, "#history"); !strings.Contains(got, "押金已结清") {
		t.Errorf("history %q", got)
	}
	browser.NoProblems(t, manager)
	for _, p := range []struct{ path, sel, want string }{
		{fmt.Sprintf("/renovations?community_id=%d", f.A.Community.ID), "#renovations", "押金已结清"},
		{fmt.Sprintf("/renovations/rules?community_id=%d", f.A.Community.ID), "#rules", "每 50 平方米至少配备 1 个 4 公斤干粉灭火器"},
	} {
		browser.Do(t, manager, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(p.sel))
		if got := browser.Text(t, manager, p.sel); !strings.Contains(got, p.want) {
			t.Errorf("%s: no %q in %s", p.path, p.want, p.sel)
		}
		browser.NoProblems(t, manager)
	}
}
