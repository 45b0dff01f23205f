use serde_json::json;

use crate::helpers::{Backend, bollebygd, error_fields, spawn_app};

async fn bad_org_number_is_422_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let mut body = bollebygd();
    body["org_number"] = json!("212000-1562");
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &body,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(r.body["code"], "validation_failed");
    assert_eq!(r.body["status"], 422);
    assert!(
        r.body["type"]
            .as_str()
            .unwrap()
            .ends_with("/validation_failed")
    );
    assert_eq!(r.body["errors"][0]["field"], "org_number");
    assert_eq!(r.body["errors"][0]["code"], "check_digit");
    assert_eq!(
        r.body["errors"][0]["message"],
        "kontrollsiffran stämmer inte"
    );
}

async fn every_bad_field_is_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let body = json!({
        "kind": "kommun",
        "name": " ",
        "country": "SE",
        "org_number": "212000-1562",
        "invoice_email": "faktura-at-bollebygd",
        "peppol_endpoint": "2120001561",
        "billing_address": {"line1": "Box 1", "postal_code": "5172", "city": "Bollebygd"},
        "population": {"count": -5, "reference_date": "31/12/2025"}
    });
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &body,
        )
        .await;
    assert_eq!(r.status, 422);
    let mut fields = error_fields(&r.body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "billing_address.postal_code",
            "invoice_email",
            "kind",
            "name",
            "org_number",
            "peppol_endpoint",
            "population.count",
            "population.reference_date",
        ]
    );
}

async fn norwegian_org_numbers_are_checked_by_mod_11(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app
        .organisation_with_admin("Scandinavian Science Cluster")
        .await;
    let path = format!("/api/v1/organisations/{org}/members");
    let fredrikstad = json!({"kind": "municipality", "name": "Fredrikstad kommune", "country": "NO", "org_number": "940 039 541"});
    let r = app.post(&admin, &path, &fredrikstad).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["org_number"], "940 039 541");
    assert_eq!(r.body["language"], "nb");
    assert_eq!(r.body["currency"], "NOK");
    assert_eq!(r.body["peppol_endpoint"], "0192:940039541");
    let r = app.post(&admin, &path, &json!({"kind": "municipality", "name": "X", "country": "NO", "org_number": "940039542"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "org_number");
    // A Swedish number is not a Norwegian one.
    let r = app.post(&admin, &path, &json!({"kind": "municipality", "name": "X", "country": "NO", "org_number": "212000-1561"})).await;
    assert_eq!(r.status, 422);
}

async fn unknown_fields_are_rejected(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let mut body = bollebygd();
    body["nmae"] = json!("Bollebygd");
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &body,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "nmae");
    assert_eq!(r.body["errors"][0]["code"], "unknown_field");
    let mut body = bollebygd();
    body["billing_address"]["town"] = json!("Bollebygd");
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &body,
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "billing_address.town");
    // In a patch too.
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/organisations/{org}"),
            &json!({"colour": "blue"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "colour");
    // And in a query string.
    let r = app
        .get(
            &admin,
            &format!("/api/v1/organisations/{org}/members?colour=blue"),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "colour");
}

async fn wrong_types_name_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let mut body = bollebygd();
    body["population"]["count"] = json!("many");
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &body,
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "population.count");
    assert_eq!(r.body["errors"][0]["code"], "wrong_type");
}

/// serde reads a struct from the array of its fields in order as well; the API takes the
/// objects its document describes, at any depth.
async fn an_object_is_not_the_array_of_its_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let tokens = format!("/api/v1/organisations/{org}/tokens");
    let r = app
        .post(&admin, &tokens, &json!(["viewer", "Granskning"]))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["code"], "wrong_type");
    assert_eq!(
        app.get(&admin, &tokens).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let mut body = bollebygd();
    body["billing_address"] = json!(["Box 100", null, "517 21", "Bollebygd"]);
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &body,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["billing_address"]);
}

