-- +goose Up
-- 物品寄存: owners' property held at the desk, received and handed out
-- against the record.
CREATE TABLE desk_custody (
    id               {{id}},
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    house_id         BIGINT NOT NULL REFERENCES houses(id),
    description      TEXT NOT NULL,
    quantity         INTEGER NOT NULL DEFAULT 1,
    deposited_by     TEXT NOT NULL,                   -- who handed it in
    deposited_phone  TEXT NOT NULL DEFAULT '',
    pickup_name      TEXT NOT NULL DEFAULT '',        -- who may collect it ('' = the house's owners or residents)
    pickup_phone     TEXT NOT NULL DEFAULT '',
    notes            TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'held',    -- held | released
    received_at      {{ts}} NOT NULL,
    received_by      BIGINT NOT NULL DEFAULT 0,
    received_by_name TEXT NOT NULL DEFAULT '',
    released_at      {{ts}},
    picked_up_by     TEXT NOT NULL DEFAULT '',
    picked_up_phone  TEXT NOT NULL DEFAULT '',
    id_type          TEXT NOT NULL DEFAULT '',
    id_number        TEXT NOT NULL DEFAULT '',        -- of whoever collected it; shown masked without idnumber.view
    signature        TEXT NOT NULL DEFAULT '',        -- the name signed on collection
    released_by      BIGINT NOT NULL DEFAULT 0,
    released_by_name TEXT NOT NULL DEFAULT '',
    release_note     TEXT NOT NULL DEFAULT '',
    created_at       {{ts}} NOT NULL,
    updated_at       {{ts}} NOT NULL
);
CREATE INDEX desk_custody_status ON desk_custody (community_id, status, received_at);
CREATE INDEX desk_custody_house ON desk_custody (house_id, status);

-- A photo of the item as received, kept in the database like ticket
-- attachments (one per item).
CREATE TABLE desk_custody_photos (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    custody_id   BIGINT NOT NULL UNIQUE REFERENCES desk_custody(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         {{blob}} NOT NULL,
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL
);

-- +goose Down
DROP TABLE desk_custody_photos;
DROP TABLE desk_custody;
