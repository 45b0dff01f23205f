//! The seed organisations' years told end to end over HTTP, every document read back: what
//! each offer letter and invoice says of the agreed period, notice, addressees, amounts,
//! conversion and dates.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::documents::pdf_text;
use crate::helpers::{Backend, TestApp, navet, spawn_app};
use crate::peppol;

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// The bytes at an API path.
async fn fetch(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
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

/// The text of an issued document's PDF; `None` where pdftotext is missing (never in CI).
/// With `AVTAL_TEST_PDF_DIR` set, each document read is also written there, to look at.
async fn text_of(app: &TestApp, token: &str, org: &str, document: &str) -> Option<String> {
    let pdf = fetch(
        app,
        token,
        &format!("/api/v1/organisations/{org}/documents/{document}/pdf"),
    )
    .await;
    if let Some(dir) = std::env::var_os("AVTAL_TEST_PDF_DIR") {
        std::fs::write(Path::new(&dir).join(format!("{document}.pdf")), &pdf).unwrap();
    }
    pdf_text(&pdf)
}

/// Each e-invoice passes the official Peppol BIS Billing 3.0 rules (skipped only where the
/// offline validator is missing, never in CI).
fn valid_einvoices(documents: &[(&str, Vec<u8>)]) {
    if peppol::available().is_some() {
        for (number, fatal) in peppol::validate(documents) {
            assert!(fatal.is_empty(), "{number}: {fatal:#?}");
        }
    }
}

fn assert_says(text: &Option<String>, needles: &[&str]) {
    if let Some(text) = text {
        for needle in needles {
            assert!(text.contains(needle), "{needle:?} missing in {text}");
        }
    }
}

fn assert_never_says(text: &Option<String>, needles: &[&str]) {
    if let Some(text) = text {
        for needle in needles {
            assert!(!text.contains(needle), "{needle:?} in {text}");
        }
    }
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app.post(token, path, &body).await;
    assert_eq!(r.status, 201, "{path}: {}", r.body);
    r.body
}

/// Imports municipalities from the shipped data; their ids by name.
async fn import(
    app: &TestApp,
    org: &str,
    admin: &str,
    country: &str,
    codes: &[&str],
) -> BTreeMap<String, String> {
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(
            admin,
            &format!("{base}/imports/municipalities"),
            &json!({"country": country, "codes": codes}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = app.get(admin, &format!("{base}/members?limit=500")).await;
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (s(m, "name").to_owned(), s(m, "id").to_owned()))
        .collect()
}

/// An organisation the operator creates, with an admin token and the organisation's API
/// path: (the organisation as created, admin, base).
async fn organisation(app: &TestApp, body: Value) -> (Value, String, String) {
    let r = app
        .post(&app.operator, "/api/v1/organisations", &body)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let org = s(&r.body, "id").to_owned();
    let admin = app.token(&org, "admin").await;
    (r.body, admin, format!("/api/v1/organisations/{org}"))
}

async fn transition(app: &TestApp, admin: &str, agreement: &str, body: Value) {
    let r = app
        .post(admin, &format!("{agreement}/transitions"), &body)
        .await;
    assert_eq!(r.status, 200, "{body}: {}", r.body);
}

/// Navet science center offers Bollebygd an agreement from 2023-01-01 until further
/// notice, with six months' notice and its fixed part invoiced quarterly on the 15th. The
/// letter says so to the member's kommundirektör and utbildningschef, without a variable
/// part it does not have; the year's invoices come on 15 January, April, July and October,
/// numbered in that order, each for its own quarter, and are paid.
async fn navet_offers_bollebygd_and_invoices_its_year(backend: Backend) {
    let app = spawn_app(backend).await;
    let (created_org, admin, base) = organisation(&app, navet("Navet science center")).await;
    let org = s(&created_org, "id").to_owned();
    let members = import(&app, &org, &admin, "SE", &["1443", "1490"]).await;
    let bollebygd = members["Bollebygd"].clone();
    let member = format!("{base}/members/{bollebygd}");
    let r = app
        .patch(
            &admin,
            &member,
            &json!({"billing_address": {"line1": "Box 100", "postal_code": "517 21", "city": "Bollebygd"},
                    "invoice_email": "faktura@bollebygd.se", "buyer_reference": "4411",
                    "org_number": "212000-1546"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for (name, title) in [
        ("Anna Lind", "kommundirektör"),
        ("Per Ek", "utbildningschef"),
    ] {
        created(
            &app,
            &admin,
            &format!("{member}/contacts"),
            json!({"name": name, "title": title, "email": "kansli@bollebygd.se", "receives_offers": true}),
        )
        .await;
    }
    let model = created(
        &app,
        &admin,
        &format!("{base}/fee-models"),
        json!({"fee_year": 2027, "name": "Fast del per invånare",
               "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28.50"}, "indexation": null}),
    )
    .await;
    let agreement = created(
        &app,
        &admin,
        &format!("{base}/agreements"),
        json!({"member_id": bollebygd, "pro_rata": "whole_months", "notice_months": 6,
               "start_date": "2023-01-01",
               "terms": {"fixed": [{"id": "fast-del", "fee_model_id": model["id"]}],
                         "billing": {"schedule": "quarterly", "invoice_day": 15}}}),
    )
    .await;
    let agreement = format!("{base}/agreements/{}", s(&agreement, "id"));

    // The letter for 2027, the first year with a population count to go by.
    let offer = created(
        &app,
        &admin,
        &format!("{agreement}/offers"),
        json!({"fee_year": 2027, "date": "2026-10-30", "diarienummer": "BRS 2026/0412"}),
    )
    .await;
    let letter = text_of(&app, &admin, &org, s(&offer, "id")).await;
    assert_says(
        &letter,
        &[
            "Till Anna Lind, kommundirektör, och Per Ek, utbildningschef",
            "Avtalet gäller från och med 2023-01-01 och tills vidare.",
            "Uppsägningstiden är 6 månader.",
            "Fast del kvartalsvis, fakturadatum den 15:e i periodens första månad",
            "Första faktura 2023-01-15",
            // 9 784 inhabitants on 31 December 2025 × 28.50 kr.
            "9 784 invånare (2025-12-31) × 28,50 kr 278 844,00 kr",
            "Lisa Belfrage",
            "Magnus Haggren",
        ],
    );
    // A fee-only agreement: no variable part, and the period is the agreement's own.
    assert_never_says(&letter, &["Rörlig del", "2027-12-31", "2027-07-01"]);

    transition(
        &app,
        &admin,
        &agreement,
        json!({"to": "accepted", "date": "2026-12-01", "signed_by": "Anna Lind", "decision_reference": "KS 2026/88"}),
    )
    .await;
    transition(&app, &admin, &agreement, json!({"to": "active"})).await;

    // One run over the year: one invoice per quarter, dated on the 15th, numbered in
    // date order, each with its own delivery period.
    let run = created(
        &app,
        &admin,
        &format!("{base}/invoice-runs"),
        json!({"from": "2027-01-01", "to": "2027-12-31"}),
    )
    .await;
    let invoices = run["invoices"].as_array().unwrap().clone();
    let seen: Vec<(&str, &str, &str, &str, &str)> = invoices
        .iter()
        .map(|i| {
            (
                s(i, "number"),
                s(i, "invoice_date"),
                s(i, "period_start"),
                s(i, "period_end"),
                s(i, "total"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "NAV-2027-0001",
                "2027-01-15",
                "2027-01-01",
                "2027-03-31",
                "69711.00"
            ),
            (
                "NAV-2027-0002",
                "2027-04-15",
                "2027-04-01",
                "2027-06-30",
                "69711.00"
            ),
            (
                "NAV-2027-0003",
                "2027-07-15",
                "2027-07-01",
                "2027-09-30",
                "69711.00"
            ),
            (
                "NAV-2027-0004",
                "2027-10-15",
                "2027-10-01",
                "2027-12-31",
                "69711.00"
            ),
        ]
    );
    let mut einvoices = Vec::new();
    for (invoice, (number, date, start, end, _)) in invoices.iter().zip(&seen) {
        let text = text_of(&app, &admin, &org, s(invoice, "document_id")).await;
        assert_says(&text, &[number, date, start, end, "69 711,00", "Bollebygd"]);
        let bytes = fetch(
            &app,
            &admin,
            &format!("{base}/invoices/{}/e-invoice", s(invoice, "id")),
        )
        .await;
        einvoices.push((*number, bytes.clone()));
        let xml = String::from_utf8(bytes).unwrap();
        let period = xml
            .split("<cac:InvoicePeriod>")
            .nth(1)
            .and_then(|rest| rest.split("</cac:InvoicePeriod>").next())
            .unwrap_or_else(|| panic!("no InvoicePeriod in {xml}"));
        assert!(
            period.contains(&format!("<cbc:StartDate>{start}</cbc:StartDate>"))
                && period.contains(&format!("<cbc:EndDate>{end}</cbc:EndDate>")),
            "{period}"
        );
    }
    valid_einvoices(&einvoices);
    // Running the year again bills nothing twice.
    let again = created(
        &app,
        &admin,
        &format!("{base}/invoice-runs"),
        json!({"from": "2027-01-01", "to": "2027-12-31"}),
    )
    .await;
    assert_eq!(again["invoices"], json!([]));

    // The first quarter is paid by its OCR number and is settled.
    let first = &invoices[0];
    let r = app
        .send(
            app.client
                .post(app.url(&format!("{base}/payments")))
                .bearer_auth(&admin)
                .header("Idempotency-Key", "bollebygd-q1")
                .json(&json!({"amount": "69711.00", "paid_on": "2027-02-10",
                              "reference": s(first, "payment_reference")})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .get(&admin, &format!("{base}/invoices/{}", s(first, "id")))
        .await;
    assert_eq!(r.body["status"], "paid", "{}", r.body);

    // The second quarter is not paid by its due date (15 May): on 1 June it is reminded,
    // with 17 days' interest at 2 % + 8 points: 69 711 × 10 % × 17/365 = 324.68.
    let r = app
        .send(
            app.client
                .put(app.url("/api/v1/reference-rates/SE/2027-01-01"))
                .bearer_auth(&app.operator)
                .json(&json!({"percent": "2.00"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let run = created(
        &app,
        &admin,
        &format!("{base}/reminder-runs"),
        json!({"date": "2027-06-01"}),
    )
    .await;
    let reminders = run["reminders"].as_array().unwrap();
    assert_eq!(reminders.len(), 1, "{run}");
    let reminder = &reminders[0];
    assert_eq!(reminder["items"][0]["number"], "NAV-2027-0002");
    assert_eq!(reminder["interest"], "324.68");
    assert_says(
        &text_of(&app, &admin, &org, s(reminder, "document_id")).await,
        &["Påminnelse", "NAV-2027-0002", "69 711,00", "324,68"],
    );
}

/// A pool whose member joins after the first quarter was invoiced: the issued invoices
/// stay as they are, the dry run of the next quarter says the fixed part was re-split,
/// and the instalments left share what is left of each member's new share.
async fn a_member_joining_a_pool_re_splits_only_what_is_not_issued(backend: Backend) {
    let app = spawn_app(backend).await;
    let (created_org, admin, base) = organisation(&app, navet("Navet science center")).await;
    let org = s(&created_org, "id").to_owned();
    let members = import(&app, &org, &admin, "SE", &["1443", "1490", "1463"]).await;
    let model = created(
        &app,
        &admin,
        &format!("{base}/fee-models"),
        json!({"fee_year": 2027, "name": "Gemensam budget",
               "model": {"type": "pool", "currency": "SEK", "total": "100000.00", "key": {"type": "equal"}},
               "indexation": null}),
    )
    .await;
    let agreement = |member: &str| {
        json!({"member_id": member, "pro_rata": "whole_months", "notice_months": 6,
               "start_date": "2027-01-01",
               "terms": {"fixed": [{"id": "budget", "fee_model_id": model["id"]}],
                         "billing": {"schedule": "quarterly"}}})
    };
    for name in ["Bollebygd", "Borås"] {
        let a = created(
            &app,
            &admin,
            &format!("{base}/agreements"),
            agreement(&members[name]),
        )
        .await;
        let path = format!("{base}/agreements/{}", s(&a, "id"));
        transition(&app, &admin, &path, json!({"to": "offered"})).await;
        transition(
            &app,
            &admin,
            &path,
            json!({"to": "accepted", "date": "2026-12-01", "signed_by": "KS", "decision_reference": "KS 1"}),
        )
        .await;
        transition(&app, &admin, &path, json!({"to": "active"})).await;
    }
    // Two members: 50 000 each, 12 500 a quarter.
    let q1 = created(
        &app,
        &admin,
        &format!("{base}/invoice-runs"),
        json!({"from": "2027-01-01", "to": "2027-03-31"}),
    )
    .await;
    let issued: Vec<(&str, &str)> = q1["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (s(i, "id"), s(i, "total")))
        .collect();
    assert_eq!(issued.len(), 2);
    assert!(issued.iter().all(|(_, total)| *total == "12500.00"), "{q1}");

    // Mark joins: each share is now a third. Q1 stands; Q2–Q4 share what is left.
    created(
        &app,
        &admin,
        &format!("{base}/agreements"),
        agreement(&members["Mark"]),
    )
    .await;
    let r = app
        .post(
            &admin,
            &format!("{base}/invoice-runs"),
            &json!({"from": "2027-04-01", "to": "2027-06-30", "dry_run": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let proposals = r.body["proposals"].as_array().unwrap();
    assert_eq!(proposals.len(), 2, "{}", r.body);
    for p in proposals {
        // 33 333.33 (or .34) less 12 500.00, over three quarters: 6 944.44 now.
        assert_eq!(s(p, "total"), "6944.44", "{p}");
        assert_eq!(p["notes"][0]["code"], "fixed_part_resplit", "{p}");
    }
    for (id, total) in issued {
        let r = app.get(&admin, &format!("{base}/invoices/{id}")).await;
        assert_eq!(r.body["total"], total, "an issued invoice never changes");
    }
}

/// Bergslagsakademin: a yearly membership offer to municipalities and regions at one
/// fee and to companies on other terms; fee-only letters, one invoice a year.
async fn bergslagsakademin_offers_membership_by_kind(backend: Backend) {
    let app = spawn_app(backend).await;
    let (created_org, admin, base) = organisation(
        &app,
        json!({
            "name": "Bergslagsakademin", "country": "SE", "org_number": "802477-1233",
            "address": {"line1": "Box 3", "postal_code": "711 22", "city": "Lindesberg"},
            "contact_email": "info@bergslagsakademin.se", "plusgiro": "28 65 43-4",
            "signatories": [{"name": "Processledare", "title": "Bergslagsakademin"}]
        }),
    )
    .await;
    let org = s(&created_org, "id").to_owned();
    assert_eq!(created_org["invoice_prefix"], "BER");
    let members = import(&app, &org, &admin, "SE", &["1885"]).await;
    let company = created(
        &app,
        &admin,
        &format!("{base}/members"),
        json!({"kind": "company", "name": "Epiroc Rock Drills AB", "country": "SE",
               "billing_address": {"line1": "Box 1", "postal_code": "701 91", "city": "Örebro"}}),
    )
    .await;
    // The fees decided for 2026, uplifted by the index for 2027 (3 %).
    let series = created(
        &app,
        &admin,
        &format!("{base}/index-series"),
        json!({"name": "PKV", "points": {"2027": "3.0"}}),
    )
    .await;
    let model = created(
        &app,
        &admin,
        &format!("{base}/fee-models"),
        json!({"fee_year": 2027, "name": "Medlemsavgift",
               "model": {"type": "flat", "currency": "SEK", "amount": "25000.00", "by_kind": {"company": "10000.00"}},
               "indexation": {"series_id": series["id"], "base_year": 2026}}),
    )
    .await;
    for (member, fee) in [
        (members["Lindesberg"].as_str(), "25 750,00 kr"),
        (s(&company, "id"), "10 300,00 kr"),
    ] {
        let a = created(
            &app,
            &admin,
            &format!("{base}/agreements"),
            json!({"member_id": member, "pro_rata": "whole_months", "notice_months": 3,
                   "start_date": "2027-01-01", "end_date": "2027-12-31",
                   "terms": {"fixed": [{"id": "medlemsavgift", "fee_model_id": model["id"]}]}}),
        )
        .await;
        let offer = created(
            &app,
            &admin,
            &format!("{base}/agreements/{}/offers", s(&a, "id")),
            json!({"date": "2026-11-15"}),
        )
        .await;
        let letter = text_of(&app, &admin, &org, s(&offer, "id")).await;
        assert_says(
            &letter,
            &[
                "Avtalet gäller 2027-01-01 – 2027-12-31.",
                "Uppsägningstiden är 3 månader.",
                "Fast del en gång om året, fakturadatum den 15:e",
                "uppräknat med index sedan 2026: ×1,03",
                fee,
            ],
        );
        assert_never_says(&letter, &["Rörlig del", "Till kommundirektör"]);
    }
}

/// RegEnt: a network without fees whose roster of named contacts gets its mailings; a
/// mailing sent twice by mistake goes out once.
async fn regent_mails_its_roster_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (created_org, admin, base) = organisation(
        &app,
        json!({
            "name": "RegEnt", "legal_name": "Region Halland", "country": "SE",
            "org_number": "232100-0115",
            "address": {"line1": "Box 517", "postal_code": "301 80", "city": "Halmstad"},
            "contact_email": "regent@regionhalland.se"
        }),
    )
    .await;
    let org = s(&created_org, "id").to_owned();
    let members = import(&app, &org, &admin, "SE", &["1380", "1381", "1382"]).await;
    for (name, person) in [
        ("Halmstad", "Lisa Crona"),
        ("Laholm", "Mats Franzén"),
        ("Falkenberg", "Helena Johansson"),
    ] {
        created(
            &app,
            &admin,
            &format!("{base}/members/{}/contacts", members[name]),
            json!({"name": person, "email": format!("{}@example.se", name.to_lowercase()),
                   "receives_newsletters": true}),
        )
        .await;
    }
    let mailing = json!({"subject": "Infoblad: goda exempel från våra kommuner", "text": "Hej!"});
    let r = app
        .post(&admin, &format!("{base}/mailings"), &mailing)
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["queued"], 3, "{}", r.body);
    let r = app
        .post(&admin, &format!("{base}/mailings"), &mailing)
        .await;
    assert_eq!(
        (r.status, r.body["already_sent"].as_bool()),
        (200, Some(true))
    );
    let outbox = app.get(&admin, &format!("{base}/outbox")).await;
    assert_eq!(outbox.body["items"].as_array().unwrap().len(), 3);
}

/// Kraftsamling Gävleborg: nine municipalities share a budget by population after Region
/// Gävleborg's 40 %, entered as one term of the pool. Their letters, issued one by one,
/// show the shares of the whole pool's preview.
async fn kraftsamling_letters_one_by_one_show_the_whole_pools_shares(backend: Backend) {
    let app = spawn_app(backend).await;
    let (created_org, admin, base) = organisation(
        &app,
        json!({
            "name": "Hälsinglands Utbildningsförbund",
            "country": "SE", "org_number": "222000-2337",
            "address": {"line1": "Collinigatan 12", "postal_code": "821 43", "city": "Bollnäs"},
            "contact_email": "info@hufb.se", "bankgiro": "5050-1055",
            "signatories": [{"name": "Lotta Svensson", "title": "Projektledare"}]
        }),
    )
    .await;
    let org = s(&created_org, "id").to_owned();
    assert_eq!(created_org["invoice_prefix"], "HU");
    let codes = [
        "2132", "2183", "2182", "2184", "2180", "2161", "2104", "2181", "2121",
    ];
    let members = import(&app, &org, &admin, "SE", &codes).await;
    let region = created(
        &app,
        &admin,
        &format!("{base}/members"),
        json!({"kind": "region", "name": "Region Gävleborg", "country": "SE", "org_number": "232100-0198"}),
    )
    .await;
    let region = s(&region, "id").to_owned();
    let model = created(
        &app,
        &admin,
        &format!("{base}/fee-models"),
        json!({"fee_year": 2027, "name": "Kraftsamling Gävleborg",
               "model": {"type": "pool", "currency": "SEK", "total": "2500000.00",
                         "key": {"type": "population"},
                         "co_funders": [{"member_id": region, "percent": "40"}]},
               "indexation": null}),
    )
    .await;
    let model = s(&model, "id").to_owned();

    // The board's preview of the whole pool: the region's 40 % comes off first.
    let mut ids: Vec<String> = members.values().cloned().collect();
    ids.push(region.clone());
    let preview = app
        .post(
            &admin,
            &format!("{base}/contributions/preview"),
            &json!({"fee_year": 2027, "fee_model_id": model, "member_ids": ids}),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let share: BTreeMap<String, String> = preview.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (s(r, "member").to_owned(), s(r, "total").to_owned()))
        .collect();
    assert_eq!(share["Region Gävleborg"], "1000000.00");
    let municipalities: rust_decimal::Decimal = members
        .keys()
        .map(|name| share[name].parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(municipalities, rust_decimal::Decimal::new(150000000, 2));

    // Every member's agreement is entered, then the letters go out one at a time.
    let mut agreements = Vec::new();
    for (name, id) in members
        .iter()
        .chain([(&"Region Gävleborg".to_owned(), &region)])
    {
        let a = created(
            &app,
            &admin,
            &format!("{base}/agreements"),
            json!({"member_id": id, "pro_rata": "whole_months", "notice_months": 3,
                   "start_date": "2027-01-01", "end_date": "2027-12-31",
                   "terms": {"fixed": [{"id": "kraftsamling", "fee_model_id": model}]}}),
        )
        .await;
        agreements.push((name.clone(), format!("{base}/agreements/{}", s(&a, "id"))));
    }
    for (name, agreement) in &agreements {
        let offer = created(&app, &admin, &format!("{agreement}/offers"), json!({})).await;
        assert_eq!(offer["fee_year"], 2027);
        let r = app
            .get(&admin, &format!("{agreement}/contribution?year=2027"))
            .await;
        assert_eq!(
            r.body["lines"][0]["amount"].as_str(),
            Some(share[name].as_str()),
            "{name}"
        );
        let amount = rust_decimal::Decimal::from_str_exact(&share[name]).unwrap();
        let printed = format_sek(amount);
        let text = text_of(&app, &admin, &org, s(&offer, "id")).await;
        assert_says(&text, &[&printed, "Avtalet gäller 2027-01-01 – 2027-12-31"]);
    }
    // The letters issued first still say what they said: documents never change.
    let docs = app
        .get(
            &admin,
            &format!(
                "{base}/documents?agreement_id={}",
                agreements[0].1.rsplit('/').next().unwrap()
            ),
        )
        .await;
    assert_eq!(docs.body["items"].as_array().unwrap().len(), 1);
}

/// "1 234 567,89 kr" as the documents print it (with plain spaces, as pdftotext gives).
fn format_sek(amount: rust_decimal::Decimal) -> String {
    let text = format!("{:.2}", amount);
    let (int, frac) = text.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    format!("{grouped},{frac} kr")
}

/// Scandinavian Science Cluster: an Interreg budget over 2016–2018 in EUR, entered in one
/// request, half of it EU funding; partners on both sides of the border pay their agreed
/// percentages in SEK and NOK. Their letters and invoices show the EUR amount, the rate,
/// its date and source, and the amount in their own currency.
async fn ssc_budget_over_three_years_in_eur_billed_in_sek_and_nok(backend: Backend) {
    let app = spawn_app(backend).await;
    let (created_org, admin, base) = organisation(
        &app,
        json!({
            "name": "Scandinavian Science Cluster", "legal_name": "Innovatum AB",
            "country": "SE", "org_number": "556530-8680",
            "address": {"line1": "Box 1", "postal_code": "461 29", "city": "Trollhättan"},
            "contact_email": "ssc@innovatum.se", "bankgiro": "5050-1055",
            "iban": "SE45 5000 0000 0583 9825 7466", "bic": "ESSESESS",
            // The Norwegian partners pay NOK to the project's Norwegian account.
            "accounts": {"NOK": {"kontonummer": "8601.11.17947"}},
            "signatories": [{"name": "Projektledare SSC", "title": "Innovatum AB"}]
        }),
    )
    .await;
    let org = s(&created_org, "id").to_owned();
    let mut members = import(&app, &org, &admin, "SE", &["1488"]).await;
    members.extend(import(&app, &org, &admin, "NO", &["3101"]).await);
    let (trollhattan, halden) = (members["Trollhättan"].clone(), members["Halden"].clone());
    // What an invoice to each needs (the shipped data has Halden's organisation number).
    for (id, body) in [
        (
            &trollhattan,
            json!({"org_number": "212000-1504", "buyer_reference": "SSC",
                   "billing_address": {"line1": "Gärdhemsvägen 9", "postal_code": "461 83", "city": "Trollhättan"}}),
        ),
        (
            &halden,
            json!({"buyer_reference": "SSC",
                   "billing_address": {"line1": "Postboks 150", "postal_code": "1751", "city": "Halden", "country": "NO"}}),
        ),
    ] {
        let r = app
            .patch(&admin, &format!("{base}/members/{id}"), &body)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    // The project's services, the same three years, in one request.
    let item = created(
        &app,
        &admin,
        &format!("{base}/price-lists/2016/items"),
        json!({"code": "WORKSHOP", "name_sv": "Workshop", "name_nb": "Verksted", "unit": "day",
               "unit_price": "12000.00", "currency": "SEK", "vat": "25", "through_year": 2018}),
    )
    .await;
    assert_eq!(item["through_year"], 2018);
    for year in 2016..=2018 {
        let list = app.get(&admin, &format!("{base}/price-lists/{year}")).await;
        assert_eq!(list.body["items"][0]["code"], "WORKSHOP", "{year}");
    }

    // 3 606 848 EUR over three years in one request, 50 % EU and Interreg funding.
    let model = created(
        &app,
        &admin,
        &format!("{base}/fee-models"),
        json!({"fee_year": 2016, "name": "Partnerfinansiering SSC",
               "model": {"type": "pool", "currency": "EUR",
                         "totals": {"2016": "1202283.00", "2017": "1202283.00", "2018": "1202282.00"},
                         "external_percent": "50",
                         "key": {"type": "agreed", "percentages": {trollhattan.clone(): "60", halden.clone(): "40"}}},
               "indexation": null}),
    )
    .await;
    let model = s(&model, "id").to_owned();
    let mut agreements = BTreeMap::new();
    for (name, id, rate, date, source) in [
        (
            "Trollhättan",
            &trollhattan,
            "9.3537",
            "2015-12-30",
            "Riksbanken",
        ),
        ("Halden", &halden, "9.6030", "2015-12-30", "Norges Bank"),
    ] {
        let a = created(
            &app,
            &admin,
            &format!("{base}/agreements"),
            json!({"member_id": id, "pro_rata": "days", "notice_months": 3,
                   "start_date": "2016-01-01", "end_date": "2018-12-31",
                   "terms": {"fixed": [{"id": "partnerandel", "fee_model_id": model}],
                             "conversion": {"from": "EUR", "rate": rate, "date": date, "source": source}}}),
        )
        .await;
        agreements.insert(name, format!("{base}/agreements/{}", s(&a, "id")));
    }

    // Trollhättan, in Swedish: 60 % of 601 141.50 EUR = 360 684.90 EUR × 9.3537
    // = 3 373 738.35 SEK for 2016, and every year of the project.
    let offer = created(
        &app,
        &admin,
        &format!("{}/offers", agreements["Trollhättan"]),
        json!({"date": "2015-12-30"}),
    )
    .await;
    assert_eq!(offer["fee_year"], 2016);
    let letter = text_of(&app, &admin, &org, s(&offer, "id")).await;
    assert_says(
        &letter,
        &[
            "Avtalet gäller 2016-01-01 – 2018-12-31.",
            "Uppsägningstiden är 3 månader.",
            "60 % av 601 141,50 EUR = 360 684,90 EUR × 9,3537 3 373 738,35 kr",
            "Beloppen är beräknade i EUR och omräknade till SEK med kursen 9,3537 SEK per EUR (Riksbanken, 2015-12-30).",
            "Avgift per år",
            "2016 360 684,90 EUR 3 373 738,35 kr",
            "2017 360 684,90 EUR 3 373 738,35 kr",
            // 2018's budget is 1 EUR less: 360 684.60 EUR.
            "2018 360 684,60 EUR",
        ],
    );
    // Halden, in Norwegian: 40 % = 240 456.60 EUR × 9.6030 = 2 309 104.73 NOK.
    let offer = created(
        &app,
        &admin,
        &format!("{}/offers", agreements["Halden"]),
        json!({"date": "2015-12-30"}),
    )
    .await;
    assert_eq!(offer["language"], "nb");
    let letter = text_of(&app, &admin, &org, s(&offer, "id")).await;
    assert_says(
        &letter,
        &[
            "Avtalen gjelder 01.01.2016 – 31.12.2018.",
            "240 456,60 EUR × 9,603 2 309 104,73 kr",
            "Beløpene er beregnet i EUR og omregnet til NOK med kursen 9,603 NOK per EUR (Norges Bank, 30.12.2015).",
        ],
    );

    // The 2016 invoices say the same: the year's EUR amount, the rate, its source and
    // date, and the amount to pay in SEK or NOK.
    for agreement in agreements.values() {
        let r = app
            .post(
                &admin,
                &format!("{agreement}/transitions"),
                &json!({"to": "accepted", "date": "2015-12-31", "signed_by": "Kommunstyrelsen", "decision_reference": "KS 2015/1"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        transition(&app, &admin, agreement, json!({"to": "active"})).await;
    }
    let run = created(
        &app,
        &admin,
        &format!("{base}/invoice-runs"),
        json!({"from": "2016-01-01", "to": "2016-12-31"}),
    )
    .await;
    let invoices = run["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 2, "{run}");
    let by_member: BTreeMap<&str, &Value> =
        invoices.iter().map(|i| (s(i, "member_id"), i)).collect();
    let troll = by_member[trollhattan.as_str()];
    assert_eq!(
        (s(troll, "currency"), s(troll, "total")),
        ("SEK", "3373738.35")
    );
    assert_says(
        &text_of(&app, &admin, &org, s(troll, "document_id")).await,
        &[
            "årsbelopp 360 684,90 EUR × 9,3537 SEK/EUR (Riksbanken, 2015-12-30)",
            "3 373 738,35",
        ],
    );
    let mut einvoices = Vec::new();
    for i in invoices {
        let xml = fetch(
            &app,
            &admin,
            &format!("{base}/invoices/{}/e-invoice", s(i, "id")),
        )
        .await;
        einvoices.push((s(i, "number"), xml));
    }
    valid_einvoices(&einvoices);
    let hald = by_member[halden.as_str()];
    assert_eq!(
        (s(hald, "currency"), s(hald, "total")),
        ("NOK", "2309104.73")
    );
    let halden_invoice = text_of(&app, &admin, &org, s(hald, "document_id")).await;
    assert_says(
        &halden_invoice,
        &[
            "årsbeløp 240 456,60 EUR × 9,603 NOK/EUR (Norges Bank, 30.12.2015)",
            "Kontonummer 8601.11.17947",
        ],
    );
    // Not the Swedish accounts: they take SEK.
    assert_never_says(&halden_invoice, &["5050-1055", "SE45"]);
}

crate::on_both_backends!(
    navet_offers_bollebygd_and_invoices_its_year,
    a_member_joining_a_pool_re_splits_only_what_is_not_issued,
    bergslagsakademin_offers_membership_by_kind,
    regent_mails_its_roster_once,
    kraftsamling_letters_one_by_one_show_the_whole_pools_shares,
    ssc_budget_over_three_years_in_eur_billed_in_sek_and_nok,
);
