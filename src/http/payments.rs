//! Payments: registered once per `Idempotency-Key`, matched by OCR number or KID,
//! allocated by hand, paid back or reversed.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::domain::bank_files::{self, decode, parse_bgmax, parse_camt054};
use crate::domain::money::{Money, parse_amount};
use crate::domain::{Currency, Errors, Invalid, LINE_MAX, iso_date, text};
use crate::error::Error;
use crate::http::Items;
use crate::http::clock::date_or_today;
use crate::http::extract::{Body, Caller, read_body};
use crate::http::idempotency;
use crate::http::invoices::money;
use crate::http::names;
use crate::http::paging::{ListQuery, PagingParams};
use crate::http::problem::Problem;
use crate::services::payments::{self as service, PaymentInput, PaymentState, Source};

/// Where a payment stands.
pub const STATUSES: &[&str] = names::PAYMENT_STATUSES;

/// Money to an invoice.
#[derive(Deserialize, Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct AllocationBody {
    pub invoice_id: String,
    #[schema(value_type = names::Amount)]
    pub amount: String,
}

/// An incoming payment.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    #[schema(value_type = names::Amount, example = "278844.00")]
    pub amount: String,
    /// SEK when not given.
    #[serde(default)]
    #[schema(value_type = Option<names::Currency>)]
    pub currency: Option<String>,
    #[schema(example = "2027-02-14", format = Date)]
    pub paid_on: String,
    #[serde(default)]
    #[schema(example = "Borås stad")]
    pub payer: Option<String>,
    /// The OCR number or KID the payer gave; it matches the payment to its invoice.
    #[serde(default)]
    #[schema(example = "202700000124")]
    pub reference: Option<String>,
    /// manual when not given.
    #[serde(default)]
    #[schema(value_type = Option<names::PaymentSource>)]
    pub source: Option<String>,
    #[serde(default)]
    pub member_id: Option<String>,
    /// Explicit allocations; the reference decides when none are given.
    #[serde(default)]
    pub allocations: Vec<AllocationBody>,
}

#[derive(Serialize, ToSchema)]
pub struct AllocationView {
    pub id: String,
    /// None: paid back to the payer.
    pub invoice_id: Option<String>,
    pub amount: String,
    pub allocated_on: chrono::NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    pub id: String,
    /// on_account: a credit balance of the member.
    #[schema(value_type = names::PaymentStatus)]
    pub status: String,
    pub member_id: Option<String>,
    pub amount: String,
    pub currency: String,
    pub paid_on: chrono::NaiveDate,
    pub payer: Option<String>,
    pub reference: Option<String>,
    pub source: String,
    pub reverses_id: Option<String>,
    pub reversed_by: Option<String>,
    pub allocated: String,
    pub unallocated: String,
    pub allocations: Vec<AllocationView>,
    pub created_by: String,
}

impl From<PaymentState> for PaymentView {
    fn from(s: PaymentState) -> Self {
        let c = s.payment.currency.clone();
        PaymentView {
            status: s.status().to_owned(),
            allocated: money(s.allocated(), &c),
            unallocated: money(s.unallocated(), &c),
            allocations: s
                .allocations
                .iter()
                .map(|a| AllocationView {
                    id: a.id.clone(),
                    invoice_id: a.invoice_id.clone(),
                    amount: money(a.amount_minor, &c),
                    allocated_on: a.allocated_on,
                })
                .collect(),
            reversed_by: s.reversed_by,
            id: s.payment.id,
            member_id: s.payment.member_id,
            amount: money(s.payment.amount_minor, &c),
            currency: c,
            paid_on: s.payment.paid_on,
            payer: s.payment.payer,
            reference: s.payment.reference,
            source: s.payment.source,
            reverses_id: s.payment.reverses_id,
            created_by: s.payment.created_by,
        }
    }
}

