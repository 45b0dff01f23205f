//! `Idempotency-Key` on every POST: the same key with the same request is answered as the
//! first time and runs once; with another request it is refused (422); while the first is
//! still running, 409. Keys are per organisation and kept at least 24 hours.

use std::collections::BTreeMap;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use utoipa::Modify;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{RefOr, Required, Type};

use super::Db;
use crate::domain::Invalid;
use crate::error::{Error, StateConflict};
use crate::http::extract::read_body;
use crate::services::idempotency::sha256_hex;
use crate::services::idempotency::{self as service, Answer, Claim};
use crate::services::tokens::Token;

pub const HEADER: &str = "Idempotency-Key";
/// Said on a replayed answer.
const REPLAYED: &str = "Idempotent-Replayed";
/// The largest body any POST takes (a bank file); the route itself checks its own limit.
const LIMIT: usize = 16 * 1024 * 1024;

/// The key a request carries: `None` without the header; refused when it is empty, too
/// long or not printable ASCII.
pub fn key_of(req: &actix_web::HttpRequest) -> Result<Option<String>, Error> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let key = value.to_str().map(str::trim).unwrap_or("");
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::field(
            HEADER,
            Invalid::WrongType {
                detail: "1–255 printable ASCII characters".into(),
            },
        ));
    }
    Ok(Some(key.to_owned()))
}

/// JSON with its keys sorted at every level, so the same body written with other spacing
/// or key order is the same request.
fn canonical(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

fn request_hash(req: &ServiceRequest, body: &[u8]) -> String {
    let mut request = format!(
        "{} {}\n",
        req.method(),
        req.uri().path_and_query().map_or("", |p| p.as_str())
    )
    .into_bytes();
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => request.extend(canonical(json).to_string().into_bytes()),
        Err(_) => request.extend_from_slice(body),
    }
    sha256_hex(&request)
}

fn replay(answer: Answer) -> HttpResponse {
    let mut res =
        HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK));
    if let Some(ct) = answer.content_type {
        res.insert_header((header::CONTENT_TYPE, ct));
    }
    if let Some(location) = answer.location {
        res.insert_header((header::LOCATION, location));
    }
    res.insert_header((REPLAYED, "true"));
    res.body(answer.body)
}

/// The middleware, after authentication: the caller's organisation scopes the key.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::POST {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = match key_of(req.request()) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Err(e) => return Ok(req.error_response(e).map_into_boxed_body()),
    };
    let (Some(db), Some(scope)) = (
        req.app_data::<web::Data<Db>>().cloned(),
        req.extensions().get::<Token>().map(|t| {
            t.organisation_id
                .clone()
                .unwrap_or_else(|| "operator".to_owned())
        }),
    ) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body = match read_body(&mut req.take_payload(), LIMIT).await {
        Ok(body) => body.freeze(),
        Err(e) => return Ok(req.error_response(e).map_into_boxed_body()),
    };
    let hash = request_hash(&req, &body);
    req.set_payload(body.into());

    let claim = {
        let (scope, key) = (scope.clone(), key.clone());
        db.write(move |conn| service::claim(conn, &scope, &key, &hash))
            .await
    };
    match claim {
        Ok(Claim::First) => {}
        Ok(Claim::Replay(answer)) => return Ok(req.into_response(replay(answer))),
        Ok(Claim::InFlight) => {
            let e = Error::State(StateConflict::RequestInFlight);
            return Ok(req.error_response(e).map_into_boxed_body());
        }
        Ok(Claim::OtherRequest) => {
            let e = Error::field(HEADER, Invalid::Mismatch { other: "request" });
            return Ok(req.error_response(e).map_into_boxed_body());
        }
        Err(e) => return Ok(req.error_response(e).map_into_boxed_body()),
    }

    let res = next.call(req).await;
    finish(&db, scope, key, res).await
}

/// Keeps a successful answer for the key, to be replayed; releases the key otherwise.
async fn finish(
    db: &Db,
    scope: String,
    key: String,
    res: Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (status, res) = match res {
        Ok(res) => (res.status(), Ok(res)),
        Err(e) => (e.as_response_error().status_code(), Err(e)),
    };
    if !status.is_success() {
        // Nothing was done, or not all of it: a retry with the key runs again.
        let _ = db
            .write(move |conn| service::release(conn, &scope, &key))
            .await;
        return res.map(ServiceResponse::map_into_boxed_body);
    }
    let (http_req, res) = res?.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.map_err(|e| {
        actix_web::Error::from(Error::Internal(anyhow::anyhow!(
            "reading the answer: {}",
            e.into()
        )))
    })?;
    let text = |name: header::HeaderName| {
        head.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let answer = Answer {
        status: status.as_u16(),
        content_type: text(header::CONTENT_TYPE),
        location: text(header::LOCATION),
        body: bytes.to_vec(),
    };
    // The work is done and committed; if keeping its answer fails, a retry could repeat
    // it, so the client hears of the failure instead of a success it cannot replay.
    db.write(move |conn| service::keep(conn, &scope, &key, &answer))
        .await?;
    Ok(ServiceResponse::new(
        http_req,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}

/// Documents the optional header on every POST under the API (a route that requires it
/// declares it itself).
pub struct IdempotencyHeader;

impl Modify for IdempotencyHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let Some(post) = item.post.as_mut().filter(|_| path.starts_with("/api/")) else {
                continue;
            };
            let parameters = post.parameters.get_or_insert_with(Vec::new);
            if parameters
                .iter()
                .any(|p| matches!(p, RefOr::T(p) if p.name == HEADER))
            {
                continue;
            }
            parameters.push(RefOr::T(parameter()));
        }
    }
}

fn parameter() -> Parameter {
    ParameterBuilder::new()
        .name(HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes the request safe to repeat: the same key with the same request is \
             answered as the first time and runs once; with another request 422; while \
             the first is still running 409. Kept at least 24 hours, per organisation.",
        ))
        .schema(Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .build(),
        ))
        .build()
}
