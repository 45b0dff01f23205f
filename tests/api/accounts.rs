//! Accounts per currency: a Swedish body that bills Norwegian members in NOK and partners
//! in EUR is paid to the account of each invoice's currency — in the PDF, its QR code and
//! the e-invoice — and an invoice in a currency without an account is not issued.

use std::process::Command;

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

async fn bytes(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.bytes().await.unwrap().to_vec()
}

/// The QR codes on a PDF's first page, as `zbarimg` reads them; `None` where poppler-utils
/// or zbar are missing (never in CI).
fn qr_codes(pdf: &[u8]) -> Option<Vec<String>> {
    let present = |tool: &str| {
        Command::new(tool)
            .arg("-h")
            .output()
            .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
    };
    if !present("pdftoppm") || !present("zbarimg") {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdftoppm and zbarimg must be installed in CI"
        );
        eprintln!("pdftoppm or zbarimg missing: QR code not checked");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let prefix = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "150", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .unwrap();
    // Exit status 4 is "no code found".
    let out = Command::new("zbarimg")
        .args([
            "--quiet",
            "--raw",
            "-Sdisable",
            "-Sqrcode.enable",
            "-Sbinary",
        ])
        .arg(&png)
        .output()
        .unwrap();
    let raw = String::from_utf8(out.stdout).unwrap();
    Some(if raw.trim().is_empty() {
        Vec::new()
    } else {
        vec![raw.trim_end_matches('\n').to_owned()]
    })
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

async fn member(app: &TestApp, admin: &str, base: &str, body: Value) -> String {
    let r = app.post(admin, &format!("{base}/members"), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    str_of(&r.body, "id").to_owned()
}

/// Halden, a Norwegian municipality billed in NOK in Norwegian.
fn halden() -> Value {
    json!({
        "kind": "municipality", "name": "Halden kommune", "country": "NO",
        "municipality_code": "3101", "org_number": "940039541",
        "billing_address": {"line1": "Postboks 150", "postal_code": "1751", "city": "Halden", "country": "NO"},
        "invoice_email": "faktura@halden.kommune.no", "buyer_reference": "SSC",
        "population": {"count": 31_444, "reference_date": "2026-01-01", "source": "SSB"}
    })
}

async fn draft(app: &TestApp, admin: &str, base: &str, member: &str, price: &str) -> String {
    let r = app
        .post(
            admin,
            &format!("{base}/invoices"),
            &json!({
                "member_id": member, "period_start": "2027-03-01", "period_end": "2027-03-31",
                "lines": [{"description": "Workshop", "quantity": "2", "unit": "dag",
                           "unit_price": price, "vat": "25"}]
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

async fn accounts_per_currency_are_checked_stored_and_returned(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let path = format!("/api/v1/organisations/{org}");

    // Every bad value is named by its place in the request.
    let r = app
        .patch(
            &admin,
            &path,
            &json!({"accounts": {
                "NOK": {"kontonummer": "1234.56.78904"},
                "EUR": {"kontonummer": "1234.56.78903", "iban": "DE89 3704 0044 0532 0130 00"},
                "USD": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
                "SEK": {}
            }}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.headers["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    assert_eq!(
        error_fields(&r.body),
        [
            "accounts.EUR.kontonummer",
            "accounts.EUR.bic",
            "accounts.NOK.kontonummer",
            "accounts.SEK",
            "accounts.USD",
        ],
        "{}",
        r.body
    );
    let codes: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(e, "code"))
        .collect();
    assert_eq!(
        codes,
        [
            "only_for_currency",
            "required",
            "check_digit",
            "required",
            "one_of"
        ]
    );

    let r = app
        .patch(
            &admin,
            &path,
            &json!({"accounts": {
                "NOK": {"kontonummer": "1234 56 78903"},
                "EUR": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "cobadeffxxx"}
            }}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.get(&admin, &path).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The SEK accounts stay where they were.
    assert_eq!(r.body["bankgiro"], "5050-1055");
    assert_eq!(
        r.body["accounts"],
        json!({
            "EUR": {"kontonummer": null, "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
            "NOK": {"kontonummer": "1234.56.78903", "iban": null, "bic": null}
        })
    );

    // A merge patch drops one currency and leaves the other.
    let r = app
        .patch(&admin, &path, &json!({"accounts": {"EUR": null}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["accounts"],
        json!({"NOK": {"kontonummer": "1234.56.78903", "iban": null, "bic": null}})
    );
}

async fn each_invoice_is_paid_to_the_account_of_its_currency(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let halden = member(&app, &admin, &base, halden()).await;
    let mut boras = bollebygd();
    boras["name"] = json!("Borås Stad");
    boras["municipality_code"] = json!("1490");
    boras["org_number"] = json!("212000-1561");
    let boras = member(&app, &admin, &base, boras).await;
    let mut partner = bollebygd();
    partner["name"] = json!("Mark kommun");
    partner["municipality_code"] = json!("1463");
    partner["org_number"] = json!("212001-4630");
    partner["currency"] = json!("EUR");
    partner["language"] = json!("en");
    let partner = member(&app, &admin, &base, partner).await;

    // Navet has a bankgiro only: an NOK invoice is refused before it takes a number.
    let nok = draft(&app, &admin, &base, &halden, "4500.00").await;
    let r = issue(&app, &admin, &base, &nok).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.headers["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    assert_eq!(error_fields(&r.body), ["accounts.NOK"], "{}", r.body);
    assert_eq!(r.body["errors"][0]["code"], "no_account");
    let r = app.get(&admin, &format!("{base}/invoices/{nok}")).await;
    assert_eq!(r.body["status"], "draft", "{}", r.body);
    assert!(r.body["number"].is_null(), "{}", r.body);

    // The SEK invoice issued next takes the first number: none was used up.
    let sek = draft(&app, &admin, &base, &boras, "1000.00").await;
    let r = issue(&app, &admin, &base, &sek).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["number"], "NAV-2027-0001");
    let sek_doc = str_of(&r.body, "document_id").to_owned();
    let sek_reference = str_of(&r.body, "payment_reference").to_owned();

    let r = app
        .patch(
            &admin,
            &base,
            &json!({"accounts": {
                "NOK": {"kontonummer": "1234.56.78903"},
                "EUR": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}
            }}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // NOK: the kontonummer in the Norwegian PDF and the e-invoice, no Swedish QR code.
    let r = issue(&app, &admin, &base, &nok).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["number"], "NAV-2027-0002");
    let nok_reference = str_of(&r.body, "payment_reference").to_owned();
    let pdf = bytes(
        &app,
        &admin,
        &format!("{base}/documents/{}/pdf", str_of(&r.body, "document_id")),
    )
    .await;
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("Kontonummer 1234.56.78903"), "{text}");
        assert!(!text.contains("5050-1055"), "{text}");
        assert!(!text.contains("DE89"), "{text}");
    }
    if let Some(codes) = qr_codes(&pdf) {
        assert!(codes.is_empty(), "{codes:?}");
    }
    let xml =
        String::from_utf8(bytes(&app, &admin, &format!("{base}/invoices/{nok}/e-invoice")).await)
            .unwrap();
    assert_eq!(
        text_at(&xml, &["PaymentMeans", "PaymentMeansCode"]).as_deref(),
        Some("30")
    );
    assert_eq!(
        text_at(&xml, &["PaymentMeans", "PayeeFinancialAccount", "ID"]).as_deref(),
        Some("12345678903")
    );
    assert_eq!(
        text_at(&xml, &["PaymentMeans", "PaymentID"]).as_deref(),
        Some(nok_reference.as_str())
    );
    assert!(!xml.contains("SE:BANKGIRO"), "{xml}");
    valid_without_warnings("nok", &xml);

    // EUR: an EPC QR code with the IBAN and the amount, SEPA credit transfer in the
    // e-invoice. Its Swedish VAT is stated in SEK too, at a rate the operator entered.
    let r = app
        .put(
            &app.operator,
            "/api/v1/exchange-rates/SEK/EUR/2027-03-31",
            &json!({"rate": "11.2345", "source": "Riksbanken"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let eur = draft(&app, &admin, &base, &partner, "1234.25").await;
    let r = issue(&app, &admin, &base, &eur).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // 2 × 1 234.25 + 25 %.
    assert_eq!(r.body["total"], "3085.63");
    let eur_reference = str_of(&r.body, "payment_reference").to_owned();
    let pdf = bytes(
        &app,
        &admin,
        &format!("{base}/documents/{}/pdf", str_of(&r.body, "document_id")),
    )
    .await;
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("DE89 3704 0044 0532 0130 00"), "{text}");
        assert!(text.contains("COBADEFFXXX"), "{text}");
        assert!(!text.contains("5050-1055"), "{text}");
    }
    if let Some(codes) = qr_codes(&pdf) {
        assert_eq!(codes.len(), 1, "{codes:?}");
        let lines: Vec<&str> = codes[0].lines().collect();
        assert_eq!(
            lines[..8],
            [
                "BCD",
                "002",
                "1",
                "SCT",
                "COBADEFFXXX",
                "Boråsregionen Sjuhärads kommunalförbund",
                "DE89370400440532013000",
                "EUR3085.63"
            ],
            "{codes:?}"
        );
        assert_eq!(lines.last(), Some(&eur_reference.as_str()), "{codes:?}");
    }
    let xml =
        String::from_utf8(bytes(&app, &admin, &format!("{base}/invoices/{eur}/e-invoice")).await)
            .unwrap();
    assert_eq!(
        text_at(&xml, &["PaymentMeans", "PaymentMeansCode"]).as_deref(),
        Some("58")
    );
    assert_eq!(
        text_at(&xml, &["PaymentMeans", "PayeeFinancialAccount", "ID"]).as_deref(),
        Some("DE89370400440532013000")
    );
    assert_eq!(
        text_at(&xml, &["PaymentMeans", "PaymentID"]).as_deref(),
        Some(eur_reference.as_str())
    );
    valid_without_warnings("eur", &xml);

    // SEK keeps its bankgiro, in the UsingQR code too.
    let pdf = bytes(&app, &admin, &format!("{base}/documents/{sek_doc}/pdf")).await;
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("Bankgiro 5050-1055"), "{text}");
        assert!(!text.contains("1234.56.78903"), "{text}");
    }
    if let Some(codes) = qr_codes(&pdf) {
        assert_eq!(codes.len(), 1, "{codes:?}");
        let qr: Value = serde_json::from_str(&codes[0]).unwrap();
        assert_eq!((&qr["pt"], &qr["acc"]), (&json!("BG"), &json!("5050-1055")));
        assert_eq!(
            (&qr["cur"], &qr["iref"]),
            (&json!("SEK"), &json!(sek_reference))
        );
    }
    let xml =
        String::from_utf8(bytes(&app, &admin, &format!("{base}/invoices/{sek}/e-invoice")).await)
            .unwrap();
    assert_eq!(
        text_at(
            &xml,
            &[
                "PaymentMeans",
                "PayeeFinancialAccount",
                "FinancialInstitutionBranch",
                "ID"
            ]
        )
        .as_deref(),
        Some("SE:BANKGIRO")
    );
    valid_without_warnings("sek", &xml);
}

/// An invoice run leaves out an agreement in a currency without an account, saying why, in
/// the dry run and in the run; the run issues the rest.
async fn a_run_leaves_out_a_currency_without_an_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let halden = member(&app, &admin, &base, halden()).await;
    let mut boras = bollebygd();
    boras["name"] = json!("Borås Stad");
    boras["municipality_code"] = json!("1490");
    boras["org_number"] = json!("212000-1561");
    let boras = member(&app, &admin, &base, boras).await;
    for (member, currency) in [(&halden, "NOK"), (&boras, "SEK")] {
        let r = app
            .post(
                &admin,
                &format!("{base}/fee-models"),
                &json!({"fee_year": 2027, "name": format!("Medlemsavgift {currency}"), "indexation": null,
                        "model": {"type": "flat", "currency": currency, "amount": "10000.00"}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let model = str_of(&r.body, "id").to_owned();
        let r = app
            .post(
                &admin,
                &format!("{base}/agreements"),
                &json!({
                    "member_id": member, "pro_rata": "whole_months", "notice_months": 6,
                    "start_date": "2027-01-01", "end_date": "2027-12-31",
                    "terms": {"fixed": [{"id": "avgift", "fee_model_id": model}],
                              "billing": {"schedule": "annual", "variable": "arrears", "invoice_day": 15}}
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let a = format!("{base}/agreements/{}", str_of(&r.body, "id"));
        for to in [
            json!({"to": "offered"}),
            json!({"to": "accepted", "date": "2026-12-01", "signed_by": "Kommunstyrelsen", "decision_reference": "KS 2026/1"}),
            json!({"to": "active"}),
        ] {
            let r = app.post(&admin, &format!("{a}/transitions"), &to).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }

    let skipped = |body: &Value| -> Vec<(String, String)> {
        body["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    str_of(s, "member_id").to_owned(),
                    str_of(s, "reason").to_owned(),
                )
            })
            .collect()
    };
    for dry_run in [true, false] {
        let r = app
            .post(
                &admin,
                &format!("{base}/invoice-runs"),
                &json!({"from": "2027-01-01", "to": "2027-12-31", "dry_run": dry_run}),
            )
            .await;
        assert!(r.status == 200 || r.status == 201, "{}", r.body);
        let skipped = skipped(&r.body);
        assert_eq!(skipped.len(), 1, "{}", r.body);
        assert_eq!(skipped[0].0, halden);
        assert!(skipped[0].1.contains("accounts.NOK"), "{}", r.body);
        let listed = if dry_run { "proposals" } else { "invoices" };
        let members: Vec<&str> = r.body[listed]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| str_of(p, "member_id"))
            .collect();
        assert_eq!(members, [boras.as_str()], "{}", r.body);
    }
    // The one invoice issued took the first number.
    let r = app.get(&admin, &format!("{base}/invoices")).await;
    let numbers: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["number"].as_str())
        .collect();
    assert_eq!(numbers, ["NAV-2027-0001"], "{}", r.body);
}

crate::on_both_backends!(
    accounts_per_currency_are_checked_stored_and_returned,
    each_invoice_is_paid_to_the_account_of_its_currency,
    a_run_leaves_out_a_currency_without_an_account,
);
