// Package metrics is what an operator's Prometheus scrapes at /metrics:
// requests by route and status with latency histograms, the database
// pool, background job runs and failures, and business gauges that a
// module provides (open and overdue tickets). It holds no business SQL;
// a gauge's value comes from the module that owns the table.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one registry and the instruments the app feeds.
type Metrics struct {
	Reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	jobRuns     *prometheus.CounterVec
	jobFailures *prometheus.CounterVec
	jobLast     *prometheus.GaugeVec
	handler     http.Handler
}

// New returns a registry with the process and Go runtime collectors and
// the request and job instruments.
func New() *Metrics {
	m := &Metrics{
		Reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight", Help: "HTTP requests being served now.",
		}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wuye_job_runs_total", Help: "Background job runs, by job.",
		}, []string{"job"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wuye_job_failures_total", Help: "Background job runs that failed, by job.",
		}, []string{"job"}),
		jobLast: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wuye_job_last_success_timestamp_seconds", Help: "Unix time of the last successful run, by job.",
		}, []string{"job"}),
	}
	m.Reg.MustRegister(m.requests, m.latency, m.inFlight, m.jobRuns, m.jobFailures, m.jobLast,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.Reg, promhttp.HandlerOpts{Registry: m.Reg})
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Request counts one served request. route is the matched pattern
// ("GET /houses/{id}"), never the raw path, so the series stay few.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// InFlight tracks a request being served; call the returned func when done.
func (m *Metrics) InFlight() func() {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// Job counts one run of a background job.
func (m *Metrics) Job(name string, err error) {
	m.jobRuns.WithLabelValues(name).Inc()
	if err != nil {
		m.jobFailures.WithLabelValues(name).Inc()
		return
	}
	m.jobLast.WithLabelValues(name).SetToCurrentTime()
}

// DB exports the connection pool statistics of db under the name.
func (m *Metrics) DB(name string, db *sql.DB) {
	m.Reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Gauges reads business figures when scraped. fn returns values by name;
// each name must be declared in help.
func (m *Metrics) Gauges(help map[string]string, fn func(ctx context.Context) (map[string]float64, error)) {
	m.Reg.MustRegister(&gauges{help: help, fn: fn})
}

type gauges struct {
	help map[string]string
	fn   func(ctx context.Context) (map[string]float64, error)
}

func (g *gauges) desc(name string) *prometheus.Desc {
	return prometheus.NewDesc(name, g.help[name], nil, nil)
}

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	for name := range g.help {
		ch <- g.desc(name)
	}
}

// Collect queries the figures with a short timeout: a slow database
// must not hang the scrape. On failure the gauges are left out and the
// scrape still answers (the DB pool and request series tell why).
func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	vals, err := g.fn(ctx)
	if err != nil {
		return
	}
	for name, v := range vals {
		if _, ok := g.help[name]; ok {
			ch <- prometheus.MustNewConstMetric(g.desc(name), prometheus.GaugeValue, v)
		}
	}
}
