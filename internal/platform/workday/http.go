package workday

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Handlers serve the calendar's API and its admin page.
type Handlers struct {
	C *Calendar
	t *web.Templates
}

// Routes registers the calendar's routes.
func (h *Handlers) Routes(rt *web.Router) {
	h.t = web.ParseTemplates(templateFS, nil)
	rt.Handle("GET /api/v1/workdays/add", auth.PermSignedIn, h.apiAdd)
	rt.Handle("GET /api/v1/workdays", auth.PermSignedIn, h.apiYear)
	rt.Handle("GET /api/v1/workdays/{day}", auth.PermSignedIn, h.apiDay)
	rt.Handle("PUT /api/v1/workdays/{day}", auth.PermCalendarAdmin, h.apiPut)
	rt.Handle("DELETE /api/v1/workdays/{day}", auth.PermCalendarAdmin, h.apiDelete)
	rt.Handle("GET /admin/calendar", auth.PermCalendarAdmin, h.page)
	rt.Handle("POST /admin/calendar/{day}", auth.PermCalendarAdmin, h.pageSet)
	rt.Handle("POST /admin/calendar/{day}/delete", auth.PermCalendarAdmin, h.pageDelete)
}

// maxDays bounds the days of /add: more than four years of working days
// is a typo, not a deadline.
const maxDays = 1000

// apiAdd is GET /api/v1/workdays/add?from=RFC3339&days=N → {"at": RFC3339}.
func (h *Handlers) apiAdd(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	// An unescaped "+08:00" in a query string arrives as " 08:00"; RFC 3339
	// has no spaces, so putting the plus back is safe.
	s := strings.ReplaceAll(strings.TrimSpace(q.Get("from")), " ", "+")
	if s == "" {
		return errs.Invalid("from", "请提供起算时间 from，如 2026-09-30T10:00:00+08:00")
	}
	from, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errs.Invalid("from", "起算时间应为 RFC 3339 格式，如 2026-09-30T10:00:00+08:00")
	}
	if y := DateOf(from).Year; y < MinYear || y > MaxYear {
		return errs.Invalid("from", "起算时间须在 %d 年至 %d 年之间", MinYear, MaxYear)
	}
	ds := strings.TrimSpace(q.Get("days"))
	if ds == "" {
		return errs.Invalid("days", "请提供工作日数 days")
	}
	n, err := strconv.Atoi(ds)
	if err != nil {
		return errs.Invalid("days", "工作日数 days 必须是整数")
	}
	if n < -maxDays || n > maxDays {
		return errs.Invalid("days", "工作日数 days 须在 -%d 至 %d 之间", maxDays, maxDays)
	}
	at, err := h.C.AddWorkdays(r.Context(), from, n)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]string{"at": at.In(web.Shanghai).Format(time.RFC3339Nano)})
}

// yearOf reads ?year=, defaulting to the current year in Asia/Shanghai.
func yearOf(r *http.Request) (int, error) {
	s := strings.TrimSpace(r.URL.Query().Get("year"))
	if s == "" {
		return time.Now().In(web.Shanghai).Year(), nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < MinYear || y > MaxYear {
		return 0, errs.Invalid("year", "年份须为 %d 至 %d 之间的整数", MinYear, MaxYear)
	}
	return y, nil
}

func (h *Handlers) apiYear(w http.ResponseWriter, r *http.Request) error {
	y, err := yearOf(r)
	if err != nil {
		return err
	}
	days, err := h.C.Year(r.Context(), y)
	if err != nil {
		return err
	}
	if days == nil {
		days = []Day{}
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": days, "total": len(days),
		"year": y, "statutory_covered": StatutoryCovered(y)})
}

func (h *Handlers) apiDay(w http.ResponseWriter, r *http.Request) error {
	d, err := ParseDate("day", r.PathValue("day"))
	if err != nil {
		return err
	}
	day, err := h.C.Day(r.Context(), d)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, day)
}

