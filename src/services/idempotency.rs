//! Idempotent requests: a client that repeats a request with the same `Idempotency-Key`
//! (after a timeout, a lost answer) gets the first answer again, and nothing happens twice.

use chrono::TimeDelta;

use crate::error::Error;
use crate::storage::request_keys as store;
use crate::storage::{DbConnection, now};

/// The digest ETags and request fingerprints are made of.
pub use crate::storage::documents::sha256_hex;
pub use crate::storage::request_keys::Answer;

/// How long a key is kept: the contract promises at least 24 hours.
const KEPT: TimeDelta = TimeDelta::hours(48);
/// A claim unanswered for this long belongs to a process that stopped; a retry takes it.
const ABANDONED: TimeDelta = TimeDelta::minutes(10);

/// What a request with a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The first request with the key: run it, then [`keep`] its answer.
    First,
    /// The same request again: answer as the first time.
    Replay(Answer),
    /// The first request with the key is still running.
    InFlight,
    /// The key was used for another request.
    OtherRequest,
}

/// Claims `key` in `scope` (an organisation, or the operator) for a request whose method,
/// path and body hash to `request_hash`.
pub fn claim(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> Result<Claim, Error> {
    store::forget(conn, now() - KEPT)?;
    let Some(earlier) = store::claim(conn, scope, key, request_hash)? else {
        return Ok(Claim::First);
    };
    if earlier.request_hash != request_hash {
        return Ok(Claim::OtherRequest);
    }
    Ok(match earlier.answer {
        Some(answer) => Claim::Replay(answer),
        None if store::take_over(conn, scope, key, request_hash, now() - ABANDONED)? => {
            Claim::First
        }
        None => Claim::InFlight,
    })
}

/// Keeps the first request's answer for replay.
pub fn keep(conn: &mut DbConnection, scope: &str, key: &str, answer: &Answer) -> Result<(), Error> {
    Ok(store::keep(conn, scope, key, answer)?)
}

/// Frees the key of a request that failed on the server's side: a retry may succeed.
pub fn release(conn: &mut DbConnection, scope: &str, key: &str) -> Result<(), Error> {
    Ok(store::release(conn, scope, key)?)
}
