-- +goose Up
-- 快递/邮件: parcels, letters and registered mail that arrive at the desk
-- for a house (direction 'in': waiting → picked_up | returned), and mail
-- owners hand in to be sent (direction 'out': pending → sent).
CREATE TABLE parcels (
    id                 {{id}},
    community_id       BIGINT NOT NULL REFERENCES communities(id),
    house_id           BIGINT REFERENCES houses(id),     -- NULL: outgoing mail of the office
    direction          TEXT NOT NULL,                    -- in | out
    kind               TEXT NOT NULL,                    -- parcel | mail | registered
    carrier            TEXT NOT NULL DEFAULT '',
    tracking_number    {{key}} NOT NULL DEFAULT '',
    shelf              TEXT NOT NULL DEFAULT '',         -- 货架/格口
    recipient_name     TEXT NOT NULL DEFAULT '',         -- in: the house's addressee; out: the addressee
    recipient_phone    TEXT NOT NULL DEFAULT '',
    address            TEXT NOT NULL DEFAULT '',         -- out: where it goes
    sender_name        TEXT NOT NULL DEFAULT '',         -- out: who handed it in
    sender_phone       TEXT NOT NULL DEFAULT '',
    notes              TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL,                    -- waiting | picked_up | returned | pending | sent
    pickup_code        {{key}},                          -- 6 digits; in only
    arrived_at         {{ts}} NOT NULL,                  -- arrival (in) or hand-in (out)
    picked_up_at       {{ts}},
    picked_up_by       TEXT NOT NULL DEFAULT '',
    pickup_method      TEXT NOT NULL DEFAULT '',         -- code | id
    pickup_id_type     TEXT NOT NULL DEFAULT '',
    pickup_id_number   TEXT NOT NULL DEFAULT '',         -- stored masked (110105********1234)
    pickup_reason      TEXT NOT NULL DEFAULT '',         -- why the code was not shown
    handed_by          BIGINT,                           -- staff who handed it out, sent or returned it
    handed_name        TEXT NOT NULL DEFAULT '',
    sent_at            {{ts}},
    return_reason      TEXT NOT NULL DEFAULT '',
    -- wrong pickup codes: counted in the database so that the lock holds
    -- across app servers and restarts; reset 15 minutes after the last.
    wrong_codes        INTEGER NOT NULL DEFAULT 0,
    last_wrong_code_at {{ts}},
    reminders          INTEGER NOT NULL DEFAULT 0,
    last_reminded_at   {{ts}},
    created_by         BIGINT NOT NULL DEFAULT 0,
    created_name       TEXT NOT NULL DEFAULT '',
    created_at         {{ts}} NOT NULL,
    updated_at         {{ts}} NOT NULL
);
-- The pickup code is unique among a community's uncollected parcels, and
-- the owner's code finds its parcel in one probe (code first: a code
-- typed without a community still uses it).
CREATE UNIQUE INDEX parcels_code ON parcels (pickup_code, community_id) WHERE status = 'waiting';
-- One uncollected registration per tracking number.
CREATE UNIQUE INDEX parcels_tracking_waiting ON parcels (community_id, tracking_number)
    WHERE status = 'waiting' AND tracking_number <> '';
-- Today's arrivals and date ranges of a community; everything (admin).
CREATE INDEX parcels_arrived ON parcels (community_id, arrived_at);
CREATE INDEX parcels_arrived_all ON parcels (arrived_at);
-- The uncollected and overdue lists: only waiting rows, oldest first
-- (status in the index too, so that SQLite counts them from the index
-- alone; before arrived_at, so that the index stays in list order).
CREATE INDEX parcels_waiting ON parcels (community_id, status, arrived_at) WHERE status = 'waiting';
CREATE INDEX parcels_house ON parcels (house_id, arrived_at);
CREATE INDEX parcels_tracking ON parcels (tracking_number);

-- +goose Down
DROP TABLE parcels;
