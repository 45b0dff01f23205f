use rust_decimal::Decimal;

use super::lines::{quantity_and_price, unit_code};
use super::sample;
use super::*;
use crate::domain::Country;

fn ubl(doc: &InvoiceDocument) -> String {
    let (_, _, parties) = sample::cases()
        .into_iter()
        .find(|(_, d, _)| d == doc)
        .expect("a sample case");
    String::from_utf8(invoice_ubl(doc, &parties)).unwrap()
}

/// The text of the first element at a path of local names below the root.
fn text<'a>(root: roxmltree::Node<'a, 'a>, path: &[&str]) -> Option<&'a str> {
    node(root, path).and_then(|n| n.text())
}

fn node<'a>(root: roxmltree::Node<'a, 'a>, path: &[&str]) -> Option<roxmltree::Node<'a, 'a>> {
    let mut at = root;
    for name in path {
        at = at.children().find(|c| c.tag_name().name() == *name)?;
    }
    Some(at)
}

fn all<'a>(root: roxmltree::Node<'a, 'a>, name: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    root.descendants()
        .filter(|n| n.tag_name().name() == name)
        .collect()
}

#[test]
fn every_case_has_parsable_identifiers() {
    assert_eq!(sample::cases().len(), 9);
}

#[test]
fn a_service_invoice() {
    let xml = ubl(&sample::se_services());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "Invoice");
    assert_eq!(root.tag_name().namespace(), Some(NS_INVOICE));
    assert_eq!(text(root, &["CustomizationID"]), Some(CUSTOMIZATION_ID));
    assert_eq!(text(root, &["ProfileID"]), Some(PROFILE_ID));
    assert_eq!(text(root, &["ID"]), Some("NAV-2026-0001"));
    assert_eq!(text(root, &["InvoiceTypeCode"]), Some("380"));
    assert_eq!(text(root, &["DueDate"]), Some("2026-12-22"));
    assert_eq!(text(root, &["BuyerReference"]), Some("4711 Åsa Öberg"));
    assert_eq!(
        text(root, &["InvoicePeriod", "StartDate"]),
        Some("2027-01-01")
    );
    let seller = node(root, &["AccountingSupplierParty", "Party"]).unwrap();
    let endpoint = node(seller, &["EndpointID"]).unwrap();
    assert_eq!(endpoint.attribute("schemeID"), Some("0007"));
    assert_eq!(endpoint.text(), Some("2220001321"));
    let schemes: Vec<_> = seller
        .children()
        .filter(|c| c.tag_name().name() == "PartyTaxScheme")
        .filter_map(|c| text(c, &["CompanyID"]))
        .collect();
    assert_eq!(schemes, ["SE222000132101", "Godkänd för F-skatt"]);
    let buyer = node(root, &["AccountingCustomerParty", "Party"]).unwrap();
    assert_eq!(text(buyer, &["EndpointID"]), Some("2120001561"));
    assert_eq!(
        text(root, &["PaymentMeans", "PaymentMeansCode"]),
        Some("30")
    );
    assert_eq!(
        text(root, &["PaymentMeans", "PaymentID"]),
        Some("202600012326")
    );
    assert_eq!(
        text(root, &["PaymentMeans", "PayeeFinancialAccount", "ID"]),
        Some("50501055")
    );
    assert_eq!(
        text(
            root,
            &[
                "PaymentMeans",
                "PayeeFinancialAccount",
                "FinancialInstitutionBranch",
                "ID"
            ]
        ),
        Some("SE:BANKGIRO")
    );
    // 21 000 + 9 500 + 24 000 net, 25 % VAT.
    assert_eq!(text(root, &["TaxTotal", "TaxAmount"]), Some("13625.00"));
    assert_eq!(
        node(root, &["TaxTotal", "TaxAmount"])
            .unwrap()
            .attribute("currencyID"),
        Some("SEK")
    );
    assert_eq!(
        text(root, &["TaxTotal", "TaxSubtotal", "TaxCategory", "Percent"]),
        Some("25")
    );
    assert_eq!(
        text(root, &["LegalMonetaryTotal", "LineExtensionAmount"]),
        Some("54500.00")
    );
    assert_eq!(
        text(root, &["LegalMonetaryTotal", "PayableAmount"]),
        Some("68125.00")
    );
    assert!(node(root, &["LegalMonetaryTotal", "PayableRoundingAmount"]).is_none());
    let lines = all(root, "InvoiceLine");
    assert_eq!(lines.len(), 3);
    let units: Vec<_> = all(root, "InvoicedQuantity")
        .iter()
        .map(|q| (q.attribute("unitCode").unwrap(), q.text().unwrap()))
        .collect();
    assert_eq!(units, [("C62", "6"), ("HUR", "10"), ("DAY", "2")]);
    assert_eq!(
        text(lines[1], &["Item", "Name"]),
        Some("Konsulttimmar & handledning")
    );
    assert_eq!(
        text(lines[2], &["Item", "Name"]),
        Some("Lärarfortbildning <heldag>")
    );
    assert_eq!(text(lines[1], &["Price", "PriceAmount"]), Some("950.00"));
    assert!(xml.contains("Konsulttimmar &amp; handledning"));
}

