//! The payment QR code a document to pay carries.

use crate::domain::documents::{PaymentReference, Seller};
use crate::domain::money::Money;
use crate::domain::organisation::PayTo;
use crate::domain::{Bic, Currency, Iban};

/// The payment QR code of a document to pay, for the account of its currency: the UsingQR
/// JSON Swedish banking apps read for SEK, the EPC (SEPA credit transfer) code European
/// banking apps read for EUR. NOK has no code Norwegian banks share, so none.
pub(super) fn payment_qr(
    seller: &Seller,
    reference: &PaymentReference,
    date: chrono::NaiveDate,
    due: chrono::NaiveDate,
    amount: Money,
) -> Option<String> {
    if amount.to_minor() <= 0 {
        return None;
    }
    let currency = amount.currency();
    let account = seller
        .accounts
        .for_currency(currency, seller.default_currency)?;
    match (currency, account) {
        (Currency::Sek, PayTo::Bankgiro(bg)) => Some(using_qr(
            seller,
            reference,
            date,
            due,
            amount,
            "BG",
            &bg.to_string(),
        )),
        (Currency::Sek, PayTo::Plusgiro(pg)) => Some(using_qr(
            seller,
            reference,
            date,
            due,
            amount,
            "PG",
            &pg.to_string(),
        )),
        (Currency::Sek, PayTo::Iban { iban, .. }) => Some(using_qr(
            seller,
            reference,
            date,
            due,
            amount,
            "IBAN",
            iban.as_str(),
        )),
        (Currency::Eur, PayTo::Iban { iban, bic }) => {
            epc_qr(seller, reference, amount, &iban, bic.as_ref())
        }
        _ => None,
    }
}

/// The UsingQR payload: the keys Swedish banking apps read to fill in a payment.
fn using_qr(
    seller: &Seller,
    reference: &PaymentReference,
    date: chrono::NaiveDate,
    due: chrono::NaiveDate,
    amount: Money,
    pt: &str,
    account: &str,
) -> String {
    // Written by hand so that `due` is a JSON number with exactly two decimals, as the
    // format wants, without passing through a float; the keys in the order of the spec.
    let text = |s: &str| serde_json::Value::from(s).to_string();
    format!(
        "{{\"uqr\":1,\"tp\":1,\"nme\":{},\"cid\":{},\"iref\":{},\"idt\":\"{}\",\"ddt\":\"{}\",\"due\":{},\"cur\":\"{}\",\"pt\":\"{}\",\"acc\":{}}}",
        text(&seller.name),
        text(&seller.org_number),
        text(reference.as_str()),
        date.format("%Y%m%d"),
        due.format("%Y%m%d"),
        amount.amount().round_dp(2),
        amount.currency().as_str(),
        pt,
        text(account),
    )
}

/// The EPC QR code (European Payments Council, EPC069-12, version 002, UTF-8): service tag,
/// version, character set, SCT, BIC, beneficiary, IBAN, amount, an empty purpose and
/// structured reference (the OCR number or KID is no ISO 11649 creditor reference), and
/// the reference as remittance text. The beneficiary is the legal name the account is
/// held in, which payee verification compares. `None` above the format's largest amount.
fn epc_qr(
    seller: &Seller,
    reference: &PaymentReference,
    amount: Money,
    iban: &Iban,
    bic: Option<&Bic>,
) -> Option<String> {
    let minor = amount.to_minor();
    if minor > 99_999_999_999 {
        return None;
    }
    let name: String = seller
        .legal_name
        .chars()
        .filter(|c| !c.is_control())
        .take(70)
        .collect();
    Some(format!(
        "BCD\n002\n1\nSCT\n{}\n{}\n{}\nEUR{}.{:02}\n\n\n{}",
        bic.map(Bic::as_str).unwrap_or_default(),
        name,
        iban.as_str(),
        minor / 100,
        minor % 100,
        reference.as_str(),
    ))
}
