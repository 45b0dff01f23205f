//! Mailings: a newsletter to every member's contacts that receive newsletters, each
//! remembered by its content. Sending the same mailing again writes nothing and answers 200
//! with the mailing it was; `…/resend` reaches the members whose message failed (only the
//! recipients it failed for), or, with `everyone`, every member again.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Db;
use crate::domain::{Errors, Invalid, LINE_MAX, text};
use crate::error::Error;
use crate::http::Items;
use crate::http::extract::{Body, Caller, is_json, parse_json, read_body};
use crate::http::mail::{BulkView, MessageView, MissingView};
use crate::http::names;
use crate::http::paging::{Paging, PagingParams};
use crate::http::problem::Problem;
use crate::services::mail::Composer;
use crate::services::mailings::{self as service, Mailing, MailingMessage, MailingRow};

/// A newsletter's attachment.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentBody {
    #[schema(example = "Program 2027.pdf", value_type = String)]
    pub filename: Option<String>,
    /// The file's bytes in standard base64.
    #[schema(value_type = String)]
    pub content_base64: Option<String>,
}

/// A newsletter to every member's contacts that receive newsletters.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailingBody {
    #[schema(example = "Nyheter från Navet, våren 2027", value_type = String)]
    pub subject: Option<String>,
    /// The plain-text body.
    #[schema(value_type = String)]
    pub text: Option<String>,
    /// An HTML body; the plain text is used when it is not given.
    pub html: Option<String>,
    pub attachment: Option<AttachmentBody>,
}

/// Subject, text and attachment together may take this many bytes of JSON.
pub const MAILING_LIMIT: usize = 8 * 1024 * 1024;
const ATTACHMENT_MAX: usize = 5 * 1024 * 1024;
const TEXT_MAX: usize = 200_000;

impl MailingBody {
    fn parse(self) -> Result<Mailing, Error> {
        let mut e = Errors::new();
        let subject = e.require("subject", self.subject.as_deref(), |s| text(s, LINE_MAX));
        let body = e.require("text", self.text.as_deref(), long_text);
        let html = e.check_opt("html", self.html.as_deref(), long_text);
        let attachment = match self.attachment {
            None => Some(None),
            Some(a) => {
                let name = e.require("attachment.filename", a.filename.as_deref(), file_name);
                let bytes = e.require(
                    "attachment.content_base64",
                    a.content_base64.as_deref(),
                    decode,
                );
                match (name, bytes) {
                    (Some(n), Some(b)) => Some(Some((n, b))),
                    _ => None,
                }
            }
        };
        e.finish(|| {
            Some(Mailing {
                subject: subject?,
                text: body?,
                html: html?,
                attachment: attachment?,
            })
        })
        .map_err(Error::Validation)
    }
}

fn long_text(s: &str) -> Result<String, Invalid> {
    if s.trim().is_empty() {
        Err(Invalid::Empty)
    } else if s.len() > TEXT_MAX {
        Err(Invalid::TooLong { max: TEXT_MAX })
    } else {
        Ok(s.to_owned())
    }
}

fn file_name(s: &str) -> Result<String, Invalid> {
    let name = text(s, LINE_MAX)?;
    if name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return Err(Invalid::Format {
            expected: "a file name without folders",
        });
    }
    Ok(name)
}

fn decode(s: &str) -> Result<Vec<u8>, Invalid> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|_| Invalid::Format { expected: "base64" })?;
    if bytes.is_empty() {
        return Err(Invalid::Empty);
    }
    if bytes.len() > ATTACHMENT_MAX {
        return Err(Invalid::TooLong {
            max: ATTACHMENT_MAX,
        });
    }
    Ok(bytes)
}

/// What sending a mailing did: the mailing, whether it had been sent before (then nothing
/// was written), the messages written and the members without a recipient.
#[derive(Serialize, ToSchema)]
pub struct SentView {
    pub mailing_id: String,
    pub already_sent: bool,
    pub queued: usize,
    pub messages: Vec<MessageView>,
    pub without_recipient: Vec<MissingView>,
}

