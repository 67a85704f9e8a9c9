-- +goose Up
CREATE TABLE audit_log (
    id           {{id}},
    at           {{ts}} NOT NULL,
    user_id      BIGINT NOT NULL DEFAULT 0,
    user_name    TEXT NOT NULL DEFAULT '',
    community_id BIGINT NOT NULL DEFAULT 0,
    entity       TEXT NOT NULL,
    entity_id    BIGINT NOT NULL,
    action       TEXT NOT NULL,
    before_json  TEXT NOT NULL DEFAULT '',
    after_json   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id, id);
CREATE INDEX audit_user ON audit_log (user_id, at);
CREATE INDEX audit_at ON audit_log (at);
CREATE INDEX audit_community ON audit_log (community_id, at);

-- +goose Down
DROP TABLE audit_log;
