// Package mail sends plain-text e-mail through an SMTP server. It is
// optional: with WUYE_SMTP_ADDR unset the app sends none, and in-app
// notifications are the only ones.
//
// Configuration (environment of `wuye serve`):
//
//	WUYE_SMTP_ADDR      host:port of the SMTP server; empty = e-mail off
//	WUYE_SMTP_USER      user for AUTH PLAIN; empty = no authentication
//	WUYE_SMTP_PASSWORD  its password
//	WUYE_SMTP_FROM      sender, e.g. "物业客服 <noreply@example.com>" (required when on)
//	WUYE_SMTP_TLS       starttls (default): upgrade when the server offers it;
//	                    tls: implicit TLS from the first byte (port 465);
//	                    none: never encrypt (a relay on localhost)
//
// net/smtp sends a password only over TLS or to localhost, so with a user
// set the server must offer STARTTLS or use tls, unless it is local.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strings"
	"time"
)

// TLS modes.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// Timeouts of one message: connecting, and the whole exchange.
const (
	DialTimeout = 10 * time.Second
	SendTimeout = 30 * time.Second
)

// Config is the SMTP server to send through.
type Config struct {
	Addr     string // host:port; empty = off
	User     string
	Password string
	From     string // "Name <addr>" or "addr"
	TLS      string // TLSStartTLS, TLSImplicit or TLSNone
}

// FromEnv reads the WUYE_SMTP_* settings through getenv (os.Getenv). An
// empty WUYE_SMTP_ADDR gives a Config that is not On, and no error.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:     strings.TrimSpace(getenv("WUYE_SMTP_ADDR")),
		User:     getenv("WUYE_SMTP_USER"),
		Password: getenv("WUYE_SMTP_PASSWORD"),
		From:     strings.TrimSpace(getenv("WUYE_SMTP_FROM")),
		TLS:      strings.ToLower(strings.TrimSpace(getenv("WUYE_SMTP_TLS"))),
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if !c.On() {
		return c, nil
	}
	return c, c.Check()
}

// On reports whether e-mail is configured.
func (c Config) On() bool { return c.Addr != "" }

// Check reports what is wrong with an On config.
func (c Config) Check() error {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("WUYE_SMTP_ADDR %q: want host:port, e.g. smtp.example.com:587", c.Addr)
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("WUYE_SMTP_TLS %q: want starttls, tls or none", c.TLS)
	}
	if c.From == "" {
		return errors.New("WUYE_SMTP_FROM is required when WUYE_SMTP_ADDR is set")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("WUYE_SMTP_FROM %q: %v", c.From, err)
	}
	return nil
}

// Message is one plain-text e-mail to one recipient.
type Message struct {
	ToName  string
	To      string // the address
	Subject string
	Body    string
}

// Sender delivers messages. *SMTP is the real one.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends each message over its own connection to Config's server.
type SMTP struct {
	Config Config
	// Now dates the messages; nil means time.Now.
	Now func() time.Time
}

// New returns a sender for c, or nil (no interface value at all, so
// that "Sender == nil" means off) when c is off or invalid; FromEnv
// reports what is invalid.
func New(c Config) Sender {
	if !c.On() || c.Check() != nil {
		return nil
	}
	return &SMTP{Config: c}
}

// Send delivers m, giving up after SendTimeout or when ctx ends.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("mail to %q: %w", m.To, err)
	}
	from, err := mail.ParseAddress(s.Config.From)
	if err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg := Compose(from, &mail.Address{Name: m.ToName, Address: to.Address}, m.Subject, m.Body, now())

	ctx, cancel := context.WithTimeout(ctx, SendTimeout)
	defer cancel()
	host, _, _ := net.SplitHostPort(s.Config.Addr)
	d := &net.Dialer{Timeout: DialTimeout}
	var conn net.Conn
	if s.Config.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", s.Config.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.Config.Addr)
	}
	if err != nil {
		return fmt.Errorf("smtp dial %s: %w", s.Config.Addr, err)
	}
	defer conn.Close()
	// net/smtp takes no context: the deadline bounds every read and
	// write, and closing the connection ends a wait when ctx is cancelled.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := s.exchange(conn, host, from.Address, to.Address, msg); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("smtp %s: %w", s.Config.Addr, ctx.Err())
		}
		return fmt.Errorf("smtp %s: %w", s.Config.Addr, err)
	}
	return nil
}

func (s *SMTP) exchange(conn net.Conn, host, from, to string, msg []byte) error {
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return err
	}
	if s.Config.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		}
	}
	if s.Config.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Config.User, s.Config.Password, host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// helloName is the name given in EHLO: the machine's, when it is a
// plausible host name.
func helloName() string {
	h, err := os.Hostname()
	if err != nil || h == "" || strings.ContainsAny(h, " \r\n") {
		return "localhost"
	}
	return h
}

// Compose renders a message: UTF-8 headers encoded as RFC 2047 words
// where needed, and the text body in base64, so that Chinese text passes
// any server unchanged.
func Compose(from, to *mail.Address, subject, body string, date time.Time) []byte {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	// The encoder splits a long subject into words of at most 75
	// characters; one word a line keeps lines far below SMTP's limit.
	subj := mime.QEncoding.Encode("utf-8", oneLine(subject))
	header("Subject", strings.ReplaceAll(subj, "?= =?", "?=\r\n =?"))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	body = strings.ReplaceAll(body, "\r\n", "\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}

// oneLine keeps a header value on one line whatever the title holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func messageID(from string) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	r := make([]byte, 12)
	rand.Read(r)
	return "<" + hex.EncodeToString(r) + "@" + domain + ">"
}
