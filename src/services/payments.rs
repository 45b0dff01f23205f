//! Incoming payments and where their money goes: matched to an invoice by its OCR number
//! or KID, allocated by hand across invoices, kept as the member's credit, paid back, or
//! reversed. Nothing is updated or deleted: a reversal is a new payment with the opposite
//! amount, undoing allocations with negative ones.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::bank_files::{BankFile, BankPayment, PaidTo, Unread};
use crate::domain::documents::DocumentKind;
use crate::domain::money::{AMOUNT_MAX, Money};
use crate::domain::organisation::{Organisation, PaymentAccounts};
use crate::domain::payments::{OpenItems, Payable};
use crate::domain::{Currency, Invalid};
use crate::error::{Error, StateConflict};
use crate::services::audit::{self, Change, Entity};
use crate::services::invoicing::Book;
use crate::services::webhooks;
use crate::storage::documents::sha256_hex;
use crate::storage::invoicing::{self as store, AllocationRow, InvoiceRow, PaymentRow};
use crate::storage::payments::{self as batch, AnsweredKey};
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

/// The idempotency key of a bank file's payment (the bank's own reference for it) and the
/// hash of what it says, which the same payment in another file must repeat.
fn claim_of(file: &BankFile, p: &BankPayment) -> (String, String) {
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
    (key, hash)
}

/// Registers the payments of a bank file to one of the organisation's accounts, each
/// matched like a manual payment. A payment is claimed by the bank's own reference (the
/// Bankgirot serial number, the camt.054 account servicer's reference) as an idempotency
/// key, so importing the same file again, or overlapping files, registers nothing twice.
///
/// Whatever the file's size, what matching needs is read once (the keys claimed before,
/// the invoices quoted and what they owe), the payments are matched in memory in file
/// order, each seeing what the ones before it paid, and everything is written in a few
/// statements of many rows.
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
    // Two imports of overlapping files at once: the second reads the keys the first
    // claimed once it has committed, instead of failing on them.
    store::lock_runs(conn, &org.id, "bank_file")?;
    let claims: Vec<(String, String)> = file.payments.iter().map(|p| claim_of(file, p)).collect();
    let keys: Vec<String> = claims.iter().map(|(key, _)| key.clone()).collect();
    let mut claimed = batch::claimed_keys(conn, &org.id, &keys)?;
    let mut references: Vec<String> = file
        .payments
        .iter()
        .zip(&claims)
        .filter(|(_, (key, _))| !claimed.contains_key(key))
        .filter_map(|(p, _)| p.reference.clone())
        .collect();
    references.sort();
    references.dedup();
    let mut items = open_items(conn, &org.id, &references)?;

    let mut import = Import {
        registered: Vec::new(),
        already_imported: Vec::new(),
        unread: file.unread.clone(),
    };
    let mut answered = Vec::new();
    let mut trail = Vec::new();
    for (p, (key, hash)) in file.payments.iter().zip(claims) {
        let line = format!("file.lines[{}]", p.line);
        if let Some(first) = claimed.get(&key) {
            if *first != hash {
                // The same serial number with another payment: not Bankgirot's file.
                return Err(Error::field(&line, Invalid::Mismatch { other: "serial" }));
            }
            import.already_imported.push(p.serial.clone());
            continue;
        }
        positive(p.amount, &line)?;
        let settled = items.settle(
            p.reference.as_deref(),
            p.amount.currency(),
            p.amount.to_minor(),
            None,
        );
        let payment = PaymentRow {
            id: new_id(),
            organisation_id: org.id.clone(),
            member_id: settled.member_id,
            amount_minor: p.amount.to_minor(),
            currency: p.amount.currency().as_str().to_owned(),
            paid_on: p.paid_on,
            payer: p.payer.clone(),
            reference: p.reference.clone(),
            source: Source::BankFile.as_str().to_owned(),
            reverses_id: None,
            created_by: actor.to_owned(),
            created_at: now(),
        };
        let targets: Vec<(Option<String>, i64)> = settled
            .allocations
            .into_iter()
            .map(|(i, a)| (Some(i), a))
            .collect();
        let rows = allocation_rows(&org.id, &payment, &targets, p.paid_on, actor);
        trail.push(audit::created_row(
            &change(&org.id, &payment.id, "register", actor),
            &(&payment, &rows),
        )?);
        answered.push(AnsweredKey {
            organisation_id: org.id.clone(),
            key: key.clone(),
            request_hash: hash.clone(),
            response_status: Some(201),
            response_body: Some(payment.id.clone()),
            created_at: now(),
        });
        claimed.insert(key, hash);
        import.registered.push(PaymentState {
            payment,
            allocations: rows,
            reversed_by: None,
        });
    }

    batch::insert_keys(conn, &answered)?;
    let payments: Vec<PaymentRow> = import
        .registered
        .iter()
        .map(|s| s.payment.clone())
        .collect();
    batch::insert_payments(conn, &payments)?;
    let allocations: Vec<AllocationRow> = import
        .registered
        .iter()
        .flat_map(|s| s.allocations.iter().cloned())
        .collect();
    batch::insert_allocations(conn, &allocations)?;
    batch::insert_audit(conn, &trail)?;
    webhooks::invoices_paid(conn, &org.id, &allocations)?;
    for registered in &import.registered {
        webhooks::payment_unmatched(conn, registered)?;
    }
    Ok(import)
}
