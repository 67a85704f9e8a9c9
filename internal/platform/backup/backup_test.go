package backup_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wuye/internal/app"
	"wuye/internal/app/apptest"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/backup"
	"wuye/internal/platform/db"
	"wuye/internal/platform/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var dialects = []db.Dialect{db.SQLite, db.Postgres}

// A backup of a working database restores, into an empty database of
// either kind, to the same records: the same row in every table, the
// same ticket through the API (with its photo, byte for byte), and the
// same logins (sessions are records too).
func TestBackupRestoresEveryRecordOnEitherDatabase(t *testing.T) {
	ctx := context.Background()
	for _, from := range dialects {
		t.Run("from "+string(from), func(t *testing.T) {
			src := apptest.FreshDB(t, from)
			f := apptest.New(t, src)
			f.SeedExtra()
			admin := f.API(auth.RoleAdmin)
			tk := admin.Post("/api/v1/tickets", map[string]any{"community_id": f.A.Community.ID, "house_id": f.A.House.ID,
				"kind": "repair", "title": "备份测试：阳台漏水", "description": "带照片"})
			var created struct{ ID int64 }
			tk.JSON(t, &created)
			photo := pngBytes()
			if _, err := f.App.Tickets.Attach(ctx, f.Users[auth.RoleAdmin], created.ID, "漏水.png", photo); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "wuye.backup")
			m := write(t, src, path)
			if m.Tables["tickets"] < 1 || m.Tables["houses"] < 2 || m.Tables["audit_log"] < 10 || m.Schema["ticket"] < 1 {
				t.Fatalf("manifest %+v", m)
			}
			want := admin.Get(fmt.Sprintf("/api/v1/tickets/%d", created.ID)).String()
			for _, to := range dialects {
				t.Run("to "+string(to), func(t *testing.T) {
					dst := openEmpty(t, to)
					got, err := backup.Restore(ctx, dst, path, app.Modules...)
					if err != nil {
						t.Fatal(err)
					}
					if got.SHA256 != m.SHA256 {
						t.Errorf("restore reports %s, backup wrote %s", got.SHA256, m.SHA256)
					}
					for table, n := range m.Tables {
						if strings.HasPrefix(table, "goose_") {
							continue
						}
						var c int64
						if err := dst.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&c); err != nil || c != n {
							t.Errorf("%s: %d rows restored (%v), %d backed up", table, c, err, n)
						}
					}
					g := *f
					a2 := apptest.NewApp(t, dst)
					g.App, g.Handler, g.DB = a2, a2.Handler(), dst
					if r := g.API(auth.RoleAdmin).Get(fmt.Sprintf("/api/v1/tickets/%d", created.ID)).String(); r != want {
						t.Errorf("ticket after restore:\n%s\nbefore:\n%s", r, want)
					}
					_, data, err := a2.Tickets.AttachmentData(ctx, f.Users[auth.RoleAdmin], created.ID, attachmentID(t, dst))
					if err != nil || !bytes.Equal(data, photo) {
						t.Errorf("photo after restore: %d bytes (%v), want %d", len(data), err, len(photo))
					}
					// New records continue after the restored ones.
					r := g.API(auth.RoleAdmin).Post("/api/v1/tickets", map[string]any{"community_id": f.A.Community.ID,
						"location": "大门", "kind": "repair", "title": "恢复后登记"})
					if r.Code != 201 {
						t.Errorf("create after restore: %s", r)
					}
					// A second restore into the same, now full, database is refused.
					if _, err := backup.Restore(ctx, dst, path, app.Modules...); err == nil || !strings.Contains(err.Error(), "空") {
						t.Errorf("restore into a database with records: %v", err)
					}
				})
			}
		})
	}
}

