//! Webhooks: an organisation's admin registers endpoints and the events each wants, sees
//! every delivery with its attempts, and replays one.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Db;
use crate::error::Error;
use crate::http::Items;
use crate::http::extract::{Body, Caller, from_value};
use crate::http::names;
use crate::http::paging::{Paging, PagingParams};
use crate::http::problem::Problem;
use crate::http::{merge_patch, to_value};
use crate::services::webhooks::{
    self as service, AttemptRow, Delivery, EndpointInput, EndpointRow,
};

/// An endpoint as given; a PATCH is a JSON merge patch (RFC 7396) of it.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// Where events are posted: an http or https address.
    #[schema(example = "https://ekonomi.boras.se/avtal-webhooks", value_type = String)]
    pub url: Option<String>,
    /// The events to post there; at least one.
    #[schema(value_type = Vec<names::WebhookEvent>, example = json!(["invoice.issued", "invoice.paid"]))]
    pub events: Option<Vec<String>>,
    #[schema(example = "Ekonomisystemet")]
    pub description: Option<String>,
    /// Whether events are posted; default true. A disabled endpoint gets no new deliveries.
    #[schema(example = true)]
    pub enabled: Option<bool>,
}

impl WebhookBody {
    fn parse(self) -> Result<EndpointInput, Error> {
        EndpointInput::parse(
            self.url.as_deref(),
            self.events.as_deref(),
            self.description.as_deref(),
            self.enabled,
        )
    }

    fn of(row: &EndpointRow) -> Self {
        Self {
            url: Some(row.url.clone()),
            events: Some(row.events()),
            description: row.description.clone(),
            enabled: Some(row.enabled),
        }
    }
}

