use serde_json::json;

use crate::helpers::{Backend, navet, spawn_app};

async fn operator_creates_and_admin_updates_an_organisation(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app
        .post(
            &app.operator,
            "/api/v1/organisations",
            &navet("Navet science center"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let org = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.headers["location"],
        format!("/api/v1/organisations/{org}")
    );
    assert_eq!(r.body["org_number"], "222000-1321");
    assert_eq!(r.body["vat_number"], "SE222000132101");
    assert_eq!(r.body["bankgiro"], "5050-1055");
    assert_eq!(r.body["address"]["postal_code"], "503 38");
    assert_eq!(r.body["default_language"], "sv");
    assert_eq!(r.body["payment_terms_days"], 30);
    assert_eq!(
        r.body["signatories"][0]["title"],
        "Verksamhetschef Navet science center"
    );
    assert!(r.body["created_at"].as_str().unwrap().ends_with('Z'));

    let admin = app.token(&org, "admin").await;
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/organisations/{org}"),
            &json!({"payment_terms_days": 20, "bankgiro": null, "plusgiro": "28 65 43-4"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["payment_terms_days"], 20);
    assert!(r.body["bankgiro"].is_null());
    assert_eq!(r.body["plusgiro"], "28 65 43-4");
    assert_eq!(
        r.body["name"], "Navet science center",
        "unpatched fields stay"
    );
    let r = app
        .get(&admin, &format!("/api/v1/organisations/{org}"))
        .await;
    assert_eq!(r.body["payment_terms_days"], 20);
}

async fn organisation_rules(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut body = navet("Navet");
    body["vat_number"] = json!("SE212000156101");
    body["iban"] = json!("SE45 5000 0000 0583 9825 7466");
    body["payment_terms_days"] = json!(400);
    body["invoice_prefix"] = json!("NA V");
    body["signatories"] = json!([{"name": "", "title": "Förbundsdirektör"}]);
    let r = app
        .post(&app.operator, "/api/v1/organisations", &body)
        .await;
    assert_eq!(r.status, 422);
    let mut fields = crate::helpers::error_fields(&r.body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "bic",
            "invoice_prefix",
            "payment_terms_days",
            "signatories[0].name",
            "vat_number"
        ]
    );

    let mut body = navet("Navet");
    body["vat_number"] = serde_json::Value::Null;
    let r = app
        .post(&app.operator, "/api/v1/organisations", &body)
        .await;
    assert_eq!(
        crate::helpers::error_fields(&r.body),
        ["vat_number"],
        "registered for VAT needs the number"
    );

    // What can be derived need not be given: the invoice prefix from the name's initials,
    // the registered name, the seat from the address, language, currency and terms from
    // the country.
    let r = app
        .post(
            &app.operator,
            "/api/v1/organisations",
            &json!({
                "name": "Scandinavian Science Cluster",
                "country": "SE",
                "org_number": "556530-8680",
                "address": {"line1": "Box 1", "postal_code": "461 29", "city": "Trollhättan"},
                "contact_email": "ssc@innovatum.se"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    for (field, value) in [
        ("invoice_prefix", json!("SSC")),
        ("legal_name", json!("Scandinavian Science Cluster")),
        ("seat", json!("Trollhättan")),
        ("default_language", json!("sv")),
        ("default_currency", json!("SEK")),
        ("payment_terms_days", json!(30)),
    ] {
        assert_eq!(r.body[field], value, "{field}: {}", r.body);
    }
}

crate::on_both_backends!(
    operator_creates_and_admin_updates_an_organisation,
    organisation_rules
);
