package movein

import (
	"context"
	"database/sql"
	"fmt"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// Findings and their 返修跟进记录: open → fixed (by the party) →
// re-inspected passed, or failed and fixed again. Every step is a row of
// takeover_steps and an audit entry, in the same transaction.

const findingCols = `f.id, f.community_id, f.inspection_id, f.building_id, i.target, f.item, f.description, f.party,
	f.party_name, f.deadline, f.status, f.rounds, f.created_at, f.updated_at`

const findingFrom = ` FROM takeover_findings f JOIN takeover_inspections i ON i.id = f.inspection_id`

func scanFinding(sc interface{ Scan(...any) error }, today string) (*Finding, error) {
	f := &Finding{}
	err := sc.Scan(&f.ID, &f.CommunityID, &f.InspectionID, &f.BuildingID, &f.Target, &f.Item, &f.Description, &f.Party,
		&f.PartyName, &f.Deadline, &f.Status, &f.Rounds, &f.CreatedAt, &f.UpdatedAt)
	f.PartyLabel, f.StatusLabel = Label(f.Party), Label(f.Status)
	f.Overdue = waitsForParty(f.Status) && f.Deadline < today
	return f, err
}

// waitsForParty reports whether the responsible party has work to do.
func waitsForParty(status string) bool { return status == FindingOpen || status == FindingFailed }

// Findings lists findings in scope: by deadline, the most urgent first.
func (s *Service) Findings(ctx context.Context, by *auth.User, fl FindingFilter) ([]*Finding, int, error) {
	if !by.Can(auth.PermMoveInRead) {
		return nil, 0, errs.Forbidden("没有权限")
	}
	today := s.today()
	var w db.Where
	if fl.CommunityID > 0 {
		if err := can(by, auth.PermMoveInRead, fl.CommunityID); err != nil {
			return nil, 0, err
		}
		w.Add("f.community_id = ?", fl.CommunityID)
	}
	if fl.BuildingID > 0 {
		w.Add("f.building_id = ?", fl.BuildingID)
	}
	if fl.InspectionID > 0 {
		w.Add("f.inspection_id = ?", fl.InspectionID)
	}
	switch fl.Status {
	case "":
	case "pending":
		w.Add("f.status <> ?", FindingPassed)
	default:
		w.Add("f.status = ?", fl.Status)
	}
	if fl.Overdue {
		w.Add("f.status IN (?, ?) AND f.deadline < ?", FindingOpen, FindingFailed, today)
	}
	w.Scope("f.community_id", archive.Scope(by))
	var total int
	if err := s.DB.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM takeover_findings f`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count findings: %w", err)
	}
	rows, err := s.DB.Q(ctx).QueryContext(ctx, `SELECT `+findingCols+findingFrom+w.SQL()+
		` ORDER BY CASE WHEN f.status = 'passed' THEN 1 ELSE 0 END, f.deadline, f.id`+w.Page(fl.Limit, fl.Offset), w.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list findings: %w", err)
	}
	defer rows.Close()
	out := []*Finding{}
	for rows.Next() {
		f, err := scanFinding(rows, today)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, f)
	}
	return out, total, rows.Err()
}

func getFinding(ctx context.Context, q db.Querier, by *auth.User, id int64) (*Finding, error) {
	f, err := scanFinding(q.QueryRowContext(ctx, `SELECT `+findingCols+findingFrom+` WHERE f.id = $1`, id), "")
	if err != nil {
		return nil, missing(err, "验收问题")
	}
	if !by.Sees(f.CommunityID) {
		return nil, errs.Forbidden("该记录不在您管辖的小区内")
	}
	return f, nil
}

// Finding returns a finding with its 返修跟进记录 and photos.
func (s *Service) Finding(ctx context.Context, by *auth.User, id int64) (*Finding, error) {
	if !by.Can(auth.PermMoveInRead) {
		return nil, errs.Forbidden("没有权限")
	}
	f, err := getFinding(ctx, s.DB.Q(ctx), by, id)
	if err != nil {
		return nil, err
	}
	f.Overdue = waitsForParty(f.Status) && f.Deadline < s.today()
	if f.Steps, err = steps(ctx, s.DB.Q(ctx), id); err != nil {
		return nil, err
	}
	f.Photos, err = photos(ctx, s.DB.Q(ctx), id)
	return f, err
}

func steps(ctx context.Context, q db.Querier, findingID int64) ([]Step, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, at, action, status, actor, note, user_name FROM takeover_steps
		WHERE finding_id = $1 ORDER BY at, id`, findingID)
	if err != nil {
		return nil, fmt.Errorf("steps: %w", err)
	}
	defer rows.Close()
	out := []Step{}
	for rows.Next() {
		var st Step
		if err := rows.Scan(&st.ID, &st.At, &st.Action, &st.Status, &st.Actor, &st.Note, &st.UserName); err != nil {
			return nil, err
		}
		st.Label = Label(st.Action)
		out = append(out, st)
	}
	return out, rows.Err()
}

