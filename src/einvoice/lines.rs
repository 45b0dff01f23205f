//! The invoice lines: quantity, price and amount, a discount as an allowance, and each
//! line's VAT category.

use rust_decimal::{Decimal, RoundingStrategy};

use super::vat::{Category, tax_scheme};
use super::xml::Xml;
use crate::domain::documents::InvoiceDocument;
use crate::domain::invoicing::{Discount, InvoiceLine};

/// BG-25, one per line of the document.
pub(super) fn invoice_lines(x: &mut Xml, doc: &InvoiceDocument, sign: i64) {
    let credit = doc.credits.is_some();
    let (line_tag, quantity_tag) = if credit {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    for (i, line) in doc.invoice.lines.iter().enumerate() {
        x.open(line_tag);
        x.leaf("cbc:ID", &(i + 1).to_string());
        line_body(x, doc, line, quantity_tag, sign);
        x.close(line_tag);
    }
}

/// One line's quantity, amount, discount, item with its VAT category, and price.
fn line_body(
    x: &mut Xml,
    doc: &InvoiceDocument,
    line: &InvoiceLine,
    quantity_tag: &str,
    sign: i64,
) {
    let currency = doc.invoice.currency.as_str();
    let amount_minor = line.amount.to_minor() * sign;
    // A discounted line states its quantity times price before the discount, and the
    // discount as an allowance (PEPPOL-EN16931-R120: net = quantity × price − allowances).
    let (quantity, price) = quantity_and_price(
        line.quantity * Decimal::from(sign),
        line.unit_price.amount(),
        line.gross().to_minor() * sign,
    );
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
            Discount::name(doc.invoice.language),
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
    tax_scheme(x);
    x.close("cac:ClassifiedTaxCategory");
    x.close("cac:Item");
    x.open("cac:Price");
    x.leaf_attrs("cbc:PriceAmount", &[("currencyID", currency)], &price);
    x.close("cac:Price");
}

/// The quantity and net price of a line such that quantity × price gives its amount
/// (PEPPOL-EN16931-R120 allows 0.02 of slack). A line whose amount was set apart from
/// quantity × price (a share of an instalment, a difference of usage) gets a price of more
/// decimals, or failing that is stated as one unit at its amount. BR-27: no negative price,
/// so a negative line is a negative quantity.
pub(super) fn quantity_and_price(
    quantity: Decimal,
    price: Decimal,
    amount_minor: i64,
) -> (Decimal, String) {
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
pub(super) fn unit_code(unit: &str) -> &'static str {
    match unit.trim().to_lowercase().as_str() {
        "h" | "tim" | "timme" | "timmar" | "time" | "timer" | "hour" | "hours" => "HUR",
        "d" | "dag" | "dagar" | "dager" | "day" | "days" => "DAY",
        "mån" | "månad" | "månader" | "måned" | "måneder" | "month" | "months" => "MON",
        "år" | "year" | "years" => "ANN",
        _ => "C62",
    }
}
