-- The Peppol BIS Billing 3.0 e-invoice (UBL) of an issued invoice or credit note, stored
-- beside its PDF in `documents` (kind e-invoice) in the same transaction, and as
-- immutable. NULL for drafts and for documents issued before e-invoices were written.
ALTER TABLE invoices ADD COLUMN einvoice_document_id TEXT REFERENCES documents (id);
