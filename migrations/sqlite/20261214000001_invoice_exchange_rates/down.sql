ALTER TABLE invoices DROP COLUMN accounting_vat_minor;
ALTER TABLE invoices DROP COLUMN exchange_rate_source;
ALTER TABLE invoices DROP COLUMN exchange_rate_date;
ALTER TABLE invoices DROP COLUMN exchange_rate;
ALTER TABLE invoices DROP COLUMN accounting_currency;
