package movein

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// Campaigns

const campaignCols = `c.id, c.community_id, m.name, c.name, c.starts_on, c.ends_on, c.work_plan, c.posts, c.fee_items,
	c.created_at, c.updated_at,
	(SELECT count(*) FROM movein_houses e WHERE e.campaign_id = c.id),
	(SELECT count(*) FROM movein_houses e WHERE e.campaign_id = c.id AND e.handed_over_on <> '')`

const campaignFrom = ` FROM movein_campaigns c JOIN communities m ON m.id = c.community_id`

func scanCampaign(sc interface{ Scan(...any) error }) (*Campaign, error) {
	c := &Campaign{}
	var posts, fees string
	if err := sc.Scan(&c.ID, &c.CommunityID, &c.Community, &c.Name, &c.StartsOn, &c.EndsOn, &c.WorkPlan, &posts, &fees,
		&c.CreatedAt, &c.UpdatedAt, &c.Houses, &c.HandedOver); err != nil {
		return nil, err
	}
	json.Unmarshal([]byte(posts), &c.Posts)
	json.Unmarshal([]byte(fees), &c.FeeItemIDs)
	if c.Posts == nil {
		c.Posts = []Post{}
	}
	if c.FeeItemIDs == nil {
		c.FeeItemIDs = []int64{}
	}
	c.Batches, c.Warnings, c.FeeItems = []*Batch{}, []string{}, []FeeItem{}
	return c, nil
}

func getCampaign(ctx context.Context, q db.Querier, by *auth.User, id int64) (*Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignCols+campaignFrom+` WHERE c.id = $1`, id))
	if err != nil {
		return nil, missing(err, "入伙计划")
	}
	if !by.Sees(c.CommunityID) {
		return nil, errs.Forbidden("该入伙计划不在您管辖的小区内")
	}
	return c, nil
}

// Campaign returns a campaign with its batches (and their newspaper
// warnings, also gathered in Warnings) and required fee items.
func (s *Service) Campaign(ctx context.Context, by *auth.User, id int64) (*Campaign, error) {
	if !by.Can(auth.PermMoveInRead) {
		return nil, errs.Forbidden("没有权限")
	}
	return s.campaign(ctx, s.DB.Q(ctx), by, id)
}

func (s *Service) campaign(ctx context.Context, q db.Querier, by *auth.User, id int64) (*Campaign, error) {
	c, err := getCampaign(ctx, q, by, id)
	if err != nil {
		return nil, err
	}
	if c.Batches, err = batches(ctx, q, "b.campaign_id = $1", id); err != nil {
		return nil, err
	}
	for _, b := range c.Batches {
		if b.Warning != "" {
			c.Warnings = append(c.Warnings, b.Name+"："+b.Warning)
		}
	}
	c.FeeItems, err = feeItems(ctx, q, c.CommunityID, c.FeeItemIDs)
	return c, err
}

// CampaignFilter selects campaigns.
type CampaignFilter struct {
	CommunityID   int64
	Limit, Offset int
}

