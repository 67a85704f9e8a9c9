package movein

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// 入伙资料: the community's document pack. A new version of a document is
// a revision with its date and note; a signature records the version the
// owner signed.

const documentCols = `id, community_id, name, required, version, revised_on, version_note, sort, active, created_at, updated_at`

func scanDocument(sc interface{ Scan(...any) error }) (*Document, error) {
	d := &Document{}
	return d, sc.Scan(&d.ID, &d.CommunityID, &d.Name, &d.Required, &d.Version, &d.RevisedOn, &d.VersionNote, &d.Sort,
		&d.Active, &d.CreatedAt, &d.UpdatedAt)
}

func documents(ctx context.Context, q db.Querier, communityID int64, activeOnly bool) ([]*Document, error) {
	where := "community_id = $1"
	if activeOnly {
		where += " AND active"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+documentCols+` FROM movein_documents WHERE `+where+` ORDER BY sort, id`, communityID)
	if err != nil {
		return nil, fmt.Errorf("documents: %w", err)
	}
	defer rows.Close()
	out := []*Document{}
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Documents lists a community's 入伙资料 with their versions.
func (s *Service) Documents(ctx context.Context, by *auth.User, communityID int64) ([]*Document, error) {
	if err := can(by, auth.PermMoveInRead, communityID); err != nil {
		return nil, err
	}
	ds, err := documents(ctx, s.DB.Q(ctx), communityID, false)
	if err != nil || len(ds) == 0 {
		return ds, err
	}
	byID := map[int64]*Document{}
	for _, d := range ds {
		byID[d.ID] = d
	}
	rows, err := s.DB.Q(ctx).QueryContext(ctx, `SELECT document_id, version, revised_on, note, created_at FROM movein_document_versions
		WHERE community_id = $1 ORDER BY document_id, version DESC`, communityID)
	if err != nil {
		return nil, fmt.Errorf("document versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v Version
		if err := rows.Scan(&id, &v.Version, &v.RevisedOn, &v.Note, &v.CreatedAt); err != nil {
			return nil, err
		}
		if d := byID[id]; d != nil {
			d.Versions = append(d.Versions, v)
		}
	}
	return ds, rows.Err()
}

// ensurePack gives a community the standard 入伙资料 if it has none.
func (s *Service) ensurePack(ctx context.Context, tx *sql.Tx, by *auth.User, communityID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM movein_documents WHERE community_id = $1`, communityID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for i, d := range defaultPack {
		req := d.required
		if _, err := s.insertDocument(ctx, tx, by, DocumentInput{CommunityID: communityID, Name: d.name, Required: &req,
			Sort: (i + 1) * 10, VersionNote: "初版"}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) insertDocument(ctx context.Context, tx *sql.Tx, by *auth.User, in DocumentInput) (*Document, error) {
	now, today := s.now(), s.today()
	d, err := scanDocument(tx.QueryRowContext(ctx, `INSERT INTO movein_documents (community_id, name, required, version, revised_on,
		version_note, sort, active, created_by, created_at, updated_at) VALUES ($1,$2,$3,1,$4,$5,$6,TRUE,$7,$8,$8)
		RETURNING `+documentCols, in.CommunityID, in.Name, in.Required != nil && *in.Required, today, in.VersionNote, in.Sort,
		by.ID, now))
	if db.IsUniqueViolation(err) {
		return nil, errs.Conflict("name", "本小区已有资料「%s」", in.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("insert document: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO movein_document_versions (document_id, community_id, version, revised_on, note,
		created_by, created_at) VALUES ($1,$2,1,$3,$4,$5,$6)`, d.ID, d.CommunityID, today, in.VersionNote, by.ID, now); err != nil {
		return nil, fmt.Errorf("insert document version: %w", err)
	}
	return d, record(ctx, tx, by, d.CommunityID, "movein_document", d.ID, audit.ActionCreate, nil, d)
}

// CreateDocument adds a document to a community's pack.
func (s *Service) CreateDocument(ctx context.Context, by *auth.User, in DocumentInput) (*Document, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var d *Document
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := checkCommunity(ctx, tx, by, auth.PermMoveInPlan, in.CommunityID); err != nil {
			return err
		}
		var err error
		d, err = s.insertDocument(ctx, tx, by, in)
		return err
	})
	return d, err
}

