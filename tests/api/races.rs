//! Requests that race: whatever the interleaving, each answer is one a client can act on.

use futures_util::future::join_all;
use serde_json::json;

use rust_decimal::Decimal;

use crate::helpers::{Backend, TestApp, bollebygd, spawn_app, str_of};

/// Eight requests issue the same draft at once: one issues it, the others are told it is
/// issued already (409), never that it does not exist; one number is used.
async fn one_draft_issued_by_many_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(&admin, &format!("{base}/members"), &bollebygd())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
    let r = app
        .post(
            &admin,
            &format!("{base}/invoices"),
            &json!({"member_id": member, "period_start": "2027-03-01", "period_end": "2027-03-31",
                    "lines": [{"description": "Fortbildningsdag", "quantity": "1",
                               "unit_price": "9500.00"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let path = format!("{base}/invoices/{}/issue", str_of(&r.body, "id"));
    let body = json!({"date": "2027-04-01"});
    let answers = join_all((0..8).map(|_| app.post(&admin, &path, &body))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 409, 409, 409, 409, 409, 409, 409],
        "{statuses:?}"
    );
    for r in answers.iter().filter(|r| r.status == 409) {
        assert_eq!(r.body["code"], "already_issued", "{}", r.body);
    }
    let issued = app.get(&admin, &format!("{base}/invoices")).await;
    let numbers: Vec<&str> = issued.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["number"].as_str())
        .collect();
    assert_eq!(numbers, ["NAV-2027-0001"]);
}

/// Two invoice runs of different quarters at the same moment: the year's ordered services
/// (billed in advance) are billed once, whichever run gets there first; the run that found
/// them taken bills its quarter without them, from what is billed by then. Made again, the
/// runs find nothing left, and the year is complete: four quarters and the services once.
/// Bollebygd's agreement for 2027: 40 000 kr a year billed quarterly, and four school
/// programmes (14 000 kr) billed in advance with the first quarter billed.
async fn quarterly_with_services(app: &TestApp, admin: &str, base: &str) {
    let r = app
        .post(
            admin,
            &format!("{base}/price-lists/2027/items"),
            &json!({"code": "SKOLPROG", "name_sv": "Skolprogram", "unit": "class",
                    "unit_price": "3500.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(admin, &format!("{base}/members"), &bollebygd())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
    app.concluded_agreement(
        admin,
        base,
        &json!({
            "member_id": member, "notice_months": 6, "pro_rata": "whole_months",
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "terms": {
                "fixed": [{"id": "avgift", "model": {"model":
                    {"type": "flat", "currency": "SEK", "amount": "40000.00"}}}],
                "variable": [{"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "4"}],
                "billing": {"schedule": "quarterly", "variable": "advance", "invoice_day": 15}
            }
        }),
    )
    .await;
}

/// The year's fixed lines and service lines over every invoice: (count, sum) and count.
async fn year_billed(app: &TestApp, admin: &str, base: &str) -> (usize, Decimal, usize) {
    let invoices = app.get(admin, &format!("{base}/invoices")).await.body;
    let mut fixed = (0, Decimal::ZERO);
    let mut services = 0;
    for i in invoices["items"].as_array().unwrap() {
        let body = app
            .get(admin, &format!("{base}/invoices/{}", str_of(i, "id")))
            .await
            .body;
        for l in body["lines"].as_array().unwrap() {
            if str_of(l, "description").starts_with("Skolprogram") {
                services += 1;
                assert_eq!(str_of(l, "amount"), "14000.00", "{l}");
            } else {
                // Whichever quarter was billed first, each is a quarter of the year.
                assert_eq!(str_of(l, "amount"), "10000.00", "{l}");
                fixed.0 += 1;
                fixed.1 += str_of(l, "amount").parse::<Decimal>().unwrap();
            }
        }
    }
    (fixed.0, fixed.1, services)
}

async fn runs_of_different_periods_at_once_bill_the_services_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    quarterly_with_services(&app, &admin, &base).await;
    let runs = format!("{base}/invoice-runs");
    let q1 = json!({"from": "2027-01-01", "to": "2027-03-31"});
    let q2 = json!({"from": "2027-04-01", "to": "2027-06-30"});
    let (a, b) = tokio::join!(app.post(&admin, &runs, &q1), app.post(&admin, &runs, &q2));
    assert_eq!((a.status, b.status), (201, 201), "{} {}", a.body, b.body);
    assert_eq!(
        year_billed(&app, &admin, &base).await,
        (2, Decimal::from(20_000), 1)
    );
    for run in [&q1, &q2] {
        let r = app.post(&admin, &runs, run).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["invoices"], serde_json::json!([]), "{}", r.body);
    }
    let r = app
        .post(
            &admin,
            &runs,
            &json!({"from": "2027-07-01", "to": "2027-12-31"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        year_billed(&app, &admin, &base).await,
        (4, Decimal::from(40_000), 1)
    );
}

/// The second quarter billed before the first (its run came first): each quarter is a
/// quarter of the year, and the year adds up.
async fn quarters_billed_out_of_order_are_even(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    quarterly_with_services(&app, &admin, &base).await;
    let runs = format!("{base}/invoice-runs");
    for (from, to) in [
        ("2027-04-01", "2027-06-30"),
        ("2027-01-01", "2027-03-31"),
        ("2027-07-01", "2027-12-31"),
    ] {
        let r = app
            .post(&admin, &runs, &json!({"from": from, "to": to}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    assert_eq!(
        year_billed(&app, &admin, &base).await,
        (4, Decimal::from(40_000), 1)
    );
}

crate::on_both_backends!(
    one_draft_issued_by_many_at_once,
    runs_of_different_periods_at_once_bill_the_services_once,
    quarters_billed_out_of_order_are_even,
);
