ALTER TABLE invoices DROP COLUMN einvoice_document_id;
DELETE FROM documents WHERE kind = 'e-invoice';