#[test]
fn a_membership_fee_outside_the_scope_of_vat() {
    let xml = ubl(&sample::se_membership_fee());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    // No reference given: the buyer's organisation number.
    assert_eq!(text(root, &["BuyerReference"]), Some("2120001561"));
    let seller = node(root, &["AccountingSupplierParty", "Party"]).unwrap();
    assert!(node(seller, &["PartyTaxScheme"]).is_none());
    let category = node(root, &["TaxTotal", "TaxSubtotal", "TaxCategory"]).unwrap();
    assert_eq!(text(category, &["ID"]), Some("O"));
    assert_eq!(
        text(category, &["TaxExemptionReasonCode"]),
        Some("VATEX-EU-O")
    );
    assert!(node(category, &["Percent"]).is_none());
    let line = node(root, &["InvoiceLine", "Item", "ClassifiedTaxCategory"]).unwrap();
    assert!(node(line, &["Percent"]).is_none());
    assert_eq!(text(root, &["TaxTotal", "TaxAmount"]), Some("0.00"));
    assert_eq!(
        text(root, &["LegalMonetaryTotal", "PayableAmount"]),
        Some("57619.00")
    );
    assert_eq!(
        text(root, &["InvoiceLine", "Price", "PriceAmount"]),
        Some("0.50")
    );
}

#[test]
fn an_outside_scope_invoice_drops_the_vat_number_even_when_registered() {
    let mut doc = sample::se_membership_fee();
    doc.seller.vat_number = Some("SE222000132101".into());
    let parties = Parties {
        seller_vat_number: Some(VatNumber::parse(Country::Se, "SE222000132101").unwrap()),
        ..sample::cases().remove(1).2
    };
    let xml = String::from_utf8(invoice_ubl(&doc, &parties)).unwrap();
    assert!(!xml.contains("SE222000132101"));
}

#[test]
fn taxed_and_exempt_lines() {
    let xml = ubl(&sample::se_mixed());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    let subtotals = all(root, "TaxSubtotal");
    let summary: Vec<_> = subtotals
        .iter()
        .map(|s| {
            (
                text(*s, &["TaxCategory", "ID"]).unwrap(),
                text(*s, &["TaxCategory", "Percent"]).unwrap(),
                text(*s, &["TaxableAmount"]).unwrap(),
                text(*s, &["TaxAmount"]).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("S", "25", "8400.00", "2100.00"),
            ("S", "6", "4820.00", "289.20"),
            ("E", "0", "15800.00", "0.00"),
        ]
    );
    assert_eq!(
        text(subtotals[2], &["TaxCategory", "TaxExemptionReason"]),
        Some("Utbildning, 10 kap. 41 § ML; Undantag enligt 10 kap. ML")
    );
    let lines = all(root, "InvoiceLine");
    // 7 × 142.857143 is 1 000.000001: within the rule's slack of the line's 1 000.00.
    assert_eq!(
        text(lines[3], &["Price", "PriceAmount"]),
        Some("142.857143")
    );
    assert_eq!(text(lines[3], &["LineExtensionAmount"]), Some("1000.00"));
    let branches: Vec<_> = all(root, "FinancialInstitutionBranch")
        .iter()
        .filter_map(|b| text(*b, &["ID"]))
        .collect();
    assert_eq!(branches, ["SE:BANKGIRO", "SE:PLUSGIRO"]);
    assert_eq!(
        text(root, &["LegalMonetaryTotal", "PayableAmount"]),
        Some("31409.20")
    );
}

#[test]
fn a_credit_note_states_positive_amounts_and_the_invoice_it_credits() {
    let xml = ubl(&sample::se_credit_note());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "CreditNote");
    assert_eq!(root.tag_name().namespace(), Some(NS_CREDIT_NOTE));
    assert_eq!(text(root, &["CreditNoteTypeCode"]), Some("381"));
    assert!(node(root, &["DueDate"]).is_none());
    assert!(node(root, &["PaymentMeans"]).is_none());
    assert_eq!(
        text(
            root,
            &["BillingReference", "InvoiceDocumentReference", "ID"]
        ),
        Some("NAV-2026-0001")
    );
    assert_eq!(
        text(
            root,
            &["BillingReference", "InvoiceDocumentReference", "IssueDate"]
        ),
        Some("2026-11-22")
    );
    assert_eq!(
        text(root, &["CreditNoteLine", "CreditedQuantity"]),
        Some("2")
    );
    assert_eq!(
        text(root, &["CreditNoteLine", "LineExtensionAmount"]),
        Some("7000.00")
    );
    assert_eq!(
        text(root, &["CreditNoteLine", "Price", "PriceAmount"]),
        Some("3500.00")
    );
    assert_eq!(text(root, &["TaxTotal", "TaxAmount"]), Some("1750.00"));
    assert_eq!(
        text(root, &["LegalMonetaryTotal", "PayableAmount"]),
        Some("8750.00")
    );
    assert!(all(root, "InvoiceLine").is_empty());
}

