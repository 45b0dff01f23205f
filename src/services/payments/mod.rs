//! Incoming payments and where their money goes: matched to an invoice by its OCR number
//! or KID, allocated by hand across invoices, kept as the member's credit, paid back, or
//! reversed. Nothing is updated or deleted: a reversal is a new payment with the opposite
//! amount, undoing allocations with negative ones.

mod import;
pub mod state;

pub use import::*;
pub use state::{PaymentState, state, states};

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::documents::DocumentKind;
use crate::domain::money::{AMOUNT_MAX, Money};
use crate::domain::payments::{OpenItems, Payable};
use crate::domain::{Currency, Invalid};
use crate::error::{Error, StateConflict};
use crate::services::audit::{self, Change, Entity};
use crate::services::invoicing::Book;
use crate::services::webhooks;
use crate::storage::invoicing::{self as store, AllocationRow, InvoiceRow, PaymentRow};
use crate::storage::payments::{self as batch};
use crate::storage::{DbConnection, members, new_id, now};

/// Where a payment was registered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Manual,
    BankFile,
}
impl Source {
    pub const NAMES: &'static [&'static str] = &["manual", "bank_file"];

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "manual" => Ok(Source::Manual),
            "bank_file" => Ok(Source::BankFile),
            _ => Err(Invalid::OneOf {
                allowed: Self::NAMES,
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "manual",
            Source::BankFile => "bank_file",
        }
    }
}
/// A payment as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInput {
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub payer: Option<String>,
    /// The OCR number or KID the payer quoted, digits only.
    pub reference: Option<String>,
    pub source: Source,
    /// The member who paid, when known without a reference.
    pub member_id: Option<String>,
    /// Explicit allocations; when empty, the reference decides.
    pub allocations: Vec<(String, Money)>,
}
fn change<'a>(org: &'a str, id: &'a str, action: &'a str, actor: &'a str) -> Change<'a> {
    Change {
        org,
        entity: Entity::Payment,
        entity_id: id,
        action,
        actor,
    }
}
/// Checks explicit allocations against the invoices' balances and one member: each goes
/// to an issued invoice in the payment's currency, for at most what it still owes.
fn check_allocations(
    book: &Book,
    currency: Currency,
    wanted: &[(String, Money)],
    available: i64,
    member: &mut Option<String>,
) -> Result<Vec<(InvoiceRow, i64)>, Error> {
    let mut out = Vec::with_capacity(wanted.len());
    let mut sum = 0i64;
    for (i, (invoice_id, amount)) in wanted.iter().enumerate() {
        let at = |f: &str| format!("allocations[{i}].{f}");
        let invoice = book
            .invoices
            .iter()
            .find(|r| r.id == *invoice_id && r.kind == DocumentKind::Invoice.as_str())
            .ok_or_else(|| Error::field(&at("invoice_id"), Invalid::NoSuchRecord))?;
        if invoice.currency != currency.as_str() {
            return Err(Error::field(
                &at("invoice_id"),
                Invalid::Mismatch { other: "currency" },
            ));
        }
        match member {
            Some(m) if *m != invoice.member_id => {
                return Err(Error::field(
                    &at("invoice_id"),
                    Invalid::Mismatch { other: "member_id" },
                ));
            }
            _ => *member = Some(invoice.member_id.clone()),
        }
        let minor = amount.to_minor();
        let owed = book.outstanding(invoice);
        if minor <= 0 || minor > owed {
            return Err(Error::field(
                &at("amount"),
                Invalid::OutOfRange {
                    min: 0,
                    max: owed.max(0) / 100,
                },
            ));
        }
        sum += minor;
        out.push((invoice.clone(), minor));
    }
    if sum > available {
        return Err(Error::field(
            "allocations",
            Invalid::OutOfRange {
                min: 0,
                max: available / 100,
            },
        ));
    }
    Ok(out)
}
fn allocation_rows(
    org: &str,
    payment: &PaymentRow,
    targets: &[(Option<String>, i64)],
    on: NaiveDate,
    actor: &str,
) -> Vec<AllocationRow> {
    targets
        .iter()
        .map(|(invoice, amount)| AllocationRow {
            id: new_id(),
            organisation_id: org.to_owned(),
            payment_id: payment.id.clone(),
            invoice_id: invoice.clone(),
            amount_minor: *amount,
            allocated_on: on,
            created_by: actor.to_owned(),
            created_at: now(),
        })
        .collect()
}
/// What payments quoting `references` may pay, with what each still owes: the issued
/// invoices with those references, and for a reminder's charges the invoices it listed.
/// Read once, however many payments quote them.
fn open_items(
    conn: &mut DbConnection,
    org: &str,
    references: &[String],
) -> Result<OpenItems, Error> {
    let quoted: Vec<String> = batch::issued_with_references(conn, org, references)?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let reminders = batch::reminders_charged_on(conn, org, &quoted)?;
    let mut ids = quoted;
    ids.extend(
        reminders
            .iter()
            .flat_map(|(_, listed)| listed.iter().cloned()),
    );
    ids.sort();
    ids.dedup();
    let book = Book::load_for(conn, org, &ids)?;
    let mut items = OpenItems::new();
    for row in &book.invoices {
        if row.kind != DocumentKind::Invoice.as_str() {
            continue;
        }
        let currency = Currency::parse(&row.currency)
            .map_err(|_| Error::Internal(anyhow::anyhow!("stored invoice currency")))?;
        items.add(
            row.payment_reference.clone(),
            Payable {
                id: row.id.clone(),
                member_id: row.member_id.clone(),
                currency,
                outstanding: book.outstanding(row),
                due_date: row.due_date,
                number: row.number.clone(),
            },
        );
    }
    for (reminder, listed) in reminders {
        if let Some(charges) = reminder.charge_invoice_id {
            items.add_reminder(charges, listed);
        }
    }
    Ok(items)
}
/// A payment is money received: nothing, or less, is a mistake to name.
fn positive(amount: Money, field: &str) -> Result<(), Error> {
    if amount.to_minor() <= 0 {
        return Err(Error::field(
            field,
            Invalid::OutOfRange {
                min: 0,
                max: AMOUNT_MAX,
            },
        ));
    }
    Ok(())
}
/// Registers a payment and allocates it: as asked, or else to the invoice whose payment
/// reference it quotes, for at most what that invoice owes (a reminder's reference: its
/// charges, then the invoices it listed). What is left stays on the
/// member's account (an overpayment) or, when nobody is known, in the unmatched queue.
pub fn register(
    conn: &mut DbConnection,
    org: &str,
    input: &PaymentInput,
    actor: &str,
) -> Result<PaymentState, Error> {
    let currency = input.amount.currency();
    positive(input.amount, "amount")?;
    let member = match &input.member_id {
        Some(m) => Some(members::get(conn, org, m)?.id),
        None => None,
    };
    let (member, targets) = if input.allocations.is_empty() {
        let references: Vec<String> = input.reference.iter().cloned().collect();
        let settled = open_items(conn, org, &references)?.settle(
            input.reference.as_deref(),
            currency,
            input.amount.to_minor(),
            member.as_deref(),
        );
        (settled.member_id, settled.allocations)
    } else {
        let ids: Vec<String> = input.allocations.iter().map(|a| a.0.clone()).collect();
        let book = Book::load_for(conn, org, &ids)?;
        let mut member = member;
        let targets = check_allocations(
            &book,
            currency,
            &input.allocations,
            input.amount.to_minor(),
            &mut member,
        )?;
        (
            member,
            targets.into_iter().map(|(i, a)| (i.id, a)).collect(),
        )
    };
    let payment = PaymentRow {
        id: new_id(),
        organisation_id: org.to_owned(),
        member_id: member,
        amount_minor: input.amount.to_minor(),
        currency: currency.as_str().to_owned(),
        paid_on: input.paid_on,
        payer: input.payer.clone(),
        reference: input.reference.clone(),
        source: input.source.as_str().to_owned(),
        reverses_id: None,
        created_by: actor.to_owned(),
        created_at: now(),
    };
    store::insert_payment(conn, &payment)?;
    let targets: Vec<(Option<String>, i64)> =
        targets.into_iter().map(|(i, a)| (Some(i), a)).collect();
    let rows = allocation_rows(org, &payment, &targets, input.paid_on, actor);
    store::insert_allocations(conn, &rows)?;
    audit::created(
        conn,
        &change(org, &payment.id, "register", actor),
        &(&payment, &rows),
    )?;
    webhooks::invoices_paid(conn, org, &rows)?;
    // A new payment: nothing reversed it yet, and its allocations are these.
    let state = PaymentState {
        payment,
        allocations: rows,
        reversed_by: None,
    };
    webhooks::payment_unmatched(conn, &state)?;
    Ok(state)
}
/// Allocates what is left of a payment to invoices of one member: an unmatched payment
/// once someone knows whose it is, or a credit balance applied to a later invoice.
pub fn allocate(
    conn: &mut DbConnection,
    org: &str,
    payment_id: &str,
    wanted: &[(String, Money)],
    actor: &str,
) -> Result<PaymentState, Error> {
    let before = state(conn, org, payment_id)?;
    if before.reversed_by.is_some() || before.payment.reverses_id.is_some() {
        return Err(Error::State(StateConflict::PaymentReversed));
    }
    if wanted.is_empty() {
        return Err(Error::field("allocations", Invalid::Required));
    }
    let currency = Currency::parse(&before.payment.currency)
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored payment currency")))?;
    let ids: Vec<String> = wanted.iter().map(|w| w.0.clone()).collect();
    let book = Book::load_for(conn, org, &ids)?;
    let mut member = before.payment.member_id.clone();
    let targets = check_allocations(&book, currency, wanted, before.unallocated(), &mut member)?;
    if before.payment.member_id.is_none()
        && let Some(m) = &member
    {
        store::assign_payment_member(conn, org, payment_id, m)?;
    }
    let targets: Vec<(Option<String>, i64)> =
        targets.into_iter().map(|(i, a)| (Some(i.id), a)).collect();
    let rows = allocation_rows(
        org,
        &before.payment,
        &targets,
        before.payment.paid_on,
        actor,
    );
    store::insert_allocations(conn, &rows)?;
    audit::created(conn, &change(org, payment_id, "allocate", actor), &rows)?;
    webhooks::invoices_paid(conn, org, &rows)?;
    state(conn, org, payment_id)
}
/// Pays back what is left of a payment (an overpayment the member wants returned).
pub fn refund(
    conn: &mut DbConnection,
    org: &str,
    payment_id: &str,
    amount: Money,
    on: NaiveDate,
    actor: &str,
) -> Result<PaymentState, Error> {
    let before = state(conn, org, payment_id)?;
    if before.reversed_by.is_some() || before.payment.reverses_id.is_some() {
        return Err(Error::State(StateConflict::PaymentReversed));
    }
    if amount.currency().as_str() != before.payment.currency
        || amount.to_minor() <= 0
        || amount.to_minor() > before.unallocated()
    {
        return Err(Error::field(
            "amount",
            Invalid::OutOfRange {
                min: 0,
                max: before.unallocated() / 100,
            },
        ));
    }
    let rows = allocation_rows(
        org,
        &before.payment,
        &[(None, amount.to_minor())],
        on,
        actor,
    );
    store::insert_allocations(conn, &rows)?;
    audit::created(conn, &change(org, payment_id, "refund", actor), &rows)?;
    state(conn, org, payment_id)
}
/// Reverses a payment (returned by the bank, registered by mistake): a new payment with
/// the opposite amount, and negative allocations undoing each of the original's.
pub fn reverse(
    conn: &mut DbConnection,
    org: &str,
    payment_id: &str,
    on: NaiveDate,
    actor: &str,
) -> Result<PaymentState, Error> {
    let before = state(conn, org, payment_id)?;
    if before.reversed_by.is_some() || before.payment.reverses_id.is_some() {
        return Err(Error::State(StateConflict::PaymentReversed));
    }
    let reversal = PaymentRow {
        id: new_id(),
        amount_minor: -before.payment.amount_minor,
        paid_on: on,
        reverses_id: Some(before.payment.id.clone()),
        source: Source::Manual.as_str().to_owned(),
        created_by: actor.to_owned(),
        created_at: now(),
        ..before.payment.clone()
    };
    store::insert_payment(conn, &reversal)?;
    let mut net: BTreeMap<Option<String>, i64> = BTreeMap::new();
    for a in &before.allocations {
        *net.entry(a.invoice_id.clone()).or_default() += a.amount_minor;
    }
    let undo: Vec<(Option<String>, i64)> = net
        .into_iter()
        .filter(|(_, amount)| *amount != 0)
        .map(|(invoice, amount)| (invoice, -amount))
        .collect();
    // The undoing rows belong to the original payment, so its allocations net to zero.
    let rows = allocation_rows(org, &before.payment, &undo, on, actor);
    store::insert_allocations(conn, &rows)?;
    audit::created(
        conn,
        &change(org, payment_id, "reverse", actor),
        &(&reversal, &rows),
    )?;
    state(conn, org, &reversal.id)
}
/// The currency a payment was made in, which its amounts are read in.
pub fn currency(conn: &mut DbConnection, org: &str, id: &str) -> Result<Currency, Error> {
    Currency::parse(&store::payment(conn, org, id)?.currency)
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored currency")))
}
