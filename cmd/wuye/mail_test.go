package main

import "testing"

// serve refuses, before it opens anything, an e-mail setup or a base URL
// that could only fail later, one message at a time.
func TestServeRefusesABadMailSetup(t *testing.T) {
	for _, k := range []string{"WUYE_SMTP_ADDR", "WUYE_SMTP_USER", "WUYE_SMTP_PASSWORD", "WUYE_SMTP_FROM", "WUYE_SMTP_TLS", "WUYE_BASE_URL"} {
		t.Setenv(k, "")
	}
	dsn := sqliteDSN(t)
	t.Setenv("WUYE_SMTP_ADDR", "smtp.example.com:587")
	wantErr(t, "WUYE_SMTP_FROM", "", "serve", "--db", dsn, "--addr", "127.0.0.1:0")
	t.Setenv("WUYE_SMTP_FROM", "物业客服 <noreply@example.com>")
	t.Setenv("WUYE_SMTP_TLS", "ssl")
	wantErr(t, "WUYE_SMTP_TLS", "", "serve", "--db", dsn, "--addr", "127.0.0.1:0")
	t.Setenv("WUYE_SMTP_TLS", "")
	t.Setenv("WUYE_SMTP_ADDR", "smtp.example.com")
	wantErr(t, "WUYE_SMTP_ADDR", "", "serve", "--db", dsn, "--addr", "127.0.0.1:0")
	t.Setenv("WUYE_SMTP_ADDR", "")
	wantErr(t, "--base-url", "", "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--base-url", "wuye.example.com")
	t.Setenv("WUYE_BASE_URL", "ftp://wuye.example.com")
	wantErr(t, "--base-url", "", "serve", "--db", dsn, "--addr", "127.0.0.1:0")
}
