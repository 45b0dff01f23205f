//! The agreement itself and its lifecycle: listed, created with its terms, read, its
//! details patched, deleted while a draft, its draft terms replaced, and moved on.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};

use crate::domain::Invalid;
use crate::domain::agreement::AgreementStatus;
use crate::error::Error;
use crate::http::Db;
use crate::http::Items;
use crate::http::extract::{Body, Caller, from_value, from_value_at, with_part};
use crate::http::paging::{ListQuery, PagingParams};
use crate::http::patch;
use crate::http::problem::Problem;
use crate::services::agreements::{self as service, AgreementFilter, TermsSpec};

use super::views::{
    AgreementDetail, AgreementHeaderBody, AgreementQuery, AgreementView, NewAgreementBody,
    TransitionBody, VersionView, detail,
};
use super::{AgreementPath, OrgPath};

/// Lists the organisation's agreements, oldest first.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), AgreementQuery, PagingParams),
    responses((status = 200, body = Items<AgreementView>), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    path: OrgPath,
    ListQuery(query, paging): ListQuery<AgreementQuery>,
) -> Result<web::Json<Items<AgreementView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let query = query.into_inner();
    let status = query
        .status
        .as_deref()
        .map(AgreementStatus::parse)
        .transpose()
        .map_err(|invalid| Error::field("status", invalid))?;
    let filter = AgreementFilter {
        member_id: query.member_id,
        status,
    };
    let items = db
        .run(move |conn| service::list(conn, &org, &filter))
        .await?;
    Ok(web::Json(paging.page(items)))
}

/// Creates a draft agreement for a member of the organisation that is not archived.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path)),
    request_body = NewAgreementBody,
    responses((status = 201, body = AgreementDetail), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/agreements")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    path: OrgPath,
    Body(body): Body<serde_json::Value>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let (header, terms) = with_part(
        body,
        "terms",
        true,
        |b| from_value::<AgreementHeaderBody>(b).and_then(AgreementHeaderBody::parse),
        from_value_at::<TermsSpec>,
    )?;
    let terms = terms.ok_or_else(|| Error::field("terms", Invalid::Required))?;
    let actor = caller.0.name.clone();
    let record = db
        .write(move |conn| service::create_and_read(conn, &org, &header, &terms, &actor))
        .await?;
    let location = format!(
        "/api/v1/organisations/{}/agreements/{}",
        record.agreement.organisation_id, record.agreement.id
    );
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .json(detail(record)?))
}

/// The agreement with its status, the terms in force today and the lifecycle history.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    responses((status = 200, body = AgreementDetail), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
) -> Result<web::Json<AgreementDetail>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let record = db.run(move |conn| service::read(conn, &org, &id)).await?;
    Ok(web::Json(detail(record)?))
}

/// Changes a draft's details with a JSON merge patch (RFC 7396); version 1 follows the start
/// date.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body(content = AgreementHeaderBody, content_type = "application/merge-patch+json"),
    responses((status = 200, body = AgreementDetail), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/organisations/{org}/agreements/{agreement}")]
pub async fn update(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(body): Body<serde_json::Value>,
) -> Result<web::Json<AgreementDetail>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let record = db
        .write(move |conn| {
            let edit = patch::edit::<AgreementHeaderBody>(body);
            service::patch(conn, &org, &id, edit, &actor)
        })
        .await?;
    Ok(web::Json(detail(record)?))
}

/// Deletes a draft. Agreements that were offered stay, with their history.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []))
)]
#[delete("/organisations/{org}/agreements/{agreement}")]
pub async fn remove(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    db.write(move |conn| service::delete(conn, &org, &id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces a draft's terms (version 1) in place. Once offered, changed terms are a new
/// version instead (409 here).
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body = TermsSpec,
    responses((status = 200, body = VersionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[put("/organisations/{org}/agreements/{agreement}/terms")]
pub async fn replace_terms(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(terms): Body<TermsSpec>,
) -> Result<web::Json<VersionView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let version = db
        .write(move |conn| service::replace_terms(conn, &org, &id, &terms, &actor))
        .await?;
    Ok(web::Json(version.try_into()?))
}

/// Moves the agreement through its lifecycle: draft → offered → accepted → active →
/// terminated or expired; offered → declined. Accepting needs `date`, `signed_by` and
/// `decision_reference`; terminating needs `date` and `reason`, and ends the agreement on
/// that date. Any other move is a 409 `transition_not_allowed`.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body = TransitionBody,
    responses((status = 200, body = AgreementDetail), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/agreements/{agreement}/transitions")]
pub async fn transition(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(body): Body<TransitionBody>,
) -> Result<web::Json<AgreementDetail>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let (to, details, note) = body.parse()?;
    let actor = caller.0.name.clone();
    let record = db
        .write(move |conn| service::change_status(conn, &org, &id, to, details, note, &actor))
        .await?;
    Ok(web::Json(detail(record)?))
}
