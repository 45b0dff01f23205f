//! Bearer tokens: created once and shown once; only a SHA-256 of each is stored, which is
//! enough because the tokens are 256 random bits, not passwords.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::Role;
use crate::error::Error;
use crate::storage::tokens;
pub use crate::storage::tokens::Token;
use crate::storage::{self, DbConnection};

const PREFIX: &str = "avtal_";

/// A new token: the record and the secret, which is never stored.
pub struct Issued {
    pub token: Token,
    pub secret: String,
}

pub fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Creates a token. The operator token belongs to no organisation; every other role
/// belongs to exactly one, which must exist.
pub fn create(
    conn: &mut DbConnection,
    organisation_id: Option<&str>,
    role: Role,
    name: &str,
) -> Result<Issued, Error> {
    let name =
        crate::domain::text(name, crate::domain::NAME_MAX).map_err(|e| Error::field("name", e))?;
    match (role, organisation_id) {
        (Role::Operator, Some(_)) => {
            return Err(Error::field(
                "organisation_id",
                crate::domain::Invalid::Format {
                    expected: "ingen organisation för driftsnyckeln",
                },
            ));
        }
        (Role::Operator, None) => {}
        (_, None) => {
            return Err(Error::field(
                "organisation_id",
                crate::domain::Invalid::Required,
            ));
        }
        (_, Some(org)) => {
            if !storage::organisations::exists(conn, org)? {
                return Err(Error::NotFound("organisation"));
            }
        }
    }
    let secret = generate();
    let token = tokens::insert(conn, organisation_id, role, &name, &hash(&secret))?;
    Ok(Issued { token, secret })
}

/// Whether `secret` has the form of a token at all; anything else is refused unread.
pub fn well_formed(secret: &str) -> bool {
    secret.starts_with(PREFIX) && secret.len() <= 100
}

/// The live token a bearer secret names, if any.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> Result<Option<Token>, Error> {
    if !well_formed(secret) {
        return Ok(None);
    }
    Ok(tokens::find_live(conn, &hash(secret))?)
}

/// Tokens recently found live, by hash, so that most requests need no database round trip
/// to know their caller. An entry lives `ttl`. A revocation clears the cache: at once
/// through this server, and on PostgreSQL in every other process too, which hears of it
/// (see [`crate::storage::signals`]); while a process cannot hear, it trusts nothing it
/// cached. A revocation it cannot hear of (the command line on SQLite) takes effect within
/// `ttl`. Unknown secrets are never cached, so guessing cannot fill it.
pub struct TokenCache {
    ttl: Duration,
    entries: Mutex<Entries>,
}

struct Entries {
    tokens: HashMap<String, (Token, Instant)>,
    /// Counts the clearings, so that a lookup which began before one cannot put back
    /// what it found then.
    generation: u64,
    /// Whether revocations elsewhere are heard; when not, nothing cached is trusted.
    hearing: bool,
}

/// When a lookup began, for [`TokenCache::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(u64);

impl TokenCache {
    /// Enough for every token of a large deployment; beyond it the cache starts over.
    const CAPACITY: usize = 10_000;

    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(Entries {
                tokens: HashMap::new(),
                generation: 0,
                hearing: true,
            }),
        }
    }

    pub fn get(&self, secret: &str) -> Option<Token> {
        let entries = self.entries.lock().ok()?;
        if !entries.hearing {
            return None;
        }
        match entries.tokens.get(&hash(secret)) {
            Some((token, at)) if at.elapsed() < self.ttl => Some(token.clone()),
            _ => None,
        }
    }

    /// Call before looking a token up in the database, and hand it to [`Self::insert`].
    pub fn generation(&self) -> Generation {
        Generation(self.entries.lock().map_or(u64::MAX, |e| e.generation))
    }

    /// Remembers a token found live by a lookup that began at `since`, unless the cache
    /// was cleared meanwhile: the token may have been revoked after the lookup read it.
    pub fn insert(&self, secret: &str, token: &Token, since: Generation) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.generation != since.0 || !entries.hearing {
                return;
            }
            if entries.tokens.len() >= Self::CAPACITY {
                entries.tokens.clear();
            }
            entries
                .tokens
                .insert(hash(secret), (token.clone(), Instant::now()));
        }
    }

    /// Forgets every token, after a revocation.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.tokens.clear();
            entries.generation = entries.generation.wrapping_add(1);
        }
    }

    /// Whether revocations made by other processes reach this one; both ways the cache
    /// starts empty.
    pub fn hearing(&self, hearing: bool) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.hearing = hearing;
        }
        self.clear();
    }
}

/// An organisation's tokens.
pub fn list(conn: &mut DbConnection, org: &str) -> Result<Vec<Token>, Error> {
    Ok(tokens::list(conn, Some(org))?)
}

/// Revokes one of an organisation's tokens; another organisation's is not found.
pub fn revoke(conn: &mut DbConnection, org: &str, id: &str) -> Result<Token, Error> {
    match tokens::get(conn, id)? {
        Some(t) if t.organisation_id.as_deref() == Some(org) => Ok(tokens::revoke(conn, id)?),
        _ => Err(Error::NotFound("token")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_remembers_live_tokens_for_a_while() {
        let token = Token {
            id: "t".into(),
            organisation_id: Some("o".into()),
            role: Role::Viewer,
            name: "n".into(),
            created_at: chrono::NaiveDateTime::default(),
            revoked_at: None,
        };
        let cache = TokenCache::new(Duration::from_secs(60));
        assert!(cache.get("avtal_x").is_none());
        cache.insert("avtal_x", &token, cache.generation());
        assert_eq!(cache.get("avtal_x"), Some(token.clone()));
        cache.clear();
        assert!(cache.get("avtal_x").is_none());
        let expired = TokenCache::new(Duration::ZERO);
        expired.insert("avtal_x", &token, expired.generation());
        assert!(expired.get("avtal_x").is_none());
    }

    #[test]
    fn a_lookup_overtaken_by_a_revocation_is_not_cached() {
        let token = Token {
            id: "t".into(),
            organisation_id: Some("o".into()),
            role: Role::Viewer,
            name: "n".into(),
            created_at: chrono::NaiveDateTime::default(),
            revoked_at: None,
        };
        let cache = TokenCache::new(Duration::from_secs(60));
        let before = cache.generation();
        // The token is revoked while its lookup is under way.
        cache.clear();
        cache.insert("avtal_x", &token, before);
        assert!(cache.get("avtal_x").is_none());
        // A process that cannot hear revocations trusts nothing it cached.
        cache.insert("avtal_x", &token, cache.generation());
        cache.hearing(false);
        cache.insert("avtal_x", &token, cache.generation());
        assert!(cache.get("avtal_x").is_none());
        cache.hearing(true);
        cache.insert("avtal_x", &token, cache.generation());
        assert_eq!(cache.get("avtal_x"), Some(token));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX));
        assert_eq!(a.len(), PREFIX.len() + 43);
        assert_eq!(hash("avtal_x").len(), 64);
        assert_ne!(hash(&a), hash(&b));
    }
}
