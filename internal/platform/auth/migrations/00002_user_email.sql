-- +goose Up
-- An optional address for e-mailed notifications (WUYE_SMTP_ADDR); ''
-- means none.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN email;
