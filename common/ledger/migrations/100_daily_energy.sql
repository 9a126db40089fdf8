-- Settlement-grade daily energy per device counter and local day (the site's
-- time zone), written by ingest, read by payout. Append-only: when late data
-- changes a day, ingest inserts the next revision; payout uses the highest
-- revision (see the daily_energy_current view) and records which it used.
CREATE TABLE daily_energy (
  site_id      TEXT NOT NULL,
  device_id    TEXT NOT NULL,
  -- which lifetime counter: 'ac_energy_wh' (inverter), 'export_energy_wh' / 'import_energy_wh' (meter)
  counter      TEXT NOT NULL,
  day          TEXT NOT NULL,              -- local date, YYYY-MM-DD
  revision     INTEGER NOT NULL CHECK (revision >= 1),
  first_ts     BIGINT,                     -- epoch ms of the first counter read used
  first_wh     DOUBLE PRECISION,
  last_ts      BIGINT,
  last_wh      DOUBLE PRECISION,
  energy_wh    BIGINT NOT NULL CHECK (energy_wh >= 0),
  -- how energy_wh was obtained: delta | reset | rollover | replacement | interpolated | estimated
  method       TEXT NOT NULL,
  flags        TEXT NOT NULL DEFAULT '',   -- comma-separated extra flags, e.g. 'gap,late'
  readings     INTEGER NOT NULL DEFAULT 0,
  computed_at  TEXT NOT NULL,
  PRIMARY KEY (site_id, device_id, counter, day, revision)
);

CREATE VIEW daily_energy_current AS
SELECT d.* FROM daily_energy d
WHERE d.revision = (
  SELECT MAX(x.revision) FROM daily_energy x
  WHERE x.site_id = d.site_id AND x.device_id = d.device_id AND x.counter = d.counter AND x.day = d.day
);
