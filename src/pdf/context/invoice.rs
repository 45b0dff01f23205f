//! The values of an invoice or a credit note: its dates and references, its lines with
//! their discounts, the VAT summary, why no VAT is charged where none is, and the payment
//! QR code.

use std::collections::HashMap;

use super::builder::Builder;
use super::payment_qr::payment_qr;
use super::{Context, kind_name, signatories};
use crate::domain::contribution::VatTreatment;
use crate::domain::documents::{DocumentKind, InvoiceDocument};
use crate::domain::money::Money;
use crate::domain::{Country, Language};
use crate::pdf::format;

/// The values of an invoice or, when it credits another, a credit note.
pub fn invoice(doc: &InvoiceDocument) -> Context {
    let lang = doc.invoice.language;
    let kind = if doc.credits.is_some() {
        DocumentKind::CreditNote
    } else {
        DocumentKind::Invoice
    };
    let mut b = Builder::new(
        lang,
        &doc.seller,
        &doc.buyer,
        doc.invoice.date,
        doc.invoice.currency,
    );
    let total = doc.invoice.total();
    invoice_values(&mut b, doc, total);
    let qr = match kind {
        DocumentKind::Invoice => payment_qr(
            &doc.seller,
            &doc.reference,
            doc.invoice.date,
            doc.due_date,
            total,
        ),
        _ => None,
    };
    Context {
        kind,
        language: lang,
        date: doc.invoice.date,
        title: format!("{} {}", kind_name(kind, lang), doc.number),
        author: doc.seller.name.clone(),
        values: b.values,
        tables: HashMap::from([("lines", lines(doc)), ("vat_summary", vat_summary(doc))]),
        lists: HashMap::new(),
        signatories: signatories(&doc.seller),
        qr,
    }
}

fn invoice_values(b: &mut Builder, doc: &InvoiceDocument, total: Money) {
    let lang = doc.invoice.language;
    b.set("invoice.number", &doc.number);
    b.date("invoice.date", doc.invoice.date);
    b.date("invoice.due_date", doc.due_date);
    b.set(
        "invoice.period",
        &format::period(doc.invoice.period_start, Some(doc.invoice.period_end), lang),
    );
    b.set(
        "invoice.buyer_reference",
        doc.invoice.buyer_reference.as_deref().unwrap_or(""),
    );
    b.set(
        "invoice.our_reference",
        doc.invoice.our_reference.as_deref().unwrap_or(""),
    );
    b.money("invoice.net", doc.invoice.net());
    b.money("invoice.vat", doc.invoice.vat());
    b.money_unless_zero("invoice.rounding", doc.invoice.rounding);
    b.money("invoice.total", total);
    b.set("invoice.currency", doc.invoice.currency.as_str());
    b.set("invoice.reference", doc.reference.as_str());
    b.set("invoice.vat_note", &vat_note(doc));
    // A document in another currency that charges VAT states it in the organisation's too.
    b.set(
        "invoice.accounting_vat",
        &doc.accounting_vat
            .as_ref()
            .filter(|a| !a.vat.is_zero())
            .map(|a| format::accounting_vat(a, lang))
            .unwrap_or_default(),
    );
    b.set("invoice.interest", &late_interest(doc));
    match &doc.credits {
        Some((number, date)) => {
            b.set("credited.number", number);
            b.date("credited.date", *date);
        }
        None => {
            b.set("credited.number", "");
            b.set("credited.date", "");
        }
    }
}

/// The late-payment interest: the document's own rate, or the law's.
fn late_interest(doc: &InvoiceDocument) -> String {
    let lang = doc.invoice.language;
    doc.late_interest_percent.map_or_else(
        || {
            match lang {
                Language::Sv => "referensräntan + 8 procentenheter",
                Language::Nb => "styringsrenten + 8 prosentpoeng",
                Language::En => "the reference rate + 8 percentage points",
            }
            .to_owned()
        },
        |p| format::percent(p, lang),
    )
}

/// A discounted line shows the quantity times the price, and its discount on a row of
/// its own under it.
fn lines(doc: &InvoiceDocument) -> Vec<Vec<String>> {
    let lang = doc.invoice.language;
    doc.invoice
        .lines
        .iter()
        .flat_map(|l| {
            let line = vec![
                l.description.clone(),
                format::number(l.quantity, lang, 0),
                l.unit.clone(),
                format::amount(l.unit_price, lang),
                format::vat(&l.vat, lang),
                format::amount(l.gross(), lang),
            ];
            let discount = l.discount.as_ref().map(|d| {
                let word = crate::domain::invoicing::Discount::name(lang);
                vec![
                    format!("{word} {}", format::percent(d.percent, lang)),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    format::amount(
                        Money::from_minor(-d.amount.to_minor(), d.amount.currency()),
                        lang,
                    ),
                ]
            });
            std::iter::once(line).chain(discount)
        })
        .collect()
}

