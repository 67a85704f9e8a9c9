package frontdesk

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
	"wuye/internal/platform/web"
)

// The notices' rules and SQL. Every method checks the caller's
// permission and community scope; every change is audited in its
// transaction.

const noticeCols = `n.id, n.community_id, n.title, n.body, n.category, n.pinned, n.starts_at, n.ends_at, n.status,
	n.reject_reason, n.withdraw_reason, n.submitted_name, n.submitted_at, n.approved_name, n.approved_at,
	n.published_name, n.published_at, n.withdrawn_name, n.withdrawn_at, n.views, n.created_by, n.created_name,
	n.created_at, n.updated_at, f.name, f.content_type, f.size`

const noticeFrom = ` FROM notices n LEFT JOIN notice_files f ON f.notice_id = n.id`

// ndScanner is a row to scan: *sql.Row or *sql.Rows.
type ndScanner interface{ Scan(...any) error }

func scanNotice(s ndScanner, now time.Time) (*Notice, error) {
	n := &Notice{}
	var sub, appr, pub, wd sql.NullTime
	var fname, ftype sql.NullString
	var fsize sql.NullInt64
	if err := s.Scan(&n.ID, &n.CommunityID, &n.Title, &n.Body, &n.Category, &n.Pinned, &n.StartsAt, &n.EndsAt, &n.Status,
		&n.RejectReason, &n.WithdrawReason, &n.SubmittedName, &sub, &n.ApprovedName, &appr,
		&n.PublishedName, &pub, &n.WithdrawnName, &wd, &n.Views, &n.CreatedBy, &n.CreatedName,
		&n.CreatedAt, &n.UpdatedAt, &fname, &ftype, &fsize); err != nil {
		return nil, err
	}
	n.SubmittedAt, n.ApprovedAt, n.PublishedAt, n.WithdrawnAt = ndTimePtr(sub), ndTimePtr(appr), ndTimePtr(pub), ndTimePtr(wd)
	n.StatusLabel = NoticeStatusLabel(n.Status)
	n.Active = n.Phase(now) == "生效中"
	n.BuildingIDs, n.BuildingNames = []int64{}, []string{}
	if fname.Valid {
		n.Attachment = &NoticeFile{Name: fname.String, ContentType: ftype.String, Size: fsize.Int64,
			URL: fmt.Sprintf("/desk/notices/%d/attachment", n.ID)}
	}
	return n, nil
}

func ndTimePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// getNotice loads a notice with its buildings; a missing one is 404.
func (s *Service) getNotice(ctx context.Context, q db.Querier, id int64) (*Notice, error) {
	n, err := scanNotice(q.QueryRowContext(ctx, `SELECT `+noticeCols+noticeFrom+` WHERE n.id = $1`, id), s.now())
	if err != nil {
		return nil, deskNotFound(err, "公告")
	}
	return n, s.noticeBuildings(ctx, q, []*Notice{n})
}

