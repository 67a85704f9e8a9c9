-- +goose Up
-- Indexes for the ticket lists and the KPIs at a million tickets
-- (bench/RESULTS.md, "Tickets"). Every list is newest first
-- (received_at DESC, id DESC) and counted; each index below lets one
-- kind of list read its page in order and count its rows from the index.

-- Lists across communities: an administrator's, or a manager's of several
-- communities, whose scope is then a filter on these (store.go).
CREATE INDEX tickets_recent ON tickets (received_at, id);
CREATE INDEX tickets_kind_recent ON tickets (kind, received_at, id);
CREATE INDEX tickets_status_recent ON tickets (status, received_at, id);

-- A community's department queue (tickets_department has no order).
CREATE INDEX tickets_department_recent ON tickets (community_id, department, received_at, id);

-- The workbench (a community's open tickets) and the overdue list (open,
-- or resolved without a first response): small, and in order; the
-- second also holds the deadlines, so the overdue count and the
-- escalation job read nothing else. The predicates are written exactly
-- as Filter.cond writes its terms, which SQLite needs to use a partial
-- index.
CREATE INDEX tickets_open ON tickets (community_id, received_at, id)
    WHERE status IN ('new','dispatched','in_progress');
CREATE INDEX tickets_unfinished ON tickets (community_id, received_at, id, status, first_response_at, respond_due_at,
    resolve_due_at) WHERE status IN ('new','dispatched','in_progress','resolved');

-- The six KPIs read a period's tickets of some communities from this
-- index alone, by kind: all kinds for the callback rates, then repairs
-- and complaints for theirs (kpi.go).
CREATE INDEX tickets_kpi ON tickets (community_id, kind, received_at, status, first_response_at, respond_due_at,
    first_resolved_at, resolve_due_at, reopen_count, callback_at, callback_result, valid);

-- +goose Down
DROP INDEX tickets_kpi;
DROP INDEX tickets_unfinished;
DROP INDEX tickets_open;
DROP INDEX tickets_department_recent;
DROP INDEX tickets_status_recent;
DROP INDEX tickets_kind_recent;
DROP INDEX tickets_recent;
