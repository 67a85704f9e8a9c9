package billing

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// Publishing the 收支公示 to owners: the director freezes the year's
// statement as it stands into a publication, which owners read without a
// login at its unguessable public address. A publication is never
// edited: publishing the year again adds the next version and marks the
// older ones superseded; a wrong one is withdrawn with a reason, and
// its page then says so.

// Publication states, derived from the row's stamps.
const (
	PublicationCurrent    = "current"
	PublicationSuperseded = "superseded"
	PublicationWithdrawn  = "withdrawn"
)

// PublicStatementPath starts the public address of a publication; the
// token follows.
const PublicStatementPath = "/p/statements/"

func init() {
	audit.Describe("statement_publication", "收支公示发布", map[string]string{"year": "年度", "version": "版本",
		"status": "状态", "withdraw_reason": "撤回原因", "url": "公开链接"})
	audit.DescribeValues("statement_publication", map[string]string{PublicationCurrent: "已发布",
		PublicationSuperseded: "已有新版本", PublicationWithdrawn: "已撤回"})
}

// StatementSnapshot is what a publication freezes: the statement's
// figures (integer 分) with the community's name and phone as they were.
type StatementSnapshot struct {
	CommunityName  string `json:"community_name"`
	CommunityPhone string `json:"community_phone"`
	Statement
}

// Publication is one published version of a community's 收支公示 of a
// year.
type Publication struct {
	ID              int64              `json:"id"`
	CommunityID     int64              `json:"community_id"`
	Year            int                `json:"year"`
	Version         int                `json:"version"`
	Status          string             `json:"status"`
	URL             string             `json:"url"` // the public page, relative to the site's address
	PublishedAt     time.Time          `json:"published_at"`
	PublishedBy     int64              `json:"published_by"`
	PublishedByName string             `json:"published_by_name"`
	SupersededBy    *int64             `json:"superseded_by"`
	SupersededAt    *time.Time         `json:"superseded_at"`
	WithdrawnAt     *time.Time         `json:"withdrawn_at"`
	WithdrawnByName string             `json:"withdrawn_by_name"`
	WithdrawReason  string             `json:"withdraw_reason"`
	Snapshot        *StatementSnapshot `json:"snapshot"`
}

// PublishInput names the statement to publish.
type PublishInput struct {
	CommunityID int64 `json:"community_id"`
	Year        int   `json:"year"`
}

// newToken is 128 random bits in lower-case base32 (26 characters).
func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("publication token: %w", err)
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// validToken reports whether s can be a token at all, so that anything
// else is a 404 without a query.
func validToken(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

const publicationCols = `id, community_id, year, version, token, snapshot, published_by, published_by_name, published_at,
	superseded_by, superseded_at, withdrawn_by_name, withdrawn_at, withdraw_reason`

func scanPublication(s scanner) (*Publication, error) {
	var p Publication
	var token, snapshot string
	err := s.Scan(&p.ID, &p.CommunityID, &p.Year, &p.Version, &token, &snapshot, &p.PublishedBy, &p.PublishedByName,
		&p.PublishedAt, &p.SupersededBy, &p.SupersededAt, &p.WithdrawnByName, &p.WithdrawnAt, &p.WithdrawReason)
	if err != nil {
		return nil, err
	}
	p.URL = PublicStatementPath + token
	p.Status = PublicationCurrent
	switch {
	case p.WithdrawnAt != nil:
		p.Status = PublicationWithdrawn
	case p.SupersededAt != nil:
		p.Status = PublicationSuperseded
	}
	p.Snapshot = &StatementSnapshot{}
	if err := json.Unmarshal([]byte(snapshot), p.Snapshot); err != nil {
		return nil, fmt.Errorf("publication %d snapshot: %w", p.ID, err)
	}
	return &p, nil
}

func getPublication(ctx context.Context, q db.Querier, where string, arg any) (*Publication, error) {
	p, err := scanPublication(q.QueryRowContext(ctx, `SELECT `+publicationCols+` FROM statement_publications WHERE `+where, arg))
	return p, notFound(err, "公示")
}

// Publish freezes the community's statement of a year as it stands into
// a new publication: version 1, or the next one, the older versions then
// marked superseded.
func (s *Service) Publish(ctx context.Context, by *auth.User, in PublishInput) (*Publication, error) {
	if err := can(by, auth.PermExpenditure, "发布收支公示"); err != nil {
		return nil, err
	}
	if in.CommunityID <= 0 {
		return nil, errs.Invalid("community_id", "请选择小区")
	}
	if err := see(by, in.CommunityID); err != nil {
		return nil, err
	}
	if this := s.Now().In(shanghai).Year(); in.Year < 2000 || in.Year > this {
		return nil, errs.Invalid("year", "请填写要公示的年度（2000 到 %d 年）", this)
	}
	var pub *Publication
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		var snap StatementSnapshot
		err := tx.QueryRowContext(ctx, `SELECT name, phone FROM communities WHERE id = $1`, in.CommunityID).
			Scan(&snap.CommunityName, &snap.CommunityPhone)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Invalid("community_id", "小区不存在")
		}
		if err != nil {
			return err
		}
		// Under the lock: versions are numbered one at a time, and the
		// payments, voids and refunds the statement sums wait for it, so
		// none lands between the figures frozen here and the version's
		// number and time.
		if err := lockCommunity(ctx, tx, in.CommunityID); err != nil {
			return err
		}
		st, err := s.Statement(db.WithTx(ctx, tx), by, in.CommunityID, in.Year)
		if err != nil {
			return err
		}
		snap.Statement = *st
		raw, err := json.Marshal(snap)
		if err != nil {
			return err
		}
		var version int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM statement_publications
			WHERE community_id = $1 AND year = $2`, in.CommunityID, in.Year).Scan(&version); err != nil {
			return err
		}
		token, err := newToken()
		if err != nil {
			return err
		}
		now := s.Now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO statement_publications (community_id, year, version, token, snapshot,
			published_by, published_by_name, published_at, created_by, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$6,$8,$8) RETURNING id`, in.CommunityID, in.Year, version+1, token, string(raw),
			by.ID, by.Name, now).Scan(&id); err != nil {
			return fmt.Errorf("insert publication: %w", err)
		}
		if pub, err = getPublication(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		if err := record(ctx, tx, by, in.CommunityID, "statement_publication", id, audit.ActionCreate, nil, pub); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM statement_publications WHERE community_id = $1 AND year = $2
			AND id <> $3 AND superseded_at IS NULL`, in.CommunityID, in.Year, id)
		if err != nil {
			return err
		}
		var older []int64
		for rows.Next() {
			var o int64
			if err := rows.Scan(&o); err != nil {
				rows.Close()
				return err
			}
			older = append(older, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, o := range older {
			before, err := getPublication(ctx, tx, "id = $1", o)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE statement_publications SET superseded_by = $1, superseded_at = $2,
				updated_at = $2 WHERE id = $3`, id, now, o); err != nil {
				return fmt.Errorf("supersede publication: %w", err)
			}
			after, err := getPublication(ctx, tx, "id = $1", o)
			if err != nil {
				return err
			}
			if err := record(ctx, tx, by, in.CommunityID, "statement_publication", o, audit.ActionUpdate, before, after); err != nil {
				return err
			}
		}
		return nil
	})
	return pub, err
}

