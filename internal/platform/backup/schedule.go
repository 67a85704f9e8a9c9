package backup

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the scheduled backup's migrations: its settings and the
// record of every run.
var Module = db.Module{Name: "backup", FS: migrations}

// Audit entities: the settings (one record, id 1) and a backup file,
// whose id is its run's (0 for a file no run of this database wrote).
const (
	EntitySettings = "backup_settings"
	EntityFile     = "backup"
)

// ActionDownload records who took a copy of the whole database home.
const (
	ActionBackup   = "backup"
	ActionDownload = "download"
)

func init() {
	audit.Describe(EntitySettings, "备份设置", map[string]string{"enabled": "定时备份", "hour": "每日几点",
		"dir": "备份目录", "keep": "保留份数"})
	audit.Describe(EntityFile, "数据备份", map[string]string{"file": "文件", "status": "结果", "bytes": "字节数",
		"rows": "行数", "sha256": "SHA-256", "error": "错误"})
	audit.DescribeActions(map[string]string{ActionBackup: "立即备份", ActionDownload: "下载"})
}

// Run kinds and statuses.
const (
	KindScheduled = "scheduled"
	KindManual    = "manual"

	StatusRunning = "running"
	StatusOK      = "ok"
	StatusFailed  = "failed"
)

const (
	// backupLock is the job lock of the scheduled backup.
	backupLock = 0x7775_7965_626b // "wuye" "bk"
	// staleAfter is when a run still marked running is taken for one its
	// server dropped (killed, power cut): far longer than a backup of
	// the largest installation takes.
	staleAfter = 6 * time.Hour
	// DefaultRetryAfter is how long a failed scheduled backup waits
	// before it is tried again the same day: long enough not to fill
	// the log every minute while the disk is full, short enough to
	// still back up tonight once someone has made room.
	DefaultRetryAfter = time.Hour
)

// fileName is the name of every backup the scheduler writes, and the
// only kind of name it downloads or ever deletes.
var fileName = regexp.MustCompile(`^wuye-[0-9]{8}-[0-9]{6}\.jsonl\.gz$`)

// FileName is the name of a backup started at t (Asia/Shanghai time, so
// it reads as the clock on the wall said).
func FileName(t time.Time) string {
	return "wuye-" + t.In(web.Shanghai).Format("20060102-150405") + ".jsonl.gz"
}

// Scheduler runs the daily backup and the admins' 立即备份, records each
// run, and keeps the newest backups of the folder.
type Scheduler struct {
	DB         *db.DB
	AppVersion string
	// Modules are the schema a backup records (app.Modules).
	Modules []db.Module
	// Now is the clock; tests replace it.
	Now func() time.Time
	// RetryAfter is the pause after a failed scheduled backup.
	RetryAfter time.Duration
}

// NewScheduler returns the scheduler of d's backups.
func NewScheduler(d *db.DB, appVersion string, mods []db.Module) *Scheduler {
	return &Scheduler{DB: d, AppVersion: appVersion, Modules: mods, Now: time.Now, RetryAfter: DefaultRetryAfter}
}

func (s *Scheduler) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// RunDue is the scheduled backup, called every minute: once a day, at
// the first call after the configured hour (Asia/Shanghai), one server
// claims the day and writes the backup; the others, and later calls,
// find the day taken. A failed backup is recorded, returned, and tried
// again after RetryAfter.
func (s *Scheduler) RunDue(ctx context.Context) error {
	set, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	if !set.Enabled || set.Dir == "" || now.In(web.Shanghai).Hour() < set.Hour {
		return nil
	}
	run, err := s.claimDay(ctx, now, set)
	if err != nil || run == nil {
		return err
	}
	_, err = s.execute(ctx, run, set.Keep, nil)
	return err
}

