//! VAT registration numbers, checked against the organisation number they carry.

use std::fmt;

use super::org_number::OrgNumber;
use crate::domain::{Country, Invalid};

/// A VAT registration number: `SE` + organisationsnummer + `01`, or `NO` + orgnr + `MVA`.
/// The organisation's own and its members' are checked by this one parser, against the
/// country each is registered in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatNumber {
    country: Country,
    org_number: OrgNumber,
}

impl VatNumber {
    /// Takes the number as people write it (`se 212000-1561 01`, `NO 940.875.560 MVA`):
    /// spaces, dots and hyphens are dropped and letters upper-cased before the check.
    pub fn parse(country: Country, raw: &str) -> Result<Self, Invalid> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.'))
            .collect();
        let upper = compact.to_uppercase();
        let (prefix, suffix, expected) = match country {
            Country::Se => ("SE", "01", "SE + 10 siffror + 01"),
            Country::No => ("NO", "MVA", "NO + 9 siffror + MVA"),
        };
        let inner = upper
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .ok_or(Invalid::Format { expected })?;
        let org_number = OrgNumber::parse(country, inner)?;
        Ok(Self {
            country,
            org_number,
        })
    }

    pub fn org_number(&self) -> &OrgNumber {
        &self.org_number
    }
}

impl fmt::Display for VatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.country {
            Country::Se => write!(f, "SE{}01", self.org_number.digits()),
            Country::No => write!(f, "NO{}MVA", self.org_number.digits()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_numbers() {
        let se = VatNumber::parse(Country::Se, "SE212000156101").unwrap();
        assert_eq!(se.to_string(), "SE212000156101");
        assert_eq!(se.org_number().to_string(), "212000-1561");
        assert!(VatNumber::parse(Country::Se, "se 2120001561 01").is_ok());
        assert_eq!(
            VatNumber::parse(Country::Se, "SE212000156201"),
            Err(Invalid::CheckDigit)
        );
        assert!(matches!(
            VatNumber::parse(Country::Se, "SE2120001561"),
            Err(Invalid::Format { .. })
        ));
        assert_eq!(
            VatNumber::parse(Country::No, "NO123456785MVA")
                .unwrap()
                .to_string(),
            "NO123456785MVA"
        );
        assert!(VatNumber::parse(Country::No, "SE212000156101").is_err());
    }

    #[test]
    fn vat_numbers_are_normalised_and_checked_against_the_country() {
        // Aremark kommune, 940 875 560: 9·3 + 4·2 + 0·7 + 8·6 + 7·5 + 5·4 + 5·3 + 6·2 = 165,
        // 165 mod 11 = 0, so the check digit is 0.
        let aremark = VatNumber::parse(Country::No, "no 940.875.560 mva").unwrap();
        assert_eq!(aremark.to_string(), "NO940875560MVA");
        assert_eq!(aremark.org_number().digits(), "940875560");
        // Halden kommune, 959 159 092: 27 + 10 + 63 + 6 + 25 + 36 + 0 + 18 = 185,
        // 185 mod 11 = 9, check digit 11 − 9 = 2.
        assert_eq!(
            VatNumber::parse(Country::No, "NO 959 159 092 MVA")
                .unwrap()
                .to_string(),
            "NO959159092MVA"
        );
        assert_eq!(
            VatNumber::parse(Country::Se, "se-212000.1561-01")
                .unwrap()
                .to_string(),
            "SE212000156101"
        );
        assert_eq!(
            VatNumber::parse(Country::No, "NO940875561MVA"),
            Err(Invalid::CheckDigit)
        );
        // A Swedish number for a Norwegian member, and the reverse: the prefix is wrong.
        assert!(matches!(
            VatNumber::parse(Country::Se, "NO940875560MVA"),
            Err(Invalid::Format { .. })
        ));
        for junk in ["", "MVA", "hello", "SE", "SE01", "NO940875560"] {
            assert!(VatNumber::parse(Country::No, junk).is_err(), "{junk}");
            assert!(VatNumber::parse(Country::Se, junk).is_err(), "{junk}");
        }
    }
}
