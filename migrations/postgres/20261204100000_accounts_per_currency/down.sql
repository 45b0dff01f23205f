ALTER TABLE organisations DROP COLUMN currency_accounts;
