INSERT INTO rounding_cutover (id, method, from_day, recorded_at)
SELECT 1, 'cumulative', COALESCE(date(MAX(day), '+1 day'), '0001-01-01'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM settlements;
CREATE TRIGGER rounding_states_no_update BEFORE UPDATE ON rounding_states BEGIN SELECT RAISE(ABORT, 'rounding_states are append-only'); END;
CREATE TRIGGER rounding_states_no_delete BEFORE DELETE ON rounding_states BEGIN SELECT RAISE(ABORT, 'rounding_states are append-only'); END;
CREATE TRIGGER rounding_cutover_no_update BEFORE UPDATE ON rounding_cutover BEGIN SELECT RAISE(ABORT, 'rounding_cutover is append-only'); END;
CREATE TRIGGER rounding_cutover_no_delete BEFORE DELETE ON rounding_cutover BEGIN SELECT RAISE(ABORT, 'rounding_cutover is append-only'); END;
