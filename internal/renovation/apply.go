package renovation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
)

// Applications: registering one with its workers, reading, listing,
// workers added or their passes withdrawn later, drawings and photos.

// house is what renovation needs of an archive house. It is read in the
// caller's transaction (the demo loads houses and renovations in one).
type house struct {
	ID, CommunityID, UnitID int64
	Code, Number, Use       string
	Status, Delivered       string
	Notes                   string
	Floor                   int
	Gross, Inner            int64
}

func getHouse(ctx context.Context, q db.Querier, id int64) (*house, error) {
	var h house
	err := q.QueryRowContext(ctx, `SELECT id, community_id, unit_id, code, number, house_use, status, delivered_on, notes,
		floor, gross_area, inner_area FROM houses WHERE id = $1`, id).Scan(&h.ID, &h.CommunityID, &h.UnitID, &h.Code,
		&h.Number, &h.Use, &h.Status, &h.Delivered, &h.Notes, &h.Floor, &h.Gross, &h.Inner)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("房屋不存在")
	}
	return &h, err
}

// withStatus is the house as archive's UpdateHouse takes it, with
// another status.
func (h *house) withStatus(status string) archive.HouseInput {
	return archive.HouseInput{UnitID: h.UnitID, Number: h.Number, Floor: h.Floor,
		GrossArea: web.Text(area(h.Gross)), InnerArea: web.Text(area(h.Inner)), Use: h.Use, Status: status, DeliveredOn: h.Delivered, Notes: h.Notes}
}

// owner is the house's first current owner (the largest share), the
// applicant when the form names none.
func owner(ctx context.Context, q db.Querier, houseID int64) (name, phone string, err error) {
	err = q.QueryRowContext(ctx, `SELECT o.name, o.phone FROM house_owners ho JOIN owners o ON o.id = ho.owner_id
		WHERE ho.house_id = $1 AND ho.active ORDER BY ho.share DESC, ho.id LIMIT 1`, houseID).Scan(&name, &phone)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return name, phone, err
}

// snapshot is what the audit log keeps of an application: its fields a
// person reads, not ids or ID numbers.
func snapshot(r *Renovation) map[string]any {
	var workers []string
	for _, w := range r.Workers {
		if !w.Revoked {
			workers = append(workers, w.Name)
		}
	}
	var files []string
	for _, f := range r.Files {
		files = append(files, FileLabel(f.Kind)+" "+f.Name)
	}
	m := map[string]any{"status": r.Status, "applicant_name": r.ApplicantName, "applicant_phone": r.ApplicantPhone,
		"contractor": r.Contractor, "manager_name": r.ManagerName, "manager_phone": r.ManagerPhone, "area": r.Area,
		"starts_on": r.StartsOn, "ends_on": r.EndsOn, "scope": r.Scope, "notes": r.Notes,
		"required_extinguishers": r.RequiredExtinguishers, "review_opinion": r.ReviewOpinion, "conditions": r.Conditions,
		"reject_reason": r.RejectReason, "permit_number": r.PermitNumber, "completion_result": r.CompletionResult,
		"completion_note": r.CompletionNote, "deposit_fen": r.DepositFen, "waste_fee_fen": r.WasteFeeFen,
		"refund_fen": r.RefundFen, "deductions_fen": r.DeductionsFen, "workers": strings.Join(workers, "、"),
		"inspections": len(r.Inspections), "open_findings": r.OpenFindings, "files": strings.Join(files, "、")}
	for k, v := range m {
		if v == "" || v == 0 || v == int64(0) {
			delete(m, k) // nothing yet: the history shows what there is
		}
	}
	return m
}

// mask hides the workers' ID numbers and everyone's phones from a user
// who may not see them.
func mask(by *auth.User, r *Renovation) *Renovation {
	r.ApplicantPhone, r.ManagerPhone = by.ShowPhone(r.ApplicantPhone), by.ShowPhone(r.ManagerPhone)
	for i := range r.Workers {
		r.Workers[i].Phone = by.ShowPhone(r.Workers[i].Phone)
		if !by.Can(auth.PermIDNumberView) {
			r.Workers[i].IDNumber = auth.MaskID(r.Workers[i].IDNumber)
		}
	}
	return r
}

