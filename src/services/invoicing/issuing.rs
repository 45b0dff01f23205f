//! Issuing a draft: its gapless number, payment reference, dates, frozen totals, PDF and
//! e-invoice.

use chrono::{Datelike, NaiveDate};

use super::change;
use super::issuer::{Issuer, Terms};
use super::reading::{Shown, shown};
use crate::domain::documents::{DocumentKind, InvoiceDocument};
use crate::domain::invoicing::{Invoice, InvoiceNumber, ReferenceScheme, invoice_reference};
use crate::domain::member::Member;
use crate::error::{Error, StateConflict};
use crate::pdf::{Renderer, context};
use crate::services::audit::{self, Entity};
use crate::services::mail::Composer;
use crate::storage::invoicing::{self as store, EventRow, InvoiceRow};
use crate::storage::{DbConnection, members, new_id, now};

/// Issues a draft in the caller's transaction: the next number of its series, the payment
/// reference derived from it, the dates, the frozen totals and the stored PDF. The draft
/// row is updated once; after that nothing changes it.
pub fn issue(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    id: &str,
    date: NaiveDate,
    actor: &str,
) -> Result<InvoiceRow, Error> {
    issue_due(conn, issuer, id, date, None, actor)
}

/// [`issue`] with a due date of the caller's instead of the payment terms': a reminder's
/// charges fall due with the reminder.
pub fn issue_due(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    id: &str,
    date: NaiveDate,
    due: Option<NaiveDate>,
    actor: &str,
) -> Result<InvoiceRow, Error> {
    let numbered = number(conn, issuer, id, date, due)?;
    let pdf = issuer.render(&numbered.context, numbered.kind)?;
    finish(conn, issuer, numbered, &pdf, actor)
}

/// A draft that has its number, reference, dates and totals in the caller's transaction,
/// and waits for its PDF.
pub(super) struct Numbered {
    pub(super) draft: InvoiceRow,
    pub(super) kind: DocumentKind,
    pub(super) member: Member,
    pub(super) document: InvoiceDocument,
    pub(super) context: context::Context,
    pub(super) series: String,
    pub(super) reference: Option<String>,
}

/// The first half of issuing: claims the next number of the series and freezes what the
/// documents show. Loads the organisation's template, so rendering needs no connection.
pub(super) fn number(
    conn: &mut DbConnection,
    issuer: &mut Issuer<'_>,
    id: &str,
    date: NaiveDate,
    due: Option<NaiveDate>,
) -> Result<Numbered, Error> {
    let org = issuer.organisation.id.clone();
    let ToNumber {
        draft,
        kind,
        credited,
        invoice,
    } = to_number(conn, issuer, id, date)?;
    // Refused before a number is taken: numbers have no gaps.
    let (series, accounting_vat) = issuer.issuable(kind, &invoice, credited.as_ref())?;
    let sequence = store::next_number(conn, &org, &series, date.year())?;
    // A credit note quotes the reference of the invoice it credits; an invoice gets its own.
    let reference = match &credited {
        Some(c) => c.payment_reference.clone().unwrap_or_default(),
        None => reference_for(issuer.settings.reference_scheme, date.year(), sequence)?,
    };
    let member = members::get(conn, &org, &draft.member_id)?;
    let number = InvoiceNumber {
        prefix: series.clone(),
        year: date.year(),
        sequence,
    };
    let terms = Terms {
        kind,
        number,
        due,
        reference: &reference,
        credited: credited.as_ref(),
        accounting_vat,
    };
    let document = issuer.document(invoice, &member, terms);
    let context = context::invoice(&document);
    issuer.load_template(conn, kind, document.invoice.language)?;
    Ok(Numbered {
        draft,
        kind,
        member,
        document,
        context,
        series,
        reference: Some(reference).filter(|r| !r.is_empty() && credited.is_none()),
    })
}

/// A draft as it is about to be numbered, with the invoice it credits.
struct ToNumber {
    draft: InvoiceRow,
    kind: DocumentKind,
    credited: Option<InvoiceRow>,
    /// Its lines on the issue date, rounded as the organisation rounds totals.
    invoice: Invoice,
}

