//! The five organisations avtal started from (../shared/seeds), each expressed over HTTP.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, input, navet, spawn_app, statement_line as line};

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

async fn member_id(app: &TestApp, org: &str, admin: &str, name: &str) -> String {
    let r = app
        .get(
            admin,
            &format!("/api/v1/organisations/{org}/members?q={name}"),
        )
        .await;
    r.body["items"][0]["id"].as_str().unwrap().to_owned()
}

/// Navet science center: each Sjuhärad municipality has an agreement with a fixed part per
/// inhabitant and a variable part from a menu of services ("smörgåsbord"); Bollebygd is
/// offered one.
async fn navet_fixed_part_per_inhabitant_and_a_menu_of_services(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = organisation(
        &app,
        "Navet science center",
        "Boråsregionen Sjuhärads kommunalförbund",
        "222000-1321",
        "NAV",
    )
    .await;
    import(
        &app,
        &org,
        &admin,
        &["1490", "1463", "1465", "1452", "1443"],
    )
    .await;
    let items = format!("/api/v1/organisations/{org}/price-lists/2027/items");
    for (code, name, unit, price, vat) in [
        ("SKOLPROG", "Skolprogram", "class", "1450.00", "25"),
        (
            "FORTB",
            "Lärarfortbildning",
            "participant",
            "950.00",
            "exempt",
        ),
    ] {
        let mut body = json!({"code": code, "name_sv": name, "unit": unit, "unit_price": price, "currency": "SEK", "vat": vat});
        if vat == "exempt" {
            body["vat_exempt_reason"] = json!("Utbildning, 10 kap. 41 § mervärdesskattelagen");
        }
        assert_eq!(app.post(&admin, &items, &body).await.status, 201);
    }
    let r = app.post(&admin, &format!("/api/v1/organisations/{org}/fee-models"), &json!({
        "fee_year": 2027, "name": "Fast del per invånare",
        "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28.50"}, "indexation": null
    })).await;
    let model = r.body["id"].as_str().unwrap().to_owned();
    let agreements = format!("/api/v1/organisations/{org}/agreements");
    let borås = member_id(&app, &org, &admin, "bor").await;
    let r = app.post(&admin, &agreements, &json!({
        "member_id": borås, "pro_rata": "whole_months", "notice_months": 12, "start_date": "2023-01-01",
        "terms": {
            "fixed": [{"id": "fast-del", "fee_model_id": model}],
            "variable": [
                {"fee_year": 2027, "item_code": "SKOLPROG", "quantity": "12", "discount_percent": "10"},
                {"fee_year": 2027, "item_code": "FORTB", "quantity": "20", "included_quantity": "5"}
            ]
        }
    })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let agreement = format!("{agreements}/{}", r.body["id"].as_str().unwrap());
    for step in [
        json!({"to": "offered"}),
        json!({"to": "accepted", "date": "2022-12-15", "signed_by": "Kommundirektör, Borås Stad", "decision_reference": "KS 2022/00123"}),
        json!({"to": "active"}),
    ] {
        let r = app
            .post(&admin, &format!("{agreement}/transitions"), &step)
            .await;
        assert_eq!(r.status, 200, "{step}: {}", r.body);
    }
    let statement = app
        .get(&admin, &format!("{agreement}/contribution?year=2027"))
        .await;
    assert_eq!(statement.status, 200, "{}", statement.body);
    // 28,50 kr × 115 238 = 3 284 283,00 kr.
    let fixed = line(&statement.body, "fast-del");
    assert_eq!(fixed["amount"], "3284283.00");
    assert_eq!(input(fixed, "population")["count"], 115238);
    // 12 classes × 1 450 kr − 10 % = 15 660 kr (25 % VAT); 15 of 20 participants billed.
    assert_eq!(line(&statement.body, "SKOLPROG")["amount"], "15660.00");
    assert_eq!(line(&statement.body, "FORTB")["amount"], "14250.00");

    // Bollebygd is offered an agreement from 2027 (the seed's letter); until it answers, it
    // is no active member.
    let bollebygd = member_id(&app, &org, &admin, "bollebygd").await;
    let r = app.post(&admin, &agreements, &json!({
        "member_id": bollebygd, "pro_rata": "whole_months", "notice_months": 12, "start_date": "2027-01-01",
        "terms": {"fixed": [{"id": "fast-del", "fee_model_id": model}]}
    })).await;
    let offer = format!("{agreements}/{}", r.body["id"].as_str().unwrap());
    assert_eq!(
        app.post(
            &admin,
            &format!("{offer}/transitions"),
            &json!({"to": "offered"})
        )
        .await
        .status,
        200
    );
    let statement = app
        .get(&admin, &format!("{offer}/contribution?year=2027"))
        .await;
    assert_eq!(line(&statement.body, "fast-del")["amount"], "278844.00");

    // The board's table: every member's fixed part, and the services ordered under the
    // agreements as the variable part.
    let table = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/contributions/preview"),
            &json!({"fee_year": 2027, "fee_model_id": model}),
        )
        .await;
    assert_eq!(table.status, 200, "{}", table.body);
    let borås = row(&table.body, "Borås");
    assert_eq!(
        (
            borås["fixed"].as_str(),
            borås["variable"].as_str(),
            borås["total"].as_str()
        ),
        (Some("3284283.00"), Some("29910.00"), Some("3314193.00"))
    );
    assert_eq!(row(&table.body, "Mark")["variable"], "0.00");
}

