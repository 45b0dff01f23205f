-- The buyer's VAT registration (SE…01, NO…MVA), printed on its invoices and named in a
-- reverse-charge note; checked against the member's country when entered.
ALTER TABLE members ADD COLUMN vat_number TEXT;
