-- The smallest outstanding amount a reminder chases (minor units of the invoice's
-- currency): a rounding residue or a small short payment is left alone.
ALTER TABLE invoicing_settings ADD COLUMN reminder_minimum_minor BIGINT NOT NULL DEFAULT 1000;

-- Norway's inkassosats per year (inkassoforskriften § 1-1): a purregebyr may be at most a
-- tenth of it. A national figure like the reference rates, entered by the operator; the
-- years below are the published rates, each with its source.
CREATE TABLE inkassosats (
    year         INTEGER PRIMARY KEY,
    amount_minor BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    source       TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
INSERT INTO inkassosats (year, amount_minor, currency, source, updated_at) VALUES
    (2017, 70000, 'NOK', 'Inkassoforskriften § 1-1; raised from 670 to 700 kr from 1 January 2017 (Justis- og beredskapsdepartementet)', CURRENT_TIMESTAMP),
    (2018, 70000, 'NOK', 'Inkassoforskriften § 1-1; 700 kr from 1 January 2018, unchanged from 2017', CURRENT_TIMESTAMP),
    (2025, 70000, 'NOK', 'Inkassoforskriften § 1-1; 700 kr from 1 January 2025 (Finanstilsynet, rates for late payment)', CURRENT_TIMESTAMP);
