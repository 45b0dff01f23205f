use crate::helpers::{Backend, spawn_app};

async fn health_and_ready_are_public(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/health", "/ready"] {
        let r = app.send(app.client.get(app.url(path))).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body["status"], "ok");
        assert!(
            r.headers.contains_key("x-request-id"),
            "{path} carries a request id"
        );
    }
}

/// Every route the server answers is in the document, and nothing else.
async fn openapi_lists_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.send(app.client.get(app.url("/openapi.json"))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["openapi"], "3.1.0");
    assert_eq!(r.body["info"]["title"], "avtal");
    let mut paths: Vec<(String, String)> = r.body["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    paths.sort();
    let o = "/api/v1/organisations";
    let m = "/api/v1/organisations/{org}/members/{member}";
    let a = "/api/v1/organisations/{org}/agreements/{agreement}";
    let mut expected: Vec<(String, String)> = [
        ("get", "/health".to_owned()),
        ("get", "/ready".to_owned()),
        ("get", "/openapi.json".to_owned()),
        ("get", o.to_owned()),
        ("post", o.to_owned()),
        ("get", format!("{o}/{{org}}")),
        ("patch", format!("{o}/{{org}}")),
        ("get", format!("{o}/{{org}}/members")),
        ("post", format!("{o}/{{org}}/members")),
        ("get", m.to_owned()),
        ("patch", m.to_owned()),
        ("post", format!("{m}/archive")),
        ("get", format!("{m}/population")),
        ("put", format!("{m}/population")),
        ("delete", format!("{m}/population/{{date}}")),
        ("get", format!("{m}/contacts")),
        ("post", format!("{m}/contacts")),
        ("get", format!("{m}/contacts/{{contact}}")),
        ("patch", format!("{m}/contacts/{{contact}}")),
        ("delete", format!("{m}/contacts/{{contact}}")),
        ("post", format!("{o}/{{org}}/imports/municipalities")),
        ("get", format!("{o}/{{org}}/tokens")),
        ("post", format!("{o}/{{org}}/tokens")),
        ("post", format!("{o}/{{org}}/tokens/{{id}}/revoke")),
        ("get", format!("{o}/{{org}}/price-lists/{{year}}")),
        ("post", format!("{o}/{{org}}/price-lists/{{year}}/items")),
        (
            "patch",
            format!("{o}/{{org}}/price-lists/{{year}}/items/{{code}}"),
        ),
        (
            "delete",
            format!("{o}/{{org}}/price-lists/{{year}}/items/{{code}}"),
        ),
        ("post", format!("{o}/{{org}}/price-lists/{{year}}/copy")),
        ("get", format!("{o}/{{org}}/index-series")),
        ("post", format!("{o}/{{org}}/index-series")),
        ("get", format!("{o}/{{org}}/index-series/{{series}}")),
        ("put", format!("{o}/{{org}}/index-series/{{series}}")),
        ("delete", format!("{o}/{{org}}/index-series/{{series}}")),
        ("get", format!("{o}/{{org}}/fee-models")),
        ("post", format!("{o}/{{org}}/fee-models")),
        ("get", format!("{o}/{{org}}/fee-models/{{model}}")),
        ("put", format!("{o}/{{org}}/fee-models/{{model}}")),
        ("delete", format!("{o}/{{org}}/fee-models/{{model}}")),
        ("get", format!("{o}/{{org}}/agreements")),
        ("post", format!("{o}/{{org}}/agreements")),
        ("get", a.to_owned()),
        ("patch", a.to_owned()),
        ("delete", a.to_owned()),
        ("put", format!("{a}/terms")),
        ("post", format!("{a}/transitions")),
        ("get", format!("{a}/versions")),
        ("post", format!("{a}/versions")),
        ("get", format!("{a}/versions/{{version}}")),
        ("get", format!("{a}/usage")),
        ("post", format!("{a}/usage")),
        ("get", format!("{a}/contribution")),
        ("post", format!("{o}/{{org}}/contributions/preview")),
        ("get", format!("{a}/offer.pdf")),
        ("post", format!("{a}/offers")),
        ("get", format!("{o}/{{org}}/documents")),
        ("get", format!("{o}/{{org}}/documents/{{id}}")),
        ("get", format!("{o}/{{org}}/documents/{{id}}/pdf")),
        ("get", format!("{o}/{{org}}/templates")),
        ("get", format!("{o}/{{org}}/templates/{{kind}}/{{lang}}")),
        ("put", format!("{o}/{{org}}/templates/{{kind}}/{{lang}}")),
        ("delete", format!("{o}/{{org}}/templates/{{kind}}/{{lang}}")),
        (
            "get",
            format!("{o}/{{org}}/templates/{{kind}}/{{lang}}/sample.pdf"),
        ),
        ("put", format!("{o}/{{org}}/logo")),
        ("get", format!("{o}/{{org}}/logo")),
        ("delete", format!("{o}/{{org}}/logo")),
        ("get", format!("{o}/{{org}}/invoicing-settings")),
        ("put", format!("{o}/{{org}}/invoicing-settings")),
        ("get", "/api/v1/reference-rates/{country}".to_owned()),
        ("put", "/api/v1/reference-rates/{country}/{from}".to_owned()),
        (
            "get",
            "/api/v1/exchange-rates/{quote}/{currency}".to_owned(),
        ),
        (
            "put",
            "/api/v1/exchange-rates/{quote}/{currency}/{date}".to_owned(),
        ),
        ("get", "/api/v1/inkassosats".to_owned()),
        ("put", "/api/v1/inkassosats/{year}".to_owned()),
        ("post", format!("{o}/{{org}}/members/{{member}}/statements")),
        ("get", format!("{o}/{{org}}/invoices")),
        ("post", format!("{o}/{{org}}/invoices")),
        ("get", format!("{o}/{{org}}/invoices/{{id}}")),
        ("put", format!("{o}/{{org}}/invoices/{{id}}")),
        ("delete", format!("{o}/{{org}}/invoices/{{id}}")),
        ("get", format!("{o}/{{org}}/invoices/{{id}}/e-invoice")),
        ("post", format!("{o}/{{org}}/invoices/{{id}}/issue")),
        ("post", format!("{o}/{{org}}/invoices/{{id}}/credit-notes")),
        ("post", format!("{o}/{{org}}/invoices/{{id}}/events")),
        ("post", format!("{o}/{{org}}/invoice-runs")),
        ("get", format!("{o}/{{org}}/invoice-runs")),
        ("post", format!("{o}/{{org}}/invoice-runs/{{id}}/resume")),
        ("get", format!("{o}/{{org}}/audit")),
        ("get", format!("{o}/{{org}}/payments")),
        ("post", format!("{o}/{{org}}/payments")),
        ("get", format!("{o}/{{org}}/payments/{{id}}")),
        ("post", format!("{o}/{{org}}/payments/{{id}}/allocations")),
        ("post", format!("{o}/{{org}}/payments/{{id}}/refund")),
        ("post", format!("{o}/{{org}}/payments/{{id}}/reverse")),
        ("post", format!("{o}/{{org}}/payment-files")),
        ("post", format!("{o}/{{org}}/reminder-runs")),
        ("get", format!("{o}/{{org}}/reminders")),
        ("get", format!("{o}/{{org}}/reminders/{{id}}")),
        ("get", format!("{o}/{{org}}/members/{{id}}/ledger")),
        ("get", format!("{o}/{{org}}/reports/open-items")),
        ("get", format!("{o}/{{org}}/reports/aging")),
        ("get", format!("{o}/{{org}}/reports/years")),
        ("post", format!("{o}/{{org}}/offers/{{id}}/send")),
        ("post", format!("{o}/{{org}}/invoices/{{id}}/send")),
        ("post", format!("{o}/{{org}}/reminders/{{id}}/send")),
        ("post", format!("{o}/{{org}}/invoice-runs/{{id}}/send")),
        ("post", format!("{o}/{{org}}/reminder-runs/{{date}}/send")),
        ("post", format!("{o}/{{org}}/mailings")),
        ("get", format!("{o}/{{org}}/mailings")),
        ("get", format!("{o}/{{org}}/mailings/{{mailing}}")),
        ("post", format!("{o}/{{org}}/mailings/{{mailing}}/resend")),
        ("get", format!("{o}/{{org}}/outbox")),
        ("post", format!("{o}/{{org}}/outbox/{{id}}/retry")),
        ("get", format!("{m}/messages")),
        (
            "get",
            format!("{o}/{{org}}/email-templates/{{kind}}/{{lang}}"),
        ),
        (
            "put",
            format!("{o}/{{org}}/email-templates/{{kind}}/{{lang}}"),
        ),
        (
            "delete",
            format!("{o}/{{org}}/email-templates/{{kind}}/{{lang}}"),
        ),
        ("post", format!("{o}/{{org}}/webhooks")),
        ("get", format!("{o}/{{org}}/webhooks")),
        ("get", format!("{o}/{{org}}/webhooks/{{id}}")),
        ("patch", format!("{o}/{{org}}/webhooks/{{id}}")),
        ("delete", format!("{o}/{{org}}/webhooks/{{id}}")),
        ("get", format!("{o}/{{org}}/webhooks/{{id}}/deliveries")),
        (
            "post",
            format!("{o}/{{org}}/webhooks/{{id}}/deliveries/{{delivery}}/replay"),
        ),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p))
    .collect();
    expected.sort();
    assert_eq!(paths, expected);
    assert!(r.body["components"]["securitySchemes"]["bearer"].is_object());
    // Every reference resolves (generic lists included).
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&r.body, &mut all);
    assert!(all.len() > 20);
    for reference in all {
        assert!(
            resolve(&r.body, &reference).is_object(),
            "dangling {reference}"
        );
    }
    assert!(r.body["components"]["schemas"]["Problem"].is_object());

    // Each operation has an id of its own, and each response a description and, for an
    // error, the problem media type with the schema of its status.
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in r.body["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(ids.insert(id), "{method} {path}: operationId {id} twice");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("405"), "{method} {path}: no 405");
            for (status, response) in responses {
                let response = match response["$ref"].as_str() {
                    Some(reference) => resolve(&r.body, reference),
                    None => response,
                };
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status}: no description"
                );
                if status.as_str() >= "400" {
                    let content = response["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                    let schema = resolve(
                        &r.body,
                        content["application/problem+json"]["schema"]["$ref"]
                            .as_str()
                            .unwrap(),
                    );
                    assert_eq!(
                        schema["properties"]["status"]["enum"][0].as_u64(),
                        status.parse().ok(),
                        "{method} {path} {status}"
                    );
                }
            }
            if path.starts_with("/api/") {
                for status in ["401", "403", "404", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path}: no {status}"
                    );
                }
            }
        }
    }
    // The codes a 404 and a 409 carry, from the error enum.
    let codes = |name: &str| {
        r.body["components"]["schemas"][name]["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(codes("NotFoundProblem"), ["not_found"]);
    assert!(codes("ConflictProblem").contains(&"invoice_issued".to_owned()));
    assert!(codes("UnprocessableContentProblem").contains(&"missing_population".to_owned()));

    // And each documented route is really served: an unauthenticated call reaches the route
    // (401 or 200), not the fallback for unknown routes (404).
    for (method, path) in &expected {
        let concrete = path
            .replace("{org}", "x")
            .replace("{member}", "y")
            .replace("{contact}", "z")
            .replace("{year}", "2027")
            .replace("{code}", "K")
            .replace("{series}", "s")
            .replace("{model}", "m")
            .replace("{agreement}", "a")
            .replace("{version}", "1")
            .replace("{date}", "2025-12-31")
            .replace("{id}", "d")
            .replace("{kind}", "offer")
            .replace("{lang}", "sv");
        let req = app
            .client
            .request(method.to_uppercase().parse().unwrap(), app.url(&concrete));
        let r = app.send(req).await;
        assert!(
            r.status == 401 || r.status == 200,
            "{method} {path}: {}",
            r.status
        );
    }
}

/// The object a local reference (`#/components/…`) points at.
fn resolve<'a>(doc: &'a serde_json::Value, reference: &str) -> &'a serde_json::Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("not local: {reference}"));
    doc.pointer(pointer).unwrap_or(&serde_json::Value::Null)
}

