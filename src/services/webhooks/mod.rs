//! Webhooks: an organisation's endpoints (create, read, change, delete, each audited), the
//! events the other services emit, and the deliveries with their attempts.
//!
//! An event is emitted inside the transaction of the change it tells of, as one delivery
//! row per enabled endpoint that wants it: when the change rolls back, so does the event,
//! and once it commits the worker ([`delivery`]) will post it, whatever
//! happens to the process meanwhile. Each event kind has one small function here, so that
//! a call site is one line.

pub mod delivery;

use std::collections::HashMap;

use chrono::{NaiveDate, SecondsFormat};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::agreement::Agreement;
use crate::domain::money::Money;
use crate::domain::{Errors, Invalid, LINE_MAX, text, webhooks as rules};
use crate::error::Error;
use crate::services::audit::{self, Change, Entity};
use crate::services::invoicing::Book;
use crate::storage::invoicing::{AllocationRow, InvoiceRow};
use crate::storage::outbox::OutboxRow;
use crate::storage::webhooks::{self as store, DeliveryRow};
pub use crate::storage::webhooks::{AttemptRow, DELIVERED, EndpointRow, FAILED, PENDING, SENDING};
use crate::storage::{DbConnection, new_id, now};

/// An endpoint as given: checked with [`EndpointInput::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInput {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
}

impl EndpointInput {
    /// Checks every field and names each that is wrong.
    pub fn parse(
        url: Option<&str>,
        events: Option<&[String]>,
        description: Option<&str>,
        enabled: Option<bool>,
    ) -> Result<Self, Error> {
        let mut e = Errors::new();
        let url = e.require("url", url, rules::endpoint_url);
        let events = match events {
            Some(list) => e.check("events", rules::event_list(list)),
            None => {
                e.add("events", Invalid::Required);
                None
            }
        };
        let description = e.check_opt("description", description, |d| text(d, LINE_MAX));
        e.finish(|| {
            Some(EndpointInput {
                url: url?,
                events: events?,
                description: description?,
                enabled: enabled.unwrap_or(true),
            })
        })
        .map_err(Error::Validation)
    }
}

/// What the audit trail keeps of an endpoint: everything but its secret.
#[derive(Serialize)]
struct Audited<'a> {
    url: &'a str,
    events: Vec<String>,
    description: Option<&'a str>,
    enabled: bool,
}

fn audited(row: &EndpointRow) -> Audited<'_> {
    Audited {
        url: &row.url,
        events: row.events(),
        description: row.description.as_deref(),
        enabled: row.enabled,
    }
}

fn events_json(events: &[String]) -> Result<String, Error> {
    serde_json::to_string(events).map_err(|e| Error::Internal(e.into()))
}

/// Registers an endpoint with a new signing secret, which the answer shows this once.
pub fn create(
    conn: &mut DbConnection,
    org: &str,
    input: EndpointInput,
    actor: &str,
) -> Result<EndpointRow, Error> {
    if !crate::storage::organisations::exists(conn, org)? {
        return Err(Error::NotFound("organisation"));
    }
    let at = now();
    let row = EndpointRow {
        id: new_id(),
        organisation_id: org.to_owned(),
        url: input.url,
        description: input.description,
        events: events_json(&input.events)?,
        secret: crate::webhooks::new_secret(),
        enabled: input.enabled,
        created_at: at,
        updated_at: at,
    };
    store::insert_endpoint(conn, &row)?;
    audit::created(
        conn,
        &Change::new(org, Entity::Webhook, &row.id, "create", actor),
        &audited(&row),
    )?;
    Ok(row)
}

pub fn endpoint(conn: &mut DbConnection, org: &str, id: &str) -> Result<EndpointRow, Error> {
    Ok(store::endpoint(conn, org, id)?)
}

pub fn endpoints(conn: &mut DbConnection, org: &str) -> Result<Vec<EndpointRow>, Error> {
    Ok(store::endpoints(conn, org)?)
}

/// Replaces what an endpoint is given with (its secret stays).
pub fn update(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    input: EndpointInput,
    actor: &str,
) -> Result<EndpointRow, Error> {
    let before = store::endpoint(conn, org, id)?;
    let after = EndpointRow {
        url: input.url,
        description: input.description,
        events: events_json(&input.events)?,
        enabled: input.enabled,
        updated_at: now(),
        ..before.clone()
    };
    store::update_endpoint(conn, &after)?;
    audit::changed(
        conn,
        &Change::new(org, Entity::Webhook, id, "update", actor),
        &audited(&before),
        &audited(&after),
    )?;
    Ok(after)
}