// step records one line of the 返修跟进记录 and its audit entry.
func (s *Service) step(ctx context.Context, tx *sql.Tx, by *auth.User, f *Finding, action, status, actor, note string, before, after any) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO takeover_steps (finding_id, community_id, at, action, status, actor, note,
		user_id, user_name) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, f.ID, f.CommunityID, s.now(), action, status, actor, note,
		by.ID, by.Name); err != nil {
		return fmt.Errorf("insert step: %w", err)
	}
	act := audit.ActionUpdate
	if action == StepCreate {
		act = audit.ActionCreate
	}
	return record(ctx, tx, by, f.CommunityID, "takeover_finding", f.ID, act, before, after)
}

// AddFinding records a problem found by an inspection. An item named as
// in the checklist marks that line 不合格.
func (s *Service) AddFinding(ctx context.Context, by *auth.User, in FindingInput) (*Finding, error) {
	if in.InspectionID <= 0 {
		return nil, errs.Invalid("inspection_id", "请选择接管验收记录")
	}
	var f *Finding
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		insp, err := getInspection(ctx, tx, by, in.InspectionID)
		if errs.CodeOf(err) == errs.CodeNotFound {
			return errs.Invalid("inspection_id", "接管验收记录不存在")
		}
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInInspect, insp.CommunityID); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		if in.Deadline < insp.InspectedOn {
			return errs.Invalid("deadline", "整改期限不能早于验收日期 %s", insp.InspectedOn)
		}
		if in.PartyName == "" {
			in.PartyName = map[string]string{PartyDeveloper: insp.Developer, PartyContractor: insp.Contractor}[in.Party]
		}
		now := s.now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO takeover_findings (community_id, inspection_id, building_id, item,
			description, party, party_name, deadline, status, created_by, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'open',$9,$10,$10) RETURNING id`, insp.CommunityID, insp.ID, insp.BuildingID,
			in.Item, in.Description, in.Party, in.PartyName, in.Deadline, by.ID, now).Scan(&id); err != nil {
			return fmt.Errorf("insert finding: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE takeover_checks SET result = 'fail', updated_at = $1
			WHERE inspection_id = $2 AND name = $3`, now, insp.ID, in.Item); err != nil {
			return err
		}
		if f, err = getFinding(ctx, tx, by, id); err != nil {
			return err
		}
		return s.step(ctx, tx, by, f, StepCreate, FindingOpen, by.Name, in.Description, nil, f)
	})
	if err != nil {
		return nil, err
	}
	return s.Finding(ctx, by, f.ID)
}

// transition moves a finding from one of the from statuses; any other
// status is a 409 with the reason the step cannot be taken.
func (s *Service) transition(ctx context.Context, by *auth.User, id int64, from []string, conflict map[string]string,
	fn func(tx *sql.Tx, f *Finding) (action, status, actor, note string, err error)) (*Finding, error) {
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		f, err := getFinding(ctx, tx, by, id)
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInInspect, f.CommunityID); err != nil {
			return err
		}
		ok := false
		for _, st := range from {
			ok = ok || f.Status == st
		}
		if !ok {
			return errs.Conflict("status", "该问题%s", conflict[f.Status])
		}
		action, status, actor, note, err := fn(tx, f)
		if err != nil {
			return err
		}
		after, err := getFinding(ctx, tx, by, id)
		if err != nil {
			return err
		}
		return s.step(ctx, tx, by, after, action, status, actor, note,
			map[string]any{"status": f.Status, "deadline": f.Deadline},
			map[string]any{"status": after.Status, "deadline": after.Deadline, "note": note, "actor": actor})
	})
	if err != nil {
		return nil, err
	}
	return s.Finding(ctx, by, id)
}