// Create registers an application for a house, with its drawings if
// any; its community is the house's. The extinguishers required follow
// the community's rules as they are today.
func (s *Service) Create(ctx context.Context, by *auth.User, in Input, drawings ...Upload) (*Renovation, error) {
	if !by.Can(auth.PermRenovationWrite) {
		return nil, errs.Forbidden("您没有登记装修申请的权限")
	}
	a, verr := in.validate()
	if verr == nil {
		verr = checkFiles(FileDrawing, "drawings", drawings)
	}
	var out *Renovation
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if in.HouseID <= 0 {
			return verr
		}
		h, err := getHouse(ctx, tx, in.HouseID)
		if errs.CodeOf(err) == errs.CodeNotFound {
			return errs.Invalid("house_id", "房屋不存在")
		}
		if err != nil {
			return err
		}
		if err := can(by, auth.PermRenovationWrite, h.CommunityID); err != nil {
			return err
		}
		if verr != nil {
			return verr
		}
		if in.ApplicantName == "" {
			if in.ApplicantName, in.ApplicantPhone, err = owner(ctx, tx, h.ID); err != nil {
				return err
			}
		}
		rules, err := getRules(ctx, tx, h.CommunityID)
		if err != nil {
			return err
		}
		now := s.Now()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO renovations (community_id, house_id, status, applicant_name, applicant_phone,
			contractor, manager_name, manager_phone, area, starts_on, ends_on, scope, notes, ext_area, ext_count, ext_kg,
			required_extinguishers, created_by, created_name, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$20) RETURNING id`,
			h.CommunityID, h.ID, StatusSubmitted, in.ApplicantName, in.ApplicantPhone, in.Contractor, in.ManagerName,
			in.ManagerPhone, a, in.StartsOn, in.EndsOn, in.Scope, in.Notes, rules.extArea, rules.ExtCount, rules.ExtKg,
			rules.Required(a), by.ID, by.Name, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert renovation: %w", err)
		}
		for _, w := range in.Workers {
			if _, err := insertWorker(ctx, tx, id, h.CommunityID, by, w, now); err != nil {
				return err
			}
		}
		for _, d := range drawings {
			if _, err := insertFile(ctx, tx, id, h.CommunityID, by, FileDrawing, 0, d, now); err != nil {
				return err
			}
		}
		if out, err = get(ctx, tx, id, s.today()); err != nil {
			return err
		}
		return record(ctx, tx, by, out.CommunityID, "renovation", id, audit.ActionCreate, nil, snapshot(out))
	})
	if err != nil {
		return nil, err
	}
	return mask(by, out), nil
}

// Get returns one application in full.
func (s *Service) Get(ctx context.Context, by *auth.User, id int64) (*Renovation, error) {
	r, err := getOne(ctx, s.DB.Q(ctx), id, s.today())
	if err != nil {
		return nil, err
	}
	if err := can(by, auth.PermRenovationRead, r.CommunityID); err != nil {
		return nil, err
	}
	if r, err = get(ctx, s.DB.Q(ctx), id, s.today()); err != nil {
		return nil, err
	}
	return mask(by, r), nil
}

// List returns the applications in the user's scope, newest first,
// without their workers, inspections and files.
func (s *Service) List(ctx context.Context, by *auth.User, f Filter) ([]*Renovation, int, error) {
	if !by.Can(auth.PermRenovationRead) {
		return nil, 0, errs.Forbidden("您没有查看装修申请的权限")
	}
	if f.CommunityID > 0 && !by.Sees(f.CommunityID) {
		return nil, 0, errs.Forbidden("该小区不在您的管辖范围内")
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, 0, errs.Invalid("status", "状态无效")
	}
	if f.View != "" && !slices.Contains([]string{ViewPending, ViewActive, ViewExpiring, ViewOverdue}, f.View) {
		return nil, 0, errs.Invalid("view", "视图须为 pending/active/expiring/overdue")
	}
	rs, total, err := list(ctx, s.DB.Q(ctx), scope(by), f, s.today())
	for _, r := range rs {
		mask(by, r)
	}
	return rs, total, err
}

func insertWorker(ctx context.Context, tx *sql.Tx, renovationID, communityID int64, by *auth.User, w WorkerInput, now any) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO renovation_workers (renovation_id, community_id, name, phone, id_number, trade,
		created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id`,
		renovationID, communityID, w.Name, w.Phone, w.IDNumber, w.Trade, by.ID, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert worker: %w", err)
	}
	return id, nil
}

