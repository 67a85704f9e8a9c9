-- +goose Up
-- 押金退还: a paid deposit bill (装修押金 …) given back, in full or less
-- deductions, each with its reason. Once per bill (UNIQUE), never edited.
-- refund_fen = deposit_fen - deductions_fen; the deductions are kept by
-- the company and count as income of the day of the refund.
CREATE TABLE deposit_refunds (
    id             {{id}},
    community_id   BIGINT NOT NULL REFERENCES communities(id),
    house_id       BIGINT NOT NULL REFERENCES houses(id),
    bill_id        BIGINT NOT NULL UNIQUE REFERENCES bills(id),
    deposit_fen    BIGINT NOT NULL,
    deductions_fen BIGINT NOT NULL,
    refund_fen     BIGINT NOT NULL,
    deductions     TEXT NOT NULL DEFAULT '[]',        -- JSON [{"amount_fen":…,"reason":"…"}]
    method         TEXT NOT NULL,                     -- cash bank wechat alipay
    reference      TEXT NOT NULL DEFAULT '',          -- e.g. the 装修许可证 number
    note           TEXT NOT NULL DEFAULT '',
    created_by     BIGINT NOT NULL,
    created_name   TEXT NOT NULL DEFAULT '',
    created_at     {{ts}} NOT NULL,
    updated_at     {{ts}} NOT NULL
);
CREATE INDEX deposit_refunds_community ON deposit_refunds (community_id, created_at);

-- A deposit is held per permit, not per month: a house may hold two
-- renovation deposits charged in one month (a second application after
-- the first was settled). The natural key of bills keeps applying to
-- every other bill.
DROP INDEX bills_natural;
CREATE UNIQUE INDEX bills_natural ON bills (house_id, fee_item_id, period) WHERE status <> 'void' AND deposit = FALSE;

-- +goose Down
DROP INDEX bills_natural;
CREATE UNIQUE INDEX bills_natural ON bills (house_id, fee_item_id, period) WHERE status <> 'void';
DROP TABLE deposit_refunds;