/// Writes a newsletter to the outbox for every member that has contacts receiving
/// newsletters; members without one are listed in the answer. The same subject, text, HTML
/// and attachment sent again writes nothing: 200 with `already_sent` and the mailing.
#[utoipa::path(tag = "email", params(("org" = String, Path)), request_body = MailingBody, responses((status = 202, body = SentView), (status = 200, body = SentView), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/mailings")]
pub async fn send(
    db: web::Data<Db>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    if !is_json(&req) {
        return Err(Error::UnsupportedMediaType);
    }
    let bytes = read_body(&mut payload.into_inner(), MAILING_LIMIT).await?;
    let mailing = parse_json::<MailingBody>(&bytes)?.parse()?;
    let actor = caller.0.name.clone();
    let sent = db
        .write(move |conn| service::send(conn, &composer, &org, &mailing, &actor))
        .await?;
    let bulk = BulkView::from(sent.report);
    let view = SentView {
        mailing_id: sent.mailing.id,
        already_sent: sent.already_sent,
        queued: bulk.queued,
        messages: bulk.messages,
        without_recipient: bulk.without_recipient,
    };
    Ok(if view.already_sent {
        HttpResponse::Ok().json(view)
    } else {
        HttpResponse::Accepted().json(view)
    })
}

/// A mailing, with how each member's latest message stands.
#[derive(Serialize, ToSchema)]
pub struct MailingView {
    pub id: String,
    pub subject: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// How many members' latest messages are pending, sending, sent, partly failed
    /// (delivered to some of the member's recipients) and failed.
    pub pending: usize,
    pub sending: usize,
    pub sent: usize,
    pub partly_failed: usize,
    pub failed: usize,
    pub messages: Vec<MailingMessageView>,
}

#[derive(Serialize, ToSchema)]
pub struct MailingMessageView {
    pub member_id: String,
    /// The message in the outbox (`…/outbox?…`).
    pub message_id: String,
    /// pending, sending, sent, partly_failed or failed.
    #[schema(value_type = names::MessageStatus)]
    pub status: String,
    pub created_at: DateTime<Utc>,
}

fn mailing_view((m, messages): (MailingRow, Vec<MailingMessage>)) -> MailingView {
    let count = |status: &str| messages.iter().filter(|x| x.status == status).count();
    MailingView {
        pending: count("pending"),
        sending: count("sending"),
        sent: count("sent"),
        partly_failed: count("partly_failed"),
        failed: count("failed"),
        id: m.id,
        subject: m.subject,
        created_by: m.created_by,
        created_at: m.created_at.and_utc(),
        messages: messages
            .into_iter()
            .map(|x| MailingMessageView {
                member_id: x.member_id,
                message_id: x.outbox_id,
                status: x.status,
                created_at: x.created_at.and_utc(),
            })
            .collect(),
    }
}

/// The organisation's mailings, newest first.
#[utoipa::path(tag = "email", params(("org" = String, Path), PagingParams), responses((status = 200, body = Items<MailingView>)), security(("bearer" = [])))]
#[get("/organisations/{org}/mailings")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: web::Path<String>,
) -> Result<web::Json<Items<MailingView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let items = db.run(move |conn| service::list(conn, &org)).await?;
    Ok(web::Json(paging.page(
        items.into_iter().map(mailing_view).collect::<Vec<_>>(),
    )))
}

#[utoipa::path(tag = "email", params(("org" = String, Path), ("mailing" = String, Path)), responses((status = 200, body = MailingView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/organisations/{org}/mailings/{mailing}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<MailingView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let found = db.run(move |conn| service::status(conn, &org, &id)).await?;
    Ok(web::Json(mailing_view(found)))
}

/// Whom a resend reaches.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ResendBody {
    /// Every member the mailing went to, not only those whose message failed.
    #[serde(default)]
    pub everyone: bool,
}

/// Sends a mailing again: the failed and partly failed messages go back to the queue, for
/// the recipients they failed for; with `everyone`, every member gets a new message.
#[utoipa::path(tag = "email", params(("org" = String, Path), ("mailing" = String, Path)), request_body = ResendBody, responses((status = 202, body = BulkView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/organisations/{org}/mailings/{mailing}/resend")]
pub async fn resend(
    db: web::Data<Db>,
    composer: web::Data<Composer>,
    caller: Caller,
    path: web::Path<(String, String)>,
    Body(body): Body<ResendBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let report = db
        .write(move |conn| service::resend(conn, &composer, &org, &id, body.everyone, &actor))
        .await?;
    Ok(HttpResponse::Accepted().json(BulkView::from(report)))
}
