//! The buyer's VAT number (checked against the member's country, printed on its invoices,
//! named in a reverse-charge note and carried in the e-invoice, as it was at issue), and
//! the choice to charge the seller's own VAT to a buyer abroad where the law places the
//! supply in the seller's country (admission to an event held in Sweden).
//!
//! The invoices here are in SEK: an invoice in another currency that charges VAT needs an
//! exchange rate for the VAT in SEK, which is not what these tests are about.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, error_fields, spawn_app, str_of};
use crate::peppol;

/// Halden kommune (organisasjonsnummer 959 159 092), invoiced in SEK.
fn halden_kommune(vat_number: Option<&str>) -> Value {
    let mut body = json!({
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
    });
    if let Some(v) = vat_number {
        body["vat_number"] = json!(v);
    }
    body
}

async fn member(app: &TestApp, admin: &str, base: &str, body: &Value) -> String {
    let r = app.post(admin, &format!("{base}/members"), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    str_of(&r.body, "id").to_owned()
}

/// Issues a draft of `lines` to `member` and returns the issued invoice.
async fn issued(app: &TestApp, admin: &str, base: &str, member: &str, lines: Value) -> Value {
    let r = app
        .post(
            admin,
            &format!("{base}/invoices"),
            &json!({
                "member_id": member,
                "period_start": "2027-03-01",
                "period_end": "2027-03-31",
                "lines": lines
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = str_of(&r.body, "id").to_owned();
    let r = app
        .post(
            admin,
            &format!("{base}/invoices/{id}/issue"),
            &json!({"date": "2027-04-01"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The issued invoice's PDF as text (`None` without pdftotext) and its e-invoice.
async fn documents(
    app: &TestApp,
    admin: &str,
    base: &str,
    invoice: &Value,
) -> (Option<String>, String) {
    let pdf = app
        .bytes(
            admin,
            &format!("{base}/documents/{}/pdf", str_of(invoice, "document_id")),
        )
        .await;
    let xml = app
        .bytes(
            admin,
            &format!("{base}/invoices/{}/e-invoice", str_of(invoice, "id")),
        )
        .await;
    (
        crate::documents::pdf_text(&pdf),
        String::from_utf8(xml).unwrap(),
    )
}

/// The e-invoice passes the Peppol rules with nothing fatal and no warning.
fn passes_peppol(name: &str, xml: &str) {
    if peppol::available().is_none() {
        return;
    }
    for (number, fatal, warnings) in peppol::findings(&[(name, xml.as_bytes().to_vec())]) {
        assert!(fatal.is_empty(), "{number}: {fatal:#?}");
        assert!(warnings.is_empty(), "{number}: {warnings:#?}");
    }
}

/// The `AccountingCustomerParty` element of an e-invoice.
fn customer_party(xml: &str) -> &str {
    let start = xml.find("<cac:AccountingCustomerParty>").unwrap();
    let end = xml.find("</cac:AccountingCustomerParty>").unwrap();
    &xml[start..end]
}

/// Halden kommune, with its VAT number, is billed a reverse-charged course: the PDF prints
/// the number in the buyer block and names it in the note, the e-invoice carries it as
/// the buyer's VAT identifier and passes the Peppol rules. A later change of the member's
/// number leaves the issued invoice's PDF and e-invoice as they were.
async fn the_buyer_vat_number_is_printed_named_and_kept(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(
            &admin,
            &format!("{base}/members"),
            &halden_kommune(Some("no 959.159.092 mva")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["vat_number"], "NO959159092MVA", "{}", r.body);
    let halden = str_of(&r.body, "id").to_owned();
    let invoice = issued(
        &app,
        &admin,
        &base,
        &halden,
        json!([{"description": "Lærerdag realfag", "quantity": "2", "unit": "dag",
                "unit_price": "9500.00", "vat": "25"}]),
    )
    .await;
    assert_eq!(str_of(&invoice, "vat"), "0.00", "{invoice}");
    assert_eq!(invoice["lines"][0]["vat"], "reverse_charge", "{invoice}");
    let (text, xml) = documents(&app, &admin, &base, &invoice).await;
    if let Some(text) = &text {
        for needle in [
            "MVA-nr. NO959159092MVA",
            "Omvendt avgiftsplikt",
            "kjøperen (NO959159092MVA) beregner merverdiavgiften",
            "959 159 092",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
    }
    let party = customer_party(&xml);
    let compact: String = party.split_whitespace().collect();
    assert!(
        compact.contains(
            "<cac:PartyTaxScheme><cbc:CompanyID>NO959159092MVA</cbc:CompanyID>\
             <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        ),
        "{party}"
    );
    let (address, tax, legal) = (
        party.find("<cac:PostalAddress>").unwrap(),
        party.find("<cac:PartyTaxScheme>").unwrap(),
        party.find("<cac:PartyLegalEntity>").unwrap(),
    );
    assert!(address < tax && tax < legal, "{party}");
    passes_peppol("halden-vat-number", &xml);

    // Aremark's number by mistake: the member changes, the issued invoice does not.
    let r = app
        .patch(
            &admin,
            &format!("{base}/members/{halden}"),
            &json!({"vat_number": "NO 940 875 560 MVA"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["vat_number"], "NO940875560MVA", "{}", r.body);
    let (after_text, after_xml) = documents(&app, &admin, &base, &invoice).await;
    assert_eq!(after_xml, xml);
    assert_eq!(after_text, text);
    if let Some(text) = &after_text {
        assert!(text.contains("NO959159092MVA"), "{text}");
        assert!(!text.contains("NO940875560MVA"), "{text}");
    }
    // The next invoice has the new number.
    let next = issued(
        &app,
        &admin,
        &base,
        &halden,
        json!([{"description": "Lærerdag realfag", "quantity": "1",
                "unit_price": "9500.00", "vat": "25"}]),
    )
    .await;
    let (_, next_xml) = documents(&app, &admin, &base, &next).await;
    assert!(customer_party(&next_xml).contains("NO940875560MVA"));
    // Without a VAT number the note names the organisation number, as before.
    let r = app
        .patch(
            &admin,
            &format!("{base}/members/{halden}"),
            &json!({"vat_number": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.get("vat_number").is_none_or(Value::is_null),
        "{}",
        r.body
    );
    let bare = issued(
        &app,
        &admin,
        &base,
        &halden,
        json!([{"description": "Lærerdag realfag", "quantity": "1",
                "unit_price": "9500.00", "vat": "25"}]),
    )
    .await;
    let (text, xml) = documents(&app, &admin, &base, &bare).await;
    if let Some(text) = text {
        assert!(text.contains("kjøperen (959 159 092)"), "{text}");
        assert!(!text.contains("MVA-nr. NO"), "{text}");
    }
    assert!(!customer_party(&xml).contains("PartyTaxScheme"), "{xml}");
    passes_peppol("halden-no-vat-number", &xml);
}

/// A VAT number is checked against the member's country and refused naming `vat_number`:
/// another country's prefix, a wrong check digit, junk. A good one is normalised.
async fn vat_numbers_are_checked_against_the_country(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let mut borås = crate::helpers::bollebygd();
    borås["name"] = json!("Borås Stad");
    borås["municipality_code"] = json!("1490");
    borås["org_number"] = json!("212000-1561");
    borås["vat_number"] = json!("se 212000-1561 01");
    let r = app.post(&admin, &format!("{base}/members"), &borås).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["vat_number"], "SE212000156101", "{}", r.body);
    let id = str_of(&r.body, "id").to_owned();
    let r = app.get(&admin, &format!("{base}/members/{id}")).await;
    assert_eq!(r.body["vat_number"], "SE212000156101", "{}", r.body);

    for bad in [
        "SE212000156101", // a Swedish number for a Norwegian member
        "NO959159093MVA", // check digit
        "NO959159092",    // no MVA
        "hello",          // junk
        "NO95915909MVA",  // eight digits
    ] {
        let r = app
            .post(
                &admin,
                &format!("{base}/members"),
                &halden_kommune(Some(bad)),
            )
            .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
        assert_eq!(error_fields(&r.body), ["vat_number"], "{bad}: {}", r.body);
    }
    for bad in ["NO959159092MVA", "SE212000156201", "SE2120001561"] {
        let r = app
            .patch(
                &admin,
                &format!("{base}/members/{id}"),
                &json!({"vat_number": bad}),
            )
            .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
        assert_eq!(error_fields(&r.body), ["vat_number"], "{bad}: {}", r.body);
    }
    let r = app.get(&admin, &format!("{base}/members/{id}")).await;
    assert_eq!(r.body["vat_number"], "SE212000156101", "{}", r.body);
}

/// Admission to a conference held in Sweden is taxed in Sweden whoever attends: a price-list
/// item with `domestic_vat_abroad` charges a Norwegian member 25 % in the run (the dry run
/// sees nothing wrong in that), and without it the same item is reverse-charged.
async fn an_item_taxed_at_home_charges_swedish_vat_abroad(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(
            &admin,
            &format!("{base}/price-lists/2027/items"),
            &json!({"code": "KONF", "name_sv": "Konferensavgift", "name_nb": "Konferanseavgift",
                    "unit": "participant", "unit_price": "2000.00", "currency": "SEK",
                    "vat": "25", "domestic_vat_abroad": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["domestic_vat_abroad"], true, "{}", r.body);
    let r = app.get(&admin, &format!("{base}/price-lists/2027")).await;
    assert_eq!(
        r.body["items"][0]["domestic_vat_abroad"], true,
        "{}",
        r.body
    );

    let agreement = |member: &str| {
        json!({
            "member_id": member, "currency": "SEK", "notice_months": 3,
            "pro_rata": "whole_months", "start_date": "2027-01-01", "end_date": "2027-12-31",
            "terms": {
                "variable": [{"fee_year": 2027, "item_code": "KONF", "quantity": "3"}],
                "billing": {"schedule": "annual", "variable": "advance", "invoice_day": 15}
            }
        })
    };
    let halden = member(&app, &admin, &base, &halden_kommune(Some("NO959159092MVA"))).await;
    app.concluded_agreement(&admin, &base, &agreement(&halden))
        .await;
    let window = json!({"from": "2027-01-01", "to": "2027-12-31"});
    let mut dry = window.clone();
    dry["dry_run"] = json!(true);
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &dry)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let proposal = &r.body["proposals"][0];
    assert_eq!(str_of(proposal, "vat"), "1500.00", "{}", r.body);
    assert_eq!(proposal["lines"][0]["vat"], "25", "{}", r.body);
    assert_eq!(
        proposal["lines"][0]["domestic_vat_abroad"], true,
        "{}",
        r.body
    );
    let gaps: Vec<&str> = proposal["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["code"].as_str())
        .collect();
    assert!(!gaps.contains(&"foreign_vat"), "{}", r.body);

    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &window)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let invoice = r.body["invoices"][0].clone();
    assert_eq!(
        (
            str_of(&invoice, "currency"),
            str_of(&invoice, "vat"),
            str_of(&invoice, "total")
        ),
        ("SEK", "1500.00", "7500.00"),
        "{invoice}"
    );
    let (text, xml) = documents(&app, &admin, &base, &invoice).await;
    if let Some(text) = text {
        assert!(text.contains("25 %"), "{text}");
        assert!(!text.contains("Omvendt"), "{text}");
    }
    assert!(xml.contains("<cbc:ID>S</cbc:ID>"), "{xml}");
    assert!(!xml.contains("<cbc:ID>AE</cbc:ID>"), "{xml}");
    assert!(customer_party(&xml).contains("NO959159092MVA"), "{xml}");
    passes_peppol("konferens-25", &xml);

    // The same item without the choice: a second Norwegian member is reverse-charged.
    let r = app
        .patch(
            &admin,
            &format!("{base}/price-lists/2027/items/KONF"),
            &json!({"domestic_vat_abroad": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["domestic_vat_abroad"], false, "{}", r.body);
    let mut aremark = halden_kommune(Some("NO940875560MVA"));
    aremark["name"] = json!("Aremark kommune");
    aremark["municipality_code"] = json!("3124");
    aremark["org_number"] = json!("940875560");
    let aremark = member(&app, &admin, &base, &aremark).await;
    app.concluded_agreement(&admin, &base, &agreement(&aremark))
        .await;
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &window)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let invoices = r.body["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 1, "{}", r.body);
    let invoice = invoices[0].clone();
    assert_eq!(
        (str_of(&invoice, "vat"), str_of(&invoice, "total")),
        ("0.00", "6000.00"),
        "{invoice}"
    );
    assert_eq!(invoice["lines"][0]["vat"], "reverse_charge", "{invoice}");
    let (text, xml) = documents(&app, &admin, &base, &invoice).await;
    if let Some(text) = text {
        assert!(text.contains("kjøperen (NO940875560MVA)"), "{text}");
    }
    assert!(xml.contains("<cbc:ID>AE</cbc:ID>"), "{xml}");
    passes_peppol("konferens-ae", &xml);
}

/// A draft line may make the same choice: 25 % to a Norwegian member, kept when the draft
/// is replaced, printed and carried as category S; a line without it is reverse-charged.
async fn a_draft_line_taxed_at_home_charges_swedish_vat_abroad(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let halden = member(&app, &admin, &base, &halden_kommune(Some("NO959159092MVA"))).await;
    let draft = |domestic: bool| {
        json!({
            "member_id": halden,
            "period_start": "2027-05-01",
            "period_end": "2027-05-31",
            "lines": [{"description": "Entré, Vetenskapsfestivalen i Borås", "quantity": "4",
                       "unit_price": "250.00", "vat": "25", "domestic_vat_abroad": domestic}]
        })
    };
    let r = app
        .post(&admin, &format!("{base}/invoices"), &draft(false))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["lines"][0]["vat"], "reverse_charge", "{}", r.body);
    assert_eq!(
        r.body["lines"][0]["domestic_vat_abroad"], false,
        "{}",
        r.body
    );
    let id = str_of(&r.body, "id").to_owned();
    let r = app
        .put(&admin, &format!("{base}/invoices/{id}"), &draft(true))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["lines"][0]["vat"], "25", "{}", r.body);
    assert_eq!(
        r.body["lines"][0]["domestic_vat_abroad"], true,
        "{}",
        r.body
    );
    assert_eq!(str_of(&r.body, "vat"), "250.00", "{}", r.body);
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{id}/issue"),
            &json!({"date": "2027-06-01"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (str_of(&r.body, "currency"), str_of(&r.body, "total")),
        ("SEK", "1250.00"),
        "{}",
        r.body
    );
    assert_eq!(
        r.body["lines"][0]["domestic_vat_abroad"], true,
        "{}",
        r.body
    );
    let (text, xml) = documents(&app, &admin, &base, &r.body).await;
    if let Some(text) = text {
        assert!(text.contains("25 %"), "{text}");
        assert!(!text.contains("Omvendt"), "{text}");
    }
    assert!(xml.contains("<cbc:ID>S</cbc:ID>"), "{xml}");
    passes_peppol("entre-25", &xml);
}

crate::on_both_backends!(
    the_buyer_vat_number_is_printed_named_and_kept,
    vat_numbers_are_checked_against_the_country,
    an_item_taxed_at_home_charges_swedish_vat_abroad,
    a_draft_line_taxed_at_home_charges_swedish_vat_abroad,
);
