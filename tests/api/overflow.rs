//! Amounts and quantities too large for any sum: each is a 422 naming its field, never a
//! panic, a 500 or a stored value that later sums cannot hold.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, bollebygd, error_fields, spawn_app, str_of};

/// Far above what an `i64` of öre holds once two are added (5 × 10¹⁵ kr).
const HUGE: &str = "5000000000000000.00";
/// Rust's largest decimal: any product with it overflows.
const DECIMAL_MAX: &str = "79228162514264337593543950335";

fn assert_422(r: &crate::helpers::Reply, fields: &[&str]) {
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(error_fields(&r.body), fields, "{}", r.body);
}

fn draft(member: &str, lines: Value) -> Value {
    json!({"member_id": member, "period_start": "2027-03-01", "period_end": "2027-03-31",
           "lines": lines})
}

async fn member(app: &TestApp, admin: &str, base: &str) -> String {
    let r = app
        .post(admin, &format!("{base}/members"), &bollebygd())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    str_of(&r.body, "id").to_owned()
}

/// Invoice drafts: a unit price, a quantity, or their product beyond the largest amount.
async fn invoice_lines_too_large_are_422(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let base = format!("/api/v1/organisations/{org}");
    let m = member(&app, &admin, &base).await;
    let invoices = format!("{base}/invoices");

    // Two lines of 50 000 000 000 000 000 kr: their sum would overflow.
    let line = json!({"description": "Avgift", "quantity": "10", "unit_price": HUGE});
    let r = app
        .post(&admin, &invoices, &draft(&m, json!([line, line])))
        .await;
    assert_422(&r, &["lines[0].unit_price", "lines[1].unit_price"]);
    assert_eq!(r.body["errors"][0]["code"], "out_of_range");
    assert_eq!(
        r.body["errors"][0]["message"],
        "ska ligga mellan 0 och 1000000000000"
    );
    // Beyond what an i64 of öre holds, or a decimal.
    for price in ["92233720368547758.08", DECIMAL_MAX] {
        let line = json!({"description": "Avgift", "quantity": "1", "unit_price": price});
        let r = app.post(&admin, &invoices, &draft(&m, json!([line]))).await;
        assert_422(&r, &["lines[0].unit_price"]);
        assert_eq!(r.body["errors"][0]["code"], "out_of_range");
    }
    // A quantity no decimal times a price can hold.
    let line = json!({"description": "Avgift", "quantity": DECIMAL_MAX, "unit_price": "2.00"});
    let r = app.post(&admin, &invoices, &draft(&m, json!([line]))).await;
    assert_422(&r, &["lines[0].quantity"]);
    // Each within bounds, their product not: the largest quantity the price allows is said.
    let line = json!({"description": "Avgift", "quantity": "1000000", "unit_price": "3000000.00"});
    let r = app.post(&admin, &invoices, &draft(&m, json!([line]))).await;
    assert_422(&r, &["lines[0].quantity"]);
    assert_eq!(
        r.body["errors"][0]["message"],
        "ska ligga mellan -333333 och 333333"
    );
    // The same in a draft replaced, in English.
    let ok = json!({"description": "Avgift", "quantity": "1", "unit_price": "100.00"});
    let r = app.post(&admin, &invoices, &draft(&m, json!([ok]))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = str_of(&r.body, "id");
    let r = app
        .send(
            app.client
                .put(app.url(&format!("{invoices}/{id}")))
                .bearer_auth(&admin)
                .header("accept-language", "en")
                .json(&draft(&m, json!([ok, line]))),
        )
        .await;
    assert_422(&r, &["lines[1].quantity"]);
    assert_eq!(
        r.body["errors"][0]["message"],
        "must be between -333333 and 333333"
    );
    // The largest amounts are taken, and add up: three lines of a thousand billion
    // kronor with 25 % VAT.
    let max = json!({"description": "Avgift", "quantity": "1", "unit_price": "1000000000000.00", "vat": "25"});
    let r = app
        .post(&admin, &invoices, &draft(&m, json!([max, max, max])))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["total"], "3750000000000.00", "{}", r.body);
}

