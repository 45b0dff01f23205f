-- An invoice or credit note in another currency than the organisation's own states its
-- VAT in the organisation's currency too (ML 17 kap. 24 §): that currency, the rate the
-- VAT was converted at, the rate's date and source, and the VAT total so converted (minor
-- units). Set once at issue; NULL on invoices in the organisation's own currency, on
-- drafts, and where no rate was needed or known.
ALTER TABLE invoices ADD COLUMN accounting_currency TEXT;
ALTER TABLE invoices ADD COLUMN exchange_rate TEXT;
ALTER TABLE invoices ADD COLUMN exchange_rate_date DATE;
ALTER TABLE invoices ADD COLUMN exchange_rate_source TEXT;
ALTER TABLE invoices ADD COLUMN accounting_vat_minor BIGINT;
