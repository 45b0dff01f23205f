DROP TABLE inkassosats;
ALTER TABLE invoicing_settings DROP COLUMN reminder_minimum_minor;
