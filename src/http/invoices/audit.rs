//! The audit trail: who changed what and when.

use actix_web::{get, web};

use super::bodies::AuditQuery;
use super::views::AuditView;
use crate::domain::Invalid;
use crate::error::Error;
use crate::http::Db;
use crate::http::Items;
use crate::http::extract::Caller;
use crate::http::paging::{ListQuery, PagingParams};
use crate::services::audit::Entity;
use crate::services::invoicing as service;

/// Who changed what and when, oldest first. The trail cannot be changed through the API.
#[utoipa::path(tag = "invoicing", params(("org" = String, Path), AuditQuery, PagingParams), responses((status = 200, body = Items<AuditView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/audit")]
pub async fn audit_trail(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    ListQuery(query, paging): ListQuery<AuditQuery>,
) -> Result<web::Json<Items<AuditView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let q = query.into_inner();
    if let Some(e) = q.entity.as_deref()
        && !Entity::NAMES.contains(&e)
    {
        return Err(Error::field(
            "entity",
            Invalid::OneOf {
                allowed: Entity::NAMES,
            },
        ));
    }
    let rows = db
        .run(move |conn| {
            service::audit_trail(conn, &org, q.entity.as_deref(), q.entity_id.as_deref())
        })
        .await?;
    let parse = |v: Option<String>| v.and_then(|s| serde_json::from_str(&s).ok());
    Ok(web::Json(
        paging.page(
            rows.into_iter()
                .map(|r| AuditView {
                    entity: r.entity,
                    entity_id: r.entity_id,
                    action: r.action,
                    actor: r.actor,
                    occurred_at: r.occurred_at.and_utc(),
                    before: parse(r.old_value),
                    after: parse(r.new_value),
                })
                .collect::<Vec<_>>(),
        ),
    ))
}
