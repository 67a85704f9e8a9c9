-- +goose Up
-- 收费项目. unit prices live in fee_prices; applies_to is a JSON object
-- {"use":[…],"building_ids":[…],"house_ids":[…]} (empty = every house).
CREATE TABLE fee_items (
    id                  {{id}},
    community_id        BIGINT NOT NULL REFERENCES communities(id),
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL,               -- area | fixed | metered | oneoff
    deposit             BOOLEAN NOT NULL DEFAULT FALSE, -- a liability (装修押金), never income
    applies_to          TEXT NOT NULL DEFAULT '{}',
    late_fee_rate       BIGINT NOT NULL DEFAULT 0,   -- per day, ten-thousandths of a percent (500 = 0.05%)
    late_fee_grace_days INTEGER NOT NULL DEFAULT 0,
    late_fee_cap        BIGINT NOT NULL DEFAULT 0,   -- of the bill, ten-thousandths of a percent (1000000 = 100%)
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    notes               TEXT NOT NULL DEFAULT '',
    created_at          {{ts}} NOT NULL,
    updated_at          {{ts}} NOT NULL,
    UNIQUE (community_id, name)
);

-- 收费标准 history: the price of a period is the row with the latest
-- effective_from not after it. Bills copy the price they used.
CREATE TABLE fee_prices (
    id             {{id}},
    community_id   BIGINT NOT NULL,
    fee_item_id    BIGINT NOT NULL REFERENCES fee_items(id),
    effective_from TEXT NOT NULL,                    -- YYYY-MM
    unit_price     BIGINT NOT NULL,                  -- 1/10000 元
    created_by     BIGINT NOT NULL DEFAULT 0,
    created_at     {{ts}} NOT NULL,
    UNIQUE (fee_item_id, effective_from)
);

CREATE TABLE fee_exemptions (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    house_id     BIGINT NOT NULL REFERENCES houses(id),
    fee_item_id  BIGINT,                             -- NULL = every item
    from_period  TEXT NOT NULL,
    to_period    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    voided       BOOLEAN NOT NULL DEFAULT FALSE,
    void_reason  TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL
);
CREATE INDEX fee_exemptions_community ON fee_exemptions (community_id, to_period);
CREATE INDEX fee_exemptions_house ON fee_exemptions (house_id);

CREATE TABLE meter_readings (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    house_id     BIGINT NOT NULL REFERENCES houses(id),
    fee_item_id  BIGINT NOT NULL REFERENCES fee_items(id),
    period       TEXT NOT NULL,
    reading      BIGINT NOT NULL,                    -- hundredths of a unit
    previous     BIGINT NOT NULL DEFAULT 0,
    consumption  BIGINT NOT NULL,
    replacement  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL,
    UNIQUE (house_id, fee_item_id, period)
);
CREATE INDEX meter_readings_community ON meter_readings (community_id, period);

CREATE TABLE bill_runs (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    period       TEXT NOT NULL,
    status       TEXT NOT NULL,                      -- done | void
    created      INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    exempt       INTEGER NOT NULL DEFAULT 0,
    missing      INTEGER NOT NULL DEFAULT 0,         -- metered lines without a reading
    total_fen    BIGINT NOT NULL DEFAULT 0,
    prepaid_fen  BIGINT NOT NULL DEFAULT 0,          -- drawn from prepaid balances
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_name TEXT NOT NULL DEFAULT '',
    void_reason  TEXT NOT NULL DEFAULT '',
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL
);
CREATE INDEX bill_runs_community ON bill_runs (community_id, period);

CREATE TABLE bills (
    id              {{id}},
    community_id    BIGINT NOT NULL REFERENCES communities(id),
    house_id        BIGINT NOT NULL REFERENCES houses(id),
    fee_item_id     BIGINT NOT NULL REFERENCES fee_items(id),
    run_id          BIGINT,                          -- NULL for a one-off charge
    period          TEXT NOT NULL,                   -- YYYY-MM
    quantity        BIGINT NOT NULL,                 -- hundredths (m², units, 1.00 for fixed)
    unit_price      BIGINT NOT NULL,                 -- 1/10000 元, as charged
    amount_fen      BIGINT NOT NULL,
    deposit         BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL,                   -- unpaid | paid | void
    payment_id      BIGINT,
    paid_at         {{ts}},
    waived_reason   TEXT NOT NULL DEFAULT '',        -- 滞纳金 waived
    waived_by       BIGINT NOT NULL DEFAULT 0,
    note            TEXT NOT NULL DEFAULT '',
    created_at      {{ts}} NOT NULL,
    updated_at      {{ts}} NOT NULL
);
-- The natural key: one bill per house, item and period among the bills
-- that count, so a rerun creates nothing twice and a voided run frees it.
CREATE UNIQUE INDEX bills_natural ON bills (house_id, fee_item_id, period) WHERE status <> 'void';
CREATE INDEX bills_house ON bills (house_id, status, period);
CREATE INDEX bills_community ON bills (community_id, period, status);
CREATE INDEX bills_run ON bills (run_id);
CREATE INDEX bills_payment ON bills (payment_id);

