//! Reminders and the invoices each chases.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::storage::DbConnection;
use crate::storage::Error;
use crate::storage::schema::reminder_items::dsl as ri;
use crate::storage::schema::reminders::dsl as rm;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::reminders)]
pub struct ReminderRow {
    pub id: String,
    pub organisation_id: String,
    pub member_id: String,
    pub reminder_date: NaiveDate,
    pub new_due_date: NaiveDate,
    pub charge_invoice_id: Option<String>,
    pub document_id: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::reminder_items)]
pub struct ReminderItemRow {
    pub reminder_id: String,
    pub invoice_id: String,
    pub outstanding_minor: i64,
    pub interest_minor: i64,
    pub compensation_minor: i64,
}

pub fn insert_reminder(
    conn: &mut DbConnection,
    row: &ReminderRow,
    items: &[ReminderItemRow],
) -> Result<(), Error> {
    diesel::insert_into(rm::reminders)
        .values(row)
        .execute(conn)?;
    on_backend!(conn, |c| diesel::insert_into(ri::reminder_items)
        .values(items)
        .execute(c)?);
    Ok(())
}

pub fn reminders(conn: &mut DbConnection, org: &str) -> Result<Vec<ReminderRow>, Error> {
    Ok(rm::reminders
        .filter(rm::organisation_id.eq(org))
        .order((rm::reminder_date.asc(), rm::id.asc()))
        .select(ReminderRow::as_select())
        .load(conn)?)
}

/// Every item an organisation's reminders listed.
pub fn reminder_items(
    conn: &mut DbConnection,
    org: &str,
) -> Result<Vec<(ReminderRow, ReminderItemRow)>, Error> {
    Ok(ri::reminder_items
        .inner_join(rm::reminders)
        .filter(rm::organisation_id.eq(org))
        .select((ReminderRow::as_select(), ReminderItemRow::as_select()))
        .load(conn)?)
}

pub fn reminder(conn: &mut DbConnection, org: &str, id: &str) -> Result<ReminderRow, Error> {
    rm::reminders
        .filter(rm::organisation_id.eq(org))
        .filter(rm::id.eq(id))
        .select(ReminderRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("reminder"))
}
