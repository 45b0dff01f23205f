//! Payments read and written by the batch: what a bank file of thousands of payments needs
//! in a few statements rather than a few per payment. Lists of keys are sent in slices and
//! rows inserted many to a statement, both well below the bound parameters either backend
//! takes in one statement (SQLite 32 766, PostgreSQL 65 535).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::storage::DbConnection;
use crate::storage::Error;
use crate::storage::invoicing::{AuditRow, InvoiceRow, PaymentRow, ReminderRow};
use crate::storage::schema::audit_log::dsl as au;
use crate::storage::schema::idempotency_keys::dsl as ik;
use crate::storage::schema::invoices::dsl as inv;
use crate::storage::schema::payments::dsl as pay;
use crate::storage::schema::reminder_items::dsl as ri;
use crate::storage::schema::reminders::dsl as rm;

/// Values in one `IN (…)` list.
pub const LOOKUP: usize = 5_000;
/// Rows in one `INSERT`: 1 000 rows of 12 columns bind 12 000 values.
const ROWS: usize = 1_000;

/// The request hashes of the keys among `keys` that were claimed before.
pub fn claimed_keys(
    conn: &mut DbConnection,
    org: &str,
    keys: &[String],
) -> Result<HashMap<String, String>, Error> {
    let mut out = HashMap::new();
    for slice in keys.chunks(LOOKUP) {
        let rows: Vec<(String, String)> = ik::idempotency_keys
            .filter(ik::organisation_id.eq(org))
            .filter(ik::key.eq_any(slice))
            .select((ik::key, ik::request_hash))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The issued documents among the organisation's that carry one of `references`.
pub fn issued_with_references(
    conn: &mut DbConnection,
    org: &str,
    references: &[String],
) -> Result<Vec<InvoiceRow>, Error> {
    let mut out = Vec::new();
    for slice in references.chunks(LOOKUP) {
        out.extend(
            inv::invoices
                .filter(inv::organisation_id.eq(org))
                .filter(inv::issued_at.is_not_null())
                .filter(inv::payment_reference.eq_any(slice))
                .select(InvoiceRow::as_select())
                .load(conn)?,
        );
    }
    out.sort_by(|a, b| (a.issued_at, &a.id).cmp(&(b.issued_at, &b.id)));
    Ok(out)
}

/// The reminders whose charges are one of the invoices `ids`, oldest first, each with the
/// invoices it listed.
pub fn reminders_charged_on(
    conn: &mut DbConnection,
    org: &str,
    ids: &[String],
) -> Result<Vec<(ReminderRow, Vec<String>)>, Error> {
    let mut reminders: Vec<ReminderRow> = Vec::new();
    for slice in ids.chunks(LOOKUP) {
        reminders.extend(
            rm::reminders
                .filter(rm::organisation_id.eq(org))
                .filter(rm::charge_invoice_id.eq_any(slice))
                .select(ReminderRow::as_select())
                .load(conn)?,
        );
    }
    reminders.sort_by(|a, b| (a.reminder_date, &a.id).cmp(&(b.reminder_date, &b.id)));
    let reminder_ids: Vec<String> = reminders.iter().map(|r| r.id.clone()).collect();
    let mut listed: HashMap<String, Vec<String>> = HashMap::new();
    for slice in reminder_ids.chunks(LOOKUP) {
        let items: Vec<(String, String)> = ri::reminder_items
            .filter(ri::reminder_id.eq_any(slice))
            .select((ri::reminder_id, ri::invoice_id))
            .load(conn)?;
        for (reminder, invoice) in items {
            listed.entry(reminder).or_default().push(invoice);
        }
    }
    Ok(reminders
        .into_iter()
        .map(|r| {
            let invoices = listed.remove(&r.id).unwrap_or_default();
            (r, invoices)
        })
        .collect())
}

/// An idempotency key claimed and answered at once, as a bank file's payment is.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = crate::storage::schema::idempotency_keys, treat_none_as_default_value = false)]
pub struct AnsweredKey {
    pub organisation_id: String,
    pub key: String,
    pub request_hash: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert_keys(conn: &mut DbConnection, rows: &[AnsweredKey]) -> Result<(), Error> {
    for slice in rows.chunks(ROWS) {
        on_backend!(conn, |c| diesel::insert_into(ik::idempotency_keys)
            .values(slice)
            .execute(c)?);
    }
    Ok(())
}

pub fn insert_payments(conn: &mut DbConnection, rows: &[PaymentRow]) -> Result<(), Error> {
    for slice in rows.chunks(ROWS) {
        on_backend!(conn, |c| diesel::insert_into(pay::payments)
            .values(slice)
            .execute(c)?);
    }
    Ok(())
}

/// Allocations are inserted in slices by their own store, which this batch store builds on.
pub use crate::storage::invoicing::insert_allocations;

pub fn insert_audit(conn: &mut DbConnection, rows: &[AuditRow]) -> Result<(), Error> {
    for slice in rows.chunks(ROWS) {
        on_backend!(conn, |c| diesel::insert_into(au::audit_log)
            .values(slice)
            .execute(c)?);
    }
    Ok(())
}