func getDocument(ctx context.Context, q db.Querier, by *auth.User, id int64) (*Document, error) {
	d, err := scanDocument(q.QueryRowContext(ctx, `SELECT `+documentCols+` FROM movein_documents WHERE id = $1`, id))
	if err != nil {
		return nil, missing(err, "入伙资料")
	}
	if !by.Sees(d.CommunityID) {
		return nil, errs.Forbidden("该资料不在您管辖的小区内")
	}
	return d, nil
}

// Document returns one document of a pack.
func (s *Service) Document(ctx context.Context, by *auth.User, id int64) (*Document, error) {
	if !by.Can(auth.PermMoveInRead) {
		return nil, errs.Forbidden("没有权限")
	}
	return getDocument(ctx, s.DB.Q(ctx), by, id)
}

// DocumentInputOf is a document's editable fields.
func DocumentInputOf(d *Document) DocumentInput {
	req, active := d.Required, d.Active
	return DocumentInput{CommunityID: d.CommunityID, Name: d.Name, Required: &req, Sort: d.Sort, Active: &active}
}

// UpdateDocument renames a document, marks it required or not, or
// disables it. Signatures already made keep their document.
func (s *Service) UpdateDocument(ctx context.Context, by *auth.User, id int64, in DocumentInput) (*Document, error) {
	var d *Document
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getDocument(ctx, tx, by, id)
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInPlan, before.CommunityID); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		req, active := before.Required, before.Active
		if in.Required != nil {
			req = *in.Required
		}
		if in.Active != nil {
			active = *in.Active
		}
		d, err = scanDocument(tx.QueryRowContext(ctx, `UPDATE movein_documents SET name=$1, required=$2, sort=$3, active=$4,
			updated_at=$5 WHERE id=$6 RETURNING `+documentCols, in.Name, req, in.Sort, active, s.now(), id))
		if db.IsUniqueViolation(err) {
			return errs.Conflict("name", "本小区已有资料「%s」", in.Name)
		}
		if err != nil {
			return fmt.Errorf("update document: %w", err)
		}
		return record(ctx, tx, by, d.CommunityID, "movein_document", id, audit.ActionUpdate, before, d)
	})
	return d, err
}

// ReviseDocument issues the next version of a document.
func (s *Service) ReviseDocument(ctx context.Context, by *auth.User, id int64, in RevisionInput) (*Document, error) {
	var f errs.Fields
	if in.RevisedOn == "" {
		in.RevisedOn = s.today()
	}
	day(&f, &in.RevisedOn, "revised_on", "修订日期", true)
	text(&f, &in.Note, "note", "修订说明", 200, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var d *Document
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getDocument(ctx, tx, by, id)
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInPlan, before.CommunityID); err != nil {
			return err
		}
		now := s.now()
		d, err = scanDocument(tx.QueryRowContext(ctx, `UPDATE movein_documents SET version = version + 1, revised_on = $1,
			version_note = $2, updated_at = $3 WHERE id = $4 RETURNING `+documentCols, in.RevisedOn, in.Note, now, id))
		if err != nil {
			return fmt.Errorf("revise document: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO movein_document_versions (document_id, community_id, version, revised_on, note,
			created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`, id, d.CommunityID, d.Version, in.RevisedOn, in.Note, by.ID, now); err != nil {
			return fmt.Errorf("insert document version: %w", err)
		}
		return record(ctx, tx, by, d.CommunityID, "movein_document", id, audit.ActionUpdate, before, d)
	})
	return d, err
}

// findDocument resolves a document named by id or by name among a
// community's active documents: the exact name, or the one whose name
// contains (or is contained in) what was typed, if only one does.
func findDocument(ds []*Document, ref string) (*Document, error) {
	ref = strings.Trim(strings.TrimSpace(ref), "《》«»<>\"")
	if ref == "" {
		return nil, errs.Invalid("document", "请选择要签署的资料")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		for _, d := range ds {
			if d.ID == id {
				return d, nil
			}
		}
	}
	var near []*Document
	for _, d := range ds {
		if d.Name == ref {
			return d, nil
		}
		if strings.Contains(d.Name, ref) || strings.Contains(ref, d.Name) {
			near = append(near, d)
		}
	}
	if len(near) == 1 {
		return near[0], nil
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return nil, errs.Invalid("document", "本小区的入伙资料中没有「%s」，可选：%s", ref, strings.Join(names, "、"))
}