// closed are the statuses after which nothing is added to an application.
var closed = []string{StatusRejected, StatusRefunded}

// edit runs fn on an application the caller may write to, inside one
// transaction, and records the change. from lists the statuses fn may
// run in (nil: any not closed); verb names the action for the conflict
// message.
func (s *Service) edit(ctx context.Context, by *auth.User, id int64, perm, verb string, from []string,
	fn func(ctx context.Context, tx *sql.Tx, r *Renovation) error) (*Renovation, error) {
	if !by.Can(perm) {
		return nil, errs.Forbidden("您没有%s的权限", verb)
	}
	var out *Renovation
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		ctx := db.WithTx(ctx, tx)
		before, err := get(ctx, tx, id, s.today())
		if err != nil {
			return err
		}
		if err := can(by, perm, before.CommunityID); err != nil {
			return err
		}
		if (from == nil && slices.Contains(closed, before.Status)) || (from != nil && !slices.Contains(from, before.Status)) {
			return errs.Conflict("status", "该装修申请当前为“%s”，不能%s", before.StatusLabel, verb)
		}
		if err := fn(ctx, tx, before); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE renovations SET updated_at = $1 WHERE id = $2`, s.Now(), id); err != nil {
			return err
		}
		if out, err = get(ctx, tx, id, s.today()); err != nil {
			return err
		}
		return record(ctx, tx, by, out.CommunityID, "renovation", id, audit.ActionUpdate, snapshot(before), snapshot(out))
	})
	if err != nil {
		return nil, err
	}
	return mask(by, out), nil
}

// AddWorker registers one more worker (and pass), with a photo if any,
// while the application is open.
func (s *Service) AddWorker(ctx context.Context, by *auth.User, id int64, in WorkerInput, photo *Upload) (*Worker, error) {
	var f errs.Fields
	in.validate(&f, "")
	if photo != nil {
		if _, _, err := checkFile(FileWorker, "photo", *photo); err != nil {
			f = append(f, err.(*errs.Error))
		}
	}
	var wid int64
	r, err := s.edit(ctx, by, id, auth.PermRenovationWrite, "登记施工人员",
		[]string{StatusSubmitted, StatusReviewed, StatusApproved, StatusInProgress},
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			if err := f.Err(); err != nil {
				return err
			}
			if len(r.Workers) >= 200 {
				return errs.Invalid("name", "每个装修申请最多登记 200 名施工人员")
			}
			var err error
			if wid, err = insertWorker(ctx, tx, r.ID, r.CommunityID, by, in, s.Now()); err != nil || photo == nil {
				return err
			}
			_, err = insertFile(ctx, tx, r.ID, r.CommunityID, by, FileWorker, wid, *photo, s.Now())
			return err
		})
	if err != nil {
		return nil, err
	}
	for _, w := range r.Workers {
		if w.ID == wid {
			return &w, nil
		}
	}
	return nil, errs.NotFound("施工人员不存在")
}

// RevokeWorker withdraws a worker's pass.
func (s *Service) RevokeWorker(ctx context.Context, by *auth.User, id, workerID int64) (*Renovation, error) {
	return s.edit(ctx, by, id, auth.PermRenovationWrite, "收回出入证", nil,
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			res, err := tx.ExecContext(ctx, `UPDATE renovation_workers SET revoked = TRUE, updated_at = $1
				WHERE id = $2 AND renovation_id = $3 AND revoked = FALSE`, s.Now(), workerID, r.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.Conflict("worker_id", "该施工人员不存在或出入证已收回")
			}
			return nil
		})
}

// MaxFile is the largest drawing or photo kept.
const MaxFile = 10 << 20

// fileKinds are what a file of kind may be (nil for an unknown kind,
// which Attach refuses by name): drawings are PDFs or pictures, photos
// pictures only.
func fileKinds(kind string) []web.Kind {
	switch kind {
	case FileDrawing:
		return []web.Kind{web.KindPDF, web.KindJPEG, web.KindPNG}
	case FileWorker, FileInspection:
		return []web.Kind{web.KindJPEG, web.KindPNG}
	}
	return nil
}

// Upload is a file as received: its name and content.
type Upload struct {
	Name string
	Data []byte
}

// checkFile judges an upload by its content, never by its name or the
// client's claim, and names it; field names the errors.
func checkFile(kind, field string, u Upload) (name, ct string, err error) {
	if len(u.Data) == 0 {
		return "", "", errs.Invalid(field, "请选择文件")
	}
	if len(u.Data) > MaxFile {
		return "", "", errs.Invalid(field, "文件不能超过 10 MB")
	}
	// The form's own words, since one form takes drawings and photos.
	k, err := web.CheckKind(field, u.Data, fileKinds(kind)...)
	switch {
	case err != nil && kind == FileDrawing:
		return "", "", errs.Invalid(field, "图纸只能是 PDF 文件或 JPEG、PNG 图片")
	case err != nil:
		return "", "", errs.Invalid(field, "照片须为 JPEG 或 PNG 图片")
	}
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(u.Name, "\\", "/")))
	if name == "" || name == "." || name == "/" || !utf8.ValidString(name) {
		name = FileLabel(kind) + k.Ext()
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	return name, string(k), nil
}

// checkFiles checks several uploads of one kind.
func checkFiles(kind, field string, us []Upload) error {
	if len(us) > 10 {
		return errs.Invalid(field, "一次最多上传 10 个文件")
	}
	for _, u := range us {
		if _, _, err := checkFile(kind, field, u); err != nil {
			return err
		}
	}
	return nil
}

// insertFile stores a checked upload.
func insertFile(ctx context.Context, tx *sql.Tx, renovationID, communityID int64, by *auth.User, kind string, ref int64,
	u Upload, now time.Time) (*File, error) {
	name, ct, err := checkFile(kind, "file", u)
	if err != nil {
		return nil, err
	}
	f := &File{Kind: kind, RefID: ref, Name: name, ContentType: ct, Size: int64(len(u.Data)), CreatedAt: now}
	if err := tx.QueryRowContext(ctx, `INSERT INTO renovation_files (renovation_id, community_id, kind, ref_id, name,
		content_type, size, data, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10) RETURNING id`,
		renovationID, communityID, kind, ref, name, ct, f.Size, u.Data, by.ID, now).Scan(&f.ID); err != nil {
		return nil, fmt.Errorf("insert renovation file: %w", err)
	}
	f.URL = fmt.Sprintf("/renovations/%d/files/%d", renovationID, f.ID)
	return f, nil
}

// Attach keeps a drawing (kind drawing) or a photo of a worker or an
// inspection (ref: its id) with the application.
func (s *Service) Attach(ctx context.Context, by *auth.User, id int64, kind string, ref int64, u Upload) (*File, error) {
	var f *File
	_, err := s.edit(ctx, by, id, auth.PermRenovationWrite, "上传附件", nil,
		func(ctx context.Context, tx *sql.Tx, r *Renovation) error {
			switch kind {
			case FileDrawing:
				ref = 0
			case FileWorker:
				if !slices.ContainsFunc(r.Workers, func(w Worker) bool { return w.ID == ref }) {
					return errs.Invalid("ref", "请指定本申请的施工人员")
				}
			case FileInspection:
				if !slices.ContainsFunc(r.Inspections, func(in Inspection) bool { return in.ID == ref }) {
					return errs.Invalid("ref", "请指定本申请的巡查记录")
				}
			default:
				return errs.Invalid("kind", "附件类型须为 drawing（图纸）/ worker_photo（施工人员照片）/ inspection_photo（巡查照片）")
			}
			var err error
			f, err = insertFile(ctx, tx, r.ID, r.CommunityID, by, kind, ref, u, s.Now())
			return err
		})
	return f, err
}

// FileData returns one file's content.
func (s *Service) FileData(ctx context.Context, by *auth.User, id, fileID int64) (*File, []byte, error) {
	r, err := getOne(ctx, s.DB.Q(ctx), id, s.today())
	if err != nil {
		return nil, nil, err
	}
	if err := can(by, auth.PermRenovationRead, r.CommunityID); err != nil {
		return nil, nil, err
	}
	var f File
	var data []byte
	err = s.DB.Q(ctx).QueryRowContext(ctx, `SELECT id, kind, ref_id, name, content_type, size, created_at, data
		FROM renovation_files WHERE id = $1 AND renovation_id = $2`, fileID, id).
		Scan(&f.ID, &f.Kind, &f.RefID, &f.Name, &f.ContentType, &f.Size, &f.CreatedAt, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errs.NotFound("附件不存在")
	}
	return &f, data, err
}

func area(v int64) string { return money.PlainHundredths(v) }
