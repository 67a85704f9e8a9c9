package ticket

import (
	"context"
	"database/sql"
	"fmt"

	"wuye/internal/platform/audit"
	"wuye/internal/platform/auth"
	"wuye/internal/platform/db"
	"wuye/internal/platform/errs"
)

// On PostgreSQL a registration is one statement: a data-modifying CTE
// that checks the house (or the community), takes the house's owner as
// the default requester, allocates the gap-free number on the counter
// row, inserts the ticket, its "create" timeline event and its audit
// entry, and returns what the response needs. One statement is one
// transaction — all of it or none, the counter row locked until it
// commits — in one round trip instead of eight (BEGIN, house, counter,
// ticket, event, audit, COMMIT). SQLite, in process, has no round trips
// to save and no data-modifying CTEs; it keeps the transaction in
// Service.Create. bench/RESULTS.md has the figures.

// insertPGHouse and insertPGCommunity differ only in the first CTE: the
// house in its community with its first active owner, or the community
// alone (one row of NULLs). No row means no such house or community, and
// then nothing is inserted and no number is taken.
const (
	insertPGHouse = `WITH h AS (
	SELECT h.code, o.name AS oname, o.phone AS ophone FROM houses h
	LEFT JOIN house_owners ho ON ho.house_id = h.id AND ho.active LEFT JOIN owners o ON o.id = ho.owner_id
	WHERE h.id = $9::bigint AND h.community_id = $1::bigint ORDER BY ho.id LIMIT 1)`
	insertPGCommunity = `WITH h AS (
	SELECT NULL::text AS code, NULL::text AS oname, NULL::text AS ophone FROM communities WHERE id = $1::bigint)`
	insertPGRest = `,
n AS (
	INSERT INTO ticket_counters (community_id, year, last) SELECT $1::bigint, $2::int, 1 FROM h
	ON CONFLICT (community_id, year) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last),
t AS (
	INSERT INTO tickets (community_id, number, year, kind, urgency, channel, title, description, category, house_id,
		location, requester_name, requester_phone, receiver_id, status, received_at, respond_due_at, resolve_due_at,
		created_at, updated_at)
	SELECT $1::bigint, 'TS' || $2::int || '-' || lpad(n.last::text, greatest(6, length(n.last::text)), '0'), $2::int,
		$3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::bigint, $10::text,
		CASE WHEN $11::text = '' AND h.oname IS NOT NULL THEN h.oname ELSE $11::text END,
		CASE WHEN $11::text = '' AND h.oname IS NOT NULL THEN coalesce(h.ophone, '') ELSE $12::text END,
		$13::bigint, 'new', $14::timestamptz, $15::timestamptz, $16::timestamptz, $17::timestamptz, $17::timestamptz
	FROM n, h
	RETURNING id, number, requester_name, requester_phone),
e AS (
	INSERT INTO ticket_events (ticket_id, community_id, at, user_id, user_name, action, from_status, to_status, note)
	SELECT t.id, $1::bigint, $17::timestamptz, $13::bigint, $18::text, 'create', '', 'new', $19::text FROM t),
a AS (
	INSERT INTO audit_log (` + audit.Columns + `)
	SELECT $20::timestamptz, $21::bigint, $22::text, $1::bigint, 'ticket', t.id, $23::text, $24::text,
		($25::jsonb || jsonb_build_object('id', t.id, 'number', t.number, 'requester_name', t.requester_name,
			'requester_phone', t.requester_phone, 'house_code', coalesce(h.code, '')))::text
	FROM t, h)
SELECT t.id, t.number, t.requester_name, t.requester_phone, coalesce(h.code, '') FROM t, h`
)

// insertPG registers t (built and validated by Create) in one statement
// and fills in its id, number, requester and house code.
func (s *Service) insertPG(ctx context.Context, by *auth.User, t *Ticket, in CreateInput, note string) error {
	t.RequesterName, t.RequesterPhone = in.RequesterName, in.RequesterPhone
	av, err := audit.Values(audit.Event{Actor: by.Actor(), CommunityID: t.CommunityID, Entity: "ticket",
		Action: audit.ActionCreate, After: t})
	if err != nil {
		return err
	}
	query := insertPGCommunity + insertPGRest
	field, msg := "community_id", "小区不存在"
	if t.HouseID != nil {
		query = insertPGHouse + insertPGRest
		field, msg = "house_id", "房屋不存在或不在该小区"
	}
	year := t.ReceivedAt.In(shanghai).Year()
	// av: at, user_id, user_name, community_id, entity, entity_id, action, before, after.
	err = s.DB.Q(ctx).QueryRowContext(ctx, query,
		t.CommunityID, year, t.Kind, t.Urgency, t.Channel, t.Title, t.Description, t.Category, t.HouseID, t.Location,
		t.RequesterName, t.RequesterPhone, t.ReceiverID, t.ReceivedAt, t.RespondDueAt, t.ResolveDueAt, t.CreatedAt,
		by.Name, note, av[0], av[1], av[2], av[6], av[7], av[8],
	).Scan(&t.ID, &t.Number, &t.RequesterName, &t.RequesterPhone, &t.HouseCode)
	if err == sql.ErrNoRows || db.IsForeignKeyViolation(err) {
		return errs.Invalid(field, "%s", msg)
	}
	if err != nil {
		return fmt.Errorf("insert ticket: %w", err)
	}
	return nil
}