fn vat_summary(doc: &InvoiceDocument) -> Vec<Vec<String>> {
    let lang = doc.invoice.language;
    doc.invoice
        .vat_summary()
        .iter()
        .map(|s| {
            let total = Money::from_minor(
                s.base.to_minor() + s.vat_amount.to_minor(),
                doc.invoice.currency,
            );
            vec![
                format::vat(&s.vat, lang),
                format::amount(s.base, lang),
                format::amount(s.vat_amount, lang),
                format::amount(total, lang),
            ]
        })
        .collect()
}

/// Why no VAT is charged, for the invoice to state (ML 17 kap. 24 §).
fn vat_note(doc: &InvoiceDocument) -> String {
    let lang = doc.invoice.language;
    let mut notes: Vec<String> = Vec::new();
    // A reminder's charges: interest, compensation and fees, all damages.
    let damages = doc.invoice.lines.iter().all(|l| {
        l.component
            .as_deref()
            .is_some_and(crate::domain::invoicing::is_reminder_charge)
    });
    for line in &doc.invoice.lines {
        let note = match &line.vat {
            VatTreatment::Rate(_) => continue,
            VatTreatment::Exempt { reason } => reason.clone(),
            VatTreatment::OutsideScope if damages => match lang {
                Language::Sv => "Dröjsmålsränta och avgifter för sen betalning är ersättning, inte omsättning, och ligger utanför momsens tillämpningsområde.".into(),
                Language::Nb => "Forsinkelsesrente og gebyrer for sen betaling er erstatning, ikke omsetning, og er utenfor merverdiavgiftsområdet.".into(),
                Language::En => "Late-payment interest and fees are compensation, not a supply, and outside the scope of VAT.".into(),
            },
            VatTreatment::OutsideScope => match lang {
                Language::Sv => "Medlemsavgiften ligger utanför momsens tillämpningsområde.".into(),
                Language::Nb => "Medlemskontingenten er utenfor merverdiavgiftsområdet.".into(),
                Language::En => "The membership contribution is outside the scope of VAT.".into(),
            },
            VatTreatment::ReverseCharge => {
                // The buyer accounts for the VAT under its VAT registration; the
                // organisation number identifies a buyer that gave none.
                let buyer = doc
                    .buyer
                    .vat_number
                    .as_deref()
                    .or(doc.buyer.org_number.as_deref())
                    .unwrap_or("");
                // The seller's country, whose law does not tax the service.
                match (lang, doc.seller.address.country) {
                    (Language::Sv, Country::Se) => format!("Omvänd betalningsskyldighet. Tjänsten är inte skattepliktig i Sverige (mervärdesskattelagen 6 kap. 33 §); köparen ({buyer}) redovisar mervärdesskatten."),
                    (Language::Sv, Country::No) => format!("Omvänd betalningsskyldighet. Tjänsten är inte skattepliktig i Norge (merverdiavgiftsloven § 6-22); köparen ({buyer}) redovisar mervärdesskatten."),
                    (Language::Nb, Country::Se) => format!("Omvendt avgiftsplikt. Tjenesten er ikke avgiftspliktig i Sverige; kjøperen ({buyer}) beregner merverdiavgiften."),
                    (Language::Nb, Country::No) => format!("Omvendt avgiftsplikt. Tjenesten er ikke avgiftspliktig i Norge (merverdiavgiftsloven § 6-22); kjøperen ({buyer}) beregner merverdiavgiften."),
                    (Language::En, Country::Se) => format!("Reverse charge. The service is not taxable in Sweden; the buyer ({buyer}) accounts for the VAT."),
                    (Language::En, Country::No) => format!("Reverse charge. The service is not taxable in Norway; the buyer ({buyer}) accounts for the VAT."),
                }
            }
        };
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reverse-charged service names the seller's country, whose law leaves it untaxed.
    #[test]
    fn the_reverse_charge_note_names_the_sellers_country() {
        for (country, sv, nb) in [
            (
                Country::Se,
                "skattepliktig i Sverige (mervärdesskattelagen 6 kap. 33 §)",
                "i Sverige",
            ),
            (
                Country::No,
                "skattepliktig i Norge (merverdiavgiftsloven § 6-22)",
                "i Norge",
            ),
        ] {
            for (lang, expected) in [(Language::Sv, sv), (Language::Nb, nb)] {
                let mut doc = crate::pdf::sample::invoice(lang);
                doc.seller.address.country = country;
                for line in &mut doc.invoice.lines {
                    line.vat = VatTreatment::ReverseCharge;
                }
                let note = vat_note(&doc);
                assert!(note.contains(expected), "{note}");
            }
        }
    }
}
