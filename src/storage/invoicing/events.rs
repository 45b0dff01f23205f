//! What happened to issued invoices besides payment (sent, written off), and the issued
//! rows a part of the book is read from.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::storage::DbConnection;
use crate::storage::Error;

use super::invoices::InvoiceRow;
use crate::storage::schema::invoice_events::dsl as ev;
use crate::storage::schema::invoices::dsl as inv;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::invoice_events)]
pub struct EventRow {
    pub id: String,
    pub invoice_id: String,
    pub kind: String,
    pub note: Option<String>,
    pub occurred_on: NaiveDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_event(conn: &mut DbConnection, row: &EventRow) -> Result<(), Error> {
    diesel::insert_into(ev::invoice_events)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The events of an organisation's invoices.
/// The issued invoices among `ids` and the credit notes issued against them.
pub fn issued_with_credits(
    conn: &mut DbConnection,
    org: &str,
    ids: &[String],
) -> Result<Vec<InvoiceRow>, Error> {
    Ok(inv::invoices
        .filter(inv::organisation_id.eq(org))
        .filter(inv::issued_at.is_not_null())
        .filter(inv::id.eq_any(ids).or(inv::credits_invoice_id.eq_any(ids)))
        .order((inv::issued_at.asc(), inv::id.asc()))
        .select(InvoiceRow::as_select())
        .load(conn)?)
}

/// The events of the invoices `ids`.
pub fn events_of(
    conn: &mut DbConnection,
    org: &str,
    ids: &[String],
) -> Result<Vec<EventRow>, Error> {
    Ok(ev::invoice_events
        .inner_join(inv::invoices)
        .filter(inv::organisation_id.eq(org))
        .filter(ev::invoice_id.eq_any(ids))
        .order(ev::created_at.asc())
        .select(EventRow::as_select())
        .load(conn)?)
}

pub fn events(conn: &mut DbConnection, org: &str) -> Result<Vec<EventRow>, Error> {
    Ok(ev::invoice_events
        .inner_join(inv::invoices)
        .filter(inv::organisation_id.eq(org))
        .order(ev::created_at.asc())
        .select(EventRow::as_select())
        .load(conn)?)
}