// WithdrawPublication takes a publication back with a reason: its public
// page stays, saying it is withdrawn.
func (s *Service) WithdrawPublication(ctx context.Context, by *auth.User, id int64, reason string) (*Publication, error) {
	if err := can(by, auth.PermExpenditure, "撤回收支公示"); err != nil {
		return nil, err
	}
	var pub *Publication
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getPublication(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		if err := see(by, before.CommunityID); err != nil {
			return err
		}
		switch reason = strings.TrimSpace(reason); {
		case reason == "":
			return errs.Invalid("reason", "请填写撤回原因")
		case utf8.RuneCountInString(reason) > 200:
			return errs.Invalid("reason", "撤回原因不能超过 200 个字")
		}
		now := s.Now()
		res, err := tx.ExecContext(ctx, `UPDATE statement_publications SET withdrawn_by = $1, withdrawn_by_name = $2,
			withdrawn_at = $3, withdraw_reason = $4, updated_at = $3 WHERE id = $5 AND withdrawn_at IS NULL`,
			by.ID, by.Name, now, reason, id)
		if err != nil {
			return fmt.Errorf("withdraw publication: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.Conflict("", "该公示已撤回")
		}
		if pub, err = getPublication(ctx, tx, "id = $1", id); err != nil {
			return err
		}
		return record(ctx, tx, by, pub.CommunityID, "statement_publication", id, audit.ActionVoid, before, pub)
	})
	return pub, err
}

// Publication returns one publication to staff who see its community.
func (s *Service) Publication(ctx context.Context, by *auth.User, id int64) (*Publication, error) {
	if err := can(by, auth.PermBillingRead, "查看收支公示"); err != nil {
		return nil, err
	}
	p, err := getPublication(ctx, s.DB, "id = $1", id)
	if err != nil {
		return nil, err
	}
	return p, see(by, p.CommunityID)
}

// Publications lists the publications of a community (0 = every one in
// scope) and year (0 = every year), latest first.
func (s *Service) Publications(ctx context.Context, by *auth.User, communityID int64, year, limit, offset int) ([]*Publication, int, error) {
	if err := can(by, auth.PermBillingRead, "查看收支公示"); err != nil {
		return nil, 0, err
	}
	var c cond
	if communityID > 0 {
		if err := see(by, communityID); err != nil {
			return nil, 0, err
		}
		c.Add("community_id = ?", communityID)
	}
	if year > 0 {
		c.Add("year = ?", year)
	}
	c.Scope("community_id", Scope(by))
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM statement_publications`+c.SQL(), c.Args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+publicationCols+` FROM statement_publications`+c.SQL()+
		` ORDER BY year DESC, community_id, version DESC`+c.Page(limit, offset), c.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list publications: %w", err)
	}
	defer rows.Close()
	out := []*Publication{}
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// PublishedStatement is what anyone holding a public address may read:
// the publication of token and the latest version of its year (the same
// one when it is current). No login, so no scope: the token is the key.
func (s *Service) PublishedStatement(ctx context.Context, token string) (pub, latest *Publication, err error) {
	if !validToken(token) {
		return nil, nil, errs.NotFound("公示不存在或链接有误")
	}
	if pub, err = getPublication(ctx, s.DB, "token = $1", token); err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound {
			err = errs.NotFound("公示不存在或链接有误")
		}
		return nil, nil, err
	}
	latest, err = s.latestPublication(ctx, pub)
	return pub, latest, err
}

// latestPublication is the latest version of p's community and year.
func (s *Service) latestPublication(ctx context.Context, p *Publication) (*Publication, error) {
	if p.SupersededAt == nil {
		return p, nil
	}
	return scanPublication(s.DB.QueryRowContext(ctx, `SELECT `+publicationCols+` FROM statement_publications
		WHERE community_id = $1 AND year = $2 ORDER BY version DESC LIMIT 1`, p.CommunityID, p.Year))
}
