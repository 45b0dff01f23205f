-- The accounts an organisation takes payments to in currencies beside its default one
-- (a Norwegian kontonummer for NOK, a EUR IBAN), as JSON keyed by currency code:
-- {"NOK": {"kontonummer": "12345678903", "iban": null, "bic": null}}.
ALTER TABLE organisations ADD COLUMN currency_accounts TEXT NOT NULL DEFAULT '{}';
