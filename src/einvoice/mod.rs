//! Invoices and credit notes as Peppol BIS Billing 3.0 e-invoices (UBL 2.1; EHF in Norway),
//! which Swedish public buyers must be able to receive. Pure: a document in, XML bytes out,
//! byte for byte the same for the same document.

mod lines;
mod parties;
pub mod sample;
mod vat;
mod xml;

#[cfg(test)]
mod tests;

use crate::domain::Currency;
use crate::domain::documents::InvoiceDocument;
use crate::domain::invoicing::AccountingVat;
use crate::domain::organisation::PayTo;
use crate::domain::{Language, OrgNumber, PeppolEndpoint, VatNumber};

use vat::Category;
use xml::Xml;

pub const CUSTOMIZATION_ID: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
pub const PROFILE_ID: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

const NS_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const NS_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const NS_CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const NS_CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// What an e-invoice needs beyond the printed document: the parties' identifiers in their
/// checked form (the document carries them as printed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parties {
    pub seller_org_number: OrgNumber,
    /// `None` when the seller is not registered for VAT.
    pub seller_vat_number: Option<VatNumber>,
    pub buyer_org_number: Option<OrgNumber>,
    /// BT-48, the buyer's VAT identifier, as it was when the document was issued.
    pub buyer_vat_number: Option<VatNumber>,
    /// Where the buyer receives e-invoices; its organisation number in the national scheme
    /// when `None`.
    pub buyer_endpoint: Option<PeppolEndpoint>,
}

/// The UBL 2.1 `Invoice` (type 380) or, when the document credits an invoice, `CreditNote`
/// (type 381) of a document. A credit note states positive amounts: avtal stores credited
/// lines as negative quantities and amounts, UBL says "credit" by the document type.
pub fn invoice_ubl(doc: &InvoiceDocument, parties: &Parties) -> Vec<u8> {
    let credit = doc.credits.is_some();
    let sign: i64 = if credit { -1 } else { 1 };
    let subtotals = vat::subtotals(doc, sign);
    let outside_scope = subtotals.iter().any(|s| s.category == Category::O);
    // BT-6 and BT-111: VAT charged in another currency than the seller's accounting
    // currency is stated in that currency too (ML 17 kap. 24 §; BR-53).
    let accounting = doc
        .accounting_vat
        .as_ref()
        .filter(|a| !a.vat.is_zero() && a.rate.quote != doc.invoice.currency);

    let (root, ns) = if credit {
        ("CreditNote", NS_CREDIT_NOTE)
    } else {
        ("Invoice", NS_INVOICE)
    };
    let mut x = Xml::new();
    x.open_attrs(
        root,
        &[("xmlns", ns), ("xmlns:cac", NS_CAC), ("xmlns:cbc", NS_CBC)],
    );
    header(&mut x, doc, parties, accounting);

    parties::seller_party(&mut x, doc, parties, outside_scope);
    parties::buyer_party(&mut x, doc, parties, outside_scope);

    if !credit {
        payment_means(&mut x, doc);
    }
    x.open("cac:PaymentTerms");
    x.leaf("cbc:Note", &payment_terms(doc));
    x.close("cac:PaymentTerms");

    let tax_minor = vat::tax_totals(&mut x, doc, &subtotals, accounting, sign);
    monetary_total(&mut x, doc, tax_minor, sign);
    lines::invoice_lines(&mut x, doc, sign);
    x.close(root);
    x.finish()
}

/// What the document is: its identifiers, dates, currencies, the buyer's reference, the
/// period it bills, and for a credit note the invoice it credits.
fn header(
    x: &mut Xml,
    doc: &InvoiceDocument,
    parties: &Parties,
    accounting: Option<&AccountingVat>,
) {
    let credit = doc.credits.is_some();
    x.leaf("cbc:CustomizationID", CUSTOMIZATION_ID);
    x.leaf("cbc:ProfileID", PROFILE_ID);
    x.leaf("cbc:ID", &doc.number);
    x.leaf("cbc:IssueDate", &doc.invoice.date.to_string());
    if credit {
        // UBL 2.1's CreditNote has no DueDate: nothing is to be paid by the buyer.
        x.leaf("cbc:CreditNoteTypeCode", "381");
    } else {
        x.leaf("cbc:DueDate", &doc.due_date.to_string());
        x.leaf("cbc:InvoiceTypeCode", "380");
    }
    x.leaf("cbc:DocumentCurrencyCode", doc.invoice.currency.as_str());
    if let Some(a) = accounting {
        x.leaf("cbc:TaxCurrencyCode", a.rate.quote.as_str());
    }
    x.leaf("cbc:BuyerReference", &buyer_reference(doc, parties));
    x.open("cac:InvoicePeriod");
    x.leaf("cbc:StartDate", &doc.invoice.period_start.to_string());
    x.leaf("cbc:EndDate", &doc.invoice.period_end.to_string());
    x.close("cac:InvoicePeriod");
    if let Some((number, date)) = &doc.credits {
        x.open("cac:BillingReference");
        x.open("cac:InvoiceDocumentReference");
        x.leaf("cbc:ID", number);
        x.leaf("cbc:IssueDate", &date.to_string());
        x.close("cac:InvoiceDocumentReference");
        x.close("cac:BillingReference");
    }
}

