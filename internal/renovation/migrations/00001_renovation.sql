-- +goose Up
-- 装修管理规定 per community: working hours, waste removal, the fire
-- extinguisher rule (每 ext_area 平方米至少配备 ext_count 个 ext_kg 公斤
-- 干粉灭火器, 不足按 ext_area 计), forbidden works, and the amounts charged
-- on approval. No row = the defaults of rules.go.
CREATE TABLE renovation_rules (
    community_id     BIGINT PRIMARY KEY REFERENCES communities(id),
    weekday_hours    TEXT NOT NULL,                  -- "08:00-12:00,14:00-18:00"
    weekend_hours    TEXT NOT NULL DEFAULT '',       -- '' = no works on weekends and holidays
    weekend_note     TEXT NOT NULL DEFAULT '',
    waste_times      TEXT NOT NULL DEFAULT '',
    waste_place      TEXT NOT NULL DEFAULT '',
    ext_area         BIGINT NOT NULL,                -- X, hundredths of m²
    ext_count        INTEGER NOT NULL,               -- Y
    ext_kg           INTEGER NOT NULL,               -- Z
    forbidden        TEXT NOT NULL DEFAULT '',       -- one forbidden work per line
    deposit_fen      BIGINT NOT NULL DEFAULT 0,      -- 装修押金
    waste_fee_fen    BIGINT NOT NULL DEFAULT 0,      -- 装修垃圾清运费
    deposit_item_id  BIGINT,                         -- billing fee item; NULL = the one named 装修押金
    waste_item_id    BIGINT,                         -- NULL = the one named 装修垃圾清运费
    updated_by       BIGINT NOT NULL DEFAULT 0,
    created_by       BIGINT NOT NULL DEFAULT 0,
    created_at       {{ts}} NOT NULL,
    updated_at       {{ts}} NOT NULL
);

-- An application and its life: submitted → reviewed → approved |
-- rejected → in_progress → completed → refunded.
CREATE TABLE renovations (
    id                   {{id}},
    community_id         BIGINT NOT NULL REFERENCES communities(id),
    house_id             BIGINT NOT NULL REFERENCES houses(id),
    status               TEXT NOT NULL,
    applicant_name       TEXT NOT NULL DEFAULT '',
    applicant_phone      TEXT NOT NULL DEFAULT '',
    contractor           TEXT NOT NULL,
    manager_name         TEXT NOT NULL,
    manager_phone        TEXT NOT NULL,
    area                 BIGINT NOT NULL,            -- hundredths of m²
    starts_on            TEXT NOT NULL,              -- YYYY-MM-DD
    ends_on              TEXT NOT NULL,
    scope                TEXT NOT NULL DEFAULT '',
    notes                TEXT NOT NULL DEFAULT '',
    ext_area             BIGINT NOT NULL,            -- the rule as applied
    ext_count            INTEGER NOT NULL,
    ext_kg               INTEGER NOT NULL,
    required_extinguishers INTEGER NOT NULL,
    review_opinion       TEXT NOT NULL DEFAULT '',
    reviewed_name        TEXT NOT NULL DEFAULT '',
    reviewed_at          {{ts}},
    conditions           TEXT NOT NULL DEFAULT '',
    reject_reason        TEXT NOT NULL DEFAULT '',
    decided_name         TEXT NOT NULL DEFAULT '',
    decided_at           {{ts}},
    permit_number        TEXT NOT NULL DEFAULT '',
    started_name         TEXT NOT NULL DEFAULT '',
    started_at           {{ts}},
    house_status_before  TEXT NOT NULL DEFAULT '',
    completion_result    TEXT NOT NULL DEFAULT '',
    completion_note      TEXT NOT NULL DEFAULT '',
    completed_name       TEXT NOT NULL DEFAULT '',
    completed_at         {{ts}},
    deposit_bill_id      BIGINT,
    waste_bill_id        BIGINT,
    deposit_fen          BIGINT NOT NULL DEFAULT 0,
    waste_fee_fen        BIGINT NOT NULL DEFAULT 0,
    refund_id            BIGINT,                     -- billing's deposit_refunds
    refund_fen           BIGINT NOT NULL DEFAULT 0,
    deductions_fen       BIGINT NOT NULL DEFAULT 0,
    refunded_name        TEXT NOT NULL DEFAULT '',
    refunded_at          {{ts}},
    created_by           BIGINT NOT NULL,
    created_name         TEXT NOT NULL DEFAULT '',
    created_at           {{ts}} NOT NULL,
    updated_at           {{ts}} NOT NULL
);
CREATE INDEX renovations_community ON renovations (community_id, status, ends_on);
CREATE INDEX renovations_house ON renovations (house_id, status);

