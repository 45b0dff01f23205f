//! Sending documents and newsletters by email. Each use case writes the message into the
//! outbox in the caller's transaction, together with the event it records (an invoice's
//! `sent`), so that both are stored or neither; the outbox worker sends it afterwards.
//!
//! Sending a document twice does not mail the municipality twice: while a message for the
//! document is pending, under way or delivered, a second send answers with that message.
//! A message that failed is sent again with `POST …/outbox/{id}/retry` (or by sending the
//! document anew, which writes a new message). A message that reached some recipients and
//! was refused for others is partly failed: its retry goes to the refused ones only.
//!
//! Each message is written with its From and Reply-To (see
//! [`crate::domain::mail_sender::senders`]), so that every attempt carries the same.

mod messages;
mod own_templates;
mod recipients;
mod send;

pub use messages::{member_messages, messages, retry};
pub use own_templates::{delete_template, put_template, template};
pub use recipients::recipients;
pub use send::*;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::domain::member::Member;
use crate::domain::money::Money;
use crate::domain::organisation::Organisation;
use crate::domain::{Currency, Email, Language};
use crate::email::EmailSettings;
use crate::email::templates::{self, MessageKind};
use crate::error::Error;
use crate::pdf::format;
use crate::storage::outbox::{self, OutboxRow, PENDING};
pub use crate::storage::outbox::{Delivery, Message, STATUSES};
use crate::storage::{self, DbConnection, new_id, now};

/// What the use cases need of the email settings.
#[derive(Debug, Clone)]
pub struct Composer {
    /// The organisation's own templates, when it has a folder of them.
    pub templates: Option<PathBuf>,
    /// The domain of the Message-IDs.
    pub domain: String,
    /// The deployment's own sender, which sends in an organisation's name unless it chose
    /// a From of its own; `None` when it is only a placeholder (`avtal@localhost`).
    pub sender: Option<Email>,
}
impl Composer {
    pub fn new(settings: &EmailSettings) -> Self {
        Self {
            templates: settings.templates.clone(),
            domain: settings.message_id_domain(),
            sender: settings.sender(),
        }
    }

    /// A new Message-ID, fixed at enqueue so that every attempt carries the same one.
    pub(crate) fn message_id(&self) -> String {
        self.message_id_in(&self.domain)
    }