/// Price items, agreed terms (quantities, prices, discounts) and recorded usage.
async fn prices_terms_and_usage_too_large_are_422(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let base = format!("/api/v1/organisations/{org}");
    let m = member(&app, &admin, &base).await;
    let items = format!("{base}/price-lists/2027/items");
    let item = |price: &str| {
        json!({"code": "SKOLPROG", "name_sv": "Skolprogram", "unit": "class",
               "unit_price": price, "currency": "SEK", "vat": "25"})
    };
    for price in [HUGE, DECIMAL_MAX] {
        let r = app.post(&admin, &items, &item(price)).await;
        assert_422(&r, &["unit_price"]);
    }
    let r = app.post(&admin, &items, &item("3500.00")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .patch(
            &admin,
            &format!("{items}/SKOLPROG"),
            &json!({"unit_price": HUGE}),
        )
        .await;
    assert_422(&r, &["unit_price"]);

    let agreement = |variable: Value| {
        json!({
            "member_id": m, "notice_months": 6, "pro_rata": "whole_months",
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "terms": {
                "fixed": [{"id": "avgift", "model": {"model":
                    {"type": "flat", "currency": "SEK", "amount": "40000.00"}}}],
                "variable": [variable],
                "billing": {"schedule": "annual", "variable": "arrears", "invoice_day": 15}
            }
        })
    };
    let r = app
        .post(
            &admin,
            &format!("{base}/agreements"),
            &agreement(
                json!({"fee_year": 2027, "item_code": "SKOLPROG", "quantity": DECIMAL_MAX,
                              "included_quantity": DECIMAL_MAX, "unit_price_override": HUGE,
                              "discount_percent": DECIMAL_MAX}),
            ),
        )
        .await;
    assert_422(
        &r,
        &[
            "terms.variable[0].quantity",
            "terms.variable[0].unit_price_override",
            "terms.variable[0].discount_percent",
            "terms.variable[0].included_quantity",
        ],
    );
    let r = app
        .post(
            &admin,
            &format!("{base}/agreements"),
            &agreement(
                json!({"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "1000000001"}),
            ),
        )
        .await;
    assert_422(&r, &["terms.variable[0].quantity"]);
    assert_eq!(
        r.body["errors"][0]["message"],
        "ska ligga mellan 0 och 1000000000"
    );

    let agreement = app
        .concluded_agreement(
            &admin,
            &base,
            &agreement(json!({"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "4"})),
        )
        .await;
    let usage = format!("{agreement}/usage");
    for quantity in [DECIMAL_MAX, "1000000000.5", "-1"] {
        let r = app
            .post(
                &admin,
                &usage,
                &json!({"used_on": "2027-05-12", "item_code": "SKOLPROG", "quantity": quantity}),
            )
            .await;
        assert_422(&r, &["quantity"]);
    }
    // The largest quantity is taken, and its year's statement is computed.
    let r = app
        .post(
            &admin,
            &usage,
            &json!({"used_on": "2027-05-12", "item_code": "SKOLPROG", "quantity": "1000000000"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .get(&admin, &format!("{agreement}/contribution?year=2027"))
        .await;
    assert!(r.status < 500, "{} {}", r.status, r.body);
}

/// Payments registered by hand: the amount, an allocation, a refund.
async fn payments_too_large_are_422(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let base = format!("/api/v1/organisations/{org}");
    let register = |key: &'static str, body: Value| {
        app.send(
            app.client
                .post(app.url(&format!("{base}/payments")))
                .bearer_auth(&admin)
                .header("Idempotency-Key", key)
                .json(&body),
        )
    };
    for amount in [HUGE, DECIMAL_MAX, "92233720368547758.08"] {
        let r = register(
            "a",
            json!({"amount": amount, "paid_on": "2027-03-20", "reference": "99999"}),
        )
        .await;
        assert_422(&r, &["amount"]);
    }
    let r = register(
        "b",
        json!({"amount": "100.00", "paid_on": "2027-03-20",
               "allocations": [{"invoice_id": "x", "amount": HUGE}]}),
    )
    .await;
    assert_422(&r, &["allocations[0].amount"]);
    let r = register(
        "c",
        json!({"amount": "100.00", "paid_on": "2027-03-20", "reference": "99999"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = str_of(&r.body, "id");
    let r = app
        .post(
            &admin,
            &format!("{base}/payments/{id}/refund"),
            &json!({"amount": DECIMAL_MAX}),
        )
        .await;
    assert_422(&r, &["amount"]);
    let r = app
        .post(
            &admin,
            &format!("{base}/payments/{id}/allocations"),
            &json!({"allocations": [{"invoice_id": "x", "amount": HUGE}]}),
        )
        .await;
    assert_422(&r, &["allocations[0].amount"]);
}

/// Each within bounds, 90 000 services at the largest price come to 9 × 10¹⁸ öre, and
/// with their VAT to more than an invoice can hold: the run passes the agreement over,
/// naming it, instead of failing.
async fn a_run_whose_invoice_would_overflow_skips_the_agreement(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let base = format!("/api/v1/organisations/{org}");
    let m = member(&app, &admin, &base).await;
    let r = app
        .post(
            &admin,
            &format!("{base}/price-lists/2027/items"),
            &json!({"code": "LABB", "name_sv": "Labbdag", "unit": "day",
                    "unit_price": "1000000000000.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let agreement = app
        .concluded_agreement(
            &admin,
            &base,
            &json!({
                "member_id": m, "notice_months": 6, "pro_rata": "whole_months",
                "start_date": "2027-01-01", "end_date": "2027-12-31",
                "terms": {
                    "fixed": [{"id": "avgift", "model": {"model":
                        {"type": "flat", "currency": "SEK", "amount": "40000.00"}}}],
                    "variable": [{"fee_year": 2027, "item_code": "LABB", "quantity": "90000"}],
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
    assert!(r.status < 500, "{} {}", r.status, r.body);
    let skipped = r.body["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{}", r.body);
    assert!(agreement.ends_with(str_of(&skipped[0], "agreement_id")));
    assert!(!str_of(&skipped[0], "reason").is_empty());
    assert_eq!(r.body["invoices"], json!([]), "{}", r.body);
}

crate::on_both_backends!(
    a_run_whose_invoice_would_overflow_skips_the_agreement,
    invoice_lines_too_large_are_422,
    prices_terms_and_usage_too_large_are_422,
    payments_too_large_are_422,
);
