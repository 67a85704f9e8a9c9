-- +goose Up
-- An admin's correction of the statutory calendar for one day: it wins over
-- the built-in holiday data (lunar-go). day is 'YYYY-MM-DD' in Asia/Shanghai,
-- compared byte-wise so range scans use the primary key on both databases.
CREATE TABLE workday_overrides (
    day        {{key}} PRIMARY KEY CHECK (length(day) = 10),
    working    BOOLEAN NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    updated_by BIGINT NOT NULL DEFAULT 0,
    updated_at {{ts}} NOT NULL
);

-- +goose Down
DROP TABLE workday_overrides;
