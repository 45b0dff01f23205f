//! The values a template can use, per kind of document, and how each document's data
//! becomes those values: already formatted for its language.

mod builder;
mod invoice;
mod offer;
mod payment_qr;
mod reminder;
mod statement;
mod vocabulary;

use std::collections::HashMap;

use crate::domain::documents::{DocumentKind, Seller};
use crate::domain::money::Money;
use crate::domain::{Currency, Language};

pub use invoice::invoice;
pub use offer::offer;
pub use reminder::reminder;
pub use statement::statement;
pub use vocabulary::vocabulary;

/// What one document fills its template with.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub kind: DocumentKind,
    pub language: Language,
    pub date: chrono::NaiveDate,
    /// The document's title in its metadata, e.g. "Faktura NAV-2026-0001".
    pub title: String,
    pub author: String,
    pub values: HashMap<&'static str, String>,
    pub tables: HashMap<&'static str, Vec<Vec<String>>>,
    pub lists: HashMap<&'static str, Vec<String>>,
    pub signatories: Vec<(String, String)>,
    /// The payment QR code's text when there is something to pay to an account of the
    /// document's currency: UsingQR JSON for SEK, an EPC code for EUR.
    pub qr: Option<String>,
}

/// What a kind of document is called, in titles and in the statement's item list.
pub fn kind_name(kind: DocumentKind, lang: Language) -> &'static str {
    use Language::{En, Nb, Sv};
    match (kind, lang) {
        (DocumentKind::Offer, Sv) => "Erbjudande",
        (DocumentKind::Offer, Nb) => "Tilbud",
        (DocumentKind::Offer, En) => "Offer",
        (DocumentKind::Invoice, Sv | Nb) => "Faktura",
        (DocumentKind::Invoice, En) => "Invoice",
        (DocumentKind::CreditNote, Sv) => "Kreditfaktura",
        (DocumentKind::CreditNote, Nb) => "Kreditnota",
        (DocumentKind::CreditNote, En) => "Credit note",
        (DocumentKind::Reminder, Sv) => "Påminnelse",
        (DocumentKind::Reminder, Nb) => "Purring",
        (DocumentKind::Reminder, En) => "Reminder",
        (DocumentKind::Statement, Sv) => "Kontoutdrag",
        (DocumentKind::Statement, Nb) => "Kontoutskrift",
        (DocumentKind::Statement, En) => "Statement of account",
    }
}

fn signatories(seller: &Seller) -> Vec<(String, String)> {
    seller
        .signatories
        .iter()
        .map(|s| (s.name.clone(), s.title.clone()))
        .collect()
}

fn sum(amounts: impl Iterator<Item = Money>, currency: Currency) -> Money {
    Money::from_minor(amounts.map(Money::to_minor).sum(), currency)
}
