//! Email: sending offers, invoices and reminders (one or a whole run), newsletters, the
//! outbox with each message's status, and a member's message log.
//!
//! A send answers 202 with the message it wrote into the outbox; the worker delivers it.
//! Sending a document that already has a pending, sending or sent message answers 200 with
//! that message and writes nothing: a municipality must not get the same invoice twice
//! because a button was pressed twice. A failed message is sent again with
//! `POST …/outbox/{id}/retry`.
//!
//! The server answers each recipient on its own: a message shows per recipient whether it
//! was delivered or refused (with the server's answer), and one delivered to some and
//! refused for others is `partly_failed`; its retry goes to the refused recipients only.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::domain::{Errors, Invalid, Language, iso_date};
use crate::email::templates::{MessageKind, Sources};
use crate::error::Error;
use crate::http::Items;
use crate::http::clock::today;
use crate::http::extract::{Body, Caller};
use crate::http::names;
use crate::http::paging::{ListQuery, Paging, PagingParams};
use crate::http::problem::Problem;
use crate::services::mail::{
    self as service, BulkReport, Composer, Delivery, Message, Missing, Queued,
};

/// An address with its display name, as a message's From or Reply-To.
#[derive(Serialize, ToSchema)]
pub struct MailboxView {
    #[schema(example = "Navet science center")]
    pub name: Option<String>,
    #[schema(example = "navet@boras.se")]
    pub address: String,
}

fn mailbox(name: Option<String>, address: Option<String>) -> Option<MailboxView> {
    address.map(|address| MailboxView { name, address })
}

/// How one recipient of a message stands.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    #[schema(example = "faktura@bollebygd.se")]
    pub address: String,
    /// pending, delivered or failed.
    #[schema(example = "failed")]
    pub status: String,
    /// For a failed recipient the mail server's answer (e.g. `permanent error (550): …`);
    /// for a pending one why the last attempt did not get through.
    #[schema(example = "permanent error (550): 5.1.1 Mailbox unavailable")]
    pub reply: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            address: d.address,
            status: d.status,
            reply: d.reply,
            delivered_at: d.delivered_at.map(|t| t.and_utc()),
        }
    }
}

/// A message in the outbox.
#[derive(Serialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    pub member_id: Option<String>,
    #[schema(value_type = names::MessageKind)]
    pub kind: String,
    pub document_id: Option<String>,
    #[schema(value_type = names::Language)]
    pub language: String,
    #[schema(example = json!(["faktura@bollebygd.se"]))]
    pub recipients: Vec<String>,
    /// Each recipient, in the order of `recipients`, with whether the server took the
    /// message for it.
    pub deliveries: Vec<DeliveryView>,
    /// The From the message carries; `null` for a message written before messages stored
    /// their senders (it gets the organisation's as they stand when it is sent).
    pub from: Option<MailboxView>,
    /// Where replies go; `null` when they go to the From address.
    pub reply_to: Option<MailboxView>,
    #[schema(example = "Faktura NAV-2027-0001 från Navet science center")]
    pub subject: String,
    pub attachment: Option<String>,
    /// The Message-ID header every attempt carries.
    pub message_id: String,
    /// pending, sending, sent, partly_failed (delivered to some recipients, refused for
    /// the others) or failed.
    #[schema(value_type = names::MessageStatus)]
    pub status: String,
    pub attempts: i32,
    /// When a pending message is tried next.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure: the mail server's reply, or why it could not be reached; with
    /// recipients refused for different reasons, each address with its own.
    pub last_error: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// When the server last took the message for a recipient.
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        let r = m.summary;
        MessageView {
            recipients: r.recipients(),
            deliveries: m.deliveries.into_iter().map(Into::into).collect(),
            from: mailbox(r.from_name, r.from_address),
            reply_to: mailbox(r.reply_to_name, r.reply_to_address),
            id: r.id,
            member_id: r.member_id,
            kind: r.kind,
            document_id: r.document_id,
            language: r.language,
            subject: r.subject,
            attachment: r.attachment_name,
            message_id: r.message_id,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at.and_utc(),
            last_error: r.last_error,
            created_by: r.created_by,
            created_at: r.created_at.and_utc(),
            sent_at: r.sent_at.map(|t| t.and_utc()),
        }
    }
}

/// A member a bulk send could not write to.
#[derive(Serialize, ToSchema)]
pub struct MissingView {
    pub member_id: String,
    pub member_name: String,
    pub document_id: Option<String>,
    /// What the member lacks.
    #[schema(example = "invoice_email or contacts.receives_invoices")]
    pub recipient: String,
}

impl From<Missing> for MissingView {
    fn from(m: Missing) -> Self {
        MissingView {
            member_id: m.member_id,
            member_name: m.member_name,
            document_id: m.document_id,
            recipient: m.recipient.to_owned(),
        }
    }
}

/// What a bulk send wrote, and whom it could not reach.
#[derive(Serialize, ToSchema)]
pub struct BulkView {
    /// Messages written now.
    pub queued: usize,
    /// Documents that already had a live message, which is listed instead.
    pub already_queued: usize,
    pub messages: Vec<MessageView>,
    /// Members without a suitable recipient: their documents were not sent.
    pub without_recipient: Vec<MissingView>,
}

