package movein

import (
	"context"
	"database/sql"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/web"
)

// Checklist items

const itemCols = `id, community_id, house_use, category, name, sort, active, created_at, updated_at`

func scanItem(sc interface{ Scan(...any) error }) (*Item, error) {
	it := &Item{}
	return it, sc.Scan(&it.ID, &it.CommunityID, &it.Use, &it.Category, &it.Name, &it.Sort, &it.Active, &it.CreatedAt, &it.UpdatedAt)
}

// Items lists a community's checklist items, of one use or all.
func (s *Service) Items(ctx context.Context, by *auth.User, communityID int64, use string) ([]*Item, error) {
	if err := can(by, auth.PermMoveInRead, communityID); err != nil {
		return nil, err
	}
	var w db.Where
	w.Add("community_id = ?", communityID)
	if use != "" {
		w.Add("house_use = ?", use)
	}
	rows, err := s.DB.Q(ctx).QueryContext(ctx, `SELECT `+itemCols+` FROM takeover_items`+w.SQL()+` ORDER BY house_use, sort, id`, w.Args...)
	if err != nil {
		return nil, fmt.Errorf("takeover items: %w", err)
	}
	defer rows.Close()
	out := []*Item{}
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Item returns one checklist item.
func (s *Service) Item(ctx context.Context, by *auth.User, id int64) (*Item, error) {
	it, err := scanItem(s.DB.Q(ctx).QueryRowContext(ctx, `SELECT `+itemCols+` FROM takeover_items WHERE id = $1`, id))
	if err != nil {
		return nil, missing(err, "验收项目")
	}
	if err := can(by, auth.PermMoveInRead, it.CommunityID); err != nil {
		return nil, err
	}
	return it, nil
}

// CreateItem adds a line to a community's 房屋验收标准.
func (s *Service) CreateItem(ctx context.Context, by *auth.User, in ItemInput) (*Item, error) {
	if err := checkCommunity(ctx, s.DB.Q(ctx), by, auth.PermMoveInPlan, in.CommunityID); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var it *Item
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var err error
		it, err = scanItem(tx.QueryRowContext(ctx, `INSERT INTO takeover_items (community_id, house_use, category, name, sort,
			active, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,TRUE,$6,$7,$7) RETURNING `+itemCols,
			in.CommunityID, in.Use, in.Category, in.Name, in.Sort, by.ID, now))
		if err != nil {
			return fmt.Errorf("insert takeover item: %w", err)
		}
		return record(ctx, tx, by, it.CommunityID, "takeover_item", it.ID, audit.ActionCreate, nil, it)
	})
	return it, err
}

// UpdateItem edits or disables a checklist item; inspections already
// made keep the checklist they copied.
func (s *Service) UpdateItem(ctx context.Context, by *auth.User, id int64, in ItemInput) (*Item, error) {
	var it *Item
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := scanItem(tx.QueryRowContext(ctx, `SELECT `+itemCols+` FROM takeover_items WHERE id = $1`, id))
		if err != nil {
			return missing(err, "验收项目")
		}
		if err := can(by, auth.PermMoveInPlan, before.CommunityID); err != nil {
			return err
		}
		in.CommunityID = before.CommunityID
		if err := in.validate(); err != nil {
			return err
		}
		active := before.Active
		if in.Active != nil {
			active = *in.Active
		}
		it, err = scanItem(tx.QueryRowContext(ctx, `UPDATE takeover_items SET house_use=$1, category=$2, name=$3, sort=$4,
			active=$5, updated_at=$6 WHERE id=$7 RETURNING `+itemCols, in.Use, in.Category, in.Name, in.Sort, active, s.now(), id))
		if err != nil {
			return fmt.Errorf("update takeover item: %w", err)
		}
		return record(ctx, tx, by, it.CommunityID, "takeover_item", id, audit.ActionUpdate, before, it)
	})
	return it, err
}

// ItemInputOf is an item's editable fields, the base of a partial update.
func ItemInputOf(it *Item) ItemInput {
	active := it.Active
	return ItemInput{CommunityID: it.CommunityID, Use: it.Use, Category: it.Category, Name: it.Name, Sort: it.Sort, Active: &active}
}

// Inspections

