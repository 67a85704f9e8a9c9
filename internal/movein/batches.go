package movein

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// Batches and slots

func batches(ctx context.Context, q db.Querier, where string, arg int64) ([]*Batch, error) {
	rows, err := q.QueryContext(ctx, `SELECT b.id, b.campaign_id, b.community_id, b.name, b.starts_on, b.newspaper,
		b.newspaper_on, b.notes, b.created_at, b.updated_at,
		(SELECT count(*) FROM movein_houses e WHERE e.batch_id = b.id)
		FROM movein_batches b WHERE `+where+` ORDER BY b.starts_on, b.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("batches: %w", err)
	}
	defer rows.Close()
	out := []*Batch{}
	byID := map[int64]*Batch{}
	for rows.Next() {
		b := &Batch{Slots: []*Slot{}}
		if err := rows.Scan(&b.ID, &b.CampaignID, &b.CommunityID, &b.Name, &b.StartsOn, &b.Newspaper, &b.NewspaperOn,
			&b.Notes, &b.CreatedAt, &b.UpdatedAt, &b.Houses); err != nil {
			return nil, err
		}
		b.Warning = newspaperWarning(b.StartsOn, b.NewspaperOn)
		out = append(out, b)
		byID[b.ID] = b
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	rows.Close()
	srows, err := q.QueryContext(ctx, `SELECT s.id, s.batch_id, s.day, s.starts_at, s.ends_at, s.capacity,
		(SELECT count(*) FROM movein_houses e WHERE e.slot_id = s.id)
		FROM movein_slots s JOIN movein_batches b ON b.id = s.batch_id WHERE `+where+` ORDER BY s.day, s.starts_at, s.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("slots: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		sl := &Slot{}
		if err := srows.Scan(&sl.ID, &sl.BatchID, &sl.Day, &sl.From, &sl.To, &sl.Capacity, &sl.Booked); err != nil {
			return nil, err
		}
		if b := byID[sl.BatchID]; b != nil {
			b.Slots = append(b.Slots, sl)
		}
	}
	return out, srows.Err()
}

// Batch returns one batch with its slots and warning.
func (s *Service) Batch(ctx context.Context, by *auth.User, id int64) (*Batch, error) {
	if !by.Can(auth.PermMoveInRead) {
		return nil, errs.Forbidden("没有权限")
	}
	return getBatch(ctx, s.DB.Q(ctx), by, id)
}

func getBatch(ctx context.Context, q db.Querier, by *auth.User, id int64) (*Batch, error) {
	bs, err := batches(ctx, q, "b.id = $1", id)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, errs.NotFound("入伙批次不存在")
	}
	if !by.Sees(bs[0].CommunityID) {
		return nil, errs.Forbidden("该批次不在您管辖的小区内")
	}
	return bs[0], nil
}

