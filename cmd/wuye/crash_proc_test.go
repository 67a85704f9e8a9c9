package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"wuye/internal/demo"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// crashBinary builds wuye for the test.
func crashBinary(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = "/usr/local/go/bin/go"
	}
	bin := filepath.Join(t.TempDir(), "wuye")
	if out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashDSN is a fresh database; a PostgreSQL one carries an
// application_name, so that the server's sessions can be told apart.
func crashDSN(t *testing.T, dialect db.Dialect) string {
	if dialect == db.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "wuye.db")
	}
	u, err := url.Parse(dbtest.DSN(t, db.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	q := u.Query()
	q.Set("application_name", "wuye_crash_"+hex.EncodeToString(b))
	u.RawQuery = q.Encode()
	return u.String()
}

func crashOpen(t *testing.T, dsn string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// crashRun runs the binary to the end and fails the test unless it
// succeeds.
func crashRun(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("wuye %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// crashCheck runs `wuye check`, which must find nothing wrong.
func crashCheck(t *testing.T, bin, dsn string) {
	t.Helper()
	out, err := exec.Command(bin, "check", "--db", dsn).CombinedOutput()
	if bytes.Contains(out, []byte("not implemented")) {
		t.Log("TODO: wuye check is not implemented yet")
		return
	}
	if err != nil {
		t.Errorf("wuye check: %v\n%s", err, out)
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Logf("wuye check: %s", lines[len(lines)-1])
}

// crashServer is `wuye serve` as a child process on a fixed address, so
// that the clients find it again after a restart.
type crashServer struct {
	t               *testing.T
	bin, dsn, addr  string
	base, logPath   string
	log             *os.File
	cmd             *exec.Cmd
	exited          chan struct{}
	startedAt       time.Time
	healthy, starts int
}

func newCrashServer(t *testing.T, bin, dsn string) *crashServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logPath := filepath.Join(t.TempDir(), "serve.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	s := &crashServer{t: t, bin: bin, dsn: dsn, addr: addr, base: "http://" + addr, logPath: logPath, log: f}
	t.Cleanup(func() {
		if s.cmd != nil {
			s.kill()
		}
		f.Close()
	})
	return s
}

// start runs the server and waits until /healthz answers.
func (s *crashServer) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "serve", "--db", s.dsn, "--addr", s.addr)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.Env = append(os.Environ(), "WUYE_SMTP_ADDR=")
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited, s.starts = cmd, exited, s.starts+1
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := hc.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			s.cmd = nil
			s.t.Fatalf("wuye serve exited at start %d: %v\n%s", s.starts, cmd.ProcessState, s.logTail())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("wuye serve did not answer /healthz at start %d\n%s", s.starts, s.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill is kill -9.
func (s *crashServer) kill() {
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// stop is a clean shutdown (SIGTERM), which must succeed.
func (s *crashServer) stop() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.t.Fatalf("wuye serve did not stop on SIGTERM\n%s", s.logTail())
	}
	if !s.cmd.ProcessState.Success() {
		s.t.Errorf("wuye serve stopped with %v\n%s", s.cmd.ProcessState, s.logTail())
	}
	s.cmd = nil
}

func (s *crashServer) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// crashAPI is the JSON API over one keep-alive client.
type crashAPI struct {
	base string
	hc   *http.Client
}

func newCrashAPI(base string) *crashAPI {
	return &crashAPI{base: base, hc: &http.Client{Timeout: 30 * time.Second}}
}

// crashReply is an answer, or why there is none: refused (nothing
// listening: the request certainly did nothing) or err (cut off: it may
// have done its work).
type crashReply struct {
	status  int
	body    []byte
	err     error
	refused bool
}

// post sends in as JSON and decodes a 2xx answer into out.
func (a *crashAPI) post(path, token string, in, out any) crashReply {
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, a.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return crashReply{err: err, refused: errors.Is(err, syscall.ECONNREFUSED)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return crashReply{err: err}
	}
	rep := crashReply{status: resp.StatusCode, body: body}
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			rep.err = fmt.Errorf("%s: %w", body, err)
		}
	}
	return rep
}

// login signs a demo account in and returns its API token.
func (a *crashAPI) login(t *testing.T, name string) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	rep := a.post("/api/v1/login", "", map[string]string{"login": name, "password": demo.Password}, &out)
	if rep.err != nil || rep.status != http.StatusOK || out.Token == "" {
		t.Fatalf("login %s: %d %s %v", name, rep.status, rep.body, rep.err)
	}
	return out.Token
}
