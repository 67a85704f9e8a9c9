package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
)

// metric reads one sample of the Prometheus text body ("" labels: a
// series without labels).
func metric(t *testing.T, body, name, labels string) (float64, bool) {
	t.Helper()
	series := name
	if labels != "" {
		series += "{" + labels + "}"
	}
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %q", series, line)
			}
			return f, true
		}
	}
	return 0, false
}

func TestMetricsCountRequestsByRouteAndOpenTickets(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		anon := f.Anon()
		scrape := func() string {
			r := anon.Get("/metrics")
			if r.Code != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
				t.Fatalf("/metrics: %s", r)
			}
			return string(r.Body)
		}
		before := scrape()
		h0, _ := metric(t, before, "http_requests_total", `code="200",method="GET",route="GET /healthz"`)
		nf0, _ := metric(t, before, "http_requests_total", `code="404",method="GET",route="GET /houses/{id}"`)
		open0, ok := metric(t, before, "wuye_tickets_open", "")
		if !ok {
			t.Fatalf("no wuye_tickets_open in\n%s", before)
		}
		anon.Get("/healthz")
		anon.Get("/healthz")
		// The route label is the pattern, not the path: two unknown
		// houses are one series.
		agent := f.Browser(auth.RoleCSAgent)
		agent.Get("/houses/999999991")
		agent.Get("/houses/999999992")
		x := apptest.ExtraRecords[0]
		if r := f.API(auth.RoleCSAgent).Post(x.Create, x.Body(f.A)); r.Code != 201 {
			t.Fatalf("create ticket: %s", r)
		}
		after := scrape()
		if h, _ := metric(t, after, "http_requests_total", `code="200",method="GET",route="GET /healthz"`); h != h0+2 {
			t.Errorf("healthz requests %v → %v, want +2", h0, h)
		}
		if n, _ := metric(t, after, "http_requests_total", `code="404",method="GET",route="GET /houses/{id}"`); n != nf0+2 {
			t.Errorf("404s of GET /houses/{id} %v → %v, want +2", nf0, n)
		}
		if open, _ := metric(t, after, "wuye_tickets_open", ""); open != open0+1 {
			t.Errorf("open tickets %v → %v after registering one", open0, open)
		}
		for _, s := range []string{`http_request_duration_seconds_bucket{method="GET",route="GET /healthz",le="0.1"}`,
			`go_sql_open_connections{db_name="wuye"}`, "wuye_tickets_overdue "} {
			if !strings.Contains(after, s) {
				t.Errorf("/metrics lacks %s", s)
			}
		}
	})
}

func TestJobRunsAndFailuresAreCounted(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		m := f.App.Metrics
		m.Job("escalate", nil)
		m.Job("backup", errTest)
		r := f.Anon().Get("/metrics")
		body := string(r.Body)
		if v, _ := metric(t, body, "wuye_job_failures_total", `job="backup"`); v != 1 {
			t.Errorf("backup failures = %v", v)
		}
		if v, _ := metric(t, body, "wuye_job_runs_total", `job="escalate"`); v != 1 {
			t.Errorf("escalate runs = %v", v)
		}
	})
}

var errTest = &testErr{}

type testErr struct{}

func (*testErr) Error() string { return "disk full" }

func TestReadyzFailsWhileDrainingAndHealthzDoesNot(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		anon := f.Anon()
		if r := anon.Get("/readyz"); r.Code != 200 || string(r.Body) != "ok" {
			t.Fatalf("readyz: %s", r)
		}
		f.App.Drain()
		if r := anon.Get("/readyz"); r.Code != 503 {
			t.Errorf("readyz while draining: %s", r)
		}
		if r := anon.Get("/healthz"); r.Code != 200 {
			t.Errorf("healthz while draining: %s", r)
		}
	})
}

// lockedBuffer collects log lines written from request goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestErrorPageShowsTheRequestIDOfTheLogLine(t *testing.T) {
	apptest.Each(t, func(t *testing.T, f *apptest.Fixture) {
		var logs lockedBuffer
		f.App.Log = slog.New(slog.NewJSONHandler(&logs, nil))
		agent := f.Browser(auth.RoleCSAgent)
		r := agent.Get("/houses/" + strconv.FormatInt(f.B.House.ID, 10)) // a foreign house
		id := r.Header.Get("X-Request-Id")
		if r.Code != 403 && r.Code != 404 || id == "" {
			t.Fatalf("foreign house: %d, request id %q", r.Code, id)
		}
		if !strings.Contains(string(r.Body), "请求编号：<code>"+id+"</code>") {
			t.Errorf("error page does not show request id %s:\n%s", id, r.Body)
		}
		var line map[string]any
		sc := bufio.NewScanner(bytes.NewReader(logs.b.Bytes()))
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["request_id"] == id {
				line = m
			}
		}
		if line == nil {
			t.Fatalf("no log line with request_id %s in\n%s", id, logs.b.String())
		}
		if line["user"] != f.Users[auth.RoleCSAgent].Login || line["route"] != "GET /houses/{id}" || line["status"] != float64(r.Code) {
			t.Errorf("log line %v", line)
		}
		// A proxy's id is kept; a hostile one is replaced.
		req := agent.Request("GET", "/no-such-page", nil)
		req.Header.Set("X-Request-Id", "lb-42")
		if got := agent.Send(req).Header.Get("X-Request-Id"); got != "lb-42" {
			t.Errorf("proxy request id → %q", got)
		}
		req = agent.Request("GET", "/no-such-page", nil)
		req.Header.Set("X-Request-Id", "<script>")
		if got := agent.Send(req).Header.Get("X-Request-Id"); !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got) {
			t.Errorf("hostile request id → %q", got)
		}
	})
}
