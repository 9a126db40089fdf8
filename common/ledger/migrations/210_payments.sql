-- From statement to bank (issue 15): receipts, payout policy per site,
-- collectives, the month's workflow, payment items and bank results.
-- Written by payout/receipts, payout/payments and payout/workflow; all
-- append-only (211_*): a change is a new row, never an edit.

-- Payout policy per site: the latest row (highest seq) is in force.
-- accrual: households are paid what accrued, the company advances what has
-- not been received; receipt: households are paid what has been received.
CREATE TABLE site_payout_policies (
  site_id        TEXT NOT NULL REFERENCES sites(id),
  seq            INTEGER NOT NULL CHECK (seq >= 1),
  policy         TEXT NOT NULL CHECK (policy IN ('accrual', 'receipt')),
  payer_account  TEXT NOT NULL,            -- the company account the site's beneficiaries are paid from
  set_at         TEXT NOT NULL,
  set_by         TEXT NOT NULL,
  PRIMARY KEY (site_id, seq)
);

-- A village collective (村集体) is a registry household row with its own
-- account; this marks it as a collective, so reports show it apart.
CREATE TABLE collectives (
  household_id   TEXT PRIMARY KEY REFERENCES households(id),
  village        TEXT NOT NULL,
  registered_at  TEXT NOT NULL
);

-- Money received: the grid company's monthly statements and subsidy
-- disbursements. site_id '' = a batch over several sites.
CREATE TABLE receipts (
  id           TEXT PRIMARY KEY,           -- kind/site/reference
  kind         TEXT NOT NULL CHECK (kind IN ('grid', 'subsidy')),
  site_id      TEXT NOT NULL,
  period_from  TEXT NOT NULL,              -- YYYY-MM
  period_to    TEXT NOT NULL,              -- YYYY-MM
  energy_wh    BIGINT,                     -- grid statements: the kWh billed
  amount_fen   BIGINT NOT NULL,
  reference    TEXT NOT NULL,
  received_on  TEXT NOT NULL,
  source       TEXT NOT NULL,
  imported_at  TEXT NOT NULL
);

-- Each receipt's part for one site and month, beside what had accrued, and
-- the rule that settled the difference.
CREATE TABLE receipt_checks (
  receipt_id     TEXT NOT NULL REFERENCES receipts(id),
  site_id        TEXT NOT NULL,
  month          TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('grid', 'subsidy')),
  accrued_wh     BIGINT NOT NULL,
  statement_wh   BIGINT,
  accrued_fen    BIGINT NOT NULL,          -- accrued when the receipt arrived (after any restatement)
  received_fen   BIGINT NOT NULL,
  difference_fen BIGINT NOT NULL,          -- received - accrued: posted as receipt_adjustments
  rule           TEXT NOT NULL CHECK (rule IN ('match', 'amount_adjustment', 'energy_restatement')),
  checked_at     TEXT NOT NULL,
  PRIMARY KEY (receipt_id, site_id, month)
);
CREATE INDEX receipt_checks_site ON receipt_checks (site_id, month, kind);

-- An amount difference split over the parties like the revenue (household_id '' = the company).
CREATE TABLE receipt_adjustments (
  receipt_id     TEXT NOT NULL REFERENCES receipts(id),
  site_id        TEXT NOT NULL,
  month          TEXT NOT NULL,
  household_id   TEXT NOT NULL,
  amount_fen     BIGINT NOT NULL,
  payable_month  TEXT NOT NULL,
  posted_at      TEXT NOT NULL,
  PRIMARY KEY (receipt_id, site_id, month, household_id)
);

-- The month's workflow: draft -> posted (公示) -> approved -> batch -> done.
CREATE TABLE payout_month_steps (
  month     TEXT NOT NULL,
  seq       INTEGER NOT NULL CHECK (seq >= 1),
  step      TEXT NOT NULL CHECK (step IN ('draft', 'posted', 'approved', 'batch', 'done')),
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  actor_id  TEXT NOT NULL DEFAULT '',
  details   TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (month, seq)
);
-- a month is approved once, paid (batched) once, done once: the second attempt fails here
CREATE UNIQUE INDEX payout_month_steps_once ON payout_month_steps (month, step) WHERE step IN ('approved', 'batch', 'done');

-- One payment per beneficiary, payer account and month, frozen when the
-- month's batch is made. released_cum_fen: everything released to the
-- beneficiary through this month; amount_fen = that minus what was paid before.
CREATE TABLE payment_items (
  id                TEXT PRIMARY KEY,      -- the reference in the bank file
  month             TEXT NOT NULL,
  payer_account     TEXT NOT NULL,
  household_id      TEXT NOT NULL,
  beneficiary_kind  TEXT NOT NULL CHECK (beneficiary_kind IN ('household', 'collective')),
  released_cum_fen  BIGINT NOT NULL,
  amount_fen        BIGINT NOT NULL CHECK (amount_fen > 0),
  account           TEXT NOT NULL,         -- in full: only the payment file shows it
  account_name      TEXT NOT NULL,
  held_reason       TEXT NOT NULL DEFAULT '', -- '' = in the file; else why it is held
  created_at        TEXT NOT NULL,
  UNIQUE (month, payer_account, household_id)
);
CREATE INDEX payment_items_household ON payment_items (household_id, month);
-- the payment file reads a month and payer account in reference order, a page at a time
CREATE INDEX payment_items_file ON payment_items (month, payer_account, id);

-- The bank's answer for one item: paid, or returned with its reason. Once.
CREATE TABLE payment_results (
  item_id      TEXT PRIMARY KEY REFERENCES payment_items(id),
  status       TEXT NOT NULL CHECK (status IN ('paid', 'returned')),
  reason       TEXT NOT NULL DEFAULT '',
  source       TEXT NOT NULL,
  imported_at  TEXT NOT NULL
);

-- Every payment file made: who, when, rows, total and the file's SHA-256.
CREATE TABLE payment_exports (
  month          TEXT NOT NULL,
  payer_account  TEXT NOT NULL,
  format         TEXT NOT NULL,
  template       TEXT NOT NULL,
  exported_by    TEXT NOT NULL,
  exported_at    TEXT NOT NULL,
  rows           INTEGER NOT NULL,
  total_fen      BIGINT NOT NULL,
  sha256         TEXT NOT NULL
);
