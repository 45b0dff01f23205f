//! Invoices and credit notes as Peppol BIS Billing 3.0 e-invoices (UBL 2.1; EHF in Norway),
//! which Swedish public buyers must be able to receive. Pure: a document in, XML bytes out,
//! byte for byte the same for the same document.

pub mod sample;
mod xml;

#[cfg(test)]
mod tests;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::contribution::VatTreatment;
use crate::domain::documents::InvoiceDocument;
use crate::domain::organisation::PayTo;
use crate::domain::{Country, Currency, Language, OrgNumber, PeppolEndpoint, VatNumber};

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

/// The VAT categories of EN 16931 that avtal's treatments map to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Category {
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
    fn of(vat: &VatTreatment) -> Self {
        match vat {
            VatTreatment::Rate(rate) => Category::S(*rate),
            VatTreatment::Exempt { .. } => Category::E,
            VatTreatment::OutsideScope => Category::O,
            VatTreatment::ReverseCharge => Category::Ae,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Category::S(_) => "S",
            Category::E => "E",
            Category::O => "O",
            Category::Ae => "AE",
        }
    }

    /// BR-S-05: a positive rate; BR-E-05 and BR-AE-05: zero; BR-O-05: none at all.
    fn percent(&self) -> Option<String> {
        match self {
            Category::S(rate) => Some(rate.normalize().to_string()),
            Category::E | Category::Ae => Some("0".to_owned()),
            Category::O => None,
        }
    }
}

/// One VAT breakdown (BG-23). Exempt lines are one breakdown whatever their reasons, since
/// BR-E-08 sums all E lines into one taxable amount.
struct Subtotal {
    category: Category,
    taxable_minor: i64,
    tax_minor: i64,
    reasons: Vec<String>,
}