// claimDay records today's scheduled run as running, in a short
// transaction under the job lock, and returns it; nil when the day's
// backup is done, running or waiting to retry.
func (s *Scheduler) claimDay(ctx context.Context, now time.Time, set Settings) (*Run, error) {
	day := now.In(web.Shanghai).Format(time.DateOnly)
	var run *Run
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if ok, err := s.DB.TryJobLock(ctx, tx, backupLock); err != nil || !ok {
			return err // another server is claiming right now
		}
		if err := releaseStale(ctx, tx, now); err != nil {
			return err
		}
		if taken, err := dayTaken(ctx, tx, day); err != nil || taken {
			return err
		}
		var recentFails int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM backup_runs
			WHERE kind = 'scheduled' AND status = 'failed' AND started_at > $1`, now.Add(-s.RetryAfter)).Scan(&recentFails); err != nil {
			return fmt.Errorf("recent failed backups: %w", err)
		}
		if recentFails > 0 {
			return nil
		}
		r := &Run{Kind: KindScheduled, Day: day, Status: StatusRunning, StartedAt: now, Dir: set.Dir,
			File: FileName(now), UserName: "定时"}
		if err := insertRun(ctx, tx, r); err != nil {
			return err
		}
		run = r
		return nil
	})
	return run, err
}

// dayTaken reports whether day's scheduled backup is done or running.
func dayTaken(ctx context.Context, q db.Querier, day string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM backup_runs WHERE kind = 'scheduled' AND day = $1`, day).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("today's backup: %w", err)
	}
	return n > 0, nil
}

