-- +goose Up
-- 公告: drafted at the desk, approved by the 客服经理 or the director,
-- published to a whole community or to chosen buildings between
-- starts_at and ends_at. status: draft → submitted → approved →
-- published → withdrawn; a rejection goes back to draft.
CREATE TABLE notices (
    id              {{id}},
    community_id    BIGINT NOT NULL REFERENCES communities(id),
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    category        TEXT NOT NULL,                   -- 停水停电 缴费 安全 活动 其他
    pinned          BOOLEAN NOT NULL DEFAULT FALSE,
    starts_at       {{ts}} NOT NULL,
    ends_at         {{ts}} NOT NULL,
    status          TEXT NOT NULL,
    reject_reason   TEXT NOT NULL DEFAULT '',        -- the last rejection, until resubmitted
    withdraw_reason TEXT NOT NULL DEFAULT '',
    submitted_name  TEXT NOT NULL DEFAULT '',
    submitted_at    {{ts}},
    approved_by     BIGINT NOT NULL DEFAULT 0,
    approved_name   TEXT NOT NULL DEFAULT '',
    approved_at     {{ts}},
    published_name  TEXT NOT NULL DEFAULT '',
    published_at    {{ts}},
    withdrawn_name  TEXT NOT NULL DEFAULT '',
    withdrawn_at    {{ts}},
    -- Read count: bumped by GET /api/v1/notices/{id} when the owner
    -- portal (not built yet) shows a notice to an owner; staff reads do
    -- not count.
    views           BIGINT NOT NULL DEFAULT 0,
    created_by      BIGINT NOT NULL,
    created_name    TEXT NOT NULL DEFAULT '',
    created_at      {{ts}} NOT NULL,
    updated_at      {{ts}} NOT NULL
);
-- The published list of a community (the owner portal's) and the
-- status tabs of the desk.
CREATE INDEX notices_community ON notices (community_id, status, starts_at);

-- The chosen buildings of a notice; none = the whole community.
CREATE TABLE notice_buildings (
    notice_id    BIGINT NOT NULL REFERENCES notices(id),
    building_id  BIGINT NOT NULL REFERENCES buildings(id),
    community_id BIGINT NOT NULL,
    PRIMARY KEY (notice_id, building_id)
);
CREATE INDEX notice_buildings_building ON notice_buildings (building_id);

-- The notice's attachment (PDF, JPEG or PNG, ≤ 10 MB), one at most,
-- kept in the database so a backup holds it.
CREATE TABLE notice_files (
    notice_id    BIGINT NOT NULL PRIMARY KEY REFERENCES notices(id),
    community_id BIGINT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         {{blob}} NOT NULL,
    created_by   BIGINT NOT NULL,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL
);

-- +goose Down
DROP TABLE notice_files;
DROP TABLE notice_buildings;
DROP TABLE notices;
