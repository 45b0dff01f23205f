use std::collections::BTreeSet;

use diesel::connection::SimpleConnection;

use avtal::domain::OcrReference;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, bgmax_record, bollebygd, spawn_app, str_of};
use crate::peppol;

/// A well-formed organisationsnummer of a municipality's own (21200 + its code + the Luhn
/// digit), so that its e-invoices carry the buyer's Peppol address.
fn org_number(code: &str) -> String {
    let base = format!("21200{code}");
    let sum: u32 = base
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                d
            }
        })
        .sum();
    format!("{}-{}{}", &base[..6], &base[6..], (10 - sum % 10) % 10)
}

async fn member(
    app: &TestApp,
    admin: &str,
    org: &str,
    name: &str,
    code: &str,
    people: i64,
) -> String {
    let mut body = bollebygd();
    body["name"] = json!(name);
    body["municipality_code"] = json!(code);
    body["org_number"] = json!(org_number(code));
    body["population"]["count"] = json!(people);
    let r = app
        .post(
            admin,
            &format!("/api/v1/organisations/{org}/members"),
            &body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    str_of(&r.body, "id").to_owned()
}

/// The terms of an agreement billed once a year from one fee model.
fn annual(model: &str) -> Value {
    json!({
        "fixed": [{"id": "kostnader", "fee_model_id": model}],
        "billing": {"schedule": "annual", "variable": "arrears", "invoice_day": 15}
    })
}

/// An agreement for 2027 on these terms, offered, accepted and active; its path.
async fn active_agreement(
    app: &TestApp,
    admin: &str,
    base: &str,
    member: &str,
    terms: Value,
) -> String {
    let r = app
        .post(
            admin,
            &format!("{base}/agreements"),
            &json!({
                "member_id": member, "pro_rata": "whole_months", "notice_months": 6,
                "start_date": "2027-01-01", "end_date": "2027-12-31", "terms": terms
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let a = format!("{base}/agreements/{}", str_of(&r.body, "id"));
    for to in [
        json!({"to": "offered"}),
        json!({"to": "accepted", "date": "2026-12-01", "signed_by": "Kommundirektören", "decision_reference": "KS 2026/1"}),
        json!({"to": "active"}),
    ] {
        let r = app.post(admin, &format!("{a}/transitions"), &to).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    a
}

async fn draft(app: &TestApp, admin: &str, org: &str, member: &str, price: &str) -> String {
    let r = app
        .post(
            admin,
            &format!("/api/v1/organisations/{org}/invoices"),
            &json!({
                "member_id": member,
                "period_start": "2027-03-01",
                "period_end": "2027-03-31",
                "our_reference": "Lisa Belfrage",
                "lines": [
                    {"description": "Fortbildningsdag NO-lärare", "quantity": "2", "unit": "dag",
                     "unit_price": price, "vat": "25"},
                    {"description": "Kursmaterial", "quantity": "1", "unit_price": "800.00", "vat": "25"}
                ]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "draft");
    str_of(&r.body, "id").to_owned()
}

fn sequence(number: &str) -> i64 {
    number.rsplit('-').next().unwrap().parse().unwrap()
}

/// 50 issue requests at once over two series (invoices and credit notes): each series
/// numbered 1, 2, 3 … with no gap and no duplicate, also after a transaction that took a
/// number and rolled back.
async fn numbers_have_no_gaps_under_concurrent_issuing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let m = member(&app, &admin, &org, "Bollebygds kommun", "1443", 9784).await;

    // 25 invoices issued one after another, to be credited below.
    let mut issued = Vec::new();
    for _ in 0..25 {
        let id = draft(&app, &admin, &org, &m, "12000.00").await;
        let r = app
            .post(
                &admin,
                &format!("{base}/invoices/{id}/issue"),
                &json!({"date": "2027-03-05"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        issued.push(id);
    }
    // A transaction that takes the next number and then fails gives it back.
    {
        let mut conn = app.pool().get().unwrap();
        let failed: Result<(), avtal::error::Error> = avtal::storage::write(&mut conn, |c| {
            let n = avtal::storage::invoicing::next_number(c, &org, "NAV", 2027)?;
            assert_eq!(n, 26);
            Err(avtal::error::Error::Conflict { field: None })
        });
        assert!(failed.is_err());
    }
    let mut drafts = Vec::new();
    for _ in 0..25 {
        drafts.push(draft(&app, &admin, &org, &m, "8000.00").await);
    }
    let (app, admin, base) = (&app, &admin, &base);
    let issue = drafts.iter().map(|id| async move {
        let body = json!({"date": "2027-03-06"});
        app.post(admin, &format!("{base}/invoices/{id}/issue"), &body)
            .await
    });
    let credit = issued.iter().map(|id| async move {
        let body = json!({"date": "2027-03-06", "lines": [
            {"description": "Fortbildningsdag inställd", "quantity": "1", "unit": "dag",
             "unit_price": "12000.00", "vat": "25"}
        ]});
        app.post(admin, &format!("{base}/invoices/{id}/credit-notes"), &body)
            .await
    });
    let (issued_now, credited) = tokio::join!(join_all(issue), join_all(credit));
    let mut invoice_numbers = BTreeSet::new();
    for r in &issued_now {
        assert_eq!(r.status, 200, "{}", r.body);
        invoice_numbers.insert(sequence(str_of(&r.body, "number")));
        assert!(str_of(&r.body, "number").starts_with("NAV-2027-"));
    }
    let mut credit_numbers = BTreeSet::new();
    for r in &credited {
        assert_eq!(r.status, 201, "{}", r.body);
        assert!(
            str_of(&r.body, "number").starts_with("NAV-K-2027-"),
            "{}",
            r.body
        );
        credit_numbers.insert(sequence(str_of(&r.body, "number")));
        assert_eq!(r.body["total"], "-15000.00");
    }
    assert_eq!(invoice_numbers, (26..=50).collect::<BTreeSet<_>>());
    assert_eq!(credit_numbers, (1..=25).collect::<BTreeSet<_>>());

    // Every number once over the whole series, and every OCR number passes its check.
    let r = app.get(admin, &format!("{base}/invoices")).await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 75);
    let numbers: BTreeSet<&str> = items.iter().map(|i| str_of(i, "number")).collect();
    assert_eq!(numbers.len(), 75);
    for i in items.iter().filter(|i| i["kind"] == "invoice") {
        let ocr = str_of(i, "payment_reference");
        assert!(OcrReference::parse(ocr).is_ok(), "{ocr}");
        assert_eq!(
            ocr.len(),
            12,
            "year, sequence, length digit and check digit"
        );
    }
    // A credited invoice shows the credit in its balance: 2 × 12 000 + 25 % VAT + 1 000
    // = 31 000, less 15 000.
    let r = app
        .get(admin, &format!("{base}/invoices/{}", issued[0]))
        .await;
    assert_eq!(
        (r.body["credited"].as_str(), r.body["outstanding"].as_str()),
        (Some("15000.00"), Some("16000.00"))
    );
    // Issued invoices never change.
    let r = app
        .post(
            admin,
            &format!("{base}/invoices/{}/issue", issued[0]),
            &json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("already_issued"))
    );
    let r = app
        .delete(admin, &format!("{base}/invoices/{}", issued[0]))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
}

/// 20 requests with the same Idempotency-Key at once make one payment: each gets the
/// payment or, while the first is still running, 409; a retry afterwards gets the first
/// answer again. The key with another body is refused.
async fn one_payment_per_idempotency_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let m = member(&app, &admin, &org, "Bollebygds kommun", "1443", 9784).await;
    let id = draft(&app, &admin, &org, &m, "12000.00").await;
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{id}/issue"),
            &json!({"date": "2027-03-05"}),
        )
        .await;
    let ocr = str_of(&r.body, "payment_reference").to_owned();
    let body = json!({"amount": "31000.00", "paid_on": "2027-04-01", "reference": ocr, "payer": "Bollebygds kommun"});
    let send = |key: &'static str, body: Value| {
        app.send(
            app.client
                .post(app.url(&format!("{base}/payments")))
                .bearer_auth(&admin)
                .header("Idempotency-Key", key)
                .json(&body),
        )
    };
    let replies = join_all((0..20).map(|_| send("pay-2027-04-01-1", body.clone()))).await;
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    for r in &replies {
        match r.status {
            201 => {
                ids.insert(str_of(&r.body, "id"));
            }
            409 => assert_eq!(r.body["code"], "request_in_flight", "{}", r.body),
            _ => panic!("{} {}", r.status, r.body),
        }
    }
    assert_eq!(ids.len(), 1);
    let again = send("pay-2027-04-01-1", body.clone()).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(
        again.body,
        replies.iter().find(|r| r.status == 201).unwrap().body
    );
    let r = app.get(&admin, &format!("{base}/payments")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    // Matched by OCR to the invoice, which is now paid.
    assert_eq!(again.body["status"], "allocated");
    let r = app.get(&admin, &format!("{base}/invoices/{id}")).await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["outstanding"].as_str()),
        (Some("paid"), Some("0.00"))
    );

    let mut other = body.clone();
    other["amount"] = json!("1.00");
    let r = send("pay-2027-04-01-1", other).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(crate::helpers::error_fields(&r.body), ["Idempotency-Key"]);
    let r = app.post(&admin, &format!("{base}/payments"), &body).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(crate::helpers::error_fields(&r.body), ["Idempotency-Key"]);
}

async fn status(app: &TestApp, admin: &str, base: &str, invoice: &Value) -> (String, String) {
    let r = app
        .get(admin, &format!("{base}/invoices/{}", str_of(invoice, "id")))
        .await;
    (
        str_of(&r.body, "status").to_owned(),
        str_of(&r.body, "outstanding").to_owned(),
    )
}

async fn pay(app: &TestApp, admin: &str, base: &str, key: &str, body: Value) -> Value {
    let r = app
        .send(
            app.client
                .post(app.url(&format!("{base}/payments")))
                .bearer_auth(admin)
                .header("Idempotency-Key", key)
                .json(&body),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// Navet's year: four member municipalities, a fee per inhabitant billed quarterly, a
/// school programme billed in arrears. A dry run, the first quarter issued, a second run
/// that bills nothing twice, usage billed after its quarter, a credit note, payments
/// (exact, partial, overpaid, unmatched then allocated), with every balance and status.
async fn navet_invoices_a_year_and_follows_the_payments(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(
            &admin,
            &format!("{base}/fee-models"),
            &json!({"fee_year": 2027, "name": "Medlemsavgift per invånare",
                    "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28.50"},
                    "indexation": null}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let model = str_of(&r.body, "id").to_owned();
    let r = app
        .post(
            &admin,
            &format!("{base}/price-lists/2027/items"),
            &json!({"code": "SKOLPROG", "name_sv": "Skolprogram Kemi åk 4–6", "unit": "class",
                    "unit_price": "3500.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let towns = [
        ("Bollebygds kommun", "1443", 9784),
        ("Borås stad", "1490", 115_238),
        ("Marks kommun", "1463", 35_000),
        ("Ulricehamns kommun", "1491", 25_000),
    ];
    let mut agreements = Vec::new();
    for (name, code, people) in towns {
        let m = member(&app, &admin, &org, name, code, people).await;
        let terms = json!({
            "fixed": [{"id": "avgift", "fee_model_id": model}],
            "billing": {"schedule": "quarterly", "variable": "arrears", "invoice_day": 15,
                        "reminder_fee": "60.00"}
        });
        let a = active_agreement(&app, &admin, &base, &m, terms).await;
        agreements.push((name, m, a));
    }

    // Dry run of the first quarter: four invoices, a quarter of 28.50 kr per inhabitant
    // each, and nothing stored.
    let q1 = json!({"from": "2027-01-01", "to": "2027-03-31", "dry_run": true});
    let r = app.post(&admin, &format!("{base}/invoice-runs"), &q1).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let proposals = r.body["proposals"].as_array().unwrap();
    let totals: Vec<(&str, &str)> = proposals
        .iter()
        .map(|p| (str_of(p, "member_name"), str_of(p, "total")))
        .collect();
    // 9 784 × 28.50 = 278 844.00 / 4; 115 238 × 28.50 = 3 284 283.00 / 4 = 821 070.75.
    assert_eq!(
        totals,
        [
            ("Bollebygds kommun", "69711.00"),
            ("Borås stad", "821070.75"),
            ("Marks kommun", "249375.00"),
            ("Ulricehamns kommun", "178125.00"),
        ]
    );
    assert_eq!(proposals[0]["invoice_date"], "2027-01-15");
    // Each member has what an invoice to it needs.
    for p in proposals {
        assert_eq!(p["gaps"], json!([]), "{p}");
    }
    assert_eq!(
        app.get(&admin, &format!("{base}/invoices")).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Issued; running the quarter again bills nothing twice.
    let mut issue = q1.clone();
    issue["dry_run"] = json!(false);
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &issue)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let invoices = r.body["invoices"].as_array().unwrap().clone();
    assert_eq!(invoices.len(), 4);
    let numbers: Vec<&str> = invoices.iter().map(|i| str_of(i, "number")).collect();
    assert_eq!(
        numbers,
        [
            "NAV-2027-0001",
            "NAV-2027-0002",
            "NAV-2027-0003",
            "NAV-2027-0004"
        ]
    );
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &issue)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["invoices"].as_array().unwrap().len(),
        0,
        "{}",
        r.body
    );

    // The PDF carries what the law asks for, and the OCR number passes its check.
    let boras = &invoices[1];
    let ocr = str_of(boras, "payment_reference");
    assert!(OcrReference::parse(ocr).is_ok());
    let pdf = app
        .client
        .get(app.url(&format!(
            "{base}/documents/{}/pdf",
            str_of(boras, "document_id")
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        for needle in [
            "Faktura",
            "NAV-2027-0002",
            "2027-01-15",
            "2027-02-14",
            "SE222000132101",
            "Godkänd för F-skatt",
            "Borås stad",
            "821 070,75",
            ocr,
            "5050-1055",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
    }

    // Usage in the first quarter is billed in arrears with the second quarter.
    let (_, _, bollebygd) = &agreements[0];
    let r = app
        .post(
            &admin,
            &format!("{bollebygd}/usage"),
            &json!({"used_on": "2027-02-10", "item_code": "SKOLPROG", "quantity": "2"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let q2 = json!({"from": "2027-04-01", "to": "2027-06-30"});
    let r = app.post(&admin, &format!("{base}/invoice-runs"), &q2).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let q2_invoices = r.body["invoices"].as_array().unwrap();
    // Bollebygd gets one invoice for the first quarter's school programmes (2 × 3 500.00
    // + 25 % VAT = 8 750.00, delivered January–March) and one for the second quarter's
    // membership fee (69 711.00, outside the scope of VAT), both dated on the plan's 15th;
    // the earlier period first. Every e-invoice of the run is valid.
    assert_eq!(q2_invoices.len(), 5);
    let bollebygd_q2: Vec<(&str, &str, &str, &str, &str, &str)> = q2_invoices[..2]
        .iter()
        .map(|i| {
            (
                str_of(i, "member_id"),
                str_of(i, "total"),
                str_of(i, "vat"),
                str_of(i, "invoice_date"),
                str_of(i, "period_start"),
                str_of(i, "period_end"),
            )
        })
        .collect();
    let bollebygd_id = str_of(&invoices[0], "member_id");
    assert_eq!(
        bollebygd_q2,
        [
            (
                bollebygd_id,
                "8750.00",
                "1750.00",
                "2027-04-15",
                "2027-01-01",
                "2027-03-31"
            ),
            (
                bollebygd_id,
                "69711.00",
                "0.00",
                "2027-04-15",
                "2027-04-01",
                "2027-06-30"
            )
        ]
    );
    if peppol::available().is_some() {
        let mut xml = Vec::new();
        for i in q2_invoices {
            let r = app
                .client
                .get(app.url(&format!("{base}/invoices/{}/e-invoice", str_of(i, "id"))))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            xml.push((str_of(i, "number"), r.bytes().await.unwrap().to_vec()));
        }
        for (number, fatal) in peppol::validate(&xml) {
            assert!(fatal.is_empty(), "{number}: {fatal:#?}");
        }
    }

    // A credit note of part of Ulricehamn's first invoice lowers its balance.
    let ulricehamn = &invoices[3];
    let r = app
        .post(&admin, &format!("{base}/invoices/{}/credit-notes", str_of(ulricehamn, "id")),
              &json!({"date": "2027-01-20", "lines": [
                  {"description": "Rättelse invånarantal", "quantity": "1", "unit_price": "28500.00"}]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.body["number"].as_str(), r.body["total"].as_str()),
        (Some("NAV-K-2027-0001"), Some("-28500.00"))
    );

    // Payments: Bollebygd exactly, Borås in part, Marks too much, Ulricehamn without a
    // reference (unmatched, then allocated by hand).
    let reference = |i: &Value| str_of(i, "payment_reference").to_owned();
    let p = pay(&app, &admin, &base, "k1", json!({"amount": "69711.00", "paid_on": "2027-02-10", "reference": reference(&invoices[0])})).await;
    assert_eq!(p["status"], "allocated");
    let p = pay(&app, &admin, &base, "k2", json!({"amount": "500000.00", "paid_on": "2027-02-12", "reference": reference(&invoices[1])})).await;
    assert_eq!(p["status"], "allocated");
    let p = pay(&app, &admin, &base, "k3", json!({"amount": "250000.00", "paid_on": "2027-02-13", "reference": reference(&invoices[2])})).await;
    assert_eq!(
        (p["status"].as_str(), p["unallocated"].as_str()),
        (Some("on_account"), Some("625.00"))
    );
    let unmatched = pay(
        &app,
        &admin,
        &base,
        "k4",
        json!({"amount": "149625.00", "paid_on": "2027-02-14", "payer": "Ulricehamns kommun"}),
    )
    .await;
    assert_eq!(unmatched["status"], "unmatched");
    let r = app
        .get(&admin, &format!("{base}/payments?status=unmatched"))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = app
        .post(&admin, &format!("{base}/payments/{}/allocations", str_of(&unmatched, "id")),
              &json!({"allocations": [{"invoice_id": str_of(ulricehamn, "id"), "amount": "149625.00"}]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "allocated");
    // Too much for an invoice is refused, naming the field.
    let r = app
        .post(
            &admin,
            &format!("{base}/payments/{}/allocations", str_of(&unmatched, "id")),
            &json!({"allocations": [{"invoice_id": str_of(ulricehamn, "id"), "amount": "1.00"}]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Every status and balance (the due dates lie ahead, so nothing is overdue yet).
    assert_eq!(
        status(&app, &admin, &base, &invoices[0]).await,
        ("paid".to_owned(), "0.00".to_owned())
    );
    assert_eq!(
        status(&app, &admin, &base, &invoices[1]).await,
        ("partially_paid".to_owned(), "321070.75".to_owned())
    );
    assert_eq!(
        status(&app, &admin, &base, &invoices[2]).await,
        ("paid".to_owned(), "0.00".to_owned())
    );
    assert_eq!(
        status(&app, &admin, &base, &invoices[3]).await,
        ("paid".to_owned(), "0.00".to_owned())
    );

    // Marks' credit balance goes to its next invoice.
    let marks_q2 = &q2_invoices[3];
    // Before it does, Marks' statement lists the 625.00 on account beside its open
    // second-quarter invoice, and the balance is what is left to pay.
    let marks_id = str_of(marks_q2, "member_id");
    assert_eq!(marks_id, str_of(&invoices[2], "member_id"));
    let r = app
        .post(
            &admin,
            &format!("{base}/members/{marks_id}/statements"),
            &json!({"date": "2027-04-20"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let statement = &r.body["statements"][0];
    let q2_total: rust_decimal::Decimal = str_of(marks_q2, "total").parse().unwrap();
    let balance = q2_total - rust_decimal::Decimal::new(62500, 2);
    assert_eq!(
        (statement["items"].as_i64(), str_of(statement, "balance")),
        (Some(2), balance.to_string().as_str())
    );
    let pdf = app
        .bytes(
            &admin,
            &format!("{base}/documents/{}/pdf", str_of(statement, "document_id")),
        )
        .await;
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        for needle in [
            "Inbetalning",
            "2027-02-13",
            "Inbetalt, ej avräknat",
            str_of(marks_q2, "number"),
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
        assert!(text.contains("625,00"), "{text}");
    }
    let marks_payment = app
        .get(&admin, &format!("{base}/payments?status=on_account"))
        .await;
    let marks_payment = str_of(&marks_payment.body["items"][0], "id").to_owned();
    let r = app
        .post(
            &admin,
            &format!("{base}/payments/{marks_payment}/allocations"),
            &json!({"allocations": [{"invoice_id": str_of(marks_q2, "id"), "amount": "625.00"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .get(
            &admin,
            &format!("{base}/invoices/{}", str_of(marks_q2, "id")),
        )
        .await;
    assert_eq!(
        (r.body["paid"].as_str(), r.body["outstanding"].as_str()),
        (Some("625.00"), Some("248750.00"))
    );

    // A reversal undoes a payment without deleting it.
    let r = app
        .post(
            &admin,
            &format!("{base}/payments/{marks_payment}/reverse"),
            &json!({"date": "2027-03-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), r.body["amount"].as_str()),
        (Some("reversal"), Some("-250000.00"))
    );
    assert_eq!(
        status(&app, &admin, &base, &invoices[2]).await.1,
        "249375.00"
    );

    // The trail names who did what.
    let r = app
        .get(&admin, &format!("{base}/audit?entity=payment"))
        .await;
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(e, "action"))
        .collect();
    assert!(
        actions.contains(&"register")
            && actions.contains(&"allocate")
            && actions.contains(&"reverse"),
        "{actions:?}"
    );

    reminders_with_interest_then_the_ledger(&app, &admin, &base, &invoices, q2_invoices).await;
}

/// (number, outstanding, interest, compensation) of an invoice a reminder lists.
type Item = (String, String, String, String);

/// The amounts of a reminder as the API shows them: (member, items, fee, total).
fn reminder_summary(r: &Value) -> (String, Vec<Item>, String, String) {
    (
        str_of(r, "member_name").to_owned(),
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    str_of(i, "number").to_owned(),
                    str_of(i, "outstanding").to_owned(),
                    str_of(i, "interest").to_owned(),
                    str_of(i, "compensation").to_owned(),
                )
            })
            .collect(),
        str_of(r, "fee").to_owned(),
        str_of(r, "total").to_owned(),
    )
}

fn item(number: &str, outstanding: &str, interest: &str, compensation: &str) -> Item {
    (
        number.into(),
        outstanding.into(),
        interest.into(),
        compensation.into(),
    )
}

/// Navet's year goes on: nobody paid the second quarter and two first-quarter invoices are
/// open, so a reminder run at the end of May charges dröjsmålsränta (reference rate 2 %
/// plus 8 points, per day on what stayed unpaid), förseningsersättning once per invoice and
/// the agreed påminnelseavgift on an invoice of their own. Borås pays its reminder with
/// the reminder's OCR; a second run after the rate changed on 1 July charges only the
/// interest accrued since, and no second compensation. The ledger and the reports agree.
async fn reminders_with_interest_then_the_ledger(
    app: &TestApp,
    admin: &str,
    base: &str,
    q1: &[Value],
    q2: &[Value],
) {
    for (from, percent) in [("2027-01-01", "2.00"), ("2027-07-01", "1.50")] {
        let r = app
            .send(
                app.client
                    .put(app.url(&format!("/api/v1/reference-rates/SE/{from}")))
                    .bearer_auth(&app.operator)
                    .json(&json!({"percent": percent})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let run = |date: &str, dry_run: bool| json!({"date": date, "dry_run": dry_run, "charge_compensation": true});
    let r = app
        .post(
            admin,
            &format!("{base}/reminder-runs"),
            &run("2027-05-31", true),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["reminders"].as_array().unwrap().len(),
        4,
        "{}",
        r.body
    );
    let r = app.get(admin, &format!("{base}/reminders")).await;
    assert_eq!(
        r.body["items"].as_array().unwrap().len(),
        0,
        "a dry run stores nothing"
    );

    // Three runs at once remind each member once: one run sends the reminders, the
    // others find every invoice already reminded.
    let path = format!("{base}/reminder-runs");
    let body = run("2027-05-31", false);
    let runs = join_all((0..3).map(|_| app.post(admin, &path, &body))).await;
    let mut sent: Vec<usize> = runs
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["reminders"].as_array().unwrap().len()
        })
        .collect();
    sent.sort_unstable();
    assert_eq!(sent, [0, 0, 4]);
    let first = runs
        .into_iter()
        .find(|r| !r.body["reminders"].as_array().unwrap().is_empty())
        .unwrap()
        .body["reminders"]
        .as_array()
        .unwrap()
        .clone();
    let summaries: Vec<_> = first.iter().map(reminder_summary).collect();
    // Bollebygd's first-quarter usage and second-quarter fee are dated on the plan's 15
    // April like everyone's second quarter, 16 days late, each with its own compensation.
    // The agreed 60 kr påminnelseavgift is absorbed by the compensation every listed
    // invoice bears (lag 1981:739, 4 a §): never both.
    // Borås: 321 070.75 left of the first quarter
    // for 106 days and the second quarter for 16 days at 10 %; Marks: its first quarter is charged only from 1 March, when the
    // payment that had settled it was reversed (92 days).
    assert_eq!(
        summaries,
        [
            (
                "Bollebygds kommun".to_owned(),
                vec![
                    item("NAV-2027-0005", "8750.00", "38.36", "450.00"),
                    item("NAV-2027-0006", "69711.00", "305.58", "450.00")
                ],
                "0.00".to_owned(),
                "79704.94".to_owned()
            ),
            (
                "Borås stad".to_owned(),
                vec![
                    item("NAV-2027-0002", "321070.75", "9324.25", "450.00"),
                    item("NAV-2027-0007", "821070.75", "3599.21", "450.00")
                ],
                "0.00".to_owned(),
                "1155964.96".to_owned()
            ),
            (
                "Marks kommun".to_owned(),
                vec![
                    item("NAV-2027-0003", "249375.00", "6285.62", "450.00"),
                    item("NAV-2027-0008", "249375.00", "1093.15", "450.00")
                ],
                "0.00".to_owned(),
                "507028.77".to_owned()
            ),
            (
                "Ulricehamns kommun".to_owned(),
                vec![item("NAV-2027-0009", "178125.00", "780.82", "450.00")],
                "0.00".to_owned(),
                "179355.82".to_owned()
            ),
        ]
    );
    for r in &first {
        assert_eq!(r["new_due_date"], "2027-06-10");
        assert_eq!(r["interest_percent"], "10");
    }
    // The charges are an issued invoice of their own, due with the reminder; the
    // originals are unchanged.
    let boras = &first[1];
    let charges = app
        .get(
            admin,
            &format!("{base}/invoices/{}", str_of(boras, "charge_invoice_id")),
        )
        .await
        .body;
    assert_eq!(
        (
            str_of(&charges, "number"),
            str_of(&charges, "total"),
            str_of(&charges, "due_date")
        ),
        ("NAV-2027-0011", "13823.46", "2027-06-10")
    );
    assert_eq!(status(app, admin, base, &q1[1]).await.1, "321070.75");
    let pdf = app
        .client
        .get(app.url(&format!(
            "{base}/documents/{}/pdf",
            str_of(boras, "document_id")
        )))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let ocr = str_of(&charges, "payment_reference").to_owned();
    if let Some(text) = crate::documents::pdf_text(&pdf) {
        for needle in [
            "Påminnelse",
            "Borås stad",
            "NAV-2027-0002",
            "NAV-2027-0007",
            "2027-06-10",
            "9 324,25",
            "1 155 964,96",
            ocr.as_str(),
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
    }
    // Overdue as of the reminder's date.
    let r = app
        .get(
            admin,
            &format!("{base}/invoices?status=overdue&on=2027-05-31"),
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 7, "{}", r.body);

    // Nothing is reminded twice before the new date to pay by has passed.
    let r = app
        .post(
            admin,
            &format!("{base}/reminder-runs"),
            &run("2027-06-05", false),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["reminders"].as_array().unwrap().len(),
        0,
        "{}",
        r.body
    );

    // Borås pays the reminder's total with its OCR: the charges first, then the invoices.
    let p = pay(
        app,
        admin,
        base,
        "k5",
        json!({"amount": "1155964.96", "paid_on": "2027-06-05", "reference": ocr}),
    )
    .await;
    assert_eq!(p["status"], "allocated", "{p}");
    assert_eq!(p["allocations"].as_array().unwrap().len(), 3, "{p}");
    for invoice in [&charges, &q1[1], &q2[2]] {
        assert_eq!(
            status(app, admin, base, invoice).await,
            ("paid".to_owned(), "0.00".to_owned())
        );
    }

    // After 1 July the reference rate is 1.50 %: 9.5 %. Marks is reminded again for 61
    // more days, net of the interest already charged, without a second compensation;
    // its first reminder's charges are listed but bear no interest.
    let r = app
        .post(
            admin,
            &format!("{base}/reminder-runs"),
            &run("2027-07-31", false),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = r.body["reminders"].as_array().unwrap().clone();
    let members: Vec<&str> = second.iter().map(|r| str_of(r, "member_name")).collect();
    assert_eq!(
        members,
        ["Bollebygds kommun", "Marks kommun", "Ulricehamns kommun"]
    );
    assert_eq!(
        reminder_summary(&second[1]),
        (
            "Marks kommun".to_owned(),
            vec![
                item("NAV-2027-0003", "249375.00", "4061.73", "0.00"),
                item("NAV-2027-0008", "249375.00", "4061.74", "0.00"),
                item("NAV-2027-0012", "8278.77", "0.00", "0.00"),
            ],
            "0.00".to_owned(),
            "515152.24".to_owned()
        )
    );
    assert_eq!(second[1]["interest_percent"], "9.5");
    let r = app
        .get(
            admin,
            &format!("{base}/reminders?member_id={}", str_of(&q1[2], "member_id")),
        )
        .await;
    let stored: Vec<(&str, &str)> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (str_of(r, "date"), str_of(r, "total")))
        .collect();
    assert_eq!(
        stored,
        [("2027-05-31", "507028.77"), ("2027-07-31", "515152.24")]
    );

    // Borås' ledger: every document and payment in date order, settled to zero.
    let boras_id = str_of(&q1[1], "member_id");
    let r = app
        .get(admin, &format!("{base}/members/{boras_id}/ledger"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let account = &r.body["items"][0];
    let entries: Vec<(&str, &str, &str, &str)> = account["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                str_of(e, "date"),
                str_of(e, "kind"),
                str_of(e, "amount"),
                str_of(e, "balance"),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("2027-01-15", "invoice", "821070.75", "821070.75"),
            ("2027-02-12", "payment", "-500000.00", "321070.75"),
            ("2027-02-12", "allocation", "0.00", "321070.75"),
            ("2027-04-15", "invoice", "821070.75", "1142141.50"),
            ("2027-05-31", "invoice", "13823.46", "1155964.96"),
            ("2027-06-05", "payment", "-1155964.96", "0.00"),
            ("2027-06-05", "allocation", "0.00", "0.00"),
            ("2027-06-05", "allocation", "0.00", "0.00"),
            ("2027-06-05", "allocation", "0.00", "0.00"),
        ]
    );
    assert_eq!(
        (
            str_of(account, "balance"),
            str_of(account, "outstanding"),
            str_of(account, "on_account")
        ),
        ("0.00", "0.00", "0.00")
    );

    // Aging on 31 July: Marks' first quarter is 167 days late, its second 77, its first
    // reminder's charges 51, its second's not yet due.
    let r = app
        .get(admin, &format!("{base}/reports/aging?on=2027-07-31"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let marks = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["member_name"] == "Marks kommun")
        .unwrap()
        .clone();
    let marks_charges2 = second[1]["total"].as_str().unwrap();
    assert_eq!(marks_charges2, "515152.24");
    assert_eq!(
        (
            str_of(&marks, "not_due"),
            str_of(&marks, "1-30"),
            str_of(&marks, "31-60"),
            str_of(&marks, "61-90"),
            str_of(&marks, "over_90"),
        ),
        ("8123.47", "0.00", "8278.77", "249375.00", "249375.00")
    );
    assert_eq!(str_of(&marks, "total"), "515152.24");

    // The same report as a spreadsheet file and as CSV for Excel.
    let r = app
        .client
        .get(app.url(&format!(
            "{base}/reports/open-items?on=2027-07-31&format=csv"
        )))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{FEFF}'), "{csv}");
    assert!(
        csv.contains(
            "Marks kommun;invoice;NAV-2027-0003;2027-01-15;2027-02-14;167;SEK;249375,00;249375,00"
        ),
        "{csv}"
    );
    let r = app
        .client
        .get(app.url(&format!("{base}/reports/aging?on=2027-07-31&format=xlsx")))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let r = app
        .get(admin, &format!("{base}/reports/aging?format=pdf"))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);

    // One invoice's view reads only its own part of the book, and says what the whole
    // book says of it.
    let r = app.get(admin, &format!("{base}/invoices")).await;
    let items = r.body["items"].as_array().unwrap();
    assert!(items.len() > 15, "{}", r.body);
    let judged =
        |i: &Value| ["status", "credited", "paid", "outstanding"].map(|k| str_of(i, k).to_owned());
    for listed in items {
        let one = app
            .get(admin, &format!("{base}/invoices/{}", str_of(listed, "id")))
            .await;
        assert_eq!(judged(&one.body), judged(listed), "{}", one.body);
    }

    // Per year: what was invoiced in 2027 is credited, paid or still owed.
    let r = app.get(admin, &format!("{base}/reports/years")).await;
    let year = &r.body["items"][0];
    assert_eq!(year["year"], 2027);
    let figure = |k: &str| str_of(year, k).parse::<rust_decimal::Decimal>().unwrap();
    assert_eq!(
        figure("invoiced") - figure("credited") - figure("paid"),
        figure("outstanding") + figure("written_off")
    );
}

/// Bankgirot's file of two payments to Navet's bankgiro on 2027-03-20: one quoting an
/// invoice's OCR number, one quoting nothing anyone issued.
fn bgmax_file(ocr: &str) -> String {
    let payment = |reference: &str, ore: i64, serial: &str| {
        bgmax_record(&[
            (1, "20"),
            (3, "0009912346"),
            (13, reference),
            (38, &format!("{ore:018}")),
            (56, "2"),
            (57, "1"),
            (58, serial),
        ])
    };
    [
        bgmax_record(&[(1, "01BGMAX"), (23, "0120270321040000123456P")]),
        bgmax_record(&[(1, "05"), (3, "0050501055"), (23, "SEK")]),
        payment(ocr, 2_100_000, "000000000101"),
        bgmax_record(&[(1, "26"), (3, "Bollebygds kommun")]),
        payment("99999", 50_000, "000000000102"),
        bgmax_record(&[
            (1, "15"),
            (3, "00000000000000000000000000000000099"),
            (38, "20270320"),
            (46, "00001"),
            (51, &format!("{:018}", 2_150_000)),
            (69, "SEK"),
            (72, "00000002"),
        ]),
        bgmax_record(&[
            (1, "70"),
            (3, "00000002"),
            (11, "00000000"),
            (19, "00000000"),
            (27, "00000001"),
        ]),
    ]
    .join("\r\n")
}

/// A BgMax file from the bank: the payment quoting an OCR number pays its invoice, the
/// other waits unmatched, and importing the same file again registers nothing twice.
async fn a_bank_file_pays_invoices_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let m = member(&app, &admin, &org, "Bollebygds kommun", "1443", 9784).await;
    let id = draft(&app, &admin, &org, &m, "8000.00").await;
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{id}/issue"),
            &json!({"date": "2027-03-05"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["total"], "21000.00");
    let ocr = str_of(&r.body, "payment_reference").to_owned();

    let upload = |text: String| {
        app.send(
            app.client
                .post(app.url(&format!("{base}/payment-files")))
                .bearer_auth(&admin)
                .header("Content-Type", "text/plain")
                .body(text),
        )
    };
    let r = upload(bgmax_file(&ocr)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let registered: Vec<(&str, &str, &str)> = r.body["registered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                str_of(p, "amount"),
                str_of(p, "paid_on"),
                str_of(p, "status"),
            )
        })
        .collect();
    assert_eq!(
        registered,
        [
            ("21000.00", "2027-03-20", "allocated"),
            ("500.00", "2027-03-20", "unmatched")
        ]
    );
    assert_eq!(r.body["registered"][0]["source"], "bank_file");
    let r = app.get(&admin, &format!("{base}/invoices/{id}")).await;
    assert_eq!(
        (str_of(&r.body, "status"), str_of(&r.body, "outstanding")),
        ("paid", "0.00")
    );

    let r = upload(bgmax_file(&ocr)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["registered"].as_array().unwrap().len(), 0);
    assert_eq!(
        r.body["already_imported"],
        json!(["000000000101", "000000000102"])
    );
    let r = app.get(&admin, &format!("{base}/payments")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    // A file larger than other request bodies (here padded with 4 000 information
    // records, 328 kB) is read whole.
    let info = format!(
        "\r\n{}",
        bgmax_record(&[(1, "25"), (3, "Avgift enligt avtal")])
    );
    let large = bgmax_file(&ocr).replacen("\r\n26", &format!("{}\r\n26", info.repeat(4000)), 1);
    assert!(large.len() > 300_000);
    let r = upload(large).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["already_imported"].as_array().unwrap().len(), 2);

    // A cut-off file is refused whole, naming the file and the line.
    let cut: String = bgmax_file(&ocr)
        .split("\r\n")
        .take(4)
        .collect::<Vec<_>>()
        .join("\r\n");
    let r = upload(cut).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.to_string().contains("\"file\""), "{}", r.body);
    // A file to another bankgiro is not this organisation's.
    let r = upload(bgmax_file(&ocr).replace("0050501055", "0009912346")).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // The bank's camt.054 notification to the same bankgiro pays the next invoice by its
    // OCR number; imported again, it registers nothing twice.
    let next = draft(&app, &admin, &org, &m, "2000.00").await;
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices/{next}/issue"),
            &json!({"date": "2027-04-05"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["total"], "6000.00");
    let next_ocr = str_of(&r.body, "payment_reference").to_owned();
    let camt = camt054_file("5050-1055", &next_ocr, "6000.00");
    let r = upload(camt.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let p = &r.body["registered"][0];
    assert_eq!(
        (
            str_of(p, "amount"),
            str_of(p, "paid_on"),
            str_of(p, "status"),
            str_of(p, "source")
        ),
        ("6000.00", "2027-04-20", "allocated", "bank_file")
    );
    let r = app.get(&admin, &format!("{base}/invoices/{next}")).await;
    assert_eq!(str_of(&r.body, "status"), "paid");
    let r = app
        .send(
            app.client
                .post(app.url(&format!("{base}/payment-files?format=camt054")))
                .bearer_auth(&admin)
                .header("Content-Type", "application/xml")
                .body(camt),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["already_imported"], json!(["CAMT-4711"]));
    let r = upload(camt054_file("9912-346", &next_ocr, "6000.00")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r =
        upload(camt054_file("5050-1055", &next_ocr, "6000.00").replace("</Document>", "")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.to_string().contains("\"file\""), "{}", r.body);
}

/// A camt.054.001.08 notification of one booked credit to bankgiro `account`, on
/// 2027-04-20, quoting `ocr`.
fn camt054_file(account: &str, ocr: &str, amount: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>BG-20270420-1</MsgId><CreDtTm>2027-04-20T07:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>BG-20270420-1-1</Id>
      <Acct><Id><Othr><Id>{account}</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr></Id></Acct>
      <Ntry>
        <Amt Ccy="SEK">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2027-04-20</Dt></BookgDt>
        <NtryDtls>
          <TxDtls>
            <Refs><AcctSvcrRef>CAMT-4711</AcctSvcrRef></Refs>
            <Amt Ccy="SEK">{amount}</Amt>
            <CdtDbtInd>CRDT</CdtDbtInd>
            <RltdPties><Dbtr><Pty><Nm>Bollebygds kommun</Nm></Pty></Dbtr></RltdPties>
            <RmtInf><Strd><CdtrRefInf><Ref>{ocr}</Ref></CdtrRefInf></Strd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"#
    )
}

/// Four towns share a saved pool, 50 000 kr by half in equal parts and half by population.
/// A run calculates every member through one cache of pools: each proposal must bill its
/// own member's share, the same as that agreement's own statement, and the shares must add
/// up to the pool.
async fn a_run_bills_each_member_its_share_of_a_pool(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Sjuhärads samverkan").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(
            &admin,
            &format!("{base}/fee-models"),
            &json!({"fee_year": 2027, "name": "Gemensamma kostnader",
                    "model": {"type": "pool", "currency": "SEK", "total": "50000.00",
                              "key": {"type": "weighted", "equal_percent": "50", "population_percent": "50"}},
                    "indexation": null}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let model = str_of(&r.body, "id").to_owned();
    let towns = [
        ("Bollebygds kommun", "1443", 9784),
        ("Borås stad", "1490", 115_238),
        ("Marks kommun", "1463", 35_000),
        ("Ulricehamns kommun", "1491", 25_000),
    ];
    let mut own = Vec::new();
    for (name, code, people) in towns {
        let m = member(&app, &admin, &org, name, code, people).await;
        let a = active_agreement(&app, &admin, &base, &m, annual(&model)).await;
        own.push((name, a));
    }
    let mut statements = Vec::new();
    for (name, a) in &own {
        let r = app
            .get(&admin, &format!("{a}/contribution?year=2027"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["pools"]["kostnader"].as_array().unwrap().len(), 4);
        statements.push((*name, str_of(&r.body["lines"][0], "amount").to_owned()));
    }

    let run = json!({"from": "2027-01-01", "to": "2027-12-31", "dry_run": true});
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &run)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let billed: Vec<(&str, String)> = r.body["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["lines"].as_array().unwrap().len(), 1, "{p}");
            (
                str_of(p, "member_name"),
                str_of(&p["lines"][0], "amount").to_owned(),
            )
        })
        .collect();
    assert_eq!(billed, statements);
    // Shares differ by population, and add up to the pool to the öre.
    let amounts: BTreeSet<&str> = billed.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(amounts.len(), 4, "{billed:?}");
    let ore: i64 = billed
        .iter()
        .map(|(_, a)| a.replace('.', "").parse::<i64>().unwrap())
        .sum();
    assert_eq!(ore, 5_000_000);

    // Two runs of the year at once: between them each agreement is invoiced once, at its
    // statement's amount, numbered 1–4 without a gap; what one issued, the other reports
    // as already billed. A third run finds nothing left.
    let issue = json!({"from": "2027-01-01", "to": "2027-12-31"});
    let path = format!("{base}/invoice-runs");
    let runs = join_all((0..2).map(|_| app.post(&admin, &path, &issue))).await;
    let mut invoiced = Vec::new();
    let mut numbers = Vec::new();
    for r in &runs {
        assert_eq!(r.status, 201, "{}", r.body);
        for i in r.body["invoices"].as_array().unwrap() {
            assert_eq!(i["status"], "issued", "{i}");
            invoiced.push(str_of(i, "agreement_id").to_owned());
            numbers.push(sequence(str_of(i, "number")));
            let own = own
                .iter()
                .position(|(_, a)| a.ends_with(str_of(i, "agreement_id")));
            assert_eq!(str_of(i, "total"), statements[own.unwrap()].1, "{i}");
        }
    }
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2, 3, 4]);
    let once: BTreeSet<&String> = invoiced.iter().collect();
    assert_eq!(once.len(), 4, "{invoiced:?}");
    // The run that lost the race left no draft behind.
    let r = app.get(&admin, &format!("{base}/invoices")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 4, "{}", r.body);
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &issue)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["invoices"], json!([]));
}

/// A 2027 fee model of 10 kr per inhabitant; its id.
async fn ten_kronor_per_inhabitant(app: &TestApp, admin: &str, base: &str) -> String {
    let r = app
        .post(
            admin,
            &format!("{base}/fee-models"),
            &json!({"fee_year": 2027, "name": "Medlemsavgift", "indexation": null,
                    "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "10.00"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    str_of(&r.body, "id").to_owned()
}

/// The dry run names what an invoice would lack: a municipality registered with its name
/// only has no address for the invoice, no reference, no e-invoice receiver and nobody to
/// email it to; once completed, nothing. The run issues either way.
async fn a_dry_run_names_what_an_invoice_would_lack(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Sjuhärads samverkan").await;
    let base = format!("/api/v1/organisations/{org}");
    let model = ten_kronor_per_inhabitant(&app, &admin, &base).await;
    let r = app
        .post(
            &admin,
            &format!("{base}/members"),
            &json!({"kind": "municipality", "name": "Tranemo kommun", "country": "SE",
                    "municipality_code": "1452",
                    "population": {"count": 11_800, "reference_date": "2025-12-31"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let tranemo = str_of(&r.body, "id").to_owned();
    active_agreement(&app, &admin, &base, &tranemo, annual(&model)).await;

    let dry = json!({"from": "2027-01-01", "to": "2027-12-31", "dry_run": true});
    let gaps = |body: &Value| -> Vec<String> {
        body["proposals"][0]["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                assert!(!str_of(g, "message").is_empty(), "{g}");
                str_of(g, "code").to_owned()
            })
            .collect()
    };
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &dry)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        gaps(&r.body),
        [
            "billing_address",
            "buyer_reference",
            "einvoice_address",
            "invoice_recipient"
        ]
    );

    let r = app
        .patch(
            &admin,
            &format!("{base}/members/{tranemo}"),
            &json!({"billing_address": {"line1": "Box 100", "postal_code": "514 80", "city": "Tranemo"},
                    "buyer_reference": "7733", "org_number": org_number("1452"),
                    "invoice_email": "faktura@tranemo.se"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &dry)
        .await;
    assert_eq!(gaps(&r.body), Vec::<String>::new(), "{}", r.body);

    // A Norwegian partner, complete, ordering a lab day at the Swedish 25 %: its fee
    // invoice lacks nothing, its services invoice is flagged for the VAT.
    let r = app
        .post(
            &admin,
            &format!("{base}/price-lists/2027/items"),
            &json!({"code": "LABB", "name_sv": "Labbdag", "unit": "day",
                    "unit_price": "12000.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(
            &admin,
            &format!("{base}/members"),
            &json!({"kind": "municipality", "name": "Halden kommune", "country": "NO",
                    "org_number": "959159092", "currency": "SEK",
                    "billing_address": {"line1": "Postboks 150", "postal_code": "1751", "city": "Halden"},
                    "buyer_reference": "Ole Hansen", "invoice_email": "faktura@halden.kommune.no",
                    "population": {"count": 31_500, "reference_date": "2025-12-31"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let halden = str_of(&r.body, "id").to_owned();
    let mut terms = annual(&model);
    terms["variable"] = json!([{"fee_year": 2027, "item_code": "LABB", "quantity": "1"}]);
    terms["billing"]["variable"] = json!("advance");
    active_agreement(&app, &admin, &base, &halden, terms).await;
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &dry)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let flagged: Vec<(&str, Vec<&str>)> = r.body["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["member_id"] == halden.as_str())
        .map(|p| {
            let codes = p["gaps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| str_of(g, "code"))
                .collect();
            (str_of(p, "vat"), codes)
        })
        .collect();
    assert_eq!(
        flagged,
        // The 25 % service is reverse-charged: no Swedish VAT is charged abroad.
        [("0.00", vec![]), ("0.00", vec![])],
        "{}",
        r.body
    );
}

/// A run that fails part of the way (here the database refuses the 36th invoice) keeps the
/// batches it finished, whole and numbered without a gap, and gives back the numbers of the
/// batch that failed; the answer names the run, the run is listed with what it issued, and
/// resuming it issues the rest with the next numbers.
async fn an_interrupted_run_resumes_without_a_gap(backend: Backend) {
    let sqlite = matches!(backend, Backend::Sqlite);
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Sjuhärads samverkan").await;
    let base = format!("/api/v1/organisations/{org}");
    let model = ten_kronor_per_inhabitant(&app, &admin, &base).await;
    const MEMBERS: i64 = 40;
    for i in 0..MEMBERS {
        let code = format!("{}", 1401 + i);
        let m = member(
            &app,
            &admin,
            &org,
            &format!("Kommun {i:02}"),
            &code,
            1000 + i,
        )
        .await;
        active_agreement(&app, &admin, &base, &m, annual(&model)).await;
    }

    let interrupt = if sqlite {
        "CREATE TRIGGER interrupt BEFORE INSERT ON invoices \
             WHEN (SELECT count(*) FROM invoices) >= 35 \
             BEGIN SELECT RAISE(ABORT, 'interrupted'); END;"
    } else {
        "CREATE FUNCTION interrupt() RETURNS trigger AS $$ BEGIN \
             IF (SELECT count(*) FROM invoices) >= 35 THEN RAISE EXCEPTION 'interrupted'; \
             END IF; RETURN NEW; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER interrupt BEFORE INSERT ON invoices \
             FOR EACH ROW EXECUTE FUNCTION interrupt();"
    };
    app.pool().get().unwrap().batch_execute(interrupt).unwrap();
    let year = json!({"from": "2027-01-01", "to": "2027-12-31"});
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &year)
        .await;
    // The answer names the run to resume.
    assert_eq!(r.status, 500, "{}", r.body);
    assert_eq!(r.body["code"], "run_interrupted", "{}", r.body);
    let run = str_of(&r.body, "run_id").to_owned();
    assert!(str_of(&r.body, "detail").contains(&format!("invoice-runs/{run}/resume")));

    // The first batch of 32 stands; nothing of the second.
    let r = app.get(&admin, &format!("{base}/invoice-runs")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let runs = r.body["items"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{}", r.body);
    assert_eq!(
        (
            str_of(&runs[0], "id"),
            &runs[0]["issued"],
            &runs[0]["status"]
        ),
        (run.as_str(), &json!(32), &json!("interrupted"))
    );
    let numbers = |body: &Value| -> Vec<i64> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                assert_eq!(i["status"], "issued", "{i}");
                sequence(str_of(i, "number"))
            })
            .collect()
    };
    let r = app.get(&admin, &format!("{base}/invoices")).await;
    assert_eq!(numbers(&r.body), (1..=32).collect::<Vec<_>>());

    let allow = if sqlite {
        "DROP TRIGGER interrupt"
    } else {
        "DROP TRIGGER interrupt ON invoices"
    };
    app.pool().get().unwrap().batch_execute(allow).unwrap();
    // While another process holds the run's lease, a resume is refused; once the lease
    // ran out (that process died), the run is resumed here.
    let lease = |until: &str| format!("UPDATE invoice_runs SET lease_until = '{until}'");
    let resume = format!("{base}/invoice-runs/{run}/resume");
    app.pool()
        .get()
        .unwrap()
        .batch_execute(&lease("2999-01-01 00:00:00"))
        .unwrap();
    let r = app.get(&admin, &format!("{base}/invoice-runs")).await;
    assert_eq!(r.body["items"][0]["status"], "running", "{}", r.body);
    let r = app.post(&admin, &resume, &json!({})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["code"], "run_under_way", "{}", r.body);
    app.pool()
        .get()
        .unwrap()
        .batch_execute(&lease("2000-01-01 00:00:00"))
        .unwrap();
    let r = app.post(&admin, &resume, &json!({})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["invoices"].as_array().unwrap().len(),
        8,
        "{}",
        r.body
    );
    let r = app
        .get(&admin, &format!("{base}/invoices?run_id={run}"))
        .await;
    assert_eq!(numbers(&r.body), (1..=MEMBERS).collect::<Vec<_>>());
    let r = app.get(&admin, &format!("{base}/invoice-runs")).await;
    assert_eq!(r.body["items"][0]["issued"], MEMBERS);
    assert_eq!(r.body["items"][0]["status"], "finished", "{}", r.body);
    // Every member billed once: the year again finds nothing to bill.
    let r = app
        .post(&admin, &format!("{base}/invoice-runs"), &year)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["invoices"], json!([]));
}

crate::on_both_backends!(
    a_dry_run_names_what_an_invoice_would_lack,
    an_interrupted_run_resumes_without_a_gap,
    a_run_bills_each_member_its_share_of_a_pool,
    numbers_have_no_gaps_under_concurrent_issuing,
    a_bank_file_pays_invoices_once,
    one_payment_per_idempotency_key,
    navet_invoices_a_year_and_follows_the_payments,
);