#[test]
fn oresavrundning_is_the_rounding_amount() {
    let xml = ubl(&sample::se_rounded());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    let totals = node(root, &["LegalMonetaryTotal"]).unwrap();
    assert_eq!(text(totals, &["TaxInclusiveAmount"]), Some("1251.63"));
    assert_eq!(text(totals, &["PayableRoundingAmount"]), Some("0.37"));
    assert_eq!(text(totals, &["PayableAmount"]), Some("1252.00"));
}

#[test]
fn a_norwegian_invoice_with_a_kid() {
    let xml = ubl(&sample::no_kid());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(text(root, &["DocumentCurrencyCode"]), Some("NOK"));
    let seller = node(root, &["AccountingSupplierParty", "Party"]).unwrap();
    assert_eq!(
        node(seller, &["EndpointID"]).unwrap().attribute("schemeID"),
        Some("0192")
    );
    assert_eq!(text(seller, &["EndpointID"]), Some("998877660"));
    let schemes: Vec<_> = seller
        .children()
        .filter(|c| c.tag_name().name() == "PartyTaxScheme")
        .filter_map(|c| text(c, &["CompanyID"]))
        .collect();
    assert_eq!(schemes, ["NO998877660MVA", "Foretaksregisteret"]);
    assert!(node(seller, &["PartyLegalEntity", "CompanyLegalForm"]).is_none());
    let buyer = node(root, &["AccountingCustomerParty", "Party"]).unwrap();
    assert_eq!(
        node(buyer, &["EndpointID"]).unwrap().attribute("schemeID"),
        Some("0192")
    );
    assert_eq!(text(buyer, &["EndpointID"]), Some("945475056"));
    assert_eq!(
        text(root, &["PaymentMeans", "PaymentID"]),
        Some("20260001236")
    );
    assert_eq!(
        text(root, &["PaymentMeans", "PayeeFinancialAccount", "ID"]),
        Some("NO9386011117947")
    );
    assert_eq!(
        text(
            root,
            &[
                "PaymentMeans",
                "PayeeFinancialAccount",
                "FinancialInstitutionBranch",
                "ID"
            ]
        ),
        Some("DNBANOKK")
    );
    assert!(
        text(root, &["PaymentTerms", "Note"])
            .unwrap()
            .starts_with("30 dager netto")
    );
}

#[test]
fn a_given_endpoint_wins_over_the_organisation_number() {
    let (_, doc, mut parties) = sample::cases().remove(0);
    parties.buyer_endpoint = Some(PeppolEndpoint::parse("0088:7300010000001").unwrap());
    let xml = String::from_utf8(invoice_ubl(&doc, &parties)).unwrap();
    assert!(xml.contains("<cbc:EndpointID schemeID=\"0088\">7300010000001</cbc:EndpointID>"));
}

#[test]
fn output_is_deterministic() {
    for (_, doc, parties) in sample::cases() {
        assert_eq!(invoice_ubl(&doc, &parties), invoice_ubl(&doc, &parties));
    }
}

#[test]
fn prices_give_the_line_amount() {
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    assert_eq!(
        quantity_and_price(d("3"), d("950"), 285_000),
        (d("3"), "950.00".into())
    );
    assert_eq!(
        quantity_and_price(d("2"), d("-50"), -10_000),
        (d("-2"), "50.00".into())
    );
    assert_eq!(
        quantity_and_price(d("0"), d("10"), 12_345),
        (d("1"), "123.45".into())
    );
    assert_eq!(
        quantity_and_price(d("3"), d("0"), 100_000),
        (d("3"), "333.333333".into())
    );
    // Too many units for six decimals to come within the slack: one unit of the amount.
    assert_eq!(
        quantity_and_price(d("30000000"), d("0"), 100_000_000),
        (d("1"), "1000000.00".into())
    );
}

