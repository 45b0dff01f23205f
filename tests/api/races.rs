//! Requests that race: whatever the interleaving, each answer is one a client can act on.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{Backend, bollebygd, spawn_app};

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// Eight requests issue the same draft at once: one issues it, the others are told it is
/// issued already (409), never that it does not exist; one number is used.
async fn one_draft_issued_by_many_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (org, admin) = app.organisation_with_admin("Navet science center").await;
    let base = format!("/api/v1/organisations/{org}");
    let r = app
        .post(&admin, &format!("{base}/members"), &bollebygd())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let member = str_of(&r.body, "id").to_owned();
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
    let path = format!("{base}/invoices/{}/issue", str_of(&r.body, "id"));
    let body = json!({"date": "2027-04-01"});
    let answers = join_all((0..8).map(|_| app.post(&admin, &path, &body))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409], "{statuses:?}");
    for r in answers.iter().filter(|r| r.status == 409) {
        assert_eq!(r.body["code"], "invoice_issued", "{}", r.body);
    }
    let issued = app
        .get(&admin, &format!("{base}/invoices"))
        .await;
    let numbers: Vec<&str> = issued.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["number"].as_str())
        .collect();
    assert_eq!(numbers, ["NAV-2027-0001"]);
}

crate::on_both_backends!(one_draft_issued_by_many_at_once);