// releaseStale fails the runs a dropped server left running, and frees
// their day for another attempt.
func releaseStale(ctx context.Context, tx *sql.Tx, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE backup_runs SET status = 'failed', day = NULL, finished_at = $1,
		error = '备份未记录完成：服务器在备份过程中停止，或数据库由这份备份恢复' WHERE status = 'running' AND started_at < $2`, now, now.Add(-staleAfter))
	if err != nil {
		return fmt.Errorf("release stale backups: %w", err)
	}
	return nil
}

// RunNow is 立即备份: a backup written now, in the caller's request,
// into the configured folder, then the folder pruned to the newest
// Keep. The run is returned whether it succeeded or not; the error says
// why it failed.
func (s *Scheduler) RunNow(ctx context.Context, by *auth.User) (*Run, error) {
	if !by.Can(auth.PermBackupManage) {
		return nil, errs.Forbidden("只有系统管理员可以备份数据")
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if set.Dir == "" {
		return nil, errs.Invalid("dir", "请先填写并保存备份目录")
	}
	now := s.now()
	run := &Run{Kind: KindManual, Status: StatusRunning, StartedAt: now, Dir: set.Dir, File: FileName(now),
		UserID: by.ID, UserName: by.Name}
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error { return insertRun(ctx, tx, run) })
	if db.IsUniqueViolation(err) {
		return nil, errs.Conflict("", "同一秒内已开始了另一份备份，请稍候再试")
	}
	if err != nil {
		return nil, err
	}
	return s.execute(ctx, run, set.Keep, by)
}

// execute writes run's file, records how it ended and, when it is
// whole, prunes the folder to the newest keep backups.
func (s *Scheduler) execute(ctx context.Context, run *Run, keep int, by *auth.User) (*Run, error) {
	path := filepath.Join(run.Dir, run.File)
	m, err := WriteFile(ctx, s.DB, path, s.AppVersion, s.Modules...)
	var fi os.FileInfo
	if err == nil {
		fi, err = os.Stat(path)
	}
	finished := s.now()
	run.FinishedAt = &finished
	if err != nil {
		run.Status, run.Error = StatusFailed, err.Error()
	} else {
		run.Status, run.Bytes, run.SHA256, run.Rows = StatusOK, fi.Size(), m.SHA256, m.Rows
	}
	// Record the end even when the server is shutting down, so the run
	// does not stay "running" until it goes stale.
	if ferr := s.finish(context.WithoutCancel(ctx), run, by); ferr != nil {
		return run, errors.Join(err, ferr)
	}
	if err != nil {
		return run, fmt.Errorf("备份 %s 失败：%w", run.File, err)
	}
	if _, err := Prune(run.Dir, keep); err != nil {
		return run, fmt.Errorf("备份 %s 已完成，但清理旧备份失败：%w", run.File, err)
	}
	return run, nil
}

func (s *Scheduler) finish(ctx context.Context, run *Run, by *auth.User) error {
	return s.DB.Tx(ctx, func(tx *sql.Tx) error {
		day := sql.NullString{String: run.Day, Valid: run.Day != "" && run.Status != StatusFailed}
		if _, err := tx.ExecContext(ctx, `UPDATE backup_runs SET status = $2, day = $3, finished_at = $4, bytes = $5,
			sha256 = $6, row_total = $7, error = $8 WHERE id = $1`,
			run.ID, run.Status, day, *run.FinishedAt, run.Bytes, run.SHA256, run.Rows, run.Error); err != nil {
			return fmt.Errorf("record backup %s: %w", run.File, err)
		}
		if by == nil {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event{Actor: by.Actor(), Entity: EntityFile, EntityID: run.ID,
			Action: ActionBackup, After: map[string]any{"file": run.File, "status": run.StatusLabel(), "bytes": run.Bytes,
				"rows": run.Rows, "sha256": run.SHA256, "error": run.Error}})
	})
}

// MetricsHelp names the gauges Gauges returns, for /metrics.
var MetricsHelp = map[string]string{
	"wuye_backup_last_success_timestamp_seconds": "Unix time of the newest successful backup (0: none yet); alert when it is over a day old.",
	"wuye_backup_enabled":                        "1 when the daily backup is turned on.",
}

// Gauges tell the operator's monitoring whether backups are happening:
// the job's own success counter only says the scheduler ran.
func (s *Scheduler) Gauges(ctx context.Context) (map[string]float64, error) {
	set, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var last sql.NullTime
	err = s.DB.QueryRowContext(ctx, `SELECT started_at FROM backup_runs WHERE status = 'ok'
		ORDER BY started_at DESC LIMIT 1`).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	out := map[string]float64{"wuye_backup_last_success_timestamp_seconds": 0, "wuye_backup_enabled": 0}
	if last.Valid {
		out["wuye_backup_last_success_timestamp_seconds"] = float64(last.Time.Unix())
	}
	if set.Enabled {
		out["wuye_backup_enabled"] = 1
	}
	return out, nil
}

// WriteFile writes a backup of d to path without ever leaving a partial
// file under that name: it writes path.partial, syncs it to disk,
// verifies it, renames it into place and syncs the folder. An existing
// file is never overwritten.
func WriteFile(ctx context.Context, d *db.DB, path, appVersion string, mods ...db.Module) (*Manifest, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%s already exists; name a new file", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	m, err := Write(ctx, d, f, appVersion, mods...)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		_, err = Verify(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	// The rename is durable only once the folder's entry is on disk.
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return m, nil
}

// File is a backup file in the folder.
type File struct {
	Name    string    `json:"name"`
	Bytes   int64     `json:"bytes"`
	ModTime time.Time `json:"modified_at"`
}

// Size is the file's size for people.
func (f File) Size() string { return humanBytes(f.Bytes) }

// Files lists the backups in dir, newest first: only the files named as
// the scheduler names them.
func Files(dir string) ([]File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []File
	for _, e := range entries {
		if !e.Type().IsRegular() || !fileName.MatchString(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, File{Name: e.Name(), Bytes: fi.Size(), ModTime: fi.ModTime().UTC()})
	}
	// The name holds the time it was taken, so it sorts by age.
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(b.Name, a.Name) })
	return out, nil
}

// Prune deletes all but the newest keep backups of dir and the partial
// files of backups dropped long ago (by the file system's clock), and
// returns the names it deleted. Files named otherwise are never touched.
func Prune(dir string, keep int) ([]string, error) {
	files, err := Files(dir)
	if err != nil {
		return nil, err
	}
	var gone []string
	var errList []error
	remove := func(name string) {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errList = append(errList, err)
			return
		}
		gone = append(gone, name)
	}
	for i, f := range files {
		if i >= max(keep, 1) {
			remove(f.Name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return gone, err
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".partial")
		if !ok || !fileName.MatchString(name) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleAfter {
			remove(e.Name())
		}
	}
	return gone, errors.Join(errList...)
}

// humanBytes is a size as people read it: 512 B, 3.4 KB, 12.0 MB.
func humanBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KB", "MB", "GB", "TB"} {
		v /= 1024
		if v < 1024 || unit == "TB" {
			return fmt.Sprintf("%.1f %s", v, unit)
		}
	}
	return ""
}
