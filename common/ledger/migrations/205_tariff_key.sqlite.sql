-- Tariffs get an id of their own (payout/registry), so a registry file that corrects a tariff's
-- start date corrects that tariff instead of adding a second, overlapping one. Existing tariffs
-- and rows written without an id get site_id || '_' || valid_from (the old key).
ALTER TABLE tariffs ADD COLUMN id TEXT;
UPDATE tariffs SET id = site_id || '_' || valid_from;
CREATE UNIQUE INDEX tariffs_id ON tariffs (id);
CREATE TRIGGER tariffs_default_id AFTER INSERT ON tariffs FOR EACH ROW WHEN NEW.id IS NULL
BEGIN
  UPDATE tariffs SET id = NEW.site_id || '_' || NEW.valid_from WHERE site_id = NEW.site_id AND valid_from = NEW.valid_from;
END;
