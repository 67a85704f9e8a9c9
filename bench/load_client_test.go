package bench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"wuye/internal/billing"
	"wuye/internal/demo"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/money"
	"wuye/internal/ticket"
)

// ldClient is one member of staff at a browser: its own cookies (the
// session and the CSRF token) and its own keep-alive connection.
type ldClient struct {
	base   string
	hc     *http.Client
	u      *ldUser
	r      *rand.Rand
	csrf   string
	houses []ldHouse // of the user's communities
	terms  []string
	next   int // the next of u.pays to take

	stats             map[string]*ldStat
	tickets, payments []int64 // acknowledged
	bills, skipped    int
	samples           []string // the client's first error
}

func newLdClient(base string, u *ldUser, seed uint64) *ldClient {
	jar, _ := cookiejar.New(nil)
	c := &ldClient{base: base, u: u, r: rand.New(rand.NewPCG(seed, 99)), stats: map[string]*ldStat{},
		hc: &http.Client{Jar: jar, Timeout: time.Minute,
			// A 303 is the answer measured; the page it leads to is not
			// part of the mix.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for _, comm := range u.comms {
		c.houses = append(c.houses, comm.houses...)
		c.terms = append(c.terms, comm.terms...)
	}
	return c
}

// login signs in through the form, as a browser does: the login page
// sets the CSRF cookie the form post must echo.
func (c *ldClient) login() error {
	if _, ok := c.do("", c.get("/login", false), http.StatusOK, ""); !ok {
		return fmt.Errorf("%s: GET /login: %v", c.u.login, c.samples)
	}
	base, _ := url.Parse(c.base)
	for _, k := range c.hc.Jar.Cookies(base) {
		if k.Name == "wuye_csrf" {
			c.csrf = k.Value
		}
	}
	if _, ok := c.do("", c.post("/login", url.Values{"login": {c.u.login}, "password": {ldPassword}}), http.StatusSeeOther, "/"); !ok {
		return fmt.Errorf("%s: POST /login: %v", c.u.login, c.samples)
	}
	for _, k := range c.hc.Jar.Cookies(base) {
		if k.Name == auth.SessionCookie {
			return nil
		}
	}
	return fmt.Errorf("%s: signed in without a session cookie", c.u.login)
}

// warm opens a page of each kind once, unrecorded: the first request of
// a connection and of a template is not what staff see all day.
func (c *ldClient) warm() {
	c.do("", c.get("/search?q="+url.QueryEscape(c.terms[0]), true), http.StatusOK, "")
	c.do("", c.get(fmt.Sprintf("/houses/%d", c.houses[0].id), false), http.StatusOK, "")
}

// run repeats the mix until the deadline: 40 % search, 30 % house page,
// 30 % the role's own work (a ticket or a payment), each followed by a
// pause of 0–2× think.
func (c *ldClient) run(deadline time.Time, think time.Duration) {
	for time.Now().Before(deadline) {
		switch n := c.r.IntN(100); {
		case n < 40:
			c.search()
		case n < 70:
			c.house()
		case c.u.role == auth.RoleCashier:
			c.pay()
		default:
			c.ticket()
		}
		if think > 0 { // not past the deadline: the window is what req/s divides by
			time.Sleep(min(time.Duration(c.r.Int64N(int64(2*think)+1)), time.Until(deadline)))
		}
	}
}

func (c *ldClient) search() {
	q := c.terms[c.r.IntN(len(c.terms))]
	c.do("search", c.get("/search?q="+url.QueryEscape(q), true), http.StatusOK, "")
}

func (c *ldClient) house() {
	h := c.houses[c.r.IntN(len(c.houses))]
	c.do("house", c.get(fmt.Sprintf("/houses/%d", h.id), false), http.StatusOK, "")
}

// ticket registers what a caller reports about their house, in the
// 客服中心's proportions of kinds and channels.
func (c *ldClient) ticket() {
	h := c.houses[c.r.IntN(len(c.houses))]
	form := url.Values{"community_id": {strconv.FormatInt(h.comm, 10)}, "house_code": {h.code}}
	if _, ok := c.do("ticket_form", c.get("/tickets/new?"+form.Encode(), false), http.StatusOK, ""); !ok {
		return
	}
	kind := tkKind(c.r)
	title, desc, category, _ := demo.TicketText(c.r, kind)
	urgency := ticket.UrgencyNormal
	if c.r.IntN(100) < 10 {
		urgency = ticket.UrgencyUrgent
	}
	form.Set("kind", kind)
	form.Set("urgency", urgency)
	form.Set("channel", tkChannels[c.r.IntN(len(tkChannels))])
	form.Set("title", title)
	form.Set("description", desc)
	form.Set("category", category)
	if id, ok := c.do("ticket", c.post("/tickets", form), http.StatusSeeOther, "/tickets/"); ok {
		c.tickets = append(c.tickets, id)
	}
}

// pay takes the next month of the cashier's houses in cash, without the
// 滞纳金 (the desk's checkbox left clear), after opening the house's desk.
func (c *ldClient) pay() {
	if c.next >= len(c.u.pays) {
		c.skipped++
		c.search()
		return
	}
	p := c.u.pays[c.next]
	c.next++
	if _, ok := c.do("desk", c.get(fmt.Sprintf("/billing/desk?house_id=%d", p.house), false), http.StatusOK, ""); !ok {
		return
	}
	form := url.Values{"house_id": {strconv.FormatInt(p.house, 10)}, "sel": {"1"}, "method": {billing.MethodCash},
		"amount": {money.PlainHundredths(p.fen)}}
	for _, id := range p.bills {
		form.Add("bill_ids", strconv.FormatInt(id, 10))
	}
	if id, ok := c.do("pay", c.post("/billing/desk/pay", form), http.StatusSeeOther, "/billing/payments/"); ok {
		c.payments = append(c.payments, id)
		c.bills += len(p.bills)
	}
}

func (c *ldClient) get(path string, htmx bool) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return req
}

