package movein

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"wuye/internal/platform/db"
	"wuye/internal/ticket"
)

// Loading houses' 收楼 records, one house or a whole campaign at once:
// each loader takes the condition that selects its rows (one entry, or
// every entry of a campaign) so both paths share the same code.

const entryCols = `e.id, e.campaign_id, c.name, e.community_id, e.house_id, h.code, h.status, e.batch_id, COALESCE(b.name, ''),
	e.slot_id, COALESCE(s.day, ''), COALESCE(s.starts_at, ''), COALESCE(s.ends_at, ''), e.accepted_on, e.accepted_by,
	e.acceptance_note, e.handed_over_on, e.handover_by, e.keys, e.occupied, e.handover_note, e.created_at, e.updated_at`

const entryFrom = ` FROM movein_houses e JOIN movein_campaigns c ON c.id = e.campaign_id JOIN houses h ON h.id = e.house_id
	LEFT JOIN movein_batches b ON b.id = e.batch_id LEFT JOIN movein_slots s ON s.id = e.slot_id`

func scanEntry(sc interface{ Scan(...any) error }) (*Entry, error) {
	e := &Entry{Enrolled: true}
	var batch, slot sql.NullInt64
	var day, from, to, keys string
	if err := sc.Scan(&e.ID, &e.CampaignID, &e.Campaign, &e.CommunityID, &e.HouseID, &e.HouseCode, &e.HouseStatus, &batch,
		&e.Batch, &slot, &day, &from, &to, &e.AcceptedOn, &e.AcceptedBy, &e.AcceptanceNote, &e.HandedOverOn, &e.HandoverBy,
		&keys, &e.Occupied, &e.HandoverNote, &e.CreatedAt, &e.UpdatedAt); err != nil {
		return nil, err
	}
	if batch.Valid {
		e.BatchID = &batch.Int64
	}
	if slot.Valid {
		e.SlotID = &slot.Int64
		e.Slot = day + " " + from + "-" + to
	}
	json.Unmarshal([]byte(keys), &e.Keys)
	if e.Keys == nil {
		e.Keys = []Key{}
	}
	return e, nil
}

// campaignData is what the stages of a campaign's houses are computed
// from, loaded once for one entry or for all of them.
type campaignData struct {
	docs       []*Document
	notices    map[int64][]Notice // by entry
	signatures map[int64]map[int64]DocumentStatus
	defects    map[int64][]Defect
	bills      map[int64][]bill // by house
	configured bool
	owners     map[int64][]string
}

type bill struct {
	itemID int64
	name   string
	status string
	amount int64
}