/// BG-22: the sums of the lines, with VAT, the rounding and what is to be paid.
fn monetary_total(x: &mut Xml, doc: &InvoiceDocument, tax_minor: i64, sign: i64) {
    let currency = doc.invoice.currency.as_str();
    let line_minor: i64 = doc
        .invoice
        .lines
        .iter()
        .map(|l| l.amount.to_minor() * sign)
        .sum();
    let rounding_minor = doc.invoice.rounding.to_minor() * sign;
    x.open("cac:LegalMonetaryTotal");
    x.amount("cbc:LineExtensionAmount", line_minor, currency);
    x.amount("cbc:TaxExclusiveAmount", line_minor, currency);
    x.amount("cbc:TaxInclusiveAmount", line_minor + tax_minor, currency);
    if rounding_minor != 0 {
        x.amount("cbc:PayableRoundingAmount", rounding_minor, currency);
    }
    x.amount(
        "cbc:PayableAmount",
        line_minor + tax_minor + rounding_minor,
        currency,
    );
    x.close("cac:LegalMonetaryTotal");
}

/// PEPPOL-EN16931-R003 demands a buyer reference or an order reference. Municipalities give
/// one ("Er referens"); without it the buyer's organisation number is the most useful thing
/// to route on, and the invoice number the last resort.
fn buyer_reference(doc: &InvoiceDocument, parties: &Parties) -> String {
    doc.invoice
        .buyer_reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            parties
                .buyer_org_number
                .as_ref()
                .map(|o| o.digits().to_owned())
        })
        .unwrap_or_else(|| doc.number.clone())
}

/// The seller's accounts that take the invoice's currency, with the OCR number or KID as the
/// payment id: a EUR invoice by SEPA credit transfer (code 58) to its IBAN; any other by
/// credit transfer (code 30) to each account, the preferred first — bankgiro and plusgiro
/// the way the Swedish rules (SE-R-007..012) want, a kontonummer by its 11 digits. One code
/// for all, as UBL-SR-47 wants.
fn payment_means(x: &mut Xml, doc: &InvoiceDocument) {
    let seller = &doc.seller;
    let currency = doc.invoice.currency;
    let code = match currency {
        Currency::Eur => "58",
        _ => "30",
    };
    let means: Vec<(String, Option<String>)> = seller
        .accounts
        .accepting(currency, seller.default_currency)
        .into_iter()
        .filter_map(|account| match account {
            PayTo::Iban { iban, bic } => {
                Some((iban.as_str().to_owned(), bic.map(|b| b.as_str().to_owned())))
            }
            // SEPA transfers go to an IBAN only.
            _ if code == "58" => None,
            PayTo::Bankgiro(bg) => Some((bg.digits().to_owned(), Some("SE:BANKGIRO".into()))),
            PayTo::Plusgiro(pg) => Some((pg.digits().to_owned(), Some("SE:PLUSGIRO".into()))),
            PayTo::Kontonummer(k) => Some((k.digits().to_owned(), None)),
        })
        .collect();
    let reference = doc.reference.as_str().trim();
    for (account, branch) in means {
        x.open("cac:PaymentMeans");
        x.leaf("cbc:PaymentMeansCode", code);
        if !reference.is_empty() {
            x.leaf("cbc:PaymentID", reference);
        }
        x.open("cac:PayeeFinancialAccount");
        x.leaf("cbc:ID", &account);
        if let Some(branch) = &branch {
            x.open("cac:FinancialInstitutionBranch");
            x.leaf("cbc:ID", branch);
            x.close("cac:FinancialInstitutionBranch");
        }
        x.close("cac:PayeeFinancialAccount");
        x.close("cac:PaymentMeans");
    }
}

/// BT-20, in the document's language: the terms and the late-payment interest, or for a
/// credit note the invoice it credits.
fn payment_terms(doc: &InvoiceDocument) -> String {
    if let Some((number, _)) = &doc.credits {
        return match doc.invoice.language {
            Language::Sv => format!("Kreditering av faktura {number}."),
            Language::Nb => format!("Kreditering av faktura {number}."),
            Language::En => format!("Credit of invoice {number}."),
        };
    }
    let days = (doc.due_date - doc.invoice.date).num_days();
    let interest = doc.late_interest_percent.map(|p| p.normalize().to_string());
    match (doc.invoice.language, interest) {
        (Language::Sv, Some(p)) => format!("{days} dagar netto. Dröjsmålsränta {p} %."),
        (Language::Sv, None) => format!("{days} dagar netto. Dröjsmålsränta enligt räntelagen."),
        (Language::Nb, Some(p)) => format!("{days} dager netto. Forsinkelsesrente {p} %."),
        (Language::Nb, None) => {
            format!("{days} dager netto. Forsinkelsesrente etter forsinkelsesrenteloven.")
        }
        (Language::En, Some(p)) => format!("{days} days net. Late payment interest {p} %."),
        (Language::En, None) => format!("{days} days net. Late payment interest by law."),
    }
}
