-- Charge the seller's own VAT also to a buyer in another country, where the law places the
-- supply in the seller's country (admission to an event held there, a service on property
-- there) instead of turning the rate into a reverse charge. Per price-list item, and per
-- invoice line so that drafts keep the choice and issued lines record it.
ALTER TABLE price_items ADD COLUMN domestic_vat_abroad BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE invoice_lines ADD COLUMN domestic_vat_abroad BOOLEAN NOT NULL DEFAULT FALSE;
