-- API tokens and the audit log (api, migrations 3xx).
-- A token is shown once at creation; only its SHA-256 is stored, so a copy of
-- the database does not hand out access.
CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'finance', 'approver', 'admin')),
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL,
  revoked_at   TEXT
);

-- Every registry change and payout run through the API: who, what, when.
-- Append-only: nothing updates or deletes rows here.
CREATE TABLE audit_log (
  at           TEXT NOT NULL,             -- ISO-8601 instant
  actor        TEXT NOT NULL,             -- token name
  actor_token  TEXT NOT NULL,             -- token id
  role         TEXT NOT NULL,
  action       TEXT NOT NULL,             -- e.g. 'site.create', 'payout.run'
  target       TEXT NOT NULL DEFAULT '',  -- e.g. the site id
  details      TEXT NOT NULL DEFAULT '{}' -- JSON: the request body or the run's parameters
);
CREATE INDEX audit_log_at ON audit_log (at);
