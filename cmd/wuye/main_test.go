package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"wuye/internal/demo"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// wuye runs the command line with args and stdin, returning its output.
func wuye(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("WUYE_DB", "")
	t.Setenv("WUYE_ADDR", "")
	var out bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out)
	return out.String(), err
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := wuye(t, stdin, args...)
	if err != nil {
		t.Fatalf("wuye %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// wantErr fails unless running args fails with a one-line message
// containing want.
func wantErr(t *testing.T, want string, stdin string, args ...string) {
	t.Helper()
	_, err := wuye(t, stdin, args...)
	switch {
	case err == nil:
		t.Errorf("wuye %s succeeded, want an error", strings.Join(args, " "))
	case strings.Contains(err.Error(), "\n"):
		t.Errorf("wuye %s: error is not one line: %q", strings.Join(args, " "), err)
	case !strings.Contains(err.Error(), want):
		t.Errorf("wuye %s: error %q, want it to mention %q", strings.Join(args, " "), err, want)
	}
}

func sqliteDSN(t *testing.T) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "wuye.db")
}

func TestBadCommandLinesFailWithOneLine(t *testing.T) {
	dsn := sqliteDSN(t)
	wantErr(t, "missing command", "")
	wantErr(t, `unknown command "frobnicate"`, "", "frobnicate")
	wantErr(t, "flag provided but not defined: -nope", "", "migrate", "--nope")
	wantErr(t, `unexpected argument "extra"`, "", "migrate", "--db", dsn, "extra")
	wantErr(t, "bad DSN", "", "migrate", "--db", "mysql://x")
	wantErr(t, "bad DSN", "", "demo", "--db", "sqlite:")
	wantErr(t, "--houses must be between", "", "demo", "--db", dsn, "--houses", "3")
	wantErr(t, "invalid value", "", "demo", "--db", dsn, "--houses", "many")
	wantErr(t, "only 'wuye user add'", "", "user", "delete")
	wantErr(t, "community id must be a positive integer", "", "user", "add", "--db", dsn, "--community", "x")
}

func TestVersionAndHelpPrint(t *testing.T) {
	if out := mustRun(t, "", "version"); !strings.HasPrefix(out, "wuye ") {
		t.Errorf("version printed %q", out)
	}
	for _, args := range [][]string{{"help"}, {"migrate", "-h"}, {"user", "add", "--help"}} {
		if out := mustRun(t, "", args...); !strings.Contains(out, "wuye user add") {
			t.Errorf("wuye %s printed %q", strings.Join(args, " "), out)
		}
	}
}

func TestMigrateTwice(t *testing.T) {
	dsn := sqliteDSN(t)
	for range 2 {
		if out := mustRun(t, "", "migrate", "--db", dsn); !strings.Contains(out, "schema up to date") {
			t.Errorf("migrate printed %q", out)
		}
	}
}

func TestDemoLoadsOnce(t *testing.T) {
	dsn := sqliteDSN(t)
	out := mustRun(t, "", "demo", "--db", dsn, "--houses", "50")
	if !strings.Contains(out, "loaded demo company: 2 communities, 50 houses") {
		t.Errorf("first demo printed %q", out)
	}
	if m := regexp.MustCompile(`(\d+) bills, (\d+) payments`).FindStringSubmatch(out); m == nil || m[1] == "0" || m[2] == "0" {
		t.Errorf("first demo does not say how many bills and payments it loaded: %q", out)
	}
	for _, l := range demo.Logins {
		if !strings.Contains(out, l.Login) {
			t.Errorf("demo output does not list login %s: %q", l.Login, out)
		}
	}
	out = mustRun(t, "", "demo", "--db", dsn, "--houses", "50")
	if !strings.Contains(out, "already loaded") {
		t.Errorf("second demo printed %q", out)
	}
	// A demo login works against what the command loaded.
	login(t, dsn, "admin", demo.Password)
}

// login signs in through the auth service and returns the user.
func login(t *testing.T, dsn, name, password string) *auth.User {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, u, err := auth.NewService(d).Login(ctx, name, password, "127.0.0.1", "main_test", auth.KindWeb)
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	return u
}

