// Command wuye is the whole property-service system in one binary.
//
//	wuye serve | migrate | demo [--houses N] | backup | restore | user add … | version
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"wuye/internal/app"
	"wuye/internal/demo"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/mail"
)

const usage = `wuye — 物业客服系统

usage:
  wuye serve   [--db DSN] [--addr ADDR] [--base-url URL]
                                            run the web server
  wuye migrate [--db DSN]                   bring the database schema up to date
  wuye demo    [--db DSN] [--houses N]      migrate and load the demo company (once)
  wuye backup  [--db DSN] --out FILE        consistent online backup (gzip JSON lines + manifest)
  wuye restore [--db DSN] --in FILE         restore a backup into an empty database (either kind)
  wuye check   [--db DSN]                   integrity check: storage, foreign keys, money sums
  wuye user add --login L --name N --role R [--community ID]... [--department D] [--db DSN]
                                            add a staff account; password read from stdin
  wuye version

DSN: sqlite:PATH or postgres://user@host:port/db  (env WUYE_DB, default sqlite:data/wuye.db)
ADDR: listen address (env WUYE_ADDR, default :8080)
URL: the address users open, for links in e-mails (env WUYE_BASE_URL,
     default http://localhost:8080)
E-mail of notifications (off unless WUYE_SMTP_ADDR is set): env
     WUYE_SMTP_ADDR host:port, WUYE_SMTP_USER, WUYE_SMTP_PASSWORD,
     WUYE_SMTP_FROM "物业客服 <noreply@example.com>", WUYE_SMTP_TLS starttls|tls|none
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wuye:", err)
		os.Exit(2)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// ids is a repeatable --community flag.
type ids []int64

func (i *ids) String() string { return fmt.Sprint(*i) }
func (i *ids) Set(s string) error {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return fmt.Errorf("community id must be a positive integer, got %q", s)
	}
	*i = append(*i, v)
	return nil
}

func newFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dsn := fs.String("db", envOr("WUYE_DB", "sqlite:data/wuye.db"), "database DSN")
	return fs, dsn
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %w (see 'wuye help')", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q (see 'wuye help')", fs.Name(), fs.Arg(0))
	}
	return nil
}

func open(ctx context.Context, dsn string) (*db.DB, error) {
	if _, _, err := db.ParseDSN(dsn); err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := app.Migrate(ctx, d); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	err := dispatch(ctx, args, stdin, stdout)
	if errors.Is(err, flag.ErrHelp) { // "wuye migrate -h" asks for help; it is not a mistake
		fmt.Fprint(stdout, usage)
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("missing command")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "wuye", app.Version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	case "migrate":
		fs, dsn := newFlags("migrate")
		if err := parse(fs, args); err != nil {
			return err
		}
		d, err := open(ctx, *dsn)
		if err != nil {
			return err
		}
		defer d.Close()
		fmt.Fprintln(stdout, "schema up to date:", *dsn)
		return nil
	case "demo":
		fs, dsn := newFlags("demo")
		houses := fs.Int("houses", 2400, "number of demo houses")
		if err := parse(fs, args); err != nil {
			return err
		}
		if *houses < 10 || *houses > 1_000_000 {
			return fmt.Errorf("demo: --houses must be between 10 and 1000000")
		}
		d, err := open(ctx, *dsn)
		if err != nil {
			return err
		}
		defer d.Close()
		res, err := demo.Seed(ctx, d, *houses)
		if err != nil {
			return err
		}
		if res.Skipped {
			fmt.Fprintln(stdout, "demo data already loaded in", *dsn)
		} else {
			fmt.Fprintf(stdout, "loaded demo company: %d communities, %d houses, %d owners, %d tickets, %d bills, %d payments\n",
				res.Communities, res.Houses, res.Owners, res.Tickets, res.Bills, res.Payments)
		}
		fmt.Fprintln(stdout, "demo logins (password "+demo.Password+"):")
		for _, l := range demo.Logins {
			fmt.Fprintf(stdout, "  %-10s %s\n", l.Login, l.Label)
		}
		return nil
	case "serve":
		fs, dsn := newFlags("serve")
		addr := fs.String("addr", envOr("WUYE_ADDR", ":8080"), "listen address")
		baseURL := fs.String("base-url", envOr("WUYE_BASE_URL", app.DefaultBaseURL), "address users open, for links in e-mails")
		if err := parse(fs, args); err != nil {
			return err
		}
		if err := checkBaseURL(*baseURL); err != nil {
			return err
		}
		mc, err := mail.FromEnv(os.Getenv)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		return serve(ctx, *dsn, *addr, stdout, mc, strings.TrimRight(*baseURL, "/"))
	case "backup", "restore":
		return backupCmd(ctx, cmd, args, stdout)
	case "check":
		return checkCmd(ctx, args, stdout)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return errors.New("user: only 'wuye user add' is supported")
		}
		return userAdd(ctx, args[1:], stdin, stdout)
	default:
		return fmt.Errorf("unknown command %q (see 'wuye help')", cmd)
	}
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs, dsn := newFlags("user add")
	login := fs.String("login", "", "login name")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "role: admin director cs_manager cs_agent cashier dept_staff auditor")
	dept := fs.String("department", "", "department for dept_staff")
	var comms ids
	fs.Var(&comms, "community", "community id (repeatable)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !auth.Role(*role).Valid() {
		return fmt.Errorf("user add: unknown role %q", *role)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("user add: read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	d, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	a := app.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	u, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Login: *login, Name: *name, Role: auth.Role(*role),
		Department: *dept, Communities: comms}, password)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(stdout, "created user %d %s (%s)\n", u.ID, u.Login, u.Role.Label())
	return nil
}

// checkBaseURL refuses a base URL that would make broken links.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("serve: --base-url %q: want http(s)://host[:port][/path], e.g. https://wuye.example.com", s)
	}
	return nil
}

func serve(ctx context.Context, dsn, addr string, stdout io.Writer, mc mail.Config, baseURL string) error {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	d, err := open(ctx, dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	a := app.New(d, log)
	a.Mail, a.BaseURL = mail.New(mc), baseURL
	if a.Mail != nil {
		log.Info("e-mail notifications on", "smtp", mc.Addr, "tls", mc.TLS, "base_url", baseURL)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	fmt.Fprintf(stdout, "wuye %s serving %s on http://%s\n", app.Version, dsn, net.JoinHostPort(host, port))
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	jobs, stopJobs := context.WithCancel(context.Background())
	jobsDone := make(chan struct{})
	go func() { defer close(jobsDone); a.RunJobs(jobs) }()
	select {
	case err := <-errc:
		stopJobs()
		<-jobsDone
		return err
	case <-ctx.Done():
	}
	// Stop taking new work: /readyz fails, the listener closes, requests
	// in flight finish (up to the timeout), the job in progress ends
	// (its transaction commits or rolls back whole), then the database
	// closes.
	log.Info("shutting down")
	a.Drain()
	stopJobs()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	select {
	case <-jobsDone:
	case <-sctx.Done():
		log.Error("background job did not stop in time")
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// shutdownTimeout bounds how long requests in flight may take to finish.
const shutdownTimeout = 20 * time.Second
