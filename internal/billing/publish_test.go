package billing_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"wuye/internal/billing"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
)

// publication decodes a publication answer.
func (x *fx) publication(role auth.Role, method, path string, body any, want int) *billing.Publication {
	x.t.Helper()
	var p billing.Publication
	x.do(role, method, path, body, want).JSON(x.t, &p)
	return &p
}

// publications lists a community's publications of 2026 as role.
func (x *fx) publications(role auth.Role, communityID int64) []*billing.Publication {
	x.t.Helper()
	var out struct {
		Items []*billing.Publication `json:"items"`
		Total int                    `json:"total"`
	}
	x.do(role, "GET", fmt.Sprintf("/api/v1/statement/publications?community_id=%d&year=2026", communityID), nil,
		http.StatusOK).JSON(x.t, &out)
	if out.Total != len(out.Items) {
		x.t.Fatalf("publications total %d for %d items", out.Total, len(out.Items))
	}
	return out.Items
}

// public opens a public address without any login.
func (x *fx) public(path string, want int) string {
	x.t.Helper()
	r := x.Anon().Get(path)
	if r.Code != want {
		x.t.Fatalf("GET %s without a login: %s, want %d", path, r, want)
	}
	return string(r.Body)
}

// TestPublishStatement: the director publishes 2026's 收支公示; anyone
// with the link reads the exact figures without a login, and nothing but
// them; spending entered afterwards changes the live statement, not the
// publication; publishing again makes version 2 and the first says it
// is superseded; a withdrawal shows on its page; an unknown token is a
// 404; every step is audited.
func TestPublishStatement(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		h1 := x.houses[0].ID
		x.paid(x.pay(auth.RoleCashier, h1, 22533, x.bills(h1, "unpaid")...))
		cid := x.A.Community.ID
		var green billing.Expenditure
		x.do(auth.RoleDirector, "POST", "/api/v1/expenditures", map[string]any{"community_id": cid, "spent_on": "2026-03-01",
			"category": "绿化养护", "amount_fen": 100000}, http.StatusCreated).JSON(t, &green)
		x.do(auth.RoleDirector, "POST", "/api/v1/expenditures", map[string]any{"community_id": cid, "spent_on": "2026-06-30",
			"category": "人员费用", "amount_fen": 200050}, http.StatusCreated)

		body := map[string]any{"community_id": cid, "year": 2026}
		v1 := x.publication(auth.RoleDirector, "POST", "/api/v1/statement/publish", body, http.StatusCreated)
		s := v1.Snapshot
		if v1.ID == 0 || v1.CommunityID != cid || v1.Year != 2026 || v1.Version != 1 || v1.Status != billing.PublicationCurrent ||
			v1.PublishedBy != x.user(auth.RoleDirector).ID || !v1.PublishedAt.Equal(x.clk.Now()) {
			t.Errorf("publication: %+v", v1)
		}
		token := strings.TrimPrefix(v1.URL, "/p/statements/")
		if len(token) != 26 || strings.Trim(token, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Errorf("public address %q: want a 128-bit base32 token", v1.URL)
		}
		if s.CommunityName != x.A.Community.Name || s.IncomeFen != 22533 || len(s.Income) != 2 || s.Income[0].AmountFen != 21033 ||
			s.ExpenditureFen != 300050 || s.BalanceFen != 22533-300050 {
			t.Errorf("snapshot: %+v", s)
		}

		// Owners: no login, the exact figures, nothing of the staff console.
		pub := x.public(v1.URL, http.StatusOK)
		has(t, "public page", pub, x.A.Community.Name+" 2026年度物业服务费收支情况公示", "第 1 版 · 发布于 2026-11-20 10:00",
			"物业服务费", "¥210.33", "垃圾清运费", "¥15.00", `id="income-total">¥225.33<`, "绿化养护", "¥1,000.00", "人员费用",
			"¥2,000.50", `id="spending-total">¥3,000.50<`, billing.AmountInWords(22533-300050), "本公示已在网上发布", "http://example.com"+v1.URL)
		hasNot(t, "public page", pub, "已撤回", "已有新版本", "/billing/", "退出", "3-2-1201", x.A.Owner.Name,
			x.user(auth.RoleDirector).Name, "csrf\" value")
		// Even to a signed-in user it is the bare notice.
		hasNot(t, "public page to staff", page(t, x.Browser(auth.RoleDirector), v1.URL, http.StatusOK), "/billing/desk", "退出")

		// Spending changes after publishing: the statement follows, the
		// publication does not.
		x.do(auth.RoleDirector, "POST", "/api/v1/expenditures", map[string]any{"community_id": cid, "spent_on": "2026-11-20",
			"category": "其他", "amount_fen": 7700}, http.StatusCreated)
		x.do(auth.RoleDirector, "POST", fmt.Sprintf("/api/v1/expenditures/%d/void", green.ID), map[string]any{"reason": "录错"}, http.StatusOK)
		var live billing.Statement
		x.do(auth.RoleAuditor, "GET", fmt.Sprintf("/api/v1/statement?community_id=%d&year=2026", cid), nil, http.StatusOK).JSON(t, &live)
		if live.ExpenditureFen != 207750 {
			t.Fatalf("live statement spending %d, want 207750", live.ExpenditureFen)
		}
		has(t, "public page after spending changed", x.public(v1.URL, http.StatusOK), `id="spending-total">¥3,000.50<`, "绿化养护")
		if ps := x.publications(auth.RoleAuditor, cid); len(ps) != 1 || ps[0].Snapshot.ExpenditureFen != 300050 {
			t.Errorf("listed snapshot after spending changed: %+v", ps[0].Snapshot)
		}
		staff := page(t, x.Browser(auth.RoleDirector), fmt.Sprintf("/billing/statement?community_id=%d&year=2026", cid), http.StatusOK)
		has(t, "statement page, figures changed", staff, `id="stale"`, "与已发布的第 1 版不一致", v1.URL, "发布新版本")
		hasNot(t, "statement page, figures changed", staff, `id="public-link"`)

		// Version 2: the first now says so and points to it.
		v2 := x.publication(auth.RoleDirector, "POST", "/api/v1/statement/publish", body, http.StatusCreated)
		if v2.Version != 2 || v2.URL == v1.URL || v2.Snapshot.ExpenditureFen != 207750 {
			t.Errorf("version 2: %+v", v2)
		}
		old := x.public(v1.URL, http.StatusOK)
		has(t, "superseded page", old, `id="superseded-banner"`, "已有新版本", "已由第 2 版取代", `href="`+v2.URL+`"`, `id="spending-total">¥3,000.50<`)
		hasNot(t, "superseded page", old, "已撤回")
		hasNot(t, "version 2", x.public(v2.URL, http.StatusOK), "已有新版本", "已撤回")
		ps := x.publications(auth.RoleAuditor, cid)
		if len(ps) != 2 || ps[0].ID != v2.ID || ps[0].Status != billing.PublicationCurrent || ps[1].Status != billing.PublicationSuperseded ||
			ps[1].SupersededBy == nil || *ps[1].SupersededBy != v2.ID {
			t.Errorf("versions: %+v %+v", ps[0], ps[1])
		}
		staff = page(t, x.Browser(auth.RoleDirector), fmt.Sprintf("/billing/statement?community_id=%d&year=2026", cid), http.StatusOK)
		has(t, "statement page, published", staff, `id="public-link"`, "http://example.com"+v2.URL, "公示中", "已有新版本")
		hasNot(t, "statement page, published", staff, `id="stale"`)

		// Withdrawal: a reason is needed, once.
		wd := fmt.Sprintf("/api/v1/statement/publications/%d/withdraw", v2.ID)
		expectError(t, x.API(auth.RoleDirector).Post(wd, map[string]any{"reason": " "}), 422, "invalid", "reason")
		expectError(t, x.API(auth.RoleCSManager).Post(wd, map[string]any{"reason": "越权"}), 403, "forbidden", "")
		if p := x.publication(auth.RoleDirector, "POST", wd, map[string]any{"reason": "支出金额录入有误"}, http.StatusOK); p.Status != billing.PublicationWithdrawn {
			t.Errorf("withdrawn: %+v", p)
		}
		expectError(t, x.API(auth.RoleDirector).Post(wd, map[string]any{"reason": "再撤"}), 409, "conflict", "")
		has(t, "withdrawn page", x.public(v2.URL, http.StatusOK), `id="withdrawn-banner"`, "已撤回", "支出金额录入有误")

		// Unknown or malformed tokens: 404.
		other := strings.Repeat("a", 26)
		if other == token {
			other = strings.Repeat("b", 26)
		}
		for _, p := range []string{"/p/statements/" + other, "/p/statements/" + strings.ToUpper(token), "/p/statements/x",
			"/p/statements/" + token + "a"} {
			x.public(p, http.StatusNotFound)
		}

		// Audited: two publications, one superseded, one withdrawn.
		if n := count(t, x, `SELECT count(*) FROM audit_log WHERE entity = 'statement_publication' AND community_id = $1`, cid); n != 4 {
			t.Errorf("%d audit entries, want 4", n)
		}
		has(t, "notice page", page(t, x.Browser(auth.RoleAuditor), fmt.Sprintf("/billing/statement/publications/%d", v2.ID), http.StatusOK),
			"已撤回", "变更记录", "支出金额录入有误", "返回收支公示")
	})
}

