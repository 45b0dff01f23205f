use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::Role;
use crate::storage::Error;
use crate::storage::schema::api_tokens::dsl as t;
use crate::storage::signals::{self, Signal};
use crate::storage::{DbConnection, new_id, now};

/// A bearer token as stored: its role and organisation, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: String,
    pub organisation_id: Option<String>,
    pub role: Role,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

type TokenColumns = (
    t::id,
    t::organisation_id,
    t::role,
    t::name,
    t::created_at,
    t::revoked_at,
);
const COLUMNS: TokenColumns = (
    t::id,
    t::organisation_id,
    t::role,
    t::name,
    t::created_at,
    t::revoked_at,
);
type TokenTuple = (
    String,
    Option<String>,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

fn from_tuple(
    (id, organisation_id, role, name, created_at, revoked_at): TokenTuple,
) -> Result<Token, Error> {
    let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("stored role {role:?}: {e}"))?;
    Ok(Token {
        id,
        organisation_id,
        role,
        name,
        created_at,
        revoked_at,
    })
}

pub fn insert(
    conn: &mut DbConnection,
    organisation_id: Option<&str>,
    role: Role,
    name: &str,
    token_hash: &str,
) -> Result<Token, Error> {
    let token = Token {
        id: new_id(),
        organisation_id: organisation_id.map(str::to_owned),
        role,
        name: name.to_owned(),
        created_at: now(),
        revoked_at: None,
    };
    diesel::insert_into(t::api_tokens)
        .values((
            t::id.eq(&token.id),
            t::organisation_id.eq(&token.organisation_id),
            t::role.eq(role.as_str()),
            t::name.eq(&token.name),
            t::token_hash.eq(token_hash),
            t::created_at.eq(token.created_at),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The live (not revoked) token with this hash.
pub fn find_live(conn: &mut DbConnection, token_hash: &str) -> Result<Option<Token>, Error> {
    let row: Option<TokenTuple> = t::api_tokens
        .filter(t::token_hash.eq(token_hash))
        .filter(t::revoked_at.is_null())
        .select(COLUMNS)
        .load(conn)?
        .pop();
    row.map(from_tuple).transpose()
}

/// Tokens of one organisation, or the deployment-level ones when `organisation_id` is `None`.
pub fn list(conn: &mut DbConnection, organisation_id: Option<&str>) -> Result<Vec<Token>, Error> {
    let mut query = t::api_tokens
        .select(COLUMNS)
        .order(t::id.asc())
        .into_boxed();
    query = match organisation_id {
        Some(org) => query.filter(t::organisation_id.eq(org.to_owned())),
        None => query.filter(t::organisation_id.is_null()),
    };
    query
        .load::<TokenTuple>(conn)?
        .into_iter()
        .map(from_tuple)
        .collect()
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Option<Token>, Error> {
    let row: Option<TokenTuple> = t::api_tokens
        .filter(t::id.eq(id))
        .select(COLUMNS)
        .load(conn)?
        .pop();
    row.map(from_tuple).transpose()
}

/// Revokes a token; revoking it again keeps the first revocation time. Every other
/// process on the database is told to forget the tokens it trusts.
pub fn revoke(conn: &mut DbConnection, id: &str) -> Result<Token, Error> {
    diesel::update(
        t::api_tokens
            .filter(t::id.eq(id))
            .filter(t::revoked_at.is_null()),
    )
    .set(t::revoked_at.eq(Some(now())))
    .execute(conn)?;
    signals::send(conn, Signal::TokenRevoked)?;
    get(conn, id)?.ok_or(Error::NotFound("token"))
}
