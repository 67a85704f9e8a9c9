package billing

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/web"
)

// The 收支公示's publications on the staff console (publish, withdraw,
// the printable notice of a version) and the public page owners open
// without a login.

func (p *pages) publishRoutes(rt *web.Router) {
	p.publishAPIRoutes(rt)
	rt.Handle("POST /billing/statement/publish", auth.PermExpenditure, p.publishStatement)
	rt.Handle("GET /billing/statement/publications/{id}", auth.PermBillingRead, p.publicationNotice)
	rt.Handle("POST /billing/statement/publications/{id}/withdraw", auth.PermExpenditure, p.withdrawPublication)
	// Public: the token is the key; the page shows the snapshot only.
	rt.Handle("GET "+PublicStatementPath+"{token}", "", p.publishedStatement)
}

// publicationView is a publication as its printable notice.
type publicationView struct {
	Pub, Latest *Publication
	Link        string // the public address in full
	Date        string // the day published, as signed
	Staff       bool
	History     []audit.Entry
}

// origin is the site's address as the browser reached it, to print the
// public link in full.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// cnDate is a moment's day in Asia/Shanghai as a notice is signed:
// 2026年11月27日.
func cnDate(t time.Time) string {
	t = t.In(shanghai)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func (p *pages) publishStatement(w http.ResponseWriter, r *http.Request) error {
	c, err := p.communities(r, false)
	if err != nil {
		return err
	}
	year, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	back := "/billing/statement"
	if c.ID > 0 {
		back += fmt.Sprintf("?community_id=%d", c.ID)
		if year >= 2000 && year <= 2200 {
			back += fmt.Sprintf("&year=%d", year)
		}
	}
	pub, err := p.S.Publish(r.Context(), user(r), PublishInput{CommunityID: c.ID, Year: year})
	if err != nil {
		if e, ok := flashable(err); ok {
			return redirect(w, r, back, "未发布："+e.Message)
		}
		return err
	}
	return redirect(w, r, back, fmt.Sprintf("已发布 %d 年收支公示第 %d 版，业主可通过公开链接查阅", pub.Year, pub.Version))
}

func (p *pages) withdrawPublication(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	cur, err := p.S.Publication(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/billing/statement?community_id=%d&year=%d", cur.CommunityID, cur.Year)
	if _, err := p.S.WithdrawPublication(r.Context(), user(r), id, r.FormValue("reason")); err != nil {
		if e, ok := flashable(err); ok {
			return redirect(w, r, back, "未撤回："+e.Message)
		}
		return err
	}
	return redirect(w, r, back, fmt.Sprintf("已撤回 %d 年收支公示第 %d 版", cur.Year, cur.Version))
}

// publicationNotice is a version's notice for the board, with its public
// address, and its history.
func (p *pages) publicationNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ID(r, "id")
	if err != nil {
		return err
	}
	pub, err := p.S.Publication(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	latest, err := p.S.latestPublication(r.Context(), pub)
	if err != nil {
		return err
	}
	v := &publicationView{Pub: pub, Latest: latest, Staff: true}
	v.History, _ = audit.History(r.Context(), p.S.DB, "statement_publication", id)
	return p.renderPublication(w, r, v)
}

// publishedStatement is the public page: no login, nothing but the
// snapshot, not even the staff menu to a signed-in user.
func (p *pages) publishedStatement(w http.ResponseWriter, r *http.Request) error {
	pub, latest, err := p.S.PublishedStatement(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	r = r.WithContext(web.WithViewer(r.Context(), nil))
	h := w.Header()
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Cache-Control", "no-cache")
	return p.renderPublication(w, r, &publicationView{Pub: pub, Latest: latest})
}

func (p *pages) renderPublication(w http.ResponseWriter, r *http.Request, v *publicationView) error {
	v.Link, v.Date = origin(r)+v.Pub.URL, cnDate(v.Pub.PublishedAt)
	pg := &web.Page{Title: fmt.Sprintf("%s %d年度收支公示（第%d版）", v.Pub.Snapshot.CommunityName, v.Pub.Year, v.Pub.Version), Data: v}
	if v.Staff {
		pg.Nav = "billing_statement"
	}
	return p.t.Render(w, r, http.StatusOK, "published", pg)
}

// statementPublications adds the year's publications to the statement
// page, and the public address to print under the live figures when they
// are still those of the current version (else Stale is that version).
func (p *pages) statementPublications(r *http.Request, data map[string]any, st *Statement) error {
	ps, _, err := p.S.Publications(r.Context(), user(r), st.CommunityID, st.Year, 500, 0)
	if err != nil {
		return err
	}
	data["Publications"], data["Origin"] = ps, origin(r)
	for _, pub := range ps {
		if pub.Status != PublicationCurrent {
			continue
		}
		live, _ := json.Marshal(st)
		frozen, _ := json.Marshal(pub.Snapshot.Statement)
		if string(live) == string(frozen) {
			data["Link"] = origin(r) + pub.URL
		} else {
			data["Stale"] = pub
		}
	}
	return nil
}
