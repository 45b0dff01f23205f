//! Mailings: each newsletter sent, by the fingerprint of its content, and the outbox
//! messages it wrote per member.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::storage::DbConnection;
use crate::storage::Error;
use crate::storage::schema::mailing_messages::dsl as mm;
use crate::storage::schema::mailings::dsl as m;
use crate::storage::schema::outbox::dsl as o;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::storage::schema::mailings)]
pub struct MailingRow {
    pub id: String,
    pub organisation_id: String,
    pub fingerprint: String,
    pub subject: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// One message a mailing wrote: to which member, and how it stands in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailingMessage {
    pub member_id: String,
    pub outbox_id: String,
    pub status: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &MailingRow) -> Result<(), Error> {
    diesel::insert_into(m::mailings).values(row).execute(conn)?;
    Ok(())
}

/// The organisation's mailing with this content, if it was sent before.
pub fn by_fingerprint(
    conn: &mut DbConnection,
    org: &str,
    fingerprint: &str,
) -> Result<Option<MailingRow>, Error> {
    Ok(m::mailings
        .filter(m::organisation_id.eq(org))
        .filter(m::fingerprint.eq(fingerprint))
        .select(MailingRow::as_select())
        .load(conn)?
        .pop())
}

pub fn get(conn: &mut DbConnection, org: &str, id: &str) -> Result<MailingRow, Error> {
    m::mailings
        .filter(m::organisation_id.eq(org))
        .filter(m::id.eq(id))
        .select(MailingRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("mailing"))
}

/// The organisation's mailings, newest first.
pub fn list(conn: &mut DbConnection, org: &str) -> Result<Vec<MailingRow>, Error> {
    Ok(m::mailings
        .filter(m::organisation_id.eq(org))
        .order((m::created_at.desc(), m::id.desc()))
        .select(MailingRow::as_select())
        .load(conn)?)
}

pub fn link(
    conn: &mut DbConnection,
    mailing: &str,
    outbox_id: &str,
    member_id: &str,
) -> Result<(), Error> {
    diesel::insert_into(mm::mailing_messages)
        .values((
            mm::mailing_id.eq(mailing),
            mm::outbox_id.eq(outbox_id),
            mm::member_id.eq(member_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every message of a mailing, oldest first.
pub fn messages(conn: &mut DbConnection, mailing: &str) -> Result<Vec<MailingMessage>, Error> {
    let rows: Vec<(String, String, String, NaiveDateTime)> = mm::mailing_messages
        .inner_join(o::outbox)
        .filter(mm::mailing_id.eq(mailing))
        .order((o::created_at.asc(), o::id.asc()))
        .select((mm::member_id, mm::outbox_id, o::status, o::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(member_id, outbox_id, status, created_at)| MailingMessage {
                member_id,
                outbox_id,
                status,
                created_at,
            },
        )
        .collect())
}
