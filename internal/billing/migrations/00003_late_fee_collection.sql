-- +goose Up
-- 滞纳金 collected at the desk with the bill it was charged on: a payment
-- line of kind late_fee beside the bill's own line (kind bill), carrying
-- the bill, its item and period and the fee in 分 as of the payment. The
-- payment keeps the sum, so amount_fen = bills_fen + late_fee_fen +
-- prepaid_added_fen. Voiding the payment voids its lines with it.
ALTER TABLE payment_lines ADD COLUMN kind TEXT NOT NULL DEFAULT 'bill';  -- bill | late_fee
ALTER TABLE payments ADD COLUMN late_fee_fen BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE payments DROP COLUMN late_fee_fen;
ALTER TABLE payment_lines DROP COLUMN kind;