// noticeBuildings fills the buildings of ns in one query.
func (s *Service) noticeBuildings(ctx context.Context, q db.Querier, ns []*Notice) error {
	if len(ns) == 0 {
		return nil
	}
	byID := map[int64]*Notice{}
	ids := make([]int64, len(ns))
	for i, n := range ns {
		byID[n.ID], ids[i] = n, n.ID
	}
	in, args := db.In(nil, ids)
	rows, err := q.QueryContext(ctx, `SELECT nb.notice_id, b.id, b.name FROM notice_buildings nb
		JOIN buildings b ON b.id = nb.building_id WHERE nb.notice_id IN (`+in+`) ORDER BY nb.notice_id, b.id`, args...)
	if err != nil {
		return fmt.Errorf("notice buildings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var nid, bid int64
		var name string
		if err := rows.Scan(&nid, &bid, &name); err != nil {
			return err
		}
		n := byID[nid]
		n.BuildingIDs, n.BuildingNames = append(n.BuildingIDs, bid), append(n.BuildingNames, name)
	}
	return rows.Err()
}

// noticeFor loads a notice the caller may act on with perm.
func (s *Service) noticeFor(ctx context.Context, q db.Querier, by *auth.User, id int64, perm string) (*Notice, error) {
	n, err := s.getNotice(ctx, q, id)
	if err != nil {
		return nil, err
	}
	return n, can(by, perm, n.CommunityID)
}

// Notice returns one notice.
func (s *Service) Notice(ctx context.Context, by *auth.User, id int64) (*Notice, error) {
	return s.noticeFor(ctx, s.DB, by, id, auth.PermDeskRead)
}

// NoticeFilter selects notices. Active keeps only those published and
// inside their dates (the notice board, the owner portal), pinned first,
// newest first; otherwise the newest drafted come first.
type NoticeFilter struct {
	CommunityID int64
	BuildingID  int64 // notices for the whole community or naming this building
	Active      bool
	Status      string
	Category    string
	Q           string // in the title
	Limit       int
	Offset      int
}

// Notices lists the notices of the caller's communities.
func (s *Service) Notices(ctx context.Context, by *auth.User, f NoticeFilter) ([]*Notice, int, error) {
	w, err := ndListWhere(by, "n.community_id", f.CommunityID)
	if err != nil {
		return nil, 0, err
	}
	now := s.now()
	if f.Active {
		w.Add("n.status = ?", NoticePublished)
		w.Add("n.starts_at <= ?", now)
		w.Add("n.ends_at > ?", now)
	} else if f.Status != "" {
		w.Add("n.status = ?", f.Status)
	}
	if f.BuildingID > 0 {
		w.Add(`(NOT EXISTS (SELECT 1 FROM notice_buildings nb WHERE nb.notice_id = n.id)
			OR EXISTS (SELECT 1 FROM notice_buildings nb WHERE nb.notice_id = n.id AND nb.building_id = ?))`, f.BuildingID)
	}
	if f.Category != "" {
		w.Add("n.category = ?", f.Category)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`n.title LIKE ? ESCAPE '\'`, deskLike(q))
	}
	order := " ORDER BY n.id DESC"
	if f.Active {
		order = " ORDER BY n.pinned DESC, n.starts_at DESC, n.id DESC"
	}
	out, total, err := ndList(ctx, s.DB, w, noticeCols, noticeFrom, order, f.Limit, f.Offset,
		func(r ndScanner) (*Notice, error) { return scanNotice(r, now) })
	if err != nil {
		return nil, 0, fmt.Errorf("notices: %w", err)
	}
	return out, total, s.noticeBuildings(ctx, s.DB, out)
}

// ndListWhere starts the conditions of a list: the caller must read the
// front desk; the rows are of the caller's communities, and of
// communityID when given (one outside the scope is a 403).
func ndListWhere(by *auth.User, col string, communityID int64) (*db.Where, error) {
	if !by.Can(auth.PermDeskRead) {
		return nil, errs.Forbidden("没有权限")
	}
	w := &db.Where{}
	w.Scope(col, archive.Scope(by))
	if communityID > 0 {
		if err := can(by, auth.PermDeskRead, communityID); err != nil {
			return nil, err
		}
		w.Add(col+" = ?", communityID)
	}
	return w, nil
}

// ndList counts the rows of from under w and returns one page of them,
// each read by scan.
func ndList[T any](ctx context.Context, q db.Querier, w *db.Where, cols, from, order string, limit, offset int,
	scan func(ndScanner) (T, error)) ([]T, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT count(*)`+from+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+from+w.SQL()+order+w.Page(limit, offset), w.Args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}

// checkBuildings checks that ids are buildings of the community and
// returns them without duplicates.
func checkBuildings(ctx context.Context, q db.Querier, communityID int64, ids []int64) ([]int64, error) {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		var c int64
		err := q.QueryRowContext(ctx, `SELECT community_id FROM buildings WHERE id = $1`, id).Scan(&c)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && c != communityID) {
			return nil, errs.Invalid("building_ids", "所选楼栋不属于本小区")
		}
		if err != nil {
			return nil, fmt.Errorf("notice building: %w", err)
		}
		out = append(out, id)
	}
	return out, nil
}

func setNoticeBuildings(ctx context.Context, tx *sql.Tx, n *Notice, ids []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM notice_buildings WHERE notice_id = $1`, n.ID); err != nil {
		return fmt.Errorf("clear notice buildings: %w", err)
	}
	for _, b := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_buildings (notice_id, building_id, community_id) VALUES ($1,$2,$3)`,
			n.ID, b, n.CommunityID); err != nil {
			return fmt.Errorf("notice building: %w", err)
		}
	}
	return nil
}

func recordNotice(ctx context.Context, tx *sql.Tx, by *auth.User, n *Notice, action string, before *Notice) error {
	var b any
	if before != nil {
		b = before.snapshot()
	}
	return deskAudit(ctx, tx, by, n.CommunityID, "notice", n.ID, action, b, n.snapshot())
}

// CreateNotice drafts a notice.
func (s *Service) CreateNotice(ctx context.Context, by *auth.User, in NoticeInput) (*Notice, error) {
	start, end, err := in.validate()
	if in.CommunityID > 0 {
		// The scope first: another community's id is a 403 whatever the rest says.
		if err := can(by, auth.PermNoticeWrite, in.CommunityID); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	var n *Notice
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := ndCommunityExists(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		bs, err := checkBuildings(ctx, tx, in.CommunityID, in.BuildingIDs)
		if err != nil {
			return err
		}
		now := s.now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO notices (community_id, title, body, category, pinned, starts_at, ends_at,
			status, created_by, created_name, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id`,
			in.CommunityID, in.Title, in.Body, in.Category, in.Pinned, start, end, NoticeDraft, by.ID, by.Name, now).Scan(&id); err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		if err := setNoticeBuildings(ctx, tx, &Notice{ID: id, CommunityID: in.CommunityID}, bs); err != nil {
			return err
		}
		if n, err = s.getNotice(ctx, tx, id); err != nil {
			return err
		}
		return recordNotice(ctx, tx, by, n, audit.ActionCreate, nil)
	})
	return n, err
}

