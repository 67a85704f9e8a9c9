-- +goose Up
-- 收支公示 published to owners: each publication freezes the year's
-- statement (figures in 分, community name and phone) as JSON, shown
-- without a login at /p/statements/{token}. Never edited: publishing
-- the year again adds the next version and marks the older ones
-- superseded; a withdrawal is stamped on the row with its reason.
CREATE TABLE statement_publications (
    id                {{id}},
    community_id      BIGINT NOT NULL REFERENCES communities(id),
    year              INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    token             {{key}} NOT NULL UNIQUE,       -- 128 random bits, base32
    snapshot          TEXT NOT NULL,                 -- JSON of StatementSnapshot
    published_by      BIGINT NOT NULL DEFAULT 0,
    published_by_name TEXT NOT NULL DEFAULT '',
    published_at      {{ts}} NOT NULL,
    superseded_by     BIGINT,                        -- the version that replaced it
    superseded_at     {{ts}},
    withdrawn_by      BIGINT,
    withdrawn_by_name TEXT NOT NULL DEFAULT '',
    withdrawn_at      {{ts}},
    withdraw_reason   TEXT NOT NULL DEFAULT '',
    created_by        BIGINT NOT NULL DEFAULT 0,
    created_at        {{ts}} NOT NULL,
    updated_at        {{ts}} NOT NULL,
    UNIQUE (community_id, year, version)
);

-- +goose Down
DROP TABLE statement_publications;
