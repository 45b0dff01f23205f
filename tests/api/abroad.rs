//! Invoices to a buyer in another country: a Swedish organisation never charges Swedish
//! VAT to a Norwegian municipality; the buyer accounts for it (omvendt avgiftsplikt), the
//! invoice says so in the buyer's language, and the e-invoice uses the reverse-charge
//! category the official rules prescribe.

use serde_json::json;

use crate::helpers::{Backend, spawn_app, str_of};
use crate::peppol;

/// Halden kommune orders two teacher days at 25 % from a Swedish science center: no Swedish
/// VAT; the lines say "Omvendt", the note names the reverse charge and the buyer, and the
/// e-invoice's category is AE with VATEX-EU-AE and passes the Peppol rules.
async fn a_norwegian_municipality_is_not_charged_swedish_vat(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(
            &admin,
            &format!("{base}/members"),
            &json!({
                "kind": "municipality",
                "name": "Halden kommune",
                "country": "NO",
                "municipality_code": "3101",
                "org_number": "959159092",
                "billing_address": {"line1": "Postboks 150", "postal_code": "1751",
                                    "city": "Halden", "country": "NO"},
                "invoice_email": "faktura@halden.kommune.no",
                "buyer_reference": "SSC",
                "currency": "SEK"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices"),
            &json!({
                "member_id": member,
                "period_start": "2027-03-01",
                "period_end": "2027-03-31",
                "our_reference": "Lisa Belfrage",
                "lines": [
                    {"description": "Lærerdag realfag", "quantity": "2", "unit": "dag",
                     "unit_price": "9500.00", "vat": "25"}
                ]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = str_of(&r.body, "id").to_owned();
    assert_eq!(r.body["lines"][0]["vat"], "reverse_charge", "{}", r.body);
    assert_eq!(r.body["vat"], "0.00", "{}", r.body);
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{id}/issue"),
            &json!({"date": "2027-04-01"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (str_of(&r.body, "total"), str_of(&r.body, "vat")),
        ("19000.00", "0.00")
    );
    let pdf = app
        .bytes(
            &admin,
            &format!("{base}/documents/{}/pdf", str_of(&r.body, "document_id")),
        )
        .await;
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        for needle in [
            "Halden kommune",
            "Omvendt",
            "Omvendt avgiftsplikt",
            "959 159 092",
            "MVA-nr. SE222000132101",
            "19 000,00",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
        assert!(!text.contains("25 %"), "{text}");
    }
    let xml = app
        .bytes(&admin, &format!("{base}/invoices/{id}/e-invoice"))
        .await;
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(text.contains("<cbc:ID>AE</cbc:ID>"), "{text}");
    assert!(text.contains("VATEX-EU-AE"), "{text}");
    assert!(text.contains("Omvendt avgiftsplikt"), "{text}");
    if peppol::available().is_some() {
        for (number, fatal) in peppol::validate(&[("halden", xml)]) {
            assert!(fatal.is_empty(), "{number}: {fatal:#?}");
        }
    }
}

/// A fixed part priced in the terms themselves (no fee model) is invoiced under its name
/// in the buyer's language, never under its identifier.
async fn a_component_is_named_not_coded(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(
            &admin,
            &format!("{base}/members"),
            &crate::helpers::bollebygd(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
    app.concluded_agreement(
        &admin,
        &base,
        &json!({
            "member_id": member, "notice_months": 6, "pro_rata": "whole_months",
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "terms": {"fixed": [{"id": "fast-del", "model": {"model":
                {"type": "flat", "currency": "SEK", "amount": "12000.00"}}}]}
        }),
    )
    .await;
    let r = app
        .post(
            &admin,
            &format!("{base}/invoice-runs"),
            &json!({"from": "2027-01-01", "to": "2027-12-31"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let invoice = &r.body["invoices"][0];
    let pdf = app
        .bytes(
            &admin,
            &format!("{base}/documents/{}/pdf", str_of(invoice, "document_id")),
        )
        .await;
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        assert!(text.contains("Fast avgift 2027"), "{text}");
        assert!(!text.contains("fast-del"), "{text}");
    }
}

/// Halden kommune's year with a Swedish project, billed in NOK to the project's Norwegian
/// account: the partner fee (outside the scope of VAT) and a reverse-charged service at a
/// Swedish rate fall due together and come as two invoices, since Peppol allows no other
/// category beside O; both print the kontonummer and no Swedish account, carry no payment
/// QR of Sweden's, and pass the Peppol rules.
async fn a_nok_year_with_a_fee_and_a_reverse_charged_service(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .patch(
            &admin,
            &base,
            &json!({"accounts": {"NOK": {"kontonummer": "8601.11.17947"}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            &admin,
            &format!("{base}/price-lists/2027/items"),
            &json!({"code": "LABB", "name_sv": "Labbdag", "name_nb": "Laboratoriedag",
                    "unit": "day", "unit_price": "12000.00", "currency": "NOK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(
            &admin,
            &format!("{base}/members"),
            &json!({
                "kind": "municipality", "name": "Halden kommune", "country": "NO",
                "municipality_code": "3101", "org_number": "959159092",
                "billing_address": {"line1": "Postboks 150", "postal_code": "1751",
                                    "city": "Halden", "country": "NO"},
                "invoice_email": "faktura@halden.kommune.no", "buyer_reference": "SSC",
                "currency": "NOK"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
    app.concluded_agreement(
        &admin,
        &base,
        &json!({
            "member_id": member, "currency": "NOK", "notice_months": 3,
            "pro_rata": "whole_months", "start_date": "2027-01-01", "end_date": "2027-12-31",
            "terms": {
                "fixed": [{"id": "partner", "model": {"model":
                    {"type": "flat", "currency": "NOK", "amount": "50000.00"}}}],
                "variable": [{"fee_year": 2027, "item_code": "LABB", "quantity": "2"}],
                "billing": {"schedule": "annual", "variable": "advance", "invoice_day": 15}
            }
        }),
    )
    .await;
    let r = app
        .post(
            &admin,
            &format!("{base}/invoice-runs"),
            &json!({"from": "2027-01-01", "to": "2027-12-31"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let invoices = r.body["invoices"].as_array().unwrap().clone();
    assert_eq!(invoices.len(), 2, "{}", r.body);
    let mut totals: Vec<(String, String)> = invoices
        .iter()
        .map(|i| (str_of(i, "total").to_owned(), str_of(i, "vat").to_owned()))
        .collect();
    totals.sort();
    assert_eq!(
        totals,
        [
            ("24000.00".to_owned(), "0.00".to_owned()),
            ("50000.00".to_owned(), "0.00".to_owned())
        ]
    );
    let mut xmls = Vec::new();
    for i in &invoices {
        assert_eq!(str_of(i, "currency"), "NOK");
        let pdf = app
            .bytes(
                &admin,
                &format!("{base}/documents/{}/pdf", str_of(i, "document_id")),
            )
            .await;
        if let Some(text) = crate::documents::pdf_text(&pdf) {
            assert!(text.contains("8601.11.17947"), "{text}");
            assert!(!text.contains("Bankgiro"), "{text}");
            if str_of(i, "total") == "24000.00" {
                assert!(text.contains("Omvendt avgiftsplikt"), "{text}");
            }
        }
        let id = str_of(i, "id");
        let xml = app
            .bytes(&admin, &format!("{base}/invoices/{id}/e-invoice"))
            .await;
        let text = String::from_utf8(xml.clone()).unwrap();
        assert!(
            text.contains("12345678903") || text.contains("86011117947"),
            "{text}"
        );
        let category = if str_of(i, "total") == "24000.00" {
            "AE"
        } else {
            "O"
        };
        assert!(
            text.contains(&format!("<cbc:ID>{category}</cbc:ID>")),
            "{category} in {text}"
        );
        xmls.push((id.to_owned(), xml));
    }
    if peppol::available().is_some() {
        let docs: Vec<(&str, Vec<u8>)> =
            xmls.iter().map(|(n, x)| (n.as_str(), x.clone())).collect();
        for (number, fatal) in peppol::validate(&docs) {
            assert!(fatal.is_empty(), "{number}: {fatal:#?}");
        }
    }
}

crate::on_both_backends!(
    a_norwegian_municipality_is_not_charged_swedish_vat,
    a_component_is_named_not_coded,
    a_nok_year_with_a_fee_and_a_reverse_charged_service,
);
