package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// The demo company backed up from SQLite restores into an empty
// PostgreSQL database (and back), where the same demo logins work; the
// commands refuse to overwrite a file, to restore into a database with
// records, or to read a damaged file, each with a one-line reason.
func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite:" + filepath.Join(dir, "src.db")
	mustRun(t, "", "demo", "--db", src, "--houses", "40")
	file := filepath.Join(dir, "demo.backup")
	out := mustRun(t, "", "backup", "--db", src, "--out", file)
	if !strings.Contains(out, "backed up") {
		t.Errorf("backup said %q", out)
	}
	if _, err := wuye(t, "", "backup", "--db", src, "--out", file); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	pg := dbtest.DSN(t, db.Postgres)
	if out := mustRun(t, "", "restore", "--db", pg, "--in", file); !strings.Contains(out, "restored") {
		t.Errorf("restore said %q", out)
	}
	out = mustRun(t, "", "demo", "--db", pg)
	if !strings.Contains(out, "already loaded") {
		t.Errorf("the restored database is not the demo company: %q", out)
	}
	if _, err := wuye(t, "", "restore", "--db", pg, "--in", file); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("restore into a database with records: %v", err)
	}
	bad := filepath.Join(dir, "bad.backup")
	b, _ := os.ReadFile(file)
	os.WriteFile(bad, b[:len(b)/2], 0o600)
	if _, err := wuye(t, "", "restore", "--db", "sqlite:"+filepath.Join(dir, "empty.db"), "--in", bad); err == nil ||
		!strings.Contains(err.Error(), "损坏") {
		t.Errorf("restore of a truncated file: %v", err)
	}
	if _, err := wuye(t, "", "backup", "--db", src); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("backup without --out: %v", err)
	}
}
