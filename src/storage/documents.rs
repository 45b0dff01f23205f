//! Issued documents, an organisation's own templates and its logo. Documents are only ever
//! inserted: nothing here updates or deletes one.

use chrono::{NaiveDateTime, SubsecRound};
use diesel::prelude::*;

use crate::domain::documents::EINVOICE_KIND;
use crate::storage::Error;
use crate::storage::schema::document_templates::dsl as t;
use crate::storage::schema::documents::dsl as d;
use crate::storage::schema::organisation_logos::dsl as l;
use crate::storage::{DbConnection, new_id, now};

/// A document as issued, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = crate::storage::schema::documents)]
pub struct DocumentRecord {
    pub id: String,
    pub organisation_id: String,
    pub kind: String,
    pub language: String,
    pub member_id: String,
    pub agreement_id: Option<String>,
    pub fee_year: Option<i32>,
    pub title: String,
    pub sha256: String,
    pub size_bytes: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// What issuing a document stores.
pub struct NewDocument<'a> {
    pub organisation_id: &'a str,
    pub kind: &'a str,
    pub language: &'a str,
    pub member_id: &'a str,
    pub agreement_id: Option<&'a str>,
    pub fee_year: Option<i32>,
    pub title: &'a str,
    pub content: &'a [u8],
    pub created_by: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = crate::storage::schema::documents)]
struct DocumentRow<'a> {
    id: &'a str,
    organisation_id: &'a str,
    kind: &'a str,
    language: &'a str,
    member_id: &'a str,
    agreement_id: Option<&'a str>,
    fee_year: Option<i32>,
    title: &'a str,
    sha256: &'a str,
    size_bytes: i32,
    content: &'a [u8],
    created_by: &'a str,
    created_at: NaiveDateTime,
}

/// The SHA-256 of a document's bytes, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn insert(conn: &mut DbConnection, doc: &NewDocument<'_>) -> Result<DocumentRecord, Error> {
    let id = new_id();
    let sha256 = sha256_hex(doc.content);
    let size_bytes = i32::try_from(doc.content.len())
        .map_err(|_| Error::Internal(anyhow::anyhow!("document too large")))?;
    // PostgreSQL keeps microseconds: the record returned equals the one read later.
    let created_at = now().trunc_subsecs(6);
    diesel::insert_into(d::documents)
        .values(&DocumentRow {
            id: &id,
            organisation_id: doc.organisation_id,
            kind: doc.kind,
            language: doc.language,
            member_id: doc.member_id,
            agreement_id: doc.agreement_id,
            fee_year: doc.fee_year,
            title: doc.title,
            sha256: &sha256,
            size_bytes,
            content: doc.content,
            created_by: doc.created_by,
            created_at,
        })
        .execute(conn)?;
    // Everything the record holds is known here: no read back (a run stores two documents
    // per invoice).
    Ok(DocumentRecord {
        id,
        organisation_id: doc.organisation_id.to_owned(),
        kind: doc.kind.to_owned(),
        language: doc.language.to_owned(),
        member_id: doc.member_id.to_owned(),
        agreement_id: doc.agreement_id.map(str::to_owned),
        fee_year: doc.fee_year,
        title: doc.title.to_owned(),
        sha256,
        size_bytes,
        created_by: doc.created_by.to_owned(),
        created_at,
    })
}

/// A rendered (PDF) document's record. E-invoices are stored in the same table but read
/// only through their invoice ([`einvoice_content`]): they are not PDFs.
pub fn get(conn: &mut DbConnection, org: &str, id: &str) -> Result<DocumentRecord, Error> {
    d::documents
        .filter(d::organisation_id.eq(org))
        .filter(d::id.eq(id))
        .filter(d::kind.ne(EINVOICE_KIND))
        .select(DocumentRecord::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("document"))
}

/// The stored bytes of a rendered (PDF) document.
pub fn content(conn: &mut DbConnection, org: &str, id: &str) -> Result<Vec<u8>, Error> {
    d::documents
        .filter(d::organisation_id.eq(org))
        .filter(d::id.eq(id))
        .filter(d::kind.ne(EINVOICE_KIND))
        .select(d::content)
        .load::<Vec<u8>>(conn)?
        .pop()
        .ok_or(Error::NotFound("document"))
}

