-- Daily performance ratio per inverter and per site (device_id '' = the whole
-- site), writer monitor/performance.ts. expected_wh is the clear-sky plane-of-
-- array energy x capacity, scaled by the weather seen (reference: 'sensor',
-- 'peers' or 'clear_sky'); pr = actual / (capacity x insolation), the
-- IEC 61724 ratio. A day computed again replaces its row.
CREATE TABLE performance_daily (
  site_id        TEXT NOT NULL,
  device_id      TEXT NOT NULL DEFAULT '',
  day            TEXT NOT NULL,
  actual_wh      BIGINT NOT NULL,
  expected_wh    BIGINT NOT NULL,
  clear_sky_wh   BIGINT NOT NULL,
  insolation_wh_m2 DOUBLE PRECISION NOT NULL,
  pr             DOUBLE PRECISION,
  reference      TEXT NOT NULL CHECK (reference IN ('sensor', 'peers', 'clear_sky')),
  computed_at    BIGINT NOT NULL,
  PRIMARY KEY (site_id, device_id, day)
);
