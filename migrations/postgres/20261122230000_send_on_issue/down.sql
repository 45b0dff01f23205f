ALTER TABLE invoicing_settings DROP COLUMN send_on_issue;
