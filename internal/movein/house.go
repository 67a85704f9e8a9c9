package movein

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"wuye/internal/archive"
	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
	"wuye/internal/platform/money"
	"wuye/internal/platform/web"
	"wuye/internal/ticket"
)

// A house's 收楼: the routes name the house, not its campaign. The
// house's record is its latest one; a house in no campaign yet joins its
// community's current campaign with its first recorded step (campaign_id
// in a body picks another one of the same community).

// entryOf returns h's record and campaign: in campaignID if given, else
// its latest record, else a record not yet stored (ID 0) in the
// community's current campaign. The campaign is nil if the community
// has none.
func (s *Service) entryOf(ctx context.Context, q db.Querier, by *auth.User, h *houseRow, campaignID int64) (*Entry, *Campaign, error) {
	var e *Entry
	var err error
	if campaignID > 0 {
		e, err = scanEntry(q.QueryRowContext(ctx, `SELECT `+entryCols+entryFrom+` WHERE e.campaign_id = $1 AND e.house_id = $2`,
			campaignID, h.ID))
	} else {
		e, err = scanEntry(q.QueryRowContext(ctx, `SELECT `+entryCols+entryFrom+` WHERE e.house_id = $1 ORDER BY e.id DESC LIMIT 1`, h.ID))
		if err == nil {
			campaignID = e.CampaignID
		}
	}
	if err != nil && err != sql.ErrNoRows {
		return nil, nil, fmt.Errorf("house record: %w", err)
	}
	if campaignID == 0 {
		today := s.today()
		err := q.QueryRowContext(ctx, `SELECT id FROM movein_campaigns WHERE community_id = $1
			ORDER BY CASE WHEN starts_on <= $2 AND ends_on >= $2 THEN 0 ELSE 1 END, starts_on DESC, id DESC LIMIT 1`,
			h.CommunityID, today).Scan(&campaignID)
		if err == sql.ErrNoRows {
			return &Entry{CommunityID: h.CommunityID, HouseID: h.ID, HouseCode: h.Code, HouseStatus: h.Status, Keys: []Key{},
				Notices: []Notice{}, Documents: []DocumentStatus{}, Defects: []Defect{}, Missing: []string{}}, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
	c, err := s.campaign(ctx, q, by, campaignID)
	if err != nil || c.CommunityID != h.CommunityID {
		if err == nil || errs.CodeOf(err) == errs.CodeNotFound {
			err = errs.Invalid("campaign_id", "入伙计划不存在或不属于该房屋所在的小区")
		}
		return nil, nil, err
	}
	if e == nil {
		e = &Entry{CampaignID: c.ID, Campaign: c.Name, CommunityID: h.CommunityID, HouseID: h.ID, HouseCode: h.Code,
			HouseStatus: h.Status, Keys: []Key{}}
	}
	d, err := loadData(ctx, q, c, "entry_id", e.ID, "b.house_id = $1", h.ID, []int64{h.ID})
	if err != nil {
		return nil, nil, err
	}
	d.fill(e, c)
	return e, c, nil
}

// HouseRecord returns a house's 收楼 record with its campaign (nil when
// the community has no campaign yet).
func (s *Service) HouseRecord(ctx context.Context, by *auth.User, houseID, campaignID int64) (*Entry, *Campaign, error) {
	q := s.DB.Q(ctx)
	h, err := houseOf(ctx, q, by, houseID)
	if err != nil {
		return nil, nil, err
	}
	if err := can(by, auth.PermMoveInRead, h.CommunityID); err != nil {
		return nil, nil, err
	}
	return s.entryOf(ctx, q, by, h, campaignID)
}

// act runs one step of a house's 收楼 in a transaction: the house is
// checked first (another community's is a 403), then its record is
// found; fn records the step. It returns the record as it is after.
func (s *Service) act(ctx context.Context, by *auth.User, houseID, campaignID int64,
	fn func(tx *sql.Tx, h *houseRow, e *Entry, c *Campaign) error) (*Entry, error) {
	var out *Entry
	err := s.DB.Tx(ctx, func(tx *sql.Tx) error {
		h, err := houseOf(ctx, tx, by, houseID)
		if err != nil {
			return err
		}
		if err := can(by, auth.PermMoveInWork, h.CommunityID); err != nil {
			return err
		}
		e, c, err := s.entryOf(ctx, tx, by, h, campaignID)
		if err != nil {
			return err
		}
		if c == nil {
			return errs.Conflict("campaign_id", "本小区还没有入伙计划，请先由中心主任制定入伙计划")
		}
		if err := fn(tx, h, e, c); err != nil {
			return err
		}
		out, _, err = s.entryOf(ctx, tx, by, h, c.ID)
		return err
	})
	return out, err
}

// enrol stores a house's record in its campaign if it is not stored yet.
func (s *Service) enrol(ctx context.Context, tx *sql.Tx, by *auth.User, e *Entry, c *Campaign) error {
	if e.ID != 0 {
		return nil
	}
	now := s.now()
	if err := tx.QueryRowContext(ctx, `INSERT INTO movein_houses (campaign_id, community_id, house_id, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$4) RETURNING id`, c.ID, c.CommunityID, e.HouseID, now).Scan(&e.ID); err != nil {
		return fmt.Errorf("enrol house: %w", err)
	}
	e.Enrolled = true
	return record(ctx, tx, by, c.CommunityID, "movein_house", e.ID, audit.ActionCreate, nil,
		map[string]any{"house": e.HouseCode, "campaign": c.Name})
}

// touch marks a record changed and audits the change.
func (s *Service) touch(ctx context.Context, tx *sql.Tx, by *auth.User, e *Entry, before, after any) error {
	if _, err := tx.ExecContext(ctx, `UPDATE movein_houses SET updated_at = $1 WHERE id = $2`, s.now(), e.ID); err != nil {
		return err
	}
	return record(ctx, tx, by, e.CommunityID, "movein_house", e.ID, audit.ActionUpdate, before, after)
}

// RecordNotice records how and when the 入伙通知书 and 收楼手续流程表
// were sent to a house (the manual: by 挂号信, before the move-in).
func (s *Service) RecordNotice(ctx context.Context, by *auth.User, houseID int64, in NoticeInput) (*Entry, error) {
	return s.act(ctx, by, houseID, in.CampaignID, func(tx *sql.Tx, h *houseRow, e *Entry, c *Campaign) error {
		if err := in.validate(s.today()); err != nil {
			return err
		}
		if err := s.enrol(ctx, tx, by, e, c); err != nil {
			return err
		}
		for _, doc := range in.Documents {
			if _, err := tx.ExecContext(ctx, `INSERT INTO movein_notices (entry_id, campaign_id, community_id, house_id, document,
				method, mail_number, sent_on, note, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
				e.ID, c.ID, c.CommunityID, h.ID, doc, in.Method, in.MailNumber, in.SentOn, in.Note, by.ID, s.now()); err != nil {
				return fmt.Errorf("insert notice: %w", err)
			}
		}
		return s.touch(ctx, tx, by, e, nil, map[string]any{"notice": fmt.Sprintf("%s：%s %s %s",
			strings.Join(in.Documents, "、"), in.Method, in.MailNumber, in.SentOn)})
	})
}

// Appoint books an appointment slot of the campaign for a house; a full
// slot is a 409. The house joins the slot's batch.
func (s *Service) Appoint(ctx context.Context, by *auth.User, houseID int64, in AppointInput) (*Entry, error) {
	return s.act(ctx, by, houseID, in.CampaignID, func(tx *sql.Tx, h *houseRow, e *Entry, c *Campaign) error {
		if in.SlotID <= 0 {
			return errs.Invalid("slot_id", "请选择预约时段")
		}
		if e.HandedOver() {
			return errs.Conflict("slot_id", "%s 已于 %s 交钥匙，无需预约", h.Code, e.HandedOverOn)
		}
		lock := ""
		if s.DB.Dialect == db.Postgres {
			lock = " FOR UPDATE" // two desks booking the last place queue here
		}
		var sl Slot
		var campaignID int64
		err := tx.QueryRowContext(ctx, `SELECT id, batch_id, campaign_id, day, starts_at, ends_at, capacity FROM movein_slots
			WHERE id = $1`+lock, in.SlotID).Scan(&sl.ID, &sl.BatchID, &campaignID, &sl.Day, &sl.From, &sl.To, &sl.Capacity)
		if err == sql.ErrNoRows || (err == nil && campaignID != c.ID) {
			return errs.Invalid("slot_id", "预约时段不存在或不属于入伙计划「%s」", c.Name)
		}
		if err != nil {
			return err
		}
		if e.SlotID != nil && *e.SlotID == sl.ID {
			return nil
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM movein_houses WHERE slot_id = $1`, sl.ID).Scan(&sl.Booked); err != nil {
			return err
		}
		if sl.Full() {
			return errs.Conflict("slot_id", "%s 已约满（%d 户），请选择其他时段", sl.Label(), sl.Capacity)
		}
		if err := s.enrol(ctx, tx, by, e, c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE movein_houses SET slot_id = $1, batch_id = $2, appointed_at = $3 WHERE id = $4`,
			sl.ID, sl.BatchID, s.now(), e.ID); err != nil {
			return fmt.Errorf("appoint: %w", err)
		}
		return s.touch(ctx, tx, by, e, map[string]any{"slot": e.Slot}, map[string]any{"slot": sl.Label()})
	})
}

// Sign records that a document of the pack was signed for a house, at
// its current version.
func (s *Service) Sign(ctx context.Context, by *auth.User, houseID int64, in SignInput) (*Signature, error) {
	var sig *Signature
	e, err := s.act(ctx, by, houseID, in.CampaignID, func(tx *sql.Tx, h *houseRow, e *Entry, c *Campaign) error {
		docs, err := documents(ctx, tx, c.CommunityID, true)
		if err != nil {
			return err
		}
		var f errs.Fields
		doc, err := findDocument(docs, string(in.Document))
		if err != nil {
			return err
		}
		text(&f, &in.SignedBy, "signed_by", "签署人", 40, true)
		if in.SignedOn == "" {
			in.SignedOn = s.today()
		}
		day(&f, &in.SignedOn, "signed_on", "签署日期", true)
		if in.SignedOn > s.today() {
			f.Add("signed_on", "签署日期不能晚于今天")
		}
		text(&f, &in.Note, "note", "备注", 200, false)
		if err := f.Err(); err != nil {
			return err
		}
		if err := s.enrol(ctx, tx, by, e, c); err != nil {
			return err
		}
		sig = &Signature{CampaignID: c.ID, HouseID: h.ID, HouseCode: h.Code, DocumentID: doc.ID, Document: doc.Name,
			Version: doc.Version, SignedBy: in.SignedBy, SignedOn: in.SignedOn, Note: in.Note, CreatedAt: s.now()}
		err = tx.QueryRowContext(ctx, `INSERT INTO movein_signatures (entry_id, campaign_id, community_id, house_id, document_id,
			version, signed_by, signed_on, note, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`,
			e.ID, c.ID, c.CommunityID, h.ID, doc.ID, doc.Version, in.SignedBy, in.SignedOn, in.Note, by.ID, sig.CreatedAt).Scan(&sig.ID)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("document", "《%s》第 %d 版已签署过", doc.Name, doc.Version)
		}
		if err != nil {
			return fmt.Errorf("insert signature: %w", err)
		}
		return s.touch(ctx, tx, by, e, nil, map[string]any{"document": fmt.Sprintf("《%s》第 %d 版，%s 签署于 %s",
			doc.Name, doc.Version, in.SignedBy, in.SignedOn)})
	})
	if err != nil {
		return nil, err
	}
	sig.Missing = e.Missing
	return sig, nil
}

// AddDefect records a 验房 defect and registers it as a repair ticket
// (channel 来访, category 验房) of the house, in the same transaction.
func (s *Service) AddDefect(ctx context.Context, by *auth.User, houseID int64, in DefectInput) (*Defect, error) {
	var out *Defect
	_, err := s.act(ctx, by, houseID, in.CampaignID, func(tx *sql.Tx, h *houseRow, e *Entry, c *Campaign) error {
		if err := in.validate(); err != nil {
			return err
		}
		if err := s.enrol(ctx, tx, by, e, c); err != nil {
			return err
		}
		title := in.Room + "：" + in.Description
		if utf8.RuneCountInString(title) > 100 {
			title = string([]rune(title)[:99]) + "…"
		}
		hid := h.ID
		t, err := s.Tickets.Create(db.WithTx(ctx, tx), by, ticket.CreateInput{CommunityID: h.CommunityID, HouseID: &hid,
			Kind: ticket.KindRepair, Channel: "visit", Title: title, Category: "验房", Location: in.Room,
			Description: fmt.Sprintf("入伙验房（%s）发现：%s %s。维修责任方：%s。", c.Name, in.Room, in.Description, Label(in.Party))})
		if err != nil {
			return fmt.Errorf("defect ticket: %w", err)
		}
		out = &Defect{Room: in.Room, Description: in.Description, Party: in.Party, PartyLabel: Label(in.Party), TicketID: t.ID,
			TicketNumber: t.Number, TicketStatus: t.Status, StatusLabel: ticket.Label(t.Status), Open: t.Open(), HouseID: h.ID,
			CampaignID: c.ID, CreatedAt: s.now()}
		if err := tx.QueryRowContext(ctx, `INSERT INTO movein_defects (entry_id, campaign_id, community_id, house_id, room,
			description, party, ticket_id, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
			e.ID, c.ID, c.CommunityID, h.ID, in.Room, in.Description, in.Party, t.ID, by.ID, out.CreatedAt).Scan(&out.ID); err != nil {
			return fmt.Errorf("insert defect: %w", err)
		}
		return s.touch(ctx, tx, by, e, nil, map[string]any{"defect": fmt.Sprintf("%s（工单 %s）", title, t.Number)})
	})
	return out, err
}

// firstOwner is the house's first current owner, "" if none.
func firstOwner(e *Entry) string {
	if len(e.Owners) > 0 {
		return e.Owners[0]
	}
	return ""
}

// Accept records the owner's acceptance of the house after 验房. Open
// defects do not prevent it; they are written into the acceptance.
func (s *Service) Accept(ctx context.Context, by *auth.User, houseID int64, in AcceptInput) (*Entry, error) {
	return s.act(ctx, by, houseID, in.CampaignID, func(tx *sql.Tx, h *houseRow, e *Entry, c *Campaign) error {
		if e.AcceptedOn != "" {
			return errs.Conflict("accepted_on", "%s 已于 %s 由 %s 验收", h.Code, e.AcceptedOn, e.AcceptedBy)
		}
		var f errs.Fields
		if strings.TrimSpace(in.AcceptedBy) == "" {
			in.AcceptedBy = firstOwner(e)
		}
		text(&f, &in.AcceptedBy, "accepted_by", "验收业主", 40, true)
		if in.AcceptedOn == "" {
			in.AcceptedOn = s.today()
		}
		day(&f, &in.AcceptedOn, "accepted_on", "验收日期", true)
		if in.AcceptedOn > s.today() {
			f.Add("accepted_on", "验收日期不能晚于今天")
		}
		text(&f, &in.Note, "note", "验收说明", 500, false)
		if err := f.Err(); err != nil {
			return err
		}
		var open []string
		for _, d := range e.Defects {
			if d.Open {
				open = append(open, d.Room+"："+d.Description)
			}
		}
		note := in.Note
		if len(open) > 0 {
			note = strings.TrimSpace(fmt.Sprintf("业主接受房屋，尚有 %d 项验房问题待维修：%s。%s", len(open), strings.Join(open, "；"), note))
		}
		if err := s.enrol(ctx, tx, by, e, c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE movein_houses SET accepted_on = $1, accepted_by = $2, acceptance_note = $3
			WHERE id = $4`, in.AcceptedOn, in.AcceptedBy, note, e.ID); err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		return s.touch(ctx, tx, by, e, nil, map[string]any{"accepted_on": in.AcceptedOn, "accepted_by": in.AcceptedBy,
			"acceptance_note": note})
	})
}

// HouseStatusOccupied and HouseStatusVacant are the archive statuses a
// handover leaves a house in.
const (
	HouseStatusOccupied = "已入住"
	HouseStatusVacant   = "空置"
)

// Handover hands the keys over. It refuses (409, naming what is
// missing) while a required document is unsigned or a move-in fee is
// unpaid; then it records the keys and the owner's signature and sets
// the house's archive status to 已入住 (or 空置 if the owner does not
// move in yet) through the archive service, which audits it.
func (s *Service) Handover(ctx context.Context, by *auth.User, houseID int64, in HandoverInput) (*Entry, error) {
	return s.act(ctx, by, houseID, in.CampaignID, func(tx *sql.Tx, h *houseRow, e *Entry, c *Campaign) error {
		if err := in.validate(s.today()); err != nil {
			return err
		}
		if e.HandedOver() {
			return errs.Conflict("keys", "%s 已于 %s 交钥匙（签收：%s）", h.Code, e.HandedOverOn, e.HandoverBy)
		}
		if len(e.Missing) > 0 {
			field := "fees"
			if strings.HasPrefix(e.Missing[0], "必签资料") {
				field = "documents"
			}
			return errs.Conflict(field, "不能交钥匙：%s", strings.Join(e.Missing, "；"))
		}
		if in.SignedBy == "" {
			in.SignedBy = firstOwner(e)
		}
		if in.SignedBy == "" {
			return errs.Invalid("signed_by", "请填写签收业主")
		}
		occupied := in.Occupied == nil || *in.Occupied
		if err := s.enrol(ctx, tx, by, e, c); err != nil {
			return err
		}
		keys, _ := json.Marshal(in.Keys)
		if _, err := tx.ExecContext(ctx, `UPDATE movein_houses SET handed_over_on = $1, handover_by = $2, keys = $3, occupied = $4,
			handover_note = $5, handed_over_at = $6 WHERE id = $7`, in.SignedOn, in.SignedBy, string(keys), occupied, in.Note,
			s.now(), e.ID); err != nil {
			return fmt.Errorf("handover: %w", err)
		}
		status := HouseStatusVacant
		if occupied {
			status = HouseStatusOccupied
		}
		if err := s.setHouseStatus(ctx, tx, by, h, status); err != nil {
			return err
		}
		return s.touch(ctx, tx, by, e, nil, map[string]any{"handed_over_on": in.SignedOn, "handover_by": in.SignedBy,
			"keys": keyList(in.Keys), "occupied": occupied, "handover_note": in.Note})
	})
}

// keyList is the keys as "入户门钥匙×3".
func keyList(ks []Key) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = fmt.Sprintf("%s×%d", k.Name, k.Count)
	}
	return out
}

// setHouseStatus changes the house's status through the archive's
// UpdateHouse, joining tx, so the change is validated and shows in the
// house's own history.
func (s *Service) setHouseStatus(ctx context.Context, tx *sql.Tx, by *auth.User, h *houseRow, status string) error {
	if h.Status == status {
		return nil
	}
	var in archive.HouseInput
	var gross, inner int64
	if err := tx.QueryRowContext(ctx, `SELECT unit_id, number, floor, gross_area, inner_area, house_use, delivered_on, notes
		FROM houses WHERE id = $1`, h.ID).Scan(&in.UnitID, &in.Number, &in.Floor, &gross, &inner, &in.Use, &in.DeliveredOn,
		&in.Notes); err != nil {
		return fmt.Errorf("house for status: %w", err)
	}
	in.GrossArea, in.InnerArea = web.Text(money.PlainHundredths(gross)), web.Text(money.PlainHundredths(inner))
	in.Status = status
	if _, err := s.Archive.UpdateHouse(db.WithTx(ctx, tx), by, h.ID, in); err != nil {
		return fmt.Errorf("house status: %w", err)
	}
	return nil
}
