//! The outbox: messages written in the transaction of the event that causes them, claimed
//! and sent by workers.
//!
//! A claim sets a message to `sending` and its `next_attempt_at` to the end of a lease.
//! A message whose lease ran out while `sending` is due again: its worker died between
//! claiming and recording the outcome, and sending it again (with the same Message-ID) is
//! better than losing it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::Error;
use crate::storage::schema::email_templates::dsl as t;
use crate::storage::schema::outbox::dsl as o;
use crate::storage::signals::{self, Signal};
use crate::storage::{DbConnection, now};

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
pub const STATUSES: &[&str] = &[PENDING, SENDING, SENT, FAILED];

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
        }
    }
}

/// Writes a message into the outbox. Call inside the transaction of the event that causes
/// it, so that both are stored or neither is.
/// The workers of every process are woken when it commits.
pub fn enqueue(conn: &mut DbConnection, row: &OutboxRow) -> Result<(), Error> {
    diesel::insert_into(o::outbox).values(row).execute(conn)?;
    signals::send(conn, Signal::OutboxQueued)
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
    Ok(!o::outbox
        .filter(o::status.eq_any([PENDING, SENDING]))
        .filter(o::next_attempt_at.le(at))
        .select(o::id)
        .limit(1)
        .load::<String>(conn)?
        .is_empty())
}

/// Claims up to `limit` due messages for one worker until `lease_until`, and returns them.
/// Call inside a write transaction. On PostgreSQL the rows are locked with
/// `FOR UPDATE SKIP LOCKED`, so workers in other processes pass over them instead of
/// waiting and then sending them too; SQLite has one writer at a time, and the caller's
/// `BEGIN IMMEDIATE` already is that lock.
pub fn claim(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, Error> {
    let due = o::outbox
        .filter(o::status.eq_any([PENDING, SENDING]))
        .filter(o::next_attempt_at.le(at))
        .order((o::next_attempt_at.asc(), o::id.asc()))
        .select(o::id)
        .limit(limit);
    let ids: Vec<String> = match conn {
        DbConnection::Postgresql(c) => due.for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => due.load(c)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(o::outbox.filter(o::id.eq_any(&ids)))
        .set((
            o::status.eq(SENDING),
            o::attempts.eq(o::attempts + 1),
            o::next_attempt_at.eq(lease_until),
        ))
        .execute(conn)?;
    Ok(o::outbox
        .filter(o::id.eq_any(&ids))
        .select(OutboxRow::as_select())
        .order((o::next_attempt_at.asc(), o::id.asc()))
        .load(conn)?)
}

/// The server accepted the message.
pub fn mark_sent(conn: &mut DbConnection, id: &str) -> Result<(), Error> {
    diesel::update(o::outbox.filter(o::id.eq(id)))
        .set((
            o::status.eq(SENT),
            o::sent_at.eq(Some(now())),
            o::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A temporary failure: try again at `next`.
pub fn mark_retry(
    conn: &mut DbConnection,
    id: &str,
    next: NaiveDateTime,
    error: &str,
) -> Result<(), Error> {
    diesel::update(o::outbox.filter(o::id.eq(id)).filter(o::status.eq(SENDING)))
        .set((
            o::status.eq(PENDING),
            o::next_attempt_at.eq(next),
            o::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Given up: a permanent failure, or too many temporary ones.
pub fn mark_failed(conn: &mut DbConnection, id: &str, error: &str) -> Result<(), Error> {
    diesel::update(o::outbox.filter(o::id.eq(id)).filter(o::status.eq(SENDING)))
        .set((o::status.eq(FAILED), o::last_error.eq(Some(error))))
        .execute(conn)?;
    Ok(())
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

/// A failed message back to pending, with its attempts counted from zero; `false` when the
/// message had not failed.
pub fn retry(conn: &mut DbConnection, org: &str, id: &str) -> Result<bool, Error> {
    let n = diesel::update(
        o::outbox
            .filter(o::organisation_id.eq(org))
            .filter(o::id.eq(id))
            .filter(o::status.eq(FAILED)),
    )
    .set((
        o::status.eq(PENDING),
        o::attempts.eq(0),
        o::next_attempt_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 1 {
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