// Campaigns lists campaigns in scope, the latest first.
func (s *Service) Campaigns(ctx context.Context, by *auth.User, f CampaignFilter) ([]*Campaign, int, error) {
	if !by.Can(auth.PermMoveInRead) {
		return nil, 0, errs.Forbidden("没有权限")
	}
	var w db.Where
	if f.CommunityID > 0 {
		if err := can(by, auth.PermMoveInRead, f.CommunityID); err != nil {
			return nil, 0, err
		}
		w.Add("c.community_id = ?", f.CommunityID)
	}
	w.Scope("c.community_id", archive.Scope(by))
	var total int
	if err := s.DB.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM movein_campaigns c`+w.SQL(), w.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count campaigns: %w", err)
	}
	rows, err := s.DB.Q(ctx).QueryContext(ctx, `SELECT `+campaignCols+campaignFrom+w.SQL()+` ORDER BY c.starts_on DESC, c.id DESC`+
		w.Page(f.Limit, f.Offset), w.Args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	out := []*Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for _, c := range out {
		if c.Batches, err = batches(ctx, s.DB.Q(ctx), "b.campaign_id = $1", c.ID); err != nil {
			return nil, 0, err
		}
		for _, b := range c.Batches {
			if b.Warning != "" {
				c.Warnings = append(c.Warnings, b.Name+"："+b.Warning)
			}
		}
	}
	return out, total, nil
}

// feeItems checks ids against the community's non-deposit fee items and
// returns them; nil ids are none.
func feeItems(ctx context.Context, q db.Querier, communityID int64, ids []int64) ([]FeeItem, error) {
	out := []FeeItem{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := db.In([]any{communityID}, ids)
	rows, err := q.QueryContext(ctx, `SELECT id, name, kind FROM fee_items WHERE community_id = $1 AND NOT deposit
		AND id IN (`+in+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("fee items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it FeeItem
		if err := rows.Scan(&it.ID, &it.Name, &it.Kind); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// FeeItemChoices are the fee items a campaign may require: the
// community's active non-deposit items.
func (s *Service) FeeItemChoices(ctx context.Context, by *auth.User, communityID int64) ([]FeeItem, error) {
	if err := can(by, auth.PermMoveInRead, communityID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Q(ctx).QueryContext(ctx, `SELECT id, name, kind FROM fee_items WHERE community_id = $1 AND NOT deposit AND active
		ORDER BY CASE WHEN kind = 'oneoff' THEN 0 ELSE 1 END, name`, communityID)
	if err != nil {
		return nil, fmt.Errorf("fee item choices: %w", err)
	}
	defer rows.Close()
	out := []FeeItem{}
	for rows.Next() {
		var it FeeItem
		if err := rows.Scan(&it.ID, &it.Name, &it.Kind); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func (s *Service) checkFeeItems(ctx context.Context, q db.Querier, in *CampaignInput) error {
	items, err := feeItems(ctx, q, in.CommunityID, in.FeeItemIDs)
	if err != nil {
		return err
	}
	if len(items) != len(in.FeeItemIDs) {
		return errs.Invalid("fee_item_ids", "必缴收费项目须为本小区的收费项目（押金除外）")
	}
	return nil
}

// CreateCampaign plans a campaign; the community gets the standard
// 入伙资料 the first time.
func (s *Service) CreateCampaign(ctx context.Context, by *auth.User, in CampaignInput) (*Campaign, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var c *Campaign
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := checkCommunity(ctx, tx, by, auth.PermMoveInPlan, in.CommunityID); err != nil {
			return err
		}
		if err := s.checkFeeItems(ctx, tx, &in); err != nil {
			return err
		}
		posts, _ := json.Marshal(in.Posts)
		fees, _ := json.Marshal(in.FeeItemIDs)
		now := s.now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO movein_campaigns (community_id, name, starts_on, ends_on, work_plan, posts,
			fee_items, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING id`,
			in.CommunityID, in.Name, in.StartsOn, in.EndsOn, in.WorkPlan, string(posts), string(fees), by.ID, now).Scan(&id); err != nil {
			return fmt.Errorf("insert campaign: %w", err)
		}
		if err := s.ensurePack(ctx, tx, by, in.CommunityID); err != nil {
			return err
		}
		var err error
		if c, err = s.campaign(ctx, tx, by, id); err != nil {
			return err
		}
		return record(ctx, tx, by, c.CommunityID, "movein_campaign", id, audit.ActionCreate, nil, auditOf(in, c.FeeItems))
	})
	return c, err
}

// UpdateCampaign edits a campaign's dates, plan, posts and required fee
// items (not its community).
func (s *Service) UpdateCampaign(ctx context.Context, by *auth.User, id int64, in CampaignInput) (*Campaign, error) {
	var c *Campaign
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getCampaign(ctx, tx, by, id)
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInPlan, before.CommunityID); err != nil {
			return err
		}
		in.CommunityID = before.CommunityID
		if err := in.validate(); err != nil {
			return err
		}
		var outside string
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(starts_on), '') FROM movein_batches WHERE campaign_id = $1
			AND (starts_on < $2 OR starts_on > $3)`, id, in.StartsOn, in.EndsOn).Scan(&outside); err != nil {
			return err
		}
		if outside != "" {
			return errs.Invalid("starts_on", "已有批次首日 %s 不在新的起止日期之内", outside)
		}
		if err := s.checkFeeItems(ctx, tx, &in); err != nil {
			return err
		}
		posts, _ := json.Marshal(in.Posts)
		fees, _ := json.Marshal(in.FeeItemIDs)
		if _, err := tx.ExecContext(ctx, `UPDATE movein_campaigns SET name=$1, starts_on=$2, ends_on=$3, work_plan=$4, posts=$5,
			fee_items=$6, updated_at=$7 WHERE id=$8`, in.Name, in.StartsOn, in.EndsOn, in.WorkPlan, string(posts), string(fees),
			s.now(), id); err != nil {
			return fmt.Errorf("update campaign: %w", err)
		}
		if c, err = s.campaign(ctx, tx, by, id); err != nil {
			return err
		}
		beforeItems, err := feeItems(ctx, tx, before.CommunityID, before.FeeItemIDs)
		if err != nil {
			return err
		}
		return record(ctx, tx, by, c.CommunityID, "movein_campaign", id, audit.ActionUpdate,
			auditOf(CampaignInputOf(before), beforeItems), auditOf(in, c.FeeItems))
	})
	return c, err
}

// auditOf is a campaign as its history panel shows it: posts and fee
// items in words.
func auditOf(in CampaignInput, items []FeeItem) map[string]any {
	posts := make([]string, len(in.Posts))
	for i, p := range in.Posts {
		posts[i] = strings.TrimSuffix(p.Post+"："+p.Staff, "：")
	}
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.Name
	}
	return map[string]any{"name": in.Name, "starts_on": in.StartsOn, "ends_on": in.EndsOn, "work_plan": in.WorkPlan,
		"posts": posts, "fee_item_ids": names}
}