/// Scandinavian Science Cluster: an Interreg Sweden–Norway budget of 3 606 848 EUR, half
/// of it EU and Interreg funding; the rest shared by agreed percentages among Swedish and
/// Norwegian partners who pay in SEK and NOK at a stated rate.
async fn interreg_eur_budget_shared_by_partners_paying_sek_and_nok(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = organisation(
        &app,
        "Scandinavian Science Cluster",
        "Innovatum AB",
        "556530-8680",
        "SSC",
    )
    .await;
    import(&app, &org, &admin, &["1488", "1487"]).await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/organisations/{org}/imports/municipalities"),
            &json!({"country": "NO", "codes": ["3105", "3107"]}),
        )
        .await;
    assert_eq!(r.body["created"], 2);
    let mut ids = std::collections::BTreeMap::new();
    for name in ["Trollhättan", "Vänersborg", "Sarpsborg", "Fredrikstad"] {
        ids.insert(
            name,
            member_id(&app, &org, &admin, &name.to_lowercase()).await,
        );
    }
    let r = app.post(&admin, &format!("/api/v1/organisations/{org}/fee-models"), &json!({
        "fee_year": 2027, "name": "Partnerfinansiering SSC",
        "model": {"type": "pool", "currency": "EUR", "total": "3606848.00", "external_percent": "50",
                  "key": {"type": "agreed", "percentages": {
                      ids["Trollhättan"].clone(): "30", ids["Vänersborg"].clone(): "20",
                      ids["Sarpsborg"].clone(): "25", ids["Fredrikstad"].clone(): "25"}}},
        "indexation": null
    })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let model = r.body["id"].as_str().unwrap().to_owned();
    let agreements = format!("/api/v1/organisations/{org}/agreements");
    let mut paths = std::collections::BTreeMap::new();
    for (name, rate, source) in [
        ("Trollhättan", "11.4527", "Riksbanken"),
        ("Vänersborg", "11.4527", "Riksbanken"),
        ("Sarpsborg", "11.8250", "Norges Bank"),
        ("Fredrikstad", "11.8250", "Norges Bank"),
    ] {
        let r = app.post(&admin, &agreements, &json!({
            "member_id": ids[name], "pro_rata": "days", "notice_months": 3, "start_date": "2026-01-01", "end_date": "2028-12-31",
            "terms": {"fixed": [{"id": "partnerandel", "fee_model_id": model}],
                      "conversion": {"from": "EUR", "rate": rate, "date": "2026-12-30", "source": source}}
        })).await;
        assert_eq!(r.status, 201, "{name}: {}", r.body);
        let path = format!("{agreements}/{}", r.body["id"].as_str().unwrap());
        assert_eq!(
            app.post(
                &admin,
                &format!("{path}/transitions"),
                &json!({"to": "offered"})
            )
            .await
            .status,
            200
        );
        paths.insert(name, path);
    }
    // Net 1 803 424.00 EUR: 30 % = 541 027.20 EUR × 11.4527 = 6 196 222.21 SEK.
    let mut eur_total = Decimal::ZERO;
    for (name, currency, eur, local) in [
        ("Trollhättan", "SEK", "541027.20", "6196222.21"),
        ("Vänersborg", "SEK", "360684.80", "4130814.81"),
        ("Sarpsborg", "NOK", "450856.00", "5331372.20"),
        ("Fredrikstad", "NOK", "450856.00", "5331372.20"),
    ] {
        let r = app
            .get(&admin, &format!("{}/contribution?year=2027", paths[name]))
            .await;
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        let share = line(&r.body, "partnerandel");
        assert_eq!(
            (share["amount"].as_str(), share["currency"].as_str()),
            (Some(local), Some(currency)),
            "{name}"
        );
        let from = input(share, "converted_from");
        assert_eq!(from["amount"], eur, "{name}: both amounts are shown");
        assert_eq!(from["currency"], "EUR");
        assert_eq!(
            input(share, "exchange_rate")["value"],
            if currency == "SEK" {
                "11.4527"
            } else {
                "11.8250"
            }
        );
        eur_total += amount(&from["amount"]);
    }
    assert_eq!(
        eur_total,
        Decimal::new(180342400, 2),
        "the partners' parts add up to the net budget"
    );

    // A conversion from the agreement's own currency is refused.
    let r = app.post(&admin, &agreements, &json!({
        "member_id": ids["Trollhättan"], "pro_rata": "days", "notice_months": 3, "start_date": "2026-01-01",
        "terms": {"fixed": [{"id": "x", "fee_model_id": model}], "conversion": {"from": "SEK", "rate": "0", "date": "30/12", "source": ""}}
    })).await;
    let mut fields = crate::helpers::error_fields(&r.body);
    fields.sort();
    assert_eq!(
        fields,
        [
            // It also overlaps Trollhättan's agreement.
            "start_date",
            "terms.conversion.date",
            "terms.conversion.from",
            "terms.conversion.rate",
            "terms.conversion.source",
            "terms.fixed[0].fee_model_id"
        ]
    );
}

crate::on_both_backends!(
    navet_fixed_part_per_inhabitant_and_a_menu_of_services,
    interreg_eur_budget_shared_by_partners_paying_sek_and_nok,
    bergslagsakademin_fee_by_member_kind,
    regent_roster_without_fees,
    halsingland_federation_co_funded_by_the_region,
);
