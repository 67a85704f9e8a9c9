package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Settings are the scheduled backup's settings.
type Settings struct {
	Enabled bool   `json:"enabled"`
	Hour    int    `json:"hour"` // Asia/Shanghai, 0–23
	Dir     string `json:"dir"`  // absolute path on the server
	Keep    int    `json:"keep"` // newest backups kept in Dir
}

// DefaultSettings hold until an admin first saves the form: off, at
// 02:00 when turned on, a week of backups.
var DefaultSettings = Settings{Hour: 2, Keep: 7}

// MaxKeep bounds Keep: a year of daily backups.
const MaxKeep = 365

// Settings returns the current settings.
func (s *Scheduler) Settings(ctx context.Context) (Settings, error) {
	set := DefaultSettings
	err := s.DB.QueryRowContext(ctx, `SELECT enabled, hour, dir, keep FROM backup_settings WHERE id = 1`).
		Scan(&set.Enabled, &set.Hour, &set.Dir, &set.Keep)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings, nil
	}
	if err != nil {
		return set, fmt.Errorf("backup settings: %w", err)
	}
	return set, nil
}

// SettingsInput is the settings form as typed.
type SettingsInput struct {
	Enabled bool
	Hour    string
	Dir     string
	Keep    string
}

// parse checks in and returns the settings it describes. The folder
// must exist and take a file now, so that a typo shows in the form, not
// in tonight's failed backup.
func (in SettingsInput) parse() (Settings, error) {
	var fe errs.Fields
	set := Settings{Enabled: in.Enabled}
	var err error
	if set.Hour, err = strconv.Atoi(strings.TrimSpace(in.Hour)); err != nil || set.Hour < 0 || set.Hour > 23 {
		fe.Add("hour", "每日几点须为 0 至 23 之间的整数（北京时间）")
	}
	if set.Keep, err = strconv.Atoi(strings.TrimSpace(in.Keep)); err != nil || set.Keep < 1 || set.Keep > MaxKeep {
		fe.Add("keep", "保留份数须为 1 至 %d 之间的整数", MaxKeep)
	}
	set.Dir = strings.TrimSpace(in.Dir)
	switch {
	case set.Dir == "" && set.Enabled:
		fe.Add("dir", "启用定时备份前请填写备份目录")
	case set.Dir != "":
		if set.Dir, err = filepath.Abs(set.Dir); err != nil {
			fe.Add("dir", "无法识别的目录：%v", err)
		} else if msg := checkDir(set.Dir); msg != "" {
			fe.Add("dir", "%s", msg)
		}
	}
	return set, fe.Err()
}

// checkDir says what is wrong with dir as a backup folder, or "".
func checkDir(dir string) string {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "目录不存在：" + dir + "（请先在服务器上创建）"
	case err != nil:
		return "无法访问该目录：" + err.Error()
	case !fi.IsDir():
		return dir + " 不是目录"
	}
	f, err := os.CreateTemp(dir, ".wuye-check-*")
	if err != nil {
		return "该目录不可写（服务进程没有写入权限）：" + err.Error()
	}
	f.Close()
	os.Remove(f.Name())
	return ""
}

// SaveSettings validates and stores the settings, audited.
func (s *Scheduler) SaveSettings(ctx context.Context, by *auth.User, in SettingsInput) (Settings, error) {
	if !by.Can(auth.PermBackupManage) {
		return Settings{}, errs.Forbidden("只有系统管理员可以设置备份")
	}
	set, err := in.parse()
	if err != nil {
		return Settings{}, err
	}
	now := s.now()
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO backup_settings (id, enabled, hour, dir, keep, updated_by, updated_at)
			VALUES (1, $1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`, set.Enabled, set.Hour, set.Dir, set.Keep, by.ID, now)
		if err != nil {
			return fmt.Errorf("insert backup settings: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), Entity: EntitySettings, EntityID: 1,
				Action: audit.ActionCreate, After: set})
		}
		// The no-op UPDATE takes the row lock on PostgreSQL (SQLite's
		// transaction holds the write lock already), so "before" is the
		// row this save replaces.
		if _, err := tx.ExecContext(ctx, `UPDATE backup_settings SET updated_at = updated_at WHERE id = 1`); err != nil {
			return fmt.Errorf("lock backup settings: %w", err)
		}
		var before Settings
		if err := tx.QueryRowContext(ctx, `SELECT enabled, hour, dir, keep FROM backup_settings WHERE id = 1`).
			Scan(&before.Enabled, &before.Hour, &before.Dir, &before.Keep); err != nil {
			return fmt.Errorf("read backup settings: %w", err)
		}
		if before == set {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE backup_settings SET enabled = $1, hour = $2, dir = $3, keep = $4,
			updated_by = $5, updated_at = $6 WHERE id = 1`, set.Enabled, set.Hour, set.Dir, set.Keep, by.ID, now); err != nil {
			return fmt.Errorf("update backup settings: %w", err)
		}
		return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), Entity: EntitySettings, EntityID: 1,
			Action: audit.ActionUpdate, Before: before, After: set})
	})
	if err != nil {
		return Settings{}, err
	}
	return set, nil
}

