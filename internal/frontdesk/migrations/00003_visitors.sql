-- +goose Up
-- 来访登记: a visitor to a house (or to someone named, such as the
-- office), registered at the desk on arrival (on_site → left) or
-- announced beforehand by the owner (expected → on_site → left, or
-- cancelled).
CREATE TABLE visitors (
    id              {{id}},
    community_id    BIGINT NOT NULL REFERENCES communities(id),
    house_id        BIGINT REFERENCES houses(id),
    host_name       TEXT NOT NULL DEFAULT '',             -- 被访人
    name            TEXT NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    id_type         TEXT NOT NULL DEFAULT '',
    id_number       TEXT NOT NULL DEFAULT '',             -- shown masked without idnumber.view
    purpose         TEXT NOT NULL DEFAULT '',
    people          INTEGER NOT NULL DEFAULT 1,
    plate           TEXT NOT NULL DEFAULT '',
    notes           TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,                        -- expected | on_site | left | cancelled
    source          TEXT NOT NULL DEFAULT 'desk',         -- desk | portal (owner's pre-registration)
    expected_at     {{ts}},
    checked_in_at   {{ts}},
    checked_out_at  {{ts}},
    -- the moment of the visit: check-in, or the expected time until then;
    -- what lists sort and date ranges filter by
    visit_at        {{ts}} NOT NULL,
    checkin_by      BIGINT,
    checkin_name    TEXT NOT NULL DEFAULT '',
    checkout_by     BIGINT,
    checkout_name   TEXT NOT NULL DEFAULT '',
    created_by      BIGINT NOT NULL DEFAULT 0,
    created_name    TEXT NOT NULL DEFAULT '',
    created_at      {{ts}} NOT NULL,
    updated_at      {{ts}} NOT NULL
);
CREATE INDEX visitors_visit ON visitors (community_id, visit_at);
CREATE INDEX visitors_visit_all ON visitors (visit_at);
-- Who is on site now and who is expected: small partial indexes.
CREATE INDEX visitors_open ON visitors (community_id, status, visit_at) WHERE status IN ('on_site', 'expected');
CREATE INDEX visitors_house ON visitors (house_id, visit_at);
CREATE INDEX visitors_phone ON visitors (community_id, phone);

-- +goose Down
DROP TABLE visitors;
