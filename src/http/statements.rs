//! Account statements of a member: issued as stored PDFs, and emailed when asked.

use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Db;
use crate::error::Error;
use crate::http::clock::date_or_today;
use crate::http::extract::{Body, Caller};
use crate::http::mail::MessageView;
use crate::http::problem::Problem;
use crate::pdf::Renderer;
use crate::services::invoicing::Issuer;
use crate::services::mail::{self, Composer};
use crate::services::statements;

/// A statement to issue.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StatementBody {
    /// The day the statement is made up to; today when not given.
    #[serde(default)]
    #[schema(example = "2027-03-01", value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    /// Also email it to the member's invoice address and the contacts that receive
    /// invoices.
    #[serde(default)]
    pub send: bool,
}

/// One statement issued, per currency the member has open invoices in.
#[derive(Serialize, ToSchema)]
pub struct StatementView {
    pub document_id: String,
    pub date: NaiveDate,
    #[schema(example = "SEK")]
    pub currency: String,
    /// Open invoices listed.
    pub items: usize,
    /// What the member owes on the day.
    #[schema(example = "26715.33")]
    pub balance: String,
    /// Of it, what is past its due date.
    #[schema(example = "26715.33")]
    pub overdue: String,
    /// The message queued when `send` was asked for.
    pub message: Option<MessageView>,
}

#[derive(Serialize, ToSchema)]
pub struct StatementsView {
    pub statements: Vec<StatementView>,
}

/// Issues a member's account statement (kontoutdrag): every open invoice with what was
/// paid of it and the balance, as a stored PDF, and emails it when `send` is set.
#[utoipa::path(tag = "invoicing", params(("org" = String, Path), ("member" = String, Path)), request_body = StatementBody, responses((status = 201, body = StatementsView), (status = 404, body = Problem), (status = 422, description = "A bad date, or no recipient to send to", body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/members/{member}/statements")]
pub async fn issue(
    db: web::Data<Db>,
    renderer: web::Data<Renderer>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<StatementBody>,
) -> Result<HttpResponse, Error> {
    let (org, member) = path.into_inner();
    caller.write_members(&org)?;
    let date = date_or_today(body.date.as_deref(), "date")?;
    let actor = caller.0.name.clone();
    let send = body.send;
    let statements = db
        .write(move |conn| {
            let mut issuer = Issuer::new(conn, &renderer, &org)?;
            statements::issue(conn, &mut issuer, &member, date, &actor)?
                .into_iter()
                .map(|s| {
                    let message = if send {
                        let q = mail::send_statement(
                            conn,
                            &composer,
                            &org,
                            &s.document_id,
                            &s.facts,
                            &actor,
                        )?;
                        Some(MessageView::from(q.message))
                    } else {
                        None
                    };
                    Ok(StatementView {
                        document_id: s.document_id,
                        date: s.facts.date,
                        currency: s.currency.as_str().to_owned(),
                        items: s.items,
                        balance: s.facts.balance.amount().to_string(),
                        overdue: s.facts.overdue.amount().to_string(),
                        message,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()
        })
        .await?;
    Ok(HttpResponse::Created().json(StatementsView { statements }))
}