/// Removes an endpoint with its deliveries: what was not posted yet never will be.
pub fn delete(conn: &mut DbConnection, org: &str, id: &str, actor: &str) -> Result<(), Error> {
    let before = store::endpoint(conn, org, id)?;
    store::delete_endpoint(conn, org, id)?;
    audit::removed(
        conn,
        &Change::new(org, Entity::Webhook, id, "delete", actor),
        &audited(&before),
    )
}

/// A delivery with its attempts, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub row: DeliveryRow,
    pub attempts: Vec<AttemptRow>,
}

/// An endpoint's deliveries, newest first, each with its attempts.
pub fn deliveries(conn: &mut DbConnection, org: &str, id: &str) -> Result<Vec<Delivery>, Error> {
    let endpoint = store::endpoint(conn, org, id)?;
    let rows = store::deliveries(conn, &endpoint.id)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut by_delivery: HashMap<String, Vec<AttemptRow>> = HashMap::new();
    for a in store::attempts(conn, &ids)? {
        by_delivery
            .entry(a.delivery_id.clone())
            .or_default()
            .push(a);
    }
    Ok(rows
        .into_iter()
        .map(|row| Delivery {
            attempts: by_delivery.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// Queues a delivery again, as a new series of attempts with the same `webhook-id` and
/// body; the receiver tells it from the first by the id, if it wants to.
pub fn replay(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    delivery: &str,
    actor: &str,
) -> Result<Delivery, Error> {
    let endpoint = store::endpoint(conn, org, id)?;
    store::replay(conn, &endpoint.id, delivery)?;
    audit::created(
        conn,
        &Change::new(org, Entity::Webhook, id, "replay", actor),
        &json!({"delivery_id": delivery}),
    )?;
    let row = store::delivery(conn, &endpoint.id, delivery)?;
    let attempts = store::attempts(conn, std::slice::from_ref(&row.id))?;
    Ok(Delivery { row, attempts })
}

/// Queues `data` as an event of `kind` for every enabled endpoint of the organisation that
/// wants it. The body is fixed now, so every attempt and replay posts the same bytes.
fn emit(conn: &mut DbConnection, org: &str, kind: &'static str, data: Value) -> Result<(), Error> {
    let wanting: Vec<EndpointRow> = store::enabled_endpoints(conn, org)?
        .into_iter()
        .filter(|e| e.events().iter().any(|k| k == kind))
        .collect();
    if wanting.is_empty() {
        return Ok(());
    }
    let payload = json!({
        "type": kind,
        "timestamp": chrono::Utc::now().to_rfc3339_opts(SecondsFormat::Millis, false),
        "data": data,
    })
    .to_string();
    let at = now();
    let rows: Vec<DeliveryRow> = wanting
        .into_iter()
        .map(|e| DeliveryRow {
            id: format!("msg_{}", uuid::Uuid::now_v7().simple()),
            endpoint_id: e.id,
            organisation_id: org.to_owned(),
            event_type: kind.to_owned(),
            payload: payload.clone(),
            status: store::PENDING.to_owned(),
            attempts: 0,
            next_attempt_at: at,
            last_error: None,
            created_at: at,
            delivered_at: None,
        })
        .collect();
    Ok(store::queue(conn, &rows)?)
}

/// Minor units as the decimal string the API uses for amounts (two decimals in every
/// currency avtal bills in).
fn amount(minor: i64) -> String {
    Decimal::new(minor, 2).to_string()
}

fn invoice_data(row: &InvoiceRow) -> Value {
    json!({
        "organisation_id": row.organisation_id,
        "invoice_id": row.id,
        "kind": row.kind,
        "number": row.number,
        "member_id": row.member_id,
        "agreement_id": row.agreement_id,
        "invoice_date": row.invoice_date,
        "due_date": row.due_date,
        "total": amount(row.total_minor),
        "currency": row.currency,
        "payment_reference": row.payment_reference,
    })
}

/// An offer letter was issued for an agreement.
pub fn offer_issued(
    conn: &mut DbConnection,
    doc: &crate::storage::documents::DocumentRecord,
) -> Result<(), Error> {
    let data = json!({
        "organisation_id": doc.organisation_id,
        "document_id": doc.id,
        "agreement_id": doc.agreement_id,
        "member_id": doc.member_id,
        "fee_year": doc.fee_year,
        "title": doc.title,
    });
    emit(conn, &doc.organisation_id, "offer.issued", data)
}

/// A member accepted an agreement.
pub fn agreement_accepted(conn: &mut DbConnection, a: &Agreement) -> Result<(), Error> {
    let data = json!({
        "organisation_id": a.organisation_id,
        "agreement_id": a.id,
        "member_id": a.header.member_id,
        "accepted_on": a.acceptance.as_ref().map(|x| x.on),
        "start_date": a.header.start_date,
        "end_date": a.header.end_date,
        "currency": a.header.currency.as_str(),
    });
    emit(conn, &a.organisation_id, "agreement.accepted", data)
}

/// An invoice or credit note was issued (numbered, its PDF stored).
pub fn invoice_issued(conn: &mut DbConnection, row: &InvoiceRow) -> Result<(), Error> {
    emit(
        conn,
        &row.organisation_id,
        "invoice.issued",
        invoice_data(row),
    )
}

/// An invoice was sent: by email (when its message was queued) or recorded as sent.
pub fn invoice_sent(conn: &mut DbConnection, row: &InvoiceRow, on: NaiveDate) -> Result<(), Error> {
    let mut data = invoice_data(row);
    data["sent_on"] = json!(on);
    emit(conn, &row.organisation_id, "invoice.sent", data)
}

/// The invoices that `allocations` (just written) paid in full.
pub fn invoices_paid(
    conn: &mut DbConnection,
    org: &str,
    allocations: &[AllocationRow],
) -> Result<(), Error> {
    let mut ids: Vec<String> = allocations
        .iter()
        .filter(|a| a.amount_minor > 0)
        .filter_map(|a| a.invoice_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || store::enabled_endpoints(conn, org)?.is_empty() {
        return Ok(());
    }
    let book = Book::load_for(conn, org, &ids)?;
    for row in book.invoices.iter().filter(|r| ids.contains(&r.id)) {
        if book.outstanding(row) <= 0 && book.paid(&row.id) > 0 {
            let mut data = invoice_data(row);
            data["paid"] = json!(amount(book.paid(&row.id)));
            data["paid_on"] = json!(
                allocations
                    .iter()
                    .filter(|a| a.invoice_id.as_deref() == Some(row.id.as_str()))
                    .map(|a| a.allocated_on)
                    .max()
            );
            emit(conn, org, "invoice.paid", data)?;
        }
    }
    Ok(())
}

/// An invoice past its due date was found unpaid by a reminder run, the first time it is
/// reminded: the run is where avtal acts on overdue invoices, and an invoice reminded
/// again is not newly overdue.
pub fn invoice_overdue(
    conn: &mut DbConnection,
    row: &InvoiceRow,
    outstanding: Money,
    days_late: i64,
) -> Result<(), Error> {
    if store::reminded_before(conn, &row.id)? {
        return Ok(());
    }
    let mut data = invoice_data(row);
    data["outstanding"] = json!(outstanding.amount().to_string());
    data["days_late"] = json!(days_late);
    emit(conn, &row.organisation_id, "invoice.overdue", data)
}

/// A payment came in that nobody's invoice or account could take: someone has to
/// allocate it.
pub fn payment_unmatched(
    conn: &mut DbConnection,
    state: &crate::services::payments::state::PaymentState,
) -> Result<(), Error> {
    if state.status() != "unmatched" {
        return Ok(());
    }
    let p = &state.payment;
    let data = json!({
        "organisation_id": p.organisation_id,
        "payment_id": p.id,
        "amount": amount(p.amount_minor),
        "unallocated": amount(state.unallocated()),
        "currency": p.currency,
        "paid_on": p.paid_on,
        "payer": p.payer,
        "reference": p.reference,
        "source": p.source,
    });
    emit(conn, &p.organisation_id, "payment.unmatched", data)
}

/// An email message failed for good, for all its recipients (`failed`) or some
/// (`partly_failed`). The server's answers stay out: they name addresses, personal data
/// that erasure could not reach at the receiver.
pub fn message_failed(conn: &mut DbConnection, row: &OutboxRow, status: &str) -> Result<(), Error> {
    let data = json!({
        "organisation_id": row.organisation_id,
        "message_id": row.id,
        "kind": row.kind,
        "member_id": row.member_id,
        "document_id": row.document_id,
        "status": status,
    });
    emit(conn, &row.organisation_id, "message.failed", data)
}
