-- Ingest's working state for daily energy (design decision 1), kept compact:
-- per device counter and 15-minute slot, the earliest and the latest read seen.
-- Upserts keep the min/max, so redelivery and out-of-order arrival give the
-- same rows; a day is recomputed from its slots plus the nearest slot on
-- either side. 96 rows per device counter and day.
CREATE TABLE counter_reads (
  site_id       TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  counter       TEXT NOT NULL,
  slot          BIGINT NOT NULL,             -- floor(ts / 900000)
  first_ts      BIGINT NOT NULL,
  first_wh      BIGINT NOT NULL,
  first_serial  TEXT NOT NULL DEFAULT '',
  last_ts       BIGINT NOT NULL,
  last_wh       BIGINT NOT NULL,
  last_serial   TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (site_id, device_id, counter, slot)
);

-- Days whose reads changed since daily_energy was last computed. `marks` grows
-- with every change, so a settle that read an older mark does not delete a
-- newer one (it deletes WHERE marks = the value it saw).
CREATE TABLE daily_energy_dirty (
  site_id    TEXT NOT NULL,
  device_id  TEXT NOT NULL,
  counter    TEXT NOT NULL,
  day        TEXT NOT NULL,
  marks      BIGINT NOT NULL DEFAULT 1,
  PRIMARY KEY (site_id, device_id, counter, day)
);
