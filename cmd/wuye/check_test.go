package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

// The demo company passes `wuye check` (exit 0); a bill changed by hand
// fails it with a one-line reason, the report naming the bill; a
// missing file is an error, not a new database; a file never migrated
// fails, every module named.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite:" + filepath.Join(dir, "demo.db")
	mustRun(t, "", "demo", "--db", src, "--houses", "40")
	out := mustRun(t, "", "check", "--db", src)
	for _, want := range []string{"[正常] 外键", "[正常] 账单与收款明细", "[正常] 收据编号", "全部通过"} {
		if !strings.Contains(out, want) {
			t.Errorf("healthy report lacks %q:\n%s", want, out)
		}
	}

	ctx := context.Background()
	d, err := db.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	var bill, community int64
	if err := d.QueryRow(`SELECT id, community_id FROM bills WHERE status = 'paid' ORDER BY id LIMIT 1`).Scan(&bill, &community); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`UPDATE bills SET amount_fen = amount_fen + 1 WHERE id = $1`, bill); err != nil {
		t.Fatal(err)
	}
	d.Close()
	out, err = wuye(t, "", "check", "--db", src)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "problems found") {
		t.Errorf("check of a changed bill: %v", err)
	}
	if want := fmt.Sprintf("bills #%d（小区 #%d）：金额", bill, community); !strings.Contains(out, want) {
		t.Errorf("report lacks %q:\n%s", want, out)
	}

	missing := filepath.Join(dir, "nope.db")
	wantErr(t, "does not exist", "", "check", "--db", "sqlite:"+missing)
	if _, err := os.Stat(missing); err == nil {
		t.Error("check created the missing database")
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = wuye(t, "", "check", "--db", "sqlite:"+empty)
	if err == nil || !strings.Contains(out, "goose_billing：模块 billing 的数据结构尚未建立，请先运行 wuye migrate") {
		t.Errorf("check of a database never migrated: %v\n%s", err, out)
	}
	wantErr(t, `unexpected argument "x"`, "", "check", "--db", src, "x")
}

// A PostgreSQL database fresh from `wuye migrate` passes too.
func TestCheckCommandOnPostgres(t *testing.T) {
	pg := dbtest.DSN(t, db.Postgres)
	mustRun(t, "", "migrate", "--db", pg)
	if out := mustRun(t, "", "check", "--db", pg); !strings.Contains(out, "全部通过") || !strings.Contains(out, "postgres") {
		t.Errorf("report:\n%s", out)
	}
}
