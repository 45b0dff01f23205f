//! Usage of services recorded under an agreement, billed with the fee year it falls in.

use actix_web::{HttpResponse, get, post, web};

use crate::error::Error;
use crate::http::Db;
use crate::http::Items;
use crate::http::extract::{Body, Caller};
use crate::http::paging::{ListQuery, PagingParams};
use crate::http::problem::Problem;
use crate::services::agreements as service;

use super::views::{UsageBody, UsageQuery, UsageView};
use super::{AgreementPath, parse_year};

/// The usage recorded under the agreement, by date.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path), UsageQuery, PagingParams),
    responses((status = 200, body = Items<UsageView>), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}/usage")]
pub async fn usage_list(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    ListQuery(query, paging): ListQuery<UsageQuery>,
) -> Result<web::Json<Items<UsageView>>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let year = query
        .into_inner()
        .year
        .as_deref()
        .map(parse_year)
        .transpose()
        .map_err(|invalid| Error::field("year", invalid))?;
    let items = db
        .run(move |conn| service::usage(conn, &org, &id, year))
        .await?;
    Ok(web::Json(paging.page(items)))
}

/// Records usage of a service under an accepted (or since ended) agreement, within its
/// period; it is billed with the fee year it falls in.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body = UsageBody,
    responses((status = 201, body = UsageView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/agreements/{agreement}/usage")]
pub async fn usage_record(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(body): Body<UsageBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let usage = body.parse()?;
    let actor = caller.0.name.clone();
    let recorded = db
        .write(move |conn| service::record_usage(conn, &org, &id, &usage, &actor))
        .await?;
    Ok(HttpResponse::Created().json(UsageView::from(recorded)))
}
