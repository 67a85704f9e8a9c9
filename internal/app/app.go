// Package app wires wuye together: it opens the store, migrates every
// module in dependency order, mounts every module's routes and serves.
// It is the only package that knows every module.
package app

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/frontdesk"
	"wuye/internal/movein"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/backup"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/mail"
	"wuye/internal/platform/metrics"
	"wuye/internal/platform/web"
	"wuye/internal/platform/workday"
	"wuye/internal/renovation"
	"wuye/internal/ticket"
)

// Version is set at build time with -ldflags "-X wuye/internal/app.Version=…".
var Version = "dev"

// Modules lists every module's migrations in dependency order.
var Modules = []db.Module{auth.Module, audit.Module, workday.Module, archive.Module, ticket.Module, billing.Module, frontdesk.Module, renovation.Module, movein.Module, backup.Module}

// Migrate brings d to the current schema.
func Migrate(ctx context.Context, d *db.DB) error { return d.Migrate(ctx, Modules...) }

//go:embed templates/*.html
var templateFS embed.FS

// App is a wired application.
type App struct {
	DB      *db.DB
	Auth    *auth.Service
	Archive *archive.Service
	// Workdays is the one statutory calendar every module shares, so its
	// override cache is shared too.
	Workdays *workday.Calendar
	Tickets  *ticket.Service
	Billing  *billing.Service
	Desk     *frontdesk.Service
	Reno     *renovation.Service
	MoveIn   *movein.Service
	Backups  *backup.Scheduler // the daily backup and the 数据备份 page
	Router   *web.Router
	Log      *slog.Logger
	// Mail, when set, e-mails notifications too (RunJobs); nil = off.
	// BaseURL starts the links in them ("" = http://localhost:8080).
	Mail    mail.Sender
	BaseURL string
	// Metrics is what /metrics serves.
	Metrics *metrics.Metrics
	// draining is set when the server is shutting down: /readyz then
	// answers 503 so a load balancer sends new users elsewhere.
	draining atomic.Bool
}

// New wires every module on d.
func New(d *db.DB, log *slog.Logger) *App {
	if log == nil {
		log = slog.Default()
	}
	a := &App{DB: d, Log: log, Auth: auth.NewService(d), Archive: archive.NewService(d)}
	a.Auth.CommunitiesExist = a.Archive.CommunitiesExist
	a.Workdays = workday.NewCalendar(d)
	a.Tickets = ticket.NewService(d, a.Workdays)
	a.Billing = billing.NewService(d)
	a.Desk = frontdesk.NewService(d)
	a.Reno = renovation.NewService(d)
	a.Reno.Archive, a.Reno.Billing = a.Archive, a.Billing
	a.MoveIn = movein.NewService(d)
	a.MoveIn.Archive, a.MoveIn.Tickets = a.Archive, a.Tickets
	a.Backups = backup.NewScheduler(d, Version, Modules)
	rt := web.NewRouter(a.Auth, log)
	a.Router = rt
	a.Metrics = metrics.New()
	a.Metrics.DB("wuye", d.DB)
	a.Metrics.Gauges(ticket.MetricsHelp, a.Tickets.Gauges)
	a.Metrics.Gauges(backup.MetricsHelp, a.Backups.Gauges)

	rt.Mount("GET /static/", web.Static())
	rt.Mount("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))
	// /healthz: the process and its database answer. /readyz: and it
	// wants traffic (not shutting down). /metrics: counts only, no
	// personal data; restrict it at the proxy if the network is shared.
	rt.Handle("GET /healthz", "", func(w http.ResponseWriter, r *http.Request) error {
		return a.probe(w, r, false)
	})
	rt.Handle("GET /readyz", "", func(w http.ResponseWriter, r *http.Request) error {
		return a.probe(w, r, true)
	})
	rt.Handle("GET /metrics", "", func(w http.ResponseWriter, r *http.Request) error {
		a.Metrics.Handler().ServeHTTP(w, r)
		return nil
	})

	(&auth.Handlers{S: a.Auth, Communities: a.communityOptions}).Routes(rt)
	(&audit.Handlers{DB: d, Perm: auth.PermAuditRead,
		Scope: func(ctx context.Context) []int64 { return archive.Scope(auth.UserOf(ctx)) },
		SeesIDNumbers: func(ctx context.Context) bool {
			return auth.UserOf(ctx).Can(auth.PermIDNumberView)
		}}).Routes(rt)
	(&workday.Handlers{C: a.Workdays}).Routes(rt)
	(&archive.Handlers{S: a.Archive, More: []archive.Searcher{a.Tickets.Search, a.Billing.Search}}).Routes(rt)
	(&ticket.Handlers{S: a.Tickets}).Routes(rt)
	(&billing.Handlers{S: a.Billing}).Routes(rt)
	(&frontdesk.Handlers{S: a.Desk, Arch: a.Archive}).Routes(rt)
	(&renovation.Handlers{S: a.Reno}).Routes(rt)
	(&movein.Handlers{S: a.MoveIn}).Routes(rt)
	(&backup.Handlers{S: a.Backups}).Routes(rt)
	a.homeRoutes(rt)
	// Anything else is a 404 in the caller's language: the JSON envelope
	// for the API, the error page for a browser.
	rt.Mount("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.Error(w, r, errs.NotFound("页面不存在：%s", r.URL.Path))
	}))
	return a
}

func (a *App) communityOptions(ctx context.Context) ([]auth.Option, error) {
	cs, err := a.Archive.Communities(ctx, &auth.User{Role: auth.RoleAdmin})
	if err != nil {
		return nil, err
	}
	out := make([]auth.Option, len(cs))
	for i, c := range cs {
		out[i] = auth.Option{ID: c.ID, Name: c.Name}
	}
	return out, nil
}

// Handler is the app's HTTP handler with request ids, logging and metrics.
func (a *App) Handler() http.Handler {
	return a.observe(securityHeaders(a.Router))
}

// Drain marks the app as shutting down: /readyz fails from now on.
func (a *App) Drain() { a.draining.Store(true) }

func (a *App) probe(w http.ResponseWriter, r *http.Request, ready bool) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if ready && a.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.PingContext(ctx); err != nil {
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return nil
	}
	w.Write([]byte("ok"))
	return nil
}

// job is one background job: it runs every tick and must be idempotent
// and take a job lock, so any number of servers may run it.
type job struct {
	name string
	run  func(ctx context.Context) error
}

// jobs lists the background jobs in the order they run each minute.
func (a *App) jobs() []job {
	js := []job{{"escalate", func(ctx context.Context) error {
		n, err := a.Tickets.Escalate(ctx)
		if n > 0 {
			a.Log.Info("job escalate", "overdue", n)
		}
		return err
	}}}
	if a.Mail != nil {
		js = append(js, job{"email", func(ctx context.Context) error { a.sendEmails(ctx); return nil }})
	}
	js = append(js, job{"backup", a.Backups.RunDue})
	return js
}

// RunJobs runs the background jobs on a minute ticker until ctx ends,
// and returns only when the job in progress has finished.
func (a *App) RunJobs(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		for _, j := range a.jobs() {
			if ctx.Err() != nil {
				return
			}
			err := j.run(ctx)
			if err != nil && ctx.Err() != nil {
				return // stopped mid-way: the job's transaction rolled back
			}
			if err != nil {
				a.Log.Error("job failed", "job", j.name, "err", err)
			}
			a.jobDone(j.name, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// jobDone counts a job run for /metrics.
func (a *App) jobDone(name string, err error) { a.Metrics.Job(name, err) }
