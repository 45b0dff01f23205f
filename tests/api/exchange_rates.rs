//! An invoice in another currency than the organisation's states its VAT in the
//! organisation's own too (mervärdesskattelagen 17 kap. 24 §), at the latest rate of the
//! shared exchange-rate table on or before the invoice date, with the rate's date and
//! source: in the API's view, on the PDF and in the e-invoice (BT-6, BT-111). An invoice
//! that charges VAT without a rate is refused before it takes a number; a run leaves its
//! agreement out, naming it. Every figure below is computed by hand.

use serde_json::{Value, json};

use crate::documents::pdf_text;
use crate::helpers::{Backend, TestApp, bollebygd, error_fields, spawn_app, str_of};
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

/// Every `cac:TaxTotal/cbc:TaxAmount` of a document: (currency, amount, subtotals).
fn tax_totals(xml: &str) -> Vec<(String, String, usize)> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.root_element()
        .children()
        .filter(|c| c.tag_name().name() == "TaxTotal")
        .map(|t| {
            let amount = t
                .children()
                .find(|c| c.tag_name().name() == "TaxAmount")
                .unwrap();
            (
                amount.attribute("currencyID").unwrap().to_owned(),
                amount.text().unwrap().to_owned(),
                t.children()
                    .filter(|c| c.tag_name().name() == "TaxSubtotal")
                    .count(),
            )
        })
        .collect()
}

/// The names of the root's child elements, in order.
fn element_order(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.root_element()
        .children()
        .filter(|c| c.is_element())
        .map(|c| c.tag_name().name().to_owned())
        .collect()
}

/// The e-invoice passes the Peppol rules with neither a fatal finding nor a warning.
fn valid_without_warnings(name: &str, xml: &str) {
    if peppol::available().is_some() {
        for (name, fatal, warnings) in peppol::findings(&[(name, xml.as_bytes().to_vec())]) {
            assert!(fatal.is_empty(), "{name}: {fatal:#?}");
            assert!(warnings.is_empty(), "{name}: {warnings:#?}");
        }
    }
}

async fn put_rate(app: &TestApp, path: &str, rate: &str) {
    let r = app
        .put(
            &app.operator,
            &format!("/api/v1/exchange-rates/{path}"),
            &json!({"rate": rate, "source": "Riksbanken"}),
        )
        .await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
}

