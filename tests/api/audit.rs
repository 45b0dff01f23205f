use serde_json::{Value, json};

use crate::agreements::{move_to, put, setup};
use crate::helpers::{Backend, TestApp, bollebygd, spawn_app};

/// The trail of one agreement as (action, actor, before, after), oldest first.
async fn trail(
    app: &TestApp,
    token: &str,
    org: &str,
    id: &str,
) -> Vec<(String, String, Value, Value)> {
    let r = app
        .get(
            token,
            &format!("/api/v1/organisations/{org}/audit?entity=agreement&entity_id={id}"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(
                (&e["entity"], &e["entity_id"]),
                (&json!("agreement"), &json!(id))
            );
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
                e["before"].clone(),
                e["after"].clone(),
            )
        })
        .collect()
}

async fn agreement_changes_are_in_the_audit_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    // Tokens are named "<role> i test"; the trail names the token of each change.
    let finance = app.token(&s.org, "finance").await;
    let r = app
        .post(
            &s.admin,
            &format!("/api/v1/organisations/{}/price-lists/2027/items", s.org),
            &json!({"code": "SKOLPROG", "name_sv": "Skolprogram", "unit": "class", "unit_price": "1450.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let agreement = s
        .create(&app, &s.admin, &s.new_agreement("2027-01-01"))
        .await;
    let id = agreement.rsplit('/').next().unwrap().to_owned();
    let r = app
        .patch(&finance, &agreement, &json!({"notice_months": 12}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let terms = json!({
        "fixed": [{"id": "fast-del", "fee_model_id": s.model}],
        "variable": [{"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "12"}]
    });
    let r = put(&app, &s.admin, &format!("{agreement}/terms"), &terms).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let moves = [
        (
            &s.admin,
            json!({"to": "offered", "note": "Skickat till kommundirektören"}),
        ),
        (
            &finance,
            json!({"to": "accepted", "date": "2026-12-01", "signed_by": "Anna Andersson, kommundirektör", "decision_reference": "KS 2026/123"}),
        ),
        (&s.admin, json!({"to": "active"})),
    ];
    for (token, body) in moves {
        let r = move_to(&app, token, &agreement, body).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // A refused change leaves no entry.
    let r = app
        .patch(&s.admin, &agreement, &json!({"notice_months": 3}))
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = app
        .post(
            &s.admin,
            &format!("{agreement}/versions"),
            &json!({"effective_from": "2028-01-01", "terms": {"fixed": [{"id": "fast-del", "fee_model_id": s.model, "amount_override": "300000.00"}]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(
            &finance,
            &format!("{agreement}/usage"),
            &json!({"used_on": "2027-05-12", "item_code": "SKOLPROG", "quantity": "3", "note": "Klass 5B"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let entries = trail(&app, &s.admin, &s.org, &id).await;
    let done: Vec<(&str, &str)> = entries
        .iter()
        .map(|(action, actor, _, _)| (action.as_str(), actor.as_str()))
        .collect();
    assert_eq!(
        done,
        [
            ("create", "admin i test"),
            ("update", "finance i test"),
            ("replace_terms", "admin i test"),
            ("transition", "admin i test"),
            ("transition", "finance i test"),
            ("transition", "admin i test"),
            ("add_version", "admin i test"),
            ("record_usage", "finance i test"),
        ]
    );

    // Created: nothing before; the draft with its first version of the terms after.
    let (_, _, before, after) = &entries[0];
    assert_eq!(before, &Value::Null);
    assert_eq!(
        (&after["id"], &after["status"], &after["notice_months"]),
        (&json!(id), &json!("draft"), &json!(6))
    );
    assert_eq!(after["versions"][0]["version"], 1);
    assert_eq!(
        after["versions"][0]["terms"],
        json!({"fixed": [{"id": "fast-del", "fee_model_id": s.model}], "variable": []}),
        "the terms as JSON, not as text"
    );

    // Changed details: the values before and after.
    let (_, _, before, after) = &entries[1];
    assert_eq!(
        (&before["notice_months"], &after["notice_months"]),
        (&json!(6), &json!(12))
    );
    assert_eq!(before["start_date"], after["start_date"]);

    // Replaced terms: version 1 before and after.
    let (_, _, before, after) = &entries[2];
    assert_eq!(before["version"], 1);
    assert_eq!(before["terms"]["variable"], json!([]));
    assert_eq!(after["terms"], terms);

    // Each move: the status before and after, and what the move recorded.
    let statuses: Vec<(&Value, &Value)> = entries[3..6]
        .iter()
        .map(|(_, _, before, after)| (&before["status"], &after["status"]))
        .collect();
    assert_eq!(
        statuses,
        [
            (&json!("draft"), &json!("offered")),
            (&json!("offered"), &json!("accepted")),
            (&json!("accepted"), &json!("active")),
        ]
    );
    let (_, _, before, after) = &entries[4];
    assert_eq!(before["signed_by"], Value::Null);
    assert_eq!(
        (
            &after["accepted_on"],
            &after["signed_by"],
            &after["decision_reference"]
        ),
        (
            &json!("2026-12-01"),
            &json!("Anna Andersson, kommundirektör"),
            &json!("KS 2026/123")
        )
    );

    // A new version and usage are created under the agreement.
    let (_, _, before, after) = &entries[6];
    assert_eq!(before, &Value::Null);
    assert_eq!(
        (&after["version"], &after["effective_from"]),
        (&json!(2), &json!("2028-01-01"))
    );
    assert_eq!(after["terms"]["fixed"][0]["amount_override"], "300000.00");
    let (_, _, before, after) = &entries[7];
    assert_eq!(before, &Value::Null);
    assert_eq!(
        (
            &after["item_code"],
            &after["quantity"],
            &after["agreement_id"]
        ),
        (&json!("SKOLPROG"), &json!("3"), &json!(id))
    );

    // A deleted draft keeps what it was in the trail.
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
    let draft = s.create(&app, &s.admin, &body).await;
    let draft_id = draft.rsplit('/').next().unwrap().to_owned();
    assert_eq!(app.delete(&finance, &draft).await.status, 204);
    let entries = trail(&app, &s.admin, &s.org, &draft_id).await;
    let done: Vec<(&str, &str)> = entries
        .iter()
        .map(|(action, actor, _, _)| (action.as_str(), actor.as_str()))
        .collect();
    assert_eq!(
        done,
        [("create", "admin i test"), ("delete", "finance i test")]
    );
    let (_, _, before, after) = &entries[1];
    assert_eq!(after, &Value::Null);
    assert_eq!(
        (
            &before["id"],
            &before["start_date"],
            &before["versions"][0]["version"]
        ),
        (&json!(draft_id), &json!("2027-03-15"), &json!(1))
    );

    // Filtered by entity: both agreements, and nothing else.
    let audit = format!("/api/v1/organisations/{}/audit", s.org);
    let r = app
        .get(&s.admin, &format!("{audit}?entity=agreement"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert!(items.iter().all(|e| e["entity"] == "agreement"));
    let r = app.get(&s.admin, &format!("{audit}?entity=invoice")).await;
    assert_eq!(r.body["items"], json!([]));

    // Nothing changes or removes the trail.
    for method in ["DELETE", "PUT", "PATCH", "POST"] {
        for path in [
            audit.clone(),
            format!("{audit}?entity=agreement&entity_id={id}"),
            format!("{audit}/{id}"),
        ] {
            let r = app
                .send(
                    app.client
                        .request(method.parse().unwrap(), app.url(&path))
                        .bearer_auth(&s.admin)
                        .json(&json!([])),
                )
                .await;
            assert!(
                r.status == 404 || r.status == 405,
                "{method} {path}: {}",
                r.status
            );
        }
    }
    assert_eq!(trail(&app, &s.admin, &s.org, &id).await.len(), 8);
}

/// Every entry about `entity`, oldest first, as (entity_id, action, actor, before, after).
async fn entries(
    app: &TestApp,
    token: &str,
    org: &str,
    entity: &str,
) -> Vec<(String, String, String, Value, Value)> {
    let r = app
        .get(
            token,
            &format!("/api/v1/organisations/{org}/audit?entity={entity}"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap().to_owned();
            (
                text("entity_id"),
                text("action"),
                text("actor"),
                e["before"].clone(),
                e["after"].clone(),
            )
        })
        .collect()
}

fn actions(entries: &[(String, String, String, Value, Value)]) -> Vec<&str> {
    entries.iter().map(|e| e.1.as_str()).collect()
}

/// What a fee is computed from — members and their populations, price lists, fee models,
/// index series — is in the trail too; a deleted contact's personal data is not.
async fn members_and_prices_are_in_the_audit_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = setup(&app).await;
    let finance = app.token(&s.org, "finance").await;
    let base = format!("/api/v1/organisations/{}", s.org);
    let member = format!("{base}/members/{}", s.member);
    let r = app
        .patch(&finance, &member, &json!({"name": "Bollebygd"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .send(
            app.client
                .put(app.url(&format!("{member}/population")))
                .bearer_auth(&finance)
                .json(&json!({"count": 9900, "reference_date": "2026-12-31", "source": "SCB"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            &finance,
            &format!("{member}/contacts"),
            &json!({"name": "Anna Andersson", "title": "Kommundirektör",
                    "email": "anna.andersson@bollebygd.se", "receives_offers": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let contact = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .delete(&finance, &format!("{member}/contacts/{contact}"))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);

    let trail = entries(&app, &s.admin, &s.org, "member").await;
    assert_eq!(
        actions(&trail),
        [
            "create",
            "update",
            "record_population",
            "create_contact",
            "delete_contact"
        ]
    );
    assert!(trail.iter().all(|e| e.0 == s.member));
    assert_eq!(trail[0].2, "admin i test");
    assert!(trail[1..].iter().all(|e| e.2 == "finance i test"));
    let (_, _, _, before, after) = &trail[1];
    assert_eq!(
        (&before["name"], &after["name"]),
        (&json!("Bollebygds kommun"), &json!("Bollebygd"))
    );
    let (_, _, _, before, after) = &trail[2];
    assert_eq!(
        (
            before.as_array().unwrap().len() + 1,
            after.as_array().unwrap().len()
        ),
        (2, 2)
    );
    assert!(after.to_string().contains("9900"), "{after}");
    let (_, _, _, before, after) = &trail[4];
    assert_eq!(
        (&before["contact_id"], &before["title"], after),
        (&json!(contact), &json!("Kommundirektör"), &Value::Null)
    );
    let everything = app.get(&s.admin, &format!("{base}/audit")).await;
    assert!(!everything.body.to_string().contains("Anna"));
    assert!(!everything.body.to_string().contains("anna.andersson"));

    let r = app
        .post(
            &finance,
            &format!("{base}/price-lists/2027/items"),
            &json!({"code": "SKOLPROG", "name_sv": "Skolprogram", "unit": "class",
                    "unit_price": "1450.00", "currency": "SEK", "vat": "25"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let item = format!("{base}/price-lists/2027/items/SKOLPROG");
    let r = app
        .patch(&finance, &item, &json!({"unit_price": "1500.00"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.delete(&finance, &item).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let trail = entries(&app, &s.admin, &s.org, "price_item").await;
    assert_eq!(actions(&trail), ["create", "update", "delete"]);
    assert!(trail.iter().all(|e| e.0 == "2027/SKOLPROG"));
    assert_eq!(
        (&trail[1].3["unit_price"], &trail[1].4["unit_price"]),
        (&json!("1450.00"), &json!("1500.00"))
    );
    assert_eq!(trail[2].4, Value::Null);

    // The fee model setup saved, then replaced and deleted.
    let models = entries(&app, &s.admin, &s.org, "fee_model").await;
    assert_eq!(actions(&models), ["create"]);
    let model = models[0].0.clone();
    let body = json!({"fee_year": 2027, "name": "Medlemsavgift per invånare",
                      "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "29.00"},
                      "indexation": null});
    let r = app
        .send(
            app.client
                .put(app.url(&format!("{base}/fee-models/{model}")))
                .bearer_auth(&finance)
                .json(&body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .delete(&finance, &format!("{base}/fee-models/{model}"))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let models = entries(&app, &s.admin, &s.org, "fee_model").await;
    assert_eq!(actions(&models), ["create", "replace", "delete"]);
    assert_eq!(
        (&models[1].3["model"]["rate"], &models[1].4["model"]["rate"]),
        (&json!("28.50"), &json!("29.00"))
    );
}

/// Times are stored without a zone (UTC) and answered as RFC 3339 with their offset, in
/// the trail as in every other view.
async fn times_are_answered_with_their_offset(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(&admin, &format!("{base}/members"), &bollebygd())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app.get(&admin, &format!("{base}/audit")).await;
    let occurred_at = r.body["items"][0]["occurred_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .put(
            &admin,
            &format!("{base}/email-templates/invoice/sv"),
            &json!({"subject": "Faktura", "text": "Hej", "html": "<p>Hej</p>"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let updated_at = r.body["updated_at"].as_str().unwrap().to_owned();
    for time in [occurred_at, updated_at] {
        assert!(
            chrono::DateTime::parse_from_rfc3339(&time).is_ok(),
            "{time} is not RFC 3339 with an offset"
        );
    }
}

crate::on_both_backends!(
    agreement_changes_are_in_the_audit_trail,
    members_and_prices_are_in_the_audit_trail,
    times_are_answered_with_their_offset,
);
