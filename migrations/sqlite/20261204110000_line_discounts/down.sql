ALTER TABLE invoice_lines DROP COLUMN discount_minor;
ALTER TABLE invoice_lines DROP COLUMN discount_percent;
