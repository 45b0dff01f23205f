//! Email addresses.

use crate::domain::Invalid;

/// An email address, checked by the `email_address` crate (RFC 5322 addr-spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        // The crate accepts dotless domains (user@localhost); real recipients need a dot.
        let has_dot_domain = raw.rsplit_once('@').is_some_and(|(_, d)| d.contains('.'));
        if raw.len() > 254 || !has_dot_domain || !email_address::EmailAddress::is_valid(raw) {
            return Err(Invalid::Email);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}