async fn docs_work_offline(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.send(app.client.get(app.url("/docs/"))).await;
    assert_eq!(r.status, 200);
    let html = r.body.as_str().unwrap();
    assert!(
        html.contains("/docs/swagger-ui-bundle.js") && !html.contains("https://"),
        "no CDN"
    );
    let js = app
        .client
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.bytes().await.unwrap().len() > 1_000_000);
}

async fn metrics_count_requests_by_route_and_status(backend: Backend) {
    let app = spawn_app(backend).await;
    app.send(app.client.get(app.url("/health"))).await;
    app.send(app.client.get(app.url("/api/v1/organisations")))
        .await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"avtal_http_requests_total{endpoint="/health",method="GET",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"endpoint="/api/v1/organisations",method="GET",status="401""#),
        "{text}"
    );
    assert!(text.contains("avtal_http_requests_duration_seconds_bucket"));
}

async fn unknown_routes_are_problems(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.get(&app.operator, "/api/v1/nothing-here").await;
    assert_eq!(r.status, 404);
    let r = app.send(app.client.get(app.url("/nothing-here"))).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(r.body["code"], "not_found");
}

crate::on_both_backends!(
    health_and_ready_are_public,
    openapi_lists_every_route,
    docs_work_offline,
    metrics_count_requests_by_route_and_status,
    unknown_routes_are_problems,
);
