//! The e-invoice of an issued invoice and of its credit note: stored at issue, served as
//! XML, and valid Peppol BIS Billing 3.0.

use serde_json::json;

use crate::helpers::{Backend, TestApp, bollebygd, spawn_app, str_of};
use crate::peppol;

/// The text of the first element called `name` below `path` (local names).
fn text_at(xml: &str, path: &[&str]) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let mut at = doc.root_element();
    for name in path {
        at = at.children().find(|c| c.tag_name().name() == *name)?;
    }
    at.text().map(str::to_owned)
}

async fn einvoice(app: &TestApp, token: &str, base: &str, id: &str) -> String {
    let r = app
        .get(token, &format!("{base}/invoices/{id}/e-invoice"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.headers["content-type"].to_str().unwrap(),
        "application/xml"
    );
    let xml = r.body.as_str().unwrap().to_owned();
    let etag = format!(
        "\"{}\"",
        avtal::storage::documents::sha256_hex(xml.as_bytes())
    );
    assert_eq!(r.headers["etag"].to_str().unwrap(), etag);
    xml
}

async fn an_issued_invoice_has_a_valid_e_invoice(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let mut body = bollebygd();
    body["name"] = json!("Borås Stad");
    body["org_number"] = json!("212000-1561");
    body["buyer_reference"] = json!("4711 & Co <skola>");
    let r = app.post(&admin, &format!("{base}/members"), &body).await;
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
                "lines": [
                    {"description": "Fortbildningsdag NO-lärare", "quantity": "2", "unit": "dag",
                     "unit_price": "4500.50", "vat": "25"},
                    {"description": "Kursmaterial", "quantity": "3", "unit": "st",
                     "unit_price": "99.90", "vat": "6"}
                ]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = str_of(&r.body, "id").to_owned();
    assert_eq!(r.body["einvoice"], false);

    // Peppol allows a line outside the scope of VAT (a membership fee) only on an invoice
    // of its own: a draft or a credit note that mixes it with taxed lines is refused.
    let mixed = json!([
        {"description": "Medlemsavgift", "quantity": "1", "unit_price": "1000.00"},
        {"description": "Kursmaterial", "quantity": "1", "unit_price": "99.90", "vat": "25"}
    ]);
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices"),
            &json!({"member_id": member, "period_start": "2027-03-01",
                    "period_end": "2027-03-31", "lines": mixed}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        (&r.body["errors"][0]["field"], &r.body["errors"][0]["code"]),
        (&json!("lines"), &json!("mixed_vat_scope")),
        "{}",
        r.body
    );

    // A draft has none.
    let r = app
        .get(&admin, &format!("{base}/invoices/{id}/e-invoice"))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.body["code"], "not_found");

    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{id}/issue"),
            &json!({"date": "2027-04-01"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["einvoice"], true);
    let (number, reference, total) = (
        str_of(&r.body, "number").to_owned(),
        str_of(&r.body, "payment_reference").to_owned(),
        str_of(&r.body, "total").to_owned(),
    );
    // 9 001.00 + 25 % and 299.70 + 6 %.
    assert_eq!(total, "11568.93");

    let xml = einvoice(&app, &admin, &base, &id).await;
    assert_eq!(text_at(&xml, &["ID"]).as_deref(), Some(number.as_str()));
    assert_eq!(text_at(&xml, &["IssueDate"]).as_deref(), Some("2027-04-01"));
    assert_eq!(
        text_at(&xml, &["BuyerReference"]).as_deref(),
        Some("4711 & Co <skola>")
    );
    assert_eq!(
        text_at(&xml, &["PaymentMeans", "PaymentID"]).as_deref(),
        Some(reference.as_str())
    );
    assert_eq!(
        text_at(&xml, &["LegalMonetaryTotal", "PayableAmount"]).as_deref(),
        Some(total.as_str())
    );
    assert_eq!(
        text_at(&xml, &["AccountingCustomerParty", "Party", "EndpointID"]).as_deref(),
        Some("2120001561")
    );
    // Stored once: a second read is the same bytes.
    assert_eq!(einvoice(&app, &admin, &base, &id).await, xml);

    // The e-invoice is not one of the PDFs.
    let r = app.get(&admin, &format!("{base}/documents")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["kind"] != "e-invoice"),
        "{}",
        r.body
    );

    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{id}/credit-notes"),
            &json!({"date": "2027-04-10", "lines": mixed}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["code"], "mixed_vat_scope", "{}", r.body);
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{id}/credit-notes"),
            &json!({"date": "2027-04-10"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let credit = str_of(&r.body, "id").to_owned();
    let credit_xml = einvoice(&app, &admin, &base, &credit).await;
    assert_eq!(
        text_at(&credit_xml, &["CreditNoteTypeCode"]).as_deref(),
        Some("381")
    );
    assert_eq!(
        text_at(
            &credit_xml,
            &["BillingReference", "InvoiceDocumentReference", "ID"]
        )
        .as_deref(),
        Some(number.as_str())
    );
    assert_eq!(
        text_at(&credit_xml, &["LegalMonetaryTotal", "PayableAmount"]).as_deref(),
        Some("11568.93")
    );

    if peppol::available().is_some() {
        let results = peppol::validate(&[
            ("invoice", xml.into_bytes()),
            ("credit-note", credit_xml.into_bytes()),
        ]);
        for (name, fatal) in results {
            assert!(fatal.is_empty(), "{name}: {fatal:#?}");
        }
    }
}

crate::on_both_backends!(an_issued_invoice_has_a_valid_e_invoice);
