CREATE TRIGGER settlements_no_update BEFORE UPDATE ON settlements BEGIN SELECT RAISE(ABORT, 'settlements are append-only'); END;
CREATE TRIGGER settlements_no_delete BEFORE DELETE ON settlements BEGIN SELECT RAISE(ABORT, 'settlements are append-only'); END;
CREATE TRIGGER settlement_lines_no_update BEFORE UPDATE ON settlement_lines BEGIN SELECT RAISE(ABORT, 'settlement_lines are append-only'); END;
CREATE TRIGGER settlement_lines_no_delete BEFORE DELETE ON settlement_lines BEGIN SELECT RAISE(ABORT, 'settlement_lines are append-only'); END;
CREATE TRIGGER topups_no_update BEFORE UPDATE ON topups BEGIN SELECT RAISE(ABORT, 'topups are append-only'); END;
CREATE TRIGGER topups_no_delete BEFORE DELETE ON topups BEGIN SELECT RAISE(ABORT, 'topups are append-only'); END;
CREATE TRIGGER grid_meter_reads_no_update BEFORE UPDATE ON grid_meter_reads BEGIN SELECT RAISE(ABORT, 'grid_meter_reads are append-only'); END;
