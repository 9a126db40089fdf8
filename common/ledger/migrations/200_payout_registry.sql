-- Payout's registry: households, their allocations on sites, tariffs and
-- per-site policy, and the grid company's own meter reads. Registry rows may
-- be corrected (a re-run then posts adjustments); money rows (201) may not.
CREATE TABLE households (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  town          TEXT NOT NULL DEFAULT '',
  village       TEXT NOT NULL DEFAULT '',
  id_card       TEXT NOT NULL DEFAULT '',   -- stored in full, always shown masked (first 3 / last 4)
  bank_account  TEXT NOT NULL DEFAULT ''    -- stored in full, always shown masked (last 4)
);

-- A household's share of a site over [valid_from, valid_to] (local dates, both
-- inclusive; valid_to NULL = open-ended). Unallocated capacity is the company's.
CREATE TABLE allocations (
  id            TEXT PRIMARY KEY,
  household_id  TEXT NOT NULL REFERENCES households(id),
  site_id       TEXT NOT NULL REFERENCES sites(id),
  share_w       BIGINT NOT NULL CHECK (share_w > 0),
  valid_from    TEXT NOT NULL,
  valid_to      TEXT,
  reason        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX allocations_site ON allocations (site_id, valid_from);

-- Feed-in tariff by date range, exact: rates in units of 0.00001 yuan/kWh
-- (0.98 yuan/kWh = 98000). Grid part (paid by the grid company) + subsidy part.
CREATE TABLE tariffs (
  site_id       TEXT NOT NULL REFERENCES sites(id),
  valid_from    TEXT NOT NULL,
  valid_to      TEXT,
  grid_rate     BIGINT NOT NULL CHECK (grid_rate >= 0),
  subsidy_rate  BIGINT NOT NULL CHECK (subsidy_rate >= 0),
  PRIMARY KEY (site_id, valid_from)
);

CREATE TABLE site_policies (
  site_id                 TEXT PRIMARY KEY REFERENCES sites(id),
  -- yearly target per 3 kW share, in fen (default 3,000 yuan)
  annual_target_fen       BIGINT NOT NULL DEFAULT 300000 CHECK (annual_target_fen >= 0),
  -- 1: the company tops each household up to its (prorated) target at year end
  guaranteed_minimum      INTEGER NOT NULL DEFAULT 0 CHECK (guaranteed_minimum IN (0, 1)),
  -- maintenance deduction from a household's monthly gross, in per-mille
  maintenance_permille    INTEGER NOT NULL DEFAULT 0 CHECK (maintenance_permille BETWEEN 0 AND 1000)
);

-- The grid company's export reads (kWh per site and day), imported from its
-- CSV. Append-only: a corrected read is the next revision.
CREATE TABLE grid_meter_reads (
  site_id       TEXT NOT NULL REFERENCES sites(id),
  day           TEXT NOT NULL,
  revision      INTEGER NOT NULL CHECK (revision >= 1),
  export_wh     BIGINT NOT NULL CHECK (export_wh >= 0),
  source        TEXT NOT NULL DEFAULT '',
  imported_at   TEXT NOT NULL,
  PRIMARY KEY (site_id, day, revision)
);

-- Every unmasked (finance) export of personal data, for the auditors.
CREATE TABLE finance_exports (
  exported_at   TEXT NOT NULL,
  exported_by   TEXT NOT NULL,
  what          TEXT NOT NULL,
  rows          INTEGER NOT NULL
);
