//! Credit notes: all of an issued invoice, or some of its amount, issued at once.

use chrono::{NaiveDate, NaiveDateTime};

use super::book::Book;
use super::drafts::one_vat_scope;
use super::issuer::Issuer;
use super::issuing::issue;
use super::reading::{Shown, shown};
use crate::domain::documents::DocumentKind;
use crate::domain::invoicing::{InvoiceLine, net_and_vat};
use crate::domain::{Currency, Invalid};
use crate::error::{Error, StateConflict};
use crate::pdf::Renderer;
use crate::services::mail::Composer;
use crate::storage::invoicing::{self as store, InvoiceRow, LineRow};
use crate::storage::{DbConnection, new_id, now};

/// A credit note for all of an invoice, or for the given lines (positive amounts that are
/// credited). Issued at once in the credit-note series; the original's balance falls by it.
pub fn credit(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    invoice_id: &str,
    lines: Option<Vec<InvoiceLine>>,
    date: NaiveDate,
    actor: &str,
) -> Result<InvoiceRow, Error> {
    let org = issuer.organisation.id.clone();
    let original = store::invoice(conn, &org, invoice_id)?;
    let book = Book::load_for(conn, &org, std::slice::from_ref(&original.id))?;
    // A full credit repeats the original's lines.
    let original_lines = match lines {
        Some(_) => Vec::new(),
        None => store::lines(conn, invoice_id)?,
    };
    let request = CreditRequest {
        original: &original,
        credited: book.credited(&original.id),
        original_lines: &original_lines,
        lines,
    };
    let (row, rows) = credit_note(request, new_id(), now(), actor)?;
    store::insert_invoice(conn, &row, &rows)?;
    issue(conn, issuer, &row.id, date, actor)
}

/// What a credit note is decided from.
struct CreditRequest<'a> {
    original: &'a InvoiceRow,
    /// What credit notes took off the original before.
    credited: i64,
    original_lines: &'a [LineRow],
    /// The lines to credit; all of the original's when none are given.
    lines: Option<Vec<InvoiceLine>>,
}

/// The draft of a credit note and its lines, or why the original cannot be credited so:
/// it is not an issued invoice, it was credited before (for a full credit), or the lines
/// credit nothing or more than is left of it.
fn credit_note(
    r: CreditRequest<'_>,
    id: String,
    at: NaiveDateTime,
    actor: &str,
) -> Result<(InvoiceRow, Vec<LineRow>), Error> {
    let original = r.original;
    if original.issued_at.is_none() {
        return Err(Error::State(StateConflict::InvoiceNotIssued));
    }
    if original.kind != DocumentKind::Invoice.as_str() {
        return Err(Error::field("invoice", Invalid::Mismatch { other: "kind" }));
    }
    let currency = original.currency()?;
    let creditable = original.total_minor - r.credited;
    let lines = match r.lines {
        Some(lines) => {
            one_vat_scope(&lines)?;
            lines
        }
        None => {
            // A full credit: the original's lines as they were, less what is already credited.
            if r.credited > 0 {
                return Err(Error::field(
                    "lines",
                    Invalid::Mismatch { other: "credited" },
                ));
            }
            r.original_lines
                .iter()
                .map(|l| l.line(currency))
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    if lines.is_empty() {
        return Err(Error::field("lines", Invalid::Required));
    }
    let credited: Vec<InvoiceLine> = lines.iter().map(InvoiceLine::credited).collect();
    let (net, vat) = net_and_vat(&credited, currency);
    let total = net.to_minor() + vat.to_minor();
    if -total > creditable || total >= 0 {
        return Err(Error::field(
            "lines",
            Invalid::OutOfRange {
                min: 0,
                max: creditable / 100,
            },
        ));
    }
    let rows = store::line_rows(&id, &credited);
    Ok((credit_note_row(original, id, at, actor), rows))
}

/// A credit note's draft row: the original's buyer, period and currency, nothing issued.
fn credit_note_row(
    original: &InvoiceRow,
    id: String,
    at: NaiveDateTime,
    actor: &str,
) -> InvoiceRow {
    InvoiceRow {
        id,
        kind: DocumentKind::CreditNote.as_str().to_owned(),
        credits_invoice_id: Some(original.id.clone()),
        run_id: None,
        created_by: actor.to_owned(),
        created_at: at,
        updated_at: at,
        ..original.unissued()
    }
}

/// A credit note for the API: its lines parsed in the credited invoice's currency (`None`
/// for all of it), issued with the organisation's settings and, when they send on issue,
/// queued to be emailed in the same transaction.
#[allow(clippy::too_many_arguments)]
pub fn credit_and_queue(
    conn: &mut DbConnection,
    renderer: &Renderer,
    composer: &Composer,
    org: &str,
    invoice_id: &str,
    parse_lines: impl FnOnce(Currency) -> Result<Option<Vec<InvoiceLine>>, Error>,
    date: NaiveDate,
    today: NaiveDate,
    actor: &str,
) -> Result<Shown, Error> {
    let original = store::invoice(conn, org, invoice_id)?;
    let currency = Currency::parse(&original.currency)
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored currency")))?;
    let lines = parse_lines(currency)?;
    let mut issuer = Issuer::new(conn, renderer, org)?;
    let note = credit(conn, &mut issuer, invoice_id, lines, date, actor)?;
    if issuer.settings.send_on_issue {
        crate::services::mail::queue_invoice(conn, composer, org, &note.id, today, actor)?;
    }
    shown(conn, org, &note.id)
}