/// A registered endpoint. Its signing secret is shown only when it is created.
#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    #[schema(example = "019b2a4e-8f3c-7d10-9a5e-3c1f2b4d5e6f")]
    pub id: String,
    #[schema(example = "https://ekonomi.boras.se/avtal-webhooks")]
    pub url: String,
    #[schema(value_type = Vec<names::WebhookEvent>, example = json!(["invoice.issued", "invoice.paid"]))]
    pub events: Vec<String>,
    #[schema(example = "Ekonomisystemet")]
    pub description: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<EndpointRow> for WebhookView {
    fn from(r: EndpointRow) -> Self {
        Self {
            events: r.events(),
            id: r.id,
            url: r.url,
            description: r.description,
            enabled: r.enabled,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// A new endpoint with its signing secret, shown in this answer only: keep it where the
/// receiver verifies signatures (see the README's section on webhooks).
#[derive(Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub view: WebhookView,
    /// `whsec_` and the base64 of the 24 key bytes (Standard Webhooks).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// One attempt to post a delivery.
#[derive(Serialize, ToSchema)]
pub struct WebhookAttemptView {
    /// Counts every attempt of the delivery, replays included.
    #[schema(example = 1)]
    pub number: i32,
    /// 1 for the first series of attempts, one more for each replay.
    #[schema(example = 1)]
    pub series: i32,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; null when no answer came.
    #[schema(example = 500)]
    pub status_code: Option<i32>,
    /// Why no answer came (a timeout, a failed connection).
    #[schema(example = "no answer within 10000 ms")]
    pub error: Option<String>,
    #[schema(example = 42)]
    pub duration_ms: i32,
}

impl From<AttemptRow> for WebhookAttemptView {
    fn from(a: AttemptRow) -> Self {
        Self {
            number: a.number,
            series: a.series,
            attempted_at: a.attempted_at.and_utc(),
            status_code: a.status_code,
            error: a.error,
            duration_ms: a.duration_ms,
        }
    }
}

/// One event for one endpoint. Its id is the `webhook-id` header of every attempt.
#[derive(Serialize, ToSchema)]
pub struct WebhookDeliveryView {
    #[schema(example = "msg_019b2a4e8f3c7d109a5e3c1f2b4d5e6f")]
    pub id: String,
    #[schema(value_type = names::WebhookEvent)]
    pub event_type: String,
    #[schema(value_type = names::DeliveryStatus)]
    pub status: String,
    /// When the next attempt is made, while the delivery is pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// What the last failed attempt came to.
    pub last_error: Option<String>,
    /// The body as posted: `type`, `timestamp` and `data`.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub attempts: Vec<WebhookAttemptView>,
}

impl From<Delivery> for WebhookDeliveryView {
    fn from(d: Delivery) -> Self {
        let r = d.row;
        // Being posted is pending to the reader: it is not delivered yet.
        let pending = matches!(r.status.as_str(), service::PENDING | service::SENDING);
        Self {
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
            status: if pending {
                service::PENDING.to_owned()
            } else {
                r.status
            },
            next_attempt_at: pending.then(|| r.next_attempt_at.and_utc()),
            id: r.id,
            event_type: r.event_type,
            created_at: r.created_at.and_utc(),
            delivered_at: r.delivered_at.map(|t| t.and_utc()),
            last_error: r.last_error,
            attempts: d.attempts.into_iter().map(Into::into).collect(),
        }
    }
}

/// The statuses a delivery shows.
pub const DELIVERY_STATUSES: &[&str] = names::DELIVERY_STATUSES;

type EndpointPath = web::Path<(String, String)>;

#[utoipa::path(
    tag = "webhooks",
    params(("org" = String, Path)),
    request_body = WebhookBody,
    responses((status = 201, body = CreatedWebhook), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/webhooks")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<WebhookBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.configure(&org)?;
    let actor = caller.0.name.clone();
    let input = body.parse()?;
    let row = db
        .write(move |conn| service::create(conn, &org, input, &actor))
        .await?;
    let secret = row.secret.clone();
    Ok(HttpResponse::Created().json(CreatedWebhook {
        view: row.into(),
        secret,
    }))
}

#[utoipa::path(
    tag = "webhooks",
    params(("org" = String, Path), PagingParams),
    responses((status = 200, body = Items<WebhookView>), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/webhooks")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: web::Path<String>,
) -> Result<web::Json<Items<WebhookView>>, Error> {
    let org = path.into_inner();
    caller.configure(&org)?;
    let rows = db.run(move |conn| service::endpoints(conn, &org)).await?;
    Ok(web::Json(paging.page(rows)))
}

#[utoipa::path(
    tag = "webhooks",
    params(("org" = String, Path), ("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, body = WebhookView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/webhooks/{id}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: EndpointPath,
) -> Result<web::Json<WebhookView>, Error> {
    let (org, id) = path.into_inner();
    caller.configure(&org)?;
    let row = db
        .run(move |conn| service::endpoint(conn, &org, &id))
        .await?;
    Ok(web::Json(row.into()))
}

/// Changes an endpoint with a JSON merge patch (RFC 7396); its secret stays.
#[utoipa::path(
    tag = "webhooks",
    params(("org" = String, Path), ("id" = String, Path, description = "The endpoint's id")),
    request_body(content = WebhookBody, content_type = "application/merge-patch+json"),
    responses((status = 200, body = WebhookView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/organisations/{org}/webhooks/{id}")]
pub async fn update(
    db: web::Data<Db>,
    caller: Caller,
    path: EndpointPath,
    Body(patch): Body<serde_json::Value>,
) -> Result<web::Json<WebhookView>, Error> {
    let (org, id) = path.into_inner();
    caller.configure(&org)?;
    let actor = caller.0.name.clone();
    let row = db
        .write(move |conn| {
            let current = service::endpoint(conn, &org, &id)?;
            let mut doc = to_value(&WebhookBody::of(&current))?;
            merge_patch(&mut doc, &patch);
            let input = from_value::<WebhookBody>(doc)?.parse()?;
            service::update(conn, &org, &id, input, &actor)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Removes an endpoint with its deliveries.
#[utoipa::path(
    tag = "webhooks",
    params(("org" = String, Path), ("id" = String, Path, description = "The endpoint's id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[delete("/organisations/{org}/webhooks/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    caller: Caller,
    path: EndpointPath,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.configure(&org)?;
    let actor = caller.0.name.clone();
    db.write(move |conn| service::delete(conn, &org, &id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An endpoint's deliveries, newest first, each with its attempts.
#[utoipa::path(
    tag = "webhooks",
    params(("org" = String, Path), ("id" = String, Path, description = "The endpoint's id"), PagingParams),
    responses((status = 200, body = Items<WebhookDeliveryView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/webhooks/{id}/deliveries")]
pub async fn deliveries(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: EndpointPath,
) -> Result<web::Json<Items<WebhookDeliveryView>>, Error> {
    let (org, id) = path.into_inner();
    caller.configure(&org)?;
    let rows = db
        .run(move |conn| service::deliveries(conn, &org, &id))
        .await?;
    Ok(web::Json(paging.page(rows)))
}

/// Queues a delivery again: a new series of attempts with the same `webhook-id` and body.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("org" = String, Path),
        ("id" = String, Path, description = "The endpoint's id"),
        ("delivery" = String, Path, description = "The delivery's id")
    ),
    responses((status = 202, body = WebhookDeliveryView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/webhooks/{id}/deliveries/{delivery}/replay")]
pub async fn replay(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id, delivery) = path.into_inner();
    caller.configure(&org)?;
    let actor = caller.0.name.clone();
    let d = db
        .write(move |conn| service::replay(conn, &org, &id, &delivery, &actor))
        .await?;
    Ok(HttpResponse::Accepted().json(WebhookDeliveryView::from(d)))
}
