//! International bank accounts: IBAN and BIC.

use std::fmt;

use crate::domain::Invalid;

/// An IBAN, checked by the `iban_validate` crate (country length and mod 97).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iban(String);

impl Iban {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        use iban::IbanLike;
        match compact.to_uppercase().parse::<iban::Iban>() {
            Ok(iban) => Ok(Self(iban.electronic_str().to_owned())),
            Err(iban::ParseIbanError::InvalidBaseIban {
                source: iban::ParseBaseIbanError::InvalidChecksum,
            }) => Err(Invalid::CheckDigit),
            Err(_) => Err(Invalid::Format {
                expected: "IBAN, t.ex. SE45 5000 0000 0583 9825 7466",
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Iban {
    /// Groups of four, as printed on paper.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups: Vec<&str> = self
            .0
            .as_bytes()
            .chunks(4)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        f.write_str(&groups.join(" "))
    }
}

/// A BIC (SWIFT code): 4 letters bank, 2 letters country, 2 location, optional 3 branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bic(String);

impl Bic {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let b = raw.trim().to_uppercase();
        let bytes = b.as_bytes();
        let ok = (bytes.len() == 8 || bytes.len() == 11)
            && bytes[..6].iter().all(u8::is_ascii_uppercase)
            && bytes[6..].iter().all(u8::is_ascii_alphanumeric);
        if !ok {
            return Err(Invalid::Format {
                expected: "BIC, t.ex. ESSESESS",
            });
        }
        Ok(Self(b))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
