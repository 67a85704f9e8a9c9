package frontdesk_test

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
	"wuye/internal/platform/db"
)

// TestBrowserParcelFromArrivalToPickup drives /desk/parcels in Chromium
// as a 客服助理: a parcel arrives and is registered by its house code
// (the flash gives the pickup code to pass on), appears among today's
// arrivals as waiting; the owner shows the code, the desk types it, sees
// house and shelf and confirms; the list shows it collected. A second
// parcel whose code the owner lost: a wrong code is refused on its
// record, then it goes out against an ID card with the reason, the
// number kept masked — with no console error or CSP violation on the way.
func TestBrowserParcelFromArrivalToPickup(t *testing.T) {
	f := apptest.New(t, apptest.FreshDB(t, db.SQLite))
	srv := httptest.NewServer(f.Handler)
	t.Cleanup(srv.Close)
	ctx := browser.Start(t)
	if err := browser.Login(ctx, srv.URL, f.Users[auth.RoleCSAgent].Login, apptest.Password); err != nil {
		t.Fatal(err)
	}
	register := func(tracking, shelf string) string {
		t.Helper()
		browser.Do(t, ctx, chromedp.Navigate(srv.URL+"/desk/parcels"),
			browser.Fill(`#parcel-register input[name=house]`, "3-2-1201"),
			browser.Fill(`#parcel-register input[name=carrier]`, "顺丰"),
			browser.Fill(`#parcel-register input[name=tracking_number]`, tracking),
			browser.Fill(`#parcel-register input[name=shelf]`, shelf),
			browser.ClickNav(`#parcel-register-button`))
		flash := browser.Text(t, ctx, "main .flash")
		m := regexp.MustCompile(`取件码 (\d{6})`).FindStringSubmatch(flash)
		if m == nil || !strings.Contains(flash, "3-2-1201") || !strings.Contains(flash, tracking) {
			t.Fatalf("flash after registering: %q", flash)
		}
		return m[1]
	}
	code := register("SF1234567890", "A-03")
	if got := browser.Text(t, ctx, "#parcels"); !strings.Contains(got, "SF1234567890") || !strings.Contains(got, "待取件") {
		t.Errorf("today's arrivals: %q", got)
	}
	browser.DocShot(t, ctx, "desk-parcels.png")

	// The owner shows the code; the desk types it and checks the parcel.
	browser.Do(t, ctx, browser.Fill(`#code-lookup input[name=code]`, code), browser.ClickNav(`#code-lookup button`))
	if got := browser.Text(t, ctx, "#found"); !strings.Contains(got, "3-2-1201") || !strings.Contains(got, "A-03") {
		t.Fatalf("found by code: %q", got)
	}
	browser.Do(t, ctx, browser.Fill(`#pickup-confirm input[name=picked_up_by]`, "张三"), browser.ClickNav(`#pickup-button`))
	if got := browser.Text(t, ctx, "main .flash"); !strings.Contains(got, "已取件") || !strings.Contains(got, "张三") {
		t.Errorf("flash after pickup: %q", got)
	}
	if got := browser.Text(t, ctx, "#parcels"); !strings.Contains(got, "已取件") || strings.Contains(got, "待取件") {
		t.Errorf("today's arrivals after pickup: %q", got)
	}
	if got := browser.Text(t, ctx, "#parcel-tabs"); !strings.Contains(got, "待取件0") {
		t.Errorf("tabs: %q", got)
	}

	// The second owner lost the code.
	code2 := register("JDX000111222333", "B-01")
	wrong := "000000"
	if code2 == wrong {
		wrong = "111111"
	}
	browser.NoProblems(t, ctx)
	browser.Do(t, ctx, browser.ClickNav(`#parcels tbody tr:first-child td:nth-child(2) a`))
	browser.Do(t, ctx, browser.Fill(`#pickup-code input[name=code]`, wrong), browser.ClickNav(`#pickup-code button`))
	if got := browser.Text(t, ctx, "#pickup-code"); !strings.Contains(got, "取件码不正确（还可再试 4 次）") {
		t.Errorf("wrong code: %q", got)
	}
	browser.NoProblems(t, ctx, "status of 422") // the form comes back with 422
	id := apptest.IDNumber()
	browser.Do(t, ctx, browser.Fill(`#pickup-id input[name=picked_up_by]`, "李四"),
		browser.Fill(`#pickup-id input[name=id_number]`, id),
		browser.Fill(`#pickup-id input[name=reason]`, "取件码短信误删"),
		browser.ClickNav(`#pickup-id button`))
	got := browser.Text(t, ctx, "#parcel")
	if !strings.Contains(got, auth.MaskID(id)) || strings.Contains(got, id) || !strings.Contains(got, "取件码短信误删") ||
		!strings.Contains(got, "李四（凭证件）") {
		t.Errorf("record after the ID pickup: %q", got)
	}
	if got := browser.Text(t, ctx, "#history"); !strings.Contains(got, "已取件") {
		t.Errorf("history: %q", got)
	}
	browser.Do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/desk/parcels?view=all", srv.URL)), chromedp.WaitVisible(`#parcels`))
	if got := browser.Text(t, ctx, "#parcels"); strings.Count(got, "已取件") != 2 {
		t.Errorf("all parcels: %q", got)
	}
	browser.NoProblems(t, ctx)
}