async fn malformed_json_is_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let req = app
        .client
        .post(app.url(&format!("/api/v1/organisations/{org}/members")))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"name\": ");
    let r = app.send(req).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["code"], "malformed_json");
}

async fn oversized_bodies_are_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let mut body = bollebygd();
    body["buyer_reference"] = json!("x".repeat(300 * 1024));
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &body,
        )
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.body["code"], "payload_too_large");
}

async fn other_media_types_are_415(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let req = app
        .client
        .post(app.url(&format!("/api/v1/organisations/{org}/members")))
        .bearer_auth(&admin)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=x");
    assert_eq!(app.send(req).await.status, 415);
}

async fn duplicates_are_409(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let path = format!("/api/v1/organisations/{org}/members");
    let borås = json!({"kind": "municipality", "name": "Borås Stad", "country": "SE", "org_number": "212000-1561"});
    assert_eq!(app.post(&admin, &path, &borås).await.status, 201);
    let r = app.post(&admin, &path, &borås).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["code"], "conflict");
    assert!(
        r.body["detail"].as_str().unwrap().contains("org_number"),
        "{}",
        r.body
    );
    // The same number in another organisation is no conflict.
    let (other, other_admin) = app.organisation_with_admin("Bergslagsakademin").await;
    assert_eq!(
        app.post(
            &other_admin,
            &format!("/api/v1/organisations/{other}/members"),
            &borås
        )
        .await
        .status,
        201
    );
}

async fn problems_speak_the_clients_language(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let mut body = bollebygd();
    body["org_number"] = json!("212000-1562");
    for (lang, title, message) in [
        ("en-GB,en;q=0.9", "Invalid input", "fails the check digit"),
        (
            "nb",
            "Ugyldige opplysninger",
            "kontrollsifferet stemmer ikke",
        ),
        ("sv", "Ogiltiga uppgifter", "kontrollsiffran stämmer inte"),
    ] {
        let req = app
            .client
            .post(app.url(&format!("/api/v1/organisations/{org}/members")))
            .bearer_auth(&admin)
            .header("accept-language", lang)
            .json(&body);
        let r = app.send(req).await;
        assert_eq!(r.status, 422);
        assert_eq!(r.body["title"], title);
        assert_eq!(r.body["errors"][0]["message"], message);
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    let req = app
        .client
        .get(app.url("/api/v1/organisations"))
        .header("accept-language", "en");
    assert_eq!(app.send(req).await.body["title"], "Authentication required");
}

/// A NUL character in any text is refused by name in a body on both backends alike; in a
/// path or a query string it finds nothing or is a bad request: never a 500.
async fn a_nul_character_is_refused_not_a_500(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let path = format!("/api/v1/organisations/{org}/members");
    let mut body = bollebygd();
    body["name"] = json!("Bolle\u{0}bygd");
    body["population"]["source"] = json!("S\u{0}CB");
    let r = app.post(&admin, &path, &body).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["name"]);
    assert_eq!(r.body["errors"][0]["code"], "nul_character");
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/invoices"),
            &json!({"member_id": "x", "period_start": "2027-01-01", "period_end": "2027-01-31",
                    "lines": [{"description": "a\u{0}b", "quantity": "1", "unit_price": "1"}]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["lines[0].description"]);
    for url in [
        format!("{path}/a%00b"),
        format!("{path}?q=a%00b"),
        "/api/v1/organisations/a%00b/members".to_owned(),
    ] {
        let r = app.get(&admin, &url).await;
        assert!(r.status < 500, "{url}: {} {}", r.status, r.body);
    }
}

crate::on_both_backends!(
    a_nul_character_is_refused_not_a_500,
    bad_org_number_is_422_naming_the_field,
    every_bad_field_is_named,
    norwegian_org_numbers_are_checked_by_mod_11,
    unknown_fields_are_rejected,
    wrong_types_name_the_field,
    an_object_is_not_the_array_of_its_fields,
    malformed_json_is_400,
    oversized_bodies_are_413,
    other_media_types_are_415,
    duplicates_are_409,
    problems_speak_the_clients_language,
);
