//! The API's contract beyond each route's own: who may call what (the README's table, over
//! every route), Idempotency-Key on every POST, 405 with Allow, 413, control characters.

use std::collections::BTreeMap;

use avtal::http::access::{Right, required};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, bollebygd, error_fields, spawn_app, str_of};

const ROLES: [&str; 4] = ["operator", "admin", "finance", "viewer"];

/// The README's roles table: each right's row, and whether each role has it.
fn readme_table() -> BTreeMap<String, [bool; 4]> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut rows = BTreeMap::new();
    let table = readme
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("| Right"))
        .skip(2)
        .take_while(|l| l.starts_with('|'));
    for line in table {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 5, "README roles table: {line}");
        let granted = [cells[1], cells[2], cells[3], cells[4]].map(|c| match c {
            "yes" => true,
            "–" => false,
            other => panic!("README roles table: {other:?} in row {:?}", cells[0]),
        });
        rows.insert(cells[0].to_owned(), granted);
    }
    rows
}

/// Every route in the OpenAPI document, called by every role with a body that says
/// nothing: refused with 403 exactly where the README's table says the role lacks the
/// right, and never refused where it has it.
async fn every_route_follows_the_roles_table(backend: Backend) {
    let table = readme_table();
    for right in Right::ALL {
        let row = table
            .get(right.name())
            .unwrap_or_else(|| panic!("README roles table has no row {:?}", right.name()));
        for (i, role) in ROLES.iter().enumerate() {
            let role = avtal::domain::Role::parse(role).unwrap();
            assert_eq!(
                row[i],
                right.granted(role),
                "{:?} for {role:?}",
                right.name()
            );
        }
    }
    assert_eq!(table.len(), Right::ALL.len(), "README rows: {table:?}");

    let app = spawn_app(backend).await;
    let org = app.create_organisation("Navet science center").await;
    let mut tokens = vec![app.operator.clone()];
    for role in &ROLES[1..] {
        tokens.push(app.token(&org, role).await);
    }
    let api: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    for (template, item) in api["paths"].as_object().unwrap() {
        if !template.starts_with("/api/v1/") {
            continue;
        }
        let path = template
            .split('/')
            .map(|s| match s {
                "{org}" => org.as_str(),
                s if s.starts_with('{') => "0",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let actix_method =
                actix_web::http::Method::from_bytes(method.as_str().as_bytes()).unwrap();
            let right = required(&actix_method, template)
                .unwrap_or_else(|| panic!("{method} {template} needs no right"));
            let row = table[right.name()];
            for (i, token) in tokens.iter().enumerate() {
                let mut req = app
                    .client
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(token);
                if method != Method::GET && method != Method::DELETE {
                    req = req.json(&json!({}));
                }
                let r = app.send(req).await;
                assert_ne!(r.status, 401, "{method} {template}: {}", r.body);
                assert!(r.status < 500, "{method} {template}: {}", r.body);
                if row[i] {
                    assert_ne!(
                        r.status, 403,
                        "{} {method} {template}: {}",
                        ROLES[i], r.body
                    );
                } else {
                    assert_eq!(
                        r.status, 403,
                        "{} {method} {template}: {}",
                        ROLES[i], r.body
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 400, "{checked} calls");
}

fn with_key(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> reqwest::RequestBuilder {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
}

/// Creating and issuing with a key: a retry gets the first answer and creates nothing;
/// the key with another body is refused; a POST without a key works as always.
async fn every_post_takes_an_idempotency_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let members = format!("{base}/members");

    let first = app
        .send(with_key(&app, &admin, &members, "m-1", &bollebygd()))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = app
        .send(with_key(&app, &admin, &members, "m-1", &bollebygd()))
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.headers.get("location"), first.headers.get("location"));
    let list = app.get(&admin, &members).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let mut other = bollebygd();
    other["name"] = json!("Borås stad");
    other["municipality_code"] = json!("1490");
    let r = app
        .send(with_key(&app, &admin, &members, "m-1", &other))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["Idempotency-Key"]);
    // The same key in another organisation is another key.
    let (org2, admin2) = app.organisation_with_admin("Tankesmedjan").await;
    let r = app
        .send(with_key(
            &app,
            &admin2,
            &format!("/api/v1/organisations/{org2}/members"),
            "m-1",
            &other,
        ))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    // A request refused for its content leaves the key free for the corrected one.
    let mut bad = bollebygd();
    bad["name"] = json!("");
    let r = app
        .send(with_key(&app, &admin, &members, "m-2", &bad))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .send(with_key(&app, &admin, &members, "m-2", &other))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let member = str_of(&first.body, "id");
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
    let issue = format!("{base}/invoices/{}/issue", str_of(&r.body, "id"));
    let body = json!({"date": "2027-04-01"});
    let first = app
        .send(with_key(&app, &admin, &issue, "issue-1", &body))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let again = app
        .send(with_key(&app, &admin, &issue, "issue-1", &body))
        .await;
    assert_eq!((again.status, &again.body), (200, &first.body));
    // Without the key a second issue is told the invoice is issued.
    let r = app.post(&admin, &issue, &body).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("already_issued"))
    );

    let r = app
        .send(
            app.client
                .post(app.url(&members))
                .bearer_auth(&admin)
                .header("Idempotency-Key", "")
                .json(&bollebygd()),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["Idempotency-Key"]);
}

/// A path called with a method it does not answer is a 405 naming the methods it does;
/// a body over the limit is a 413; control characters are refused by field.
async fn methods_limits_and_control_characters(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let members = format!("/api/v1/organisations/{org}/members");

    let r = app
        .send(app.client.delete(app.url(&members)).bearer_auth(&admin))
        .await;
    assert_eq!(r.status, 405, "{}", r.body);
    assert_eq!(r.body["code"], "method_not_allowed");
    assert_eq!(r.headers["allow"], "GET, HEAD, POST");
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let r = app.send(app.client.post(app.url("/health"))).await;
    assert_eq!(r.status, 405, "{}", r.body);
    let r = app.get(&admin, &format!("{members}/0/nothing")).await;
    assert_eq!(r.status, 404, "{}", r.body);

    let mut big = bollebygd();
    big["name"] = json!("x".repeat(300 * 1024));
    let r = app.post(&admin, &members, &big).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.body["code"], "payload_too_large");

    let mut escape = bollebygd();
    escape["name"] = json!("Bollebygds\u{1b}[2J kommun");
    let r = app.post(&admin, &members, &escape).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(error_fields(&r.body), ["name"]);
    assert_eq!(r.body["errors"][0]["code"], "control_character");
    let list = app.get(&admin, &members).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
}

