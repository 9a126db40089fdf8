-- Dead letters: messages (or parts of them) ingest refused, kept so they can be
-- looked at and replayed (ingest, migration 102). Written by ingest/dead-letters.
-- id is derived from reason, topic and payload, so a redelivered message is kept once.
CREATE TABLE dead_letters (
  id             TEXT PRIMARY KEY,
  received_at    BIGINT NOT NULL,           -- epoch ms
  reason         TEXT NOT NULL,             -- not_json | wrong_schema | invalid | unknown_site | unknown_device | internal | ...
  topic          TEXT NOT NULL,
  site_id        TEXT,
  gateway_id     TEXT,
  payload_base64 TEXT NOT NULL,             -- the MQTT payload exactly as received (bytes, base64)
  payload_bytes  BIGINT NOT NULL,
  truncated      INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)), -- 1: over deadLetters.maxPayloadBytes, only its start is kept (not replayable)
  error          TEXT NOT NULL              -- every problem, `path: message`, one per line
);
CREATE INDEX dead_letters_received_at ON dead_letters (received_at);

-- Replays of dead letters: one row per request, completed by the ingest that ran it.
-- Rows are never deleted; a letter whose replay was written is not replayed again.
CREATE TABLE dead_letter_replays (
  dead_letter_id TEXT NOT NULL REFERENCES dead_letters(id),
  attempt        INTEGER NOT NULL CHECK (attempt >= 1),
  requested_at   BIGINT NOT NULL,
  requested_by   TEXT NOT NULL,
  done_at        BIGINT,
  outcome        TEXT,                      -- written | dead (refused again: see detail) | not_replayable
  detail         TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (dead_letter_id, attempt)
);
