-- +goose Up
-- The e-mail outbox is the notifications themselves: a notification is
-- written in its business transaction, and the e-mail job (email.go)
-- sends it after commit.
--   email_state     pending → sent | skipped (no address, account
--                   disabled, too old) | failed (gave up after 5 tries)
--   email_attempts  tries so far, counted when a server claims the row
--   email_lease     not before: a claim's lease, or the next retry
--   email_error     why the last try failed or the row was skipped
ALTER TABLE notifications ADD COLUMN emailed_at {{ts}};
ALTER TABLE notifications ADD COLUMN email_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN email_state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE notifications ADD COLUMN email_lease {{ts}};
ALTER TABLE notifications ADD COLUMN email_error TEXT NOT NULL DEFAULT '';
-- What was notified before e-mail existed is not mailed now.
UPDATE notifications SET email_state = 'skipped', email_error = 'before e-mail';
-- The job reads only what is still to send.
CREATE INDEX notifications_email_pending ON notifications (id) WHERE email_state = 'pending';

-- +goose Down
DROP INDEX notifications_email_pending;
ALTER TABLE notifications DROP COLUMN email_error;
ALTER TABLE notifications DROP COLUMN email_lease;
ALTER TABLE notifications DROP COLUMN email_state;
ALTER TABLE notifications DROP COLUMN email_attempts;
ALTER TABLE notifications DROP COLUMN emailed_at;
