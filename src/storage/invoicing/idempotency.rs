//! Idempotency keys: a request's first response, stored to be replayed.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::storage::Error;
use crate::storage::schema::idempotency_keys::dsl as ik;
use crate::storage::{DbConnection, now};

/// What a key's first request stored, if the key was used before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_hash: String,
    /// `None` while the first request is still running (it cannot be seen from another
    /// transaction: claiming the key waits for it).
    pub response: Option<(u16, String)>,
}

/// Claims an idempotency key for this request in the caller's transaction; returns what
/// an earlier request with the key stored, or `None` when this request is the first. On
/// PostgreSQL a concurrent first request holds the key's row until it commits, so the
/// insert waits and then finds it; on SQLite the write lock orders them.
pub fn claim_key(
    conn: &mut DbConnection,
    org: &str,
    key: &str,
    request_hash: &str,
) -> Result<Option<StoredResponse>, Error> {
    const CLAIM: &str = "INSERT INTO idempotency_keys \
         (organisation_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (organisation_id, key) DO NOTHING";
    let at = now();
    let inserted = on_backend!(conn, |c| diesel::sql_query(CLAIM)
        .bind::<Text, _>(org)
        .bind::<Text, _>(key)
        .bind::<Text, _>(request_hash)
        .bind::<diesel::sql_types::Timestamp, _>(at)
        .execute(c)?);
    if inserted == 1 {
        return Ok(None);
    }
    let row: Option<(String, Option<i32>, Option<String>)> = ik::idempotency_keys
        .filter(ik::organisation_id.eq(org))
        .filter(ik::key.eq(key))
        .select((ik::request_hash, ik::response_status, ik::response_body))
        .load(conn)?
        .pop();
    let (request_hash, status, body) =
        row.ok_or_else(|| Error::Internal(anyhow::anyhow!("idempotency key vanished")))?;
    Ok(Some(StoredResponse {
        request_hash,
        response: status.and_then(|s| u16::try_from(s).ok()).zip(body),
    }))
}

pub fn save_response(
    conn: &mut DbConnection,
    org: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), Error> {
    diesel::update(ik::idempotency_keys)
        .filter(ik::organisation_id.eq(org))
        .filter(ik::key.eq(key))
        .set((
            ik::response_status.eq(i32::from(status)),
            ik::response_body.eq(body),
        ))
        .execute(conn)?;
    Ok(())
}