func (h *Handlers) apiPut(w http.ResponseWriter, r *http.Request) error {
	d, err := ParseDate("day", r.PathValue("day"))
	if err != nil {
		return err
	}
	var in struct {
		Working *bool  `json:"working"`
		Note    string `json:"note"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.Working == nil {
		return errs.Invalid("working", "请指定 working：true 为上班，false 为休息")
	}
	day, err := h.C.SetOverride(r.Context(), auth.UserOf(r.Context()), d, *in.Working, in.Note)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, day)
}

func (h *Handlers) apiDelete(w http.ResponseWriter, r *http.Request) error {
	d, err := ParseDate("day", r.PathValue("day"))
	if err != nil {
		return err
	}
	day, err := h.C.DeleteOverride(r.Context(), auth.UserOf(r.Context()), d)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, day)
}

// page is GET /admin/calendar?year=2026[&day=2026-10-08]: the year's
// twelve months and, for the chosen day, the override form.
func (h *Handlers) page(w http.ResponseWriter, r *http.Request) error {
	status := http.StatusOK
	fe := map[string]string{}
	y, err := yearOf(r)
	if err != nil {
		fe = errs.ByField(err)
		y, status = time.Now().In(web.Shanghai).Year(), http.StatusUnprocessableEntity
	}
	var sel Date
	if s := r.URL.Query().Get("day"); s != "" {
		if sel, err = ParseDate("day", s); err != nil {
			return err
		}
		y, status, fe = sel.Year, http.StatusOK, map[string]string{}
	}
	return h.render(w, r, status, y, sel, nil, fe)
}

// pageSet is POST /admin/calendar/{day}: working (1 上班, 0 休息), note.
func (h *Handlers) pageSet(w http.ResponseWriter, r *http.Request) error {
	d, err := ParseDate("day", r.PathValue("day"))
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Invalid("", "表单无法解析")
	}
	var working bool
	switch r.PostFormValue("working") {
	case "1", "true":
		working = true
	case "0", "false":
	default:
		return h.render(w, r, http.StatusUnprocessableEntity, d.Year, d, r.PostForm,
			map[string]string{"working": "请选择上班或休息"})
	}
	if _, err := h.C.SetOverride(r.Context(), auth.UserOf(r.Context()), d, working, r.PostFormValue("note")); err != nil {
		if errs.CodeOf(err) == errs.CodeInvalid {
			return h.render(w, r, http.StatusUnprocessableEntity, d.Year, d, r.PostForm, errs.ByField(err))
		}
		return err
	}
	label := "休息日"
	if working {
		label = "工作日"
	}
	return redirect(w, r, d, "已将 "+d.String()+" 调整为"+label)
}

func (h *Handlers) pageDelete(w http.ResponseWriter, r *http.Request) error {
	d, err := ParseDate("day", r.PathValue("day"))
	if err != nil {
		return err
	}
	if _, err := h.C.DeleteOverride(r.Context(), auth.UserOf(r.Context()), d); err != nil {
		return err
	}
	return redirect(w, r, d, "已恢复 "+d.String()+" 的法定安排")
}

func redirect(w http.ResponseWriter, r *http.Request, d Date, flash string) error {
	q := url.Values{"year": {strconv.Itoa(d.Year)}, "day": {d.String()}}
	web.Redirect(w, r, "/admin/calendar?"+q.Encode()+"#day", flash)
	return nil
}

// cell is one square of a month grid; a blank pads the first and last week.
type cell struct {
	Day   Day
	Blank bool
	Class string
	Mark  string // 休, 班 or 调
	Title string
}

type month struct {
	Name  string
	Weeks [][]cell
}

type pageData struct {
	Year, Prev, Next int
	Covered          bool
	Months           []month
	Special          []Day
	Sel              *Day
	History          []audit.Entry
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status, y int, sel Date, form url.Values, fe map[string]string) error {
	ctx := r.Context()
	special, err := h.C.Year(ctx, y)
	if err != nil {
		return err
	}
	byDate := make(map[Date]Day, len(special))
	for _, d := range special {
		byDate[d.Date] = d
	}
	dayAt := func(d Date) Day {
		if x, ok := byDate[d]; ok {
			return x
		}
		return dayOf(d, nil)
	}
	data := &pageData{Year: y, Prev: max(y-1, MinYear), Next: min(y+1, MaxYear), Covered: StatutoryCovered(y), Special: special}
	for m := time.January; m <= time.December; m++ {
		data.Months = append(data.Months, monthOf(y, m, sel, dayAt))
	}
	if !sel.IsZero() {
		d := dayAt(sel)
		data.Sel = &d
		if data.History, err = audit.History(ctx, h.C.DB, Entity, sel.Key()); err != nil {
			return err
		}
		if form == nil {
			form = url.Values{"working": {"0"}, "note": {d.Note}}
			if d.Working {
				form.Set("working", "1")
			}
		}
	}
	return h.t.Render(w, r, status, "calendar", &web.Page{Title: "工作日历", Nav: "calendar",
		Errors: fe, Form: form, Data: data})
}

// monthOf lays out a month Monday first, as Chinese calendars do.
func monthOf(y int, m time.Month, sel Date, dayAt func(Date) Day) month {
	out := month{Name: strconv.Itoa(int(m)) + "月"}
	first := Date{y, m, 1}
	week := make([]cell, (int(first.Weekday())+6)%7, 7)
	for i := range week {
		week[i].Blank = true
	}
	for d := first; d.Month == m; d = d.AddDays(1) {
		day := dayAt(d)
		c := cell{Day: day, Title: d.String() + " " + d.WeekdayLabel() + " · " + day.StatutoryLabel()}
		var cls []string
		switch day.Kind() {
		case "holiday":
			cls, c.Mark = append(cls, "hol"), "休"
		case "adjusted":
			cls, c.Mark = append(cls, "adj"), "班"
		case "weekend":
			cls = append(cls, "we")
		}
		if day.Overridden {
			state := "上班"
			cls = append(cls, "ov")
			if !day.Working {
				state = "休息"
				cls = append(cls, "ov-off")
			}
			c.Mark = "调"
			c.Title += " · 已调整为" + state
			if day.Note != "" {
				c.Title += "（" + day.Note + "）"
			}
		}
		if d == sel {
			cls = append(cls, "sel")
		}
		c.Class = strings.Join(cls, " ")
		week = append(week, c)
		if len(week) == 7 {
			out.Weeks = append(out.Weeks, week)
			week = make([]cell, 0, 7)
		}
	}
	if len(week) > 0 {
		for len(week) < 7 {
			week = append(week, cell{Blank: true})
		}
		out.Weeks = append(out.Weeks, week)
	}
	return out
}
