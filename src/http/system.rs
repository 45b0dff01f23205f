//! Public endpoints: liveness, readiness, the OpenAPI document and its readable docs.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::Db;
use crate::error::Error;
use crate::services;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    pub version: &'static str,
}

/// The process is alive.
#[utoipa::path(tag = "system", responses((status = 200, body = Health)))]
#[get("/health")]
pub async fn health() -> web::Json<Health> {
    web::Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The database answers.
#[utoipa::path(tag = "system", responses((status = 200, body = Health), (status = 503, body = crate::http::problem::Problem)))]
#[get("/ready")]
pub async fn ready(db: web::Data<Db>) -> Result<web::Json<Health>, Error> {
    db.run(services::ping).await?;
    Ok(web::Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    }))
}

/// The OpenAPI document, built once at start-up.
pub struct OpenApiJson(pub String);

/// This document: OpenAPI 3.1.
#[utoipa::path(tag = "system", responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn openapi(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

const DOCS_INDEX: &str = include_str!("swagger-ui/index.html");
const DOCS_INIT: &str = include_str!("swagger-ui/init.js");
const DOCS_JS: &str = include_str!("swagger-ui/swagger-ui-bundle.js");
const DOCS_CSS: &str = include_str!("swagger-ui/swagger-ui.css");

/// Serves Swagger UI from files compiled into the binary: no CDN, so it works offline.
pub async fn docs(path: web::Path<String>) -> HttpResponse {
    let (body, content_type) = match path.as_str() {
        "" | "index.html" => (DOCS_INDEX, "text/html; charset=utf-8"),
        "init.js" => (DOCS_INIT, "text/javascript; charset=utf-8"),
        "swagger-ui-bundle.js" => (DOCS_JS, "text/javascript; charset=utf-8"),
        "swagger-ui.css" => (DOCS_CSS, "text/css; charset=utf-8"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(body)
}
