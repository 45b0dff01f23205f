//! The outbox: messages written in the transaction of the event that causes them, claimed
//! and sent by workers.
//!
//! A claim sets a message to `sending` and its `next_attempt_at` to the end of a lease.
//! A message whose lease ran out while `sending` is due again: its worker died between
//! claiming and recording the outcome, and sending it again (with the same Message-ID) is
//! better than losing it.
//!
//! Each recipient has its own row in `outbox_recipients`: a server may take a message for
//! some recipients and refuse it for others. An attempt goes only to the recipients still
//! pending, and the message's status follows from theirs.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::storage::Error;
use crate::storage::schema::email_templates::dsl as t;
use crate::storage::schema::outbox::dsl as o;
use crate::storage::schema::outbox_recipients::dsl as r;
use crate::storage::signals::{self, Signal};
use crate::storage::{DbConnection, now};

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
/// Delivered to some recipients and refused for the others for good; a retry goes to
/// the refused ones only.
pub const PARTLY_FAILED: &str = "partly_failed";
pub const FAILED: &str = "failed";
pub const STATUSES: &[&str] = &[PENDING, SENDING, SENT, PARTLY_FAILED, FAILED];

/// A recipient the server took the message for.
pub const DELIVERED: &str = "delivered";
/// How a recipient stands: pending, delivered or failed.
pub const RECIPIENT_STATUSES: &[&str] = &[PENDING, DELIVERED, FAILED];

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::storage::schema::outbox)]
pub struct OutboxRow {
    pub id: String,
    pub organisation_id: String,
    pub member_id: Option<String>,
    pub kind: String,
    pub document_id: Option<String>,
    pub language: String,
    /// A JSON array of addresses.
    pub recipients: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attachment_name: Option<String>,
    pub attachment_content: Option<Vec<u8>>,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// The From it was written with; `None` (messages written before senders were
    /// stored): the organisation's as they stand when it is sent.
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    pub reply_to_name: Option<String>,
    pub reply_to_address: Option<String>,
}

impl OutboxRow {
    pub fn recipients(&self) -> Vec<String> {
        serde_json::from_str(&self.recipients).unwrap_or_default()
    }
}

/// A message without its attachment's bytes: what lists and views need.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = crate::storage::schema::outbox)]
pub struct OutboxSummary {
    pub id: String,
    pub organisation_id: String,
    pub member_id: Option<String>,
    pub kind: String,
    pub document_id: Option<String>,
    pub language: String,
    pub recipients: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attachment_name: Option<String>,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// The From it was written with; `None` (messages written before senders were
    /// stored): the organisation's as they stand when it is sent.
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    pub reply_to_name: Option<String>,
    pub reply_to_address: Option<String>,
}

impl OutboxSummary {
    pub fn recipients(&self) -> Vec<String> {
        serde_json::from_str(&self.recipients).unwrap_or_default()
    }
}

impl From<OutboxRow> for OutboxSummary {
    fn from(r: OutboxRow) -> Self {
        OutboxSummary {
            id: r.id,
            organisation_id: r.organisation_id,
            member_id: r.member_id,
            kind: r.kind,
            document_id: r.document_id,
            language: r.language,
            recipients: r.recipients,
            subject: r.subject,
            body_text: r.body_text,
            body_html: r.body_html,
            attachment_name: r.attachment_name,
            message_id: r.message_id,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            created_by: r.created_by,
            created_at: r.created_at,
            sent_at: r.sent_at,
            from_name: r.from_name,
            from_address: r.from_address,
            reply_to_name: r.reply_to_name,
            reply_to_address: r.reply_to_address,
        }
    }
}

/// How one recipient of a message stands.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::storage::schema::outbox_recipients)]
pub struct Delivery {
    pub outbox_id: String,
    /// The address's place in the message's recipients.
    pub position: i32,
    pub address: String,
    /// pending, delivered or failed.
    pub status: String,
    /// The server's answer to a refusal, or why the last attempt did not get through.
    pub reply: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
}

/// A message with how each of its recipients stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub summary: OutboxSummary,
    pub deliveries: Vec<Delivery>,
}

