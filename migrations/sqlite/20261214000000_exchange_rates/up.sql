-- Exchange rates, shared by every organisation like the reference rates and entered by
-- the operator with their source: `rate` units of `quote_currency` for one unit of
-- `currency` on `rate_date` (11.2345 SEK for 1 EUR), as canonical decimal text.
CREATE TABLE exchange_rates (
    quote_currency TEXT NOT NULL,
    currency       TEXT NOT NULL,
    rate_date      DATE NOT NULL,
    rate           TEXT NOT NULL,
    source         TEXT NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (quote_currency, currency, rate_date)
);
