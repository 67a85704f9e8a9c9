package archive_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wuye/internal/app/apptest"
	"wuye/internal/archive"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/browser"
	"wuye/internal/platform/db"
	"wuye/internal/platform/web"
)

// browserPassword is every browser-fixture user's password.
const browserPassword = "Cuihu2026"

// browserFixture is a small but realistic estate: 翠湖花园 with three
// buildings and a dozen owned houses (欧阳修远 owns 3-2-1201, 张三 owns
// 3-2-1202), and 金色家园 with one house, each with its own cs_agent.
type browserFixture struct {
	URL            string
	Admin          *auth.User
	Agent, Foreign *auth.User // cs_agent of 翠湖花园 / of 金色家园
	House          *archive.House
	Owner          *archive.Owner // 欧阳修远
	Zhang          *archive.Owner // 张三
	ForeignHouse   *archive.House
}

// newBrowserFixture serves a fresh app on a private database of the
// dialect (so the records can have plain names that read well in the
// README screenshots) and loads the records through the services.
func newBrowserFixture(t *testing.T, dialect db.Dialect) *browserFixture {
	t.Helper()
	ctx := context.Background()
	a := apptest.NewApp(t, apptest.FreshDB(t, dialect))
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	f := &browserFixture{URL: srv.URL}
	s := a.Archive
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	var err error
	f.Admin, err = a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: "admin", Name: "系统管理员", Role: auth.RoleAdmin}, browserPassword)
	must(err)
	by := f.Admin

	cuihu, err := s.CreateCommunity(ctx, by, archive.CommunityInput{Name: "翠湖花园", Address: "深圳市南山区翠湖路88号", Type: "住宅", Phone: "0755-26881234"})
	must(err)
	units := map[string]int64{}
	for _, b := range []string{"1", "2", "3"} {
		bd, err := s.CreateBuilding(ctx, by, archive.BuildingInput{CommunityID: cuihu.ID, Name: b, Floors: 18})
		must(err)
		for _, u := range []string{"1", "2"} {
			un, err := s.CreateUnit(ctx, by, archive.UnitInput{BuildingID: bd.ID, Name: u})
			must(err)
			units[b+"-"+u] = un.ID
		}
	}
	type row struct {
		unit, number      string
		floor             int
		gross, inner      string
		status, name, cat string
		phone, idNumber   string
	}
	rows := []row{
		{"3-2", "1201", 12, "89.50", "75.20", "自住", "欧阳修远", "普通", "13912345678", "11010519820315771"},
		{"3-2", "1202", 12, "120.36", "101.80", "出租", "张三", "VIP", "13800138000", "44030519750608223"},
		{"1-1", "0301", 3, "76.85", "63.10", "自住", "李娜", "普通", "13719283746", ""},
		{"1-1", "0302", 3, "98.20", "82.45", "已入住", "王伟", "业委会成员", "13688997766", ""},
		{"1-2", "0501", 5, "132.60", "110.30", "自住", "刘洋", "普通", "13560781234", ""},
		{"1-2", "0502", 5, "89.50", "75.20", "装修中", "陈静", "普通", "13922446688", ""},
		{"2-1", "0801", 8, "105.74", "88.90", "出租", "杨帆", "普通", "18620481357", ""},
		{"2-1", "0802", 8, "76.85", "63.10", "空置", "赵敏", "重点关注", "18926354871", ""},
		{"2-2", "1001", 10, "143.18", "121.05", "自住", "黄磊", "VIP", "15013572468", ""},
		{"2-2", "1002", 10, "98.20", "82.45", "已入住", "周杰", "普通", "15889764523", ""},
		{"3-1", "1501", 15, "89.50", "75.20", "自住", "吴昊", "普通", "17722334455", ""},
		{"3-1", "1502", 15, "120.36", "101.80", "出租", "徐丽", "普通", "13316273849", ""},
		{"3-2", "1801", 18, "165.42", "139.60", "自住", "孙强", "普通", "13244556677", ""},
	}
	for _, r := range rows {
		h, err := s.CreateHouse(ctx, by, archive.HouseInput{UnitID: units[r.unit], Number: r.number, Floor: r.floor,
			GrossArea: web.Text(r.gross), InnerArea: web.Text(r.inner), Use: "住宅", Status: r.status, DeliveredOn: "2016-06-30"})
		must(err)
		if r.idNumber != "" { // 17 digits + the check character
			r.idNumber += string(apptest.IDCheck(r.idNumber))
		}
		o, err := s.CreateOwner(ctx, by, archive.OwnerInput{CommunityID: cuihu.ID, Name: r.name, Phone: r.phone,
			IDNumber: r.idNumber, Category: r.cat})
		must(err)
		_, err = s.AddHouseOwner(ctx, by, h.ID, archive.ShareInput{OwnerID: o.ID, Share: "100"})
		must(err)
		switch r.name {
		case "欧阳修远":
			f.House, f.Owner = h, o
		case "张三":
			f.Zhang = o
		}
	}
	_, err = s.SaveResident(ctx, by, 0, archive.ResidentInput{HouseID: f.House.ID, Name: "林婉清", Phone: "13987654321",
		Kind: "家庭成员", Relation: "配偶"})
	must(err)
	_, err = s.SaveResident(ctx, by, 0, archive.ResidentInput{HouseID: f.House.ID, Name: "欧阳子涵", Kind: "家庭成员", Relation: "子女"})
	must(err)
	_, err = s.SaveVehicle(ctx, by, 0, archive.VehicleInput{HouseID: f.House.ID, Plate: "粤B8K2M6", Color: "白", Brand: "比亚迪",
		ParkingSpace: "B2-136", OwnerName: "欧阳修远", Phone: "13912345678"})
	must(err)
	f.House, err = s.House(ctx, by, f.House.ID)
	must(err)

	jinse, err := s.CreateCommunity(ctx, by, archive.CommunityInput{Name: "金色家园", Address: "深圳市福田区金田路16号", Type: "住宅"})
	must(err)
	bd, err := s.CreateBuilding(ctx, by, archive.BuildingInput{CommunityID: jinse.ID, Name: "5", Floors: 30})
	must(err)
	un, err := s.CreateUnit(ctx, by, archive.UnitInput{BuildingID: bd.ID, Name: "1"})
	must(err)
	f.ForeignHouse, err = s.CreateHouse(ctx, by, archive.HouseInput{UnitID: un.ID, Number: "2301", Floor: 23, GrossArea: "96.00", Use: "住宅", Status: "自住"})
	must(err)

	f.Agent, err = a.Auth.CreateUser(ctx, by, auth.UserInput{Login: "kefu01", Name: "王小美", Role: auth.RoleCSAgent,
		Communities: []int64{cuihu.ID}}, browserPassword)
	must(err)
	f.Foreign, err = a.Auth.CreateUser(ctx, by, auth.UserInput{Login: "kefu09", Name: "钱多多", Role: auth.RoleCSAgent,
		Communities: []int64{jinse.ID}}, browserPassword)
	must(err)
	return f
}

