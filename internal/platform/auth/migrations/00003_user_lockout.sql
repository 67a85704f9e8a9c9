-- +goose Up
-- Account lockout: failed_logins counts wrong passwords in a row, at the
-- login form or when re-authenticating for a sensitive action, and a
-- right one resets it; locked_at is set when it reaches
-- auth.MaxFailedPasswords and cleared by an administrator's 解除锁定 (or
-- lapses after auth.LockoutDuration).
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_at {{ts}};

-- +goose Down
ALTER TABLE users DROP COLUMN locked_at;
ALTER TABLE users DROP COLUMN failed_logins;
