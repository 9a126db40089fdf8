CREATE FUNCTION sunshare_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER settlements_append_only BEFORE UPDATE OR DELETE ON settlements FOR EACH ROW EXECUTE FUNCTION sunshare_append_only();
CREATE TRIGGER settlement_lines_append_only BEFORE UPDATE OR DELETE ON settlement_lines FOR EACH ROW EXECUTE FUNCTION sunshare_append_only();
CREATE TRIGGER topups_append_only BEFORE UPDATE OR DELETE ON topups FOR EACH ROW EXECUTE FUNCTION sunshare_append_only();
CREATE TRIGGER grid_meter_reads_append_only BEFORE UPDATE ON grid_meter_reads FOR EACH ROW EXECUTE FUNCTION sunshare_append_only();
