package renovation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
)

type scanner interface{ Scan(...any) error }

const cols = `r.id, r.community_id, r.house_id, h.code, r.status, r.applicant_name, r.applicant_phone, r.contractor,
	r.manager_name, r.manager_phone, r.area, r.starts_on, r.ends_on, r.scope, r.notes, r.ext_area, r.ext_count, r.ext_kg,
	r.required_extinguishers, r.review_opinion, r.reviewed_name, r.reviewed_at, r.conditions, r.reject_reason,
	r.decided_name, r.decided_at, r.permit_number, r.started_name, r.started_at, r.house_status_before,
	r.completion_result, r.completion_note, r.completed_name, r.completed_at, r.deposit_bill_id, r.waste_bill_id,
	r.deposit_fen, r.waste_fee_fen, r.refund_id, r.refund_fen, r.deductions_fen, r.refunded_name, r.refunded_at,
	r.created_by, r.created_name, r.created_at, r.updated_at,
	(SELECT count(*) FROM renovation_findings f WHERE f.renovation_id = r.id AND f.rectified = FALSE),
	(SELECT count(*) FROM renovation_findings f WHERE f.renovation_id = r.id AND f.rectified = FALSE
		AND f.rectify_by <> '' AND f.rectify_by < $1)`

const from = ` FROM renovations r JOIN houses h ON h.id = r.house_id`

func scan(s scanner) (*Renovation, error) {
	var r Renovation
	var extCount int
	err := s.Scan(&r.ID, &r.CommunityID, &r.HouseID, &r.HouseCode, &r.Status, &r.ApplicantName, &r.ApplicantPhone,
		&r.Contractor, &r.ManagerName, &r.ManagerPhone, &r.area, &r.StartsOn, &r.EndsOn, &r.Scope, &r.Notes, &r.extArea,
		&extCount, &r.ExtinguisherKg, &r.RequiredExtinguishers, &r.ReviewOpinion, &r.ReviewedName, &r.ReviewedAt,
		&r.Conditions, &r.RejectReason, &r.DecidedName, &r.DecidedAt, &r.PermitNumber, &r.StartedName, &r.StartedAt,
		&r.HouseStatusBefore, &r.CompletionResult, &r.CompletionNote, &r.CompletedName, &r.CompletedAt,
		&r.DepositBillID, &r.WasteBillID, &r.DepositFen, &r.WasteFeeFen, &r.RefundID, &r.RefundFen, &r.DeductionsFen,
		&r.RefundedName, &r.RefundedAt, &r.CreatedBy, &r.CreatedName, &r.CreatedAt, &r.UpdatedAt,
		&r.OpenFindings, &r.Overdue)
	if err != nil {
		return nil, err
	}
	r.StatusLabel = StatusLabel(r.Status)
	r.Area = money.PlainHundredths(r.area)
	r.ExtinguisherRule = extRule(r.extArea, extCount, r.ExtinguisherKg)
	r.Workers, r.Inspections, r.Files = []Worker{}, []Inspection{}, []File{}
	return &r, nil
}

// getOne reads one application without its workers, inspections and
// files; today decides which findings are overdue.
func getOne(ctx context.Context, q db.Querier, id int64, today string) (*Renovation, error) {
	r, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+from+` WHERE r.id = $2`, today, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("装修申请不存在")
	}
	return r, err
}

// get reads one application in full.
func get(ctx context.Context, q db.Querier, id int64, today string) (*Renovation, error) {
	r, err := getOne(ctx, q, id, today)
	if err != nil {
		return nil, err
	}
	if err := loadFiles(ctx, q, r); err != nil {
		return nil, err
	}
	if err := loadWorkers(ctx, q, r); err != nil {
		return nil, err
	}
	return r, loadInspections(ctx, q, r, today)
}

