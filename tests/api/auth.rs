use serde_json::json;

use crate::helpers::{Backend, bollebygd, spawn_app};

async fn no_token_is_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_organisation("Navet").await;
    let r = app
        .send(
            app.client
                .get(app.url(&format!("/api/v1/organisations/{org}/members"))),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["code"], "unauthorized");
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    let r = app
        .get(
            "avtal_not-a-real-token",
            &format!("/api/v1/organisations/{org}/members"),
        )
        .await;
    assert_eq!(r.status, 401);
    let r = app
        .send(
            app.client
                .get(app.url("/api/v1/organisations"))
                .header("Authorization", "Basic Zm9vOmJhcg=="),
        )
        .await;
    assert_eq!(r.status, 401);
}

async fn viewer_cannot_write(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_organisation("Navet").await;
    let viewer = app.token(&org, "viewer").await;
    let r = app
        .post(
            &viewer,
            &format!("/api/v1/organisations/{org}/members"),
            &bollebygd(),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["code"], "read_only_token");
    let r = app
        .get(&viewer, &format!("/api/v1/organisations/{org}/members"))
        .await;
    assert_eq!(r.status, 200, "viewers read");
    let r = app
        .patch(
            &viewer,
            &format!("/api/v1/organisations/{org}"),
            &json!({"seat": "Mark"}),
        )
        .await;
    assert_eq!(r.status, 403);
}

async fn finance_writes_members_but_not_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_organisation("Navet").await;
    let finance = app.token(&org, "finance").await;
    let r = app
        .post(
            &finance,
            &format!("/api/v1/organisations/{org}/members"),
            &bollebygd(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(
            &finance,
            &format!("/api/v1/organisations/{org}/tokens"),
            &json!({"role": "admin", "name": "x"}),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["code"], "admin_only");
}

/// Another organisation's records are not found, never forbidden: their existence must not
/// leak.
async fn another_organisations_member_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let (navet, navet_admin) = app.organisation_with_admin("Navet").await;
    let (other, other_admin) = app.organisation_with_admin("Bergslagsakademin").await;
    let r = app
        .post(
            &navet_admin,
            &format!("/api/v1/organisations/{navet}/members"),
            &bollebygd(),
        )
        .await;
    assert_eq!(r.status, 201);
    let member = r.body["id"].as_str().unwrap().to_owned();

    for path in [
        format!("/api/v1/organisations/{navet}/members/{member}"),
        format!("/api/v1/organisations/{navet}/members"),
        format!("/api/v1/organisations/{navet}/members/{member}/contacts"),
        format!("/api/v1/organisations/{navet}"),
        format!("/api/v1/organisations/{other}/members/{member}"),
    ] {
        let r = app.get(&other_admin, &path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
    let r = app
        .patch(
            &other_admin,
            &format!("/api/v1/organisations/{navet}/members/{member}"),
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .post(
            &other_admin,
            &format!("/api/v1/organisations/{other}/members/{member}/archive"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 404);
    // Its own organisation list shows only itself.
    let r = app.get(&other_admin, "/api/v1/organisations").await;
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bergslagsakademin"]);
}

async fn operator_creates_organisations_and_reads_no_member_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let r = app
        .get(
            &app.operator,
            &format!("/api/v1/organisations/{org}/members"),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["code"], "operator_no_member_data");
    let r = app.get(&app.operator, "/api/v1/organisations").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    // Only the operator creates organisations.
    let r = app
        .post(
            &admin,
            "/api/v1/organisations",
            &crate::helpers::navet("Egen"),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["code"], "operator_only");
}

async fn revoked_tokens_stop_working(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let viewer = app.token(&org, "viewer").await;
    assert_eq!(
        app.get(&viewer, &format!("/api/v1/organisations/{org}/members"))
            .await
            .status,
        200
    );
    let list = app
        .get(&admin, &format!("/api/v1/organisations/{org}/tokens"))
        .await;
    let items = list.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|t| t.get("token").is_none() && t.get("token_hash").is_none()),
        "secrets never listed"
    );
    let id = items.iter().find(|t| t["role"] == "viewer").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/tokens/{id}/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body["revoked_at"].is_string());
    assert_eq!(
        app.get(&viewer, &format!("/api/v1/organisations/{org}/members"))
            .await
            .status,
        401
    );
}

crate::on_both_backends!(
    no_token_is_401,
    viewer_cannot_write,
    finance_writes_members_but_not_tokens,
    another_organisations_member_is_404,
    operator_creates_organisations_and_reads_no_member_data,
    revoked_tokens_stop_working,
);