// CreateBatch adds a batch (and its slots) to a campaign.
func (s *Service) CreateBatch(ctx context.Context, by *auth.User, in BatchInput) (*Batch, error) {
	if in.CampaignID <= 0 {
		return nil, errs.Invalid("campaign_id", "请选择入伙计划")
	}
	var b *Batch
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		c, err := getCampaign(ctx, tx, by, in.CampaignID)
		if errs.CodeOf(err) == errs.CodeNotFound {
			return errs.Invalid("campaign_id", "入伙计划不存在")
		}
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInPlan, c.CommunityID); err != nil {
			return err
		}
		var f errs.Fields
		if err := in.validate(c); err != nil {
			return err
		}
		for i := range in.Slots {
			in.Slots[i].validate(&f, c, in.StartsOn, i+1)
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO movein_batches (campaign_id, community_id, name, starts_on, newspaper,
			newspaper_on, notes, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id`, c.ID, c.CommunityID,
			in.Name, in.StartsOn, in.Newspaper, in.NewspaperOn, in.Notes, now).Scan(&id); err != nil {
			return fmt.Errorf("insert batch: %w", err)
		}
		for _, sl := range in.Slots {
			if err := insertSlot(ctx, tx, id, c, sl, now); err != nil {
				return err
			}
		}
		if b, err = getBatch(ctx, tx, by, id); err != nil {
			return err
		}
		return record(ctx, tx, by, c.CommunityID, "movein_batch", id, audit.ActionCreate, nil, in)
	})
	return b, err
}

func insertSlot(ctx context.Context, tx *sql.Tx, batchID int64, c *Campaign, sl SlotInput, now any) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO movein_slots (batch_id, campaign_id, community_id, day, starts_at, ends_at,
		capacity, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, batchID, c.ID, c.CommunityID, sl.Day, sl.From, sl.To, sl.Capacity, now)
	if err != nil {
		return fmt.Errorf("insert slot: %w", err)
	}
	return nil
}

// UpdateBatch edits a batch: its name, first day, notes and newspaper
// notice (planning).
func (s *Service) UpdateBatch(ctx context.Context, by *auth.User, id int64, in BatchInput) (*Batch, error) {
	return s.updateBatch(ctx, by, id, auth.PermMoveInPlan, func(before *Batch) BatchInput { return in })
}

// RecordNewspaper records a batch's newspaper publication (desk work).
func (s *Service) RecordNewspaper(ctx context.Context, by *auth.User, id int64, newspaper, publishedOn string) (*Batch, error) {
	return s.updateBatch(ctx, by, id, auth.PermMoveInWork, func(before *Batch) BatchInput {
		in := BatchInputOf(before)
		in.Newspaper, in.NewspaperOn = newspaper, publishedOn
		return in
	})
}

func (s *Service) updateBatch(ctx context.Context, by *auth.User, id int64, perm string, change func(*Batch) BatchInput) (*Batch, error) {
	var b *Batch
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getBatch(ctx, tx, by, id)
		if err != nil {
			return err
		}
		c, err := getCampaign(ctx, tx, by, before.CampaignID)
		if err != nil {
			return err
		}
		if err := can(by, perm, c.CommunityID); err != nil {
			return err
		}
		in := change(before)
		in.CampaignID, in.Slots = c.ID, nil
		if err := in.validate(c); err != nil {
			return err
		}
		var early string
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(day), '') FROM movein_slots WHERE batch_id = $1 AND day < $2`,
			id, in.StartsOn).Scan(&early); err != nil {
			return err
		}
		if early != "" {
			return errs.Invalid("starts_on", "已有 %s 的预约时段，首日不能晚于它", early)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE movein_batches SET name=$1, starts_on=$2, newspaper=$3, newspaper_on=$4, notes=$5,
			updated_at=$6 WHERE id=$7`, in.Name, in.StartsOn, in.Newspaper, in.NewspaperOn, in.Notes, s.now(), id); err != nil {
			return fmt.Errorf("update batch: %w", err)
		}
		if b, err = getBatch(ctx, tx, by, id); err != nil {
			return err
		}
		return record(ctx, tx, by, c.CommunityID, "movein_batch", id, audit.ActionUpdate, BatchInputOf(before), in)
	})
	return b, err
}

// AddSlot adds an appointment slot to a batch.
func (s *Service) AddSlot(ctx context.Context, by *auth.User, batchID int64, in SlotInput) (*Batch, error) {
	var b *Batch
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getBatch(ctx, tx, by, batchID)
		if err != nil {
			return err
		}
		c, err := getCampaign(ctx, tx, by, before.CampaignID)
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInPlan, c.CommunityID); err != nil {
			return err
		}
		var f errs.Fields
		in.validate(&f, c, before.StartsOn, 0)
		if err := f.Err(); err != nil {
			return err
		}
		if err := insertSlot(ctx, tx, batchID, c, in, s.now()); err != nil {
			return err
		}
		if b, err = getBatch(ctx, tx, by, batchID); err != nil {
			return err
		}
		return record(ctx, tx, by, c.CommunityID, "movein_batch", batchID, audit.ActionUpdate, nil,
			map[string]any{"slots": fmt.Sprintf("%s %s-%s（%d 户）", in.Day, in.From, in.To, in.Capacity)})
	})
	return b, err
}

// AssignInput names houses to put in a batch: by id, by typed codes
// (3-2-1201, separated by spaces, commas or lines), or a whole building
// or unit.
type AssignInput struct {
	HouseIDs   []int64 `json:"house_ids"`
	HouseCodes string  `json:"house_codes"`
	BuildingID int64   `json:"building_id"`
	UnitID     int64   `json:"unit_id"`
}

// MaxAssign bounds the houses of one assignment.
const MaxAssign = 2000

// AssignHouses puts houses into a batch of their community's campaign;
// a house moved from another batch loses its appointment there. Houses
// already handed over stay where they are. It returns the batch.
func (s *Service) AssignHouses(ctx context.Context, by *auth.User, batchID int64, in AssignInput) (*Batch, int, error) {
	var b *Batch
	var n int
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		before, err := getBatch(ctx, tx, by, batchID)
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInPlan, before.CommunityID); err != nil {
			return err
		}
		houses, err := resolveHouses(ctx, tx, before.CommunityID, in)
		if err != nil {
			return err
		}
		now := s.now()
		var codes []string
		for _, h := range houses {
			res, err := tx.ExecContext(ctx, `INSERT INTO movein_houses (campaign_id, community_id, house_id, batch_id, created_at,
				updated_at) VALUES ($1,$2,$3,$4,$5,$5) ON CONFLICT (campaign_id, house_id) DO UPDATE SET batch_id = excluded.batch_id,
				slot_id = CASE WHEN movein_houses.batch_id = excluded.batch_id THEN movein_houses.slot_id ELSE NULL END,
				updated_at = excluded.updated_at WHERE movein_houses.handed_over_on = ''`,
				before.CampaignID, before.CommunityID, h.id, batchID, now)
			if err != nil {
				return fmt.Errorf("assign house: %w", err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
				codes = append(codes, h.code)
			}
		}
		if b, err = getBatch(ctx, tx, by, batchID); err != nil {
			return err
		}
		return record(ctx, tx, by, before.CommunityID, "movein_batch", batchID, audit.ActionUpdate, nil,
			map[string]any{"houses": codes})
	})
	return b, n, err
}

type houseRef struct {
	id   int64
	code string
}

func resolveHouses(ctx context.Context, q db.Querier, communityID int64, in AssignInput) ([]houseRef, error) {
	var out []houseRef
	seen := map[int64]bool{}
	add := func(where string, args ...any) error {
		rows, err := q.QueryContext(ctx, `SELECT id, code FROM houses WHERE community_id = $1 AND `+where+` ORDER BY code LIMIT 5001`,
			append([]any{communityID}, args...)...)
		if err != nil {
			return fmt.Errorf("resolve houses: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var h houseRef
			if err := rows.Scan(&h.id, &h.code); err != nil {
				return err
			}
			if !seen[h.id] {
				seen[h.id] = true
				out = append(out, h)
			}
		}
		return rows.Err()
	}
	if len(in.HouseIDs) > MaxAssign {
		return nil, errs.Invalid("house_ids", "一次最多分配 %d 户", MaxAssign)
	}
	if len(in.HouseIDs) > 0 {
		cond, args := db.In([]any{communityID}, in.HouseIDs)
		if err := add("id IN ("+cond+")", args[1:]...); err != nil {
			return nil, err
		}
		if len(out) != len(in.HouseIDs) {
			return nil, errs.Invalid("house_ids", "有房屋不存在或不在本小区")
		}
	}
	codes := strings.FieldsFunc(strings.NewReplacer("－", "-", "—", "-").Replace(in.HouseCodes), func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '　'
	})
	if len(codes) > MaxAssign {
		return nil, errs.Invalid("house_codes", "一次最多分配 %d 户", MaxAssign)
	}
	for _, code := range codes {
		n := len(out)
		if err := add("code = $2", code); err != nil {
			return nil, err
		}
		if len(out) == n && !containsCode(out, code) {
			return nil, errs.Invalid("house_codes", "本小区没有房屋 %s（格式 楼栋-单元-房号，如 3-2-1201）", code)
		}
	}
	if in.BuildingID > 0 {
		if err := add("building_id = $2", in.BuildingID); err != nil {
			return nil, err
		}
	}
	if in.UnitID > 0 {
		if err := add("unit_id = $2", in.UnitID); err != nil {
			return nil, err
		}
	}
	switch {
	case len(out) == 0 && len(codes)+len(in.HouseIDs) == 0 && in.BuildingID == 0 && in.UnitID == 0:
		return nil, errs.Invalid("house_codes", "请填写房号，或选择楼栋、单元")
	case len(out) == 0:
		return nil, errs.Invalid("building_id", "所选楼栋或单元没有本小区的房屋")
	case len(out) > MaxAssign:
		return nil, errs.Invalid("building_id", "一次最多分配 %d 户", MaxAssign)
	}
	return out, nil
}

func containsCode(hs []houseRef, code string) bool {
	for _, h := range hs {
		if h.code == code {
			return true
		}
	}
	return false
}
