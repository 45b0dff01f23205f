//! The five organisations avtal started from (../shared/seeds), each expressed over HTTP.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, navet, spawn_app};

async fn organisation(
    app: &TestApp,
    name: &str,
    legal_name: &str,
    org_number: &str,
    prefix: &str,
) -> (String, String) {
    let mut body = navet(name);
    body["legal_name"] = json!(legal_name);
    body["org_number"] = json!(org_number);
    body["vat_status"] = json!("not_registered");
    body["vat_number"] = Value::Null;
    body["invoice_prefix"] = json!(prefix);
    let r = app
        .post(&app.operator, "/api/v1/organisations", &body)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let org = r.body["id"].as_str().unwrap().to_owned();
    let admin = app.token(&org, "admin").await;
    (org, admin)
}

async fn import(app: &TestApp, org: &str, admin: &str, codes: &[&str]) {
    let r = app
        .post(
            admin,
            &format!("/api/v1/organisations/{org}/imports/municipalities"),
            &json!({"codes": codes}),
        )
        .await;
    assert_eq!(
        r.body["created"].as_u64(),
        Some(codes.len() as u64),
        "{}",
        r.body
    );
}

async fn member(app: &TestApp, org: &str, admin: &str, body: Value) -> String {
    let r = app
        .post(
            admin,
            &format!("/api/v1/organisations/{org}/members"),
            &body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

fn amount(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

fn row<'a>(table: &'a Value, member: &str) -> &'a Value {
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["member"] == member)
        .unwrap()
}

/// Bergslagsakademin: a think tank whose yearly membership fee depends on the member's
/// kind; municipalities from four counties, a region, and a company and a university on
/// other terms.
async fn bergslagsakademin_fee_by_member_kind(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = organisation(
        &app,
        "Bergslagsakademin",
        "Bergslagsakademin ideell förening",
        "802477-1233",
        "BA",
    )
    .await;
    import(
        &app,
        &org,
        &admin,
        &[
            "2084", "2083", "2085", "1982", "1962", "1885", "1782", "1760",
        ],
    )
    .await;
    member(&app, &org, &admin, json!({"kind": "region", "name": "Region Örebro län", "country": "SE", "org_number": "232100-0164"})).await;
    member(&app, &org, &admin, json!({"kind": "company", "name": "Epiroc Rock Drills AB", "country": "SE", "status": "member"})).await;
    member(
        &app,
        &org,
        &admin,
        json!({"kind": "university", "name": "Örebro universitet", "country": "SE"}),
    )
    .await;
    let r = app.post(&admin, &format!("/api/v1/organisations/{org}/fee-models"), &json!({
        "fee_year": 2027, "name": "Medlemsavgift 2027",
        "model": {"type": "flat", "currency": "SEK", "amount": "25000.00", "by_kind": {"company": "10000.00", "university": "10000.00"}},
        "indexation": null
    })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let table = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/contributions/preview"),
            &json!({"fee_year": 2027, "fee_model_id": r.body["id"]}),
        )
        .await;
    assert_eq!(table.status, 200, "{}", table.body);
    assert_eq!(table.body["rows"].as_array().unwrap().len(), 11);
    assert_eq!(row(&table.body, "Avesta")["total"], "25000.00");
    assert_eq!(row(&table.body, "Region Örebro län")["total"], "25000.00");
    assert_eq!(
        row(&table.body, "Epiroc Rock Drills AB")["total"],
        "10000.00"
    );
    assert_eq!(row(&table.body, "Örebro universitet")["total"], "10000.00");
    assert_eq!(table.body["totals"]["total"], "245000.00");
    // Members come from several counties.
    let list = app
        .get(
            &admin,
            &format!("/api/v1/organisations/{org}/members?kind=municipality&county=20"),
        )
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 3);
}

/// RegEnt: a network in Halland with no fee, only a roster — six municipalities, a
/// university and a region — and named contacts who receive its mailings.
async fn regent_roster_without_fees(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = organisation(&app, "RegEnt", "Region Halland", "232100-0115", "REG").await;
    import(
        &app,
        &org,
        &admin,
        &["1315", "1380", "1381", "1382", "1383", "1384"],
    )
    .await;
    let hh = member(&app, &org, &admin, json!({"kind": "university", "name": "Högskolan i Halmstad", "country": "SE", "org_number": "202100-3203"})).await;
    member(&app, &org, &admin, json!({"kind": "region", "name": "Region Halland", "country": "SE", "org_number": "232100-0115"})).await;
    let r = app.post(&admin, &format!("/api/v1/organisations/{org}/members/{hh}/contacts"), &json!({
        "name": "Anna Svensson", "title": "Samverkansansvarig", "email": "anna.svensson@hh.se", "receives_newsletters": true
    })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let list = app
        .get(
            &admin,
            &format!("/api/v1/organisations/{org}/members?limit=20"),
        )
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 8);
    let contacts = app
        .get(
            &admin,
            &format!("/api/v1/organisations/{org}/members/{hh}/contacts"),
        )
        .await;
    assert_eq!(contacts.body["items"][0]["receives_newsletters"], true);
    // No fee model: the network charges nothing, and nothing forces it to.
    let models = app
        .get(&admin, &format!("/api/v1/organisations/{org}/fee-models"))
        .await;
    assert!(models.body["items"].as_array().unwrap().is_empty());
}

/// Hälsinglands Utbildningsförbund: a federation of three municipalities whose budget is
/// co-funded by Region Gävleborg; the rest is shared by population.
async fn halsingland_federation_co_funded_by_the_region(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = organisation(
        &app,
        "Hälsinglands Utbildningsförbund",
        "Hälsinglands Utbildningsförbund",
        "222000-2337",
        "HUF",
    )
    .await;
    import(&app, &org, &admin, &["2183", "2121", "2182"]).await;
    let table = app.post(&admin, &format!("/api/v1/organisations/{org}/contributions/preview"), &json!({
        "fee_year": 2027,
        "fee_model": {"model": {"type": "pool", "currency": "SEK", "total": "3000000.00", "external_amount": "1000000.00", "key": {"type": "population"}}, "indexation": null}
    })).await;
    assert_eq!(table.status, 200, "{}", table.body);
    assert_eq!(
        table.body["totals"]["total"], "2000000.00",
        "the region's part is taken off first"
    );
    // Bollnäs 26 018 of 61 453 inhabitants: 846 760.939… kr, by largest remainder.
    let bollnas = amount(&row(&table.body, "Bollnäs")["total"]);
    assert!(
        (bollnas - Decimal::new(84676094, 2)).abs() <= Decimal::new(1, 2),
        "{bollnas}"
    );
    let sum: Decimal = table.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| amount(&r["total"]))
        .sum();
    assert_eq!(sum, Decimal::new(200000000, 2));
}

crate::on_both_backends!(
    bergslagsakademin_fee_by_member_kind,
    regent_roster_without_fees,
    halsingland_federation_co_funded_by_the_region,
);
