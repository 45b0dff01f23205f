//! Draft invoices: created, replaced and deleted until issued.

use actix_web::{HttpResponse, delete, post, put, web};

use super::bodies::{DraftBody, parse_draft};
use super::views::{InvoiceView, shown_view};
use crate::domain::Currency;
use crate::error::Error;
use crate::http::Db;
use crate::http::clock::today;
use crate::http::extract::{Body, Caller};
use crate::http::problem::Problem;
use crate::services::invoicing as service;

#[utoipa::path(tag = "invoicing", params(("org" = String, Path)), request_body = DraftBody, responses((status = 201, body = InvoiceView), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoices")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<DraftBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| {
            let parse = |currency: &mut dyn FnMut(&str) -> Result<Currency, Error>| {
                parse_draft(&body, currency)
            };
            service::create_draft_shown(conn, &org, parse, &actor)
        })
        .await?;
    Ok(HttpResponse::Created().json(shown_view(v, today())))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), request_body = DraftBody, responses((status = 200, body = InvoiceView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/organisations/{org}/invoices/{id}")]
pub async fn replace(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<DraftBody>,
) -> Result<web::Json<InvoiceView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| {
            let parse = |currency: &mut dyn FnMut(&str) -> Result<Currency, Error>| {
                parse_draft(&body, currency)
            };
            service::replace_draft_shown(conn, &org, &id, parse, &actor)
        })
        .await?;
    Ok(web::Json(shown_view(v, today())))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), responses((status = 204), (status = 409, body = Problem)), security(("bearer" = [])))]
#[delete("/organisations/{org}/invoices/{id}")]
pub async fn remove(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    db.write(move |conn| service::delete_draft(conn, &org, &id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