/// Writes a message into the outbox, each recipient pending. Call inside the transaction
/// of the event that causes it, so that both are stored or neither is. The workers of
/// every process are woken when it commits.
pub fn enqueue(conn: &mut DbConnection, row: &OutboxRow) -> Result<(), Error> {
    diesel::insert_into(o::outbox).values(row).execute(conn)?;
    let recipients: Vec<Delivery> = row
        .recipients()
        .into_iter()
        .enumerate()
        .map(|(i, address)| Delivery {
            outbox_id: row.id.clone(),
            position: i32::try_from(i).unwrap_or(i32::MAX),
            address,
            status: PENDING.to_owned(),
            reply: None,
            delivered_at: None,
        })
        .collect();
    if !recipients.is_empty() {
        on_backend!(conn, |c| diesel::insert_into(r::outbox_recipients)
            .values(&recipients)
            .execute(c)?);
    }
    signals::send(conn, Signal::OutboxQueued)
}

/// A message's recipients, in the order it names them.
pub fn deliveries(conn: &mut DbConnection, id: &str) -> Result<Vec<Delivery>, Error> {
    Ok(r::outbox_recipients
        .filter(r::outbox_id.eq(id))
        .order(r::position.asc())
        .select(Delivery::as_select())
        .load(conn)?)
}

/// The messages with their recipients, read in chunks that stay under either backend's
/// limit of bound parameters.
pub fn with_deliveries(
    conn: &mut DbConnection,
    messages: Vec<OutboxSummary>,
) -> Result<Vec<Message>, Error> {
    let mut by_message: HashMap<String, Vec<Delivery>> = HashMap::new();
    let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    for chunk in ids.chunks(500) {
        let rows = r::outbox_recipients
            .filter(r::outbox_id.eq_any(chunk.to_vec()))
            .order((r::outbox_id.asc(), r::position.asc()))
            .select(Delivery::as_select())
            .load(conn)?;
        for d in rows {
            by_message.entry(d.outbox_id.clone()).or_default().push(d);
        }
    }
    Ok(messages
        .into_iter()
        .map(|summary| Message {
            deliveries: by_message.remove(&summary.id).unwrap_or_default(),
            summary,
        })
        .collect())
}

/// One message with its recipients.
pub fn message(conn: &mut DbConnection, org: &str, id: &str) -> Result<Message, Error> {
    let summary = get(conn, org, id)?;
    let deliveries = deliveries(conn, &summary.id)?;
    Ok(Message {
        summary,
        deliveries,
    })
}

pub fn get(conn: &mut DbConnection, org: &str, id: &str) -> Result<OutboxSummary, Error> {
    o::outbox
        .filter(o::organisation_id.eq(org))
        .filter(o::id.eq(id))
        .select(OutboxSummary::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("message"))
}

/// The message for a document that is waiting, under way or delivered, if there is one:
/// sending the document again returns it instead of a second message.
pub fn live_for_document(
    conn: &mut DbConnection,
    org: &str,
    document_id: &str,
) -> Result<Option<OutboxSummary>, Error> {
    Ok(o::outbox
        .filter(o::organisation_id.eq(org))
        .filter(o::document_id.eq(document_id))
        .filter(o::status.ne(FAILED))
        .select(OutboxSummary::as_select())
        .order(o::created_at.desc())
        .load(conn)?
        .into_iter()
        .next())
}

