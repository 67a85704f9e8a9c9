// Package app wires wuye together: it opens the store, migrates every
// module in dependency order, mounts every module's routes and serves.
// It is the only package that knows every module.
package app

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"time"

	"wuye/internal/archive"
	"wuye/internal/billing"
	"wuye/internal/frontdesk"
	"wuye/internal/movein"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/mail"
	"wuye/internal/platform/web"
	"wuye/internal/platform/workday"
	"wuye/internal/renovation"
	"wuye/internal/ticket"
)

// Version is set at build time with -ldflags "-X wuye/internal/app.Version=…".
var Version = "dev"

// Modules lists every module's migrations in dependency order.
var Modules = []db.Module{auth.Module, audit.Module, workday.Module, archive.Module, ticket.Module, billing.Module, frontdesk.Module, renovation.Module, movein.Module}

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
	Router   *web.Router
	Log      *slog.Logger
	// Mail, when set, e-mails notifications too (RunJobs); nil = off.
	// BaseURL starts the links in them ("" = http://localhost:8080).
	Mail    mail.Sender
	BaseURL string
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
	rt := web.NewRouter(a.Auth, log)
	a.Router = rt

	rt.Mount("GET /static/", web.Static())
	rt.Mount("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))
	rt.Handle("GET /healthz", "", func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := d.PingContext(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return nil
		}
		w.Write([]byte("ok"))
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

// Handler is the app's HTTP handler with request logging.
func (a *App) Handler() http.Handler {
	return logRequests(a.Log, securityHeaders(a.Router))
}

// RunJobs runs the background jobs on a ticker until ctx ends: SLA
// escalation and reminders every minute, then the e-mail of new
// notifications when Mail is set. Each job is idempotent and takes
// a job lock, so any number of servers may run them.
func (a *App) RunJobs(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := a.Tickets.Escalate(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			a.Log.Error("job escalate", "err", err)
		} else if n > 0 {
			a.Log.Info("job escalate", "overdue", n)
		}
		if a.Mail != nil {
			a.sendEmails(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
