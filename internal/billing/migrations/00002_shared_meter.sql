-- +goose Up
-- 公摊: a metered item may be read at a community meter instead of per
-- house; the bill run splits the period's charge over the item's houses
-- by gross area (largest remainder, so the lines add up to the 分).
ALTER TABLE fee_items ADD COLUMN shared BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE shared_readings (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    fee_item_id  BIGINT NOT NULL REFERENCES fee_items(id),
    period       TEXT NOT NULL,
    reading      BIGINT NOT NULL,                    -- hundredths of a unit
    previous     BIGINT NOT NULL DEFAULT 0,
    consumption  BIGINT NOT NULL,
    replacement  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL,
    UNIQUE (fee_item_id, period)
);
CREATE INDEX shared_readings_community ON shared_readings (community_id, period);

-- +goose Down
DROP TABLE shared_readings;
ALTER TABLE fee_items DROP COLUMN shared;
