//! The book: everything issued and paid, from which each invoice's balance and status
//! are derived.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::domain::Currency;
use crate::domain::documents::DocumentKind;
use crate::domain::invoicing::{InvoiceFacts, InvoiceStatus};
use crate::domain::money::Money;
use crate::error::Error;
use crate::storage::DbConnection;
use crate::storage::invoicing::{
    self as store, AllocationRow, EventRow, InvoiceFilter, InvoiceRow,
};
use crate::storage::payments::LOOKUP;

/// Everything issued and paid in an organisation, from which each invoice's balance and
/// status are derived: nothing of it is ever typed in.
pub struct Book {
    pub invoices: Vec<InvoiceRow>,
    credited: HashMap<String, i64>,
    paid: HashMap<String, i64>,
    /// Allocation dates and amounts per invoice, for interest on what stayed unpaid.
    pub payments_of: HashMap<String, Vec<(NaiveDate, i64)>>,
    sent: HashSet<String>,
    written_off: HashSet<String>,
}

impl Book {
    pub fn load(conn: &mut DbConnection, org: &str) -> Result<Self, Error> {
        let invoices = store::invoices(
            conn,
            org,
            &InvoiceFilter {
                issued_only: true,
                ..InvoiceFilter::default()
            },
        )?;
        let allocations = store::allocations(conn, org)?;
        let events = store::events(conn, org)?;
        Ok(Book::of(invoices, allocations, events))
    }

    /// The part of the book that judges the invoices `ids`: themselves, their credit notes,
    /// allocations and events. A view of one invoice reads a few rows, however long the
    /// organisation's history.
    pub fn load_for(conn: &mut DbConnection, org: &str, ids: &[String]) -> Result<Self, Error> {
        if ids.len() <= LOOKUP {
            let invoices = store::issued_with_credits(conn, org, ids)?;
            let allocations = store::allocations_to(conn, org, ids)?;
            let events = store::events_of(conn, org, ids)?;
            return Ok(Book::of(invoices, allocations, events));
        }
        // Many ids (a bank file's invoices) are read in slices, then put in the order one
        // query would have given; a credit note found through two slices is kept once.
        let (mut invoices, mut allocations, mut events) = (Vec::new(), Vec::new(), Vec::new());
        for slice in ids.chunks(LOOKUP) {
            invoices.extend(store::issued_with_credits(conn, org, slice)?);
            allocations.extend(store::allocations_to(conn, org, slice)?);
            events.extend(store::events_of(conn, org, slice)?);
        }
        invoices.sort_by(|a, b| (a.issued_at, &a.id).cmp(&(b.issued_at, &b.id)));
        invoices.dedup_by(|a, b| a.id == b.id);
        allocations.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        events.sort_by_key(|e| e.created_at);
        Ok(Book::of(invoices, allocations, events))
    }

    fn of(
        invoices: Vec<InvoiceRow>,
        allocations: Vec<AllocationRow>,
        events: Vec<EventRow>,
    ) -> Self {
        let mut credited: HashMap<String, i64> = HashMap::new();
        for i in &invoices {
            if let Some(c) = &i.credits_invoice_id {
                *credited.entry(c.clone()).or_default() -= i.total_minor;
            }
        }
        let mut paid: HashMap<String, i64> = HashMap::new();
        let mut payments_of: HashMap<String, Vec<(NaiveDate, i64)>> = HashMap::new();
        for a in allocations {
            if let Some(invoice) = a.invoice_id {
                *paid.entry(invoice.clone()).or_default() += a.amount_minor;
                payments_of
                    .entry(invoice)
                    .or_default()
                    .push((a.allocated_on, a.amount_minor));
            }
        }
        let mut sent = HashSet::new();
        let mut written_off = HashSet::new();
        for e in events {
            match e.kind.as_str() {
                "sent" => {
                    sent.insert(e.invoice_id);
                }
                "written_off" => {
                    written_off.insert(e.invoice_id);
                }
                _ => {}
            }
        }
        Book {
            invoices,
            credited,
            paid,
            payments_of,
            sent,
            written_off,
        }
    }

    pub fn credited(&self, id: &str) -> i64 {
        self.credited.get(id).copied().unwrap_or(0)
    }

    pub fn paid(&self, id: &str) -> i64 {
        self.paid.get(id).copied().unwrap_or(0)
    }

    pub fn facts(&self, row: &InvoiceRow) -> InvoiceFacts {
        let currency = Currency::parse(&row.currency).unwrap_or(Currency::Sek);
        let money = |m| Money::from_minor(m, currency);
        InvoiceFacts {
            issued: row.issued_at.is_some(),
            sent: self.sent.contains(&row.id),
            total: money(row.total_minor),
            credited: money(self.credited(&row.id)),
            paid: money(self.paid(&row.id)),
            written_off: self.written_off.contains(&row.id),
            due_date: row.due_date.unwrap_or(NaiveDate::MAX),
        }
    }

    /// An issued invoice's status on a day; credit notes are `issued` (they are settled by
    /// the invoice they credit).
    pub fn status(&self, row: &InvoiceRow, today: NaiveDate) -> InvoiceStatus {
        if row.kind == DocumentKind::CreditNote.as_str() {
            return InvoiceStatus::Issued;
        }
        self.facts(row).status(today)
    }

    pub fn outstanding(&self, row: &InvoiceRow) -> i64 {
        if row.kind == DocumentKind::CreditNote.as_str() {
            return 0;
        }
        row.total_minor - self.credited(&row.id) - self.paid(&row.id)
    }
}
