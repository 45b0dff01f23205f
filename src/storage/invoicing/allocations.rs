//! Payments received, and allocations: where their money went.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::storage::DbConnection;
use crate::storage::Error;
use crate::storage::schema::allocations::dsl as al;
use crate::storage::schema::payments::dsl as pay;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
// Absent values are NULL, never DEFAULT: SQLite then takes many rows in one INSERT.
#[diesel(table_name = crate::storage::schema::payments, treat_none_as_default_value = false)]
pub struct PaymentRow {
    pub id: String,
    pub organisation_id: String,
    pub member_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub paid_on: NaiveDate,
    pub payer: Option<String>,
    pub reference: Option<String>,
    pub source: String,
    pub reverses_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_payment(conn: &mut DbConnection, row: &PaymentRow) -> Result<(), Error> {
    diesel::insert_into(pay::payments)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Sets the member of a payment that had none (a match found by hand).
pub fn assign_payment_member(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    member: &str,
) -> Result<(), Error> {
    diesel::update(pay::payments)
        .filter(pay::organisation_id.eq(org))
        .filter(pay::id.eq(id))
        .filter(pay::member_id.is_null())
        .set(pay::member_id.eq(member))
        .execute(conn)?;
    Ok(())
}

pub fn payment(conn: &mut DbConnection, org: &str, id: &str) -> Result<PaymentRow, Error> {
    pay::payments
        .filter(pay::organisation_id.eq(org))
        .filter(pay::id.eq(id))
        .select(PaymentRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("payment"))
}

/// An organisation's payments, oldest first, optionally one member's.
pub fn payments(
    conn: &mut DbConnection,
    org: &str,
    member: Option<&str>,
) -> Result<Vec<PaymentRow>, Error> {
    let mut q = pay::payments
        .filter(pay::organisation_id.eq(org.to_owned()))
        .order((pay::paid_on.asc(), pay::id.asc()))
        .select(PaymentRow::as_select())
        .into_boxed();
    if let Some(m) = member {
        q = q.filter(pay::member_id.eq(m.to_owned()));
    }
    Ok(q.load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
// Absent values are NULL, never DEFAULT: SQLite then takes many rows in one INSERT.
#[diesel(table_name = crate::storage::schema::allocations, treat_none_as_default_value = false)]
pub struct AllocationRow {
    pub id: String,
    pub organisation_id: String,
    pub payment_id: String,
    pub invoice_id: Option<String>,
    pub amount_minor: i64,
    pub allocated_on: NaiveDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// Allocations in one `INSERT`: 1 000 rows of 8 columns bind 8 000 values, well below what
/// either backend takes in one statement (a bank file allocates thousands at once).
const ROWS: usize = 1_000;

pub fn insert_allocations(conn: &mut DbConnection, rows: &[AllocationRow]) -> Result<(), Error> {
    for slice in rows.chunks(ROWS) {
        on_backend!(conn, |c| diesel::insert_into(al::allocations)
            .values(slice)
            .execute(c)?);
    }
    Ok(())
}

/// The allocations to the invoices `ids`.
pub fn allocations_to(
    conn: &mut DbConnection,
    org: &str,
    ids: &[String],
) -> Result<Vec<AllocationRow>, Error> {
    Ok(al::allocations
        .filter(al::organisation_id.eq(org))
        .filter(al::invoice_id.eq_any(ids))
        .order((al::created_at.asc(), al::id.asc()))
        .select(AllocationRow::as_select())
        .load(conn)?)
}

/// An organisation's allocations, in the order they were made.
pub fn allocations(conn: &mut DbConnection, org: &str) -> Result<Vec<AllocationRow>, Error> {
    Ok(al::allocations
        .filter(al::organisation_id.eq(org))
        .order((al::created_at.asc(), al::id.asc()))
        .select(AllocationRow::as_select())
        .load(conn)?)
}
