//! Incoming payments and where their money goes: matched to an invoice by its OCR number
//! or KID, allocated by hand across invoices, kept as the member's credit, paid back, or
//! reversed. Nothing is updated or deleted: a reversal is a new payment with the opposite
//! amount, undoing allocations with negative ones.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::bank_files::{BankFile, PaidTo, Unread};
use crate::domain::documents::DocumentKind;
use crate::domain::money::Money;
use crate::domain::organisation::{Organisation, PaymentAccounts};
use crate::domain::{Currency, Invalid};
use crate::error::{Error, StateConflict};
use crate::services::audit::{self, Change, Entity};
use crate::services::invoicing::Book;
use crate::storage::documents::sha256_hex;
use crate::storage::invoicing::{self as store, AllocationRow, InvoiceRow, PaymentRow};
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

/// A payment with where its money went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentState {
    pub payment: PaymentRow,
    pub allocations: Vec<AllocationRow>,
    /// The reversal of this payment, if it was reversed.
    pub reversed_by: Option<String>,
}

impl PaymentState {
    pub fn allocated(&self) -> i64 {
        self.allocations.iter().map(|a| a.amount_minor).sum()
    }

    /// Money not yet allocated or paid back: the member's credit, or an unmatched payment.
    pub fn unallocated(&self) -> i64 {
        if self.reversed_by.is_some() || self.payment.reverses_id.is_some() {
            return 0;
        }
        self.payment.amount_minor - self.allocated()
    }

    pub fn status(&self) -> &'static str {
        if self.payment.reverses_id.is_some() {
            "reversal"
        } else if self.reversed_by.is_some() {
            "reversed"
        } else if self.unallocated() == 0 {
            "allocated"
        } else if self.payment.member_id.is_none() {
            "unmatched"
        } else {
            "on_account"
        }
    }
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

/// The payments of an organisation with their allocations, oldest first.
pub fn states(
    conn: &mut DbConnection,
    org: &str,
    member: Option<&str>,
) -> Result<Vec<PaymentState>, Error> {
    let payments = store::payments(conn, org, None)?;
    let mut allocations: BTreeMap<String, Vec<AllocationRow>> = BTreeMap::new();
    for a in store::allocations(conn, org)? {
        allocations.entry(a.payment_id.clone()).or_default().push(a);
    }
    let reversed: BTreeMap<String, String> = payments
        .iter()
        .filter_map(|p| p.reverses_id.clone().map(|r| (r, p.id.clone())))
        .collect();
    Ok(payments
        .into_iter()
        .filter(|p| member.is_none() || p.member_id.as_deref() == member)
        .map(|p| PaymentState {
            allocations: allocations.remove(&p.id).unwrap_or_default(),
            reversed_by: reversed.get(&p.id).cloned(),
            payment: p,
        })
        .collect())
}