CREATE TABLE payments (
    id                {{id}},
    community_id      BIGINT NOT NULL REFERENCES communities(id),
    house_id          BIGINT NOT NULL REFERENCES houses(id),
    receipt_number    {{key}},                       -- NULL for prepaid draw-downs (no money received)
    method            TEXT NOT NULL,                 -- cash wechat alipay bank pos prepaid
    reference         TEXT NOT NULL DEFAULT '',
    amount_fen        BIGINT NOT NULL,               -- received (or drawn from the balance)
    bills_fen         BIGINT NOT NULL,
    prepaid_added_fen BIGINT NOT NULL DEFAULT 0,
    run_id            BIGINT,                        -- the bill run of a draw-down
    cashier_id        BIGINT NOT NULL,
    cashier_name      TEXT NOT NULL DEFAULT '',
    paid_at           {{ts}} NOT NULL,
    status            TEXT NOT NULL,                 -- valid | void
    void_reason       TEXT NOT NULL DEFAULT '',
    voided_by         BIGINT NOT NULL DEFAULT 0,
    voided_name       TEXT NOT NULL DEFAULT '',
    voided_at         {{ts}},
    note              TEXT NOT NULL DEFAULT '',
    created_at        {{ts}} NOT NULL,
    updated_at        {{ts}} NOT NULL,
    UNIQUE (community_id, receipt_number)
);
CREATE INDEX payments_house ON payments (house_id, paid_at);
CREATE INDEX payments_day ON payments (community_id, paid_at);
CREATE INDEX payments_receipt ON payments (receipt_number);
CREATE INDEX payments_run ON payments (run_id);

-- What a payment settled, kept after a void for the receipt and reports.
CREATE TABLE payment_lines (
    id           {{id}},
    payment_id   BIGINT NOT NULL REFERENCES payments(id),
    bill_id      BIGINT NOT NULL REFERENCES bills(id),
    community_id BIGINT NOT NULL,
    fee_item_id  BIGINT NOT NULL,
    period       TEXT NOT NULL,
    amount_fen   BIGINT NOT NULL
);
CREATE INDEX payment_lines_payment ON payment_lines (payment_id);
CREATE INDEX payment_lines_bill ON payment_lines (bill_id);

-- Gap-free receipt numbers per community and year.
CREATE TABLE receipt_counters (
    community_id BIGINT NOT NULL,
    year         INTEGER NOT NULL,
    last         BIGINT NOT NULL,
    PRIMARY KEY (community_id, year)
);

-- One row per community; every billing write upserts it first, so the
-- writes of one community queue (PostgreSQL row lock; SQLite has one
-- writer anyway) and never deadlock on bills and balances.
CREATE TABLE billing_locks (
    community_id BIGINT PRIMARY KEY,
    n            BIGINT NOT NULL
);

CREATE TABLE prepaid_balances (
    house_id     BIGINT PRIMARY KEY REFERENCES houses(id),
    community_id BIGINT NOT NULL,
    balance_fen  BIGINT NOT NULL,
    updated_at   {{ts}} NOT NULL
);
CREATE INDEX prepaid_balances_community ON prepaid_balances (community_id, balance_fen);

CREATE TABLE prepaid_entries (
    id           {{id}},
    community_id BIGINT NOT NULL,
    house_id     BIGINT NOT NULL,
    payment_id   BIGINT NOT NULL,
    amount_fen   BIGINT NOT NULL,                    -- + added, - drawn
    kind         TEXT NOT NULL,                      -- add | draw | void
    balance_fen  BIGINT NOT NULL,                    -- after
    created_at   {{ts}} NOT NULL
);
CREATE INDEX prepaid_entries_house ON prepaid_entries (house_id, id);

CREATE TABLE dunning_records (
    id             {{id}},
    community_id   BIGINT NOT NULL REFERENCES communities(id),
    house_id       BIGINT NOT NULL REFERENCES houses(id),
    method         TEXT NOT NULL,                    -- phone notice visit sms lawyer_letter
    result         TEXT NOT NULL,
    next_follow_up TEXT NOT NULL DEFAULT '',         -- YYYY-MM-DD
    owed_fen       BIGINT NOT NULL DEFAULT 0,        -- at the time
    created_by     BIGINT NOT NULL,
    created_name   TEXT NOT NULL DEFAULT '',
    created_at     {{ts}} NOT NULL
);
CREATE INDEX dunning_house ON dunning_records (house_id, id);
CREATE INDEX dunning_follow_up ON dunning_records (community_id, next_follow_up);

-- 收支公示: spending entered by the director.
CREATE TABLE expenditures (
    id           {{id}},
    community_id BIGINT NOT NULL REFERENCES communities(id),
    spent_on     TEXT NOT NULL,                      -- YYYY-MM-DD
    category     TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    amount_fen   BIGINT NOT NULL,
    voided       BOOLEAN NOT NULL DEFAULT FALSE,
    void_reason  TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL DEFAULT 0,
    created_at   {{ts}} NOT NULL,
    updated_at   {{ts}} NOT NULL
);
CREATE INDEX expenditures_community ON expenditures (community_id, spent_on);

-- +goose Down
DROP TABLE expenditures;
DROP TABLE dunning_records;
DROP TABLE prepaid_entries;
DROP TABLE prepaid_balances;
DROP TABLE billing_locks;
DROP TABLE receipt_counters;
DROP TABLE payment_lines;
DROP TABLE payments;
DROP TABLE bills;
DROP TABLE bill_runs;
DROP TABLE meter_readings;
DROP TABLE fee_exemptions;
DROP TABLE fee_prices;
DROP TABLE fee_items;
