-- +goose Up
CREATE TABLE communities (
    id         {{id}},
    name       TEXT NOT NULL UNIQUE,
    address    TEXT NOT NULL DEFAULT '',
    type       TEXT NOT NULL,
    total_area BIGINT NOT NULL DEFAULT 0,   -- hundredths of m²
    phone      TEXT NOT NULL DEFAULT '',
    notes      TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);

CREATE TABLE buildings (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    name         TEXT NOT NULL,
    floors       INTEGER NOT NULL DEFAULT 0,
    notes        TEXT NOT NULL DEFAULT '',
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL,
    UNIQUE (community_id, name)
);

CREATE TABLE units (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    building_id  BIGINT NOT NULL REFERENCES buildings(id),
    name         TEXT NOT NULL,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL,
    UNIQUE (building_id, name)
);
CREATE INDEX units_community ON units (community_id);

CREATE TABLE houses (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    building_id  BIGINT NOT NULL REFERENCES buildings(id),
    unit_id      BIGINT NOT NULL REFERENCES units(id),
    number       {{key}} NOT NULL,
    code         {{key}} NOT NULL,              -- 楼栋-单元-房号
    floor        INTEGER NOT NULL DEFAULT 0,
    gross_area   BIGINT NOT NULL,               -- hundredths of m²
    inner_area   BIGINT NOT NULL DEFAULT 0,
    house_use    TEXT NOT NULL,
    status       TEXT NOT NULL,
    delivered_on TEXT NOT NULL DEFAULT '',      -- YYYY-MM-DD
    notes        TEXT NOT NULL DEFAULT '',
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL,
    UNIQUE (unit_id, number)
);
CREATE INDEX houses_community_code ON houses (community_id, code);
CREATE INDEX houses_code ON houses (code);
CREATE INDEX houses_number ON houses (number);
CREATE INDEX houses_building ON houses (building_id);

CREATE TABLE owners (
    id            {{id}},
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    name          TEXT NOT NULL,
    name_key      {{key}} NOT NULL,   -- the name itself, byte-ordered for prefix search
    name_py       {{key}} NOT NULL,   -- full pinyin: zhangsan
    name_initials {{key}} NOT NULL,   -- initials: zs
    phone         TEXT NOT NULL DEFAULT '',
    phone_tail    {{key}} NOT NULL DEFAULT '',
    phone2        TEXT NOT NULL DEFAULT '',
    phone2_tail   {{key}} NOT NULL DEFAULT '',
    id_type       TEXT NOT NULL DEFAULT '身份证',
    id_number     TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '普通',
    notes         TEXT NOT NULL DEFAULT '',
    created_at    {{ts}} NOT NULL,
    updated_at    {{ts}} NOT NULL
);
CREATE INDEX owners_community ON owners (community_id, category);
CREATE INDEX owners_name ON owners (name_key);
CREATE INDEX owners_py ON owners (name_py);
CREATE INDEX owners_initials ON owners (name_initials);
CREATE INDEX owners_phone_tail ON owners (phone_tail);
CREATE INDEX owners_phone2_tail ON owners (phone2_tail);
CREATE INDEX owners_phone ON owners (phone);
CREATE INDEX owners_id_number ON owners (community_id, id_number);

CREATE TABLE house_owners (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    house_id     BIGINT NOT NULL REFERENCES houses(id),
    owner_id     BIGINT NOT NULL REFERENCES owners(id),
    share        BIGINT NOT NULL,                -- hundredths of a percent
    since        TEXT NOT NULL DEFAULT '',
    until        TEXT NOT NULL DEFAULT '',
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    end_reason   TEXT NOT NULL DEFAULT '',
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL
);
CREATE INDEX house_owners_house ON house_owners (house_id, active);
CREATE INDEX house_owners_owner ON house_owners (owner_id, active);

CREATE TABLE residents (
    id            {{id}},
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    house_id      BIGINT NOT NULL REFERENCES houses(id),
    name          TEXT NOT NULL,
    name_key      {{key}} NOT NULL,
    name_py       {{key}} NOT NULL,
    name_initials {{key}} NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    phone_tail    {{key}} NOT NULL DEFAULT '',
    id_number     TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    relation      TEXT NOT NULL DEFAULT '',
    lease_start   TEXT NOT NULL DEFAULT '',
    lease_end     TEXT NOT NULL DEFAULT '',
    moved_out     BOOLEAN NOT NULL DEFAULT FALSE,
    notes         TEXT NOT NULL DEFAULT '',
    created_at    {{ts}} NOT NULL,
    updated_at    {{ts}} NOT NULL
);
CREATE INDEX residents_house ON residents (house_id);
CREATE INDEX residents_community ON residents (community_id, kind);
CREATE INDEX residents_name ON residents (name_key);
CREATE INDEX residents_py ON residents (name_py);
CREATE INDEX residents_initials ON residents (name_initials);
CREATE INDEX residents_phone_tail ON residents (phone_tail);

CREATE TABLE vehicles (
    id            {{id}},
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    house_id      BIGINT NOT NULL REFERENCES houses(id),
    plate         {{key}} NOT NULL,
    plate_tail    {{key}} NOT NULL,  -- the plate without its province character
    color         TEXT NOT NULL DEFAULT '',
    brand         TEXT NOT NULL DEFAULT '',
    parking_space TEXT NOT NULL DEFAULT '',
    owner_name    TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    removed       BOOLEAN NOT NULL DEFAULT FALSE,
    notes         TEXT NOT NULL DEFAULT '',
    created_at    {{ts}} NOT NULL,
    updated_at    {{ts}} NOT NULL,
    UNIQUE (community_id, plate)
);
CREATE INDEX vehicles_house ON vehicles (house_id);
CREATE INDEX vehicles_plate ON vehicles (plate);
CREATE INDEX vehicles_plate_tail ON vehicles (plate_tail);

-- +goose Down
DROP TABLE vehicles;
DROP TABLE residents;
DROP TABLE house_owners;
DROP TABLE owners;
DROP TABLE houses;
DROP TABLE units;
DROP TABLE buildings;
DROP TABLE communities;