/// An organisation's messages, newest first, without the attachments' bytes.
pub fn list(
    conn: &mut DbConnection,
    org: &str,
    status: Option<&str>,
    member: Option<&str>,
) -> Result<Vec<OutboxSummary>, Error> {
    let mut q = o::outbox
        .filter(o::organisation_id.eq(org.to_owned()))
        .select(OutboxSummary::as_select())
        .order((o::created_at.desc(), o::id.desc()))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(o::status.eq(s.to_owned()));
    }
    if let Some(m) = member {
        q = q.filter(o::member_id.eq(m.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// The e-invoice stored with the invoice whose PDF is `document_id`, if there is one.
pub fn einvoice_of(
    conn: &mut DbConnection,
    org: &str,
    document_id: &str,
) -> Result<Option<String>, Error> {
    use crate::storage::schema::invoices::dsl as i;
    Ok(i::invoices
        .filter(i::organisation_id.eq(org))
        .filter(i::document_id.eq(document_id))
        .select(i::einvoice_document_id)
        .load::<Option<String>>(conn)?
        .pop()
        .flatten())
}

/// Whether any message is due: a plain read, so that an idle worker does not take the
/// write lock (SQLite) every time it looks.
pub fn any_due(conn: &mut DbConnection, at: NaiveDateTime) -> Result<bool, Error> {
    Ok(!due_in_queue!(o::outbox, o, at)
        .limit(1)
        .load::<String>(conn)?
        .is_empty())
}

/// How many messages are due.
pub fn due_count(conn: &mut DbConnection, at: NaiveDateTime) -> Result<i64, Error> {
    Ok(due_rows!(o::outbox, o, at).count().get_result(conn)?)
}

/// Claims up to `limit` due messages for one worker until `lease_until`, and returns them
/// (see `lease_due!`).
pub fn claim(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, Error> {
    let ids = lease_due!(conn, o::outbox, o, at, lease_until, limit);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(o::outbox
        .filter(o::id.eq_any(&ids))
        .select(OutboxRow::as_select())
        .order((o::next_attempt_at.asc(), o::id.asc()))
        .load(conn)?)
}

/// What one attempt did for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Refused for good, with the server's answer (or the reason it was given up).
    Failed(String),
    /// Not through this time, with why; tried again with the message.
    Deferred(String),
}

/// What a message's status becomes from its recipients': pending while any is, else sent
/// when all were delivered, failed when none was, and partly failed in between.
pub fn overall<'a>(statuses: impl IntoIterator<Item = &'a str>) -> &'static str {
    let (mut delivered, mut failed) = (0, 0);
    for s in statuses {
        match s {
            DELIVERED => delivered += 1,
            FAILED => failed += 1,
            _ => return PENDING,
        }
    }
    match (delivered, failed) {
        (0, _) => FAILED,
        (_, 0) => SENT,
        _ => PARTLY_FAILED,
    }
}

/// The message's last error from its recipients: the one answer they share, or each
/// address with its own.
fn summary_of(deliveries: &[Delivery], status: &str) -> Option<String> {
    let wanted = if status == PENDING { PENDING } else { FAILED };
    let answered: Vec<&Delivery> = deliveries
        .iter()
        .filter(|d| d.status == wanted && d.reply.is_some())
        .collect();
    let first = answered.first()?.reply.clone();
    if answered.iter().all(|d| d.reply == first) {
        return first;
    }
    Some(
        answered
            .iter()
            .map(|d| format!("{}: {}", d.address, d.reply.as_deref().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Records what an attempt did, in one transaction (call inside `storage::write`): each
/// recipient's outcome, then the message's status as its recipients' make it. A delivery
/// is recorded whatever else happened (a worker whose lease ran out may still have
/// delivered); a refusal or delay only for a recipient still pending. A message still
/// waiting for a recipient is due again at `retry_at`, if it is still this worker's
/// (`sending`); one that is done keeps a status that agrees with its recipients.
pub fn record(
    conn: &mut DbConnection,
    id: &str,
    outcomes: &[(i32, Outcome)],
    retry_at: NaiveDateTime,
) -> Result<&'static str, Error> {
    let at = now();
    for (position, outcome) in outcomes {
        let one = r::outbox_recipients
            .filter(r::outbox_id.eq(id))
            .filter(r::position.eq(*position));
        match outcome {
            Outcome::Delivered => {
                diesel::update(one.filter(r::status.ne(DELIVERED)))
                    .set((
                        r::status.eq(DELIVERED),
                        r::reply.eq(None::<String>),
                        r::delivered_at.eq(Some(at)),
                    ))
                    .execute(conn)?;
            }
            Outcome::Failed(reply) | Outcome::Deferred(reply) => {
                let status = match outcome {
                    Outcome::Failed(_) => FAILED,
                    _ => PENDING,
                };
                diesel::update(one.filter(r::status.eq(PENDING)))
                    .set((r::status.eq(status), r::reply.eq(Some(reply))))
                    .execute(conn)?;
            }
        }
    }
    let all = deliveries(conn, id)?;
    let status = overall(all.iter().map(|d| d.status.as_str()));
    let sent_at = all.iter().filter_map(|d| d.delivered_at).max();
    let last_error = summary_of(&all, status);
    let message = o::outbox.filter(o::id.eq(id));
    if status == PENDING {
        diesel::update(message.filter(o::status.eq(SENDING)))
            .set((
                o::status.eq(PENDING),
                o::next_attempt_at.eq(retry_at),
                o::last_error.eq(last_error),
                o::sent_at.eq(sent_at),
            ))
            .execute(conn)?;
    } else {
        // Not when someone put it back in the queue meanwhile.
        diesel::update(message.filter(o::status.ne(PENDING)))
            .set((
                o::status.eq(status),
                o::last_error.eq(last_error),
                o::sent_at.eq(sent_at),
            ))
            .execute(conn)?;
    }
    Ok(status)
}

/// A message with its attachment's bytes, as written.
pub fn full(conn: &mut DbConnection, org: &str, id: &str) -> Result<OutboxRow, Error> {
    o::outbox
        .filter(o::organisation_id.eq(org))
        .filter(o::id.eq(id))
        .select(OutboxRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("message"))
}

/// A failed or partly failed message back to pending for the recipients that failed (and
/// only those: whoever got it does not get it twice), with its attempts counted from
/// zero; `false` when the message had not failed.
pub fn retry(conn: &mut DbConnection, org: &str, id: &str) -> Result<bool, Error> {
    let n = diesel::update(
        o::outbox
            .filter(o::organisation_id.eq(org))
            .filter(o::id.eq(id))
            .filter(o::status.eq_any([FAILED, PARTLY_FAILED])),
    )
    .set((
        o::status.eq(PENDING),
        o::attempts.eq(0),
        o::next_attempt_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 1 {
        diesel::update(
            r::outbox_recipients
                .filter(r::outbox_id.eq(id))
                .filter(r::status.eq(FAILED)),
        )
        .set(r::status.eq(PENDING))
        .execute(conn)?;
        signals::send(conn, Signal::OutboxQueued)?;
    }
    Ok(n == 1)
}

/// An organisation's own email template: subject, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnTemplate {
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub updated_at: NaiveDateTime,
}

pub fn template(
    conn: &mut DbConnection,
    org: &str,
    kind: &str,
    language: &str,
) -> Result<Option<OwnTemplate>, Error> {
    Ok(t::email_templates
        .filter(t::organisation_id.eq(org))
        .filter(t::kind.eq(kind))
        .filter(t::language.eq(language))
        .select((t::subject, t::body_text, t::body_html, t::updated_at))
        .load::<(String, String, String, NaiveDateTime)>(conn)?
        .pop()
        .map(|(subject, body_text, body_html, updated_at)| OwnTemplate {
            subject,
            body_text,
            body_html,
            updated_at,
        }))
}

/// Stores the organisation's template, replacing its earlier copy. Call inside a write
/// transaction: the replacement is a delete and an insert, which both backends run alike.
pub fn put_template(
    conn: &mut DbConnection,
    org: &str,
    kind: &str,
    language: &str,
    subject: &str,
    body_text: &str,
    body_html: &str,
) -> Result<NaiveDateTime, Error> {
    delete_template(conn, org, kind, language)?;
    let at = now();
    diesel::insert_into(t::email_templates)
        .values((
            t::organisation_id.eq(org),
            t::kind.eq(kind),
            t::language.eq(language),
            t::subject.eq(subject),
            t::body_text.eq(body_text),
            t::body_html.eq(body_html),
            t::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(at)
}

/// Removes the organisation's template; returns whether there was one.
pub fn delete_template(
    conn: &mut DbConnection,
    org: &str,
    kind: &str,
    language: &str,
) -> Result<bool, Error> {
    let n = diesel::delete(
        t::email_templates
            .filter(t::organisation_id.eq(org))
            .filter(t::kind.eq(kind))
            .filter(t::language.eq(language)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(address: &str, status: &str, reply: Option<&str>) -> Delivery {
        Delivery {
            outbox_id: "m".into(),
            position: 0,
            address: address.into(),
            status: status.into(),
            reply: reply.map(str::to_owned),
            delivered_at: None,
        }
    }

    #[test]
    fn a_message_stands_as_its_recipients_do() {
        assert_eq!(overall([DELIVERED, DELIVERED]), SENT);
        assert_eq!(overall([DELIVERED, FAILED]), PARTLY_FAILED);
        assert_eq!(overall([FAILED, FAILED]), FAILED);
        assert_eq!(overall([DELIVERED, PENDING, FAILED]), PENDING);
        assert_eq!(overall([]), FAILED);
    }

    #[test]
    fn the_last_error_names_each_address_only_when_the_answers_differ() {
        let same = [
            delivery("a@x.se", FAILED, Some("550 relaying denied")),
            delivery("b@x.se", FAILED, Some("550 relaying denied")),
        ];
        assert_eq!(
            summary_of(&same, FAILED).as_deref(),
            Some("550 relaying denied")
        );
        let different = [
            delivery("a@x.se", DELIVERED, None),
            delivery("b@x.se", FAILED, Some("550 unknown")),
            delivery("c@x.se", FAILED, Some("552 full")),
        ];
        assert_eq!(
            summary_of(&different, PARTLY_FAILED).as_deref(),
            Some("b@x.se: 550 unknown; c@x.se: 552 full")
        );
        assert_eq!(summary_of(&different[..1], SENT), None);
    }
}
