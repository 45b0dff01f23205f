//! The values of an offer letter: the agreement's terms, the fees and how each was
//! computed, the menu of services, and the years an offer covers.

use std::collections::HashMap;

use super::builder::Builder;
use super::{Context, kind_name, signatories, sum};
use crate::domain::Language;
use crate::domain::documents::{Calculation, DocumentKind, OfferFixedLine, OfferLetter};
use crate::pdf::format;

/// The values of an offer letter.
pub fn offer(doc: &OfferLetter) -> Context {
    let lang = doc.language;
    let mut b = Builder::new(lang, &doc.seller, &doc.buyer, doc.date, doc.currency);
    let period = format::agreed_period(doc.period_start, doc.period_end, lang);
    let notice = format::months(doc.notice_months, lang);
    let billing = format::billing_plan(&doc.billing, doc.variable, lang);
    b.set("offer.period", &period);
    b.set("offer.notice", &notice);
    b.set("offer.billing", &billing);
    letter_values(&mut b, doc);
    fee_totals(&mut b, doc);
    let title = format!(
        "{} {} – {}",
        kind_name(DocumentKind::Offer, lang),
        doc.fee_year,
        doc.buyer.name
    );
    Context {
        kind: DocumentKind::Offer,
        language: lang,
        date: doc.date,
        title,
        author: doc.seller.name.clone(),
        values: b.values,
        tables: HashMap::from([
            ("fixed", fee_rows(&doc.fixed, doc)),
            ("ordered", fee_rows(&doc.ordered, doc)),
            ("menu", menu(doc)),
            ("terms", terms(doc, period, notice, billing)),
            ("years", years(doc)),
        ]),
        lists: HashMap::from([("attachments", doc.attachments.clone())]),
        signatories: signatories(&doc.seller),
        qr: None,
    }
}

/// The letter's own values: its year, dates, reference and which parts it shows.
fn letter_values(b: &mut Builder, doc: &OfferLetter) {
    b.set("fee_year", &doc.fee_year.to_string());
    b.date("offer.date", doc.date);
    b.set(
        "offer.diarienummer",
        doc.diarienummer.as_deref().unwrap_or(""),
    );
    b.set("offer.addressees", doc.addressees.as_deref().unwrap_or(""));
    b.date("offer.answer_by", doc.answer_by);
    match doc.first_invoice {
        Some(d) => b.date("offer.first_invoice", d),
        None => b.set("offer.first_invoice", ""),
    }
    let conversion = doc
        .conversion
        .as_ref()
        .map(|c| format::conversion(c, doc.language))
        .unwrap_or_default();
    b.set("offer.conversion", &conversion);
    b.set("offer.variable", if doc.variable { "1" } else { "" });
    b.set("offer.years", if doc.years.len() > 1 { "1" } else { "" });
    b.set(
        "offer.unconverted",
        if doc.conversion.is_none() { "1" } else { "" },
    );
}

fn fee_totals(b: &mut Builder, doc: &OfferLetter) {
    let fixed = sum(doc.fixed.iter().map(|l| l.amount), doc.currency);
    let ordered = sum(doc.ordered.iter().map(|l| l.amount), doc.currency);
    b.money("offer.fixed_total", fixed);
    b.money_unless_zero("offer.ordered_total", ordered);
    b.money(
        "offer.total",
        sum([fixed, ordered].into_iter(), doc.currency),
    );
    b.set("offer.currency", doc.currency.as_str());
}

/// A table of fee lines: what, how it was computed, and the amount.
fn fee_rows(lines: &[OfferFixedLine], doc: &OfferLetter) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|l| {
            vec![
                l.description.clone(),
                how(l, doc),
                format::money(l.amount, doc.language),
            ]
        })
        .collect()
}

/// How a fee line's amount came about, with the indexation and conversion it went
/// through.
fn how(l: &OfferFixedLine, doc: &OfferLetter) -> String {
    let lang = doc.language;
    let mut how = counted(l, lang);
    if let Some((base, factor)) = l.index {
        let factor = format::number(factor.round_dp(4), lang, 0);
        let indexed = match lang {
            Language::Sv => format!("uppräknat med index sedan {base}: ×{factor}"),
            Language::Nb => format!("indeksregulert fra {base}: ×{factor}"),
            Language::En => format!("indexed since {base}: ×{factor}"),
        };
        how = if how.is_empty() {
            indexed
        } else {
            format!("{how}, {indexed}")
        };
    }
    if let (Some(from), Some(c)) = (l.converted_from, &doc.conversion) {
        let converted = format::converted(from, c.rate, lang);
        how = if how.is_empty() {
            converted
        } else {
            format!("{how} = {converted}")
        };
    }
    how
}