/// The stored bytes of an e-invoice.
pub fn einvoice_content(conn: &mut DbConnection, org: &str, id: &str) -> Result<Vec<u8>, Error> {
    d::documents
        .filter(d::organisation_id.eq(org))
        .filter(d::id.eq(id))
        .filter(d::kind.eq(EINVOICE_KIND))
        .select(d::content)
        .load::<Vec<u8>>(conn)?
        .pop()
        .ok_or(Error::NotFound("e-invoice"))
}

/// An organisation's rendered documents (not e-invoices), newest first, optionally for one agreement or member.
pub fn list(
    conn: &mut DbConnection,
    org: &str,
    agreement: Option<&str>,
    member: Option<&str>,
) -> Result<Vec<DocumentRecord>, Error> {
    let mut q = d::documents
        .filter(d::organisation_id.eq(org.to_owned()))
        .filter(d::kind.ne(EINVOICE_KIND))
        .select(DocumentRecord::as_select())
        .order((d::created_at.desc(), d::id.desc()))
        .into_boxed();
    if let Some(a) = agreement {
        q = q.filter(d::agreement_id.eq(a.to_owned()));
    }
    if let Some(m) = member {
        q = q.filter(d::member_id.eq(m.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// An organisation's own template source for a kind and language, if it has one.
pub fn template(
    conn: &mut DbConnection,
    org: &str,
    kind: &str,
    language: &str,
) -> Result<Option<(String, NaiveDateTime)>, Error> {
    Ok(t::document_templates
        .filter(t::organisation_id.eq(org))
        .filter(t::kind.eq(kind))
        .filter(t::language.eq(language))
        .select((t::source, t::updated_at))
        .load(conn)?
        .pop())
}

/// Kinds and languages the organisation has its own template for.
pub fn templates(
    conn: &mut DbConnection,
    org: &str,
) -> Result<Vec<(String, String, NaiveDateTime)>, Error> {
    Ok(t::document_templates
        .filter(t::organisation_id.eq(org))
        .select((t::kind, t::language, t::updated_at))
        .order((t::kind.asc(), t::language.asc()))
        .load(conn)?)
}

/// Stores the organisation's template, replacing its earlier copy. Call inside a write
/// transaction: the replacement is a delete and an insert, which both backends run alike.
pub fn put_template(
    conn: &mut DbConnection,
    org: &str,
    kind: &str,
    language: &str,
    source: &str,
) -> Result<NaiveDateTime, Error> {
    delete_template(conn, org, kind, language)?;
    let at = now();
    diesel::insert_into(t::document_templates)
        .values((
            t::organisation_id.eq(org),
            t::kind.eq(kind),
            t::language.eq(language),
            t::source.eq(source),
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
        t::document_templates
            .filter(t::organisation_id.eq(org))
            .filter(t::kind.eq(kind))
            .filter(t::language.eq(language)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// The organisation's logo: its media type and bytes.
pub fn logo(conn: &mut DbConnection, org: &str) -> Result<Option<(String, Vec<u8>)>, Error> {
    Ok(l::organisation_logos
        .filter(l::organisation_id.eq(org))
        .select((l::media_type, l::content))
        .load(conn)?
        .pop())
}

pub fn put_logo(
    conn: &mut DbConnection,
    org: &str,
    media_type: &str,
    content: &[u8],
) -> Result<(), Error> {
    delete_logo(conn, org)?;
    diesel::insert_into(l::organisation_logos)
        .values((
            l::organisation_id.eq(org),
            l::media_type.eq(media_type),
            l::content.eq(content),
            l::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_logo(conn: &mut DbConnection, org: &str) -> Result<bool, Error> {
    let n =
        diesel::delete(l::organisation_logos.filter(l::organisation_id.eq(org))).execute(conn)?;
    Ok(n > 0)
}
