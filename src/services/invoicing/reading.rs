//! Invoices as they are read for views: rows, lines and the book they are judged by.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::storage::DbConnection;
use crate::storage::documents as documents_store;
use crate::storage::invoicing as store;

use super::book::Book;

/// The invoices of a member and their lines, keyed by id, for views.
pub fn lines_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<BTreeMap<String, Vec<LineRow>>, Error> {
    ids.iter()
        .map(|id| Ok((id.clone(), store::lines(conn, id)?)))
        .collect()
}

/// The record types the invoicing API shows, as read.
pub use crate::storage::invoicing::{InvoiceFilter, InvoiceRow, LineRow};

/// An invoice with its lines and the part of the book it is judged by: what a view of it
/// shows.
pub struct Shown {
    pub invoice: InvoiceRow,
    pub lines: Vec<LineRow>,
    pub book: Book,
}

/// Reads an invoice with its lines and the book it is judged by.
pub fn shown(conn: &mut DbConnection, org: &str, id: &str) -> Result<Shown, Error> {
    let invoice = store::invoice(conn, org, id)?;
    let lines = store::lines(conn, id)?;
    let book = Book::load_for(conn, org, std::slice::from_ref(&invoice.id))?;
    Ok(Shown {
        invoice,
        lines,
        book,
    })
}

/// Invoices, each with its lines, and the organisation's book they are judged by.
pub struct Listed {
    pub invoices: Vec<(InvoiceRow, Vec<LineRow>)>,
    pub book: Book,
}

/// The organisation's invoices that `filter` lets through, for a list.
pub fn listed(conn: &mut DbConnection, org: &str, filter: &InvoiceFilter) -> Result<Listed, Error> {
    let rows = store::invoices(conn, org, filter)?;
    let book = Book::load(conn, org)?;
    with_lines(conn, rows, book)
}

/// `rows` each with its lines.
pub(super) fn with_lines(
    conn: &mut DbConnection,
    rows: Vec<InvoiceRow>,
    book: Book,
) -> Result<Listed, Error> {
    let invoices = rows
        .into_iter()
        .map(|row| {
            let lines = store::lines(conn, &row.id)?;
            Ok((row, lines))
        })
        .collect::<Result<_, Error>>()?;
    Ok(Listed { invoices, book })
}

/// An issued invoice's e-invoice as it was stored, named by the invoice's number.
pub struct StoredEinvoice {
    /// The invoice's number; its id when it has none.
    pub name: String,
    pub bytes: Vec<u8>,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// The e-invoice stored when an invoice or credit note was issued; not found for a draft
/// and for an invoice issued before e-invoices were written.
pub fn einvoice(conn: &mut DbConnection, org: &str, id: &str) -> Result<StoredEinvoice, Error> {
    let row = store::invoice(conn, org, id)?;
    let document = row
        .einvoice_document_id
        .as_deref()
        .ok_or(Error::NotFound("e-invoice"))?;
    let bytes = documents_store::einvoice_content(conn, org, document)?;
    Ok(StoredEinvoice {
        name: row.number.unwrap_or(row.id),
        sha256: documents_store::sha256_hex(&bytes),
        bytes,
    })
}
