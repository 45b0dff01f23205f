use std::collections::HashSet;

use serde_json::json;

use crate::helpers::{Backend, spawn_app};

/// All 290 Swedish municipalities arrive with their population; a second run changes nothing.
async fn importing_all_swedish_municipalities_is_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let path = format!("/api/v1/organisations/{org}/imports/municipalities");
    let r = app.post(&admin, &path, &json!({"all": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.body["created"].as_u64(),
            r.body["updated"].as_u64(),
            r.body["unchanged"].as_u64()
        ),
        (Some(290), Some(0), Some(0))
    );

    // Walk every page: 290 members, each once, with the right populations.
    let mut seen = HashSet::new();
    let mut total_population = 0;
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = format!("/api/v1/organisations/{org}/members?limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = app.get(&admin, &url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        pages += 1;
        for m in r.body["items"].as_array().unwrap() {
            assert!(
                seen.insert(m["id"].as_str().unwrap().to_owned()),
                "no member twice"
            );
            total_population += m["population"]["count"].as_i64().unwrap();
            assert_eq!(m["population"]["reference_date"], "2025-12-31");
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (290, 3));
    assert_eq!(total_population, 10_605_520);

    let r = app.post(&admin, &path, &json!({"all": true})).await;
    assert_eq!(
        (
            r.body["created"].as_u64(),
            r.body["updated"].as_u64(),
            r.body["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(290))
    );
}

async fn importing_by_code_keeps_what_the_organisation_entered(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let path = format!("/api/v1/organisations/{org}/imports/municipalities");
    let r = app
        .post(
            &admin,
            &path,
            &json!({"codes": ["1443", "1490"], "status": "prospect"}),
        )
        .await;
    assert_eq!(r.body["created"], 2, "{}", r.body);
    let list = app
        .get(
            &admin,
            &format!("/api/v1/organisations/{org}/members?q=bor"),
        )
        .await;
    let borås = &list.body["items"][0];
    assert_eq!(borås["name"], "Borås");
    assert_eq!(borås["org_number"], "212000-1561");
    assert_eq!(borås["peppol_endpoint"], "0007:2120001561");
    assert_eq!(borås["status"], "prospect");
    assert_eq!(borås["county_name"], "Västra Götalands län");
    let id = borås["id"].as_str().unwrap();
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/organisations/{org}/members/{id}"),
            &json!({"buyer_reference": "KS-4711", "status": "member"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post(&admin, &path, &json!({"codes": ["1490"]})).await;
    assert_eq!(r.body["unchanged"], 1, "{}", r.body);
    let r = app
        .get(&admin, &format!("/api/v1/organisations/{org}/members/{id}"))
        .await;
    assert_eq!(
        (
            r.body["buyer_reference"].as_str(),
            r.body["status"].as_str()
        ),
        (Some("KS-4711"), Some("member"))
    );
}

async fn importing_unknown_codes_names_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let path = format!("/api/v1/organisations/{org}/imports/municipalities");
    let r = app
        .post(&admin, &path, &json!({"codes": ["1490", "9999", "14x"]}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(crate::helpers::error_fields(&r.body), ["codes[2]"]);
    let r = app
        .post(&admin, &path, &json!({"codes": ["1490", "9999"]}))
        .await;
    assert_eq!(crate::helpers::error_fields(&r.body), ["codes[1]"]);
    let r = app.post(&admin, &path, &json!({})).await;
    assert_eq!(r.status, 422);
}

async fn importing_norwegian_municipalities(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app
        .organisation_with_admin("Scandinavian Science Cluster")
        .await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/imports/municipalities"),
            &json!({"country": "NO", "codes": ["3107", "3105"]}),
        )
        .await;
    assert_eq!(r.body["created"], 2, "{}", r.body);
    let list = app
        .get(
            &admin,
            &format!("/api/v1/organisations/{org}/members?county=31&sort=-name"),
        )
        .await;
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Sarpsborg", "Fredrikstad"]);
    assert_eq!(list.body["items"][1]["population"]["count"], 85230);
    assert_eq!(
        list.body["items"][1]["population"]["reference_date"],
        "2024-01-01"
    );
    assert_eq!(list.body["items"][1]["language"], "nb");
}

async fn importing_a_csv_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let csv = "code,name,county_code,county_name,population,org_number\n\
               1443,Bollebygd,14,Västra Götalands län,9900,\n";
    let url = app.url(&format!(
        "/api/v1/organisations/{org}/imports/municipalities?reference_date=2026-12-31"
    ));
    let r = app
        .send(
            app.client
                .post(&url)
                .bearer_auth(&admin)
                .header("content-type", "text/csv")
                .body(csv),
        )
        .await;
    assert_eq!(r.body["created"], 1, "{}", r.body);
    let bad = "code,name,county_code,county_name,population,org_number\n1443,Bollebygd,14,Västra Götalands län,lots,\n";
    let r = app
        .send(
            app.client
                .post(&url)
                .bearer_auth(&admin)
                .header("content-type", "text/csv")
                .body(bad),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        crate::helpers::error_fields(&r.body),
        ["csv.line_2.population"]
    );
    // A body without the columns is no municipality data: refused, not an import of nothing.
    for body in ["-363", "", "kod;namn\n1443;Bollebygd\n"] {
        let r = app
            .send(
                app.client
                    .post(&url)
                    .bearer_auth(&admin)
                    .header("content-type", "text/csv")
                    .body(body),
            )
            .await;
        assert_eq!(r.status, 422, "{body:?}: {}", r.body);
        assert_eq!(crate::helpers::error_fields(&r.body), ["csv"], "{body:?}");
    }
}

crate::on_both_backends!(
    importing_all_swedish_municipalities_is_idempotent,
    importing_by_code_keeps_what_the_organisation_entered,
    importing_unknown_codes_names_them,
    importing_norwegian_municipalities,
    importing_a_csv_body,
);
