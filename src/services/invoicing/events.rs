//! What happens to an issued invoice besides payment: sent, written off.

use chrono::NaiveDate;

use super::change;
use super::reading::{Shown, shown};
use crate::error::{Error, StateConflict};
use crate::services::audit::{self, Entity};
use crate::storage::invoicing::{self as store, EventRow};
use crate::storage::{DbConnection, new_id, now};

/// Records that an invoice was sent (by post or mail) or written off: events its status is
/// derived from.
pub fn record_event(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    kind: &str,
    on: NaiveDate,
    note: Option<String>,
    actor: &str,
) -> Result<(), Error> {
    let row = store::invoice(conn, org, id)?;
    if row.issued_at.is_none() {
        return Err(Error::State(StateConflict::InvoiceNotIssued));
    }
    let event = EventRow {
        id: new_id(),
        invoice_id: id.to_owned(),
        kind: kind.to_owned(),
        note,
        occurred_on: on,
        created_by: actor.to_owned(),
        created_at: now(),
    };
    store::insert_event(conn, &event)?;
    if kind == "sent" {
        crate::services::webhooks::invoice_sent(conn, &row, on)?;
    }
    audit::created(conn, &change(org, Entity::Invoice, id, kind, actor), &event)
}

/// [`record_event`], and the invoice read back as shown.
pub fn record_event_shown(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    kind: &str,
    on: NaiveDate,
    note: Option<String>,
    actor: &str,
) -> Result<Shown, Error> {
    record_event(conn, org, id, kind, on, note, actor)?;
    shown(conn, org, id)
}
