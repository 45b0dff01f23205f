//! Invoices read: the list with derived statuses, one invoice, its e-invoice.

use actix_web::{HttpResponse, get, web};

use super::bodies::InvoiceQuery;
use super::views::{InvoiceView, listed_views, shown_view};
use crate::error::Error;
use crate::http::Db;
use crate::http::Items;
use crate::http::clock::date_or_today;
use crate::http::clock::today;
use crate::http::extract::Caller;
use crate::http::paging::{ListQuery, PagingParams};
use crate::http::problem::Problem;
use crate::services::invoicing::{self as service, InvoiceFilter};

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), InvoiceQuery, PagingParams), responses((status = 200, body = Items<InvoiceView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoices")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    ListQuery(query, paging): ListQuery<InvoiceQuery>,
) -> Result<web::Json<Items<InvoiceView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let q = query.into_inner();
    let status = q
        .status
        .as_deref()
        .map(crate::domain::invoicing::InvoiceStatus::parse)
        .transpose()
        .map_err(|i| Error::field("status", i))?;
    let on = date_or_today(q.on.as_deref(), "on")?;
    let filter = InvoiceFilter {
        member_id: q.member_id,
        run_id: q.run_id,
        ..InvoiceFilter::default()
    };
    let listed = db
        .run(move |conn| service::listed(conn, &org, &filter))
        .await?;
    let items: Vec<InvoiceView> = listed_views(listed, on)
        .filter(|v| status.is_none_or(|s| s.as_str() == v.status))
        .collect();
    Ok(web::Json(paging.page(items)))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), responses((status = 200, body = InvoiceView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoices/{id}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<InvoiceView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let shown = db.run(move |conn| service::shown(conn, &org, &id)).await?;
    Ok(web::Json(shown_view(shown, today())))
}

/// The e-invoice of an issued invoice or credit note: Peppol BIS Billing 3.0 (UBL 2.1; EHF
/// in Norway), byte for byte as it was stored at issue; its ETag is its SHA-256. 404 for a
/// draft and for an invoice issued before avtal wrote e-invoices.
#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), responses((status = 200, content_type = "application/xml", body = String), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/invoices/{id}/e-invoice")]
pub async fn einvoice(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let stored = db
        .run(move |conn| service::einvoice(conn, &org, &id))
        .await?;
    let etag = format!("\"{}\"", stored.sha256);
    // The number is the file name; it is ours (prefix, year, sequence), but a header value
    // must not carry a quote.
    let filename: String = stored
        .name
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/xml")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}.xml\""),
        ))
        .insert_header((actix_web::http::header::ETAG, etag))
        .body(stored.bytes))
}
