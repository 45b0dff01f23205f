//! The versions of an agreement's terms: each agreed from a date, earlier ones kept as they
//! were.

use actix_web::{HttpResponse, get, post, web};

use crate::domain::{Errors, Invalid};
use crate::error::Error;
use crate::http::Db;
use crate::http::Items;
use crate::http::extract::{Body, Caller};
use crate::http::paging::{Paging, PagingParams};
use crate::http::problem::Problem;
use crate::services::agreements as service;

use super::AgreementPath;
use super::views::{NewVersionBody, VersionView};

/// Every version of the terms, oldest first.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path), PagingParams),
    responses((status = 200, body = Items<VersionView>), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}/versions")]
pub async fn versions(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: AgreementPath,
) -> Result<web::Json<Items<VersionView>>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let versions = db
        .run(move |conn| service::versions(conn, &org, &id))
        .await?;
    Ok(web::Json(
        paging.page(
            versions
                .into_iter()
                .map(VersionView::try_from)
                .collect::<Result<Vec<_>, _>>()?,
        ),
    ))
}

/// Agrees changed terms from `effective_from`; earlier versions stay readable as they were.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body = NewVersionBody,
    responses((status = 201, body = VersionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/agreements/{agreement}/versions")]
pub async fn create_version(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(body): Body<NewVersionBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let mut e = Errors::new();
    let effective_from = e.require(
        "effective_from",
        body.effective_from.as_deref(),
        crate::domain::iso_date,
    );
    if body.terms.is_none() {
        e.add("terms", Invalid::Required);
    }
    let (effective_from, terms) = e
        .finish(|| Some((effective_from?, body.terms?)))
        .map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let version = db
        .write(move |conn| service::add_version(conn, &org, &id, effective_from, &terms, &actor))
        .await?;
    Ok(HttpResponse::Created().json(VersionView::try_from(version)?))
}

#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = VersionView), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}/versions/{version}")]
pub async fn read_version(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, i64)>,
) -> Result<web::Json<VersionView>, Error> {
    let (org, id, number) = path.into_inner();
    caller.read_members(&org)?;
    let number = i32::try_from(number).map_err(|_| Error::NotFound("agreement version"))?;
    let version = db
        .run(move |conn| service::version(conn, &org, &id, number))
        .await?;
    Ok(web::Json(version.try_into()?))
}