fn allocations(
    wanted: &[AllocationBody],
    currency: Currency,
    e: &mut Errors,
) -> Option<Vec<(String, Money)>> {
    wanted
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let amount = e.check(
                &format!("allocations[{i}].amount"),
                parse_amount(&a.amount, currency),
            );
            Some((a.invoice_id.clone(), amount?))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

fn parse_payment(body: &PaymentBody) -> Result<PaymentInput, Error> {
    let mut e = Errors::new();
    let currency = e
        .check_opt("currency", body.currency.as_deref(), Currency::parse)
        .flatten()
        .unwrap_or(Currency::Sek);
    let amount = e.check("amount", parse_amount(&body.amount, currency));
    let paid_on = e.check("paid_on", iso_date(&body.paid_on));
    let payer = e.check_opt("payer", body.payer.as_deref(), |p| text(p, LINE_MAX));
    // Payers and banks print references with spaces; the digits are the reference.
    let reference = e.check_opt("reference", body.reference.as_deref(), |r| {
        let digits: String = r
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if !digits.is_empty() && digits.len() <= 25 && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(digits)
        } else {
            Err(Invalid::DigitsOnly)
        }
    });
    let source = e.check_opt("source", body.source.as_deref(), Source::parse);
    let allocations = allocations(&body.allocations, currency, &mut e);
    e.finish(|| {
        Some(PaymentInput {
            amount: amount?,
            paid_on: paid_on?,
            payer: payer?,
            reference: reference?,
            source: source?.unwrap_or(Source::Manual),
            member_id: body.member_id.clone(),
            allocations: allocations?,
        })
    })
    .map_err(Error::Validation)
}

/// Registers a payment. The `Idempotency-Key` header is required: a repeated request with
/// the same key and body gets the first response again, and no second payment; the same
/// key with another body is refused (the idempotency middleware sees to both).
#[utoipa::path(tag = "payments", params(("org" = String, Path), ("Idempotency-Key" = String, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$")), request_body = PaymentBody, responses((status = 201, body = PaymentView), (status = 400, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/payments")]
pub async fn register(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<PaymentBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    // A payment registered twice is money counted twice: the key is not optional here.
    idempotency::key_of(&req)?.ok_or(Error::field(idempotency::HEADER, Invalid::Required))?;
    let input = parse_payment(&body)?;
    let actor = caller.0.name.clone();
    let state = db
        .write(move |conn| service::register(conn, &org, &input, &actor))
        .await?;
    Ok(HttpResponse::Created().json(PaymentView::from(state)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PaymentQuery {
    pub member_id: Option<String>,
    /// unmatched: the queue waiting for someone to allocate.
    #[param(value_type = Option<names::PaymentStatus>, inline)]
    pub status: Option<String>,
}

#[utoipa::path(tag = "payments", params(("org" = String, Path), PaymentQuery, PagingParams), responses((status = 200, body = Items<PaymentView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/payments")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    ListQuery(query, paging): ListQuery<PaymentQuery>,
) -> Result<web::Json<Items<PaymentView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let q = query.into_inner();
    if let Some(s) = q.status.as_deref()
        && !STATUSES.contains(&s)
    {
        return Err(Error::field("status", Invalid::OneOf { allowed: STATUSES }));
    }
    let states = db
        .run(move |conn| service::states(conn, &org, q.member_id.as_deref()))
        .await?;
    Ok(web::Json(
        paging.page(
            states
                .into_iter()
                .filter(|s| q.status.as_deref().is_none_or(|want| s.status() == want))
                .map(PaymentView::from)
                .collect::<Vec<_>>(),
        ),
    ))
}

#[utoipa::path(tag = "payments", params(("org" = String, Path), ("id" = String, Path)), responses((status = 200, body = PaymentView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/payments/{id}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<PaymentView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let s = db.run(move |conn| service::state(conn, &org, &id)).await?;
    Ok(web::Json(s.into()))
}

/// Allocations of what is left of a payment.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocateBody {
    pub allocations: Vec<AllocationBody>,
}

#[utoipa::path(tag = "payments", params(("org" = String, Path), ("id" = String, Path)), request_body = AllocateBody, responses((status = 200, body = PaymentView), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/payments/{id}/allocations")]
pub async fn allocate(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<AllocateBody>,
) -> Result<web::Json<PaymentView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let s = db
        .write(move |conn| {
            let currency = service::currency(conn, &org, &id)?;
            let mut e = Errors::new();
            let wanted = allocations(&body.allocations, currency, &mut e);
            let wanted = e.finish(|| wanted).map_err(Error::Validation)?;
            service::allocate(conn, &org, &id, &wanted, &actor)
        })
        .await?;
    Ok(web::Json(s.into()))
}

/// Money paid back, or the date of a reversal.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    #[schema(value_type = names::Amount, example = "1200.00")]
    pub amount: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<String>,
}

