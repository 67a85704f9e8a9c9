-- +goose Up
-- 接管验收: the checklist items inspected per house use (and 公共部位
-- for a building's common parts), configured per community.
CREATE TABLE takeover_items (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    house_use    TEXT NOT NULL,                 -- 住宅 商铺 车位 储藏室 公共部位
    category     TEXT NOT NULL DEFAULT '',      -- 土建 门窗 水电 …
    name         TEXT NOT NULL,
    sort         INTEGER NOT NULL DEFAULT 0,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL
);
CREATE INDEX takeover_items_community ON takeover_items (community_id, house_use, sort);

-- One inspection of a building's common parts (house_id NULL) or of a
-- house, before the company takes the property over.
CREATE TABLE takeover_inspections (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    building_id  BIGINT NOT NULL REFERENCES buildings(id),
    house_id     BIGINT REFERENCES houses(id),
    target       TEXT NOT NULL,                 -- 3栋公共部位 / 3-2-1201
    house_use    TEXT NOT NULL,
    inspected_on TEXT NOT NULL,                 -- YYYY-MM-DD
    inspectors   TEXT NOT NULL DEFAULT '',
    developer    TEXT NOT NULL DEFAULT '',      -- 开发公司
    contractor   TEXT NOT NULL DEFAULT '',      -- 施工单位
    notes        TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL
);
CREATE INDEX takeover_inspections_community ON takeover_inspections (community_id, building_id, inspected_on);
CREATE INDEX takeover_inspections_house ON takeover_inspections (house_id);

-- The inspection's checklist, copied from the items at its creation so a
-- later change of the standard does not rewrite an old record.
CREATE TABLE takeover_checks (
    id            {{id}},
    inspection_id BIGINT NOT NULL REFERENCES takeover_inspections(id),
    community_id  BIGINT NOT NULL,
    category      TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    sort          INTEGER NOT NULL DEFAULT 0,
    result        TEXT NOT NULL DEFAULT '',     -- '' (not yet) | ok | fail
    note          TEXT NOT NULL DEFAULT '',
    updated_at    {{ts}} NOT NULL
);
CREATE INDEX takeover_checks_inspection ON takeover_checks (inspection_id, sort);

-- A finding and its 返修 state: open → fixed → passed, or failed (and
-- fixed again).
CREATE TABLE takeover_findings (
    id            {{id}},
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    inspection_id BIGINT NOT NULL REFERENCES takeover_inspections(id),
    building_id   BIGINT NOT NULL,
    item          TEXT NOT NULL,
    description   TEXT NOT NULL,
    party         TEXT NOT NULL,                -- developer | contractor
    party_name    TEXT NOT NULL DEFAULT '',
    deadline      TEXT NOT NULL,                -- YYYY-MM-DD
    status        TEXT NOT NULL,                -- open | fixed | passed | failed
    rounds        INTEGER NOT NULL DEFAULT 0,   -- failed re-inspections
    created_by    BIGINT NOT NULL DEFAULT 0,
    created_at    {{ts}} NOT NULL,
    updated_at    {{ts}} NOT NULL
);
CREATE INDEX takeover_findings_inspection ON takeover_findings (inspection_id);
CREATE INDEX takeover_findings_open ON takeover_findings (community_id, status, deadline);
CREATE INDEX takeover_findings_building ON takeover_findings (building_id, status);

-- 返修跟进记录: every step of a finding, timestamped.
CREATE TABLE takeover_steps (
    id           {{id}},
    finding_id   BIGINT NOT NULL REFERENCES takeover_findings(id),
    community_id BIGINT NOT NULL,
    at           {{ts}} NOT NULL,
    action       TEXT NOT NULL,                 -- create | fix | pass | fail
    status       TEXT NOT NULL,                 -- after the step
    actor        TEXT NOT NULL DEFAULT '',      -- who fixed (the party's man) or inspected
    note         TEXT NOT NULL DEFAULT '',
    user_id      BIGINT NOT NULL DEFAULT 0,
    user_name    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX takeover_steps_finding ON takeover_steps (finding_id, at);

CREATE TABLE takeover_photos (
    id           {{id}},
    finding_id   BIGINT NOT NULL REFERENCES takeover_findings(id),
    community_id BIGINT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         {{blob}} NOT NULL,
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL
);
CREATE INDEX takeover_photos_finding ON takeover_photos (finding_id);

-- 入伙资料: the community's document pack, each versioned and marked
-- required for the key handover or not.
CREATE TABLE movein_documents (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    name         TEXT NOT NULL,
    required     BOOLEAN NOT NULL DEFAULT FALSE,
    version      INTEGER NOT NULL DEFAULT 1,
    revised_on   TEXT NOT NULL DEFAULT '',      -- YYYY-MM-DD of the current version
    version_note TEXT NOT NULL DEFAULT '',
    sort         INTEGER NOT NULL DEFAULT 0,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL,
    UNIQUE (community_id, name)
);

CREATE TABLE movein_document_versions (
    id           {{id}},
    document_id  BIGINT NOT NULL REFERENCES movein_documents(id),
    community_id BIGINT NOT NULL,
    version      INTEGER NOT NULL,
    revised_on   TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    UNIQUE (document_id, version)
);

-- 入伙方案: one campaign per community and period. posts is a JSON array
-- of {"post","staff"}; fee_items a JSON array of required fee item ids
-- (empty: every one-off non-deposit item counts).
CREATE TABLE movein_campaigns (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    name         TEXT NOT NULL,
    starts_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL,
    work_plan    TEXT NOT NULL DEFAULT '',
    posts        TEXT NOT NULL DEFAULT '[]',
    fee_items    TEXT NOT NULL DEFAULT '[]',
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL
);
CREATE INDEX movein_campaigns_community ON movein_campaigns (community_id, starts_on);

CREATE TABLE movein_batches (
    id           {{id}},
    campaign_id  BIGINT NOT NULL REFERENCES movein_campaigns(id),
    community_id BIGINT NOT NULL,
    name         TEXT NOT NULL,
    starts_on    TEXT NOT NULL,                 -- the batch's first day
    newspaper    TEXT NOT NULL DEFAULT '',      -- 登报媒体
    newspaper_on TEXT NOT NULL DEFAULT '',      -- publication date
    notes        TEXT NOT NULL DEFAULT '',
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL
);
CREATE INDEX movein_batches_campaign ON movein_batches (campaign_id, starts_on);

CREATE TABLE movein_slots (
    id           {{id}},
    batch_id     BIGINT NOT NULL REFERENCES movein_batches(id),
    campaign_id  BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    day          TEXT NOT NULL,
    starts_at    TEXT NOT NULL,                 -- HH:MM
    ends_at      TEXT NOT NULL,
    capacity     INTEGER NOT NULL,
    created_at   {{ts}} NOT NULL
);
CREATE INDEX movein_slots_batch ON movein_slots (batch_id, day, starts_at);

-- A house in a campaign: its batch, appointment, 验房 acceptance and key
-- handover. keys is a JSON array of {"name","count"}.
CREATE TABLE movein_houses (
    id              {{id}},
    campaign_id     BIGINT NOT NULL REFERENCES movein_campaigns(id),
    community_id    BIGINT NOT NULL,
    house_id        BIGINT NOT NULL REFERENCES houses(id),
    batch_id        BIGINT REFERENCES movein_batches(id),
    slot_id         BIGINT REFERENCES movein_slots(id),
    appointed_at    {{ts}},
    accepted_on     TEXT NOT NULL DEFAULT '',
    accepted_by     TEXT NOT NULL DEFAULT '',
    acceptance_note TEXT NOT NULL DEFAULT '',
    handed_over_on  TEXT NOT NULL DEFAULT '',
    handover_by     TEXT NOT NULL DEFAULT '',   -- the owner who signed
    keys            TEXT NOT NULL DEFAULT '[]',
    occupied        BOOLEAN NOT NULL DEFAULT FALSE,
    handover_note   TEXT NOT NULL DEFAULT '',
    handed_over_at  {{ts}},
    created_at      {{ts}} NOT NULL,
    updated_at      {{ts}} NOT NULL,
    UNIQUE (campaign_id, house_id)
);
CREATE INDEX movein_houses_house ON movein_houses (house_id);
CREATE INDEX movein_houses_batch ON movein_houses (batch_id);
CREATE INDEX movein_houses_slot ON movein_houses (slot_id);

-- How and when the 入伙通知书 and 收楼手续流程表 went to a house.
CREATE TABLE movein_notices (
    id           {{id}},
    entry_id     BIGINT NOT NULL REFERENCES movein_houses(id),
    campaign_id  BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    house_id     BIGINT NOT NULL,
    document     TEXT NOT NULL,                 -- 入伙通知书 | 收楼手续流程表
    method       TEXT NOT NULL,                 -- 挂号信 …
    mail_number  TEXT NOT NULL DEFAULT '',
    sent_on      TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL
);
CREATE INDEX movein_notices_entry ON movein_notices (entry_id);
CREATE INDEX movein_notices_campaign ON movein_notices (campaign_id, sent_on);

CREATE TABLE movein_signatures (
    id           {{id}},
    entry_id     BIGINT NOT NULL REFERENCES movein_houses(id),
    campaign_id  BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    house_id     BIGINT NOT NULL,
    document_id  BIGINT NOT NULL REFERENCES movein_documents(id),
    version      INTEGER NOT NULL,
    signed_by    TEXT NOT NULL,
    signed_on    TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    UNIQUE (entry_id, document_id, version)
);
CREATE INDEX movein_signatures_campaign ON movein_signatures (campaign_id, signed_on);

-- 验房 defects, each a repair ticket.
CREATE TABLE movein_defects (
    id           {{id}},
    entry_id     BIGINT NOT NULL REFERENCES movein_houses(id),
    campaign_id  BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    house_id     BIGINT NOT NULL,
    room         TEXT NOT NULL,
    description  TEXT NOT NULL,
    party        TEXT NOT NULL DEFAULT '',      -- developer | engineering
    ticket_id    BIGINT NOT NULL REFERENCES tickets(id),
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL
);
CREATE INDEX movein_defects_entry ON movein_defects (entry_id);
CREATE INDEX movein_defects_campaign ON movein_defects (campaign_id, created_at);

-- +goose Down
DROP TABLE movein_defects;
DROP TABLE movein_signatures;
DROP TABLE movein_notices;
DROP TABLE movein_houses;
DROP TABLE movein_slots;
DROP TABLE movein_batches;
DROP TABLE movein_campaigns;
DROP TABLE movein_document_versions;
DROP TABLE movein_documents;
DROP TABLE takeover_photos;
DROP TABLE takeover_steps;
DROP TABLE takeover_findings;
DROP TABLE takeover_checks;
DROP TABLE takeover_inspections;
DROP TABLE takeover_items;