/// The UBL 2.1 `Invoice` (type 380) or, when the document credits an invoice, `CreditNote`
/// (type 381) of a document. A credit note states positive amounts: avtal stores credited
/// lines as negative quantities and amounts, UBL says "credit" by the document type.
pub fn invoice_ubl(doc: &InvoiceDocument, parties: &Parties) -> Vec<u8> {
    let credit = doc.credits.is_some();
    let sign: i64 = if credit { -1 } else { 1 };
    let currency = doc.invoice.currency.as_str();
    let subtotals = subtotals(doc, sign);
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
    x.leaf("cbc:DocumentCurrencyCode", currency);
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

    seller_party(&mut x, doc, parties, outside_scope);
    buyer_party(&mut x, doc, parties, outside_scope);

    if !credit {
        payment_means(&mut x, doc);
    }
    x.open("cac:PaymentTerms");
    x.leaf("cbc:Note", &payment_terms(doc));
    x.close("cac:PaymentTerms");

    let tax_minor: i64 = subtotals.iter().map(|s| s.tax_minor).sum();
    x.open("cac:TaxTotal");
    x.amount("cbc:TaxAmount", tax_minor, currency);
    for s in &subtotals {
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
        tax_scheme(&mut x);
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

    let (line_tag, quantity_tag) = if credit {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    for (i, line) in doc.invoice.lines.iter().enumerate() {
        let amount_minor = line.amount.to_minor() * sign;
        // A discounted line states its quantity times price before the discount, and the
        // discount as an allowance (PEPPOL-EN16931-R120: net = quantity × price − allowances).
        let (quantity, price) = quantity_and_price(
            line.quantity * Decimal::from(sign),
            line.unit_price.amount(),
            line.gross().to_minor() * sign,
        );
        x.open(line_tag);
        x.leaf("cbc:ID", &(i + 1).to_string());
        x.leaf_attrs(
            quantity_tag,
            &[("unitCode", unit_code(&line.unit))],
            &quantity.normalize().to_string(),
        );
        x.amount("cbc:LineExtensionAmount", amount_minor, currency);
        if let Some(d) = &line.discount {
            x.open("cac:AllowanceCharge");
            x.leaf("cbc:ChargeIndicator", "false");
            x.leaf("cbc:AllowanceChargeReasonCode", "95");
            x.leaf(
                "cbc:AllowanceChargeReason",
                crate::domain::invoicing::Discount::name(doc.invoice.language),
            );
            x.leaf(
                "cbc:MultiplierFactorNumeric",
                &d.percent.normalize().to_string(),
            );
            x.amount("cbc:Amount", d.amount.to_minor() * sign, currency);
            x.amount("cbc:BaseAmount", line.gross().to_minor() * sign, currency);
            x.close("cac:AllowanceCharge");
        }
        x.open("cac:Item");
        x.leaf("cbc:Name", &line.description);
        let category = Category::of(&line.vat);
        x.open("cac:ClassifiedTaxCategory");
        x.leaf("cbc:ID", category.code());
        if let Some(p) = category.percent() {
            x.leaf("cbc:Percent", &p);
        }
        tax_scheme(&mut x);
        x.close("cac:ClassifiedTaxCategory");
        x.close("cac:Item");
        x.open("cac:Price");
        x.leaf_attrs("cbc:PriceAmount", &[("currencyID", currency)], &price);
        x.close("cac:Price");
        x.close(line_tag);
    }
    x.close(root);
    x.finish()
}

/// BR-CO-14 and the per-rate VAT of the printed invoice: the document's own VAT summary,
/// merged by category, so the e-invoice's VAT is the PDF's to the öre.
fn subtotals(doc: &InvoiceDocument, sign: i64) -> Vec<Subtotal> {
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

fn seller_party(x: &mut Xml, doc: &InvoiceDocument, parties: &Parties, outside_scope: bool) {
    let seller = &doc.seller;
    let org = &parties.seller_org_number;
    let endpoint = PeppolEndpoint::for_org_number(org);
    x.open("cac:AccountingSupplierParty");
    x.open("cac:Party");
    x.leaf_attrs(
        "cbc:EndpointID",
        &[("schemeID", endpoint.scheme())],
        endpoint.id(),
    );
    x.open("cac:PartyName");
    x.leaf("cbc:Name", &seller.name);
    x.close("cac:PartyName");
    address(x, &seller.address);
    // BR-O-02: an invoice outside the scope of VAT carries no seller VAT number.
    if let Some(vat) = parties
        .seller_vat_number
        .as_ref()
        .filter(|_| !outside_scope)
    {
        x.open("cac:PartyTaxScheme");
        x.leaf("cbc:CompanyID", &vat.to_string());
        tax_scheme(x);
        x.close("cac:PartyTaxScheme");
    }
    let registration = match org.country() {
        Country::Se if seller.f_skatt => Some("Godkänd för F-skatt"),
        Country::No if seller.in_business_register => Some("Foretaksregisteret"),
        _ => None,
    };
    if let Some(text) = registration {
        x.open("cac:PartyTaxScheme");
        x.leaf("cbc:CompanyID", text);
        x.open("cac:TaxScheme");
        x.leaf("cbc:ID", "TAX");
        x.close("cac:TaxScheme");
        x.close("cac:PartyTaxScheme");
    }
    x.open("cac:PartyLegalEntity");
    x.leaf("cbc:RegistrationName", &seller.legal_name);
    x.leaf_attrs(
        "cbc:CompanyID",
        &[("schemeID", endpoint.scheme())],
        org.digits(),
    );
    if org.country() == Country::Se && !seller.seat.trim().is_empty() {
        x.leaf("cbc:CompanyLegalForm", &format!("Säte: {}", seller.seat));
    }
    x.close("cac:PartyLegalEntity");
    let contact = doc.invoice.our_reference.as_deref().unwrap_or("");
    if !contact.trim().is_empty() || !seller.email.trim().is_empty() {
        x.open("cac:Contact");
        x.leaf("cbc:Name", contact);
        x.leaf("cbc:ElectronicMail", &seller.email);
        x.close("cac:Contact");
    }
    x.close("cac:Party");
    x.close("cac:AccountingSupplierParty");
}

fn buyer_party(x: &mut Xml, doc: &InvoiceDocument, parties: &Parties, outside_scope: bool) {
    let buyer = &doc.buyer;
    let endpoint = parties.buyer_endpoint.clone().or_else(|| {
        parties
            .buyer_org_number
            .as_ref()
            .map(PeppolEndpoint::for_org_number)
    });
    x.open("cac:AccountingCustomerParty");
    x.open("cac:Party");
    if let Some(e) = &endpoint {
        x.leaf_attrs("cbc:EndpointID", &[("schemeID", e.scheme())], e.id());
    }
    x.open("cac:PartyName");
    x.leaf("cbc:Name", &buyer.name);
    x.close("cac:PartyName");
    match &buyer.address {
        Some(a) => address(x, a),
        None => {
            // BR-11: the buyer's country is required even without an address.
            let country = parties
                .buyer_org_number
                .as_ref()
                .map_or(doc.seller.address.country, OrgNumber::country);
            x.open("cac:PostalAddress");
            country_code(x, country);
            x.close("cac:PostalAddress");
        }
    }
    // UBL's order: PartyTaxScheme after the address, before the legal entity. BR-O-02: an
    // invoice outside the scope of VAT names no buyer VAT number either.
    if let Some(vat) = parties.buyer_vat_number.as_ref().filter(|_| !outside_scope) {
        x.open("cac:PartyTaxScheme");
        x.leaf("cbc:CompanyID", &vat.to_string());
        tax_scheme(x);
        x.close("cac:PartyTaxScheme");
    }
    x.open("cac:PartyLegalEntity");
    x.leaf("cbc:RegistrationName", &buyer.name);
    if let Some(org) = &parties.buyer_org_number {
        let scheme = PeppolEndpoint::for_org_number(org);
        x.leaf_attrs(
            "cbc:CompanyID",
            &[("schemeID", scheme.scheme())],
            org.digits(),
        );
    }
    x.close("cac:PartyLegalEntity");
    x.close("cac:Party");
    x.close("cac:AccountingCustomerParty");
}

fn address(x: &mut Xml, a: &crate::domain::Address) {
    x.open("cac:PostalAddress");
    x.leaf("cbc:StreetName", &a.line1);
    if let Some(line2) = a.line2.as_deref().filter(|l| !l.trim().is_empty()) {
        x.leaf("cbc:AdditionalStreetName", line2);
    }
    x.leaf("cbc:CityName", &a.city);
    x.leaf("cbc:PostalZone", &a.postal_code);
    country_code(x, a.country);
    x.close("cac:PostalAddress");
}

fn country_code(x: &mut Xml, country: Country) {
    x.open("cac:Country");
    x.leaf("cbc:IdentificationCode", country.as_str());
    x.close("cac:Country");
}

fn tax_scheme(x: &mut Xml) {
    x.open("cac:TaxScheme");
    x.leaf("cbc:ID", "VAT");
    x.close("cac:TaxScheme");
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

/// The quantity and net price of a line such that quantity × price gives its amount
/// (PEPPOL-EN16931-R120 allows 0.02 of slack). A line whose amount was set apart from
/// quantity × price (a share of an instalment, a difference of usage) gets a price of more
/// decimals, or failing that is stated as one unit at its amount. BR-27: no negative price,
/// so a negative line is a negative quantity.
fn quantity_and_price(quantity: Decimal, price: Decimal, amount_minor: i64) -> (Decimal, String) {
    let amount = Decimal::new(amount_minor, 2);
    let fits = |q: Decimal, p: Decimal| {
        q.checked_mul(p)
            .is_some_and(|v| (v - amount).abs() <= Decimal::new(1, 2))
    };
    let (quantity, price) = if fits(quantity, price) {
        (quantity, price.round_dp(2))
    } else {
        let finer = (!quantity.is_zero())
            .then(|| amount.checked_div(quantity))
            .flatten()
            .map(|p| p.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero))
            .filter(|p| fits(quantity, *p));
        match finer {
            Some(p) => (quantity, p),
            None => (Decimal::ONE, amount),
        }
    };
    let (quantity, price) = if price.is_sign_negative() && !price.is_zero() {
        (-quantity, -price)
    } else {
        (quantity, price)
    };
    let text = if price.scale() <= 2 {
        format!("{:.2}", price)
    } else {
        price.normalize().to_string()
    };
    (quantity, text)
}

/// UN/ECE Recommendation 20 codes for the units avtal's price lists and invoices write, in
/// any of their languages; everything counted (classes, visits, participants, inhabitants)
/// is "one" (C62).
fn unit_code(unit: &str) -> &'static str {
    match unit.trim().to_lowercase().as_str() {
        "h" | "tim" | "timme" | "timmar" | "time" | "timer" | "hour" | "hours" => "HUR",
        "d" | "dag" | "dagar" | "dager" | "day" | "days" => "DAY",
        "mån" | "månad" | "månader" | "måned" | "måneder" | "month" | "months" => "MON",
        "år" | "year" | "years" => "ANN",
        _ => "C62",
    }
}