// loadData reads the notices, signatures and defects of the entries
// col = arg selects (entry_id = one entry, campaign_id = all of them),
// the bills of the houses houseCond = houseArg selects (b.house_id = one
// house, or a subquery) and the owners of houseIDs.
func loadData(ctx context.Context, q db.Querier, c *Campaign, col string, arg int64, houseCond string, houseArg int64,
	houseIDs []int64) (*campaignData, error) {
	d := &campaignData{notices: map[int64][]Notice{}, signatures: map[int64]map[int64]DocumentStatus{},
		defects: map[int64][]Defect{}, bills: map[int64][]bill{}, configured: len(c.FeeItemIDs) > 0}
	var err error
	if d.docs, err = documents(ctx, q, c.CommunityID, false); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT entry_id, id, document, method, mail_number, sent_on, note, created_at
		FROM movein_notices WHERE `+col+` = $1 ORDER BY sent_on, id`, arg)
	if err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n Notice
		if err := rows.Scan(&id, &n.ID, &n.Document, &n.Method, &n.MailNumber, &n.SentOn, &n.Note, &n.CreatedAt); err != nil {
			return nil, err
		}
		d.notices[id] = append(d.notices[id], n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := d.loadSignatures(ctx, q, col, arg); err != nil {
		return nil, err
	}
	if err := d.loadDefects(ctx, q, col, arg); err != nil {
		return nil, err
	}
	if err := d.loadBills(ctx, q, c, houseCond, houseArg); err != nil {
		return nil, err
	}
	d.owners, err = ownerNames(ctx, q, houseIDs)
	return d, err
}

func (d *campaignData) loadSignatures(ctx context.Context, q db.Querier, col string, arg int64) error {
	rows, err := q.QueryContext(ctx, `SELECT entry_id, document_id, version, signed_by, signed_on FROM movein_signatures
		WHERE `+col+` = $1 ORDER BY id`, arg)
	if err != nil {
		return fmt.Errorf("signatures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s DocumentStatus
		if err := rows.Scan(&id, &s.DocumentID, &s.SignedVersion, &s.SignedBy, &s.SignedOn); err != nil {
			return err
		}
		if d.signatures[id] == nil {
			d.signatures[id] = map[int64]DocumentStatus{}
		}
		d.signatures[id][s.DocumentID] = s // the latest wins
	}
	return rows.Err()
}

func (d *campaignData) loadDefects(ctx context.Context, q db.Querier, col string, arg int64) error {
	rows, err := q.QueryContext(ctx, `SELECT d.entry_id, d.id, d.room, d.description, d.party, d.ticket_id, t.number, t.status,
		d.house_id, d.campaign_id, d.created_at FROM movein_defects d JOIN tickets t ON t.id = d.ticket_id
		WHERE d.`+col+` = $1 ORDER BY d.id`, arg)
	if err != nil {
		return fmt.Errorf("defects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var df Defect
		if err := rows.Scan(&id, &df.ID, &df.Room, &df.Description, &df.Party, &df.TicketID, &df.TicketNumber,
			&df.TicketStatus, &df.HouseID, &df.CampaignID, &df.CreatedAt); err != nil {
			return err
		}
		df.PartyLabel, df.StatusLabel = Label(df.Party), ticket.Label(df.TicketStatus)
		df.Open = (&ticket.Ticket{Status: df.TicketStatus}).Open()
		d.defects[id] = append(d.defects[id], df)
	}
	return rows.Err()
}

// loadBills reads the move-in bills: of the campaign's fee items, or of
// every one-off non-deposit item when it names none. Void bills and
// deposits never count.
func (d *campaignData) loadBills(ctx context.Context, q db.Querier, c *Campaign, houseCond string, arg int64) error {
	args := []any{arg}
	items := "i.kind = 'oneoff'"
	if d.configured {
		var in string
		in, args = db.In(args, c.FeeItemIDs)
		items = "b.fee_item_id IN (" + in + ")"
	}
	rows, err := q.QueryContext(ctx, `SELECT b.house_id, b.fee_item_id, i.name, b.status, b.amount_fen
		FROM bills b JOIN fee_items i ON i.id = b.fee_item_id
		WHERE `+houseCond+` AND b.status <> 'void' AND NOT b.deposit AND `+items+` ORDER BY b.id`, args...)
	if err != nil {
		return fmt.Errorf("move-in bills: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var house int64
		var b bill
		if err := rows.Scan(&house, &b.itemID, &b.name, &b.status, &b.amount); err != nil {
			return err
		}
		d.bills[house] = append(d.bills[house], b)
	}
	return rows.Err()
}

// fill completes e from d: documents, fees, defects, stages and what
// blocks the handover.
func (d *campaignData) fill(e *Entry, c *Campaign) {
	e.Notices = d.notices[e.ID]
	if e.Notices == nil {
		e.Notices = []Notice{}
	}
	e.Defects = d.defects[e.ID]
	if e.Defects == nil {
		e.Defects = []Defect{}
	}
	e.Owners = d.owners[e.HouseID]
	if e.Owners == nil {
		e.Owners = []string{}
	}
	signed := d.signatures[e.ID]
	e.Documents = []DocumentStatus{}
	var unsigned []string
	for _, doc := range d.docs {
		s, ok := signed[doc.ID]
		if !doc.Active && !ok {
			continue
		}
		s.DocumentID, s.Name, s.Required, s.Version, s.Signed = doc.ID, doc.Name, doc.Required && doc.Active, doc.Version, ok
		e.Documents = append(e.Documents, s)
		if s.Required && !ok {
			unsigned = append(unsigned, "《"+doc.Name+"》")
		}
	}
	e.Fees = d.fees(e.HouseID, c)
	var fees []string
	for _, l := range e.Fees.Lines {
		if p := l.Problem(); p != "" && (l.Unpaid > 0 || e.Fees.Configured) {
			fees = append(fees, p)
		}
	}
	e.Missing = []string{}
	if len(unsigned) > 0 {
		e.Missing = append(e.Missing, "必签资料未签署："+strings.Join(unsigned, "、"))
	}
	if len(fees) > 0 {
		e.Missing = append(e.Missing, "入伙费用未缴清："+strings.Join(fees, "、"))
	}
	e.Stages = Stages{Notified: e.Noticed(DocNotice) != nil, Appointed: e.SlotID != nil, Signed: len(unsigned) == 0,
		FeesPaid: e.Fees.State == "paid", Inspected: e.AcceptedOn != "", HandedOver: e.HandedOverOn != ""}
}

// fees sums a house's move-in bills per fee item. With configured items
// every one of them must be charged and paid; otherwise whatever one-off
// items were charged must be paid.
func (d *campaignData) fees(houseID int64, c *Campaign) Fees {
	f := Fees{Configured: d.configured, Lines: []FeeLine{}}
	idx := map[int64]int{}
	if d.configured {
		for _, it := range c.FeeItems {
			idx[it.ID] = len(f.Lines)
			f.Lines = append(f.Lines, FeeLine{FeeItemID: it.ID, Name: it.Name})
		}
	}
	for _, b := range d.bills[houseID] {
		i, ok := idx[b.itemID]
		if !ok {
			i = len(f.Lines)
			idx[b.itemID] = i
			f.Lines = append(f.Lines, FeeLine{FeeItemID: b.itemID, Name: b.name})
		}
		l := &f.Lines[i]
		if b.status == "paid" {
			l.Paid++
			l.PaidFen += b.amount
		} else {
			l.Unpaid++
			l.UnpaidFen += b.amount
			f.UnpaidFen += b.amount
		}
	}
	f.State = "paid"
	if len(f.Lines) == 0 {
		f.State = "none"
	}
	for _, l := range f.Lines {
		if l.Unpaid > 0 || l.Paid == 0 {
			f.State = "unpaid"
		}
	}
	return f
}
