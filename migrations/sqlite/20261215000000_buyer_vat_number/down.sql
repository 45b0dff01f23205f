ALTER TABLE members DROP COLUMN vat_number;
