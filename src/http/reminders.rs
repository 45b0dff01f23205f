//! Reminder runs and the reminders they sent.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::error::Error;
use crate::http::Items;
use crate::http::clock::date_or_today;
use crate::http::extract::{Body, Caller};
use crate::http::invoices::money;
use crate::http::paging::{ListQuery, PagingParams};
use crate::http::problem::Problem;
use crate::pdf::Renderer;
use crate::services::invoicing::Issuer;
use crate::services::mail::{self, Composer};
use crate::services::reminders::{
    self as service, Asked, Charged, Proposal, Reminder, ReminderItemRow, RunRequest,
};

/// A reminder run: every invoice overdue by the organisation's `reminder_after_days` on
/// `date` is reminded, one reminder per member.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderRunBody {
    /// The reminders' date; today when not given.
    #[schema(example = "2027-05-20", value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    /// Shows what would be sent without changing anything.
    #[serde(default)]
    pub dry_run: bool,
    /// Dröjsmålsränta (reference rate + 8 points) on what is overdue; true when not given.
    #[serde(default)]
    pub charge_interest: Option<bool>,
    /// Förseningsersättning of 450 kr once per invoice (businesses and authorities).
    #[serde(default)]
    pub charge_compensation: bool,
}

/// One invoice a reminder lists.
#[derive(Serialize, ToSchema)]
pub struct ReminderItemView {
    pub invoice_id: String,
    pub number: Option<String>,
    pub invoice_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub days_late: Option<i64>,
    #[schema(example = "10000.00")]
    pub outstanding: String,
    /// The interest this reminder charges on it.
    pub interest: String,
    pub compensation: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReminderView {
    /// None in a dry run.
    pub id: Option<String>,
    pub member_id: String,
    pub member_name: Option<String>,
    pub date: NaiveDate,
    pub new_due_date: NaiveDate,
    pub currency: String,
    pub items: Vec<ReminderItemView>,
    pub outstanding: String,
    pub interest: String,
    /// Reference rate + 8 points on the reminder's date, when the rate is known.
    pub interest_percent: Option<String>,
    pub fee: String,
    pub compensation: String,
    /// What was overdue plus the charges.
    pub total: String,
    /// The issued invoice that charges interest, fee and compensation.
    pub charge_invoice_id: Option<String>,
    /// The reminder's PDF (`GET …/documents/{id}`).
    pub document_id: Option<String>,
}

impl From<&Proposal> for ReminderView {
    fn from(p: &Proposal) -> Self {
        let c = p.currency.as_str();
        ReminderView {
            id: None,
            member_id: p.member_id.clone(),
            member_name: Some(p.member_name.clone()),
            date: p.date,
            new_due_date: p.new_due_date,
            currency: c.to_owned(),
            items: p
                .items
                .iter()
                .map(|i| ReminderItemView {
                    invoice_id: i.invoice.id.clone(),
                    number: i.invoice.number.clone(),
                    invoice_date: i.invoice.invoice_date,
                    due_date: i.invoice.due_date,
                    days_late: Some(i.days_late),
                    outstanding: i.outstanding.amount().to_string(),
                    interest: i.interest.amount().to_string(),
                    compensation: i.compensation.amount().to_string(),
                })
                .collect(),
            outstanding: p.outstanding().amount().to_string(),
            interest: p.interest().amount().to_string(),
            interest_percent: p.interest_percent.map(|r| r.normalize().to_string()),
            fee: p.fee.amount().to_string(),
            compensation: p.compensation().amount().to_string(),
            total: p.total().amount().to_string(),
            charge_invoice_id: None,
            document_id: None,
        }
    }
}

/// A stored reminder; the currency and charges come from its items and charge invoice.
fn stored_view(r: Reminder, asked: &Asked) -> ReminderView {
    let (currency, fee_minor) = (asked.currency.as_str(), asked.fee_minor);
    let sum = |f: fn(&ReminderItemRow) -> i64| r.items.iter().map(f).sum::<i64>();
    let outstanding = sum(|i| i.outstanding_minor);
    let interest = sum(|i| i.interest_minor);
    let compensation = sum(|i| i.compensation_minor);
    ReminderView {
        id: Some(r.row.id.clone()),
        member_id: r.row.member_id.clone(),
        member_name: None,
        date: r.row.reminder_date,
        new_due_date: r.row.new_due_date,
        currency: currency.to_owned(),
        items: r
            .items
            .iter()
            .map(|i| ReminderItemView {
                invoice_id: i.invoice_id.clone(),
                number: None,
                invoice_date: None,
                due_date: None,
                days_late: None,
                outstanding: money(i.outstanding_minor, currency),
                interest: money(i.interest_minor, currency),
                compensation: money(i.compensation_minor, currency),
            })
            .collect(),
        outstanding: money(outstanding, currency),
        interest: money(interest, currency),
        interest_percent: None,
        fee: money(fee_minor, currency),
        compensation: money(compensation, currency),
        total: money(asked.total_minor, currency),
        charge_invoice_id: r.row.charge_invoice_id.clone(),
        document_id: Some(r.row.document_id.clone()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReminderRunView {
    pub date: NaiveDate,
    pub dry_run: bool,
    pub reminders: Vec<ReminderView>,
    /// With `send_on_issue`: members whose reminders were not emailed for want of an
    /// invoice recipient.
    pub without_recipient: Vec<String>,
}

/// Reminds every member whose invoices are overdue: a PDF listing them with a new date to
/// pay by, and the interest, fee and compensation on an issued invoice of their own.
#[utoipa::path(tag = "invoicing", params(("org" = String, Path)), request_body = ReminderRunBody, responses((status = 200, body = ReminderRunView), (status = 201, body = ReminderRunView), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/reminder-runs")]
pub async fn run(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<ReminderRunBody>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let date = date_or_today(body.date.as_deref(), "date")?;
    let req = RunRequest {
        date,
        charge_interest: body.charge_interest.unwrap_or(true),
        charge_compensation: body.charge_compensation,
    };
    let actor = caller.0.name.clone();
    let dry_run = body.dry_run;
    let view = db
        .write(move |conn| {
            let mut issuer = Issuer::new(conn, &renderer, &org)?;
            let mut without_recipient = Vec::new();
            let reminders = if dry_run {
                service::propose(conn, &issuer, &req)?
                    .iter()
                    .map(ReminderView::from)
                    .collect()
            } else {
                let issued: Vec<ReminderView> =
                    service::issue_run(conn, &mut issuer, &req, &actor)?
                        .into_iter()
                        .map(|(r, p)| ReminderView {
                            id: Some(r.row.id),
                            charge_invoice_id: r.row.charge_invoice_id,
                            document_id: Some(r.row.document_id),
                            ..ReminderView::from(&p)
                        })
                        .collect();
                // In the run's transaction, like an invoice issued alone.
                if issuer.settings.send_on_issue && !issued.is_empty() {
                    let report =
                        mail::send_reminder_run(conn, &composer, issuer.org(), date, &actor)?;
                    without_recipient = report
                        .without_recipient
                        .into_iter()
                        .map(|m| m.member_id)
                        .collect();
                }
                issued
            };
            Ok(ReminderRunView {
                date,
                dry_run,
                reminders,
                without_recipient,
            })
        })
        .await?;
    Ok(if dry_run {
        HttpResponse::Ok().json(view)
    } else {
        HttpResponse::Created().json(view)
    })
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReminderQuery {
    pub member_id: Option<String>,
}

/// The reminders sent, oldest first.
#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ReminderQuery, PagingParams), responses((status = 200, body = Items<ReminderView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/reminders")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    ListQuery(query, paging): ListQuery<ReminderQuery>,
) -> Result<web::Json<Items<ReminderView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let member = query.into_inner().member_id;
    let items = db
        .run(move |conn| {
            let reminders = service::list(conn, &org, member.as_deref())?;
            reminders
                .into_iter()
                .map(|r| with_charges(conn, &org, r))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(web::Json(paging.page(items)))
}

#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("id" = String, Path)), responses((status = 200, body = ReminderView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/reminders/{id}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<ReminderView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let v = db
        .run(move |conn| {
            let r = service::read(conn, &org, &id)?;
            with_charges(conn, &org, r)
        })
        .await?;
    Ok(web::Json(v))
}

/// A stored reminder's view, with the numbers of the invoices it listed and its fee read
/// from its charge invoice.
fn with_charges(
    conn: &mut crate::services::Connection,
    org: &str,
    r: Reminder,
) -> Result<ReminderView, Error> {
    let Charged {
        reminder,
        asked,
        listed,
        member_name,
    } = crate::services::reminders::charged(conn, org, r)?;
    let mut view = stored_view(reminder, &asked);
    view.member_name = Some(member_name);
    for (item, invoice) in view.items.iter_mut().zip(listed) {
        item.number = invoice.number;
        item.invoice_date = invoice.invoice_date;
        item.due_date = invoice.due_date;
        item.days_late = invoice.due_date.map(|d| (view.date - d).num_days());
    }
    Ok(view)
}