// ndCommunityExists turns a community id that names nothing into a
// field error (the admin sees every id, so the scope check passes).
func ndCommunityExists(ctx context.Context, q db.Querier, id int64) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM communities WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Invalid("community_id", "小区不存在")
	}
	return err
}

// UpdateNotice edits a draft. The community stays the notice's.
func (s *Service) UpdateNotice(ctx context.Context, by *auth.User, id int64, in NoticeInput) (*Notice, error) {
	var n *Notice
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.noticeFor(ctx, tx, by, id, auth.PermNoticeWrite)
		if err != nil {
			return err
		}
		if in.CommunityID != 0 && in.CommunityID != before.CommunityID {
			return errs.Invalid("community_id", "公告所属小区不能修改")
		}
		if before.Status != NoticeDraft {
			return errs.Conflict("status", "只有草稿可以修改（当前：%s），请先退回", before.StatusLabel)
		}
		in.CommunityID = before.CommunityID
		start, end, err := in.validate()
		if err != nil {
			return err
		}
		bs, err := checkBuildings(ctx, tx, before.CommunityID, in.BuildingIDs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET title = $1, body = $2, category = $3, pinned = $4, starts_at = $5,
			ends_at = $6, updated_at = $7 WHERE id = $8`, in.Title, in.Body, in.Category, in.Pinned, start, end, s.now(), id); err != nil {
			return fmt.Errorf("update notice: %w", err)
		}
		if err := setNoticeBuildings(ctx, tx, before, bs); err != nil {
			return err
		}
		if n, err = s.getNotice(ctx, tx, id); err != nil {
			return err
		}
		return recordNotice(ctx, tx, by, n, audit.ActionUpdate, before)
	})
	return n, err
}

// StepNotice moves a notice through its approval flow: submit, approve,
// reject (reason), publish, withdraw (reason). An approver publishing a
// draft or a submitted notice approves and publishes it at once. A step
// the notice's status does not allow is a conflict.
func (s *Service) StepNotice(ctx context.Context, by *auth.User, id int64, step, reason string) (*Notice, error) {
	st, ok := noticeSteps[step]
	if !ok {
		return nil, errs.NotFound("没有这个操作")
	}
	reason = strings.TrimSpace(reason)
	var n *Notice
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.noticeFor(ctx, tx, by, id, st.perm)
		if err != nil {
			return err
		}
		if !slices.Contains(st.from, before.Status) {
			return errs.Conflict("status", "公告当前为「%s」，不能%s", before.StatusLabel, st.verb)
		}
		if st.reason {
			switch n := utf8.RuneCountInString(reason); {
			case n == 0:
				return errs.Invalid("reason", "请填写%s原因", st.verb)
			case n > 200:
				return errs.Invalid("reason", "原因不能超过 200 个字")
			}
		}
		now := s.now()
		if st.to == NoticePublished && !before.EndsAt.After(now) {
			return errs.Conflict("ends_at", "公告结束时间 %s 已过，不能发布；请退回草稿修改日期", ndShow(before.EndsAt))
		}
		set := []string{"status = $1", "updated_at = $2"}
		args := []any{st.to, now}
		add := func(col string, v any) {
			args = append(args, v)
			set = append(set, fmt.Sprintf("%s = $%d", col, len(args)))
		}
		switch step {
		case "submit":
			add("submitted_name", by.Name)
			add("submitted_at", now)
			add("reject_reason", "")
		case "approve":
			add("approved_by", by.ID)
			add("approved_name", by.Name)
			add("approved_at", now)
		case "reject":
			add("reject_reason", reason)
			add("approved_by", 0)
			add("approved_name", "")
			add("approved_at", nil)
		case "publish":
			if before.Status != NoticeApproved {
				add("approved_by", by.ID)
				add("approved_name", by.Name)
				add("approved_at", now)
				add("reject_reason", "")
			}
			add("published_name", by.Name)
			add("published_at", now)
		case "withdraw":
			add("withdraw_reason", reason)
			add("withdrawn_name", by.Name)
			add("withdrawn_at", now)
		}
		args = append(args, id, before.Status)
		res, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE notices SET %s WHERE id = $%d AND status = $%d`,
			strings.Join(set, ", "), len(args)-1, len(args)), args...)
		if err != nil {
			return fmt.Errorf("%s notice: %w", step, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return errs.Conflict("status", "公告状态已被他人更改，请刷新后重试")
		}
		if n, err = s.getNotice(ctx, tx, id); err != nil {
			return err
		}
		return recordNotice(ctx, tx, by, n, audit.ActionUpdate, before)
	})
	return n, err
}