    /// A new Message-ID in the domain of the message's From address, not the deployment's
    /// (which may be a placeholder at `localhost`).
    pub(crate) fn message_id_in(&self, domain: &str) -> String {
        let domain = if domain.is_empty() {
            &self.domain
        } else {
            domain
        };
        format!("<{}@{}>", uuid::Uuid::new_v4().simple(), domain)
    }
}
/// A message a send wrote, or the one already there for the same document.
#[derive(Debug, Clone)]
pub struct Queued {
    pub message: Message,
    /// `false` when the document already had a live message and nothing new was written.
    pub created: bool,
}
/// What a bulk send did: the messages, and the members it could not write to.
#[derive(Debug, Clone, Default)]
pub struct BulkReport {
    pub queued: Vec<Queued>,
    pub without_recipient: Vec<Missing>,
}
/// A member a message could not go to, and which recipient it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub member_id: String,
    pub member_name: String,
    pub document_id: Option<String>,
    /// The recipient that is missing, e.g. `invoice_email or a contact receiving invoices`.
    pub recipient: &'static str,
}
/// Who gets a kind of message.
pub(crate) fn wanted(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Offer => "contacts.receives_offers",
        MessageKind::Invoice
        | MessageKind::CreditNote
        | MessageKind::Reminder
        | MessageKind::Statement => "invoice_email or contacts.receives_invoices",
        MessageKind::Newsletter => "contacts.receives_newsletters",
    }
}
pub(crate) fn organisation(conn: &mut DbConnection, org: &str) -> Result<Organisation, Error> {
    crate::storage::organisations::get(conn, org)?.ok_or(Error::NotFound("organisation"))
}
fn stored_language(raw: &str) -> Language {
    Language::parse(raw).unwrap_or(Language::Sv)
}
fn money(minor: i64, currency: &str, lang: Language) -> String {
    let currency = Currency::parse(currency).unwrap_or(Currency::Sek);
    format::money(Money::from_minor(minor, currency), lang)
}
/// The values every kind of message has.
pub(crate) fn common(org: &Organisation, member: &Member) -> HashMap<&'static str, String> {
    let mut v = HashMap::new();
    v.insert("organisation.name", org.details.name.clone());
    v.insert(
        "organisation.email",
        org.details.contact_email.as_str().to_owned(),
    );
    v.insert("member.name", member.details.name.clone());
    if let Some(s) = org.details.signatories.first() {
        v.insert("signatory.name", s.name.clone());
        v.insert("signatory.title", s.title.clone());
    }
    v
}
/// What a message about a document is made of.
pub(crate) struct Draft<'a> {
    pub kind: MessageKind,
    pub member: &'a Member,
    pub document_id: Option<&'a str>,
    pub attachment: Option<(String, Vec<u8>)>,
    pub attachment_name: Option<String>,
    pub language: Language,
    pub values: HashMap<&'static str, String>,
}
/// Writes the message into the outbox in the caller's transaction. A document has one
/// live message: when a send of the same document in another transaction (of this or
/// another process) wrote its message first, that message is the answer, not created now.
pub(crate) fn enqueue(
    conn: &mut DbConnection,
    composer: &Composer,
    organisation: &Organisation,
    draft: Draft<'_>,
    recipients: Vec<String>,
    actor: &str,
) -> Result<Queued, Error> {
    let org = organisation.id.as_str();
    let (src, _) = template(conn, composer, org, draft.kind, draft.language)?;
    let rendered = templates::render_sources(&src, draft.kind, draft.language, &draft.values)
        .map_err(|e| Error::Internal(e.into()))?;
    let at = now();
    let (attachment_name, attachment_content) = match draft.attachment {
        Some((name, bytes)) => (Some(name), Some(bytes)),
        None => (draft.attachment_name, None),
    };
    let senders = organisation.details.senders(composer.sender.as_ref());
    let row = OutboxRow {
        id: new_id(),
        organisation_id: org.to_owned(),
        member_id: Some(draft.member.id.clone()),
        kind: draft.kind.as_str().to_owned(),
        document_id: draft.document_id.map(str::to_owned),
        language: draft.language.as_str().to_owned(),
        recipients: serde_json::to_string(&recipients).map_err(|e| Error::Internal(e.into()))?,
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: Some(rendered.html),
        attachment_name,
        attachment_content,
        message_id: composer.message_id_in(senders.from.email.domain()),
        status: PENDING.to_owned(),
        attempts: 0,
        next_attempt_at: at,
        last_error: None,
        created_by: actor.to_owned(),
        created_at: at,
        sent_at: None,
        from_name: senders.from.name,
        from_address: Some(senders.from.email.as_str().to_owned()),
        reply_to_name: senders.reply_to.as_ref().and_then(|m| m.name.clone()),
        reply_to_address: senders.reply_to.map(|m| m.email.as_str().to_owned()),
    };
    // In a savepoint: on PostgreSQL the insert waits for the other send to commit and then
    // fails on the one-live-message index, and the transaction goes on without it.
    match storage::savepoint(conn, |c| outbox::enqueue(c, &row)) {
        Ok(()) => Ok(Queued {
            message: outbox::message(conn, org, &row.id)?,
            created: true,
        }),
        Err(crate::storage::Error::Conflict { .. })
            if let Some(document) = &row.document_id
                && let Some(message) = live_message(conn, org, document)? =>
        {
            Ok(Queued {
                message,
                created: false,
            })
        }
        Err(e) => Err(e.into()),
    }
}
/// The message for a document that is waiting, under way, delivered or partly delivered,
/// with its recipients.
fn live_message(
    conn: &mut DbConnection,
    org: &str,
    document_id: &str,
) -> Result<Option<Message>, Error> {
    match outbox::live_for_document(conn, org, document_id)? {
        Some(summary) => Ok(outbox::with_deliveries(conn, vec![summary])?.pop()),
        None => Ok(None),
    }
}
/// The file name of a document's attachment: its title, made safe for a file name.
fn file_name(title: &str) -> String {
    let clean: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{}.pdf", clean.trim())
}
/// Why a bulk send could not write to a member, or the error that stops it.
enum Outcome {
    Queued(Box<Queued>),
    Missing(Missing),
}
