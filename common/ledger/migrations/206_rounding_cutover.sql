-- Cumulative rounding (docs/payout.md section 3). Each site's households and
-- the company carry a residual: fen posted minus exact share, over the
-- postings of the payable year so far. After every run that posts for a
-- site, the residuals are appended here (one row per site and run, seq
-- counting up per site); the latest row is where the next run starts.
-- residuals: JSON object household_id ('' = company) -> numerator over den
-- (decimal strings); month: the latest payable month posted for the site
-- (later postings are never payable earlier); last_day: the latest day posted.
CREATE TABLE rounding_states (
  site_id     TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  year        TEXT NOT NULL,
  month       TEXT NOT NULL,
  last_day    TEXT NOT NULL,
  den         TEXT NOT NULL,
  residuals   TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  PRIMARY KEY (site_id, seq)
);

-- The cut-over: days from from_day on are split by cumulative rounding; days
-- before it (and their later corrections) keep the per-day split they were
-- posted with. One row, recorded when this migration runs: the day after the
-- latest day settled then (any day, for a ledger with nothing settled yet).
CREATE TABLE rounding_cutover (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  method       TEXT NOT NULL,
  from_day     TEXT NOT NULL,
  recorded_at  TEXT NOT NULL
);