pub fn state(conn: &mut DbConnection, org: &str, id: &str) -> Result<PaymentState, Error> {
    store::payment(conn, org, id)?;
    states(conn, org, None)?
        .into_iter()
        .find(|s| s.payment.id == id)
        .ok_or(Error::NotFound("payment"))
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

/// The invoices a reminder listed, oldest first, when `charge_invoice` carries its charges.
fn reminded_with(
    conn: &mut DbConnection,
    org: &str,
    charge_invoice: &str,
    book: &Book,
) -> Result<Vec<InvoiceRow>, Error> {
    let Some(reminder) = store::reminders(conn, org)?
        .into_iter()
        .find(|r| r.charge_invoice_id.as_deref() == Some(charge_invoice))
    else {
        return Ok(Vec::new());
    };
    let mut listed: Vec<InvoiceRow> = store::reminder_items(conn, org)?
        .into_iter()
        .filter(|(r, _)| r.id == reminder.id)
        .filter_map(|(_, item)| {
            book.invoices
                .iter()
                .find(|i| i.id == item.invoice_id)
                .cloned()
        })
        .collect();
    listed.sort_by(|a, b| (a.due_date, &a.number).cmp(&(b.due_date, &b.number)));
    Ok(listed)
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
    if input.amount.to_minor() <= 0 {
        return Err(Error::field(
            "amount",
            Invalid::OutOfRange {
                min: 0,
                max: i64::MAX / 100,
            },
        ));
    }
    let mut member = match &input.member_id {
        Some(m) => Some(members::get(conn, org, m)?.id),
        None => None,
    };
    let book = Book::load(conn, org)?;
    let targets: Vec<(InvoiceRow, i64)> = if input.allocations.is_empty() {
        let matched = input.reference.as_deref().and_then(|r| {
            book.invoices.iter().find(|i| {
                i.payment_reference.as_deref() == Some(r)
                    && i.kind == DocumentKind::Invoice.as_str()
                    && i.currency == currency.as_str()
            })
        });
        match matched {
            Some(invoice) if member.as_ref().is_none_or(|m| *m == invoice.member_id) => {
                member = Some(invoice.member_id.clone());
                // A reminder's reference settles its charges, then the invoices it listed.
                let mut queue = vec![invoice.clone()];
                queue.extend(reminded_with(conn, org, &invoice.id, &book)?);
                let mut left = input.amount.to_minor();
                let mut targets = Vec::new();
                for target in queue {
                    let take = book.outstanding(&target).max(0).min(left);
                    if take > 0 {
                        left -= take;
                        targets.push((target, take));
                    }
                }
                targets
            }
            // A reference of another member's invoice: left for someone to look at.
            _ => Vec::new(),
        }
    } else {
        check_allocations(
            &book,
            currency,
            &input.allocations,
            input.amount.to_minor(),
            &mut member,
        )?
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
        targets.into_iter().map(|(i, a)| (Some(i.id), a)).collect();
    let rows = allocation_rows(org, &payment, &targets, input.paid_on, actor);
    store::insert_allocations(conn, &rows)?;
    audit::created(
        conn,
        &change(org, &payment.id, "register", actor),
        &(&payment, &rows),
    )?;
    state(conn, org, &payment.id)
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
    let book = Book::load(conn, org)?;
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

/// What importing a bank file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub registered: Vec<PaymentState>,
    /// Bankgirot serial numbers of payments an earlier import registered.
    pub already_imported: Vec<String>,
    pub unread: Vec<Unread>,
}

/// Whether `paid_to` is one of the organisation's accounts, in any currency.
fn is_ours(accounts: &PaymentAccounts, paid_to: &PaidTo) -> bool {
    let bankgiro = accounts.bankgiro.as_ref().map(|b| b.digits());
    let plusgiro = accounts.plusgiro.as_ref().map(|p| p.digits());
    let mut ibans = accounts.iban.iter().chain(
        accounts
            .by_currency
            .values()
            .filter_map(|a| a.iban.as_ref()),
    );
    let mut kontonummer = accounts
        .by_currency
        .values()
        .filter_map(|a| a.kontonummer.as_ref());
    match paid_to {
        PaidTo::Bankgiro(digits) => bankgiro == Some(digits.as_str()),
        PaidTo::Iban(iban) => ibans.any(|i| i.as_str() == iban),
        PaidTo::Account(digits) => {
            bankgiro == Some(digits.as_str())
                || plusgiro == Some(digits.as_str())
                || kontonummer.any(|k| k.digits() == digits)
        }
    }
}

/// Registers the payments of a bank file to one of the organisation's accounts, each
/// matched like a manual payment. A payment is claimed by the bank's own reference (the
/// Bankgirot serial number, the camt.054 account servicer's reference) as an idempotency
/// key, so importing the same file again, or overlapping files, registers nothing twice.
pub fn import_file(
    conn: &mut DbConnection,
    org: &Organisation,
    file: &BankFile,
    actor: &str,
) -> Result<Import, Error> {
    if !is_ours(&org.details.accounts, &file.paid_to) {
        let other = match file.paid_to {
            PaidTo::Bankgiro(_) => "bankgiro",
            PaidTo::Iban(_) => "iban",
            PaidTo::Account(_) => "account",
        };
        return Err(Error::field("file", Invalid::Mismatch { other }));
    }
    let mut import = Import {
        registered: Vec::new(),
        already_imported: Vec::new(),
        unread: file.unread.clone(),
    };
    for p in &file.payments {
        let key = format!(
            "{}:{}:{}",
            file.format.as_str(),
            file.paid_to.as_str(),
            p.serial
        );
        let hash = sha256_hex(
            format!(
                "{}|{}|{}",
                p.amount.to_minor(),
                p.paid_on,
                p.reference.as_deref().unwrap_or("")
            )
            .as_bytes(),
        );
        if let Some(first) = store::claim_key(conn, &org.id, &key, &hash)? {
            if first.request_hash != hash {
                // The same serial number with another payment: not Bankgirot's file.
                return Err(Error::field(
                    &format!("file.lines[{}]", p.line),
                    Invalid::Mismatch { other: "serial" },
                ));
            }
            import.already_imported.push(p.serial.clone());
            continue;
        }
        let state = register(
            conn,
            &org.id,
            &PaymentInput {
                amount: p.amount,
                paid_on: p.paid_on,
                payer: p.payer.clone(),
                reference: p.reference.clone(),
                source: Source::BankFile,
                member_id: None,
                allocations: Vec::new(),
            },
            actor,
        )?;
        store::save_response(conn, &org.id, &key, 201, &state.payment.id)?;
        import.registered.push(state);
    }
    Ok(import)
}
