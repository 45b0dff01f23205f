-- SQLite cannot drop a column that references another table: the reference goes first.
UPDATE invoices SET einvoice_document_id = NULL;
ALTER TABLE invoices DROP COLUMN einvoice_document_id;
DELETE FROM documents WHERE kind = 'e-invoice';