// TestBrowserArchiveWorkflow is the workflow in a real Chromium:
// a cs_agent signs in through the form, finds 欧阳修远 by typing "oyxy" in
// the header search, opens the owner, then the house 3-2-1201, fixes its
// area (after a rejected "abc") and sees the change in the history. It
// also checks the print form, the layout at desktop and phone widths, the
// 403 for an agent of another community and that no page logs a console
// error or a CSP violation. With WUYE_SCREENSHOTS=1 it writes the README
// screenshots to docs/ (on SQLite only).
func TestBrowserArchiveWorkflow(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			f := newBrowserFixture(t, dialect)
			shots := dialect == db.SQLite
			shot := func(ctx context.Context, name string) {
				t.Helper()
				if shots {
					browser.DocShot(t, ctx, name)
				}
			}
			ctx := browser.Start(t)
			testBrowserWorkflow(t, ctx, f, shot)
		})
	}
}

func testBrowserWorkflow(t *testing.T, ctx context.Context, f *browserFixture, shot func(context.Context, string)) {
	houseURL := fmt.Sprintf("%s/houses/%d", f.URL, f.House.ID)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	// The login page, then sign in through the form.
	browser.Do(t, ctx, chromedp.Navigate(f.URL+"/login"), chromedp.WaitVisible(css(`input[name=login]`)))
	browser.NoHorizontalScroll(t, ctx)
	browser.NoProblems(t, ctx)
	browser.Do(t, ctx, chromedp.SendKeys(css(`input[name=login]`), f.Agent.Login),
		chromedp.SendKeys(css(`input[name=password]`), browserPassword))
	shot(ctx, "login.png")
	browser.Do(t, ctx, browser.ClickNav(`main form button[type=submit]`), chromedp.WaitVisible(css(`header.topbar`)))
	if loc := browser.Run(t, ctx, chromedp.Location()); loc != f.URL+"/" {
		t.Errorf("after signing in, page is %s, want the 工作台 %s/", loc, f.URL)
	}
	if who := browser.Text(t, ctx, "header.topbar .who"); !strings.Contains(who, f.Agent.Name) {
		t.Errorf("top bar shows %q, want the agent's name %s", who, f.Agent.Name)
	}
	browser.NoProblems(t, ctx)

	// Global search: "oyxy" (pinyin initials) finds 欧阳修远 live.
	ownerHit := fmt.Sprintf(`#search-pop a.hit[href="/owners/%d"]`, f.Owner.ID)
	browser.Do(t, ctx,
		chromedp.SendKeys(css("#global-q"), "oyxy"),
		chromedp.WaitVisible(css(ownerHit)),
	)
	if hit := browser.Text(t, ctx, ownerHit); !strings.Contains(hit, "欧阳修远") || !strings.Contains(hit, "3-2-1201") {
		t.Errorf("search hit = %q, want 欧阳修远 with 3-2-1201", hit)
	}
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll("#search-pop a.hit").length`); n != 1 {
		t.Errorf("oyxy gives %d hits, want 1 (欧阳修远 only)", n)
	}
	browser.NoProblems(t, ctx)
	shot(ctx, "search.png")

	// The owner page lists the house; open it.
	houseLink := fmt.Sprintf(`main a[href="/houses/%d"]`, f.House.ID)
	browser.Do(t, ctx, browser.ClickNav(ownerHit), chromedp.WaitVisible(css(houseLink)))
	if h1 := browser.Text(t, ctx, "main h1"); !strings.Contains(h1, "欧阳修远") {
		t.Errorf("owner page heading = %q", h1)
	}
	if link := browser.Text(t, ctx, houseLink); link != "3-2-1201" {
		t.Errorf("owner's house link = %q, want 3-2-1201", link)
	}
	browser.NoProblems(t, ctx)
	browser.Do(t, ctx, browser.ClickNav(houseLink), chromedp.WaitVisible(css("#gross-area")))
	if loc := browser.Run(t, ctx, chromedp.Location()); loc != houseURL {
		t.Errorf("house link went to %s, want %s", loc, houseURL)
	}
	if area := browser.Text(t, ctx, "#gross-area"); area != "89.50 m²" {
		t.Errorf("gross area = %q, want 89.50 m²", area)
	}
	browser.NoProblems(t, ctx)

	// Edit: a bad area is refused inline, and the other values stay.
	editLink := fmt.Sprintf(`main a[href="/houses/%d/edit"]`, f.House.ID)
	areaSel := `form input[name=gross_area]`
	save := fmt.Sprintf(`main form[action="/houses/%d"] button`, f.House.ID)
	area := css(areaSel)
	browser.Do(t, ctx, browser.ClickNav(editLink), chromedp.WaitVisible(area))
	if v := browser.Run(t, ctx, chromedp.Value(area)); v != "89.50" {
		t.Errorf("edit form gross area = %q, want 89.50", v)
	}
	browser.Do(t, ctx,
		browser.Fill(areaSel, "abc"),
		browser.ClickNav(save),
		chromedp.WaitVisible(css(`.has-err .ferr`)),
	)
	ferr := browser.Text(t, ctx, `label.has-err:has(input[name=gross_area]) .ferr`)
	if !strings.Contains(ferr, "面积") {
		t.Errorf("inline error next to 建筑面积 = %q, want a Chinese message about the area", ferr)
	}
	if n := browser.Eval[int](t, ctx, `document.querySelectorAll(".has-err").length`); n != 1 {
		t.Errorf("%d fields marked in error, want only 建筑面积", n)
	}
	for name, want := range map[string]string{"gross_area": "abc", "number": "1201", "inner_area": "75.20", "floor": "12", "delivered_on": "2016-06-30"} {
		if v := browser.Run(t, ctx, chromedp.Value(css(`form input[name=`+name+`]`))); v != want {
			t.Errorf("after the refused save, %s = %q, want %q kept", name, v, want)
		}
	}
	if v := browser.Eval[string](t, ctx, `document.querySelector("form select[name=unit_id]").selectedOptions[0].textContent`); !strings.Contains(v, "3栋") || !strings.Contains(v, "2单元") {
		t.Errorf("after the refused save, 楼栋-单元 = %q, want 3栋 2单元 kept", v)
	}
	browser.NoProblems(t, ctx, "status of 422") // the form comes back with 422

	// Now the right value: the house page shows it and the history has it.
	browser.Do(t, ctx,
		browser.Fill(areaSel, "91.25"),
		browser.ClickNav(save),
		chromedp.WaitVisible(css("#gross-area")),
	)
	if loc := browser.Run(t, ctx, chromedp.Location()); strings.Split(loc, "?")[0] != houseURL {
		t.Errorf("after saving, page is %s, want %s", loc, houseURL)
	}
	if flash := browser.Text(t, ctx, "main .flash"); flash != "已保存" {
		t.Errorf("flash after saving = %q, want 已保存", flash)
	}
	if got := browser.Text(t, ctx, "#gross-area"); got != "91.25 m²" {
		t.Errorf("gross area after save = %q, want 91.25 m²", got)
	}
	hist := browser.Text(t, ctx, "section#history")
	if !strings.Contains(hist, f.Agent.Name) {
		t.Errorf("history does not name the editor %s:\n%s", f.Agent.Name, hist)
	}
	change := browser.Eval[string](t, ctx, `(() => {
		for (const d of document.querySelectorAll("section#history td div")) {
			if (d.querySelector("b") && d.querySelector("b").textContent.trim() === "建筑面积") return d.textContent.replace(/\s+/g, " ").trim();
		}
		return "";
	})()`)
	if !strings.Contains(change, "89.50") || !strings.Contains(change, "91.25") || strings.Index(change, "89.50") > strings.Index(change, "91.25") {
		t.Errorf("history change for 建筑面积 = %q, want 89.50 → 91.25", change)
	}
	editor := browser.Eval[string](t, ctx, `(() => {
		for (const tr of document.querySelectorAll("section#history tbody tr")) {
			if (tr.textContent.includes("91.25")) return tr.cells[1].textContent.trim();
		}
		return "";
	})()`)
	if editor != f.Agent.Name {
		t.Errorf("history row of the change names %q, want %s", editor, f.Agent.Name)
	}
	browser.NoHorizontalScroll(t, ctx)
	browser.NoProblems(t, ctx)
	shot(ctx, "house.png")

	// The same page on a phone: no page-wide horizontal scroll; wide
	// tables scroll inside themselves.
	if err := browser.Phone(ctx); err != nil {
		t.Fatal(err)
	}
	browser.Do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(css("#gross-area")))
	browser.NoHorizontalScroll(t, ctx)
	shot(ctx, "phone-house.png")
	browser.Do(t, ctx, chromedp.Navigate(f.URL+"/houses"), chromedp.WaitVisible(css("main table.list")))
	browser.NoHorizontalScroll(t, ctx)
	if ov := browser.Eval[string](t, ctx, `getComputedStyle(document.querySelector("main table.list")).overflowX`); ov != "auto" && ov != "scroll" {
		t.Errorf("at phone width the house list table has overflow-x %q, want it to scroll inside itself", ov)
	}
	if err := browser.Desktop(ctx); err != nil {
		t.Fatal(err)
	}
	browser.NoProblems(t, ctx)

	// Lists at desktop width.
	browser.Do(t, ctx, chromedp.Navigate(f.URL+"/houses"), chromedp.WaitVisible(css("main table.list")))
	browser.NoHorizontalScroll(t, ctx)
	if rows := browser.Eval[int](t, ctx, `document.querySelectorAll("main table.list tbody tr").length`); rows != 13 {
		t.Errorf("house list has %d rows, want the 13 houses of 翠湖花园 (not 金色家园's)", rows)
	}
	if body := browser.Text(t, ctx, "main"); strings.Contains(body, "金色家园") || strings.Contains(body, "5-1-2301") {
		t.Error("the house list shows another community's records")
	}
	browser.NoProblems(t, ctx)
	shot(ctx, "houses.png")
	browser.Do(t, ctx, chromedp.Navigate(f.URL+"/owners"), chromedp.WaitVisible(css("main table")))
	browser.NoHorizontalScroll(t, ctx)
	if body := browser.Text(t, ctx, "main"); !strings.Contains(body, "欧阳修远") || !strings.Contains(body, "张三") {
		t.Errorf("owner list lacks 欧阳修远 or 张三:\n%s", body)
	}
	browser.NoProblems(t, ctx)
	shot(ctx, "owners.png")

	// The print form: print media hides the console chrome.
	browser.Do(t, ctx, chromedp.Navigate(houseURL+"/print"), chromedp.WaitVisible(css(".print-sheet")))
	if sheet := browser.Text(t, ctx, ".print-sheet"); !strings.Contains(sheet, "业主住户情形登记表") || !strings.Contains(sheet, "91.25") || !strings.Contains(sheet, "欧阳修远") {
		t.Errorf("print sheet lacks the title, the area or the owner:\n%s", sheet)
	}
	if err := browser.Media(ctx, "print"); err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{".topbar", ".sidenav", ".toolbar"} {
		if d := browser.Eval[string](t, ctx, `getComputedStyle(document.querySelector("`+sel+`")).display`); d != "none" {
			t.Errorf("print media: %s has display %q, want none", sel, d)
		}
	}
	if d := browser.Eval[string](t, ctx, `getComputedStyle(document.querySelector(".print-sheet")).display`); d == "none" {
		t.Error("print media hides the form itself")
	}
	// On an A4 sheet's width (794 px at 96 dpi) the form fits.
	if err := browser.Viewport(ctx, 794, 1123); err != nil {
		t.Fatal(err)
	}
	browser.NoHorizontalScroll(t, ctx)
	browser.NoProblems(t, ctx)
	shot(ctx, "print.png")
	if err := browser.Media(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := browser.Desktop(ctx); err != nil {
		t.Fatal(err)
	}

	// An agent of another community gets a 403 page for this house, and
	// the header search does not find its owner.
	other := browser.NewSession(t, ctx)
	if err := browser.Login(other, f.URL, f.Foreign.Login, browserPassword); err != nil {
		t.Fatal(err)
	}
	resp := browser.Run(t, other, chromedp.NavigateResponse(houseURL))
	if resp.Status != http.StatusForbidden {
		t.Errorf("foreign agent GET %s: status %d, want 403", houseURL, resp.Status)
	}
	if body := browser.Text(t, other, "main"); !strings.Contains(body, "403") || strings.Contains(body, "欧阳修远") || strings.Contains(body, "91.25") {
		t.Errorf("foreign agent's page is not a bare 403 page:\n%s", body)
	}
	browser.NoProblems(t, other, "403")
	browser.Do(t, other, chromedp.Navigate(f.URL+"/"), chromedp.SendKeys(css("#global-q"), "oyxy"),
		chromedp.WaitVisible(css("#search-pop p")))
	if pop := browser.Text(t, other, "#search-pop"); strings.Contains(pop, "欧阳修远") {
		t.Errorf("foreign agent's search finds 欧阳修远: %q", pop)
	}
	browser.NoProblems(t, other)
}