// A damaged, truncated or foreign file is refused before anything is
// written, and so is a backup of a newer schema than this binary's.
func TestRestoreRefusesDamagedAndNewerBackups(t *testing.T) {
	ctx := context.Background()
	src := apptest.FreshDB(t, db.SQLite)
	apptest.New(t, src)
	dir := t.TempDir()
	path := filepath.Join(dir, "ok.backup")
	write(t, src, path)
	raw := unzip(t, path)

	cases := map[string][]byte{
		"truncated":     raw[:len(raw)*2/3],
		"altered":       bytes.Replace(raw, []byte(`"甲苑`), []byte(`"丙苑`), 1),
		"not a backup":  []byte("{\"hello\":1}\n"),
		"newer schema":  newerSchema(t, raw),
		"unknown table": withTable(t, raw),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
			zip(t, p, content)
			for _, to := range dialects {
				dst := openEmpty(t, to)
				_, err := backup.Restore(ctx, dst, p, app.Modules...)
				if err == nil {
					t.Fatalf("%s: restored", to)
				}
				if name != "newer schema" && name != "unknown table" && !errors.Is(err, backup.ErrDamaged) {
					t.Errorf("%s: %v, want ErrDamaged", to, err)
				}
				if name == "newer schema" && !strings.Contains(err.Error(), "新") {
					t.Errorf("%s: %v", to, err)
				}
				var n int
				if err := dst.QueryRow(`SELECT count(*) FROM communities`).Scan(&n); err == nil && n > 0 {
					t.Errorf("%s: %d communities written by a refused restore", to, n)
				}
			}
		})
	}
	if err := os.WriteFile(filepath.Join(dir, "plain"), []byte("not gzip"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Verify(filepath.Join(dir, "plain")); !errors.Is(err, backup.ErrDamaged) {
		t.Errorf("plain file: %v", err)
	}
}

func write(t *testing.T, d *db.DB, path string) *backup.Manifest {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.Write(context.Background(), d, out, "test", app.Modules...)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Verify(path); err != nil {
		t.Fatalf("verify a fresh backup: %v", err)
	}
	return m
}

func openEmpty(t *testing.T, dialect db.Dialect) *db.DB {
	d, err := db.Open(context.Background(), dbtest.DSN(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func attachmentID(t *testing.T, d *db.DB) int64 {
	var id int64
	if err := d.QueryRow(`SELECT max(id) FROM ticket_attachments`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func unzip(t *testing.T, path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func zip(t *testing.T, path string, content []byte) {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	gz.Write(content)
	gz.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// reseal rewrites a backup's lines (trailer dropped) with a correct
// checksum and counts, as a valid file from elsewhere would be.
func reseal(t *testing.T, lines [][]byte) []byte {
	var body bytes.Buffer
	tables := map[string]int64{}
	var table string
	for _, l := range lines {
		body.Write(l)
		body.WriteByte('\n')
		if bytes.HasPrefix(l, []byte(`{"table":`)) {
			var x struct{ Table string }
			json.Unmarshal(l, &x)
			table = x.Table
			tables[table] += 0
		} else if bytes.HasPrefix(l, []byte("[")) {
			tables[table]++
		}
	}
	var h backup.Header
	if err := json.Unmarshal(lines[0], &h); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body.Bytes())
	tr, _ := json.Marshal(map[string]any{"manifest": backup.Manifest{Header: h, Tables: tables, SHA256: hex.EncodeToString(sum[:])}})
	return append(body.Bytes(), append(tr, '\n')...)
}

func splitLines(raw []byte) [][]byte {
	ls := bytes.Split(bytes.TrimRight(raw, "\n"), []byte("\n"))
	return ls[:len(ls)-1] // the trailer
}

func newerSchema(t *testing.T, raw []byte) []byte {
	ls := splitLines(raw)
	var h map[string]any
	json.Unmarshal(ls[0], &h)
	h["schema"].(map[string]any)["ticket"] = 999
	ls[0], _ = json.Marshal(h)
	return reseal(t, ls)
}

func withTable(t *testing.T, raw []byte) []byte {
	ls := splitLines(raw)
	ls = append(ls, []byte(`{"table":"no_such_table","columns":["id"]}`), []byte(`[1]`))
	return reseal(t, ls)
}
