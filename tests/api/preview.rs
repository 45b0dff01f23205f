use serde_json::json;

use crate::helpers::{Backend, error_fields, spawn_app};

const SJUHÄRAD: [&str; 8] = [
    "1442", "1443", "1452", "1463", "1465", "1466", "1490", "1491",
];

async fn setup(app: &crate::helpers::TestApp) -> (String, String) {
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/imports/municipalities"),
            &json!({"codes": SJUHÄRAD}),
        )
        .await;
    assert_eq!(r.body["created"], 8, "{}", r.body);
    (org, admin)
}

/// The board's table for a proposal: per inhabitant, population at 31 Dec two years before.
async fn previewing_a_proposed_model(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = setup(&app).await;
    let body = json!({"fee_year": 2027, "fee_model": {"model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28.50"}, "indexation": null}});
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/contributions/preview"),
            &body,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = r.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    let bollebygd = rows
        .iter()
        .find(|row| row["member"] == "Bollebygd")
        .unwrap();
    assert_eq!(bollebygd["fixed"], "278844.00");
    assert_eq!(bollebygd["population"]["count"], 9784);
    assert_eq!(bollebygd["population"]["reference_date"], "2025-12-31");
    let shares: rust_decimal::Decimal = rows
        .iter()
        .map(|row| {
            row["share_percent"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(shares, rust_decimal::Decimal::ONE_HUNDRED);
    // 28.50 × 229 580 inhabitants.
    assert_eq!(r.body["totals"]["fixed"], "6543030.00");
    assert!(r.body["failures"].as_array().unwrap().is_empty());

    // A viewer may look at the table too; nothing was saved.
    let viewer = app.token(&org, "viewer").await;
    assert_eq!(
        app.post(
            &viewer,
            &format!("/api/v1/organisations/{org}/contributions/preview"),
            &body
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.get(&admin, &format!("/api/v1/organisations/{org}/fee-models"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

/// A saved pool: 4.2 M kr, half EU-funded, 50 % equal + 50 % by population; the parts add up.
async fn previewing_a_saved_pool_and_exporting_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = setup(&app).await;
    let r = app.post(&admin, &format!("/api/v1/organisations/{org}/fee-models"), &json!({
        "fee_year": 2027, "name": "Kostnadsfördelning",
        "model": {"type": "pool", "currency": "SEK", "total": "4200000.00", "external_percent": "50",
                  "key": {"type": "weighted", "equal_percent": "50", "population_percent": "50"}},
        "indexation": null
    })).await;
    let model = r.body["id"].as_str().unwrap().to_owned();
    let url = format!("/api/v1/organisations/{org}/contributions/preview");
    let body = json!({"fee_year": 2027, "fee_model_id": model});
    let r = app.post(&admin, &url, &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totals"]["total"], "2100000.00");

    let csv = app
        .client
        .post(app.url(&format!("{url}?format=csv")))
        .bearer_auth(&admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("avgifter-2027.csv")
    );
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("\u{feff}Medlem;Kommunkod;Invånare"),
        "{text}"
    );
    assert!(text.contains("Borås;1490;115238;2025-12-31;"), "{text}");
    assert!(
        text.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("Totalt;;;;"),
        "{text}"
    );
    assert!(text.contains("2100000,00;100,00"), "{text}");

    let xlsx = app
        .client
        .post(app.url(&format!("{url}?format=xlsx")))
        .bearer_auth(&admin)
        .header("accept-language", "en")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
}

async fn preview_reports_what_it_cannot_compute(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = setup(&app).await;
    let url = format!("/api/v1/organisations/{org}/contributions/preview");
    // A member without a population count at the reference date is listed, not dropped.
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &json!({"kind": "municipality", "name": "Nykommun", "country": "SE"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let body = json!({"fee_year": 2027, "fee_model": {"model": {"type": "per_inhabitant", "currency": "SEK", "rate": "10"}, "indexation": null}});
    let r = app.post(&admin, &url, &body).await;
    assert_eq!(r.body["rows"].as_array().unwrap().len(), 8);
    assert_eq!(r.body["failures"][0]["member"], "Nykommun");
    assert_eq!(r.body["failures"][0]["code"], "missing_population");
    // For 2026 no member has a count at 2024-12-31.
    let r = app
        .post(
            &admin,
            &url,
            &json!({"fee_year": 2026, "fee_model": body["fee_model"]}),
        )
        .await;
    assert_eq!(r.body["failures"].as_array().unwrap().len(), 9);

    // A pool needs every member's population: the whole table fails, naming why.
    let pool = json!({"fee_year": 2027, "fee_model": {"model": {"type": "pool", "currency": "SEK", "total": "100000", "key": {"type": "population"}}, "indexation": null}});
    let r = app.post(&admin, &url, &pool).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (422, Some("missing_population")),
        "{}",
        r.body
    );

    let r = app
        .post(
            &admin,
            &url,
            &json!({"fee_year": 1999, "statuses": ["ghost"]}),
        )
        .await;
    let mut fields = error_fields(&r.body);
    fields.sort();
    assert_eq!(fields, ["fee_model_id", "fee_year", "statuses[0]"]);
    let r = app
        .post(
            &admin,
            &url,
            &json!({"fee_year": 2027, "fee_model_id": "nope"}),
        )
        .await;
    assert_eq!(error_fields(&r.body), ["models[0].fee_model_id"]);
    let both = json!({"fee_year": 2027, "models": [{"fee_model_id": "a", "fee_model": body["fee_model"]}]});
    let r = app.post(&admin, &url, &both).await;
    assert_eq!(error_fields(&r.body), ["models[0]"]);
    let r = app.post(&admin, &format!("{url}?format=pdf"), &body).await;
    assert_eq!(error_fields(&r.body), ["format"]);
}

/// Several components add up, and ordered services come from the fee year's price list.
async fn previewing_several_components(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = setup(&app).await;
    let url = format!("/api/v1/organisations/{org}/contributions/preview");
    let per_inhabitant = json!({"model": {"type": "per_inhabitant", "currency": "SEK", "rate": "10"}, "indexation": null});
    let base = json!({"model": {"type": "flat", "currency": "SEK", "amount": "5000.00"}, "indexation": null});
    let r = app.post(&admin, &url, &json!({"fee_year": 2027, "models": [{"fee_model": per_inhabitant}, {"fee_model": base}]})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bollebygd = r.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["member"] == "Bollebygd")
        .unwrap()
        .clone();
    assert_eq!(bollebygd["fixed"], "102840.00");
    assert_eq!(r.body["totals"]["fixed"], "2335800.00");
    let mixed =
        json!({"model": {"type": "flat", "currency": "NOK", "amount": "1.00"}, "indexation": null});
    let r = app
        .post(
            &admin,
            &url,
            &json!({"fee_year": 2027, "models": [{"fee_model": base}, {"fee_model": mixed}]}),
        )
        .await;
    assert_eq!(r.status, 422, "one table, one currency: {}", r.body);
}

crate::on_both_backends!(
    previewing_several_components,
    previewing_a_proposed_model,
    previewing_a_saved_pool_and_exporting_it,
    preview_reports_what_it_cannot_compute
);
