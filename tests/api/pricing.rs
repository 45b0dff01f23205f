use serde_json::json;

use crate::helpers::{Backend, error_fields, spawn_app};

async fn price_lists_per_year_and_copied_with_an_index(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let items = format!("/api/v1/organisations/{org}/price-lists/2026/items");
    let r = app.post(&admin, &items, &json!({"code": "SKOLPROG", "name_sv": "Skolprogram", "name_nb": "Skoleprogram", "unit": "class", "unit_price": "1450.00", "currency": "SEK", "vat": "25"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["unit_price"], "1450.00");
    let r = app.post(&admin, &items, &json!({"code": "FORTB", "name_sv": "Lärarfortbildning", "unit": "participant", "unit_price": "333.33", "currency": "SEK", "vat": "exempt", "vat_exempt_reason": "Utbildning, 10 kap. 41 § ML"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app.post(&admin, &items, &json!({"code": "SKOLPROG", "name_sv": "Igen", "unit": "class", "unit_price": "1", "currency": "SEK", "vat": "25"})).await;
    assert_eq!(r.status, 409, "{}", r.body);

    // Every bad field at once; a price with öre fractions is refused, not rounded.
    let r = app.post(&admin, &items, &json!({"code": "a b", "name_sv": "", "unit": "bucket", "unit_price": "10.005", "currency": "SEK", "vat": "exempt"})).await;
    assert_eq!(r.status, 422);
    let mut fields = error_fields(&r.body);
    fields.sort();
    assert_eq!(
        fields,
        ["code", "name_sv", "unit", "unit_price", "vat_exempt_reason"]
    );

    let r = app
        .patch(
            &admin,
            &format!("{items}/SKOLPROG"),
            &json!({"unit_price": "1500.00", "name_en": "School programme"}),
        )
        .await;
    assert_eq!(
        (
            r.status,
            r.body["unit_price"].as_str(),
            r.body["name_en"].as_str()
        ),
        (200, Some("1500.00"), Some("School programme"))
    );

    // Copy to 2027 with +3.2 %, rounded to whole kronor.
    let copy = format!("/api/v1/organisations/{org}/price-lists/2027/copy");
    let r = app.post(&admin, &copy, &json!({"from_year": 2026, "index_percent": "3.2", "rounding": {"decimals": 0, "mode": "half_up"}})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let prices: Vec<(&str, &str)> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap(),
                i["unit_price"].as_str().unwrap(),
            )
        })
        .collect();
    // 333.33 × 1.032 = 343.99656 → 344; 1500 × 1.032 = 1548.
    assert_eq!(prices, [("FORTB", "344.00"), ("SKOLPROG", "1548.00")]);
    assert_eq!(
        r.body["items"][0]["vat_exempt_reason"],
        "Utbildning, 10 kap. 41 § ML"
    );
    let r = app
        .post(
            &admin,
            &copy,
            &json!({"from_year": 2026, "index_percent": "1"}),
        )
        .await;
    assert_eq!(r.status, 409, "an existing price list is never overwritten");
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/price-lists/2030/copy"),
            &json!({"from_year": 2019, "index_percent": "1"}),
        )
        .await;
    assert_eq!(r.status, 404);

    assert_eq!(
        app.delete(&admin, &format!("{items}/FORTB")).await.status,
        204
    );
    let r = app
        .get(
            &admin,
            &format!("/api/v1/organisations/{org}/price-lists/2026"),
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);

    // Viewers read, but do not write; other organisations see nothing.
    let viewer = app.token(&org, "viewer").await;
    assert_eq!(
        app.get(
            &viewer,
            &format!("/api/v1/organisations/{org}/price-lists/2027")
        )
        .await
        .status,
        200
    );
    assert_eq!(app.post(&viewer, &items, &json!({})).await.status, 403);
    let (_, other) = app.organisation_with_admin("Annan").await;
    assert_eq!(
        app.get(
            &other,
            &format!("/api/v1/organisations/{org}/price-lists/2027")
        )
        .await
        .status,
        404
    );
}

async fn index_series_and_fee_models(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/index-series"),
            &json!({"name": "PKV", "points": {"2026": "3.0", "2027": "2.5"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let series = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/index-series"),
            &json!({"name": "X", "points": {"year": "3"}}),
        )
        .await;
    assert_eq!(error_fields(&r.body), ["points.year"]);

    let models = format!("/api/v1/organisations/{org}/fee-models");
    let body = json!({
        "fee_year": 2027,
        "name": "Per invånare",
        "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28.50", "floor": "100000.00"},
        "indexation": {"series_id": series, "base_year": 2025, "rounding": {"decimals": 2, "mode": "half_up"}}
    });
    let r = app.post(&admin, &models, &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let model = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["model"]["rate"], "28.50");
    assert_eq!(r.body["indexation"]["base_year"], 2025);

    // An index series of another organisation does not exist here.
    let (other_org, other_admin) = app.organisation_with_admin("Annan").await;
    let mut foreign = body.clone();
    foreign["name"] = json!("Lånad serie");
    let r = app
        .post(
            &other_admin,
            &format!("/api/v1/organisations/{other_org}/fee-models"),
            &foreign,
        )
        .await;
    assert_eq!(error_fields(&r.body), ["indexation.series_id"]);

    let pool = json!({
        "fee_year": 2027,
        "name": "Kostnadsfördelning",
        "model": {"type": "pool", "currency": "SEK", "total": "4200000.00", "external_percent": "50",
                  "key": {"type": "weighted", "equal_percent": "50", "population_percent": "50"}},
        "indexation": null
    });
    assert_eq!(app.post(&admin, &models, &pool).await.status, 201);
    let mut bad = pool.clone();
    bad["name"] = json!("Fel");
    bad["model"]["key"]["population_percent"] = json!("60");
    bad["model"]["total"] = json!(4200000);
    let r = app.post(&admin, &models, &bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.body["errors"][0]["code"], "wrong_type",
        "amounts are strings, never JSON numbers"
    );
    // A model's kind is named: serde would take the number of a kind as well.
    let mut numbered = pool.clone();
    numbered["name"] = json!("Numrerad");
    numbered["model"] = json!({"type": 0, "currency": "SEK", "amount": "100.00"});
    let r = app.post(&admin, &models, &numbered).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["model.type"]);

    let r = app.get(&admin, &format!("{models}?year=2027")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let mut replaced = body.clone();
    replaced["model"]["rate"] = json!("29.00");
    let r = app
        .send(
            app.client
                .put(app.url(&format!("{models}/{model}")))
                .bearer_auth(&admin)
                .json(&replaced),
        )
        .await;
    assert_eq!(
        (r.status, r.body["model"]["rate"].as_str()),
        (200, Some("29.00"))
    );
    assert_eq!(
        app.delete(&admin, &format!("{models}/{model}"))
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(&admin, &format!("{models}/{model}")).await.status,
        404
    );
}

crate::on_both_backends!(
    price_lists_per_year_and_copied_with_an_index,
    index_series_and_fee_models
);
