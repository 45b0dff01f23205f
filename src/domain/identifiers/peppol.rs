//! Peppol participant addresses.

use std::fmt;

use super::org_number::OrgNumber;
use crate::domain::{Country, Invalid};

/// A Peppol participant address, `scheme:id`, e.g. `0007:2120001561`. The two Nordic
/// organisation-number schemes are checked in full; others by form only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeppolEndpoint {
    scheme: String,
    id: String,
}

impl PeppolEndpoint {
    const EXPECTED: &'static str = "schema:id, t.ex. 0007:2120001561";

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let (scheme, id) = raw.trim().split_once(':').ok_or(Invalid::Format {
            expected: Self::EXPECTED,
        })?;
        if scheme.len() != 4 || !scheme.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::Format {
                expected: Self::EXPECTED,
            });
        }
        let id = match scheme {
            "0007" => OrgNumber::parse(Country::Se, id)?.digits().to_owned(),
            "0192" => OrgNumber::parse(Country::No, id)?.digits().to_owned(),
            _ => {
                if id.is_empty() || id.len() > 50 || id.chars().any(char::is_whitespace) {
                    return Err(Invalid::Format {
                        expected: Self::EXPECTED,
                    });
                }
                id.to_owned()
            }
        };
        Ok(Self {
            scheme: scheme.to_owned(),
            id,
        })
    }

    /// The address a buyer is usually reached at: its organisation number in the national
    /// scheme (`0007` Sweden, `0192` Norway).
    pub fn for_org_number(org: &OrgNumber) -> Self {
        let scheme = match org.country() {
            Country::Se => "0007",
            Country::No => "0192",
        };
        Self {
            scheme: scheme.to_owned(),
            id: org.digits().to_owned(),
        }
    }

    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for PeppolEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peppol_endpoints() {
        let p = PeppolEndpoint::parse("0007:2120001561").unwrap();
        assert_eq!((p.scheme(), p.id()), ("0007", "2120001561"));
        assert_eq!(p.to_string(), "0007:2120001561");
        assert_eq!(
            PeppolEndpoint::parse("0007:2120001562"),
            Err(Invalid::CheckDigit)
        );
        assert!(PeppolEndpoint::parse("0192:940039541").is_ok());
        assert!(PeppolEndpoint::parse("0088:7300010000001").is_ok());
        assert!(PeppolEndpoint::parse("2120001561").is_err());
        assert!(PeppolEndpoint::parse("07:2120001561").is_err());
        let org = OrgNumber::parse(Country::Se, "212000-1561").unwrap();
        assert_eq!(PeppolEndpoint::for_org_number(&org), p);
    }
}