func (c *ldClient) post(path string, form url.Values) *http.Request {
	form.Set("csrf", c.csrf)
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// do sends req, reads the answer to its last byte and records the time
// under op (nothing for op ""). Any answer but want is an error, and so
// is, when loc is given, a redirect anywhere but to loc followed by the
// id of the new record, which do returns.
func (c *ldClient) do(op string, req *http.Request, want int, loc string) (int64, bool) {
	t := time.Now()
	resp, err := c.hc.Do(req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	el := time.Since(t)
	var id int64
	why := ""
	switch {
	case err != nil:
		why = err.Error()
	case resp.StatusCode != want:
		why = fmt.Sprintf("status %d: %s", resp.StatusCode, ldMessage(body))
	case loc != "":
		where := resp.Header.Get("Location")
		id, err = strconv.ParseInt(strings.TrimPrefix(where, loc), 10, 64)
		if loc == "/" && where == "/" {
			err = nil
		}
		if !strings.HasPrefix(where, loc) || err != nil {
			why = "redirected to " + where
		}
	}
	if why != "" && len(c.samples) == 0 {
		c.samples = append(c.samples, fmt.Sprintf("%s %s %s: %s", c.u.login, req.Method, req.URL.Path, why))
	}
	if op != "" {
		s := c.stats[op]
		if s == nil {
			s = &ldStat{}
			c.stats[op] = s
		}
		s.lat = append(s.lat, el)
		if why != "" {
			s.errors++
		}
	}
	return id, why == ""
}

var (
	ldTitle = regexp.MustCompile(`<title>([^<]*)</title>`)
	ldFerr  = regexp.MustCompile(`class="ferr">([^<]*)<`)
)

// ldMessage is what an error page says: its title and its inline errors.
func ldMessage(body []byte) string {
	var out []string
	for _, re := range []*regexp.Regexp{ldTitle, ldFerr} {
		for _, m := range re.FindAllSubmatch(body, 3) {
			out = append(out, string(m[1]))
		}
	}
	if len(out) == 0 {
		return strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	return strings.Join(out, " / ")
}