// TestPublishRules: only the director publishes, within the community
// and for a year that has begun; a director of another community may
// neither publish, withdraw nor list A's.
func TestPublishRules(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		cid := x.A.Community.ID
		publish := func(role auth.Role, body map[string]any) *billing.Publication {
			return x.publication(role, "POST", "/api/v1/statement/publish", body, http.StatusCreated)
		}
		for _, role := range []auth.Role{auth.RoleCSManager, auth.RoleCashier, auth.RoleAuditor} {
			expectError(t, x.API(role).Post("/api/v1/statement/publish", map[string]any{"community_id": cid, "year": 2026}), 403, "forbidden", "")
		}
		expectError(t, x.API(auth.RoleDirector).Post("/api/v1/statement/publish", map[string]any{"community_id": cid, "year": 2027}),
			422, "invalid", "year")
		expectError(t, x.API(auth.RoleDirector).Post("/api/v1/statement/publish", map[string]any{"year": 2026}), 422, "invalid", "community_id")
		expectError(t, x.API(auth.RoleDirector).Post("/api/v1/statement/publish", map[string]any{"community_id": x.B.Community.ID, "year": 2026}),
			403, "forbidden", "")
		a := publish(auth.RoleDirector, map[string]any{"community_id": cid, "year": 2025})
		b := publish(auth.RoleAdmin, map[string]any{"community_id": x.B.Community.ID, "year": 2026})

		// B's director: not A's statement, not A's list, not A's publication.
		dirB := x.APIAs(x.NewUser(auth.RoleDirector, x.B.Community.ID).Login)
		expectError(t, dirB.Post("/api/v1/statement/publish", map[string]any{"community_id": cid, "year": 2026}), 403, "forbidden", "")
		expectError(t, dirB.Get(fmt.Sprintf("/api/v1/statement/publications?community_id=%d", cid)), 403, "forbidden", "")
		expectError(t, dirB.Post(fmt.Sprintf("/api/v1/statement/publications/%d/withdraw", a.ID), map[string]any{"reason": "x"}), 403, "forbidden", "")
		expectError(t, dirB.Get(fmt.Sprintf("/api/v1/statement/publications/%d", a.ID)), 403, "forbidden", "")
		var all struct {
			Items []*billing.Publication `json:"items"`
		}
		dirB.Get("/api/v1/statement/publications").JSON(t, &all)
		if len(all.Items) != 1 || all.Items[0].ID != b.ID {
			t.Errorf("B's director lists %+v, want B's only", all.Items)
		}
		if n := count(t, x, `SELECT count(*) FROM statement_publications WHERE community_id = $1`, cid); n != 1 {
			t.Errorf("%d publications of A, want 1", n)
		}

		// The statement page: the director may publish (with a
		// confirmation), the auditor sees the list only.
		path := fmt.Sprintf("/billing/statement?community_id=%d&year=2026", cid)
		has(t, "director's statement page", page(t, x.Browser(auth.RoleDirector), path, http.StatusOK), `id="publish"`, "data-confirm=\"确定发布",
			"本年度尚未在网上发布")
		hasNot(t, "auditor's statement page", page(t, x.Browser(auth.RoleAuditor), path, http.StatusOK), `id="publish"`)
		submit(t, x.Browser(auth.RoleAuditor), "/billing/statement/publish", url.Values{"community_id": {fmt.Sprint(cid)}, "year": {"2026"}},
			http.StatusForbidden)
		r := submit(t, x.Browser(auth.RoleDirector), "/billing/statement/publish", url.Values{"community_id": {fmt.Sprint(cid)}, "year": {"2026"}},
			http.StatusSeeOther)
		_, got := follow(t, x.Browser(auth.RoleDirector), r)
		has(t, "published through the page", got, "已发布 2026 年收支公示第 1 版", "公示中", "/p/statements/", `id="public-link"`)
		r = submit(t, x.Browser(auth.RoleDirector), "/billing/statement/publish", url.Values{"community_id": {fmt.Sprint(cid)}, "year": {"2030"}},
			http.StatusSeeOther)
		_, got = follow(t, x.Browser(auth.RoleDirector), r)
		has(t, "a future year", got, "未发布：请填写要公示的年度")
	})
}

