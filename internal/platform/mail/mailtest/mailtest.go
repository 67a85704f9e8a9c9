// Package mailtest is a fake SMTP server for tests: it listens on
// 127.0.0.1, speaks enough SMTP for net/smtp without TLS (EHLO, AUTH
// PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps what it receives.
// Nothing in the binary imports it.
package mailtest

import (
	"bufio"
	"encoding/base64"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	wmail "wuye/internal/platform/mail"
)

// Mail is one received message, decoded.
type Mail struct {
	From    string   // envelope sender
	To      []string // envelope recipients
	Auth    string   // the AUTH PLAIN identity, "" without AUTH
	Header  mail.Header
	Subject string // decoded
	Body    string // decoded
	Raw     string
}

// Server is a running fake SMTP server.
type Server struct {
	Addr string
	ln   net.Listener
	mu   sync.Mutex
	got  []Mail
	fail string
	wg   sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1 until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

// Config is a mail config that sends to s, in the clear.
func (s *Server) Config() wmail.Config {
	return wmail.Config{Addr: s.Addr, From: "物业客服 <noreply@example.com>", TLS: wmail.TLSNone}
}

// Fail makes the server refuse every message with reply (e.g. "451 4.3.0
// try later") at RCPT; "" makes it accept again.
func (s *Server) Fail(reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = reply
}

// Mails returns what the server has accepted so far.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.session(c)
		}()
	}
}

func (s *Server) session(c net.Conn) {
	r := bufio.NewReader(c)
	reply := func(line string) { io.WriteString(c, line+"\r\n") }
	reply("220 mailtest ESMTP")
	var m Mail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			io.WriteString(c, "250-mailtest\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n")
		case "AUTH":
			f := strings.Fields(arg)
			if len(f) == 2 && f[0] == "PLAIN" {
				b, _ := base64.StdEncoding.DecodeString(f[1])
				if p := strings.Split(string(b), "\x00"); len(p) == 3 {
					m.Auth = p[1]
				}
			}
			reply("235 2.7.0 ok")
		case "MAIL":
			m = Mail{Auth: m.Auth, From: addr(arg)}
			reply("250 ok")
		case "RCPT":
			s.mu.Lock()
			fail := s.fail
			s.mu.Unlock()
			if fail != "" {
				reply(fail)
				continue
			}
			m.To = append(m.To, addr(arg))
			reply("250 ok")
		case "DATA":
			reply("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.Raw = b.String()
			decode(&m)
			s.mu.Lock()
			s.got = append(s.got, m)
			s.mu.Unlock()
			reply("250 queued")
		case "RSET":
			m = Mail{Auth: m.Auth}
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

// addr takes the address out of "FROM:<a@b> BODY=8BITMIME".
func addr(arg string) string {
	_, a, _ := strings.Cut(arg, "<")
	a, _, _ = strings.Cut(a, ">")
	return a
}

func decode(m *Mail) {
	msg, err := mail.ReadMessage(strings.NewReader(m.Raw))
	if err != nil {
		return
	}
	m.Header = msg.Header
	m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		m.Subject = msg.Header.Get("Subject")
	}
	body, _ := io.ReadAll(msg.Body)
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "base64") {
		if b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(body))); err == nil {
			body = b
		}
	}
	m.Body = string(body)
}