// noticeFileKinds are what a notice's attachment may be, judged from the
// content, never from the name.
var noticeFileKinds = []web.Kind{web.KindPDF, web.KindJPEG, web.KindPNG}

// AttachNoticeFile sets (or replaces) a draft's attachment.
func (s *Service) AttachNoticeFile(ctx context.Context, by *auth.User, id int64, name string, data []byte) (*Notice, error) {
	if len(data) == 0 {
		return nil, errs.Invalid("file", "请选择文件")
	}
	if len(data) > MaxNoticeFile {
		return nil, errs.Invalid("file", "附件不能超过 10 MB")
	}
	k, err := web.CheckKind("file", data, noticeFileKinds...)
	if err != nil {
		return nil, err
	}
	ct := string(k)
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		name = "附件" + k.Ext()
	}
	if r := []rune(name); len(r) > 100 {
		name = string(r[len(r)-100:])
	}
	var n *Notice
	err = s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.noticeFor(ctx, tx, by, id, auth.PermNoticeWrite)
		if err != nil {
			return err
		}
		if before.Status != NoticeDraft {
			return errs.Conflict("status", "只有草稿可以更换附件（当前：%s）", before.StatusLabel)
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM notice_files WHERE notice_id = $1`, id); err != nil {
			return fmt.Errorf("replace notice file: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_files (notice_id, community_id, name, content_type, size, data,
			created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)`,
			id, before.CommunityID, name, ct, len(data), data, by.ID, now); err != nil {
			return fmt.Errorf("insert notice file: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		if n, err = s.getNotice(ctx, tx, id); err != nil {
			return err
		}
		return recordNotice(ctx, tx, by, n, audit.ActionUpdate, before)
	})
	return n, err
}

// RemoveNoticeFile drops a draft's attachment.
func (s *Service) RemoveNoticeFile(ctx context.Context, by *auth.User, id int64) (*Notice, error) {
	var n *Notice
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := s.noticeFor(ctx, tx, by, id, auth.PermNoticeWrite)
		if err != nil {
			return err
		}
		if before.Status != NoticeDraft {
			return errs.Conflict("status", "只有草稿可以删除附件（当前：%s）", before.StatusLabel)
		}
		if before.Attachment == nil {
			return errs.NotFound("该公告没有附件")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notice_files WHERE notice_id = $1`, id); err != nil {
			return fmt.Errorf("delete notice file: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET updated_at = $1 WHERE id = $2`, s.now(), id); err != nil {
			return err
		}
		if n, err = s.getNotice(ctx, tx, id); err != nil {
			return err
		}
		return recordNotice(ctx, tx, by, n, audit.ActionUpdate, before)
	})
	return n, err
}

// NoticeFileData returns a notice's attachment and its content.
func (s *Service) NoticeFileData(ctx context.Context, by *auth.User, id int64) (*NoticeFile, []byte, error) {
	n, err := s.Notice(ctx, by, id)
	if err != nil {
		return nil, nil, err
	}
	if n.Attachment == nil {
		return nil, nil, errs.NotFound("该公告没有附件")
	}
	var data []byte
	if err := s.DB.QueryRowContext(ctx, `SELECT data FROM notice_files WHERE notice_id = $1`, id).Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, errs.NotFound("该公告没有附件")
		}
		return nil, nil, fmt.Errorf("notice file: %w", err)
	}
	return n.Attachment, data, nil
}

// NoticeHistory is the notice's audit trail, for its history panel.
func (s *Service) NoticeHistory(ctx context.Context, by *auth.User, id int64) ([]audit.Entry, error) {
	if _, err := s.Notice(ctx, by, id); err != nil {
		return nil, err
	}
	return audit.History(ctx, s.DB, "notice", id)
}
