//! Tokens of an organisation: its admin (or the operator) creates, lists and revokes them.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Db;
use crate::domain::{Errors, Invalid, Role};
use crate::error::Error;
use crate::http::Items;
use crate::http::extract::{Body, Caller};
use crate::http::names;
use crate::http::paging::{Paging, PagingParams};
use crate::http::problem::Problem;
use crate::services::tokens::{self, Token};

/// The roles of an organisation's tokens; the operator's is made on the command line.
pub const ORGANISATION_ROLES: &[&str] = names::ORGANISATION_ROLES;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    #[schema(value_type = names::OrganisationRole)]
    pub role: String,
    #[schema(example = "Ekonomi, Navet")]
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub organisation_id: Option<String>,
    #[schema(value_type = names::Role)]
    pub role: String,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<Token> for TokenView {
    fn from(t: Token) -> Self {
        Self {
            id: t.id,
            organisation_id: t.organisation_id,
            role: t.role.as_str().to_owned(),
            name: t.name,
            created_at: t.created_at.and_utc(),
            revoked_at: t.revoked_at.map(|t| t.and_utc()),
        }
    }
}

/// A new token. `token` is shown only in this response.
#[derive(Serialize, ToSchema)]
pub struct IssuedToken {
    #[serde(flatten)]
    pub view: TokenView,
    pub token: String,
}

#[utoipa::path(
    tag = "tokens",
    params(("org" = String, Path)),
    request_body = TokenBody,
    responses((status = 201, body = IssuedToken), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/tokens")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<TokenBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.administer(&org)?;
    let mut e = Errors::new();
    let role = e.check(
        "role",
        Role::parse(&body.role).and_then(|r| match r {
            Role::Operator => Err(Invalid::OneOf {
                allowed: ORGANISATION_ROLES,
            }),
            r => Ok(r),
        }),
    );
    let role = e.finish(|| role).map_err(Error::Validation)?;
    let issued = db
        .write(move |conn| crate::services::tokens::create(conn, Some(&org), role, &body.name))
        .await?;
    Ok(HttpResponse::Created().json(IssuedToken {
        view: issued.token.into(),
        token: issued.secret,
    }))
}

#[utoipa::path(
    tag = "tokens",
    params(("org" = String, Path), PagingParams),
    responses((status = 200, body = Items<TokenView>), (status = 403, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/tokens")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: web::Path<String>,
) -> Result<web::Json<Items<TokenView>>, Error> {
    let org = path.into_inner();
    caller.administer(&org)?;
    let tokens = db.run(move |conn| tokens::list(conn, &org)).await?;
    Ok(web::Json(paging.page(tokens)))
}

#[utoipa::path(
    tag = "tokens",
    params(("org" = String, Path), ("id" = String, Path, description = "The token's id")),
    responses((status = 200, body = TokenView), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/tokens/{id}/revoke")]
pub async fn revoke(
    db: web::Data<Db>,
    cache: web::Data<tokens::TokenCache>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<TokenView>, Error> {
    let (org, id) = path.into_inner();
    caller.administer(&org)?;
    let token = db
        .write(move |conn| tokens::revoke(conn, &org, &id))
        .await?;
    // The revoked token must stop working now, not when its cache entry expires.
    cache.clear();
    Ok(web::Json(token.into()))
}