/// Reads a draft to number; an issued one is refused.
fn to_number(
    conn: &mut DbConnection,
    issuer: &Issuer<'_>,
    id: &str,
    date: NaiveDate,
) -> Result<ToNumber, Error> {
    let org = issuer.org();
    let draft = store::invoice(conn, org, id)?;
    if draft.issued_at.is_some() {
        return Err(Error::State(StateConflict::AlreadyIssued));
    }
    let kind = DocumentKind::parse(&draft.kind)
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored invoice kind {}", draft.kind)))?;
    let credited = match &draft.credits_invoice_id {
        Some(c) => Some(store::invoice(conn, org, c)?),
        None => None,
    };
    let invoice = draft
        .invoice(&store::lines(conn, id)?, date)?
        .rounded(issuer.settings.round_to_whole);
    Ok(ToNumber {
        draft,
        kind,
        credited,
        invoice,
    })
}

/// The second half of issuing, in the transaction that numbered the draft: stores the
/// PDF and the e-invoice and updates the draft row once; after that nothing changes it.
pub(super) fn finish(
    conn: &mut DbConnection,
    issuer: &Issuer<'_>,
    numbered: Numbered,
    pdf: &[u8],
    actor: &str,
) -> Result<InvoiceRow, Error> {
    let Numbered {
        draft,
        kind,
        member,
        document,
        context,
        series,
        reference,
    } = numbered;
    let agreement_id = draft.agreement_id.as_deref();
    let document_id = issuer.store_rendered(
        conn,
        &context,
        kind,
        pdf,
        &draft.member_id,
        agreement_id,
        actor,
    )?;
    let einvoice_id = issuer.store_einvoice(
        conn,
        &document,
        &member,
        &format!("{} (Peppol BIS Billing 3.0)", context.title),
        agreement_id,
        actor,
    )?;
    let invoice = &document.invoice;
    let date = invoice.date;
    let mut row = draft.clone();
    row.series = Some(series);
    row.number = Some(document.number);
    row.invoice_date = Some(date);
    row.due_date = Some(document.due_date);
    row.payment_reference = reference;
    row.net_minor = invoice.net().to_minor();
    row.vat_minor = invoice.vat().to_minor();
    row.rounding_minor = invoice.rounding.to_minor();
    row.total_minor = invoice.total().to_minor();
    row.document_id = Some(document_id);
    row.einvoice_document_id = Some(einvoice_id);
    row.set_accounting_vat(document.accounting_vat.as_ref());
    row.issued_by = Some(actor.to_owned());
    row.issued_at = Some(now());
    row.updated_at = now();
    store::issue(conn, &row)?;
    store::insert_event(
        conn,
        &EventRow {
            id: new_id(),
            invoice_id: row.id.clone(),
            kind: "issued".into(),
            note: None,
            occurred_on: date,
            created_by: actor.to_owned(),
            created_at: now(),
        },
    )?;
    audit::changed(
        conn,
        &change(issuer.org(), Entity::Invoice, &row.id, "issue", actor),
        &draft,
        &row,
    )?;
    crate::services::webhooks::invoice_issued(conn, &row)?;
    Ok(row)
}

/// The payment reference of an invoice number (see [`invoice_reference`]).
fn reference_for(scheme: ReferenceScheme, year: i32, sequence: i64) -> Result<String, Error> {
    invoice_reference(scheme, year, sequence)
        .map(|r| r.as_str().to_owned())
        .ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "no payment reference for {year}/{sequence}"
            ))
        })
}

/// Issues a draft for the API, with the organisation's settings, and queues its email
/// when they send on issue — in the issuing transaction: the invoice and its email stand
/// or fall together. A member without an invoice recipient gets its invoice all the same.
#[allow(clippy::too_many_arguments)]
pub fn issue_and_queue(
    conn: &mut DbConnection,
    renderer: &Renderer,
    composer: &Composer,
    org: &str,
    id: &str,
    date: NaiveDate,
    today: NaiveDate,
    actor: &str,
) -> Result<Shown, Error> {
    let mut issuer = Issuer::new(conn, renderer, org)?;
    issue(conn, &mut issuer, id, date, actor)?;
    if issuer.settings.send_on_issue {
        crate::services::mail::queue_invoice(conn, composer, org, id, today, actor)?;
    }
    shown(conn, org, id)
}
