//! Bearer tokens: created once and shown once; only a SHA-256 of each is stored, which is
//! enough because the tokens are 256 random bits, not passwords.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::Role;
use crate::error::Error;
use crate::storage::tokens::{self, Token};
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

/// The live token a bearer secret names, if any.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> Result<Option<Token>, Error> {
    if !secret.starts_with(PREFIX) || secret.len() > 100 {
        return Ok(None);
    }
    tokens::find_live(conn, &hash(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

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
