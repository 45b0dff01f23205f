//! What happens to a draft and an issued invoice: issuing, credit notes, events.

use actix_web::{HttpResponse, post, web};

use super::bodies::{CreditBody, DateBody, EVENT_KINDS, EventBody, parse_lines};
use super::views::{InvoiceView, shown_view};
use crate::domain::{Currency, Errors, Invalid, LINE_MAX, text};
use crate::error::Error;
use crate::http::Db;
use crate::http::clock::date_or_today;
use crate::http::clock::today;
use crate::http::extract::{Body, Caller};
use crate::http::problem::Problem;
use crate::pdf::Renderer;
use crate::services::invoicing as service;
use crate::services::mail::Composer;

/// Issues a draft: its number, payment reference, dates and PDF, once and for all.
#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), request_body = DateBody, responses((status = 200, body = InvoiceView), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoices/{id}/issue")]
pub async fn issue(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<DateBody>,
) -> Result<web::Json<InvoiceView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let date = date_or_today(body.date.as_deref(), "date")?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| {
            service::issue_and_queue(conn, &renderer, &composer, &org, &id, date, today(), &actor)
        })
        .await?;
    Ok(web::Json(shown_view(v, today())))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), request_body = CreditBody, responses((status = 201, body = InvoiceView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoices/{id}/credit-notes")]
pub async fn credit(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<CreditBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let date = date_or_today(body.date.as_deref(), "date")?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| {
            let parse = |currency: Currency| match &body.lines {
                None => Ok(None),
                Some(lines) => {
                    let mut e = Errors::new();
                    let parsed = parse_lines(lines, currency, "lines", &mut e);
                    Ok(Some(e.finish(|| parsed).map_err(Error::Validation)?))
                }
            };
            let (renderer, composer) = (&renderer, &composer);
            service::credit_and_queue(
                conn,
                renderer,
                composer,
                &org,
                &id,
                parse,
                date,
                today(),
                &actor,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(shown_view(v, today())))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), request_body = EventBody, responses((status = 200, body = InvoiceView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoices/{id}/events")]
pub async fn event(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<EventBody>,
) -> Result<web::Json<InvoiceView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let kind = match body.kind.trim() {
        k if EVENT_KINDS.contains(&k) => k.to_owned(),
        _ => {
            return Err(Error::field(
                "kind",
                Invalid::OneOf {
                    allowed: EVENT_KINDS,
                },
            ));
        }
    };
    let date = date_or_today(body.date.as_deref(), "date")?;
    let note = body
        .note
        .as_deref()
        .map(|n| text(n, LINE_MAX))
        .transpose()
        .map_err(|i| Error::field("note", i))?;
    let actor = caller.0.name.clone();
    let v = db
        .write(move |conn| service::record_event_shown(conn, &org, &id, &kind, date, note, &actor))
        .await?;
    Ok(web::Json(shown_view(v, today())))
}
