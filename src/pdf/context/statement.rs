//! The values of an account statement.

use std::collections::HashMap;

use super::builder::Builder;
use super::{Context, kind_name, signatories};
use crate::domain::Language;
use crate::domain::documents::{DocumentKind, ItemKind, StatementDocument};
use crate::pdf::format;

/// What a line of a statement is called.
fn item_name(kind: ItemKind, lang: Language) -> &'static str {
    match (kind, lang) {
        (ItemKind::Document(kind), _) => kind_name(kind, lang),
        (ItemKind::Payment, Language::Sv) => "Inbetalning",
        (ItemKind::Payment, Language::Nb) => "Innbetaling",
        (ItemKind::Payment, Language::En) => "Payment",
    }
}

/// The values of an account statement.
pub fn statement(doc: &StatementDocument) -> Context {
    let lang = doc.language;
    let mut b = Builder::new(lang, &doc.seller, &doc.buyer, doc.date, doc.currency);
    b.date("statement.date", doc.date);
    b.money("statement.balance", doc.balance());
    b.money_unless_zero("statement.overdue", doc.overdue());
    b.money_unless_zero("statement.on_account", doc.on_account());
    let rows = doc
        .items
        .iter()
        .map(|i| {
            vec![
                item_name(i.kind, lang).to_owned(),
                i.number.clone(),
                format::date(i.date, lang),
                i.due_date
                    .map(|d| format::date(d, lang))
                    .unwrap_or_default(),
                format::amount(i.amount, lang),
                format::amount(i.paid, lang),
                format::amount(i.outstanding(), lang),
            ]
        })
        .collect();
    Context {
        kind: DocumentKind::Statement,
        language: lang,
        date: doc.date,
        title: format!(
            "{} {}",
            kind_name(DocumentKind::Statement, lang),
            doc.buyer.name
        ),
        author: doc.seller.name.clone(),
        values: b.values,
        tables: HashMap::from([("items", rows)]),
        lists: HashMap::new(),
        signatories: signatories(&doc.seller),
        qr: None,
    }
}