// NextRun is the time of the next scheduled backup (Asia/Shanghai
// hour, in UTC), or zero when it is off: today's while today's is not
// done — already past when it starts on the next tick of the job loop —
// else tomorrow's.
func (s *Scheduler) NextRun(ctx context.Context) (time.Time, error) {
	set, err := s.Settings(ctx)
	if err != nil || !set.Enabled || set.Dir == "" {
		return time.Time{}, err
	}
	now := s.now().In(web.Shanghai)
	at := time.Date(now.Year(), now.Month(), now.Day(), set.Hour, 0, 0, 0, web.Shanghai)
	taken, err := dayTaken(ctx, s.DB, now.Format(time.DateOnly))
	if err != nil {
		return time.Time{}, err
	}
	if taken {
		at = at.AddDate(0, 0, 1)
	}
	return at.UTC(), nil
}

// Run is one backup, scheduled or started by an admin.
type Run struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	Day        string     `json:"-"`
	Status     string     `json:"status"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Dir        string     `json:"dir"`
	File       string     `json:"file"`
	Bytes      int64      `json:"bytes"`
	SHA256     string     `json:"sha256"`
	Rows       int64      `json:"rows"`
	Error      string     `json:"error"`
	UserID     int64      `json:"user_id"`
	UserName   string     `json:"user_name"`
	// Exists: the file is still in its folder (not pruned or moved).
	Exists bool `json:"exists"`
}

// Stale reports a run still marked running long after any backup ends:
// its server stopped half-way.
func (r *Run) Stale(now time.Time) bool {
	return r.Status == StatusRunning && r.StartedAt.Before(now.Add(-staleAfter))
}

// StatusLabel is the run's status in Chinese.
func (r *Run) StatusLabel() string {
	return map[string]string{StatusRunning: "进行中", StatusOK: "成功", StatusFailed: "失败"}[r.Status]
}

// Size is the file's size for people.
func (r *Run) Size() string {
	if r.Status != StatusOK {
		return ""
	}
	return humanBytes(r.Bytes)
}

// ShortSHA is the start of the checksum, enough to compare by eye.
func (r *Run) ShortSHA() string { return r.SHA256[:min(len(r.SHA256), 12)] }

func insertRun(ctx context.Context, tx *sql.Tx, r *Run) error {
	day := sql.NullString{String: r.Day, Valid: r.Day != ""}
	err := tx.QueryRowContext(ctx, `INSERT INTO backup_runs (kind, day, status, started_at, dir, file, user_id, user_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		r.Kind, day, r.Status, r.StartedAt, r.Dir, r.File, r.UserID, r.UserName).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("record backup run: %w", err)
	}
	return nil
}

// Runs lists the runs newest first, a page at a time, and their total;
// each says whether its file is still there.
func (s *Scheduler) Runs(ctx context.Context, p web.Paging) ([]*Run, int, error) {
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM backup_runs`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count backups: %w", err)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, kind, coalesce(day, ''), status, started_at, finished_at, dir, file,
		bytes, sha256, row_total, error, user_id, user_name FROM backup_runs ORDER BY id DESC LIMIT $1 OFFSET $2`,
		p.PerPage, p.Offset())
	if err != nil {
		return nil, 0, fmt.Errorf("list backups: %w", err)
	}
	defer rows.Close()
	out := []*Run{}
	for rows.Next() {
		var r Run
		var finished sql.NullTime
		if err := rows.Scan(&r.ID, &r.Kind, &r.Day, &r.Status, &r.StartedAt, &finished, &r.Dir, &r.File,
			&r.Bytes, &r.SHA256, &r.Rows, &r.Error, &r.UserID, &r.UserName); err != nil {
			return nil, 0, err
		}
		r.StartedAt = r.StartedAt.UTC()
		if finished.Valid {
			t := finished.Time.UTC()
			r.FinishedAt = &t
		}
		if r.Status == StatusOK {
			fi, err := os.Stat(filepath.Join(r.Dir, r.File))
			r.Exists = err == nil && fi.Mode().IsRegular()
		}
		out = append(out, &r)
	}
	return out, total, rows.Err()
}

// Open opens the backup file name of the configured folder for by to
// download, and records that by took it. name must be a backup's name
// as the scheduler writes them: anything else, a path among it, is not
// found.
func (s *Scheduler) Open(ctx context.Context, by *auth.User, name string) (*os.File, os.FileInfo, error) {
	if !by.Can(auth.PermBackupManage) {
		return nil, nil, errs.Forbidden("只有系统管理员可以下载备份")
	}
	notFound := errs.NotFound("备份文件不存在：%s", name)
	if !fileName.MatchString(name) {
		return nil, nil, notFound
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return nil, nil, err
	}
	if set.Dir == "" {
		return nil, nil, notFound
	}
	path := filepath.Join(set.Dir, name)
	// Lstat: a link named like a backup could lead anywhere.
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return nil, nil, notFound
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, notFound
	}
	fi, err := f.Stat()
	if err == nil {
		err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
			var runID int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM backup_runs WHERE file = $1`, name).Scan(&runID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), Entity: EntityFile, EntityID: runID,
				Action: ActionDownload, After: map[string]any{"file": name, "bytes": fi.Size()}})
		})
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}
