ALTER TABLE invoice_lines DROP COLUMN domestic_vat_abroad;
ALTER TABLE price_items DROP COLUMN domestic_vat_abroad;