/// Navet with a EUR account beside its bankgiro, and Mark kommun, a Swedish member billed
/// in EUR in Swedish; returns (org path, admin token, member).
async fn navet_with_a_eur_member(app: &TestApp) -> (String, String, String) {
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .patch(
            &admin,
            &base,
            &json!({"accounts": {"EUR": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut mark = bollebygd();
    mark["name"] = json!("Mark kommun");
    mark["municipality_code"] = json!("1463");
    mark["org_number"] = json!("212001-4630");
    mark["currency"] = json!("EUR");
    let r = app.post(&admin, &format!("{base}/members"), &mark).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
    (base, admin, member)
}

/// A draft of two workshop days at `price` each, with `vat`; returns its id.
async fn draft(
    app: &TestApp,
    admin: &str,
    base: &str,
    member: &str,
    price: &str,
    vat: &str,
) -> String {
    let r = app
        .post(
            admin,
            &format!("{base}/invoices"),
            &json!({
                "member_id": member, "period_start": "2027-03-01", "period_end": "2027-03-31",
                "lines": [{"description": "Workshop", "quantity": "2", "unit": "dag",
                           "unit_price": price, "vat": vat}]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    str_of(&r.body, "id").to_owned()
}

async fn issue(app: &TestApp, admin: &str, base: &str, id: &str) -> crate::helpers::Reply {
    app.post(
        admin,
        &format!("{base}/invoices/{id}/issue"),
        &json!({"date": "2027-04-01"}),
    )
    .await
}

async fn pdf(app: &TestApp, admin: &str, base: &str, view: &Value) -> Option<String> {
    let document = str_of(view, "document_id");
    pdf_text(
        &app.bytes(admin, &format!("{base}/documents/{document}/pdf"))
            .await,
    )
}

async fn einvoice(app: &TestApp, admin: &str, base: &str, id: &str) -> String {
    String::from_utf8(
        app.bytes(admin, &format!("{base}/invoices/{id}/e-invoice"))
            .await,
    )
    .unwrap()
}

/// Two workshop days at 500 EUR with 25 % VAT, dated 1 April 2027: 1 000 EUR net, 250 EUR
/// VAT. The table has 11.10 SEK from 1 February, 11.23 from 1 March and 11.50 from 2 April:
/// 11.23 is the latest on or before the invoice date, and 250 × 11.23 = 2 807.50 SEK. The
/// credit note of 20 April keeps the invoice's 11.23, not the table's 11.50 of its own date:
/// −2 807.50 SEK.
async fn a_eur_invoice_and_its_credit_note_state_the_vat_in_sek(backend: Backend) {
    let app = spawn_app(backend).await;
    let (base, admin, member) = navet_with_a_eur_member(&app).await;
    put_rate(&app, "SEK/EUR/2027-02-01", "11.10").await;
    put_rate(&app, "SEK/EUR/2027-03-01", "11.23").await;
    put_rate(&app, "SEK/EUR/2027-04-02", "11.50").await;

    let id = draft(&app, &admin, &base, &member, "500.00", "25").await;
    let r = issue(&app, &admin, &base, &id).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["number"], "NAV-2027-0001");
    assert_eq!(
        (str_of(&r.body, "vat"), str_of(&r.body, "total")),
        ("250.00", "1250.00")
    );
    let stated = json!({"rate": "11.23", "date": "2027-03-01", "source": "Riksbanken",
                        "currency": "SEK", "vat_amount": "2807.50"});
    assert_eq!(r.body["exchange_rate"], stated, "{}", r.body);
    let view = app.get(&admin, &format!("{base}/invoices/{id}")).await.body;
    assert_eq!(view["exchange_rate"], stated, "{view}");
    // Drafts convert nothing until they are issued.
    let later = draft(&app, &admin, &base, &member, "10.00", "25").await;
    let r = app.get(&admin, &format!("{base}/invoices/{later}")).await;
    assert!(r.body["exchange_rate"].is_null(), "{}", r.body);

    if let Some(text) = pdf(&app, &admin, &base, &view).await {
        assert!(
            text.contains("Moms i SEK: 2 807,50 (1 EUR = 11,2300 SEK, Riksbanken 2027-03-01)"),
            "{text}"
        );
        assert!(!text.contains("11,5000"), "{text}");
    }

    let xml = einvoice(&app, &admin, &base, &id).await;
    assert_eq!(
        text_at(&xml, &["DocumentCurrencyCode"]).as_deref(),
        Some("EUR")
    );
    assert_eq!(text_at(&xml, &["TaxCurrencyCode"]).as_deref(), Some("SEK"));
    let order = element_order(&xml);
    let at = |name: &str| order.iter().position(|n| n == name).unwrap();
    assert_eq!(
        at("TaxCurrencyCode"),
        at("DocumentCurrencyCode") + 1,
        "{order:?}"
    );
    assert_eq!(
        tax_totals(&xml),
        [
            ("EUR".to_owned(), "250.00".to_owned(), 1),
            ("SEK".to_owned(), "2807.50".to_owned(), 0)
        ]
    );
    valid_without_warnings("eur-invoice", &xml);

    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{id}/credit-notes"),
            &json!({"date": "2027-04-20"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["number"], "NAV-K-2027-0001");
    assert_eq!(str_of(&r.body, "vat"), "-250.00");
    assert_eq!(
        r.body["exchange_rate"],
        json!({"rate": "11.23", "date": "2027-03-01", "source": "Riksbanken",
               "currency": "SEK", "vat_amount": "-2807.50"}),
        "{}",
        r.body
    );
    let credit = str_of(&r.body, "id").to_owned();
    if let Some(text) = pdf(&app, &admin, &base, &r.body).await {
        assert!(
            text.contains("Moms i SEK: −2 807,50 (1 EUR = 11,2300 SEK, Riksbanken 2027-03-01)"),
            "{text}"
        );
    }
    let xml = einvoice(&app, &admin, &base, &credit).await;
    assert_eq!(text_at(&xml, &["TaxCurrencyCode"]).as_deref(), Some("SEK"));
    // A credit note's amounts are positive: the document type says it credits.
    assert_eq!(
        tax_totals(&xml),
        [
            ("EUR".to_owned(), "250.00".to_owned(), 1),
            ("SEK".to_owned(), "2807.50".to_owned(), 0)
        ]
    );
    valid_without_warnings("eur-credit-note", &xml);
}

/// Without a rate on or before its date, an invoice that charges VAT in EUR is refused
/// (422, `exchange_rate`, `no_exchange_rate`) before it takes a number: the invoices issued
/// next number on without a gap. One without VAT issues as before, and keeps a rate when
/// the table has one.
async fn without_a_rate_vat_in_another_currency_is_not_issued(backend: Backend) {
    let app = spawn_app(backend).await;
    let (base, admin, member) = navet_with_a_eur_member(&app).await;
    // A rate after the invoice date is no rate for it.
    put_rate(&app, "SEK/EUR/2027-04-02", "11.50").await;
    let taxed = draft(&app, &admin, &base, &member, "500.00", "25").await;
    let r = issue(&app, &admin, &base, &taxed).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.headers["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    assert_eq!(error_fields(&r.body), ["exchange_rate"], "{}", r.body);
    assert_eq!(r.body["errors"][0]["code"], "no_exchange_rate");
    let message = str_of(&r.body["errors"][0], "message");
    for needle in ["EUR", "SEK", "2027-04-01"] {
        assert!(message.contains(needle), "{needle} in {message}");
    }
    let r = app.get(&admin, &format!("{base}/invoices/{taxed}")).await;
    assert_eq!(r.body["status"], "draft", "{}", r.body);
    assert!(r.body["number"].is_null(), "{}", r.body);

    // A SEK invoice takes the first number: none was used up.
    let mut boras = bollebygd();
    boras["name"] = json!("Borås Stad");
    boras["municipality_code"] = json!("1490");
    boras["org_number"] = json!("212000-1561");
    let r = app.post(&admin, &format!("{base}/members"), &boras).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let boras = str_of(&r.body, "id").to_owned();
    let sek = draft(&app, &admin, &base, &boras, "1000.00", "25").await;
    let r = issue(&app, &admin, &base, &sek).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["number"], "NAV-2027-0001");
    assert!(r.body["exchange_rate"].is_null(), "{}", r.body);

    // A EUR invoice without VAT needs no rate, and states none in SEK.
    let untaxed = draft(&app, &admin, &base, &member, "500.00", "outside_scope").await;
    let r = issue(&app, &admin, &base, &untaxed).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["number"], "NAV-2027-0002");
    assert!(r.body["exchange_rate"].is_null(), "{}", r.body);
    let xml = einvoice(&app, &admin, &base, &untaxed).await;
    assert!(!xml.contains("TaxCurrencyCode"), "{xml}");
    valid_without_warnings("eur-outside-scope", &xml);

    // With the rate entered, the refused invoice issues with the next number.
    put_rate(&app, "SEK/EUR/2027-03-31", "11.2345").await;
    let r = issue(&app, &admin, &base, &taxed).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["number"], "NAV-2027-0003");
    // 250 × 11.2345 = 2 808.625, half away from zero: 2 808.63.
    assert_eq!(
        r.body["exchange_rate"]["vat_amount"], "2808.63",
        "{}",
        r.body
    );
    assert_eq!(r.body["exchange_rate"]["rate"], "11.2345", "{}", r.body);

    // Without VAT, a rate the table has is kept for the bookkeeping; the PDF says nothing
    // of VAT in SEK, since there is none.
    let untaxed = draft(&app, &admin, &base, &member, "500.00", "outside_scope").await;
    let r = issue(&app, &admin, &base, &untaxed).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["number"], "NAV-2027-0004");
    assert_eq!(
        r.body["exchange_rate"],
        json!({"rate": "11.2345", "date": "2027-03-31", "source": "Riksbanken",
               "currency": "SEK", "vat_amount": "0.00"}),
        "{}",
        r.body
    );
    if let Some(text) = pdf(&app, &admin, &base, &r.body).await {
        assert!(!text.contains("Moms i SEK"), "{text}");
    }
    let xml = einvoice(&app, &admin, &base, &untaxed).await;
    assert!(!xml.contains("TaxCurrencyCode"), "{xml}");
}

/// Halden kommune, billed in NOK: a service at a Swedish rate is reverse-charged, so no
/// VAT is charged and no rate is needed.
async fn a_reverse_charged_nok_invoice_needs_no_rate(backend: Backend) {
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
            &format!("{base}/members"),
            &json!({
                "kind": "municipality", "name": "Halden kommune", "country": "NO",
                "municipality_code": "3101", "org_number": "959159092",
                "billing_address": {"line1": "Postboks 150", "postal_code": "1751",
                                    "city": "Halden", "country": "NO"},
                "buyer_reference": "SSC", "currency": "NOK"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
    let id = draft(&app, &admin, &base, &member, "9500.00", "25").await;
    let r = issue(&app, &admin, &base, &id).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (str_of(&r.body, "vat"), str_of(&r.body, "total")),
        ("0.00", "19000.00")
    );
    assert!(r.body["exchange_rate"].is_null(), "{}", r.body);
    let xml = einvoice(&app, &admin, &base, &id).await;
    assert!(!xml.contains("TaxCurrencyCode"), "{xml}");
}

/// An invoice run leaves out an agreement whose taxed service in EUR has no rate for its
/// invoice date, in the dry run and in the run, naming `exchange_rate`; the run issues the
/// rest, and once the rate is entered a new run bills the agreement.
async fn a_run_leaves_out_vat_in_another_currency_without_a_rate(backend: Backend) {
    let app = spawn_app(backend).await;
    let (base, admin, mark) = navet_with_a_eur_member(&app).await;
    let mut boras = bollebygd();
    boras["name"] = json!("Borås Stad");
    boras["municipality_code"] = json!("1490");
    boras["org_number"] = json!("212000-1561");
    let r = app.post(&admin, &format!("{base}/members"), &boras).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let boras = str_of(&r.body, "id").to_owned();
    for (member, currency, code) in [(&mark, "EUR", "LABB-EUR"), (&boras, "SEK", "LABB")] {
        let r = app
            .post(
                &admin,
                &format!("{base}/price-lists/2027/items"),
                &json!({"code": code, "name_sv": "Labbdag", "unit": "day",
                        "unit_price": "1000.00", "currency": currency, "vat": "25"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        app.concluded_agreement(
            &admin,
            &base,
            &json!({
                "member_id": member, "currency": currency, "notice_months": 3,
                "pro_rata": "whole_months", "start_date": "2027-01-01", "end_date": "2027-12-31",
                "terms": {
                    "fixed": [{"id": "avgift", "model": {"model":
                        {"type": "flat", "currency": currency, "amount": "5000.00"}}}],
                    "variable": [{"fee_year": 2027, "item_code": code, "quantity": "2"}],
                    "billing": {"schedule": "annual", "variable": "advance", "invoice_day": 15}
                }
            }),
        )
        .await;
    }
    let run = json!({"from": "2027-01-01", "to": "2027-12-31"});
    for dry_run in [true, false] {
        let mut body = run.clone();
        body["dry_run"] = json!(dry_run);
        let r = app
            .post(&admin, &format!("{base}/invoice-runs"), &body)
            .await;
        assert!(r.status == 200 || r.status == 201, "{}", r.body);
        let skipped = r.body["skipped"].as_array().unwrap();
        assert_eq!(skipped.len(), 1, "{}", r.body);
        assert_eq!(str_of(&skipped[0], "member_id"), mark);
        let reason = str_of(&skipped[0], "reason");
        assert!(reason.contains("exchange_rate"), "{reason}");
        assert!(reason.contains("EUR"), "{reason}");
        let listed = if dry_run { "proposals" } else { "invoices" };
        let members: Vec<&str> = r.body[listed]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| str_of(p, "member_id"))
            .collect();
        // Borås's fee and its taxed service come as two invoices.
        assert_eq!(members, [boras.as_str(), boras.as_str()], "{}", r.body);
    }

    // The fee (outside the scope of VAT) and the service of 15 January: 2 × 1 000 EUR +
    // 25 % = 500 EUR VAT, at 11.45 SEK = 5 725.00 SEK.
    put_rate(&app, "SEK/EUR/2027-01-14", "11.45").await;
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &run)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(
        r.body["skipped"].as_array().unwrap().is_empty(),
        "{}",
        r.body
    );
    let invoices = r.body["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 2, "{}", r.body);
    let mut stated: Vec<(String, Value)> = invoices
        .iter()
        .map(|i| {
            (
                str_of(i, "vat").to_owned(),
                i["exchange_rate"]["vat_amount"].clone(),
            )
        })
        .collect();
    stated.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        stated,
        [
            ("0.00".to_owned(), json!("0.00")),
            ("500.00".to_owned(), json!("5725.00"))
        ]
    );
    // The numbers run on from Borås's two, without a gap.
    let r = app.get(&admin, &format!("{base}/invoices")).await;
    let mut numbers: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["number"].as_str())
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        [
            "NAV-2027-0001",
            "NAV-2027-0002",
            "NAV-2027-0003",
            "NAV-2027-0004"
        ]
    );
}

/// The table is shared data: anyone reads it, only the operator sets it, every bad value
/// is named, and a date set again is replaced.
async fn the_operator_keeps_the_exchange_rates(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, admin) = app.organisation_with_admin("Navet science center").await;
    let r = app
        .put(
            &app.operator,
            "/api/v1/exchange-rates/SEK/EUR/2027-03-01",
            &json!({"rate": "11,2300", "source": "Riksbanken"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"date": "2027-03-01", "rate": "11.23", "source": "Riksbanken"})
    );
    // An organisation's admin may read the table, not change it.
    let r = app
        .put(
            &admin,
            "/api/v1/exchange-rates/SEK/EUR/2027-03-02",
            &json!({"rate": "11.30", "source": "Riksbanken"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    for (path, body, fields) in [
        (
            "SEK/EUR/2027-03-02",
            json!({"rate": "0", "source": "Riksbanken"}),
            vec!["rate"],
        ),
        (
            "SEK/EUR/2027-03-02",
            json!({"rate": "-11.23", "source": "Riksbanken"}),
            vec!["rate"],
        ),
        (
            "SEK/EUR/2027-03-02",
            json!({"rate": "elva", "source": "Riksbanken"}),
            vec!["rate"],
        ),
        (
            "SEK/EUR/2027-03-02",
            json!({"rate": "1000.01", "source": "Riksbanken"}),
            vec!["rate"],
        ),
        (
            "SEK/EUR/2027-03-02",
            json!({"rate": "11.23", "source": " "}),
            vec!["source"],
        ),
        (
            "SEK/EUR/2027-02-30",
            json!({"rate": "11.23", "source": "Riksbanken"}),
            vec!["date"],
        ),
        (
            "SEK/USD/2027-03-02",
            json!({"rate": "11.23", "source": "Riksbanken"}),
            vec!["currency"],
        ),
        (
            "SEK/SEK/2027-03-02",
            json!({"rate": "1", "source": "Riksbanken"}),
            vec!["currency"],
        ),
        (
            "XYZ/EUR/2027-03-02",
            json!({"rate": "0", "source": "Riksbanken"}),
            vec!["quote", "rate"],
        ),
    ] {
        let r = app
            .put(
                &app.operator,
                &format!("/api/v1/exchange-rates/{path}"),
                &body,
            )
            .await;
        assert_eq!(r.status, 422, "{path} {body}: {}", r.body);
        assert_eq!(error_fields(&r.body), fields, "{path} {body}: {}", r.body);
    }
    // A number is not a decimal string.
    let r = app
        .put(
            &app.operator,
            "/api/v1/exchange-rates/SEK/EUR/2027-03-02",
            &json!({"rate": 11.23, "source": "Riksbanken"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["rate"], "{}", r.body);

    put_rate(&app, "SEK/EUR/2027-02-01", "11.10").await;
    put_rate(&app, "SEK/EUR/2027-04-01", "11.40").await;
    put_rate(&app, "SEK/NOK/2027-03-01", "0.98").await;
    // The same date again replaces its rate.
    put_rate(&app, "SEK/EUR/2027-04-01", "11.45").await;

    // Oldest first, a page at a time.
    let mut seen = Vec::new();
    let mut path = "/api/v1/exchange-rates/SEK/EUR?limit=2".to_owned();
    loop {
        let r = app.get(&admin, &path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for item in r.body["items"].as_array().unwrap() {
            seen.push((
                str_of(item, "date").to_owned(),
                str_of(item, "rate").to_owned(),
            ));
        }
        match r.body["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/exchange-rates/SEK/EUR?limit=2&cursor={cursor}");
            }
            None => break,
        }
    }
    let expected: Vec<(String, String)> = [
        ("2027-02-01", "11.1"),
        ("2027-03-01", "11.23"),
        ("2027-04-01", "11.45"),
    ]
    .iter()
    .map(|(d, r)| ((*d).to_owned(), (*r).to_owned()))
    .collect();
    assert_eq!(seen, expected);
    let r = app.get(&admin, "/api/v1/exchange-rates/SEK/NOK").await;
    assert_eq!(r.body["items"][0]["rate"], "0.98", "{}", r.body);
    let r = app.get(&admin, "/api/v1/exchange-rates/SEK/GBP").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["currency"], "{}", r.body);
}

crate::on_both_backends!(
    a_eur_invoice_and_its_credit_note_state_the_vat_in_sek,
    without_a_rate_vat_in_another_currency_is_not_issued,
    a_reverse_charged_nok_invoice_needs_no_rate,
    a_run_leaves_out_vat_in_another_currency_without_a_rate,
    the_operator_keeps_the_exchange_rates,
);
