CREATE TRIGGER payout_statements_no_update BEFORE UPDATE ON payout_statements BEGIN SELECT RAISE(ABORT, 'payout_statements are append-only'); END;
CREATE TRIGGER payout_statements_no_delete BEFORE DELETE ON payout_statements BEGIN SELECT RAISE(ABORT, 'payout_statements are append-only'); END;
CREATE TRIGGER payout_months_no_update BEFORE UPDATE ON payout_months BEGIN SELECT RAISE(ABORT, 'payout_months are append-only'); END;
CREATE TRIGGER payout_months_no_delete BEFORE DELETE ON payout_months BEGIN SELECT RAISE(ABORT, 'payout_months are append-only'); END;
