-- +goose Up
-- 值班记录: one row per shift (白班 day / 夜班 night) of a community, and
-- the calls, visits and notes of the 24-hour hotline as its entries.
-- A shift is open until the outgoing staff write the handover notes and
-- close it; the incoming staff then acknowledge it.
CREATE TABLE duty_shifts (
    id             {{id}},
    community_id   BIGINT NOT NULL REFERENCES communities(id),
    shift          TEXT NOT NULL,                    -- day | night
    duty_date      TEXT NOT NULL,                    -- YYYY-MM-DD (Asia/Shanghai) the shift began; a night shift opened before noon is the previous day's
    staff          TEXT NOT NULL DEFAULT '',         -- on-duty staff, as on the paper sheet (、-separated)
    status         TEXT NOT NULL,                    -- open | closed
    opened_by      BIGINT NOT NULL,
    opened_name    TEXT NOT NULL DEFAULT '',
    opened_at      {{ts}} NOT NULL,
    handover_notes TEXT NOT NULL DEFAULT '',
    closed_by      BIGINT NOT NULL DEFAULT 0,
    closed_name    TEXT NOT NULL DEFAULT '',
    closed_at      {{ts}},
    ack_by         BIGINT NOT NULL DEFAULT 0,
    ack_name       TEXT NOT NULL DEFAULT '',
    ack_at         {{ts}},
    ack_note       TEXT NOT NULL DEFAULT '',
    created_at     {{ts}} NOT NULL,
    updated_at     {{ts}} NOT NULL
);
-- At most one open shift of each kind per community: entries attach to it.
CREATE UNIQUE INDEX duty_shifts_open ON duty_shifts (community_id, shift) WHERE status = 'open';
CREATE INDEX duty_shifts_date ON duty_shifts (community_id, duty_date);

CREATE TABLE duty_entries (
    id               {{id}},
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    shift_id         BIGINT NOT NULL REFERENCES duty_shifts(id),
    kind             TEXT NOT NULL,                  -- call | visit | note
    at               {{ts}} NOT NULL,                -- when the call or visit was
    caller_name      TEXT NOT NULL DEFAULT '',
    caller_phone     TEXT NOT NULL DEFAULT '',
    summary          TEXT NOT NULL,
    ticket_id        BIGINT REFERENCES tickets(id),
    no_ticket_reason TEXT NOT NULL DEFAULT '',       -- why a call or visit made no ticket
    created_by       BIGINT NOT NULL,
    created_name     TEXT NOT NULL DEFAULT '',
    created_at       {{ts}} NOT NULL,
    updated_at       {{ts}} NOT NULL
);
CREATE INDEX duty_entries_shift ON duty_entries (shift_id, at);
CREATE INDEX duty_entries_community ON duty_entries (community_id, at);
CREATE INDEX duty_entries_ticket ON duty_entries (ticket_id);

-- +goose Down
DROP TABLE duty_entries;
DROP TABLE duty_shifts;
