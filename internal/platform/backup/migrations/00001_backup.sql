-- +goose Up
-- The scheduled backup's settings: one row (id 1), written by the first
-- save of the admin page. No row means the defaults (off, 02:00, keep 7):
-- the migration inserts none, so a freshly migrated database stays empty
-- and a backup can be restored into it.
CREATE TABLE backup_settings (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    enabled    BOOLEAN NOT NULL,
    hour       INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    dir        TEXT NOT NULL,
    keep       INTEGER NOT NULL CHECK (keep BETWEEN 1 AND 365),
    updated_by BIGINT NOT NULL DEFAULT 0,
    updated_at {{ts}} NOT NULL
);

-- One backup, scheduled (定时) or started by an admin (立即备份). A run
-- is recorded as running before the file is written, outside any long
-- transaction. day is the Asia/Shanghai date a scheduled run claims: the
-- unique (kind, day) lets exactly one of several servers run it; a failed
-- attempt sets it back to NULL so a later one may retry that day. file is
-- unique too, so two runs of the same second cannot write the same name.
CREATE TABLE backup_runs (
    id          {{id}},
    kind        {{key}} NOT NULL CHECK (kind IN ('scheduled', 'manual')),
    day         {{key}} CHECK (day IS NULL OR length(day) = 10),
    status      {{key}} NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    started_at  {{ts}} NOT NULL,
    finished_at {{ts}},
    dir         TEXT NOT NULL,
    file        {{key}} NOT NULL,
    bytes       BIGINT NOT NULL DEFAULT 0,
    sha256      TEXT NOT NULL DEFAULT '',
    row_total   BIGINT NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    user_id     BIGINT NOT NULL DEFAULT 0,
    user_name   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX backup_runs_day ON backup_runs (kind, day);
CREATE UNIQUE INDEX backup_runs_file ON backup_runs (file);
CREATE INDEX backup_runs_status ON backup_runs (status, started_at);

-- +goose Down
DROP TABLE backup_runs;
DROP TABLE backup_settings;