// TestPublishFreezesItsTransaction: the figures a version freezes are the
// statement as the publishing transaction sees it, not as an earlier read
// outside it did: a payment taken earlier in the same transaction is in
// them, and rolling the transaction back leaves neither.
func TestPublishFreezesItsTransaction(t *testing.T) {
	each(t, func(t *testing.T, x *fx) {
		x.standard()
		x.run("2026-11")
		h1, cid := x.houses[0].ID, x.A.Community.ID
		director, ids := x.user(auth.RoleDirector), billIDs(x.bills(h1, "unpaid"))
		tx, err := x.DB.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		ctx := db.WithTx(t.Context(), tx)
		if _, err := x.svc.Pay(ctx, x.user(auth.RoleCashier), billing.PaymentInput{HouseID: h1,
			BillIDs: ids, AmountFen: 22533, Method: "cash"}); err != nil {
			t.Fatal(err)
		}
		pub, err := x.svc.Publish(ctx, director, billing.PublishInput{CommunityID: cid, Year: 2026})
		if err != nil {
			t.Fatal(err)
		}
		st, err := x.svc.Statement(ctx, director, cid, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if pub.Snapshot.IncomeFen != 22533 || !reflect.DeepEqual(pub.Snapshot.Statement, *st) {
			t.Errorf("published %+v, the transaction's statement %+v", pub.Snapshot.Statement, *st)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if n := count(t, x, `SELECT count(*) FROM statement_publications WHERE community_id = $1`, cid); n != 0 {
			t.Errorf("%d publications after the rollback", n)
		}
	})
}