#[test]
fn units_map_to_recommendation_20() {
    assert_eq!(unit_code("timmar"), "HUR");
    assert_eq!(unit_code(" Dag "), "DAY");
    assert_eq!(unit_code("dager"), "DAY");
    assert_eq!(unit_code("invånare"), "C62");
    assert_eq!(unit_code("st"), "C62");
    assert_eq!(unit_code(""), "C62");
}

#[test]
fn blank_optional_fields_leave_no_empty_elements() {
    let (_, mut doc, parties) = sample::cases().remove(0);
    doc.invoice.our_reference = Some("  ".into());
    doc.seller.email = String::new();
    if let Some(a) = doc.buyer.address.as_mut() {
        a.line2 = Some(String::new());
    }
    let xml = String::from_utf8(invoice_ubl(&doc, &parties)).unwrap();
    assert!(!xml.contains("<cac:Contact>"));
    assert!(!xml.contains("AdditionalStreetName"));
    let tree = roxmltree::Document::parse(&xml).unwrap();
    assert!(
        tree.descendants()
            .filter(|n| n.is_element())
            .all(|n| n.has_children())
    );
}

#[test]
fn the_buyer_vat_number_is_its_party_tax_scheme_in_ubl_order() {
    let xml = ubl(&sample::se_reverse_charge_no());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    let buyer = node(root, &["AccountingCustomerParty", "Party"]).unwrap();
    let order: Vec<_> = buyer
        .children()
        .filter(|c| c.is_element())
        .map(|c| c.tag_name().name())
        .collect();
    assert_eq!(
        order,
        [
            "EndpointID",
            "PartyName",
            "PostalAddress",
            "PartyTaxScheme",
            "PartyLegalEntity"
        ]
    );
    assert_eq!(
        text(buyer, &["PartyTaxScheme", "CompanyID"]),
        Some("NO959159092MVA")
    );
    assert_eq!(
        text(buyer, &["PartyTaxScheme", "TaxScheme", "ID"]),
        Some("VAT")
    );
    assert_eq!(
        text(root, &["TaxTotal", "TaxSubtotal", "TaxCategory", "ID"]),
        Some("AE")
    );
}

#[test]
fn an_outside_scope_invoice_names_no_buyer_vat_number() {
    // BR-O-02: neither party's VAT identifier on an invoice outside the scope of VAT.
    let xml = ubl(&sample::se_membership_fee());
    assert!(!xml.contains("SE212000156101"));
    assert!(ubl(&sample::se_services()).contains("SE212000156101"));
}

/// BT-6 right after the document currency, and BT-111 as a second tax total holding only
/// its amount in SEK (BR-53, PEPPOL-EN16931-R053/R054), positive on a credit note like the
/// rest of it (R055).
#[test]
fn vat_in_another_currency_is_stated_in_the_sellers_too() {
    for (doc, number, sek, eur) in [
        (sample::se_eur(), "NAV-2027-0001", "2807.50", "250.00"),
        (
            sample::se_eur_credit_note(),
            "NAV-K-2027-0001",
            "1403.75",
            "125.00",
        ),
    ] {
        let xml = ubl(&doc);
        let tree = roxmltree::Document::parse(&xml).unwrap();
        let root = tree.root_element();
        assert_eq!(text(root, &["ID"]), Some(number));
        let order: Vec<&str> = root
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        let at = |name: &str| order.iter().position(|n| *n == name).unwrap();
        assert_eq!(
            at("TaxCurrencyCode"),
            at("DocumentCurrencyCode") + 1,
            "{order:?}"
        );
        assert_eq!(text(root, &["DocumentCurrencyCode"]), Some("EUR"));
        assert_eq!(text(root, &["TaxCurrencyCode"]), Some("SEK"));
        let totals: Vec<_> = root
            .children()
            .filter(|n| n.tag_name().name() == "TaxTotal")
            .collect();
        assert_eq!(totals.len(), 2, "{xml}");
        let amount = |total| {
            let a = node(total, &["TaxAmount"]).unwrap();
            (
                a.attribute("currencyID").unwrap().to_owned(),
                a.text().unwrap().to_owned(),
            )
        };
        assert_eq!(amount(totals[0]), ("EUR".to_owned(), eur.to_owned()));
        assert!(node(totals[0], &["TaxSubtotal"]).is_some());
        assert_eq!(amount(totals[1]), ("SEK".to_owned(), sek.to_owned()));
        assert_eq!(
            totals[1].children().filter(|n| n.is_element()).count(),
            1,
            "{xml}"
        );
    }
    // An invoice in the seller's own currency has neither.
    let xml = ubl(&sample::se_services());
    assert!(!xml.contains("TaxCurrencyCode"));
    assert_eq!(xml.matches("<cac:TaxTotal>").count(), 1);
}
