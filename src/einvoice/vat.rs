//! VAT in the e-invoice: the EN 16931 categories avtal's treatments map to, and the VAT
//! breakdown with the reasons for what is not taxed.

use rust_decimal::Decimal;

use super::xml::Xml;
use crate::domain::Language;
use crate::domain::contribution::VatTreatment;
use crate::domain::documents::InvoiceDocument;
use crate::domain::invoicing::AccountingVat;

/// The VAT categories of EN 16931 that avtal's treatments map to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Category {
    /// Standard rated, with the rate in percent.
    S(Decimal),
    /// Exempt, with the reasons the lines give.
    E,
    /// Outside the scope of VAT.
    O,
    /// Reverse charge: the buyer accounts for the VAT.
    Ae,
}

impl Category {
    pub(super) fn of(vat: &VatTreatment) -> Self {
        match vat {
            VatTreatment::Rate(rate) => Category::S(*rate),
            VatTreatment::Exempt { .. } => Category::E,
            VatTreatment::OutsideScope => Category::O,
            VatTreatment::ReverseCharge => Category::Ae,
        }
    }

    pub(super) fn code(&self) -> &'static str {
        match self {
            Category::S(_) => "S",
            Category::E => "E",
            Category::O => "O",
            Category::Ae => "AE",
        }
    }

    /// BR-S-05: a positive rate; BR-E-05 and BR-AE-05: zero; BR-O-05: none at all.
    pub(super) fn percent(&self) -> Option<String> {
        match self {
            Category::S(rate) => Some(rate.normalize().to_string()),
            Category::E | Category::Ae => Some("0".to_owned()),
            Category::O => None,
        }
    }
}

/// One VAT breakdown (BG-23). Exempt lines are one breakdown whatever their reasons, since
/// BR-E-08 sums all E lines into one taxable amount.
pub(super) struct Subtotal {
    pub(super) category: Category,
    taxable_minor: i64,
    tax_minor: i64,
    reasons: Vec<String>,
}

/// BR-CO-14 and the per-rate VAT of the printed invoice: the document's own VAT summary,
/// merged by category, so the e-invoice's VAT is the PDF's to the öre.
pub(super) fn subtotals(doc: &InvoiceDocument, sign: i64) -> Vec<Subtotal> {
    let mut out: Vec<Subtotal> = Vec::new();
    for s in doc.invoice.vat_summary() {
        let category = Category::of(&s.vat);
        let at = match out.iter().position(|o| o.category == category) {
            Some(at) => at,
            None => {
                out.push(Subtotal {
                    category,
                    taxable_minor: 0,
                    tax_minor: 0,
                    reasons: Vec::new(),
                });
                out.len() - 1
            }
        };
        let entry = &mut out[at];
        entry.taxable_minor += s.base.to_minor() * sign;
        entry.tax_minor += s.vat_amount.to_minor() * sign;
        if let Some(reason) = s.vat.exempt_reason()
            && !entry.reasons.iter().any(|r| r == reason)
        {
            entry.reasons.push(reason.to_owned());
        }
    }
    out
}

/// The VAT total with one breakdown per category (BG-23) and, when the VAT is stated in
/// the accounting currency too, the second total; the first total's amount.
pub(super) fn tax_totals(
    x: &mut Xml,
    doc: &InvoiceDocument,
    subtotals: &[Subtotal],
    accounting: Option<&AccountingVat>,
    sign: i64,
) -> i64 {
    let currency = doc.invoice.currency.as_str();
    let tax_minor: i64 = subtotals.iter().map(|s| s.tax_minor).sum();
    x.open("cac:TaxTotal");
    x.amount("cbc:TaxAmount", tax_minor, currency);
    for s in subtotals {
        x.open("cac:TaxSubtotal");
        x.amount("cbc:TaxableAmount", s.taxable_minor, currency);
        x.amount("cbc:TaxAmount", s.tax_minor, currency);
        x.open("cac:TaxCategory");
        x.leaf("cbc:ID", s.category.code());
        if let Some(p) = s.category.percent() {
            x.leaf("cbc:Percent", &p);
        }
        match s.category {
            Category::O => {
                x.leaf("cbc:TaxExemptionReasonCode", "VATEX-EU-O");
                x.leaf(
                    "cbc:TaxExemptionReason",
                    not_subject_to_vat(doc.invoice.language),
                );
            }
            Category::E => x.leaf("cbc:TaxExemptionReason", &s.reasons.join("; ")),
            Category::Ae => {
                x.leaf("cbc:TaxExemptionReasonCode", "VATEX-EU-AE");
                x.leaf(
                    "cbc:TaxExemptionReason",
                    reverse_charge(doc.invoice.language),
                );
            }
            Category::S(_) => {}
        }
        tax_scheme(x);
        x.close("cac:TaxCategory");
        x.close("cac:TaxSubtotal");
    }
    x.close("cac:TaxTotal");
    // The second total, without subtotals (PEPPOL-EN16931-R053, R054), of the same sign as
    // the first (R055): a credit note's is positive like all its amounts.
    if let Some(a) = accounting {
        x.open("cac:TaxTotal");
        x.amount(
            "cbc:TaxAmount",
            a.vat.to_minor() * sign,
            a.rate.quote.as_str(),
        );
        x.close("cac:TaxTotal");
    }
    tax_minor
}

pub(super) fn tax_scheme(x: &mut Xml) {
    x.open("cac:TaxScheme");
    x.leaf("cbc:ID", "VAT");
    x.close("cac:TaxScheme");
}

fn reverse_charge(lang: Language) -> &'static str {
    match lang {
        Language::Sv => "Omvänd betalningsskyldighet",
        Language::Nb => "Omvendt avgiftsplikt",
        Language::En => "Reverse charge",
    }
}

fn not_subject_to_vat(lang: Language) -> &'static str {
    match lang {
        Language::Sv => "Ej föremål för moms",
        Language::Nb => "Utenfor merverdiavgiftsloven",
        Language::En => "Not subject to VAT",
    }
}