// Fix records that the responsible party repaired a finding.
func (s *Service) Fix(ctx context.Context, by *auth.User, id int64, in FixInput) (*Finding, error) {
	var fe errs.Fields
	text(&fe, &in.Note, "note", "整改说明", 500, true)
	text(&fe, &in.FixedBy, "fixed_by", "整改人", 60, false)
	return s.transition(ctx, by, id, []string{FindingOpen, FindingFailed},
		map[string]string{FindingFixed: "已整改，等待复验", FindingPassed: "已复验合格，无需再整改"},
		func(tx *sql.Tx, f *Finding) (string, string, string, string, error) {
			if err := fe.Err(); err != nil {
				return "", "", "", "", err
			}
			actor := in.FixedBy
			if actor == "" {
				actor = f.PartyName
			}
			if actor == "" {
				actor = Label(f.Party)
			}
			_, err := tx.ExecContext(ctx, `UPDATE takeover_findings SET status = 'fixed', updated_at = $1 WHERE id = $2`, s.now(), id)
			return StepFix, FindingFixed, actor, in.Note, err
		})
}

// Reinspect records a re-inspection of a fixed finding: passed closes
// it; failed sends it back to the party (with a new deadline if given).
func (s *Service) Reinspect(ctx context.Context, by *auth.User, id int64, in ReinspectInput) (*Finding, error) {
	var fe errs.Fields
	if in.Passed == nil {
		fe.Add("passed", "请选择复验结果（合格或不合格）")
	}
	text(&fe, &in.Note, "note", "复验说明", 500, in.Passed != nil && !*in.Passed)
	day(&fe, &in.Deadline, "deadline", "新的整改期限", false)
	return s.transition(ctx, by, id, []string{FindingFixed},
		map[string]string{FindingOpen: "尚未整改，不能复验", FindingFailed: "复验不合格后尚未重新整改，不能复验",
			FindingPassed: "已复验合格，不能重复复验"},
		func(tx *sql.Tx, f *Finding) (string, string, string, string, error) {
			if err := fe.Err(); err != nil {
				return "", "", "", "", err
			}
			if *in.Passed {
				_, err := tx.ExecContext(ctx, `UPDATE takeover_findings SET status = 'passed', updated_at = $1 WHERE id = $2`, s.now(), id)
				return StepPass, FindingPassed, by.Name, in.Note, err
			}
			deadline := f.Deadline
			if in.Deadline != "" {
				if in.Deadline < s.today() {
					return "", "", "", "", errs.Invalid("deadline", "新的整改期限不能早于今天")
				}
				deadline = in.Deadline
			}
			_, err := tx.ExecContext(ctx, `UPDATE takeover_findings SET status = 'failed', rounds = rounds + 1, deadline = $1,
				updated_at = $2 WHERE id = $3`, deadline, s.now(), id)
			return StepReject, FindingFailed, by.Name, in.Note, err
		})
}

// Summary counts each building's findings in a community: waiting for
// the party (and of those overdue), waiting for re-inspection, passed.
func (s *Service) Summary(ctx context.Context, by *auth.User, communityID int64) ([]BuildingSummary, error) {
	if err := can(by, auth.PermMoveInRead, communityID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Q(ctx).QueryContext(ctx, `SELECT b.id, b.name,
		(SELECT count(*) FROM takeover_inspections i WHERE i.building_id = b.id),
		COALESCE(SUM(CASE WHEN f.status IN ('open','failed') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN f.status = 'fixed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN f.status = 'passed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN f.status IN ('open','failed') AND f.deadline < $2 THEN 1 ELSE 0 END), 0)
		FROM buildings b LEFT JOIN takeover_findings f ON f.building_id = b.id
		WHERE b.community_id = $1 GROUP BY b.id, b.name`, communityID, s.today())
	if err != nil {
		return nil, fmt.Errorf("takeover summary: %w", err)
	}
	defer rows.Close()
	out := []BuildingSummary{}
	for rows.Next() {
		var b BuildingSummary
		if err := rows.Scan(&b.BuildingID, &b.Building, &b.Inspections, &b.Open, &b.Fixed, &b.Passed, &b.Overdue); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	sortBuildings(out)
	return out, rows.Err()
}