/// Every list pages the same way: `limit`, `cursor` from `next_cursor`, null at the end,
/// with the list's own filters beside them.
async fn every_list_pages_by_cursor(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(&admin, &format!("{base}/members"), &bollebygd())
        .await;
    let member = str_of(&r.body, "id").to_owned();
    for price in ["100.00", "200.00", "300.00"] {
        let r = app
            .post(
                &admin,
                &format!("{base}/invoices"),
                &json!({"member_id": member, "period_start": "2027-03-01", "period_end": "2027-03-31",
                        "lines": [{"description": "Kurs", "quantity": "1", "unit_price": price}]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let all = app.get(&admin, &format!("{base}/invoices")).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(all.body["next_cursor"], Value::Null);

    let mut seen = Vec::new();
    let mut path = format!("{base}/invoices?status=draft&limit=2");
    loop {
        let r = app.get(&admin, &path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|i| str_of(i, "id").to_owned()));
        match r.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("{base}/invoices?status=draft&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let every: Vec<String> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| str_of(i, "id").to_owned())
        .collect();
    assert_eq!(seen, every);

    // A list without filters takes the paging too, and refuses what it does not know.
    let r = app.get(&admin, &format!("{base}/tokens?limit=1")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=%21", "cursor"),
        ("colour=red", "colour"),
    ] {
        let r = app.get(&admin, &format!("{base}/tokens?{query}")).await;
        assert_eq!(r.status, 422, "{query}: {}", r.body);
        assert_eq!(error_fields(&r.body), [field], "{query}");
        let r = app.get(&admin, &format!("{base}/invoices?{query}")).await;
        assert_eq!(r.status, 422, "{query}: {}", r.body);
        assert_eq!(error_fields(&r.body), [field], "{query}");
    }
}

crate::on_both_backends!(
    every_list_pages_by_cursor,
    every_route_follows_the_roles_table,
    every_post_takes_an_idempotency_key,
    methods_limits_and_control_characters,
);
