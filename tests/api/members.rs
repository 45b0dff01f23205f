use serde_json::json;

use crate::helpers::{Backend, bollebygd, spawn_app};

async fn member_lifecycle(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let path = format!("/api/v1/organisations/{org}/members");
    let r = app.post(&admin, &path, &bollebygd()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.body["county_code"], "14",
        "county follows from the municipality code"
    );
    assert_eq!(r.body["population"]["count"], 9784);
    assert_eq!(r.body["billing_address"]["postal_code"], "517 21");
    assert_eq!(r.body["status"], "member");

    let member = format!("{path}/{id}");
    let r = app.patch(&admin, &member, &json!({"buyer_reference": "KS-12", "invoice_email": null, "peppol_endpoint": "0007:2120001561"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["buyer_reference"], "KS-12");
    assert!(r.body["invoice_email"].is_null());
    assert_eq!(r.body["name"], "Bollebygds kommun");
    let r = app
        .patch(&admin, &member, &json!({"org_number": "212000-1562"}))
        .await;
    assert_eq!(
        (r.status, crate::helpers::error_fields(&r.body)),
        (422, vec!["org_number".to_owned()])
    );

    // Population history: several years, newest first; the member shows the latest.
    let r = app
        .send(
            app.client
                .put(app.url(&format!("{member}/population")))
                .bearer_auth(&admin)
                .json(&json!({"count": 9600, "reference_date": "2024-12-31", "source": "SCB"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .send(
            app.client
                .put(app.url(&format!("{member}/population")))
                .bearer_auth(&admin)
                .json(&json!({"count": 9901, "reference_date": "2026-12-31"})),
        )
        .await;
    let counts: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [9901, 9784, 9600]);
    assert_eq!(
        app.get(&admin, &member).await.body["population"]["count"],
        9901
    );
    assert_eq!(
        app.delete(&admin, &format!("{member}/population/2026-12-31"))
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(&admin, &member).await.body["population"]["count"],
        9784
    );
    assert_eq!(
        app.delete(&admin, &format!("{member}/population/2026-12-31"))
            .await
            .status,
        404
    );

    // Archiving keeps the member readable but out of the list.
    let r = app
        .post(&admin, &format!("{member}/archive"), &json!({}))
        .await;
    assert_eq!(
        (r.body["archived"].as_bool(), r.body["status"].as_str()),
        (Some(true), Some("former"))
    );
    assert_eq!(
        app.get(&admin, &path).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.get(&admin, &format!("{path}?include_archived=true"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(app.get(&admin, &member).await.status, 200);
    let r = app
        .send(
            app.client
                .put(app.url(&format!("{member}/population")))
                .bearer_auth(&admin)
                .json(&json!({"count": 1, "reference_date": "2027-12-31"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("member_archived"))
    );
    let r = app
        .patch(&admin, &member, &json!({"status": "member"}))
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (409, Some("member_archived"))
    );
}

async fn contacts(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet").await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/members"),
            &bollebygd(),
        )
        .await;
    let contacts = format!(
        "/api/v1/organisations/{org}/members/{}/contacts",
        r.body["id"].as_str().unwrap()
    );
    let r = app.post(&admin, &contacts, &json!({"name": "Anna Andersson", "title": "Kommundirektör", "email": "anna.andersson@bollebygd.se", "phone": "+46 33 430 50 00", "receives_offers": true})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let anna = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (
            r.body["receives_offers"].as_bool(),
            r.body["receives_invoices"].as_bool()
        ),
        (Some(true), Some(false))
    );
    let r = app
        .post(
            &admin,
            &contacts,
            &json!({"name": "Ekonomi", "receives_invoices": true}),
        )
        .await;
    assert_eq!(
        (r.status, crate::helpers::error_fields(&r.body)),
        (422, vec!["email".to_owned()]),
        "mailings need an address"
    );
    let r = app
        .post(
            &admin,
            &contacts,
            &json!({"name": "Bo", "email": "bo@", "phone": "call me"}),
        )
        .await;
    assert_eq!(crate::helpers::error_fields(&r.body), ["email", "phone"]);
    let r = app
        .patch(
            &admin,
            &format!("{contacts}/{anna}"),
            &json!({"title": "Utbildningschef", "receives_newsletters": true}),
        )
        .await;
    assert_eq!(
        (
            r.body["title"].as_str(),
            r.body["receives_offers"].as_bool(),
            r.body["receives_newsletters"].as_bool()
        ),
        (Some("Utbildningschef"), Some(true), Some(true))
    );
    assert_eq!(
        app.get(&admin, &contacts).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.delete(&admin, &format!("{contacts}/{anna}"))
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(&admin, &format!("{contacts}/{anna}")).await.status,
        404
    );
}

async fn lists_filter_sort_and_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Bergslagsakademin").await;
    let path = format!("/api/v1/organisations/{org}/members");
    app.post(
        &admin,
        &format!("/api/v1/organisations/{org}/imports/municipalities"),
        &json!({"codes": ["1880", "1980", "2080", "1862", "1885"]}),
    )
    .await;
    for (name, kind) in [
        ("Örebro universitet", "university"),
        ("Region Örebro län", "region"),
        ("Epiroc AB", "company"),
    ] {
        let r = app
            .post(
                &admin,
                &path,
                &json!({"kind": kind, "name": name, "country": "SE", "status": "prospect"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = app.get(&admin, &format!("{path}?q=%C3%B6rebro")).await;
    assert_eq!(
        names(&r.body),
        ["Region Örebro län", "Örebro", "Örebro universitet"],
        "case-insensitive, å ä ö folded"
    );
    let r = app
        .get(
            &admin,
            &format!("{path}?kind=municipality&county=18&sort=-name"),
        )
        .await;
    assert_eq!(names(&r.body), ["Örebro", "Lindesberg", "Degerfors"]);
    let r = app
        .get(&admin, &format!("{path}?status=prospect&sort=created"))
        .await;
    assert_eq!(
        names(&r.body),
        ["Örebro universitet", "Region Örebro län", "Epiroc AB"]
    );
    let r = app.get(&admin, &format!("{path}?q=100%25")).await;
    assert_eq!(
        names(&r.body),
        Vec::<String>::new(),
        "LIKE wildcards are literal"
    );

    // Pages of two in name order, then the same walk with -created.
    for sort in ["name", "-name", "created", "-created"] {
        let mut all = Vec::new();
        let mut url = format!("{path}?limit=2&sort={sort}");
        loop {
            let r = app.get(&admin, &url).await;
            assert_eq!(r.status, 200, "{}", r.body);
            all.extend(names(&r.body));
            match r.body["next_cursor"].as_str() {
                Some(c) => url = format!("{path}?limit=2&sort={sort}&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(all.len(), 8, "{sort}: {all:?}");
        let full = names(&app.get(&admin, &format!("{path}?sort={sort}")).await.body);
        assert_eq!(all, full, "{sort}: pages join to the whole list");
    }
    let r = app
        .get(
            &admin,
            &format!("{path}?limit=0&sort=size&kind=town&cursor=zzz&include_archived=yes"),
        )
        .await;
    let mut fields = crate::helpers::error_fields(&r.body);
    fields.sort();
    assert_eq!(
        fields,
        ["cursor", "include_archived", "kind", "limit", "sort"]
    );
    let r = app.get(&admin, &format!("{path}?limit=abc")).await;
    assert_eq!(crate::helpers::error_fields(&r.body), ["limit"]);
    let cursor = app.get(&admin, &format!("{path}?limit=2")).await.body["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .get(
            &admin,
            &format!("{path}?limit=2&sort=-created&cursor={cursor}"),
        )
        .await;
    assert_eq!(
        crate::helpers::error_fields(&r.body),
        ["cursor"],
        "a cursor belongs to its sort"
    );
}

crate::on_both_backends!(member_lifecycle, contacts, lists_filter_sort_and_page);