func TestUserAdd(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			dsn := dbtest.DSN(t, dialect)
			mustRun(t, "", "migrate", "--db", dsn)
			out := mustRun(t, "Passw0rd-1\n", "user", "add", "--db", dsn, "--login", "zhangwei", "--name", "张伟", "--role", "admin")
			if !regexp.MustCompile(`^created user \d+ zhangwei \(系统管理员\)\n$`).MatchString(out) {
				t.Errorf("user add printed %q", out)
			}
			if u := login(t, dsn, "zhangwei", "Passw0rd-1"); u.Role != auth.RoleAdmin || u.Name != "张伟" {
				t.Errorf("logged in as %+v", u)
			}

			wantErr(t, `unknown role "boss"`, "Passw0rd-1\n", "user", "add", "--db", dsn, "--login", "li", "--name", "李", "--role", "boss")
			wantErr(t, "已被使用", "Passw0rd-1\n", "user", "add", "--db", dsn, "--login", "zhangwei", "--name", "张伟", "--role", "admin")
			wantErr(t, "密码至少 8 位", "short1\n", "user", "add", "--db", dsn, "--login", "wangfang", "--name", "王芳", "--role", "admin")
			wantErr(t, "密码至少 8 位", "", "user", "add", "--db", dsn, "--login", "wangfang", "--name", "王芳", "--role", "admin")
			// A scoped role needs communities, and they must exist.
			wantErr(t, "管辖小区", "Passw0rd-1\n", "user", "add", "--db", dsn, "--login", "wangfang", "--name", "王芳", "--role", "cs_agent")
			wantErr(t, "小区 7 不存在", "Passw0rd-1\n", "user", "add", "--db", dsn, "--login", "wangfang", "--name", "王芳",
				"--role", "cs_agent", "--community", "7")
		})
	}
}

func TestUserAddScopedToADemoCommunity(t *testing.T) {
	dsn := sqliteDSN(t)
	mustRun(t, "", "demo", "--db", dsn, "--houses", "20")
	mustRun(t, "Passw0rd-1\r\n", "user", "add", "--db", dsn, "--login", "wangfang", "--name", "王芳", "--role", "dept_staff",
		"--department", "环境部", "--community", "2")
	u := login(t, dsn, "wangfang", "Passw0rd-1")
	if u.Role != auth.RoleDeptStaff || u.Department != "环境部" || len(u.Communities) != 1 || u.Communities[0] != 2 {
		t.Errorf("created %+v", u)
	}
}

// syncBuffer lets the test read what serve prints while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `wuye serve` on a free port until ctx ends; it returns
// the printed address and the channel run's result arrives on.
func startServe(t *testing.T, ctx context.Context, dsn string) (string, chan error) {
	t.Helper()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, strings.NewReader(""), out)
	}()
	url := regexp.MustCompile(`http://\S+`)
	deadline := time.Now().Add(20 * time.Second)
	for url.FindString(out.String()) == "" {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no address: %q", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return url.FindString(out.String()), done
}

func TestServeAnswersAndStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done := startServe(t, ctx, sqliteDSN(t))
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("/healthz = %d %q", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after its context ended", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// A request being handled when SIGTERM arrives is still answered; new
// connections are refused; then serve returns.
func TestShutdownFinishesTheRequestInFlight(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done := startServe(t, ctx, sqliteDSN(t))
	addr := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Half a login: its handler is now running, waiting for the rest
	// of the body.
	body := `{"login":"nobody","password":"Wrong12345"}`
	if _, err := fmt.Fprintf(conn, "POST /api/v1/login HTTP/1.1\r\nHost: wuye\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body[:10]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	cancel() // what SIGTERM does
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break // the listener is closed
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 5 s after shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("serve returned (%v) before the request in flight was answered", err)
	default:
	}
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the request in flight: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(answer), "登录名或密码不正确") {
		t.Errorf("login in flight during shutdown = %d %s", resp.StatusCode, answer)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop after the last request")
	}
}
