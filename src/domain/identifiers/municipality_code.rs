//! Municipality codes: Swedish kommunkod and Norwegian kommunenummer.

use std::fmt;

use crate::domain::Invalid;

/// A municipality code: Swedish kommunkod or Norwegian kommunenummer, 4 digits whose first
/// two are the county (län / fylke).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MunicipalityCode(String);

impl MunicipalityCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        if !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::DigitsOnly);
        }
        if raw.len() != 4 {
            return Err(Invalid::Length { expected: "4" });
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn county_code(&self) -> &str {
        &self.0[..2]
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