/// The calculation of a fee line, with the date of the population it counts.
fn counted(l: &OfferFixedLine, lang: Language) -> String {
    match (&l.calculation, l.population_date) {
        // "9 784 invånare (2025-12-31) × 28,50 kr": the count with its date.
        (
            Calculation::PerUnit {
                quantity,
                unit,
                price,
                discount_percent: None,
            },
            Some(on),
        ) => format!(
            "{}{}{unit} ({}) × {}",
            format::number(*quantity, lang, 0),
            format::NBSP,
            format::date(on, lang),
            format::money(*price, lang)
        ),
        (other, Some(on)) => {
            let at = match lang {
                Language::Sv => "invånare den",
                Language::Nb => "innbyggere per",
                Language::En => "inhabitants on",
            };
            let how = calculation(other, lang);
            let note = format!("{at} {}", format::date(on, lang));
            if how.is_empty() {
                note
            } else {
                format!("{how} ({note})")
            }
        }
        (other, None) => calculation(other, lang),
    }
}

fn calculation(c: &Calculation, lang: Language) -> String {
    match c {
        Calculation::PerUnit {
            quantity,
            unit,
            price,
            discount_percent,
        } => {
            let mut text = format!(
                "{}{}{} × {}",
                format::number(*quantity, lang, 0),
                format::NBSP,
                unit,
                format::money(*price, lang)
            );
            if let Some(d) = discount_percent.filter(|d| !d.is_zero()) {
                text.push_str(&format!(" − {}", format::percent(d, lang)));
            }
            text
        }
        Calculation::Share { percent, of } => {
            let of_word = match lang {
                Language::Sv => "av",
                Language::Nb => "av",
                Language::En => "of",
            };
            format!(
                "{} {of_word} {}",
                format::percent(*percent, lang),
                format::money(*of, lang)
            )
        }
        Calculation::Flat => String::new(),
    }
}

fn menu(doc: &OfferLetter) -> Vec<Vec<String>> {
    let lang = doc.language;
    doc.menu
        .iter()
        .map(|m| {
            vec![
                m.service.clone(),
                m.unit.clone(),
                format::money(m.price, lang),
                format::vat(&m.vat, lang),
            ]
        })
        .collect()
}

fn label(lang: Language, sv: &str, nb: &str, en: &str) -> String {
    match lang {
        Language::Sv => sv,
        Language::Nb => nb,
        Language::En => en,
    }
    .to_owned()
}

/// The agreement's terms as label/value rows.
fn terms(doc: &OfferLetter, period: String, notice: String, billing: String) -> Vec<Vec<String>> {
    let lang = doc.language;
    let mut terms = vec![
        vec![label(lang, "Avtalsperiod", "Avtaleperiode", "Term"), period],
        vec![
            label(lang, "Uppsägningstid", "Oppsigelsestid", "Notice period"),
            notice,
        ],
        vec![
            label(lang, "Fakturering", "Fakturering", "Invoicing"),
            billing,
        ],
    ];
    if let Some(d) = doc.first_invoice {
        terms.push(vec![
            label(lang, "Första faktura", "Første faktura", "First invoice"),
            format::date(d, lang),
        ]);
    }
    if let Some(c) = &doc.conversion {
        terms.push(vec![
            label(lang, "Valutakurs", "Valutakurs", "Exchange rate"),
            format!(
                "{}{}{} per {} ({}, {})",
                format::number(c.rate, lang, 0),
                format::NBSP,
                c.to,
                c.from,
                c.source,
                format::date(c.date, lang)
            ),
        ]);
    }
    terms
}

fn years(doc: &OfferLetter) -> Vec<Vec<String>> {
    let lang = doc.language;
    doc.years
        .iter()
        .map(|y| {
            vec![
                y.year.to_string(),
                y.converted_from
                    .map(|m| format::money(m, lang))
                    .unwrap_or_default(),
                format::money(y.fixed, lang),
                format::money(y.ordered, lang),
                format::money(sum([y.fixed, y.ordered].into_iter(), doc.currency), lang),
            ]
        })
        .collect()
}
