-- Closed payout months: one statement per household and site, frozen when the
-- month is closed (sunshare payout close). Lines posted later are payable in
-- the first month not yet closed.
CREATE TABLE payout_statements (
  month           TEXT NOT NULL,            -- YYYY-MM
  site_id         TEXT NOT NULL,
  household_id    TEXT NOT NULL,
  daily_fen       BIGINT NOT NULL,
  adjustment_fen  BIGINT NOT NULL,
  deduction_fen   BIGINT NOT NULL,
  topup_fen       BIGINT NOT NULL,
  net_fen         BIGINT NOT NULL,
  closed_at       TEXT NOT NULL,
  PRIMARY KEY (month, site_id, household_id)
);

CREATE TABLE payout_months (
  month       TEXT PRIMARY KEY,
  closed_at   TEXT NOT NULL,
  statements  INTEGER NOT NULL
);
