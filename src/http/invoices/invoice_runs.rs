//! Invoice runs: a dry run's proposals, issuing a run, resuming it, and the list of runs.

use actix_web::{HttpResponse, get, post, web};

use super::bodies::RunBody;
use super::views::{RunSummaryView, RunView, listed_views, proposal_views, skipped_view};
use crate::domain::{Errors, iso_date};
use crate::error::Error;
use crate::http::Db;
use crate::http::Items;
use crate::http::clock::today;
use crate::http::extract::{Body, Caller};
use crate::http::paging::{Paging, PagingParams};
use crate::http::problem::Problem;
use crate::pdf::Renderer;
use crate::services::invoicing::{self as service, RunRequest};
use crate::services::mail::Composer;
use crate::services::progress::Unwatched;

#[utoipa::path(tag = "invoicing", params(("org" = String, Path)), request_body = RunBody, responses((status = 200, body = RunView), (status = 201, body = RunView), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoice-runs")]
pub async fn run(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<RunBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let mut e = Errors::new();
    let from = e.check("from", iso_date(&body.from));
    let to = e.check("to", iso_date(&body.to));
    let invoice_date = e.check_opt("invoice_date", body.invoice_date.as_deref(), iso_date);
    let req = e
        .finish(|| {
            Some(RunRequest {
                from: from?,
                to: to?,
                invoice_date: invoice_date?,
            })
        })
        .map_err(Error::Validation)?;
    let with = (db, renderer, composer);
    run_view(with, caller, org, req, body.dry_run, None).await
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), PagingParams), responses((status = 200, body = Items<RunSummaryView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoice-runs")]
pub async fn runs(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: web::Path<String>,
) -> Result<web::Json<Items<RunSummaryView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let runs = db
        .run(move |conn| service::run_summaries(conn, &org))
        .await?;
    Ok(web::Json(
        paging.page(
            runs.into_iter()
                .map(|s| RunSummaryView {
                    status: s.status,
                    id: s.run.id,
                    from: s.run.period_start,
                    to: s.run.period_end,
                    created_by: s.run.created_by,
                    created_at: s.run.created_at.and_utc(),
                    issued: s.issued,
                })
                .collect::<Vec<_>>(),
        ),
    ))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), responses((status = 201, body = RunView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoice-runs/{id}/resume")]
pub async fn resume(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let placeholder = RunRequest {
        from: today(),
        to: today(),
        invoice_date: None,
    };
    let with = (db, renderer, composer);
    run_view(with, caller, org, placeholder, false, Some(id)).await
}

async fn run_view(
    (db, renderer, composer): (web::Data<Db>, web::Data<Renderer>, web::Data<Composer>),
    caller: Caller,
    org: String,
    req: RunRequest,
    dry_run: bool,
    resume_id: Option<String>,
) -> Result<HttpResponse, Error> {
    if dry_run {
        let (proposals, skipped) = db
            .run(move |conn| service::dry_run(conn, &org, &req))
            .await?;
        return Ok(HttpResponse::Ok().json(RunView {
            id: None,
            from: req.from,
            to: req.to,
            dry_run,
            proposals: proposals
                .into_iter()
                .flat_map(|(p, gaps)| proposal_views(p, gaps))
                .collect(),
            invoices: Vec::new(),
            already_billed: Vec::new(),
            skipped: skipped.into_iter().map(skipped_view).collect(),
            without_recipient: Vec::new(),
        }));
    }
    let actor = caller.0.name.clone();
    let out = db
        .run(move |conn| {
            let (renderer, composer) = (&renderer, &composer);
            service::issue_run_and_send(
                conn,
                renderer,
                composer,
                &org,
                &req,
                resume_id.as_deref(),
                today(),
                &actor,
                &Unwatched,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(RunView {
        id: Some(out.run.id),
        from: out.run.period_start,
        to: out.run.period_end,
        dry_run,
        proposals: Vec::new(),
        invoices: listed_views(out.invoices, today()).collect(),
        already_billed: out.already_billed,
        skipped: out.skipped.into_iter().map(skipped_view).collect(),
        without_recipient: out.without_recipient,
    }))
}
