INSERT INTO rounding_cutover (id, method, from_day, recorded_at)
SELECT 1, 'cumulative', COALESCE(to_char(MAX(day)::date + 1, 'YYYY-MM-DD'), '0001-01-01'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM settlements;
CREATE TRIGGER rounding_states_append_only BEFORE UPDATE OR DELETE ON rounding_states FOR EACH ROW EXECUTE FUNCTION sunshare_append_only();
CREATE TRIGGER rounding_cutover_append_only BEFORE UPDATE OR DELETE ON rounding_cutover FOR EACH ROW EXECUTE FUNCTION sunshare_append_only();
