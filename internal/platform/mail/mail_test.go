package mail_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"wuye/internal/platform/mail"
	"wuye/internal/platform/mail/mailtest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnv(t *testing.T) {
	off, err := mail.FromEnv(env(nil))
	if err != nil || off.On() || mail.New(off) != nil {
		t.Errorf("no WUYE_SMTP_ADDR: %+v %v, want off", off, err)
	}
	on, err := mail.FromEnv(env(map[string]string{"WUYE_SMTP_ADDR": "smtp.example.com:587", "WUYE_SMTP_USER": "u",
		"WUYE_SMTP_PASSWORD": "p", "WUYE_SMTP_FROM": "物业客服 <noreply@example.com>"}))
	if err != nil || !on.On() || on.TLS != mail.TLSStartTLS || on.User != "u" || on.Password != "p" || mail.New(on) == nil {
		t.Errorf("full config: %+v %v", on, err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no port", map[string]string{"WUYE_SMTP_ADDR": "smtp.example.com", "WUYE_SMTP_FROM": "a@b.cn"}, "WUYE_SMTP_ADDR"},
		{"no from", map[string]string{"WUYE_SMTP_ADDR": "smtp.example.com:25"}, "WUYE_SMTP_FROM"},
		{"bad from", map[string]string{"WUYE_SMTP_ADDR": "smtp.example.com:25", "WUYE_SMTP_FROM": "物业客服"}, "WUYE_SMTP_FROM"},
		{"bad tls", map[string]string{"WUYE_SMTP_ADDR": "smtp.example.com:25", "WUYE_SMTP_FROM": "a@b.cn", "WUYE_SMTP_TLS": "ssl"}, "WUYE_SMTP_TLS"},
	} {
		if _, err := mail.FromEnv(env(tc.env)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
	if c, err := mail.FromEnv(env(map[string]string{"WUYE_SMTP_ADDR": "127.0.0.1:25", "WUYE_SMTP_FROM": "a@b.cn", "WUYE_SMTP_TLS": "TLS"})); err != nil || c.TLS != mail.TLSImplicit {
		t.Errorf("tls mode: %+v %v", c, err)
	}
}

// TestSendDeliversUTF8 sends a Chinese subject and body through the fake
// server, with AUTH PLAIN, and reads them back decoded.
func TestSendDeliversUTF8(t *testing.T) {
	srv := mailtest.Start(t)
	cfg := srv.Config()
	cfg.User, cfg.Password = "kefu", "pw"
	s := mail.New(cfg)
	subject := "工单派发：TS2026-000123 " + strings.Repeat("厨房水龙头漏水", 14)
	body := "您有新的工单。\nhttp://localhost:8080/tickets/7\n.\n..以点开头的行"
	if err := s.Send(context.Background(), mail.Message{ToName: "张师傅", To: "zhang@example.com", Subject: subject, Body: body}); err != nil {
		t.Fatal(err)
	}
	got := srv.Mails()
	if len(got) != 1 {
		t.Fatalf("got %d mails", len(got))
	}
	m := got[0]
	if m.From != "noreply@example.com" || len(m.To) != 1 || m.To[0] != "zhang@example.com" || m.Auth != "kefu" {
		t.Errorf("envelope: from %q to %v auth %q", m.From, m.To, m.Auth)
	}
	if m.Subject != subject {
		t.Errorf("subject %q, want %q", m.Subject, subject)
	}
	if m.Body != strings.ReplaceAll(body, "\n", "\r\n") {
		t.Errorf("body %q", m.Body)
	}
	if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	if from, _ := m.Header.AddressList("From"); len(from) != 1 || from[0].Name != "物业客服" {
		t.Errorf("From header %q", m.Header.Get("From"))
	}
	if to, _ := m.Header.AddressList("To"); len(to) != 1 || to[0].Name != "张师傅" || to[0].Address != "zhang@example.com" {
		t.Errorf("To header %q", m.Header.Get("To"))
	}
	// Unfolded, the subject would be one line of some 1,000 characters.
	for _, l := range strings.Split(m.Raw, "\r\n") {
		if len(l) > 90 {
			t.Errorf("line of %d characters: %q", len(l), l)
		}
	}
}

// A header cannot be injected through a subject.
func TestSubjectStaysOneHeader(t *testing.T) {
	srv := mailtest.Start(t)
	s := mail.New(srv.Config())
	if err := s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "hi\r\nBcc: evil@example.com", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	m := srv.Mails()[0]
	if m.Header.Get("Bcc") != "" || m.Subject != "hi Bcc: evil@example.com" {
		t.Errorf("subject %q, Bcc %q", m.Subject, m.Header.Get("Bcc"))
	}
}

func TestSendFailures(t *testing.T) {
	srv := mailtest.Start(t)
	s := mail.New(srv.Config())
	srv.Fail("451 4.3.0 try later")
	err := s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "x", Body: "x"})
	if err == nil || !strings.Contains(err.Error(), "451") {
		t.Errorf("refused RCPT: %v", err)
	}
	if err := s.Send(context.Background(), mail.Message{To: "not an address", Subject: "x", Body: "x"}); err == nil {
		t.Error("bad recipient sent")
	}
	if len(srv.Mails()) != 0 {
		t.Errorf("mails: %v", srv.Mails())
	}

	// A server that accepts and then says nothing: the context ends the
	// wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cfg := srv.Config()
	cfg.Addr = ln.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := mail.New(cfg).Send(ctx, mail.Message{To: "a@example.com", Subject: "x", Body: "x"}); err == nil {
		t.Error("silent server: no error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("silent server held the sender %s", d)
	}
}