impl From<BulkReport> for BulkView {
    fn from(r: BulkReport) -> Self {
        let queued = r.queued.iter().filter(|q| q.created).count();
        BulkView {
            queued,
            already_queued: r.queued.len() - queued,
            messages: r.queued.into_iter().map(|q| q.message.into()).collect(),
            without_recipient: r.without_recipient.into_iter().map(Into::into).collect(),
        }
    }
}

fn answer(q: Queued) -> HttpResponse {
    let view = MessageView::from(q.message);
    if q.created {
        HttpResponse::Accepted().json(view)
    } else {
        HttpResponse::Ok().json(view)
    }
}

/// Sends an issued offer letter to the member's contacts that receive offers.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("id" = String, Path, description = "The offer's document id")), responses((status = 202, body = MessageView), (status = 200, description = "Already sent or under way", body = MessageView), (status = 404, body = Problem), (status = 422, description = "No recipient", body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/offers/{id}/send")]
pub async fn send_offer(
    db: web::Data<Db>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let q = db
        .write(move |conn| service::send_offer(conn, &composer, &org, &id, &actor))
        .await?;
    Ok(answer(q))
}

/// Sends an issued invoice to the member's invoice address and the contacts that receive
/// invoices; the invoice's status becomes sent.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("id" = String, Path)), responses((status = 202, body = MessageView), (status = 200, description = "Already sent or under way", body = MessageView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, description = "No recipient", body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoices/{id}/send")]
pub async fn send_invoice(
    db: web::Data<Db>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let on = today();
    let q = db
        .write(move |conn| service::send_invoice(conn, &composer, &org, &id, on, &actor))
        .await?;
    Ok(answer(q))
}

/// Sends a reminder to the member's invoice address and the contacts that receive invoices.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("id" = String, Path)), responses((status = 202, body = MessageView), (status = 200, description = "Already sent or under way", body = MessageView), (status = 404, body = Problem), (status = 422, description = "No recipient", body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/reminders/{id}/send")]
pub async fn send_reminder(
    db: web::Data<Db>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let q = db
        .write(move |conn| service::send_reminder(conn, &composer, &org, &id, &actor))
        .await?;
    Ok(answer(q))
}

/// Sends every issued invoice of an invoice run; members without an invoice recipient are
/// listed in the answer and their invoices stay unsent.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("id" = String, Path)), responses((status = 202, body = BulkView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/invoice-runs/{id}/send")]
pub async fn send_invoice_run(
    db: web::Data<Db>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let on = today();
    let report = db
        .write(move |conn| service::send_invoice_run(conn, &composer, &org, &id, on, &actor))
        .await?;
    Ok(HttpResponse::Accepted().json(BulkView::from(report)))
}

/// Sends every reminder of a reminder run: the reminders made on the date given.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("date" = NaiveDate, Path, description = "The run's reminder date")), responses((status = 202, body = BulkView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/reminder-runs/{date}/send")]
pub async fn send_reminder_run(
    db: web::Data<Db>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, date) = path.into_inner();
    caller.write_members(&org)?;
    let date = iso_date(&date).map_err(|i| Error::field("date", i))?;
    let actor = caller.0.name.clone();
    let report = db
        .write(move |conn| service::send_reminder_run(conn, &composer, &org, date, &actor))
        .await?;
    Ok(HttpResponse::Accepted().json(BulkView::from(report)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// pending, sending, sent, partly_failed or failed.
    #[param(value_type = Option<names::MessageStatus>, inline)]
    pub status: Option<String>,
    pub member_id: Option<String>,
}

/// The organisation's messages, newest first, with their status and attempts.
#[utoipa::path(tag = "email", params(("org" = String, Path), OutboxQuery, PagingParams), responses((status = 200, body = Items<MessageView>), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/outbox")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    ListQuery(query, paging): ListQuery<OutboxQuery>,
) -> Result<web::Json<Items<MessageView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let q = query.into_inner();
    if let Some(s) = &q.status
        && !service::STATUSES.contains(&s.as_str())
    {
        return Err(Error::field(
            "status",
            Invalid::OneOf {
                allowed: service::STATUSES,
            },
        ));
    }
    let rows = db
        .run(move |conn| service::messages(conn, &org, q.status.as_deref(), q.member_id.as_deref()))
        .await?;
    Ok(web::Json(paging.page(rows)))
}

/// Puts a failed or partly failed message back in the queue with its attempts counted
/// anew; it goes to the recipients it failed for, never again to one that had it.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("id" = String, Path)), responses((status = 200, body = MessageView), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/outbox/{id}/retry")]
pub async fn retry(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<MessageView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let row = db
        .write(move |conn| service::retry(conn, &org, &id))
        .await?;
    Ok(web::Json(row.into()))
}