-- Gap-free 装修许可证 numbers per community and year.
CREATE TABLE renovation_counters (
    community_id BIGINT NOT NULL,
    year         INTEGER NOT NULL,
    last         BIGINT NOT NULL,
    PRIMARY KEY (community_id, year)
);

-- 施工人员: each gets an 出入证 valid for the works' dates.
CREATE TABLE renovation_workers (
    id            {{id}},
    renovation_id BIGINT NOT NULL REFERENCES renovations(id),
    community_id  BIGINT NOT NULL,
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    id_number     TEXT NOT NULL DEFAULT '',
    trade         TEXT NOT NULL DEFAULT '',          -- 工种
    revoked       BOOLEAN NOT NULL DEFAULT FALSE,    -- pass withdrawn
    created_by    BIGINT NOT NULL,
    created_at    {{ts}} NOT NULL,
    updated_at    {{ts}} NOT NULL
);
CREATE INDEX renovation_workers_renovation ON renovation_workers (renovation_id);

-- 巡查 and their findings, each tracked to its re-check.
CREATE TABLE renovation_inspections (
    id             {{id}},
    renovation_id  BIGINT NOT NULL REFERENCES renovations(id),
    community_id   BIGINT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    inspector_id   BIGINT NOT NULL,
    inspector_name TEXT NOT NULL DEFAULT '',
    created_by     BIGINT NOT NULL,
    created_at     {{ts}} NOT NULL,
    updated_at     {{ts}} NOT NULL
);
CREATE INDEX renovation_inspections_renovation ON renovation_inspections (renovation_id);

CREATE TABLE renovation_findings (
    id             {{id}},
    inspection_id  BIGINT NOT NULL REFERENCES renovation_inspections(id),
    renovation_id  BIGINT NOT NULL REFERENCES renovations(id),
    community_id   BIGINT NOT NULL,
    kind           TEXT NOT NULL,                    -- 未按时施工 噪音扰民 …
    note           TEXT NOT NULL DEFAULT '',
    rectify_by     TEXT NOT NULL DEFAULT '',         -- YYYY-MM-DD; '' = none set
    rectified      BOOLEAN NOT NULL DEFAULT FALSE,
    recheck_note   TEXT NOT NULL DEFAULT '',
    rectified_name TEXT NOT NULL DEFAULT '',
    rectified_at   {{ts}},
    created_by     BIGINT NOT NULL,
    created_at     {{ts}} NOT NULL,
    updated_at     {{ts}} NOT NULL
);
CREATE INDEX renovation_findings_renovation ON renovation_findings (renovation_id);
-- The 整改逾期 list: open findings past their deadline.
CREATE INDEX renovation_findings_open ON renovation_findings (community_id, rectified, rectify_by);

-- Drawings, worker photos and inspection photos (PDF, JPEG, PNG ≤ 10 MB),
-- kept in the database so a backup holds them. ref_id is the worker or
-- the inspection.
CREATE TABLE renovation_files (
    id            {{id}},
    renovation_id BIGINT NOT NULL REFERENCES renovations(id),
    community_id  BIGINT NOT NULL,
    kind          TEXT NOT NULL,                     -- drawing | worker_photo | inspection_photo
    ref_id        BIGINT NOT NULL DEFAULT 0,
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    data          {{blob}} NOT NULL,
    created_by    BIGINT NOT NULL,
    created_at    {{ts}} NOT NULL,
    updated_at    {{ts}} NOT NULL
);
CREATE INDEX renovation_files_renovation ON renovation_files (renovation_id, kind);

-- +goose Down
DROP TABLE renovation_files;
DROP TABLE renovation_findings;
DROP TABLE renovation_inspections;
DROP TABLE renovation_workers;
DROP TABLE renovation_counters;
DROP TABLE renovations;
DROP TABLE renovation_rules;
