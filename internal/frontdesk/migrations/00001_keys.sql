-- +goose Up
-- 钥匙管理: every key the service center keeps, labelled and classified
-- (unit_door 单元门, common_area 公共区域, equipment_room 设备房,
-- mailbox 信报箱, vacant_house 空置房 keys kept for owners).
CREATE TABLE desk_keys (
    id               {{id}},
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    label            {{key}} NOT NULL,                -- the tag's code, unique per community
    class            TEXT NOT NULL,
    house_id         BIGINT REFERENCES houses(id),    -- the house it opens, if any
    location         TEXT NOT NULL DEFAULT '',        -- what it opens when not a house
    copies           INTEGER NOT NULL DEFAULT 1,
    cabinet_position TEXT NOT NULL DEFAULT '',        -- hook in the key cabinet
    notes            TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'in',      -- in | out | lost
    lost_reason      TEXT NOT NULL DEFAULT '',
    lost_at          {{ts}},
    created_by       BIGINT NOT NULL DEFAULT 0,
    created_at       {{ts}} NOT NULL,
    updated_at       {{ts}} NOT NULL,
    UNIQUE (community_id, label)
);
CREATE INDEX desk_keys_status ON desk_keys (community_id, status);
CREATE INDEX desk_keys_class ON desk_keys (community_id, class);
CREATE INDEX desk_keys_house ON desk_keys (house_id);

-- 借用登记: one row per lending; returned_at is NULL while the key is out.
CREATE TABLE desk_key_loans (
    id               {{id}},
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    key_id           BIGINT NOT NULL REFERENCES desk_keys(id),
    borrower_kind    TEXT NOT NULL,                   -- staff | contractor | owner
    borrower_name    TEXT NOT NULL,
    borrower_phone   TEXT NOT NULL,
    borrower_company TEXT NOT NULL DEFAULT '',
    id_type          TEXT NOT NULL DEFAULT '',
    id_number        TEXT NOT NULL DEFAULT '',        -- shown masked without idnumber.view
    purpose          TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    lent_at          {{ts}} NOT NULL,
    lent_by          BIGINT NOT NULL DEFAULT 0,
    lent_by_name     TEXT NOT NULL DEFAULT '',
    expected_return  {{ts}} NOT NULL,
    returned_at      {{ts}},
    received_by      BIGINT NOT NULL DEFAULT 0,
    received_by_name TEXT NOT NULL DEFAULT '',
    return_note      TEXT NOT NULL DEFAULT '',
    lost             BOOLEAN NOT NULL DEFAULT FALSE,  -- the loan ended with the key reported lost
    created_at       {{ts}} NOT NULL,
    updated_at       {{ts}} NOT NULL
);
-- A key is lent to one borrower at a time: two concurrent lendings of
-- the same key cannot both commit.
CREATE UNIQUE INDEX desk_key_loans_open ON desk_key_loans (key_id) WHERE returned_at IS NULL;
CREATE INDEX desk_key_loans_key ON desk_key_loans (key_id, lent_at);
CREATE INDEX desk_key_loans_due ON desk_key_loans (community_id, expected_return) WHERE returned_at IS NULL;

-- +goose Down
DROP TABLE desk_key_loans;
DROP TABLE desk_keys;
