//! Reminders the law allows, for a Swedish and a Norwegian debtor of one Swedish
//! organisation: the Swedish fee never beside the förseningsersättning, the Norwegian
//! purring after 14 days with 14 more to pay, a purregebyr capped by the year's
//! inkassosats and forsinkelsesrente at Norway's own half-yearly rate; a residue of a few
//! öre is never chased. Every amount below is computed by hand.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, bollebygd, spawn_app, str_of};

async fn put_as_operator(app: &TestApp, path: &str, body: Value) -> Value {
    let r = app.put(&app.operator, path, &body).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

/// A member with one accepted agreement from 1 January 2026 billed a flat yearly fee, and
/// its 2026 invoice issued on `invoice_date`; returns the invoice.
async fn billed_member(
    app: &TestApp,
    admin: &str,
    base: &str,
    member: Value,
    fee: (&str, &str),
    reminder_fee: Option<&str>,
    invoice_date: &str,
) -> Value {
    let r = app.post(admin, &format!("{base}/members"), &member).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member_id = str_of(&r.body, "id").to_owned();
    let (currency, amount) = fee;
    let r = app
        .post(
            admin,
            &format!("{base}/fee-models"),
            &json!({"fee_year": 2026, "name": format!("Avgift {}", str_of(&member, "name")),
                    "model": {"type": "flat", "currency": currency, "amount": amount},
                    "indexation": null}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let model = str_of(&r.body, "id").to_owned();
    let mut billing = json!({"schedule": "annual", "invoice_day": 1});
    if let Some(f) = reminder_fee {
        billing["reminder_fee"] = json!(f);
    }
    app.concluded_agreement(admin, base, &json!({
                "member_id": member_id, "currency": currency, "notice_months": 6, "pro_rata": "whole_months",
                "start_date": "2026-01-01", "end_date": "2026-12-31",
                "terms": {"fixed": [{"id": "avgift", "fee_model_id": model}], "billing": billing}
            })).await;
    let r = app
        .post(
            admin,
            &format!("{base}/invoice-runs"),
            &json!({"from": "2026-01-01", "to": "2026-12-31", "invoice_date": invoice_date}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let invoices = r.body["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 1, "{}", r.body);
    // A run's invoice names the organisation's contact as "Vår referens".
    if let Some(text) = pdf_of(app, admin, base, str_of(&invoices[0], "document_id")).await {
        assert!(
            text.contains("Vår referens Lisa Belfrage")
                || text.contains("Vår referanse Lisa Belfrage"),
            "{text}"
        );
    }
    invoices[0].clone()
}

async fn reminders(app: &TestApp, admin: &str, base: &str, body: Value) -> Vec<Value> {
    let r = app
        .post(admin, &format!("{base}/reminder-runs"), &body)
        .await;
    assert!(r.status == 200 || r.status == 201, "{}", r.body);
    r.body["reminders"].as_array().unwrap().clone()
}

/// (member, [(number, outstanding, interest, compensation)], fee, total)
fn summary(r: &Value) -> (String, Vec<[String; 4]>, String, String) {
    (
        str_of(r, "member_name").to_owned(),
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                ["number", "outstanding", "interest", "compensation"]
                    .map(|k| str_of(i, k).to_owned())
            })
            .collect(),
        str_of(r, "fee").to_owned(),
        str_of(r, "total").to_owned(),
    )
}

fn row(number: &str, outstanding: &str, interest: &str, compensation: &str) -> [String; 4] {
    [number, outstanding, interest, compensation].map(str::to_owned)
}

async fn pdf_of(app: &TestApp, admin: &str, base: &str, document_id: &str) -> Option<String> {
    let pdf = app
        .bytes(admin, &format!("{base}/documents/{document_id}/pdf"))
        .await;
    crate::documents::pdf_text(&pdf)
}

/// Sweden (lag 1981:739): Bollebygd's agreement allows a 60 kr påminnelseavgift. With the
/// 450 kr förseningsersättning charged, the fee is absorbed by it; without it, the fee is
/// charged. Ale has agreed no fee: none. Lerum paid all but 0,19 kr: nothing to chase.
async fn swedish_reminders_never_charge_the_fee_beside_the_compensation(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    put_as_operator(
        &app,
        "/api/v1/reference-rates/SE/2026-07-01",
        json!({"percent": "2.00"}),
    )
    .await;
    let bollebygd_invoice = billed_member(
        &app,
        &admin,
        &base,
        bollebygd(),
        ("SEK", "10000.00"),
        Some("60.00"),
        "2026-11-01",
    )
    .await;
    assert_eq!(str_of(&bollebygd_invoice, "due_date"), "2026-12-01");
    let mut ale = bollebygd();
    ale["name"] = json!("Ale kommun");
    ale["municipality_code"] = json!("1440");
    billed_member(
        &app,
        &admin,
        &base,
        ale,
        ("SEK", "5000.00"),
        None,
        "2026-11-01",
    )
    .await;
    let mut lerum = bollebygd();
    lerum["name"] = json!("Lerums kommun");
    lerum["municipality_code"] = json!("1441");
    let lerum_invoice = billed_member(
        &app,
        &admin,
        &base,
        lerum,
        ("SEK", "2000.19"),
        Some("60.00"),
        "2026-11-01",
    )
    .await;
    let r = app
        .send(
            app.client
                .post(app.url(&format!("{base}/payments")))
                .bearer_auth(&admin)
                .header("Idempotency-Key", "lerum")
                .json(&json!({"amount": "2000.00", "paid_on": "2026-11-20",
                              "reference": str_of(&lerum_invoice, "payment_reference")})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // 31 days late on 1 January 2027 at 2 + 8 %: 10 000 × 0.10 × 31 / 365 = 84.93; on
    // 5 000: 42.47. Lerum's 0,19 kr is below the 10 kr minimum.
    let with_compensation = reminders(
        &app,
        &admin,
        &base,
        json!({"date": "2027-01-01", "dry_run": true, "charge_compensation": true}),
    )
    .await;
    let got: Vec<_> = with_compensation.iter().map(summary).collect();
    assert_eq!(
        got,
        [
            (
                "Ale kommun".to_owned(),
                vec![row("NAV-2026-0002", "5000.00", "42.47", "450.00")],
                "0.00".to_owned(),
                "5492.47".to_owned()
            ),
            (
                "Bollebygds kommun".to_owned(),
                vec![row("NAV-2026-0001", "10000.00", "84.93", "450.00")],
                "0.00".to_owned(),
                "10534.93".to_owned()
            ),
        ]
    );
    // Without the compensation, the agreed fee is charged where it was agreed.
    let without = reminders(
        &app,
        &admin,
        &base,
        json!({"date": "2027-01-01", "dry_run": true, "charge_compensation": false}),
    )
    .await;
    let fees: Vec<(&str, &str, &str)> = without
        .iter()
        .map(|r| {
            (
                str_of(r, "member_name"),
                str_of(r, "fee"),
                str_of(r, "total"),
            )
        })
        .collect();
    assert_eq!(
        fees,
        [
            ("Ale kommun", "0.00", "5042.47"),
            ("Bollebygds kommun", "60.00", "10144.93")
        ]
    );

    // An organisation that wants every öre chased says so.
    let mut settings = app
        .get(&admin, &format!("{base}/invoicing-settings"))
        .await
        .body;
    assert_eq!(settings["reminder_minimum"], "10.00");
    settings["reminder_minimum"] = json!("0.10");
    let r = app
        .put(&admin, &format!("{base}/invoicing-settings"), &settings)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let all = reminders(
        &app,
        &admin,
        &base,
        json!({"date": "2027-01-01", "dry_run": true, "charge_compensation": false}),
    )
    .await;
    assert_eq!(all.len(), 3);
    assert_eq!(str_of(&all[2], "member_name"), "Lerums kommun");
    assert_eq!(str_of(&all[2]["items"][0], "outstanding"), "0.19");
    settings["reminder_minimum"] = json!("-1");
    let r = app
        .put(&admin, &format!("{base}/invoicing-settings"), &settings)
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(crate::helpers::error_fields(&r.body), ["reminder_minimum"]);

    // Sent: the reminder cites Swedish law and charges no fee beside the compensation.
    settings["reminder_minimum"] = json!("10.00");
    let r = app
        .put(&admin, &format!("{base}/invoicing-settings"), &settings)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sent = reminders(
        &app,
        &admin,
        &base,
        json!({"date": "2027-01-01", "charge_compensation": true}),
    )
    .await;
    assert_eq!(sent.len(), 2);
    if let Some(text) = pdf_of(&app, &admin, &base, str_of(&sent[1], "document_id")).await {
        for needle in [
            "Påminnelse",
            "Bollebygds kommun",
            "Förseningsersättning 450,00 kr",
            "enligt räntelagen",
            "påminnelseavgift tas inte ut för en faktura som bär förseningsersättning",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
        assert!(!text.contains("Påminnelseavgift 60"), "{text}");
    }

    // Bollebygd's account statement the next day: the invoice and the reminder's charges,
    // of which the invoice is overdue; stored as a PDF and emailed to its invoice address.
    let member_id = str_of(&bollebygd_invoice, "member_id");
    let r = app
        .post(
            &admin,
            &format!("{base}/members/{member_id}/statements"),
            &json!({"date": "2027-01-02", "send": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let statement = &r.body["statements"][0];
    assert_eq!(
        (
            str_of(statement, "currency"),
            statement["items"].as_i64(),
            str_of(statement, "balance"),
            str_of(statement, "overdue")
        ),
        ("SEK", Some(2), "10534.93", "10000.00")
    );
    assert_eq!(statement["message"]["kind"], "statement");
    assert_eq!(
        statement["message"]["recipients"],
        json!(["faktura@bollebygd.se"])
    );
    assert_eq!(
        statement["message"]["subject"],
        "Kontoutdrag från Navet science center"
    );
    if let Some(text) = pdf_of(&app, &admin, &base, str_of(statement, "document_id")).await {
        for needle in [
            "Kontoutdrag",
            "Bollebygds kommun",
            "NAV-2026-0001",
            "10 534,93",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
    }
    let r = app
        .post(
            &admin,
            &format!("{base}/members/{member_id}/statements"),
            &json!({"date": "2027-13-02"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(crate::helpers::error_fields(&r.body), ["date"]);
}

/// Norway: Halden kommune is billed 10 000 NOK, due 15 December 2026. Ten days late it
/// is not reminded (14 days at the earliest, whatever the organisation's setting); on
/// 10 January 2027 it is, with forsinkelsesrente at Norges Bank's policy rate + 8 across
/// the change of half-year, a purregebyr of at most a tenth of the inkassosats, no
/// förseningsersättning, 14 days to pay, in Norwegian citing Norwegian law.
async fn norwegian_reminders_follow_norwegian_law(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app
        .organisation_with_admin("Scandinavian Science Cluster")
        .await;
    let base = format!("/api/v1/organisations/{org}");
    // The Norwegian partners pay NOK to the project's Norwegian account.
    let r = app
        .patch(
            &admin,
            &base,
            &json!({"accounts": {"NOK": {"kontonummer": "8601.11.17947"}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The rate Finansdepartementet sets: 12.25 % from 1 July 2026, 12.00 % from 1 January.
    for (from, percent) in [("2026-07-01", "4.25"), ("2027-01-01", "4.00")] {
        put_as_operator(
            &app,
            &format!("/api/v1/reference-rates/NO/{from}"),
            json!({"percent": percent}),
        )
        .await;
    }
    let halden = json!({
        "kind": "municipality",
        "name": "Halden kommune",
        "country": "NO",
        "municipality_code": "3101",
        "org_number": "959159092",
        "billing_address": {"line1": "Postboks 150", "postal_code": "1751", "city": "Halden", "country": "NO"},
        "invoice_email": "faktura@halden.kommune.no",
        "buyer_reference": "SSC",
        "currency": "NOK",
        "population": {"count": 31935, "reference_date": "2025-01-01", "source": "SSB"}
    });
    let invoice = billed_member(
        &app,
        &admin,
        &base,
        halden,
        ("NOK", "10000.00"),
        Some("100.00"),
        "2026-11-15",
    )
    .await;
    assert_eq!(str_of(&invoice, "due_date"), "2026-12-15");

    let early = reminders(
        &app,
        &admin,
        &base,
        json!({"date": "2026-12-25", "dry_run": true, "charge_compensation": true}),
    )
    .await;
    assert!(early.is_empty(), "{early:?}");
    let day_14 = reminders(
        &app,
        &admin,
        &base,
        json!({"date": "2026-12-29", "dry_run": true, "charge_compensation": true}),
    )
    .await;
    assert_eq!(day_14.len(), 1);

    // 16 days of 2026 at 12.25 % and 10 of 2027 at 12.00 %, rounded once:
    // 10 000 × (0.1225 × 16 + 0.12 × 10) / 365 = 86.58. The purregebyr agreed at 100 kr is
    // capped at 70 kr, a tenth of the 700 kr inkassosats of 2025 that still stands.
    let r = reminders(
        &app,
        &admin,
        &base,
        json!({"date": "2027-01-10", "dry_run": true, "charge_compensation": true}),
    )
    .await;
    assert_eq!(
        summary(&r[0]),
        (
            "Halden kommune".to_owned(),
            vec![row(str_of(&invoice, "number"), "10000.00", "86.58", "0.00")],
            "70.00".to_owned(),
            "10156.58".to_owned()
        )
    );
    assert_eq!(r[0]["interest_percent"], "12");
    assert_eq!(r[0]["new_due_date"], "2027-01-24");

    // The inkassosats is data: a new year's rate, entered with its source, is used.
    put_as_operator(
        &app,
        "/api/v1/inkassosats/2027",
        json!({"amount": "750.00", "source": "Inkassoforskriften § 1-1 (test)"}),
    )
    .await;
    let table = app.get(&admin, "/api/v1/inkassosats").await.body;
    let years: Vec<i64> = table["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years.last(), Some(&2027));
    let sent = reminders(
        &app,
        &admin,
        &base,
        json!({"date": "2027-01-10", "charge_compensation": true}),
    )
    .await;
    assert_eq!(str_of(&sent[0], "fee"), "75.00");
    if let Some(text) = pdf_of(&app, &admin, &base, str_of(&sent[0], "document_id")).await {
        for needle in [
            "Purring",
            "Halden kommune",
            "Purregebyr",
            "75,00",
            "etter forsinkelsesrenteloven",
            "minst 14 dager",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
        assert!(!text.contains("räntelagen"), "{text}");
        assert!(!text.contains("Forsinkelseserstatning"), "{text}");
    }
}

crate::on_both_backends!(
    swedish_reminders_never_charge_the_fee_beside_the_compensation,
    norwegian_reminders_follow_norwegian_law,
);
