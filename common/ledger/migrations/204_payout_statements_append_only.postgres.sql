CREATE TRIGGER payout_statements_append_only BEFORE UPDATE OR DELETE ON payout_statements FOR EACH ROW EXECUTE FUNCTION sunshare_append_only();
CREATE TRIGGER payout_months_append_only BEFORE UPDATE OR DELETE ON payout_months FOR EACH ROW EXECUTE FUNCTION sunshare_append_only();
