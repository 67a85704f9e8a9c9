package ticket_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
	"wuye/internal/ticket"
)

// TestBrowserPhoneCallToCallback drives the ticket pages in Chromium: an
// agent registers a call by typing the house code (the htmx lookup names
// the owner), the manager dispatches it to a worker, who starts and
// resolves it, the agent closes it from the 回访 queue, and the manager's
// dashboard draws its charts — with no console error or CSP violation on
// the way.
func TestBrowserPhoneCallToCallback(t *testing.T) {
	site := apptest.NewSite(t)
	site.Owner(site.House("1201", 12, "自住"), "欧阳修远", "13800138000")
	agentUser := site.User("agent", "王客服", auth.RoleCSAgent)
	site.User("manager", "李经理", auth.RoleCSManager)
	worker := site.User("worker", "赵师傅", auth.RoleDeptStaff)

	agent := browser.Start(t)
	site.Must(browser.Login(agent, site.URL, "agent", apptest.SitePassword))
	browser.Do(t, agent, chromedp.Navigate(site.URL+"/tickets/new"),
		browser.Fill(`input[name=house_code]`, "3-2-1201"))
	// The htmx lookup shows the owner under the field.
	browser.Do(t, agent, chromedp.Poll[chromedp.Void](`document.querySelector("#house-info").innerText.includes("欧阳修远")`))
	browser.Do(t, agent, browser.Fill(`input[name=title]`, "卫生间漏水"),
		browser.Fill(`textarea[name=description]`, "楼下天花板渗水"))
	browser.DocShot(t, agent, "ticket-new.png")
	browser.Do(t, agent, browser.ClickNav(`#ticket-new button`))
	if f := browser.Text(t, agent, "main .flash"); !strings.HasPrefix(f, "已登记工单 TS") {
		t.Fatalf("flash after registering: %q", f)
	}
	ticketURL := browser.Eval[string](t, agent, `location.pathname`)
	number := strings.TrimPrefix(browser.Text(t, agent, "main .flash"), "已登记工单 ")
	browser.NoProblems(t, agent)

	manager := browser.NewSession(t, agent)
	site.Must(browser.Login(manager, site.URL, "manager", apptest.SitePassword))
	browser.Do(t, manager, chromedp.Navigate(site.URL+ticketURL),
		chromedp.SetValue(`#f-dispatch select[name=department]`, "工程部"),
		chromedp.SetValue(`#f-dispatch select[name=assignee_id]`, fmt.Sprint(worker.ID)),
		browser.ClickNav(`#f-dispatch button`))
	if f := browser.Text(t, manager, "main .flash"); f != number+" 已派工" {
		t.Errorf("flash after dispatch: %q", f)
	}
	if got := browser.Text(t, manager, "#assignee"); !strings.Contains(got, "赵师傅") {
		t.Errorf("assignee shown: %q", got)
	}

	work := browser.NewSession(t, agent)
	site.Must(browser.Login(work, site.URL, "worker", apptest.SitePassword))
	// The header badge loads by htmx once the layout carries it; the
	// fragment itself is checked in TestPhoneCallToCallbackThroughForms.
	browser.Do(t, work, chromedp.Navigate(site.URL+"/notifications"))
	if got := browser.Text(t, work, "#notifications"); !strings.Contains(got, "派给您的工单："+number) {
		t.Errorf("worker's notifications: %q", got)
	}
	browser.Do(t, work, chromedp.Navigate(site.URL+ticketURL), browser.ClickNav(`#f-start button`),
		browser.Fill(`#f-resolve textarea[name=resolution]`, "更换防水层"), browser.ClickNav(`#f-resolve button`))
	if f := browser.Text(t, work, "main .flash"); f != number+" 已处理完成" {
		t.Errorf("flash after resolve: %q", f)
	}
	browser.NoProblems(t, work)

	browser.Do(t, agent, chromedp.Navigate(site.URL+"/tickets/callbacks"))
	browser.DocShot(t, agent, "ticket-callbacks.png")
	browser.Do(t, agent, chromedp.Click(`#callbacks input[value=satisfied]`), browser.Fill(`#callbacks input[name=note]`, "业主满意"),
		browser.ClickNav(`#callbacks button`))
	if f := browser.Text(t, agent, "main .flash"); f != number+" 已回访，工单关闭" {
		t.Errorf("flash after callback: %q", f)
	}
	browser.Do(t, agent, chromedp.Navigate(site.URL+ticketURL))
	if got := browser.Text(t, agent, "#timeline"); !strings.Contains(got, "满意：业主满意") || !strings.Contains(got, "已关闭") {
		t.Errorf("timeline: %q", got)
	}
	browser.DocShot(t, agent, "ticket.png")
	browser.NoProblems(t, agent)

	// The dashboard draws its three charts from the JSON blocks; an open
	// ticket makes the backlog chart non-empty.
	_, err := site.App.Tickets.Create(context.Background(), agentUser, ticket.CreateInput{CommunityID: site.Community.ID,
		Location: "3栋电梯厅", Kind: "repair", Title: "电梯按钮失灵"})
	site.Must(err)
	browser.Do(t, manager, chromedp.Navigate(site.URL+"/tickets/dashboard"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll(".chart canvas").length === 3`))
	browser.DocShot(t, manager, "ticket-dashboard.png")
	browser.Do(t, manager, chromedp.Navigate(site.URL+"/tickets/report"), chromedp.WaitVisible(`#report`))
	site.Must(browser.Media(manager, "print"))
	if v := browser.Eval[bool](t, manager, `getComputedStyle(document.querySelector("form.toolbar")).display === "none"`); !v {
		t.Errorf("the report's toolbar is printed")
	}
	browser.DocShot(t, manager, "ticket-report.png")
	site.Must(browser.Media(manager, ""))
	browser.Do(t, manager, chromedp.Navigate(site.URL+"/tickets"))
	site.Must(browser.Phone(manager))
	browser.Do(t, manager, chromedp.Reload())
	browser.NoHorizontalScroll(t, manager)
	browser.DocShot(t, manager, "tickets-phone.png")
	site.Must(browser.Desktop(manager))
	browser.NoProblems(t, manager)
}
