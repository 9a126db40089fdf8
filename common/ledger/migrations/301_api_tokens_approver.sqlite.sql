-- The approver role (a second person approves a payout month, docs/payments.md).
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with
-- the same columns and rows.
CREATE TABLE api_tokens_new (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'finance', 'approver', 'admin')),
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL,
  revoked_at   TEXT
);
INSERT INTO api_tokens_new (id, name, role, token_sha256, created_at, revoked_at)
  SELECT id, name, role, token_sha256, created_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
