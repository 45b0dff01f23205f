//! Idempotency keys of requests: claimed before a request runs, its answer kept for replay.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::storage::Error;
use crate::storage::schema::request_keys::dsl as rk;
use crate::storage::{DbConnection, now};

/// The answer a request gave, as kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// What a key's earlier request left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    pub request_hash: String,
    pub claimed_at: NaiveDateTime,
    /// `None` while that request is still being answered.
    pub answer: Option<Answer>,
}

/// Claims `key` for a request: `None` when this request is the first with it, else what
/// the earlier one left. Committed on its own, so a concurrent request sees the claim.
pub fn claim(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> Result<Option<Earlier>, Error> {
    const CLAIM: &str = "INSERT INTO request_keys (scope, key, request_hash, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (scope, key) DO NOTHING";
    let inserted = on_backend!(conn, |c| diesel::sql_query(CLAIM)
        .bind::<Text, _>(scope)
        .bind::<Text, _>(key)
        .bind::<Text, _>(request_hash)
        .bind::<Timestamp, _>(now())
        .execute(c)?);
    if inserted == 1 {
        return Ok(None);
    }
    type Row = (
        String,
        NaiveDateTime,
        Option<i32>,
        Option<String>,
        Option<String>,
        Option<Vec<u8>>,
    );
    let row: Option<Row> = rk::request_keys
        .filter(rk::scope.eq(scope))
        .filter(rk::key.eq(key))
        .select((
            rk::request_hash,
            rk::created_at,
            rk::status,
            rk::content_type,
            rk::location,
            rk::body,
        ))
        .first(conn)
        .optional()?;
    // Released between the insert and the read: the next attempt will be first.
    let Some((request_hash, claimed_at, status, content_type, location, body)) = row else {
        return Ok(Some(Earlier {
            request_hash: request_hash.to_owned(),
            claimed_at: now(),
            answer: None,
        }));
    };
    let answer = status
        .and_then(|s| u16::try_from(s).ok())
        .map(|status| Answer {
            status,
            content_type,
            location,
            body: body.unwrap_or_default(),
        });
    Ok(Some(Earlier {
        request_hash,
        claimed_at,
        answer,
    }))
}

/// Takes over a key whose request never answered (its process stopped) since `before`;
/// true when this request now holds it.
pub fn take_over(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
    before: NaiveDateTime,
) -> Result<bool, Error> {
    let taken = diesel::update(rk::request_keys)
        .filter(rk::scope.eq(scope))
        .filter(rk::key.eq(key))
        .filter(rk::status.is_null())
        .filter(rk::created_at.lt(before))
        .set((rk::request_hash.eq(request_hash), rk::created_at.eq(now())))
        .execute(conn)?;
    Ok(taken == 1)
}

pub fn keep(conn: &mut DbConnection, scope: &str, key: &str, answer: &Answer) -> Result<(), Error> {
    diesel::update(rk::request_keys)
        .filter(rk::scope.eq(scope))
        .filter(rk::key.eq(key))
        .set((
            rk::status.eq(i32::from(answer.status)),
            rk::content_type.eq(&answer.content_type),
            rk::location.eq(&answer.location),
            rk::body.eq(&answer.body),
        ))
        .execute(conn)?;
    Ok(())
}

/// Frees a key whose request failed on our side, so that a retry runs it again.
pub fn release(conn: &mut DbConnection, scope: &str, key: &str) -> Result<(), Error> {
    diesel::delete(rk::request_keys)
        .filter(rk::scope.eq(scope))
        .filter(rk::key.eq(key))
        .filter(rk::status.is_null())
        .execute(conn)?;
    Ok(())
}

/// Forgets keys claimed before `before`.
pub fn forget(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, Error> {
    Ok(diesel::delete(rk::request_keys)
        .filter(rk::created_at.lt(before))
        .execute(conn)?)
}
