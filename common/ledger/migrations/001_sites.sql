-- Registry core shared by ingest (which sites and devices exist, their time zone)
-- and payout (capacity, revenue meter). Households, allocations, tariffs and
-- policy are payout's (migrations 2xx); daily energy is ingest's (1xx).
CREATE TABLE sites (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  town             TEXT NOT NULL DEFAULT '',
  village          TEXT NOT NULL DEFAULT '',
  capacity_w       BIGINT NOT NULL CHECK (capacity_w > 0),
  time_zone        TEXT NOT NULL DEFAULT 'Asia/Shanghai',
  latitude         DOUBLE PRECISION,
  longitude        DOUBLE PRECISION,
  commissioned_on  TEXT
);

CREATE TABLE devices (
  site_id          TEXT NOT NULL REFERENCES sites(id),
  id               TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('inverter', 'meter')),
  -- the site's revenue (billing) meter: its export counter is the settlement truth
  revenue_meter    INTEGER NOT NULL DEFAULT 0 CHECK (revenue_meter IN (0, 1)),
  rated_power_w    BIGINT,
  profile          TEXT,
  serial           TEXT,
  PRIMARY KEY (site_id, id)
);