func loadFiles(ctx context.Context, q db.Querier, r *Renovation) error {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, ref_id, name, content_type, size, created_at FROM renovation_files
		WHERE renovation_id = $1 ORDER BY id`, r.ID)
	if err != nil {
		return fmt.Errorf("renovation files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.ID, &f.Kind, &f.RefID, &f.Name, &f.ContentType, &f.Size, &f.CreatedAt); err != nil {
			return err
		}
		f.URL = fmt.Sprintf("/renovations/%d/files/%d", r.ID, f.ID)
		r.Files = append(r.Files, f)
	}
	return rows.Err()
}

// photos returns the ids of files of kind, by the record they belong to
// (the latest last).
func (r *Renovation) photos(kind string) map[int64][]int64 {
	out := map[int64][]int64{}
	for _, f := range r.Files {
		if f.Kind == kind {
			out[f.RefID] = append(out[f.RefID], f.ID)
		}
	}
	return out
}

// Drawings are the application's drawings.
func (r *Renovation) Drawings() []File {
	var out []File
	for _, f := range r.Files {
		if f.Kind == FileDrawing {
			out = append(out, f)
		}
	}
	return out
}

func loadWorkers(ctx context.Context, q db.Querier, r *Renovation) error {
	rows, err := q.QueryContext(ctx, `SELECT id, name, phone, id_number, trade, revoked, created_at FROM renovation_workers
		WHERE renovation_id = $1 ORDER BY id`, r.ID)
	if err != nil {
		return fmt.Errorf("renovation workers: %w", err)
	}
	defer rows.Close()
	photos := r.photos(FileWorker)
	for rows.Next() {
		w := Worker{RenovationID: r.ID}
		if err := rows.Scan(&w.ID, &w.Name, &w.Phone, &w.IDNumber, &w.Trade, &w.Revoked, &w.CreatedAt); err != nil {
			return err
		}
		if p := photos[w.ID]; len(p) > 0 {
			w.PhotoID = &p[len(p)-1]
		}
		r.Workers = append(r.Workers, w)
	}
	return rows.Err()
}

func loadInspections(ctx context.Context, q db.Querier, r *Renovation, today string) error {
	rows, err := q.QueryContext(ctx, `SELECT id, note, inspector_name, created_at FROM renovation_inspections
		WHERE renovation_id = $1 ORDER BY id`, r.ID)
	if err != nil {
		return fmt.Errorf("renovation inspections: %w", err)
	}
	byID := map[int64]int{}
	photos := r.photos(FileInspection)
	for rows.Next() {
		in := Inspection{RenovationID: r.ID, Findings: []Finding{}}
		if err := rows.Scan(&in.ID, &in.Note, &in.InspectorName, &in.CreatedAt); err != nil {
			rows.Close()
			return err
		}
		in.PhotoIDs = photos[in.ID]
		if in.PhotoIDs == nil {
			in.PhotoIDs = []int64{}
		}
		byID[in.ID] = len(r.Inspections)
		r.Inspections = append(r.Inspections, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, inspection_id, kind, note, rectify_by, rectified, recheck_note, rectified_name,
		rectified_at, created_at FROM renovation_findings WHERE renovation_id = $1 ORDER BY id`, r.ID)
	if err != nil {
		return fmt.Errorf("renovation findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f Finding
		if err := rows.Scan(&f.ID, &f.InspectionID, &f.Type, &f.Note, &f.RectifyBy, &f.Rectified, &f.RecheckNote,
			&f.RectifiedName, &f.RectifiedAt, &f.CreatedAt); err != nil {
			return err
		}
		f.Overdue = !f.Rectified && f.RectifyBy != "" && f.RectifyBy < today
		if i, ok := byID[f.InspectionID]; ok {
			r.Inspections[i].Findings = append(r.Inspections[i].Findings, f)
		}
	}
	return rows.Err()
}

// finding looks a finding up among the loaded inspections.
func (r *Renovation) finding(id int64) *Finding {
	for i := range r.Inspections {
		for j := range r.Inspections[i].Findings {
			if r.Inspections[i].Findings[j].ID == id {
				return &r.Inspections[i].Findings[j]
			}
		}
	}
	return nil
}

// Views of the list.
const (
	ViewPending  = "pending"  // waiting for a decision: submitted or reviewed
	ViewActive   = "active"   // approved or in progress
	ViewExpiring = "expiring" // active, ending within 7 days or already past the end
	ViewOverdue  = "overdue"  // with a rectification past its deadline
)

// Filter selects applications.
type Filter struct {
	CommunityID   int64
	Status, View  string
	Q             string // house code prefix, contractor, manager or applicant
	Limit, Offset int
}

// where builds the list's conditions; today is YYYY-MM-DD.
func (f Filter) where(scope []int64, today string) *db.Where {
	w := &db.Where{}
	w.Add("CAST(? AS TEXT) <> ''", today) // $1: the day the overdue counts compare with
	w.Scope("r.community_id", scope)
	if f.CommunityID > 0 {
		w.Add("r.community_id = ?", f.CommunityID)
	}
	if f.Status != "" {
		w.Add("r.status = ?", f.Status)
	}
	switch f.View {
	case ViewPending:
		w.Add("r.status IN (?, ?)", StatusSubmitted, StatusReviewed)
	case ViewActive:
		w.Add("r.status IN (?, ?)", StatusApproved, StatusInProgress)
	case ViewExpiring:
		soon, _ := time.Parse(dateLayout, today)
		w.Add("r.status IN (?, ?) AND r.ends_on <= ?", StatusApproved, StatusInProgress, soon.AddDate(0, 0, 7).Format(dateLayout))
	case ViewOverdue:
		w.Add(`EXISTS (SELECT 1 FROM renovation_findings f WHERE f.renovation_id = r.id AND f.community_id = r.community_id
			AND f.rectified = FALSE AND f.rectify_by <> '' AND f.rectify_by < $1)`)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		e := db.LikeEscape(q)
		w.Add(`(h.code LIKE ? ESCAPE '\' OR r.contractor LIKE ? ESCAPE '\' OR r.manager_name LIKE ? ESCAPE '\'
			OR r.applicant_name LIKE ? ESCAPE '\' OR r.permit_number = ?)`, e+"%", "%"+e+"%", "%"+e+"%", "%"+e+"%", q)
	}
	return w
}

func list(ctx context.Context, q db.Querier, scope []int64, f Filter, today string) ([]*Renovation, int, error) {
	w := f.where(scope, today)
	var total int
	if err := q.QueryRowContext(ctx, `SELECT count(*)`+from+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count renovations: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+from+w.SQL()+` ORDER BY r.id DESC`+w.Page(f.Limit, f.Offset), w.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list renovations: %w", err)
	}
	defer rows.Close()
	out := []*Renovation{}
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}
