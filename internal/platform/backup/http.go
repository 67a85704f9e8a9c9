package backup

import (
	"embed"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Handlers serve the 数据备份 page, its API mirror and the downloads.
type Handlers struct {
	S *Scheduler
	t *web.Templates
}

// Routes registers the backup routes, all for admins only.
func (h *Handlers) Routes(rt *web.Router) {
	h.t = web.ParseTemplates(templateFS, nil)
	rt.Handle("GET /admin/backups", auth.PermBackupManage, h.page)
	rt.Handle("POST /admin/backups/settings", auth.PermBackupManage, h.saveSettings)
	rt.Handle("POST /admin/backups/run", auth.PermBackupManage, h.runNow)
	rt.Handle("GET /admin/backups/{file}", auth.PermBackupManage, h.download)
	rt.Handle("GET /api/v1/admin/backups", auth.PermBackupManage, h.api)
}

type pageData struct {
	Settings Settings
	NextRun  time.Time
	Runs     []*Run
	Pager    web.Pager
	Files    []File
	// FilesErr says why the folder could not be listed.
	FilesErr string
	// Result is the run 立即备份 just made, shown above the lists.
	Result  *Run
	History []audit.Entry
	Now     time.Time
}

// Due reports that the scheduled backup starts on the next tick.
func (d *pageData) Due() bool { return !d.NextRun.IsZero() && !d.NextRun.After(d.Now) }

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, nil, nil, nil)
}

// render shows the page: form nil is the stored settings, fe the form's
// errors, result the run just made.
func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, form url.Values, fe map[string]string, result *Run) error {
	ctx := r.Context()
	set, err := h.S.Settings(ctx)
	if err != nil {
		return err
	}
	pg := web.PagingOf(r)
	d := &pageData{Settings: set, Result: result, Now: h.S.now(),
		Pager: web.Pager{Page: pg.Page, PerPage: pg.PerPage, Query: r.URL.Query()}}
	if d.NextRun, err = h.S.NextRun(ctx); err != nil {
		return err
	}
	if d.Runs, d.Pager.Total, err = h.S.Runs(ctx, pg); err != nil {
		return err
	}
	if set.Dir != "" {
		if d.Files, err = Files(set.Dir); err != nil {
			d.FilesErr = err.Error()
		}
	}
	if d.History, err = audit.History(ctx, h.S.DB, EntitySettings, 1); err != nil {
		return err
	}
	if form == nil {
		form = url.Values{"hour": {strconv.Itoa(set.Hour)}, "dir": {set.Dir}, "keep": {strconv.Itoa(set.Keep)}}
		if set.Enabled {
			form.Set("enabled", "1")
		}
	}
	return h.t.Render(w, r, status, "backups", &web.Page{Title: "数据备份", Nav: "backups",
		Form: form, Errors: fe, Data: d})
}

func (h *Handlers) saveSettings(w http.ResponseWriter, r *http.Request) error {
	in := SettingsInput{Enabled: r.PostFormValue("enabled") != "", Hour: r.PostFormValue("hour"),
		Dir: r.PostFormValue("dir"), Keep: r.PostFormValue("keep")}
	set, err := h.S.SaveSettings(r.Context(), auth.UserOf(r.Context()), in)
	if errs.CodeOf(err) == errs.CodeInvalid {
		return h.render(w, r, http.StatusUnprocessableEntity, r.PostForm, errs.ByField(err), nil)
	}
	if err != nil {
		return err
	}
	msg := "已保存：定时备份未启用"
	if set.Enabled {
		msg = fmt.Sprintf("已保存：每天 %02d:00 备份到 %s，保留最新 %d 份", set.Hour, set.Dir, set.Keep)
	}
	web.Redirect(w, r, "/admin/backups", msg)
	return nil
}

// runNow is 立即备份. It answers a success with a redirect and a
// message; a failure shows the page with the error, since the admin
// has something to fix.
func (h *Handlers) runNow(w http.ResponseWriter, r *http.Request) error {
	noWriteDeadline(w)
	run, err := h.S.RunNow(r.Context(), auth.UserOf(r.Context()))
	if run == nil {
		if errs.CodeOf(err) == errs.CodeInvalid {
			return h.render(w, r, http.StatusUnprocessableEntity, nil, errs.ByField(err), nil)
		}
		return err
	}
	if run.Status != StatusOK {
		return h.render(w, r, http.StatusOK, nil, map[string]string{"": "备份失败：" + run.Error}, run)
	}
	msg := fmt.Sprintf("备份完成：%s（%s，%d 行，已校验）", run.File, run.Size(), run.Rows)
	if err != nil {
		msg += "。" + err.Error()
	}
	web.Redirect(w, r, "/admin/backups", msg)
	return nil
}

// download sends a backup file as an attachment (ranges, so a large
// file resumes), recorded in the audit log first.
func (h *Handlers) download(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	f, fi, err := h.S.Open(r.Context(), auth.UserOf(r.Context()), name)
	if err != nil {
		return err
	}
	defer f.Close()
	noWriteDeadline(w)
	hd := w.Header()
	hd.Set("Content-Type", "application/gzip")
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, fi.ModTime(), f)
	return nil
}

// noWriteDeadline lifts the server's write timeout (minutes, sized for
// pages) from a response that legitimately takes longer: a backup of a
// large database, or its download over a slow line.
func noWriteDeadline(w http.ResponseWriter) {
	http.NewResponseController(w).SetWriteDeadline(time.Time{})
}

// api is GET /api/v1/admin/backups: the settings, the runs (paged as
// every list) and the files in the folder.
func (h *Handlers) api(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	set, err := h.S.Settings(ctx)
	if err != nil {
		return err
	}
	next, err := h.S.NextRun(ctx)
	if err != nil {
		return err
	}
	runs, total, err := h.S.Runs(ctx, web.PagingOf(r))
	if err != nil {
		return err
	}
	files := []File{}
	if set.Dir != "" {
		if fs, err := Files(set.Dir); err == nil {
			files = fs
		}
	}
	out := map[string]any{"settings": set, "items": runs, "total": total, "files": files, "next_run_at": nil}
	if !next.IsZero() {
		out["next_run_at"] = next.In(web.Shanghai)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