#[utoipa::path(tag = "payments", params(("org" = String, Path), ("id" = String, Path)), request_body = RefundBody, responses((status = 200, body = PaymentView), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/payments/{id}/refund")]
pub async fn refund(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<RefundBody>,
) -> Result<web::Json<PaymentView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let on = date_or_today(body.date.as_deref(), "date")?;
    let s = db
        .write(move |conn| {
            let currency = service::currency(conn, &org, &id)?;
            let amount =
                parse_amount(&body.amount, currency).map_err(|i| Error::field("amount", i))?;
            service::refund(conn, &org, &id, amount, on, &actor)
        })
        .await?;
    Ok(web::Json(s.into()))
}

#[utoipa::path(tag = "payments", params(("org" = String, Path), ("id" = String, Path)), request_body = crate::http::invoices::DateBody, responses((status = 201, body = PaymentView), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/payments/{id}/reverse")]
pub async fn reverse(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<crate::http::invoices::DateBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let on = date_or_today(body.date.as_deref(), "date")?;
    let s = db
        .write(move |conn| service::reverse(conn, &org, &id, on, &actor))
        .await?;
    Ok(HttpResponse::Created().json(PaymentView::from(s)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PaymentFileQuery {
    /// bgmax (Bankgirot's BgMax file) or camt054 (the banks' ISO 20022 notification);
    /// told apart by the file's first character when not given.
    #[param(value_type = Option<names::BankFileFormat>, inline)]
    pub format: Option<String>,
}

/// The bank files [`import_file`] reads.
pub const BANK_FILE_FORMATS: &[&str] = names::BANK_FILE_FORMATS;

/// A record of a bank file left for a person.
#[derive(Serialize, ToSchema)]
pub struct UnreadView {
    pub line: usize,
    /// deduction or extra reference.
    pub reason: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentFileView {
    /// The payments registered, matched by their OCR numbers where they quote one.
    pub registered: Vec<PaymentView>,
    /// Bankgirot serial numbers of payments an earlier import already registered.
    pub already_imported: Vec<String>,
    pub unread: Vec<UnreadView>,
    /// Bankgirot's test files carry no real payments; nothing is registered from them.
    pub test_file: bool,
}

/// A bank file's largest size: 16 MiB is some 200 000 BgMax records, a year of payments for
/// the largest bodies; the general 256 kB body limit would cut a file of 3 000.
const BANK_FILE_LIMIT: usize = 16 * 1024 * 1024;

/// Imports a bank file of incoming payments (the request body, as the bank delivered it).
/// Importing a file twice registers nothing twice.
#[utoipa::path(tag = "payments", params(("org" = String, Path), PaymentFileQuery), request_body(content = String, content_type = "text/plain"), responses((status = 201, body = PaymentFileView), (status = 413, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/payment-files")]
pub async fn import_file(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<PaymentFileQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let body = read_body(&mut payload.into_inner(), BANK_FILE_LIMIT).await?;
    let text = decode(&body);
    let file = match query.into_inner().format.as_deref().map(str::trim) {
        None => bank_files::parse(&text),
        Some("bgmax") => parse_bgmax(&text),
        Some("camt054") => parse_camt054(&text),
        Some(_) => {
            return Err(Error::field(
                "format",
                Invalid::OneOf {
                    allowed: BANK_FILE_FORMATS,
                },
            ));
        }
    }
    .map_err(|e| {
        Error::field(
            "file",
            Invalid::Unreadable {
                line: e.line,
                detail: e.reason,
            },
        )
    })?;
    let actor = caller.0.name.clone();
    let view = db
        .write(move |conn| {
            let organisation = crate::services::invoicing::organisation(conn, &org)?;
            if file.test {
                return Ok(PaymentFileView {
                    registered: Vec::new(),
                    already_imported: Vec::new(),
                    unread: Vec::new(),
                    test_file: true,
                });
            }
            let import = service::import_file(conn, &organisation, &file, &actor)?;
            Ok(PaymentFileView {
                registered: import
                    .registered
                    .into_iter()
                    .map(PaymentView::from)
                    .collect(),
                already_imported: import.already_imported,
                unread: import
                    .unread
                    .into_iter()
                    .map(|u| UnreadView {
                        line: u.line,
                        reason: u.reason,
                    })
                    .collect(),
                test_file: false,
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
