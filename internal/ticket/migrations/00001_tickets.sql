-- +goose Up
CREATE TABLE tickets (
    id                {{id}},
    community_id      BIGINT NOT NULL REFERENCES communities(id),
    number            {{key}} NOT NULL,
    year              INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    urgency           TEXT NOT NULL,
    channel           TEXT NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL DEFAULT '',
    house_id          BIGINT REFERENCES houses(id),
    location          TEXT NOT NULL DEFAULT '',
    requester_name    TEXT NOT NULL DEFAULT '',
    requester_phone   TEXT NOT NULL DEFAULT '',
    receiver_id       BIGINT NOT NULL REFERENCES users(id),
    department        TEXT NOT NULL DEFAULT '',
    assignee_id       BIGINT REFERENCES users(id),
    status            TEXT NOT NULL,
    received_at       {{ts}} NOT NULL,
    respond_due_at    {{ts}} NOT NULL,
    resolve_due_at    {{ts}} NOT NULL,
    first_response_at {{ts}},
    first_resolved_at {{ts}},
    resolved_at       {{ts}},
    closed_at         {{ts}},
    resolution        TEXT NOT NULL DEFAULT '',
    reopen_count      INTEGER NOT NULL DEFAULT 0,
    callback_result   TEXT NOT NULL DEFAULT '',
    callback_at       {{ts}},
    valid             BOOLEAN,
    validity_reason   TEXT NOT NULL DEFAULT '',
    major             BOOLEAN NOT NULL DEFAULT FALSE,
    major_report      TEXT NOT NULL DEFAULT '',
    cancel_reason     TEXT NOT NULL DEFAULT '',
    overdue           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        {{ts}} NOT NULL,
    updated_at        {{ts}} NOT NULL,
    UNIQUE (community_id, number)
);
CREATE INDEX tickets_list ON tickets (community_id, status, received_at);
CREATE INDEX tickets_received ON tickets (community_id, received_at);
CREATE INDEX tickets_kind ON tickets (community_id, kind, received_at);
CREATE INDEX tickets_department ON tickets (community_id, department, status);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status);
CREATE INDEX tickets_receiver ON tickets (receiver_id, status);
CREATE INDEX tickets_house ON tickets (house_id);
CREATE INDEX tickets_open_due ON tickets (status, resolve_due_at);
CREATE INDEX tickets_number ON tickets (number);

-- Gap-free numbers per community and year, allocated in the ticket's
-- own transaction.
CREATE TABLE ticket_counters (
    community_id BIGINT NOT NULL,
    year         INTEGER NOT NULL,
    last         BIGINT NOT NULL,
    PRIMARY KEY (community_id, year)
);

CREATE TABLE ticket_events (
    id           {{id}},
    ticket_id    BIGINT NOT NULL REFERENCES tickets(id),
    community_id BIGINT NOT NULL,
    at           {{ts}} NOT NULL,
    user_id      BIGINT NOT NULL DEFAULT 0,
    user_name    TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    from_status  TEXT NOT NULL DEFAULT '',
    to_status    TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE sla_policies (
    kind             TEXT NOT NULL,
    urgency          TEXT NOT NULL,
    respond_minutes  INTEGER NOT NULL DEFAULT 0,
    respond_workdays INTEGER NOT NULL DEFAULT 0,
    resolve_minutes  INTEGER NOT NULL DEFAULT 0,
    resolve_workdays INTEGER NOT NULL DEFAULT 0,
    updated_by       BIGINT NOT NULL DEFAULT 0,
    updated_at       {{ts}} NOT NULL,
    PRIMARY KEY (kind, urgency)
);

CREATE TABLE ticket_attachments (
    id           {{id}},
    ticket_id    BIGINT NOT NULL REFERENCES tickets(id),
    community_id BIGINT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         {{blob}} NOT NULL,
    created_by   BIGINT NOT NULL,
    created_at   {{ts}} NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id);

CREATE TABLE notifications (
    id           {{id}},
    user_id      BIGINT NOT NULL REFERENCES users(id),
    community_id BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    ticket_id    BIGINT,
    title        TEXT NOT NULL,
    dedup_key    {{key}} NOT NULL,
    created_at   {{ts}} NOT NULL,
    read_at      {{ts}},
    UNIQUE (user_id, dedup_key)
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE ticket_attachments;
DROP TABLE sla_policies;
DROP TABLE ticket_events;
DROP TABLE ticket_counters;
DROP TABLE tickets;
