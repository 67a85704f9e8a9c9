package movein_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
)

// TestBrowserNoticeToHandover walks one house through the move-in in
// Chromium: the director plans the campaign (with 预收物业费 required)
// and a batch whose newspaper notice is too late (the warning shows),
// adds a slot and the house; the agent records the registered letter,
// books the slot, signs the four required documents, is refused the
// keys while the fee is not charged, registers a 验房 defect (a repair
// ticket) and the owner's acceptance; once the cashier has taken the
// fee the keys go over, the house is 已入住, the 收楼手续流程表 prints,
// and the dashboard draws its chart — with no console error or CSP
// violation on the way.
func TestBrowserNoticeToHandover(t *testing.T) {
	ctx := context.Background()
	site := apptest.NewSite(t, func(a *app.App) {
		a.MoveIn.Now = func() time.Time { return time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC) }
	})
	h := site.House("1201", 12, "空置")
	site.Owner(h, "欧阳修远", "13800138000")
	site.User("director", "陈主任", auth.RoleDirector)
	site.User("agent", "王客服", auth.RoleCSAgent)
	cashier := site.User("cashier", "孙收费", auth.RoleCashier)
	item, err := site.App.Billing.CreateFeeItem(ctx, site.Admin, billing.FeeItemInput{CommunityID: site.Community.ID, Name: "预收物业费",
		Kind: billing.KindOneOff, UnitPrice: "800"})
	site.Must(err)

	// The director plans the campaign and its first batch.
	dir := browser.Start(t)
	site.Must(browser.Login(dir, site.URL, "director", apptest.SitePassword))
	browser.Do(t, dir, chromedp.Navigate(fmt.Sprintf("%s/movein/campaigns/new?community_id=%d", site.URL, site.Community.ID)),
		browser.Fill(`#campaign-form input[name=name]`, "翠湖花园12月入伙"),
		chromedp.SetValue(`#campaign-form input[name=starts_on]`, "2026-12-01"),
		chromedp.SetValue(`#campaign-form input[name=ends_on]`, "2026-12-31"),
		browser.Fill(`#campaign-form input[name=staff_1]`, "刘晓燕"),
		chromedp.Click(fmt.Sprintf(`#campaign-form input[name=fee_item_ids][value="%d"]`, item.ID)))
	browser.DocShot(t, dir, "movein-campaign-new.png")
	browser.Do(t, dir, browser.ClickNav(`#campaign-save`))
	if f := browser.Text(t, dir, "main .flash"); f != "已制定入伙计划：翠湖花园12月入伙" {
		t.Fatalf("flash after planning: %q", f)
	}
	campaignURL := browser.Eval[string](t, dir, `location.pathname`)
	browser.Do(t, dir, chromedp.SetValue(`#batch-form input[name=starts_on]`, "2026-12-10"),
		browser.Fill(`#batch-form input[name=newspaper]`, "南方日报"),
		chromedp.SetValue(`#batch-form input[name=newspaper_on]`, "2026-12-04"),
		browser.ClickNav(`#batch-form button`))
	if w := browser.Text(t, dir, "#warnings"); !strings.Contains(w, "第1批：登报公示（2026-12-04）距首日 2026-12-10 仅 6 天") {
		t.Errorf("newspaper warning: %q", w)
	}
	browser.Do(t, dir, chromedp.SetValue(`.batch-slot input[name=day]`, "2026-12-10"), browser.ClickNav(`.batch-slot button`),
		browser.Fill(`.batch-assign textarea[name=house_codes]`, "3-2-1201"), browser.ClickNav(`.batch-assign button`))
	if f := browser.Text(t, dir, "main .flash"); f != "已将 1 户加入第1批" {
		t.Errorf("flash after assigning: %q", f)
	}
	browser.NoProblems(t, dir)

	// The agent works the house from notice to handover (in a browser of
	// its own: each browser has its time budget).
	agent := browser.Start(t)
	site.Must(browser.Login(agent, site.URL, "agent", apptest.SitePassword))
	dialogs := browser.AcceptDialogs(agent)
	houseURL := fmt.Sprintf("%s/movein/houses/%d", site.URL, h.ID)
	browser.Do(t, agent, chromedp.Navigate(houseURL),
		browser.Fill(`#notice-form input[name=mail_number]`, "XA20261118001"),
		chromedp.SetValue(`#notice-form input[name=sent_on]`, "2026-11-18"), browser.ClickNav(`#notice-form button`))
	if f := browser.Text(t, agent, "main .flash"); f != "已登记通知寄送：挂号信 XA20261118001" {
		t.Errorf("flash after the notice: %q", f)
	}
	browser.Do(t, agent, chromedp.SetValue(`#appoint-form select[name=slot_id]`,
		browser.Eval[string](t, agent, `document.querySelector("#appoint-form option[value]:not([value=''])").value`)),
		browser.ClickNav(`#appoint-form button`))
	if f := browser.Text(t, agent, "main .flash"); f != "已预约 2026-12-10 09:00-11:30" {
		t.Errorf("flash after booking: %q", f)
	}
	for _, doc := range []string{"业主手册", "安全责任书", "临时管理规约", "前期物业服务协议"} {
		id := browser.Eval[string](t, agent, fmt.Sprintf(`[...document.querySelectorAll("#sign-form option")].find(o => o.textContent === %q).value`, doc))
		browser.Do(t, agent, chromedp.SetValue(`#sign-form select[name=document]`, id), browser.ClickNav(`#sign-form button`))
		if f := browser.Text(t, agent, "main .flash"); f != "已签署《"+doc+"》（第 1 版）" {
			t.Errorf("flash after signing %s: %q", doc, f)
		}
	}
	// The keys are refused while the fee is not charged.
	browser.Do(t, agent, browser.ClickNav(`#handover-form button`))
	if e := browser.Text(t, agent, "#page-alert"); !strings.Contains(e, "入伙费用未缴清：预收物业费未开具") {
		t.Errorf("refused handover: %q", e)
	}
	browser.Do(t, agent, browser.Fill(`#defect-form input[name=room]`, "主卫"),
		browser.Fill(`#defect-form textarea[name=description]`, "地漏排水慢"), browser.ClickNav(`#defect-form button`))
	if f := browser.Text(t, agent, "main .flash"); !strings.HasPrefix(f, "已登记验房问题，维修工单 TS") {
		t.Errorf("flash after the defect: %q", f)
	}
	browser.Do(t, agent, browser.ClickNav(`#accept-form button`))
	if got := browser.Text(t, agent, "#accepted"); !strings.Contains(got, "欧阳修远") || !strings.Contains(got, "主卫：地漏排水慢") {
		t.Errorf("acceptance: %q", got)
	}
	browser.DocShot(t, agent, "movein-house.png")

	bill, err := site.App.Billing.Charge(ctx, cashier, billing.ChargeInput{HouseID: h.ID, FeeItemID: item.ID, Period: "2026-11"})
	site.Must(err)
	_, err = site.App.Billing.Pay(ctx, cashier, billing.PaymentInput{HouseID: h.ID, BillIDs: []int64{bill.ID}, AmountFen: bill.AmountFen, Method: billing.MethodCash})
	site.Must(err)
	browser.Do(t, agent, chromedp.Navigate(houseURL), browser.ClickNav(`#handover-form button`))
	if f := browser.Text(t, agent, "main .flash"); f != "3-2-1201 已交钥匙，房屋状态：已入住" {
		t.Errorf("flash after handover: %q", f)
	}
	if got := dialogs(); len(got) != 2 || got[1] != "确认业主已签收钥匙？" {
		t.Errorf("confirmations: %q", got)
	}
	if got := browser.Text(t, agent, "#handed-over"); !strings.Contains(got, "入户门钥匙×3") || !strings.Contains(got, "已入住") {
		t.Errorf("handover shown: %q", got)
	}
	browser.Do(t, agent, browser.ClickNav(`#print-link`))
	site.Must(browser.Media(agent, "print"))
	if v := browser.Eval[bool](t, agent, `getComputedStyle(document.querySelector(".toolbar")).display === "none" && getComputedStyle(document.querySelector(".sidenav")).display === "none"`); !v {
		t.Errorf("the flow sheet prints its toolbar or navigation")
	}
	if got := browser.Text(t, agent, "#flow-sheet"); !strings.Contains(got, "收 楼 手 续 流 程 表") && !strings.Contains(got, "收楼手续流程表") ||
		!strings.Contains(got, "XA20261118001") || !strings.Contains(got, "入户门钥匙") {
		t.Errorf("flow sheet: %q", got)
	}
	browser.DocShot(t, agent, "movein-flow-sheet.png")
	site.Must(browser.Media(agent, ""))

	// The dashboard counts the house at every stage and draws the chart.
	browser.Do(t, agent, chromedp.Navigate(site.URL+campaignURL), chromedp.Poll[chromedp.Void](`document.querySelectorAll(".chart canvas").length === 1`))
	if got := browser.Text(t, agent, `#stages a[data-stage=handed_over] b`); got != "1" {
		t.Errorf("handed over on the dashboard: %q", got)
	}
	if got := browser.Text(t, agent, "#stat-defects"); got != "1 / 0" {
		t.Errorf("defects on the dashboard: %q", got)
	}
	browser.DocShot(t, agent, "movein-campaign.png")
	// The refused handover is a 409 page, which the console reports.
	browser.NoProblems(t, agent, "409 (Conflict)")
}
