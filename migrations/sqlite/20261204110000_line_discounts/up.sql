-- A line's discount as its own allowance: the percent agreed and what it takes off the
-- quantity times the unit price (minor units, negative on a credit note).
ALTER TABLE invoice_lines ADD COLUMN discount_percent TEXT;
ALTER TABLE invoice_lines ADD COLUMN discount_minor BIGINT;