/// The messages sent (or to be sent) to a member, newest first.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("member" = String, Path), PagingParams), responses((status = 200, body = Items<MessageView>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/members/{member}/messages")]
pub async fn member_messages(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Items<MessageView>>, Error> {
    let (org, member) = path.into_inner();
    caller.read_members(&org)?;
    let rows = db
        .run(move |conn| service::member_messages(conn, &org, &member))
        .await?;
    Ok(web::Json(paging.page(rows)))
}

/// An email template: the organisation's own, or the shipped one.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailTemplateBody {
    /// The subject line, with `{{placeholders}}`.
    #[schema(example = "Faktura {{invoice.number}} från {{organisation.name}}", value_type = String)]
    pub subject: Option<String>,
    /// The plain-text body.
    #[schema(value_type = String)]
    pub text: Option<String>,
    /// The HTML body; values are HTML-escaped when filled in.
    #[schema(value_type = String)]
    pub html: Option<String>,
}

/// An email template as stored or shipped.
#[derive(Serialize, ToSchema)]
pub struct EmailTemplateView {
    #[schema(value_type = names::MessageKind)]
    pub kind: String,
    #[schema(value_type = names::Language)]
    pub language: String,
    /// Whether the organisation stored its own.
    pub custom: bool,
    pub updated_at: Option<DateTime<Utc>>,
    /// The placeholders this kind offers.
    pub placeholders: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

const EMAIL_TEMPLATE_LIMIT: usize = 64 * 1024;

fn kind_and_language(kind: &str, lang: &str) -> Result<(MessageKind, Language), Error> {
    let mut e = Errors::new();
    let kind = e.check("kind", MessageKind::parse(kind));
    let lang = e.check("lang", Language::parse(lang));
    e.finish(|| Some((kind?, lang?))).map_err(Error::Validation)
}

fn template_view(
    kind: MessageKind,
    lang: Language,
    src: Sources,
    updated_at: Option<NaiveDateTime>,
) -> EmailTemplateView {
    EmailTemplateView {
        kind: kind.as_str().to_owned(),
        language: lang.as_str().to_owned(),
        custom: updated_at.is_some(),
        updated_at: updated_at.map(|t| t.and_utc()),
        placeholders: kind
            .placeholders()
            .iter()
            .map(|p| (*p).to_owned())
            .collect(),
        subject: src.subject,
        text: src.text,
        html: src.html,
    }
}

/// The email template a kind and language use for the organisation.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("kind" = inline(names::MessageKind), Path), ("lang" = inline(names::Language), Path)), responses((status = 200, body = EmailTemplateView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/email-templates/{kind}/{lang}")]
pub async fn template(
    db: web::Data<Db>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<web::Json<EmailTemplateView>, Error> {
    let (org, kind, lang) = path.into_inner();
    caller.read_members(&org)?;
    let (kind, lang) = kind_and_language(&kind, &lang)?;
    let (src, at) = db
        .run(move |conn| service::template(conn, &composer, &org, kind, lang))
        .await?;
    Ok(web::Json(template_view(kind, lang, src, at)))
}

/// Stores the organisation's own email template after checking it: an unknown placeholder
/// is a 422 naming `subject`, `text` or `html`.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("kind" = inline(names::MessageKind), Path), ("lang" = inline(names::Language), Path)), request_body = EmailTemplateBody, responses((status = 200, body = EmailTemplateView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/organisations/{org}/email-templates/{kind}/{lang}")]
pub async fn put_template(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    Body(body): Body<EmailTemplateBody>,
) -> Result<web::Json<EmailTemplateView>, Error> {
    let (org, kind, lang) = path.into_inner();
    caller.configure(&org)?;
    let (kind, lang) = kind_and_language(&kind, &lang)?;
    let mut e = Errors::new();
    let part = |raw: &str| {
        if raw.len() > EMAIL_TEMPLATE_LIMIT {
            Err(Invalid::TooLong {
                max: EMAIL_TEMPLATE_LIMIT,
            })
        } else if raw.trim().is_empty() {
            Err(Invalid::Empty)
        } else {
            Ok(raw.to_owned())
        }
    };
    let subject = e.require("subject", body.subject.as_deref(), part);
    let text = e.require("text", body.text.as_deref(), part);
    let html = e.require("html", body.html.as_deref(), part);
    let src = e
        .finish(|| {
            Some(Sources {
                subject: subject?,
                text: text?,
                html: html?,
            })
        })
        .map_err(Error::Validation)?;
    let stored = src.clone();
    let at = db
        .write(move |conn| service::put_template(conn, &org, kind, lang, &stored))
        .await?;
    Ok(web::Json(template_view(kind, lang, src, Some(at))))
}

/// Goes back to the shipped email template.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("kind" = inline(names::MessageKind), Path), ("lang" = inline(names::Language), Path)), responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/organisations/{org}/email-templates/{kind}/{lang}")]
pub async fn delete_template(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Error> {
    let (org, kind, lang) = path.into_inner();
    caller.configure(&org)?;
    let (kind, lang) = kind_and_language(&kind, &lang)?;
    let removed = db
        .write(move |conn| service::delete_template(conn, &org, kind, lang))
        .await?;
    if !removed {
        return Err(Error::NotFound("template"));
    }
    Ok(HttpResponse::NoContent().finish())
}