const inspectionCols = `i.id, i.community_id, i.building_id, i.house_id, i.target, i.house_use, i.inspected_on, i.inspectors,
	i.developer, i.contractor, i.notes, i.created_at, i.updated_at,
	(SELECT count(*) FROM takeover_findings f WHERE f.inspection_id = i.id AND f.status <> 'passed')`

func scanInspection(sc interface{ Scan(...any) error }) (*Inspection, error) {
	in := &Inspection{}
	var house sql.NullInt64
	err := sc.Scan(&in.ID, &in.CommunityID, &in.BuildingID, &house, &in.Target, &in.Use, &in.InspectedOn, &in.Inspectors,
		&in.Developer, &in.Contractor, &in.Notes, &in.CreatedAt, &in.UpdatedAt, &in.Open)
	if house.Valid {
		in.HouseID = &house.Int64
	}
	return in, err
}

// InspectionFilter selects inspections.
type InspectionFilter struct {
	CommunityID, BuildingID int64
	Limit, Offset           int
}

// Inspections lists inspections in scope, newest first.
func (s *Service) Inspections(ctx context.Context, by *auth.User, f InspectionFilter) ([]*Inspection, int, error) {
	var w db.Where
	if f.CommunityID > 0 {
		if err := can(by, auth.PermMoveInRead, f.CommunityID); err != nil {
			return nil, 0, err
		}
		w.Add("i.community_id = ?", f.CommunityID)
	}
	if f.BuildingID > 0 {
		w.Add("i.building_id = ?", f.BuildingID)
	}
	w.Scope("i.community_id", archive.Scope(by))
	var total int
	if err := s.DB.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM takeover_inspections i`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count inspections: %w", err)
	}
	rows, err := s.DB.Q(ctx).QueryContext(ctx, `SELECT `+inspectionCols+` FROM takeover_inspections i`+w.SQL()+
		` ORDER BY i.inspected_on DESC, i.id DESC`+w.Page(f.Limit, f.Offset), w.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list inspections: %w", err)
	}
	defer rows.Close()
	out := []*Inspection{}
	for rows.Next() {
		in, err := scanInspection(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, in)
	}
	return out, total, rows.Err()
}

func getInspection(ctx context.Context, q db.Querier, by *auth.User, id int64) (*Inspection, error) {
	in, err := scanInspection(q.QueryRowContext(ctx, `SELECT `+inspectionCols+` FROM takeover_inspections i WHERE i.id = $1`, id))
	if err != nil {
		return nil, missing(err, "接管验收记录")
	}
	if !by.Sees(in.CommunityID) {
		return nil, errs.Forbidden("该记录不在您管辖的小区内")
	}
	return in, nil
}

func checks(ctx context.Context, q db.Querier, inspectionID int64) ([]Check, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, category, name, result, note FROM takeover_checks WHERE inspection_id = $1
		ORDER BY sort, id`, inspectionID)
	if err != nil {
		return nil, fmt.Errorf("checks: %w", err)
	}
	defer rows.Close()
	out := []Check{}
	for rows.Next() {
		var c Check
		if err := rows.Scan(&c.ID, &c.Category, &c.Name, &c.Result, &c.Note); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Inspection returns an inspection with its checklist and findings.
func (s *Service) Inspection(ctx context.Context, by *auth.User, id int64) (*Inspection, error) {
	if !by.Can(auth.PermMoveInRead) {
		return nil, errs.Forbidden("没有权限")
	}
	in, err := getInspection(ctx, s.DB.Q(ctx), by, id)
	if err != nil {
		return nil, err
	}
	if in.Checks, err = checks(ctx, s.DB.Q(ctx), id); err != nil {
		return nil, err
	}
	in.Findings, _, err = s.Findings(ctx, by, FindingFilter{InspectionID: id, Limit: 500})
	return in, err
}

// CreateInspection starts an inspection of a house or of a building's
// common parts, copying the community's checklist for its use (the
// default one the first time a use is inspected).
func (s *Service) CreateInspection(ctx context.Context, by *auth.User, in InspectionInput) (*Inspection, error) {
	if err := in.validate(s.today()); err != nil {
		return nil, err
	}
	var out *Inspection
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var target, use, buildingName string
		var communityID, buildingID int64
		if in.HouseID > 0 {
			h, err := houseOf(ctx, tx, by, in.HouseID)
			if errs.CodeOf(err) == errs.CodeNotFound {
				return errs.Invalid("house_id", "房屋不存在")
			}
			if err != nil {
				return err
			}
			communityID, buildingID, target, use = h.CommunityID, h.BuildingID, h.Code, h.Use
		} else {
			err := tx.QueryRowContext(ctx, `SELECT community_id, name FROM buildings WHERE id = $1`, in.BuildingID).
				Scan(&communityID, &buildingName)
			if err == sql.ErrNoRows {
				return errs.Invalid("building_id", "楼栋不存在")
			}
			if err != nil {
				return err
			}
			buildingID, target, use = in.BuildingID, buildingName+"栋"+CommonParts, CommonParts
		}
		if err := can(by, auth.PermMoveInInspect, communityID); err != nil {
			return err
		}
		if in.CommunityID > 0 && in.CommunityID != communityID {
			return errs.Invalid("community_id", "所选楼栋或房屋不在该小区")
		}
		now := s.now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO takeover_inspections (community_id, building_id, house_id, target, house_use,
			inspected_on, inspectors, developer, contractor, notes, created_by, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id`, communityID, buildingID,
			sql.NullInt64{Int64: in.HouseID, Valid: in.HouseID > 0}, target, use, in.InspectedOn, in.Inspectors,
			in.Developer, in.Contractor, in.Notes, by.ID, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert inspection: %w", err)
		}
		if err := s.copyChecklist(ctx, tx, by, communityID, use, id, now); err != nil {
			return err
		}
		if out, err = getInspection(ctx, tx, by, id); err != nil {
			return err
		}
		if out.Checks, err = checks(ctx, tx, id); err != nil {
			return err
		}
		return record(ctx, tx, by, communityID, "takeover_inspection", id, audit.ActionCreate, nil, map[string]any{
			"target": out.Target, "inspected_on": out.InspectedOn, "inspectors": out.Inspectors, "developer": out.Developer,
			"contractor": out.Contractor, "notes": out.Notes, "checks": checkSummary(out.Checks)})
	})
	return out, err
}

// copyChecklist copies the active items of use into an inspection,
// storing the default items first if the community has none for use.
func (s *Service) copyChecklist(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64, use string, inspectionID int64, now any) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM takeover_items WHERE community_id = $1 AND house_use = $2`,
		communityID, use).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		for i, d := range defaultItems[use] {
			if _, err := tx.ExecContext(ctx, `INSERT INTO takeover_items (community_id, house_use, category, name, sort, active,
				created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,TRUE,$6,$7,$7)`,
				communityID, use, d[0], d[1], (i+1)*10, by.ID, now); err != nil {
				return fmt.Errorf("default takeover items: %w", err)
			}
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO takeover_checks (inspection_id, community_id, category, name, sort, updated_at)
		SELECT $1, community_id, category, name, sort, $2 FROM takeover_items
		WHERE community_id = $3 AND house_use = $4 AND active ORDER BY sort, id`, inspectionID, now, communityID, use)
	if err != nil {
		return fmt.Errorf("copy checklist: %w", err)
	}
	return nil
}

// SetChecks records checklist results (合格 / 不合格 / not yet).
func (s *Service) SetChecks(ctx context.Context, by *auth.User, id int64, results []CheckInput) (*Inspection, error) {
	var f errs.Fields
	for i := range results {
		r := &results[i]
		if r.Result != "" {
			var ok bool
			if r.Result, ok = canon(r.Result, []string{CheckOK, CheckFail}); !ok {
				f.Add("results", "第 %d 项的结果须为 合格/不合格", i+1)
			}
		}
		text(&f, &r.Note, "results", "说明", 200, false)
	}
	if len(results) == 0 {
		f.Add("results", "请填写检查结果")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		in, err := getInspection(ctx, tx, by, id)
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInInspect, in.CommunityID); err != nil {
			return err
		}
		before, err := checks(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		for _, r := range results {
			res, err := tx.ExecContext(ctx, `UPDATE takeover_checks SET result=$1, note=$2, updated_at=$3
				WHERE id=$4 AND inspection_id=$5`, r.Result, r.Note, now, r.ID, id)
			if err != nil {
				return fmt.Errorf("update check: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.Invalid("results", "检查项目 %d 不属于该验收记录", r.ID)
			}
		}
		after, err := checks(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE takeover_inspections SET updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		return record(ctx, tx, by, in.CommunityID, "takeover_inspection", id, audit.ActionUpdate,
			map[string]any{"checks": checkSummary(before)}, map[string]any{"checks": checkSummary(after)})
	})
	if err != nil {
		return nil, err
	}
	return s.Inspection(ctx, by, id)
}

// checkSummary is a checklist as one line per item for the history panel.
func checkSummary(cs []Check) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		r := Label(c.Result)
		if r == "" {
			r = "未检"
		}
		out[i] = c.Name + "：" + r
		if c.Note != "" {
			out[i] += "（" + c.Note + "）"
		}
	}
	return out
}

// Photos

// MaxPhoto is the largest photo a finding takes; MaxPhotos how many.
const (
	MaxPhoto  = 10 << 20
	MaxPhotos = 20
)

// photoKinds are what a finding's photo may be, judged from the content.
var photoKinds = []web.Kind{web.KindJPEG, web.KindPNG}

// AddPhoto stores a JPEG or PNG with a finding.
func (s *Service) AddPhoto(ctx context.Context, by *auth.User, findingID int64, name string, data []byte) (*Photo, error) {
	if len(data) == 0 {
		return nil, errs.Invalid("file", "请选择照片")
	}
	if len(data) > MaxPhoto {
		return nil, errs.Invalid("file", "照片不能超过 10 MB")
	}
	k, err := web.CheckKind("file", data, photoKinds...)
	if err != nil {
		return nil, err
	}
	ct := string(k)
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" || !utf8.ValidString(name) {
		name = "照片" + k.Ext()
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	var p *Photo
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		f, err := getFinding(ctx, tx, by, findingID)
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInInspect, f.CommunityID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM takeover_photos WHERE finding_id = $1`, findingID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxPhotos {
			return errs.Conflict("file", "每个问题最多 %d 张照片", MaxPhotos)
		}
		now := s.now()
		p = &Photo{FindingID: findingID, Name: name, ContentType: ct, Size: int64(len(data)), CreatedAt: now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO takeover_photos (finding_id, community_id, name, content_type, size, data,
			created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, findingID, f.CommunityID, name, ct, p.Size,
			data, by.ID, now).Scan(&p.ID); err != nil {
			return fmt.Errorf("insert photo: %w", err)
		}
		p.URL = photoURL(findingID, p.ID)
		return record(ctx, tx, by, f.CommunityID, "takeover_finding", findingID, audit.ActionUpdate, nil,
			map[string]any{"photo": name})
	})
	return p, err
}

func photoURL(findingID, id int64) string {
	return fmt.Sprintf("/takeover-findings/%d/photos/%d", findingID, id)
}

func photos(ctx context.Context, q db.Querier, findingID int64) ([]Photo, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, finding_id, name, content_type, size, created_at FROM takeover_photos
		WHERE finding_id = $1 ORDER BY id`, findingID)
	if err != nil {
		return nil, fmt.Errorf("photos: %w", err)
	}
	defer rows.Close()
	out := []Photo{}
	for rows.Next() {
		var p Photo
		if err := rows.Scan(&p.ID, &p.FindingID, &p.Name, &p.ContentType, &p.Size, &p.CreatedAt); err != nil {
			return nil, err
		}
		p.URL = photoURL(findingID, p.ID)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PhotoData returns one photo's content.
func (s *Service) PhotoData(ctx context.Context, by *auth.User, findingID, id int64) (*Photo, []byte, error) {
	if !by.Can(auth.PermMoveInRead) {
		return nil, nil, errs.Forbidden("没有权限")
	}
	if _, err := getFinding(ctx, s.DB.Q(ctx), by, findingID); err != nil {
		return nil, nil, err
	}
	var p Photo
	var data []byte
	err := s.DB.Q(ctx).QueryRowContext(ctx, `SELECT id, finding_id, name, content_type, size, created_at, data FROM takeover_photos
		WHERE id = $1 AND finding_id = $2`, id, findingID).
		Scan(&p.ID, &p.FindingID, &p.Name, &p.ContentType, &p.Size, &p.CreatedAt, &data)
	if err != nil {
		return nil, nil, missing(err, "照片")
	}
	return &p, data, nil
}
