-- Tariffs get an id of their own (payout/registry), so a registry file that corrects a tariff's
-- start date corrects that tariff instead of adding a second, overlapping one. Existing tariffs
-- and rows written without an id get site_id || '_' || valid_from (the old key).
ALTER TABLE tariffs ADD COLUMN id TEXT;
UPDATE tariffs SET id = site_id || '_' || valid_from;
CREATE UNIQUE INDEX tariffs_id ON tariffs (id);
CREATE FUNCTION sunshare_tariff_default_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id IS NULL THEN
    NEW.id := NEW.site_id || '_' || NEW.valid_from;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tariffs_default_id BEFORE INSERT ON tariffs FOR EACH ROW EXECUTE FUNCTION sunshare_tariff_default_id();
