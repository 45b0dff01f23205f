//! `avtal demo`: a whole year of an organisation like Navet science center on the
//! database, for a newcomer to look at before entering anything of their own — the eight
//! Sjuhärad municipalities with their population, a price list and the next year's fee
//! model, agreements in every state, the year's invoices, payments matched, partial and
//! unmatched, a reminder and a newsletter in the outbox.
//!
//! The demo is a client of the API: every step is a request to the application in
//! process, through the same authentication, validation and services as a request over
//! the network, so the example is exactly what a user of the API could have made.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::http::{Method, StatusCode};
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

use crate::configuration::Settings;
use crate::domain::Role;
use crate::http::Db;
use crate::services::tokens::TokenCache;
use crate::startup::{Shared, app};
use crate::storage::{self, DbConnection, Pool};

/// What the demo made, and how to get at it.
#[derive(Debug, Clone)]
pub struct Made {
    pub organisation: String,
    pub operator_token: String,
    pub admin_token: String,
    pub members: usize,
    pub agreements: usize,
    pub invoices: usize,
    pub payments: usize,
    pub reminders: usize,
    pub messages: usize,
}

/// The Sjuhärad municipalities (SCB codes), their contact and what their agreement is.
const MUNICIPALITIES: [(&str, &str, &str, Agreement); 8] = [
    ("1490", "Borås", "Box 5003, 501 82 Borås", Agreement::Active),
    (
        "1443",
        "Bollebygd",
        "Box 100, 517 21 Bollebygd",
        Agreement::Active,
    ),
    ("1463", "Mark", "Box 100, 511 80 Kinna", Agreement::Active),
    (
        "1491",
        "Ulricehamn",
        "Box 33, 523 21 Ulricehamn",
        Agreement::Active,
    ),
    (
        "1466",
        "Herrljunga",
        "Box 201, 524 23 Herrljunga",
        Agreement::Active,
    ),
    (
        "1442",
        "Vårgårda",
        "Box 100, 447 80 Vårgårda",
        Agreement::Terminated,
    ),
    (
        "1465",
        "Svenljunga",
        "Box 101, 512 23 Svenljunga",
        Agreement::Offered,
    ),
    (
        "1452",
        "Tranemo",
        "Box 100, 514 80 Tranemo",
        Agreement::Draft,
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agreement {
    Draft,
    Offered,
    Active,
    Terminated,
}

/// The year of the demo's invoices: the current one, billed up to the end of the quarter
/// `today` is in.
fn year_and_end(today: NaiveDate) -> (i32, NaiveDate) {
    let year = today.year();
    let quarter_end_month = (today.month0() / 3 + 1) * 3;
    let end = NaiveDate::from_ymd_opt(year, quarter_end_month % 12 + 1, 1)
        .map(|first| {
            if quarter_end_month == 12 {
                NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(first)
            } else {
                first.pred_opt().unwrap_or(first)
            }
        })
        .unwrap_or(today);
    (year, end)
}

type Reply = Pin<Box<dyn Future<Output = (StatusCode, Value)>>>;

/// Sends requests to the application in process, as one caller.
struct Client {
    send: Rc<dyn Fn(TestRequest) -> Reply>,
    token: String,
    keys: Rc<std::cell::Cell<u32>>,
}

impl Client {
    fn as_caller(&self, token: &str) -> Client {
        Client {
            send: self.send.clone(),
            token: token.to_owned(),
            keys: self.keys.clone(),
        }
    }

    /// A request that must succeed; its JSON answer.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let key = self.keys.get() + 1;
        self.keys.set(key);
        let mut req = TestRequest::default()
            .method(method.clone())
            .uri(path)
            .insert_header(("Authorization", format!("Bearer {}", self.token)))
            .insert_header(("Idempotency-Key", format!("demo-{key}")));
        if let Some(body) = body {
            req = req.set_json(body);
        }
        let (status, answer) = (self.send)(req).await;
        anyhow::ensure!(status.is_success(), "{method} {path}: {status} {answer}");
        Ok(answer)
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Posts `body` and answers the `field` of what was made (its `id`, a token).
    async fn post_for(&self, path: &str, body: Value, field: &str) -> anyhow::Result<String> {
        let answer = self.post(path, body).await?;
        Ok(text(&answer, field)?.to_owned())
    }
}

fn text<'a>(v: &'a Value, key: &str) -> anyhow::Result<&'a str> {
    v[key].as_str().with_context(|| format!("no {key} in {v}"))
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

/// Whether the database holds any organisation (the demo goes into an empty one).
pub fn is_empty(conn: &mut DbConnection) -> anyhow::Result<bool> {
    Ok(crate::services::organisations::none_yet(conn)?)
}

/// The settings' database, which must hold no organisation yet. The one place where the
/// demo opens storage itself rather than going through the application.
fn empty_database(settings: &Settings) -> anyhow::Result<Pool> {
    let pool = storage::connect(&settings.database, settings.pool_size)?;
    {
        let mut conn = pool.get()?;
        anyhow::ensure!(
            is_empty(&mut conn)?,
            "the database already holds organisations; the demo goes into an empty one \
             (`avtal demo --reset` starts the embedded database afresh)"
        );
    }
    Ok(pool)
}

/// Makes the demo on the settings' database, as of `today`.
pub fn make(settings: &Settings, today: NaiveDate) -> anyhow::Result<Made> {
    let pool = empty_database(settings)?;
    let operator = {
        let mut conn = pool.get()?;
        crate::services::tokens::create(&mut conn, None, Role::Operator, "Demo: drift")
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .secret
    };
    let tokens = actix_web::web::Data::new(TokenCache::new(settings.token_cache));
    let shared = Shared::new(Db::new(crate::services::Db::new(pool)), tokens, settings)?;
    actix_web::rt::System::new().block_on(async move {
        let service = Rc::new(init_service(app(&shared)).await);
        let send: Rc<dyn Fn(TestRequest) -> Reply> = Rc::new(move |req: TestRequest| {
            let service = service.clone();
            Box::pin(async move {
                let response = call_service(&*service, req.to_request()).await;
                let status = response.status();
                let body = read_body(response).await;
                let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                (status, value)
            }) as Reply
        });
        let client = Client {
            send,
            token: operator.clone(),
            keys: Rc::new(std::cell::Cell::new(0)),
        };
        story(&client, &operator, today).await
    })
}

/// The year, step by step.
async fn story(operator: &Client, operator_token: &str, today: NaiveDate) -> anyhow::Result<Made> {
    let (year, billed_to) = year_and_end(today);
    let demo = Demo::organisation(operator, year, today).await?;
    let members = demo.members().await?;
    let next_model = demo.price_list().await?;
    for member in &members {
        demo.agreement(member, &next_model).await?;
    }
    let invoices = demo.invoices(billed_to).await?;
    let payments = demo.payments(&invoices, &members).await?;
    let reminders = demo.reminders(operator).await?;
    let messages = demo.mailing().await?;
    Ok(Made {
        organisation: demo.org,
        operator_token: operator_token.to_owned(),
        admin_token: demo.admin_token,
        members: members.len(),
        agreements: members.len(),
        invoices: invoices.len(),
        payments,
        reminders,
        messages,
    })
}

/// The demo's organisation, and its administrator who takes the steps.
struct Demo {
    org: String,
    admin_token: String,
    admin: Client,
    /// The organisation's path in the API.
    base: String,
    year: i32,
    today: NaiveDate,
}

/// A municipality as imported, with the agreement it is to have.
struct Member {
    name: &'static str,
    id: String,
    agreement: Agreement,
}

impl Demo {
    /// The organisation, made by the operator, and a token for its administrator.
    async fn organisation(operator: &Client, year: i32, today: NaiveDate) -> anyhow::Result<Demo> {
        let org = operator
            .post_for(
                "/api/v1/organisations",
                json!({
                    "name": "Navet science center (demo)",
                    "legal_name": "Boråsregionen Sjuhärads kommunalförbund",
                    "country": "SE", "org_number": "222000-1321", "vat_status": "registered",
                    "vat_number": "SE222000132101", "f_skatt": true, "seat": "Borås",
                    "address": {"line1": "Nicolaigatan 3", "postal_code": "503 38", "city": "Borås"},
                    "bankgiro": "5050-1055", "invoice_prefix": "NAV",
                    "contact_email": "navet@demo.example",
                    "signatories": [
                        {"name": "Lisa Belfrage", "title": "Verksamhetschef Navet science center"},
                        {"name": "Magnus Haggren", "title": "Förbundsdirektör Boråsregionen Sjuhärad"}
                    ]
                }),
                "id",
            )
            .await?;
        let admin_token = operator
            .post_for(
                &format!("/api/v1/organisations/{org}/tokens"),
                json!({"role": "admin", "name": "Demo: administratör"}),
                "token",
            )
            .await?;
        Ok(Demo {
            admin: operator.as_caller(&admin_token),
            base: format!("/api/v1/organisations/{org}"),
            org,
            admin_token,
            year,
            today,
        })
    }

    /// The municipalities with their population, then their invoice addresses and contacts.
    async fn members(&self) -> anyhow::Result<Vec<Member>> {
        let base = &self.base;
        let codes: Vec<&str> = MUNICIPALITIES.iter().map(|m| m.0).collect();
        self.admin
            .post(
                &format!("{base}/imports/municipalities"),
                json!({"country": "SE", "codes": codes}),
            )
            .await?;
        let list = self.admin.get(&format!("{base}/members?limit=50")).await?;
        let ids: BTreeMap<String, String> = items(&list)
            .iter()
            .filter_map(|m| Some((m["name"].as_str()?.to_owned(), m["id"].as_str()?.to_owned())))
            .collect();
        let mut members = Vec::new();
        for (_, name, address, agreement) in MUNICIPALITIES {
            let id = ids
                .get(name)
                .with_context(|| format!("{name} was not imported"))?
                .clone();
            self.member_details(&id, name, address).await?;
            members.push(Member {
                name,
                id,
                agreement,
            });
        }
        Ok(members)
    }

    async fn member_details(&self, id: &str, name: &str, address: &str) -> anyhow::Result<()> {
        let base = &self.base;
        let (line1, postal_code, city) = address_parts(address);
        let mail = mail_domain(name);
        self.admin
            .call(
                Method::PATCH,
                &format!("{base}/members/{id}"),
                Some(json!({
                    "billing_address": {"line1": line1, "postal_code": postal_code, "city": city},
                    "invoice_email": format!("faktura@{mail}.demo.example"),
                    "buyer_reference": "Navet"
                })),
            )
            .await?;
        self.admin
            .post(
                &format!("{base}/members/{id}/contacts"),
                json!({"name": format!("Kommundirektör {name}"), "title": "kommundirektör",
                       "email": format!("kommunstyrelsen@{mail}.demo.example"),
                       "receives_offers": true, "receives_newsletters": true}),
            )
            .await?;
        Ok(())
    }

    /// This year's price list, and next year's fee per inhabitant the board decides on;
    /// the fee model's id.
    async fn price_list(&self) -> anyhow::Result<String> {
        let (base, year) = (&self.base, self.year);
        self.admin
            .post(
                &format!("{base}/price-lists/{year}/items"),
                json!({"code": "SKOLPROG", "name_sv": "Skolprogram", "name_nb": "Skoleprogram",
                       "name_en": "School programme", "unit": "class", "unit_price": "3500.00",
                       "currency": "SEK", "vat": "25"}),
            )
            .await?;
        self.admin
            .post_for(
                &format!("{base}/fee-models"),
                json!({"fee_year": year + 1, "name": "Fast del per invånare",
                       "model": {"type": "per_inhabitant", "currency": "SEK", "rate": "28.50"},
                       "indexation": null}),
                "id",
            )
            .await
    }

    /// A member's agreement taken as far as its state: offered unless a draft, accepted and
    /// in force since earlier years, and for one ended this summer.
    async fn agreement(&self, member: &Member, next_model: &str) -> anyhow::Result<()> {
        let (base, year) = (&self.base, self.year);
        let state = member.agreement;
        let body = agreement_body(member, year, next_model);
        let id = self
            .admin
            .post_for(&format!("{base}/agreements"), body, "id")
            .await?;
        let path = format!("{base}/agreements/{id}");
        if state != Agreement::Draft {
            let fee_year = if state == Agreement::Offered {
                year + 1
            } else {
                year - 2
            };
            self.admin
                .post(
                    &format!("{path}/offers"),
                    json!({"fee_year": fee_year, "date": format!("{}-11-02", fee_year - 1),
                           "diarienummer": format!("BRS {}/0412", fee_year - 1)}),
                )
                .await?;
        }
        if matches!(state, Agreement::Active | Agreement::Terminated) {
            let name = member.name;
            self.transition(
                &path,
                json!({"to": "accepted", "date": format!("{}-12-01", year - 3),
                       "signed_by": format!("Kommundirektör {name}"),
                       "decision_reference": format!("KS {}/88", year - 3)}),
            )
            .await?;
            self.transition(&path, json!({"to": "active"})).await?;
        }
        if state == Agreement::Terminated {
            self.transition(
                &path,
                json!({"to": "terminated", "date": format!("{year}-06-30"),
                       "reason": "Kommunen lämnar samarbetet"}),
            )
            .await?;
        }
        Ok(())
    }

    async fn transition(&self, agreement: &str, body: Value) -> anyhow::Result<()> {
        self.admin
            .post(&format!("{agreement}/transitions"), body)
            .await?;
        Ok(())
    }

    /// The year's invoices, as far as the current quarter.
    async fn invoices(&self, billed_to: NaiveDate) -> anyhow::Result<Vec<Value>> {
        let (base, year) = (&self.base, self.year);
        let run = self
            .admin
            .post(
                &format!("{base}/invoice-runs"),
                json!({"from": format!("{year}-01-01"), "to": billed_to.to_string()}),
            )
            .await?;
        Ok(run["invoices"].as_array().cloned().unwrap_or_default())
    }

    /// The payments of [`payments_to_make`], and one that arrives without a reference, for someone
    /// to match by hand; how many were made.
    async fn payments(&self, invoices: &[Value], members: &[Member]) -> anyhow::Result<usize> {
        let base = &self.base;
        let mut payments = 0;
        for body in payments_to_make(invoices, members, self.today)? {
            self.admin.post(&format!("{base}/payments"), body).await?;
            payments += 1;
        }
        self.admin
            .post(
                &format!("{base}/payments"),
                json!({"amount": "1250.00", "paid_on": self.today.to_string(),
                       "payer": "Okänd inbetalare, Borås"}),
            )
            .await?;
        Ok(payments + 1)
    }

    /// Reminders need Riksbanken's reference rate; the demo enters one for the year when
    /// the database has none (an operator enters the published rates). How many reminders
    /// the run made.
    async fn reminders(&self, operator: &Client) -> anyhow::Result<usize> {
        let (base, year) = (&self.base, self.year);
        let rates = operator.get("/api/v1/reference-rates/SE").await?;
        if items(&rates).is_empty() && rates.as_array().is_none_or(Vec::is_empty) {
            operator
                .call(
                    Method::PUT,
                    &format!("/api/v1/reference-rates/SE/{year}-01-01"),
                    Some(json!({"percent": "1.75"})),
                )
                .await?;
        }
        let reminders = self
            .admin
            .post(
                &format!("{base}/reminder-runs"),
                json!({"date": self.today.to_string()}),
            )
            .await?;
        Ok(reminders["reminders"].as_array().map_or(0, Vec::len))
    }

    /// A newsletter to every contact who receives them, waiting in the outbox; how many
    /// messages are there.
    async fn mailing(&self) -> anyhow::Result<usize> {
        let base = &self.base;
        let mailing = self
            .admin
            .post(
                &format!("{base}/mailings"),
                json!({"subject": "Nyheter från Navet science center",
                       "text": "Hej!\n\nVårens skolprogram är klara att boka.\n\nVänliga hälsningar\nNavet"}),
            )
            .await?;
        let queued = mailing["queued"].as_u64().unwrap_or(0) as usize;
        let outbox = self.admin.get(&format!("{base}/outbox")).await?;
        Ok(items(&outbox).len().max(queued))
    }
}

/// "Box 5003, 501 82 Borås" as street, postal code and city.
fn address_parts(address: &str) -> (&str, &str, &str) {
    let mut parts = address.splitn(2, ", ");
    let line1 = parts.next().unwrap_or(address);
    let (postal_code, city) = parts
        .next()
        .and_then(|rest| rest.get(..6).map(|code| (code, rest[6..].trim())))
        .unwrap_or(("", ""));
    (line1, postal_code, city)
}

/// A municipality's name as it appears in its mail addresses: "Vårgårda" → "vargarda".
fn mail_domain(name: &str) -> String {
    name.to_lowercase()
        .replace(['å', 'ä'], "a")
        .replace('ö', "o")
}

/// Agreements: most in force since earlier years, billed quarterly; one ended this summer,
/// one offered for next year and waiting for an answer, one still a draft.
fn agreement_body(member: &Member, year: i32, next_model: &str) -> Value {
    let id = &member.id;
    match member.agreement {
        Agreement::Offered | Agreement::Draft => json!({
            "member_id": id, "pro_rata": "whole_months", "notice_months": 6,
            "start_date": format!("{}-01-01", year + 1),
            "terms": {"fixed": [{"id": "fast-del", "fee_model_id": next_model}],
                      "billing": {"schedule": "quarterly", "invoice_day": 15}}
        }),
        Agreement::Active | Agreement::Terminated => {
            let mut terms = json!({
                "fixed": [{"id": "medlemsavgift", "model": {"model":
                    {"type": "flat", "currency": "SEK", "amount": "60000.00"}}}],
                "billing": {"schedule": "quarterly", "invoice_day": 15}
            });
            if member.name == "Borås" {
                terms["variable"] =
                    json!([{"fee_year": year, "item_code": "SKOLPROG", "quantity": "4"}]);
            }
            json!({"member_id": id, "pro_rata": "whole_months", "notice_months": 6,
                   "start_date": format!("{}-01-01", year - 2), "terms": terms})
        }
    }
}

/// Payments: every invoice due before today is paid by its OCR number three days before
/// it is due, except Ulricehamn's last (reminded) and Mark's last (half paid). The bodies
/// of those payments, in the invoices' order.
fn payments_to_make(
    invoices: &[Value],
    members: &[Member],
    today: NaiveDate,
) -> anyhow::Result<Vec<Value>> {
    let due: Vec<&Value> = invoices
        .iter()
        .filter(|i| {
            i["due_date"]
                .as_str()
                .and_then(|d| d.parse::<NaiveDate>().ok())
                .is_some_and(|d| d < today)
        })
        .collect();
    let last_of = |name: &str| {
        let member = members
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.id.clone())
            .unwrap_or_default();
        due.iter()
            .rev()
            .find(|i| i["member_id"].as_str() == Some(member.as_str()))
            .and_then(|i| i["id"].as_str())
            .map(str::to_owned)
    };
    let unpaid = last_of("Ulricehamn");
    let partial = last_of("Mark");
    let mut bodies = Vec::new();
    for invoice in &due {
        let id = text(invoice, "id")?;
        if unpaid.as_deref() == Some(id) {
            continue;
        }
        let total: rust_decimal::Decimal = text(invoice, "total")?.parse()?;
        let amount = if partial.as_deref() == Some(id) {
            (total / rust_decimal::Decimal::TWO).round_dp(2)
        } else {
            total
        };
        let due_date: NaiveDate = text(invoice, "due_date")?.parse()?;
        let paid_on = (due_date - chrono::Days::new(3)).min(today);
        bodies.push(
            json!({"amount": amount.to_string(), "paid_on": paid_on.to_string(),
                           "reference": text(invoice, "payment_reference")?}),
        );
    }
    Ok(bodies)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_year_is_billed_to_the_end_of_the_current_quarter() {
        assert_eq!(year_and_end(day(2026, 12, 4)), (2026, day(2026, 12, 31)));
        assert_eq!(year_and_end(day(2026, 2, 28)), (2026, day(2026, 3, 31)));
        assert_eq!(year_and_end(day(2027, 4, 1)), (2027, day(2027, 6, 30)));
        assert_eq!(year_and_end(day(2027, 9, 30)), (2027, day(2027, 9, 30)));
    }
}
