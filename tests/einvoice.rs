//! Every sample e-invoice passes the Peppol BIS Billing 3.0 rules (CEN EN 16931, Peppol,
//! and the Swedish and Norwegian national rules) and the UBL 2.1 schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/peppol.rs"]
mod peppol;

use avtal::einvoice::{invoice_ubl, sample};

#[test]
fn sample_e_invoices_pass_the_peppol_rules() {
    if peppol::available().is_none() {
        return;
    }
    let cases = sample::cases();
    assert_eq!(cases.len(), 9, "a sample's identifiers no longer parse");
    let documents: Vec<(&str, Vec<u8>)> = cases
        .iter()
        .map(|(name, doc, parties)| (*name, invoice_ubl(doc, parties)))
        .collect();
    let failed: Vec<_> = peppol::validate(&documents)
        .into_iter()
        .filter(|(_, fatal)| !fatal.is_empty())
        .collect();
    assert!(failed.is_empty(), "fatal Peppol findings: {failed:#?}");
}

#[test]
fn the_validator_catches_a_broken_e_invoice() {
    if peppol::available().is_none() {
        return;
    }
    let (_, mut doc, parties) = sample::cases().remove(0);
    // A Swedish seller may not charge 15 % (SE-R-006).
    for line in &mut doc.invoice.lines {
        line.vat = avtal::domain::contribution::VatTreatment::Rate(15.into());
    }
    let results = peppol::validate(&[("broken", invoice_ubl(&doc, &parties))]);
    assert!(
        results[0].1.iter().any(|(id, _)| id == "SE-R-006"),
        "{results:?}"
    );
}
