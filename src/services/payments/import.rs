//! Bank files (BgMax, camt.054): each payment registered once and matched by its reference.

use super::*;
use crate::domain::Invalid;
use crate::domain::bank_files::{BankFile, BankPayment, PaidTo, Unread};
use crate::domain::organisation::{Organisation, PaymentAccounts};
use crate::domain::payments::OpenItems;
use crate::error::Error;
use crate::services::audit::{self};
use crate::services::webhooks;
use crate::storage::documents::sha256_hex;
use crate::storage::invoicing::AuditRow;
use crate::storage::invoicing::{self as store, AllocationRow, PaymentRow};
use crate::storage::payments::{self as batch, AnsweredKey};
use crate::storage::{DbConnection, new_id, now};
use std::collections::HashMap;

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
    let claimed = batch::claimed_keys(conn, &org.id, &keys)?;
    let mut references: Vec<String> = file
        .payments
        .iter()
        .zip(&claims)
        .filter(|(_, (key, _))| !claimed.contains_key(key))
        .filter_map(|(p, _)| p.reference.clone())
        .collect();
    references.sort();
    references.dedup();
    let items = open_items(conn, &org.id, &references)?;
    let booked = Booking::new(org, actor, claimed, items).book(file, claims)?;
    write_import(conn, &org.id, &booked)?;
    Ok(booked.import)
}

/// What an import registers, before any of it is written.
struct Booked {
    import: Import,
    answered: Vec<AnsweredKey>,
    trail: Vec<AuditRow>,
}

/// Books a file's payments against the open items, one after the other, so that two
/// payments of one invoice in a file settle it in their order.
struct Booking<'a> {
    org: &'a Organisation,
    actor: &'a str,
    claimed: HashMap<String, String>,
    items: OpenItems,
}

impl<'a> Booking<'a> {
    fn new(
        org: &'a Organisation,
        actor: &'a str,
        claimed: HashMap<String, String>,
        items: OpenItems,
    ) -> Self {
        Self {
            org,
            actor,
            claimed,
            items,
        }
    }

    fn book(mut self, file: &BankFile, claims: Vec<(String, String)>) -> Result<Booked, Error> {
        let mut booked = Booked {
            import: Import {
                registered: Vec::new(),
                already_imported: Vec::new(),
                unread: file.unread.clone(),
            },
            answered: Vec::new(),
            trail: Vec::new(),
        };
        for (p, (key, hash)) in file.payments.iter().zip(claims) {
            let line = format!("file.lines[{}]", p.line);
            if let Some(first) = self.claimed.get(&key) {
                if *first != hash {
                    // The same serial number with another payment: not Bankgirot's file.
                    return Err(Error::field(&line, Invalid::Mismatch { other: "serial" }));
                }
                booked.import.already_imported.push(p.serial.clone());
                continue;
            }
            positive(p.amount, &line)?;
            self.register(p, key, hash, &mut booked)?;
        }
        Ok(booked)
    }

    /// One new payment: settled against the open items, with its allocations, its audit
    /// entry and the key that makes a second import of it a no-op.
    fn register(
        &mut self,
        p: &BankPayment,
        key: String,
        hash: String,
        booked: &mut Booked,
    ) -> Result<(), Error> {
        let (org, actor) = (&self.org.id, self.actor);
        let settled = self.items.settle(
            p.reference.as_deref(),
            p.amount.currency(),
            p.amount.to_minor(),
            None,
        );
        let payment = PaymentRow {
            id: new_id(),
            organisation_id: org.clone(),
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
        let rows = allocation_rows(org, &payment, &targets, p.paid_on, actor);
        booked.trail.push(audit::created_row(
            &change(org, &payment.id, "register", actor),
            &(&payment, &rows),
        )?);
        booked.answered.push(AnsweredKey {
            organisation_id: org.clone(),
            key: key.clone(),
            request_hash: hash.clone(),
            response_status: Some(201),
            response_body: Some(payment.id.clone()),
            created_at: now(),
        });
        self.claimed.insert(key, hash);
        booked.import.registered.push(PaymentState {
            payment,
            allocations: rows,
            reversed_by: None,
        });
        Ok(())
    }
}

/// Writes what an import booked, in batches, and tells the webhooks.
fn write_import(conn: &mut DbConnection, org: &str, booked: &Booked) -> Result<(), Error> {
    batch::insert_keys(conn, &booked.answered)?;
    let registered = &booked.import.registered;
    let payments: Vec<PaymentRow> = registered.iter().map(|s| s.payment.clone()).collect();
    batch::insert_payments(conn, &payments)?;
    let allocations: Vec<AllocationRow> = registered
        .iter()
        .flat_map(|s| s.allocations.iter().cloned())
        .collect();
    batch::insert_allocations(conn, &allocations)?;
    batch::insert_audit(conn, &booked.trail)?;
    webhooks::invoices_paid(conn, org, &allocations)?;
    for payment in registered {
        webhooks::payment_unmatched(conn, payment)?;
    }
    Ok(())
}
