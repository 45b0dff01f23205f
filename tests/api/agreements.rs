use serde_json::{Value, json};

use crate::helpers::{Backend, Reply, TestApp, bollebygd, error_fields, input, spawn_app};

/// An organisation with an admin token, Bollebygd as a member (9 784 inhabitants at
/// 2025-12-31), and a fee model of 28.50 SEK per inhabitant for 2027.
pub(crate) struct Setup {
    pub(crate) org: String,
    pub(crate) admin: String,
    pub(crate) member: String,
    pub(crate) model: String,
}

pub(crate) async fn setup(app: &TestApp) -> Setup {
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &bollebygd(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/fee-models"),
            &json!({
                "fee_year": 2027,
                "name": "Medlemsavgift per invånare",
                "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28.50"},
                "indexation": null
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let model = r.body["id"].as_str().unwrap().to_owned();
    Setup {
        org,
        admin,
        member,
        model,
    }
}

impl Setup {
    pub(crate) fn agreements(&self) -> String {
        format!("/api/v1/organisations/{}/agreements", self.org)
    }

    pub(crate) fn new_agreement(&self, start: &str) -> Value {
        json!({
            "member_id": self.member,
            "pro_rata": "whole_months",
            "notice_months": 6,
            "start_date": start,
            "terms": {"fixed": [{"id": "fast-del", "fee_model_id": self.model}]}
        })
    }

    /// Creates an agreement and returns its path.
    pub(crate) async fn create(&self, app: &TestApp, token: &str, body: &Value) -> String {
        let r = app.post(token, &self.agreements(), body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        format!("{}/{}", self.agreements(), r.body["id"].as_str().unwrap())
    }
}

pub(crate) async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> Reply {
    app.send(app.client.put(app.url(path)).bearer_auth(token).json(body))
        .await
}

pub(crate) async fn move_to(app: &TestApp, token: &str, agreement: &str, body: Value) -> Reply {
    app.post(token, &format!("{agreement}/transitions"), &body)
        .await
}

async fn contribution_explains_the_fee_and_pro_rates_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let agreement = s
        .create(&app, &s.admin, &s.new_agreement("2027-01-01"))
        .await;

    // 28.50 kr × 9 784 = 278 844.00 kr, with every input named.
    let r = app
        .get(&s.admin, &format!("{agreement}/contribution?year=2027"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["fee_year"].as_i64(), r.body["version"].as_i64()),
        (Some(2027), Some(1))
    );
    assert_eq!(r.body["member_id"], s.member.as_str());
    let line = &r.body["lines"][0];
    assert_eq!(
        (&line["component"], &line["kind"], &line["source"]),
        (&json!("fast-del"), &json!("fixed"), &json!("terms"))
    );
    assert_eq!(line["amount"], "278844.00");
    assert_eq!(line["currency"], "SEK");
    assert_eq!(line["vat"], "outside_scope");
    assert_eq!(
        input(line, "population"),
        &json!({"name": "population", "type": "population_at", "count": 9784, "date": "2025-12-31"})
    );
    assert_eq!(
        input(line, "rate"),
        &json!({"name": "rate", "type": "decimal", "value": "28.50"})
    );
    assert_eq!(
        line["steps"][0],
        json!({"type": "multiplied", "quantity": "population_part", "left": "28.50", "right": "9784", "result": "278844.00"})
    );
    assert_eq!(
        r.body["totals"],
        json!([{"currency": "SEK", "vat": "outside_scope", "vat_exempt_reason": null, "amount": "278844.00"}])
    );

    // Joining on 15 March with whole months pays from April: 9/12. Another member of the
    // same size joins: a member has one agreement at a time.
    let mut other = bollebygd();
    other["name"] = json!("Marks kommun");
    other["municipality_code"] = json!("1463");
    let r = app
        .post(
            &s.admin,
            &format!("/api/v1/organisations/{}/members", s.org),
            &other,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut body = s.new_agreement("2027-03-15");
    body["member_id"] = r.body["id"].clone();
    let late = s.create(&app, &s.admin, &body).await;
    let r = app
        .get(&s.admin, &format!("{late}/contribution?year=2027"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let line = &r.body["lines"][0];
    assert_eq!(line["amount"], "209133.00");
    assert_eq!(
        input(line, "pro_rata_fraction"),
        &json!({"name": "pro_rata_fraction", "type": "fraction", "numerator": 9, "denominator": 12})
    );
    assert!(
        line["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["type"] == "pro_rated")
    );

    // A service from the price list: 12 ordered, 2 included in the fixed part, 10 % off.
    let r = app
        .post(
            &s.admin,
            &format!("/api/v1/organisations/{}/price-lists/2027/items", s.org),
            &json!({"code": "SKOLPROG", "name_sv": "Skolprogram", "unit": "class", "unit_price": "1450.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let terms = json!({
        "fixed": [{"id": "fast-del", "fee_model_id": s.model}],
        "variable": [{"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "12", "discount_percent": "10", "included_quantity": "2"}]
    });
    let r = put(&app, &s.admin, &format!("{agreement}/terms"), &terms).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 1);
    let r = app
        .get(&s.admin, &format!("{agreement}/contribution?year=2027"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let line = &r.body["lines"][1];
    // (12 − 2) × 1 450.00 × 0.90 = 13 050.00
    assert_eq!(
        (
            &line["kind"],
            &line["component"],
            &line["amount"],
            &line["vat"]
        ),
        (
            &json!("variable"),
            &json!("SKOLPROG"),
            &json!("13050.00"),
            &json!("25")
        )
    );
    let steps: Vec<&str> = line["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["billable", "multiplied", "discounted", "rounded"]);
    let totals: Vec<(&str, &str)> = r.body["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["vat"].as_str().unwrap(), t["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(totals, [("outside_scope", "278844.00"), ("25", "13050.00")]);

    // A variable cap brings the variable part down to it.
    let mut capped = terms.clone();
    capped["variable_cap"] = json!("10000.00");
    assert_eq!(
        put(&app, &s.admin, &format!("{agreement}/terms"), &capped)
            .await
            .status,
        200
    );
    let r = app
        .get(&s.admin, &format!("{agreement}/contribution?year=2027"))
        .await;
    let last = r.body["lines"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["kind"], &last["source"], &last["amount"]),
        (&json!("cap_adjustment"), &json!("cap"), &json!("-3050.00"))
    );

    // An item code that is not on the year's price list is named when calculating.
    let mut unknown = terms.clone();
    unknown["variable"][0]["item_code"] = json!("PLANETARIUM");
    assert_eq!(
        put(&app, &s.admin, &format!("{late}/terms"), &unknown)
            .await
            .status,
        200
    );
    let r = app
        .get(&s.admin, &format!("{late}/contribution?year=2027"))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["code"], "unknown_price_list_item");
    assert!(r.body["detail"].as_str().unwrap().contains("PLANETARIUM"));

    // No population count at 2026-12-31 for fee year 2028.
    let r = app
        .get(&s.admin, &format!("{agreement}/contribution?year=2028"))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["code"], "missing_population");
    assert!(r.body["detail"].as_str().unwrap().contains("2026-12-31"));

    let r = app
        .get(&s.admin, &format!("{agreement}/contribution"))
        .await;
    assert_eq!(
        (r.status, error_fields(&r.body)),
        (422, vec!["year".to_owned()])
    );
    let r = app
        .get(&s.admin, &format!("{agreement}/contribution?year=twenty"))
        .await;
    assert_eq!(
        (r.status, error_fields(&r.body)),
        (422, vec!["year".to_owned()])
    );
}

async fn terms_are_checked_field_by_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let r = app
        .post(
            &s.admin,
            &s.agreements(),
            &json!({
                "member_id": s.member,
                "currency": "DKK",
                "pro_rata": "weeks",
                "notice_months": 500,
                "start_date": "2027-01-01",
                "end_date": "2026-12-31",
                "terms": {
                    "fixed": [
                        {"id": "fast-del", "fee_model_id": "no-such-model"},
                        {"id": "fast-del", "model": {"model": {"type": "flat", "currency": "SEK", "amount": "abc"}}},
                        {"id": "tom"}
                    ],
                    "variable": [{"fee_year": 1999, "item_code": "SKOLPROG", "quantity": "-1", "discount_percent": "110"}]
                }
            }),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let mut fields = error_fields(&r.body);
    fields.sort();
    assert_eq!(
        fields,
        ["currency", "end_date", "notice_months", "pro_rata",],
        "the details are checked before the terms, whose amounts need the currency"
    );

    let r = app
        .post(
            &s.admin,
            &s.agreements(),
            &json!({
                "member_id": s.member,
                "pro_rata": "days",
                "notice_months": 6,
                "start_date": "2027-01-01",
                "terms": {
                    "fixed": [
                        {"id": "fast-del", "fee_model_id": "no-such-model"},
                        {"id": "fast-del", "model": {"model": {"type": "flat", "currency": "SEK", "amount": "abc"}}},
                        {"id": "tom"},
                        {"id": "eur", "model": {"model": {"type": "flat", "currency": "EUR", "amount": "100"}}},
                        {"id": "delad", "model": {"model": {"type": "pool", "currency": "SEK", "total": "100", "key": {"type": "equal"}}}}
                    ],
                    "variable": [{"fee_year": 1999, "item_code": "SKOL PROG", "quantity": "-1", "discount_percent": "110"}],
                    "variable_cap": "1.001"
                }
            }),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let mut fields = error_fields(&r.body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "terms.fixed[0].fee_model_id",
            "terms.fixed[1].id",
            "terms.fixed[1].model.model.amount",
            "terms.fixed[2].fee_model_id",
            "terms.fixed[3].model.model.currency",
            "terms.fixed[4].model.model.type",
            "terms.variable[0].discount_percent",
            "terms.variable[0].fee_year",
            "terms.variable[0].item_code",
            "terms.variable[0].quantity",
            "terms.variable_cap",
        ]
    );

    // Shape errors name their path too; terms are required.
    let mut body = s.new_agreement("2027-01-01");
    body["terms"]["fixed"][0]["colour"] = json!("blå");
    let r = app.post(&s.admin, &s.agreements(), &body).await;
    assert_eq!(error_fields(&r.body), ["terms.fixed[0].colour"]);
    let mut body = s.new_agreement("2027-01-01");
    body.as_object_mut().unwrap().remove("terms");
    let r = app.post(&s.admin, &s.agreements(), &body).await;
    assert_eq!(error_fields(&r.body), ["terms"]);

    // The member must belong to the organisation and not be archived.
    let (other_org, other_admin) = app.organisation_with_admin("Annan").await;
    let r = app
        .post(
            &other_admin,
            &format!("/api/v1/organisations/{other_org}/agreements"),
            &json!({"member_id": s.member, "currency": "SEK", "pro_rata": "days", "notice_months": 0, "start_date": "2027-01-01", "terms": {}}),
        )
        .await;
    assert_eq!(
        (r.status, error_fields(&r.body)),
        (422, vec!["member_id".to_owned()])
    );
    let mut mark = bollebygd();
    mark["name"] = json!("Marks kommun");
    mark["municipality_code"] = json!("1463");
    let r = app
        .post(
            &s.admin,
            &format!("/api/v1/organisations/{}/members", s.org),
            &mark,
        )
        .await;
    let mark_id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &s.admin,
            &format!("/api/v1/organisations/{}/members/{mark_id}/archive", s.org),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut body = s.new_agreement("2027-01-01");
    body["member_id"] = json!(mark_id);
    let r = app.post(&s.admin, &s.agreements(), &body).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("member_archived"))
    );
}

async fn lifecycle_versions_and_usage(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let agreement = s
        .create(&app, &s.admin, &s.new_agreement("2027-01-01"))
        .await;
    let r = app.get(&s.admin, &agreement).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "draft");
    assert_eq!(
        r.body["currency"], "SEK",
        "the member's currency by default"
    );
    assert_eq!(r.body["current_version"]["effective_from"], "2027-01-01");
    assert_eq!(r.body["history"], json!([]));

    // A draft's details and terms change in place.
    let r = app
        .patch(
            &s.admin,
            &agreement,
            &json!({"notice_months": 12, "end_date": null}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["notice_months"].as_i64()),
        (200, Some(12))
    );
    let terms =
        json!({"fixed": [{"id": "fast-del", "fee_model_id": s.model, "vat": "outside_scope"}]});
    assert_eq!(
        put(&app, &s.admin, &format!("{agreement}/terms"), &terms)
            .await
            .status,
        200
    );

    // Usage waits for the member's acceptance.
    let usage = json!({"used_on": "2027-05-12", "item_code": "SKOLPROG", "quantity": "3", "note": "Klass 5B"});
    let r = app
        .post(&s.admin, &format!("{agreement}/usage"), &usage)
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("agreement_not_concluded"))
    );

    let r = move_to(
        &app,
        &s.admin,
        &agreement,
        json!({"to": "offered", "note": "Skickat till kommundirektören"}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("offered")),
        "{}",
        r.body
    );

    // Offered terms are no longer changed in place.
    let r = put(&app, &s.admin, &format!("{agreement}/terms"), &terms).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("agreement_not_draft"))
    );
    let r = app
        .patch(&s.admin, &agreement, &json!({"notice_months": 3}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(app.delete(&s.admin, &agreement).await.status, 409);

    // Accepting needs the date, who signed and the member's decision.
    let r = move_to(&app, &s.admin, &agreement, json!({"to": "accepted"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        error_fields(&r.body),
        ["date", "signed_by", "decision_reference"]
    );
    let r = move_to(
        &app,
        &s.admin,
        &agreement,
        json!({"to": "accepted", "date": "2026-12-01", "signed_by": "Anna Andersson, kommundirektör", "decision_reference": "KS 2026/123"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            &r.body["status"],
            &r.body["accepted_on"],
            &r.body["decision_reference"]
        ),
        (
            &json!("accepted"),
            &json!("2026-12-01"),
            &json!("KS 2026/123")
        )
    );

    // A move the lifecycle does not allow is a 409 that says from where to where.
    let r = move_to(&app, &s.admin, &agreement, json!({"to": "expired"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["code"], "transition_not_allowed");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("accepted") && detail.contains("expired") && detail.contains("active"),
        "{detail}"
    );
    let r = app
        .send(
            app.client
                .post(app.url(&format!("{agreement}/transitions")))
                .bearer_auth(&s.admin)
                .header("Accept-Language", "en")
                .json(&json!({"to": "draft"})),
        )
        .await;
    assert_eq!(
        r.body["detail"],
        "An agreement in status accepted cannot go to draft. Allowed from here: active."
    );

    // Accepted terms change by a new version; version 1 stays as it was.
    let r = put(&app, &s.admin, &format!("{agreement}/terms"), &terms).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("agreement_not_draft"))
    );
    let new_terms = json!({"fixed": [{"id": "fast-del", "fee_model_id": s.model, "amount_override": "300000.00"}]});
    let versions = format!("{agreement}/versions");
    let r = app
        .post(
            &s.admin,
            &versions,
            &json!({"effective_from": "2026-06-01", "terms": new_terms}),
        )
        .await;
    assert_eq!(
        (r.status, error_fields(&r.body)),
        (422, vec!["effective_from".to_owned()])
    );
    let r = app
        .post(
            &s.admin,
            &versions,
            &json!({"effective_from": "2028-01-01", "terms": new_terms}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (
            r.body["version"].as_i64(),
            r.body["effective_from"].as_str()
        ),
        (Some(2), Some("2028-01-01"))
    );
    let r = app.get(&s.admin, &versions).await;
    let listed: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [1, 2]);
    let r = app.get(&s.admin, &format!("{versions}/1")).await;
    assert_eq!(r.body["terms"]["fixed"], terms["fixed"]);
    let r = app.get(&s.admin, &format!("{versions}/2")).await;
    assert_eq!(r.body["terms"]["fixed"][0]["amount_override"], "300000.00");
    assert_eq!(
        app.get(&s.admin, &format!("{versions}/3")).await.status,
        404
    );
    assert_eq!(
        app.get(&s.admin, &agreement).await.body["latest_version"],
        2
    );

    // Each fee year uses the version in force on its 31 December.
    let r = app
        .get(&s.admin, &format!("{agreement}/contribution?year=2027"))
        .await;
    assert_eq!(
        (
            r.body["version"].as_i64(),
            r.body["lines"][0]["amount"].as_str()
        ),
        (Some(1), Some("278844.00"))
    );
    let r = app
        .get(&s.admin, &format!("{agreement}/contribution?year=2028"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.body["version"].as_i64(),
            r.body["lines"][0]["amount"].as_str()
        ),
        (Some(2), Some("300000.00"))
    );

    let r = move_to(&app, &s.admin, &agreement, json!({"to": "active"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let history: Vec<(&str, &str)> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str().unwrap(), e["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        history,
        [
            ("draft", "offered"),
            ("offered", "accepted"),
            ("accepted", "active")
        ]
    );
    assert_eq!(
        r.body["history"][0]["note"],
        "Skickat till kommundirektören"
    );

    // Usage recorded after the fact is billed with its year, at the list price.
    let r = app
        .post(
            &s.admin,
            &format!("/api/v1/organisations/{}/price-lists/2027/items", s.org),
            &json!({"code": "SKOLPROG", "name_sv": "Skolprogram", "unit": "class", "unit_price": "1450.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(&s.admin, &format!("{agreement}/usage"), &usage)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.body["quantity"].as_str(), r.body["used_on"].as_str()),
        (Some("3"), Some("2027-05-12"))
    );
    let r = app
        .post(
            &s.admin,
            &format!("{agreement}/usage"),
            &json!({"used_on": "2026-05-12", "item_code": "OKÄND", "quantity": "x"}),
        )
        .await;
    let mut fields = error_fields(&r.body);
    fields.sort();
    assert_eq!(fields, ["item_code", "quantity"]);
    let r = app
        .post(
            &s.admin,
            &format!("{agreement}/usage"),
            &json!({"used_on": "2026-05-12", "item_code": "SKOLPROG", "quantity": "1"}),
        )
        .await;
    assert_eq!(error_fields(&r.body), ["used_on", "item_code"]);
    let r = app
        .get(&s.admin, &format!("{agreement}/usage?year=2027"))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = app
        .get(&s.admin, &format!("{agreement}/contribution?year=2027"))
        .await;
    let line = &r.body["lines"][1];
    assert_eq!(
        (&line["source"], &line["component"], &line["amount"]),
        (&json!("usage"), &json!("SKOLPROG"), &json!("4350.00"))
    );

    // Terminating needs a date and a reason, and ends the agreement that day.
    let r = move_to(
        &app,
        &s.admin,
        &agreement,
        json!({"to": "terminated", "date": "2028-06-30"}),
    )
    .await;
    assert_eq!(
        (r.status, error_fields(&r.body)),
        (422, vec!["reason".to_owned()])
    );
    let r = move_to(
        &app,
        &s.admin,
        &agreement,
        json!({"to": "terminated", "date": "2028-06-30", "reason": "Uppsagt av kommunen, KF 2027/88"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (&r.body["end_date"], &r.body["terminated_on"]),
        (&json!("2028-06-30"), &json!("2028-06-30"))
    );
    // 300 000.00 × 6/12
    let r = app
        .get(&s.admin, &format!("{agreement}/contribution?year=2028"))
        .await;
    assert_eq!(r.body["lines"][0]["amount"], "150000.00");
    let r = move_to(&app, &s.admin, &agreement, json!({"to": "active"})).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("transition_not_allowed"))
    );
    assert!(r.body["detail"].as_str().unwrap().contains("slutgiltig"));
    let r = app
        .post(
            &s.admin,
            &versions,
            &json!({"effective_from": "2028-03-01", "terms": new_terms}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("agreement_not_in_force"))
    );

    // An offer can be declined, and that is the end of it. (It starts after the terminated
    // agreement ended: a member has one agreement at a time.)
    let offer = s
        .create(&app, &s.admin, &s.new_agreement("2028-07-01"))
        .await;
    assert_eq!(
        move_to(&app, &s.admin, &offer, json!({"to": "offered"}))
            .await
            .status,
        200
    );
    let r = move_to(
        &app,
        &s.admin,
        &offer,
        json!({"to": "declined", "note": "KS 2027/12"}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("declined"))
    );
    let r = move_to(&app, &s.admin, &offer, json!({"to": "offered"})).await;
    assert_eq!(r.status, 409);
    let r = move_to(&app, &s.admin, &offer, json!({"to": "signed"})).await;
    assert_eq!(
        (r.status, error_fields(&r.body)),
        (422, vec!["to".to_owned()])
    );

    // Lists filter by status and member.
    let r = app
        .get(&s.admin, &format!("{}?status=declined", s.agreements()))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = app
        .get(
            &s.admin,
            &format!("{}?member_id={}", s.agreements(), s.member),
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let r = app
        .get(&s.admin, &format!("{}?status=signed", s.agreements()))
        .await;
    assert_eq!(
        (r.status, error_fields(&r.body)),
        (422, vec!["status".to_owned()])
    );

    // A draft can be deleted.
    let draft = s
        .create(&app, &s.admin, &s.new_agreement("2029-01-01"))
        .await;
    assert_eq!(app.delete(&s.admin, &draft).await.status, 204);
    assert_eq!(app.get(&s.admin, &draft).await.status, 404);
}

async fn a_pool_is_shared_among_the_agreements_that_use_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let mut mark = bollebygd();
    mark["name"] = json!("Marks kommun");
    mark["municipality_code"] = json!("1463");
    mark["population"]["count"] = json!(35134);
    let r = app
        .post(
            &s.admin,
            &format!("/api/v1/organisations/{}/members", s.org),
            &mark,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mark_id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &s.admin,
            &format!("/api/v1/organisations/{}/fee-models", s.org),
            &json!({
                "fee_year": 2027,
                "name": "Kostnadsfördelning",
                "model": {"type": "pool", "currency": "SEK", "total": "100000.00", "external_percent": "50", "key": {"type": "equal"}},
                "indexation": null
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pool = r.body["id"].as_str().unwrap().to_owned();
    let terms = json!({"fixed": [{"id": "budget", "fee_model_id": pool}]});
    let mut body = s.new_agreement("2027-01-01");
    body["terms"] = terms.clone();
    let bollebygd = s.create(&app, &s.admin, &body).await;
    body["member_id"] = json!(mark_id);
    let mark = s.create(&app, &s.admin, &body).await;

    // A pool is split over every member in it, offered or not: while both agreements are
    // drafts, each already pays half the net, so a letter offered first says the same.
    let r = app
        .get(&s.admin, &format!("{bollebygd}/contribution?year=2027"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["lines"][0]["amount"], "25000.00");

    // Once the agreements are offered, the net 50 000 is shared in equal parts.
    for agreement in [&bollebygd, &mark] {
        let r = move_to(&app, &s.admin, agreement, json!({"to": "offered"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = app
        .get(&s.admin, &format!("{bollebygd}/contribution?year=2027"))
        .await;
    assert_eq!(r.body["lines"][0]["amount"], "25000.00");
    let mut expected = vec![s.member.clone(), mark_id.clone()];
    expected.sort();
    assert_eq!(r.body["pools"]["budget"], json!(expected));
    assert!(
        r.body["lines"][0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["type"] == "allocated" && s["result"] == "25000.00")
    );
    let r = app
        .get(&s.admin, &format!("{mark}/contribution?year=2027"))
        .await;
    assert_eq!(r.body["lines"][0]["amount"], "25000.00");

    // A declined offer leaves the pool: Bollebygd alone pays the whole net.
    let r = move_to(&app, &s.admin, &mark, json!({"to": "declined"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .get(&s.admin, &format!("{bollebygd}/contribution?year=2027"))
        .await;
    assert_eq!(r.body["lines"][0]["amount"], "50000.00");
}

async fn viewers_read_and_other_organisations_see_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let finance = app.token(&s.org, "finance").await;
    let agreement = s
        .create(&app, &finance, &s.new_agreement("2027-01-01"))
        .await;

    let viewer = app.token(&s.org, "viewer").await;
    for path in [
        s.agreements(),
        agreement.clone(),
        format!("{agreement}/versions"),
        format!("{agreement}/versions/1"),
        format!("{agreement}/usage"),
        format!("{agreement}/contribution?year=2027"),
    ] {
        assert_eq!(app.get(&viewer, &path).await.status, 200, "{path}");
    }
    let r = app
        .post(&viewer, &s.agreements(), &s.new_agreement("2027-01-01"))
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("read_only_token"))
    );
    assert_eq!(
        move_to(&app, &viewer, &agreement, json!({"to": "offered"}))
            .await
            .status,
        403
    );
    assert_eq!(
        put(&app, &viewer, &format!("{agreement}/terms"), &json!({}))
            .await
            .status,
        403
    );
    assert_eq!(app.delete(&viewer, &agreement).await.status, 403);

    // Another organisation's agreement does not exist, under its path or one's own.
    let (other_org, other_admin) = app.organisation_with_admin("Annan").await;
    assert_eq!(app.get(&other_admin, &agreement).await.status, 404);
    let id = agreement.rsplit('/').next().unwrap();
    let foreign = format!("/api/v1/organisations/{other_org}/agreements/{id}");
    for path in [
        foreign.clone(),
        format!("{foreign}/versions"),
        format!("{foreign}/contribution?year=2027"),
    ] {
        let r = app.get(&other_admin, &path).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    assert_eq!(
        move_to(&app, &other_admin, &foreign, json!({"to": "offered"}))
            .await
            .status,
        404
    );
    let r = app
        .get(
            &other_admin,
            &format!("/api/v1/organisations/{other_org}/agreements"),
        )
        .await;
    assert_eq!(r.body["items"], json!([]));
}

crate::on_both_backends!(
    overlapping_agreements_are_refused,
    contribution_explains_the_fee_and_pro_rates_it,
    terms_are_checked_field_by_field,
    lifecycle_versions_and_usage,
    a_pool_is_shared_among_the_agreements_that_use_it,
    viewers_read_and_other_organisations_see_nothing,
);

/// One member has one agreement with the organisation at a time; a declined offer does not
/// count, and neither does a period that ended before the new one starts.
async fn overlapping_agreements_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let mut earlier = s.new_agreement("2020-01-01");
    earlier["end_date"] = json!("2022-12-31");
    s.create(&app, &s.admin, &earlier).await;
    let current = s
        .create(&app, &s.admin, &s.new_agreement("2023-01-01"))
        .await;
    let r = app
        .post(&s.admin, &s.agreements(), &s.new_agreement("2028-01-01"))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "start_date");
    assert_eq!(r.body["errors"][0]["code"], "overlaps_agreement");
    // Once the offer is declined, a new agreement may take its place.
    assert_eq!(
        move_to(&app, &s.admin, &current, json!({"to": "offered"}))
            .await
            .status,
        200
    );
    assert_eq!(
        move_to(&app, &s.admin, &current, json!({"to": "declined"}))
            .await
            .status,
        200
    );
    let r = app
        .post(&s.admin, &s.agreements(), &s.new_agreement("2028-01-01"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}
