//! Invoice lines that carry their facts: a discounted service keeps its quantity, unit and
//! unit price, with the discount as its own allowance on the PDF and in the e-invoice.

use serde_json::json;

use crate::helpers::{Backend, TestApp, bollebygd, spawn_app, str_of};
use crate::peppol;

async fn bytes(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.bytes().await.unwrap().to_vec()
}

/// Bollebygd orders 12 school programmes at 3 500 kr with 10 % off: one line of 12 × 3 500
/// = 42 000, a discount of 4 200 and 37 800 net, 25 % VAT on the net; the credit note
/// credits the discount with the line.
async fn a_discount_is_its_own_allowance(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(
            &admin,
            &format!("{base}/price-lists/2027/items"),
            &json!({"code": "SKOLPROG", "name_sv": "Skolprogram Kemi åk 4–6", "unit": "class",
                    "unit_price": "3500.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut buyer = bollebygd();
    // An organisation number gives the e-invoice its Peppol address.
    buyer["org_number"] = json!("212000-1561");
    let r = app.post(&admin, &format!("{base}/members"), &buyer).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
    app.concluded_agreement(
        &admin,
        &base,
        &json!({
            "member_id": member, "notice_months": 6, "pro_rata": "whole_months",
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "terms": {
                "variable": [{"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "12",
                              "discount_percent": "10"}],
                "billing": {"schedule": "annual", "variable": "advance", "invoice_day": 15}
            }
        }),
    )
    .await;
    let run = json!({"from": "2027-01-01", "to": "2027-12-31", "dry_run": true});
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &run)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let line = &r.body["proposals"][0]["lines"][0];
    assert_eq!(
        [
            "quantity",
            "unit_price",
            "discount_percent",
            "discount",
            "amount"
        ]
        .map(|k| str_of(line, k)),
        ["12", "3500.00", "10", "4200.00", "37800.00"],
        "{line}"
    );
    let r = app
        .post(
            &admin,
            &format!("{base}/invoice-runs"),
            &json!({"from": "2027-01-01", "to": "2027-12-31"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let invoice = r.body["invoices"][0].clone();
    assert_eq!(
        (str_of(&invoice, "net"), str_of(&invoice, "vat")),
        ("37800.00", "9450.00")
    );
    let pdf = bytes(
        &app,
        &admin,
        &format!("{base}/documents/{}/pdf", str_of(&invoice, "document_id")),
    )
    .await;
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        for needle in [
            "12 klasser 3 500,00 25 % 42 000,00",
            "Rabatt 10 %",
            "−4 200,00",
            "Summa exkl. moms 37 800,00 kr",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
    }
    let id = str_of(&invoice, "id");
    let xml = bytes(&app, &admin, &format!("{base}/invoices/{id}/e-invoice")).await;
    let text = String::from_utf8(xml.clone()).unwrap();
    for needle in [
        "<cbc:InvoicedQuantity unitCode=",
        ">12</cbc:InvoicedQuantity>",
        "<cbc:LineExtensionAmount currencyID=\"SEK\">37800.00</cbc:LineExtensionAmount>",
        "<cbc:ChargeIndicator>false</cbc:ChargeIndicator>",
        "<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>",
        "<cbc:Amount currencyID=\"SEK\">4200.00</cbc:Amount>",
        "<cbc:BaseAmount currencyID=\"SEK\">42000.00</cbc:BaseAmount>",
        "<cbc:PriceAmount currencyID=\"SEK\">3500.00</cbc:PriceAmount>",
    ] {
        assert!(text.contains(needle), "{needle} missing in {text}");
    }
    // A full credit note credits the line with its discount.
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{id}/credit-notes"),
            &json!({"date": "2027-02-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let credit = r.body.clone();
    assert_eq!(str_of(&credit, "total"), "-47250.00", "{credit}");
    assert_eq!(credit["lines"][0]["discount"], "-4200.00", "{credit}");
    let credit_xml = bytes(
        &app,
        &admin,
        &format!("{base}/invoices/{}/e-invoice", str_of(&credit, "id")),
    )
    .await;
    if peppol::available().is_some() {
        for (number, fatal) in peppol::validate(&[("invoice", xml), ("credit", credit_xml)]) {
            assert!(fatal.is_empty(), "{number}: {fatal:#?}");
        }
    }
}

/// A draft whose lines come to less than nothing is not issued as an invoice (it would be
/// "paid" with money owed back): the answer names the lines and says a refund is a credit
/// note, and no number is used.
async fn a_negative_invoice_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(&admin, &format!("{base}/members"), &bollebygd())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
    let draft = |quantity: &str| {
        json!({"member_id": member, "period_start": "2027-03-01", "period_end": "2027-03-31",
               "lines": [{"description": "Återbetalning", "quantity": quantity,
                          "unit_price": "1250.00"}]})
    };
    let r = app
        .post(&admin, &format!("{base}/invoices"), &draft("-1"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let negative = str_of(&r.body, "id").to_owned();
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{negative}/issue"),
            &json!({"date": "2027-04-01"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(crate::helpers::error_fields(&r.body), ["lines"]);
    assert_eq!(r.body["errors"][0]["code"], "credit_note_required");
    let r = app
        .post(&admin, &format!("{base}/invoices"), &draft("1"))
        .await;
    let positive = str_of(&r.body, "id").to_owned();
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{positive}/issue"),
            &json!({"date": "2027-04-01"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(str_of(&r.body, "number"), "NAV-2027-0001");
}

crate::on_both_backends!(
    a_discount_is_its_own_allowance,
    a_negative_invoice_is_refused
);
