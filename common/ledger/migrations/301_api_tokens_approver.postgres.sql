-- The approver role (a second person approves a payout month, docs/payments.md).
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check CHECK (role IN ('viewer', 'operator', 'finance', 'approver', 'admin'));
