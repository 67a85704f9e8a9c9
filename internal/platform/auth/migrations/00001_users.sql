-- +goose Up
CREATE TABLE users (
    id            {{id}},
    login         {{key}} NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    department    TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    {{ts}} NOT NULL,
    updated_at    {{ts}} NOT NULL
);

-- community_id is not a foreign key: communities live in the archive
-- module, migrated after this one; the service checks existence.
CREATE TABLE user_communities (
    user_id      BIGINT NOT NULL REFERENCES users(id),
    community_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, community_id)
);
CREATE INDEX user_communities_community ON user_communities (community_id);

-- Sessions are rows so that any number of app servers can share them.
-- Only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    token_hash   {{key}} PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    kind         TEXT NOT NULL,
    created_at   {{ts}} NOT NULL,
    last_seen_at {{ts}} NOT NULL,
    expires_at   {{ts}} NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    id    {{id}},
    login TEXT NOT NULL,
    ip    TEXT NOT NULL,
    at    {{ts}} NOT NULL
);
CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE user_communities;
DROP TABLE users;
