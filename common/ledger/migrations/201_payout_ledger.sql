-- Posted money. Append-only (see 202_*: triggers refuse UPDATE and DELETE).
-- One settlement per site, day and version; version 1 posts 'daily' lines,
-- later versions post 'adjustment' lines (the difference to what was posted)
-- that reference the settlement they correct.
CREATE TABLE settlements (
  id             TEXT PRIMARY KEY,          -- site_id/day/vN
  site_id        TEXT NOT NULL,
  day            TEXT NOT NULL,
  version        INTEGER NOT NULL CHECK (version >= 1),
  corrects_id    TEXT REFERENCES settlements(id),
  inputs_hash    TEXT NOT NULL,
  energy_wh      BIGINT NOT NULL,
  energy_source  TEXT NOT NULL,             -- grid_read | revenue_meter | inverters | none
  flags          TEXT NOT NULL DEFAULT '',
  capacity_w     BIGINT NOT NULL,
  grid_rate      BIGINT NOT NULL,
  subsidy_rate   BIGINT NOT NULL,
  grid_fen       BIGINT NOT NULL,
  subsidy_fen    BIGINT NOT NULL,
  revenue_fen    BIGINT NOT NULL,
  run_id         TEXT NOT NULL,
  posted_at      TEXT NOT NULL,
  UNIQUE (site_id, day, version)
);

-- allocation_id '' and household_id '' = the company.
CREATE TABLE settlement_lines (
  settlement_id  TEXT NOT NULL REFERENCES settlements(id),
  allocation_id  TEXT NOT NULL,
  household_id   TEXT NOT NULL,
  share_w        BIGINT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('daily', 'adjustment')),
  grid_fen       BIGINT NOT NULL,
  subsidy_fen    BIGINT NOT NULL,
  amount_fen     BIGINT NOT NULL,
  payable_month  TEXT NOT NULL,             -- YYYY-MM the line is paid in
  PRIMARY KEY (settlement_id, allocation_id)
);

-- Who runs settlement now: one row per lock name, taken by INSERT under the key.
CREATE TABLE run_locks (
  name         TEXT PRIMARY KEY,
  owner        TEXT NOT NULL,
  acquired_at  TEXT NOT NULL,
  expires_at   TEXT NOT NULL
);

-- Year-end top-ups by the company (policy guaranteed_minimum), posted once per site, household and year.
CREATE TABLE topups (
  site_id       TEXT NOT NULL,
  household_id  TEXT NOT NULL,
  year          TEXT NOT NULL,
  target_fen    BIGINT NOT NULL,
  earned_fen    BIGINT NOT NULL,
  amount_fen    BIGINT NOT NULL CHECK (amount_fen >= 0),
  payable_month TEXT NOT NULL,
  posted_at     TEXT NOT NULL,
  PRIMARY KEY (site_id, household_id, year)
);

-- Settlement runs that finished; the scheduler catches up from the last one.
CREATE TABLE settlement_runs (
  id           TEXT PRIMARY KEY,
  from_day     TEXT NOT NULL,
  to_day       TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  finished_at  TEXT NOT NULL,
  posted       INTEGER NOT NULL,
  unchanged    INTEGER NOT NULL,
  skipped      INTEGER NOT NULL
);
