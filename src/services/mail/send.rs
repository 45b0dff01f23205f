//! Documents by email: offer letters, invoices, reminders and statements, one member at a
//! time or a whole run, each written to the outbox with the event it records.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::recipients::no_recipient;
use super::*;
use crate::domain::Language;
use crate::domain::money::Money;
use crate::domain::organisation::Organisation;
use crate::email::templates::MessageKind;
use crate::error::{Error, StateConflict};
use crate::pdf::format;
use crate::services::invoicing;
use crate::storage::documents::DocumentRecord;
use crate::storage::invoicing::InvoiceRow;
use crate::storage::members;
use crate::storage::{DbConnection, documents, invoicing as store};

/// An offer letter to the member's contacts flagged for offers.
pub fn send_offer(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    document_id: &str,
    actor: &str,
) -> Result<Queued, Error> {
    let kind = MessageKind::Offer;
    send_document(
        conn,
        composer,
        org,
        document_id,
        kind,
        actor,
        |doc, _, values| {
            values.insert(
                "fee_year",
                doc.fee_year.map(|y| y.to_string()).unwrap_or_default(),
            );
        },
    )
}

/// A stored document of `kind` to the member's recipients of that kind, once per
/// document; `values` adds what the kind's message says besides the document's title.
fn send_document(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    document_id: &str,
    kind: MessageKind,
    actor: &str,
    values: impl FnOnce(&DocumentRecord, Language, &mut HashMap<&'static str, String>),
) -> Result<Queued, Error> {
    let doc = documents::get(conn, org, document_id)?;
    if doc.kind != kind.as_str() {
        return Err(Error::NotFound(kind.as_str()));
    }
    if let Some(message) = live_message(conn, org, document_id)? {
        return Ok(Queued {
            message,
            created: false,
        });
    }
    let organisation = organisation(conn, org)?;
    let member = members::get(conn, org, &doc.member_id)?;
    let to = recipients(conn, org, &member, kind)?;
    if to.is_empty() {
        return Err(no_recipient(kind));
    }
    let lang = stored_language(&doc.language);
    let mut filled = common(&organisation, &member);
    filled.insert("document.title", doc.title.clone());
    values(&doc, lang, &mut filled);
    let draft = Draft {
        kind,
        member: &member,
        document_id: Some(document_id),
        attachment: None,
        attachment_name: Some(file_name(&doc.title)),
        language: lang,
        values: filled,
    };
    enqueue(conn, composer, &organisation, draft, to, actor)
}
fn invoice_outcome(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &Organisation,
    invoice_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<Outcome, Error> {
    let row = store::invoice(conn, &org.id, invoice_id)?;
    let document_id = match (&row.document_id, row.issued_at) {
        (Some(d), Some(_)) => d.clone(),
        _ => return Err(Error::State(StateConflict::InvoiceNotIssued)),
    };
    if let Some(message) = live_message(conn, &org.id, &document_id)? {
        return Ok(Outcome::Queued(Box::new(Queued {
            message,
            created: false,
        })));
    }
    let member = members::get(conn, &org.id, &row.member_id)?;
    let to = recipients(conn, &org.id, &member, MessageKind::Invoice)?;
    if to.is_empty() {
        return Ok(Outcome::Missing(Missing {
            member_id: member.id.clone(),
            member_name: member.details.name.clone(),
            document_id: Some(document_id),
            recipient: wanted(MessageKind::Invoice),
        }));
    }
    let doc = documents::get(conn, &org.id, &document_id)?;
    let lang = stored_language(&row.language);
    let mut values = common(org, &member);
    values.insert("document.title", doc.title.clone());
    let credited = match &row.credits_invoice_id {
        Some(credited) => Some(store::invoice(conn, &org.id, credited)?),
        None => None,
    };
    let kind = invoice_values(&row, credited, lang, &mut values);
    let draft = Draft {
        kind,
        member: &member,
        document_id: Some(&document_id),
        attachment: None,
        attachment_name: Some(file_name(&doc.title)),
        language: lang,
        values,
    };
    let queued = enqueue(conn, composer, org, draft, to, actor)?;
    if queued.created {
        // The invoice counts as sent from now on: its message is stored with the event.
        invoicing::record_event(
            conn,
            &org.id,
            invoice_id,
            "sent",
            on,
            Some(format!("e-post {}", queued.message.summary.message_id)),
            actor,
        )?;
    }
    Ok(Outcome::Queued(Box::new(queued)))
}
/// An issued invoice to the member's invoice address and the contacts flagged for
/// invoices; records the invoice's `sent` event in the same transaction.
pub fn send_invoice(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    invoice_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<Queued, Error> {
    let organisation = organisation(conn, org)?;
    match invoice_outcome(conn, composer, &organisation, invoice_id, on, actor)? {
        Outcome::Queued(q) => Ok(*q),
        Outcome::Missing(_) => Err(no_recipient(MessageKind::Invoice)),
    }
}
/// Queues an issued invoice's email when its member has an invoice recipient; `None` when
/// it has none (issuing with `send_on_issue` goes on without the email).
pub fn queue_invoice(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    invoice_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<Option<Queued>, Error> {
    let organisation = organisation(conn, org)?;
    Ok(
        match invoice_outcome(conn, composer, &organisation, invoice_id, on, actor)? {
            Outcome::Queued(q) => Some(*q),
            Outcome::Missing(_) => None,
        },
    )
}
/// Every issued invoice of an invoice run; members without an invoice recipient are
/// reported, and their invoices stay unsent.
pub fn send_invoice_run(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    run_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<BulkReport, Error> {
    store::run(conn, org, run_id)?;
    let organisation = organisation(conn, org)?;
    let invoices = store::invoices(
        conn,
        org,
        &store::InvoiceFilter {
            run_id: Some(run_id.to_owned()),
            issued_only: true,
            ..store::InvoiceFilter::default()
        },
    )?;
    let mut report = BulkReport::default();
    for invoice in invoices {
        match invoice_outcome(conn, composer, &organisation, &invoice.id, on, actor)? {
            Outcome::Queued(q) => report.queued.push(*q),
            Outcome::Missing(m) => report.without_recipient.push(m),
        }
    }
    Ok(report)
}
fn reminder_outcome(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &Organisation,
    reminder_id: &str,
    actor: &str,
) -> Result<Outcome, Error> {
    let reminder = crate::services::reminders::read(conn, &org.id, reminder_id)?;
    let row = &reminder.row;
    if let Some(message) = live_message(conn, &org.id, &row.document_id)? {
        return Ok(Outcome::Queued(Box::new(Queued {
            message,
            created: false,
        })));
    }
    let member = members::get(conn, &org.id, &row.member_id)?;
    let to = recipients(conn, &org.id, &member, MessageKind::Reminder)?;
    if to.is_empty() {
        return Ok(Outcome::Missing(Missing {
            member_id: member.id.clone(),
            member_name: member.details.name.clone(),
            document_id: Some(row.document_id.clone()),
            recipient: wanted(MessageKind::Reminder),
        }));
    }
    let doc = documents::get(conn, &org.id, &row.document_id)?;
    let lang = stored_language(&doc.language);
    let asked = reminder.asked(conn, &org.id)?;
    let mut values = common(org, &member);
    values.insert("document.title", doc.title.clone());
    values.insert("reminder.date", format::date(row.reminder_date, lang));
    values.insert("reminder.due_date", format::date(row.new_due_date, lang));
    values.insert(
        "reminder.total",
        money(asked.total_minor, &asked.currency, lang),
    );
    values.insert("reminder.reference", asked.reference.unwrap_or_default());
    let draft = Draft {
        kind: MessageKind::Reminder,
        member: &member,
        document_id: Some(&row.document_id),
        attachment: None,
        attachment_name: Some(file_name(&doc.title)),
        language: lang,
        values,
    };
    let queued = enqueue(conn, composer, org, draft, to, actor)?;
    Ok(Outcome::Queued(Box::new(queued)))
}
/// A reminder to the member's invoice address and the contacts flagged for invoices.
pub fn send_reminder(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    reminder_id: &str,
    actor: &str,
) -> Result<Queued, Error> {
    let organisation = organisation(conn, org)?;
    match reminder_outcome(conn, composer, &organisation, reminder_id, actor)? {
        Outcome::Queued(q) => Ok(*q),
        Outcome::Missing(_) => Err(no_recipient(MessageKind::Reminder)),
    }
}
/// Every reminder of a reminder run: the reminders made on one date.
pub fn send_reminder_run(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    date: NaiveDate,
    actor: &str,
) -> Result<BulkReport, Error> {
    let organisation = organisation(conn, org)?;
    let mut report = BulkReport::default();
    let reminders: Vec<_> = store::reminders(conn, org)?
        .into_iter()
        .filter(|r| r.reminder_date == date)
        .collect();
    if reminders.is_empty() {
        return Err(Error::NotFound("reminder run"));
    }
    for r in reminders {
        match reminder_outcome(conn, composer, &organisation, &r.id, actor)? {
            Outcome::Queued(q) => report.queued.push(*q),
            Outcome::Missing(m) => report.without_recipient.push(m),
        }
    }
    Ok(report)
}
/// What an account statement's message says beside its PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementFacts {
    pub date: NaiveDate,
    pub balance: Money,
    pub overdue: Money,
}
/// An account statement to the member's invoice address and the contacts flagged for
/// invoices, once per statement document.
pub fn send_statement(
    conn: &mut DbConnection,
    composer: &Composer,
    org: &str,
    document_id: &str,
    facts: &StatementFacts,
    actor: &str,
) -> Result<Queued, Error> {
    let kind = MessageKind::Statement;
    send_document(
        conn,
        composer,
        org,
        document_id,
        kind,
        actor,
        |_, lang, values| {
            values.insert("statement.date", format::date(facts.date, lang));
            values.insert("statement.balance", format::money(facts.balance, lang));
            values.insert("statement.overdue", format::money(facts.overdue, lang));
        },
    )
}

/// What an invoice's message says of it; a credit note in its own words: what it credits,
/// not an amount to pay.
fn invoice_values(
    row: &InvoiceRow,
    credited: Option<InvoiceRow>,
    lang: Language,
    values: &mut HashMap<&'static str, String>,
) -> MessageKind {
    let date = row
        .invoice_date
        .map(|d| format::date(d, lang))
        .unwrap_or_default();
    match credited {
        Some(credited) => {
            values.insert("credit_note.number", row.number.clone().unwrap_or_default());
            values.insert("credit_note.date", date);
            values.insert(
                "credit_note.amount",
                money(-row.total_minor, &row.currency, lang),
            );
            values.insert("credit_note.invoice", credited.number.unwrap_or_default());
            MessageKind::CreditNote
        }
        None => {
            values.insert("invoice.number", row.number.clone().unwrap_or_default());
            values.insert("invoice.date", date);
            values.insert(
                "invoice.due_date",
                row.due_date
                    .map(|d| format::date(d, lang))
                    .unwrap_or_default(),
            );
            values.insert("invoice.total", money(row.total_minor, &row.currency, lang));
            values.insert(
                "invoice.reference",
                row.payment_reference.clone().unwrap_or_default(),
            );
            MessageKind::Invoice
        }
    }
}
