package ticket

import (
	"net/http"
	"strconv"
	"strings"

	"wuye/internal/platform/auth"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// SLA units on the form: an amount of minutes, hours or working days.
var slaUnits = []struct{ Key, Label string }{{"minutes", "分钟"}, {"hours", "小时"}, {"workdays", "工作日"}}

// slaRow is one (kind, urgency) policy as its form shows it.
type slaRow struct {
	Policy
	RespondN, RespondUnit string
	ResolveN, ResolveUnit string
	Errs                  map[string]string
}

// ID names the row's form.
func (r slaRow) ID() string { return "sla-" + r.Kind + "-" + r.Urgency }

func amount(w Within) (string, string) {
	switch {
	case w.Workdays > 0:
		return strconv.Itoa(w.Workdays), "workdays"
	case w.Minutes > 0 && w.Minutes%60 == 0:
		return strconv.Itoa(w.Minutes / 60), "hours"
	}
	return strconv.Itoa(w.Minutes), "minutes"
}

// withinOf reads an amount and unit from the form.
func withinOf(n, unit, field string) (Within, error) {
	v, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || v <= 0 {
		return Within{}, errs.Invalid(field, "请填写正整数")
	}
	switch unit {
	case "minutes":
		return Within{Minutes: v}, nil
	case "hours":
		if v > 24*90 {
			return Within{}, errs.Invalid(field, "时限过长")
		}
		return Within{Minutes: v * 60}, nil
	case "workdays":
		return Within{Workdays: v}, nil
	}
	return Within{}, errs.Invalid(field, "请选择单位")
}

func (p *pages) sla(w http.ResponseWriter, r *http.Request) error {
	return p.renderSLA(w, r, http.StatusOK, nil, nil)
}

// renderSLA shows every policy; failed (if any) is the row whose form
// failed, shown with the submitted values and its errors.
func (p *pages) renderSLA(w http.ResponseWriter, r *http.Request, status int, failed *slaRow, top map[string]string) error {
	ps, err := p.S.Policies(r.Context())
	if err != nil {
		return err
	}
	rows := make([]slaRow, len(ps))
	for i, pol := range ps {
		row := slaRow{Policy: pol}
		row.RespondN, row.RespondUnit = amount(pol.RespondWithin)
		row.ResolveN, row.ResolveUnit = amount(pol.ResolveWithin)
		if failed != nil && failed.Kind == pol.Kind && failed.Urgency == pol.Urgency {
			failed.UpdatedAt = pol.UpdatedAt
			row = *failed
		}
		rows[i] = row
	}
	return p.t.Render(w, r, status, "sla", &web.Page{Title: "时限标准", Nav: "sla", Errors: top,
		Data: map[string]any{"Rows": rows, "Units": slaUnits, "Edit": user(r).Can(auth.PermSLAAdmin)}})
}

func (p *pages) slaSave(w http.ResponseWriter, r *http.Request) error {
	row := &slaRow{Policy: Policy{Kind: r.FormValue("kind"), Urgency: r.FormValue("urgency")},
		RespondN: r.FormValue("respond_n"), RespondUnit: r.FormValue("respond_unit"),
		ResolveN: r.FormValue("resolve_n"), ResolveUnit: r.FormValue("resolve_unit")}
	var bad errs.Fields
	var err error
	if row.RespondWithin, err = withinOf(row.RespondN, row.RespondUnit, "respond_within"); err != nil {
		e, _ := errs.As(err)
		bad = append(bad, e)
	}
	if row.ResolveWithin, err = withinOf(row.ResolveN, row.ResolveUnit, "resolve_within"); err != nil {
		e, _ := errs.As(err)
		bad = append(bad, e)
	}
	err = bad.Err()
	if err == nil {
		var saved Policy
		if saved, err = p.S.SetPolicy(r.Context(), user(r), row.Policy); err == nil {
			return redirect(w, r, "/admin/sla", "已保存 "+Label(saved.Kind)+"（"+Label(saved.Urgency)+"）的时限标准，新登记的工单按新标准计算")
		}
	}
	if _, ok := errs.As(err); !ok || errs.CodeOf(err) == errs.CodeForbidden {
		return err
	}
	row.Errs = errs.ByField(err)
	top := fieldErrors(err, "respond_within", "resolve_within")
	if _, known := row.Errs["kind"]; known || row.Errs["urgency"] != "" {
		// No row to show it on.
		return p.renderSLA(w, r, web.StatusOf(err), nil, top)
	}
	return p.renderSLA(w, r, web.StatusOf(err), row, top)
}
