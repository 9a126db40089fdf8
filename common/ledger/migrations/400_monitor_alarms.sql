-- Monitor's alarms (writer: monitor/alarms/store.ts). One row per alarm, from
-- raised to cleared; at most one open row per alarm_key (kind, site, device,
-- detail). Times are epoch milliseconds (the data's own clock: simulated in
-- the demo). Lost energy and its value are filled for alarms that stopped or
-- reduced generation, while open and finally when cleared.
CREATE TABLE alarms (
  id               TEXT PRIMARY KEY,
  alarm_key        TEXT NOT NULL,
  kind             TEXT NOT NULL,
  severity         TEXT NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning')),
  site_id          TEXT NOT NULL,
  device_id        TEXT,
  gateway_id       TEXT,
  message          TEXT NOT NULL,
  details          TEXT NOT NULL DEFAULT '{}',
  stops_generation INTEGER NOT NULL DEFAULT 0 CHECK (stops_generation IN (0, 1)),
  raised_at        BIGINT NOT NULL,
  acknowledged_at  BIGINT,
  acknowledged_by  TEXT,
  cleared_at       BIGINT,
  lost_wh          BIGINT NOT NULL DEFAULT 0,
  lost_fen         BIGINT NOT NULL DEFAULT 0,
  households_fen   BIGINT NOT NULL DEFAULT 0,
  company_fen      BIGINT NOT NULL DEFAULT 0,
  households       INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX alarms_one_open ON alarms (alarm_key) WHERE cleared_at IS NULL;
CREATE INDEX alarms_site_time ON alarms (site_id, raised_at);
