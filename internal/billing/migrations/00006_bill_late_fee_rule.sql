-- +goose Up
-- A late fee charged without a cap (0) is capped at the bill itself
-- (100%), the default of a new rule: no 滞纳金 ever exceeds its bill
-- unless a cap says so.
UPDATE fee_items SET late_fee_cap = 1000000 WHERE late_fee_rate > 0 AND late_fee_cap = 0;

-- Each bill keeps the 滞纳金 rule of its item as of when it was issued
-- (bill run or one-off charge), as it keeps its price: changing the
-- item's rule later never rewrites fees already owed. Bills issued
-- before take their item's current rule.
ALTER TABLE bills ADD COLUMN late_fee_rate BIGINT NOT NULL DEFAULT 0;         -- per day, ten-thousandths of a percent
ALTER TABLE bills ADD COLUMN late_fee_grace_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE bills ADD COLUMN late_fee_cap BIGINT NOT NULL DEFAULT 0;          -- of the bill, ten-thousandths of a percent
UPDATE bills SET
    late_fee_rate = (SELECT f.late_fee_rate FROM fee_items f WHERE f.id = bills.fee_item_id),
    late_fee_grace_days = (SELECT f.late_fee_grace_days FROM fee_items f WHERE f.id = bills.fee_item_id),
    late_fee_cap = (SELECT f.late_fee_cap FROM fee_items f WHERE f.id = bills.fee_item_id)
WHERE fee_item_id IN (SELECT id FROM fee_items WHERE late_fee_rate > 0);

-- The natural key (house × item × period) is a bill run's, so a rerun
-- creates nothing twice; one-off charges (no run) are not bound by it: a
-- house may pay two 工本费, or hold two deposits, in one month.
DROP INDEX bills_natural;
CREATE UNIQUE INDEX bills_natural ON bills (house_id, fee_item_id, period) WHERE status <> 'void' AND run_id IS NOT NULL;

-- +goose Down
DROP INDEX bills_natural;
CREATE UNIQUE INDEX bills_natural ON bills (house_id, fee_item_id, period) WHERE status <> 'void' AND deposit = FALSE;
ALTER TABLE bills DROP COLUMN late_fee_cap;
ALTER TABLE bills DROP COLUMN late_fee_grace_days;
ALTER TABLE bills DROP COLUMN late_fee_rate;
