//! The values of a reminder.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::builder::Builder;
use super::payment_qr::payment_qr;
use super::{Context, kind_name, signatories};
use crate::domain::documents::{DocumentKind, ReminderDocument};
use crate::pdf::format;

/// The values of a reminder.
pub fn reminder(doc: &ReminderDocument) -> Context {
    let lang = doc.language;
    let mut b = Builder::new(lang, &doc.seller, &doc.buyer, doc.date, doc.currency);
    b.date("reminder.date", doc.date);
    b.date("reminder.due_date", doc.new_due_date);
    b.money("reminder.outstanding", doc.outstanding());
    b.money_unless_zero("reminder.interest", doc.interest());
    b.set(
        "reminder.interest_percent",
        &format::percent(doc.interest_percent, lang),
    );
    b.money_unless_zero("reminder.fee", doc.fee);
    b.money_unless_zero("reminder.compensation", doc.compensation);
    let total = doc.total();
    b.money("reminder.total", total);
    b.set("reminder.reference", doc.reference.as_str());
    b.set("reminder.law", &doc.law);
    let rows = doc
        .overdue
        .iter()
        .map(|o| {
            vec![
                o.number.clone(),
                format::date(o.date, lang),
                format::date(o.due_date, lang),
                format::number(Decimal::from(o.days_late), lang, 0),
                format::amount(o.outstanding, lang),
                format::amount(o.interest, lang),
            ]
        })
        .collect();
    Context {
        kind: DocumentKind::Reminder,
        language: lang,
        date: doc.date,
        title: format!(
            "{} {}",
            kind_name(DocumentKind::Reminder, lang),
            doc.buyer.name
        ),
        author: doc.seller.name.clone(),
        values: b.values,
        tables: HashMap::from([("overdue", rows)]),
        lists: HashMap::new(),
        signatories: signatories(&doc.seller),
        qr: payment_qr(
            &doc.seller,
            &doc.reference,
            doc.date,
            doc.new_due_date,
            total,
        ),
    }
}
