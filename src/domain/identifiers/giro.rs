//! Swedish giro accounts: bankgiro and plusgiro numbers.

use std::fmt;

use super::check_digits::{digits, luhn_valid, to_string};
use crate::domain::Invalid;

/// A Swedish bankgiro number: 7 or 8 digits, Luhn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bankgiro(String);

impl Bankgiro {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let d = digits(raw)?;
        if !(7..=8).contains(&d.len()) {
            return Err(Invalid::Length { expected: "7–8" });
        }
        if !luhn_valid(&d) {
            return Err(Invalid::CheckDigit);
        }
        Ok(Self(to_string(&d)))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Bankgiro {
    /// `505-1055` or `5050-1055`: the last four digits after a hyphen.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (head, tail) = self.0.split_at(self.0.len() - 4);
        write!(f, "{head}-{tail}")
    }
}

/// A Swedish plusgiro number: 2 to 8 digits, Luhn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plusgiro(String);

impl Plusgiro {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let d = digits(raw)?;
        if !(2..=8).contains(&d.len()) {
            return Err(Invalid::Length { expected: "2–8" });
        }
        if !luhn_valid(&d) {
            return Err(Invalid::CheckDigit);
        }
        Ok(Self(to_string(&d)))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Plusgiro {
    /// `28 65 43-4`: pairs from the right, the check digit after a hyphen.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (body, check) = self.0.split_at(self.0.len() - 1);
        let first = body.len() % 2;
        let mut groups: Vec<&str> = Vec::new();
        if first == 1 {
            groups.push(&body[..1]);
        }
        let mut i = first;
        while i < body.len() {
            groups.push(&body[i..i + 2]);
            i += 2;
        }
        write!(f, "{}-{check}", groups.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::check_digits::digit_string;
    use super::super::check_digits::luhn_check_digit;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn giro_numbers() {
        let bg = Bankgiro::parse("5050-1055").unwrap();
        assert_eq!(bg.to_string(), "5050-1055");
        assert_eq!(bg.digits(), "50501055");
        assert_eq!(Bankgiro::parse("5050-1056"), Err(Invalid::CheckDigit));
        assert_eq!(
            Bankgiro::parse("505"),
            Err(Invalid::Length { expected: "7–8" })
        );
        let pg = Plusgiro::parse("28 65 43-4").unwrap();
        assert_eq!(pg.to_string(), "28 65 43-4");
        assert_eq!(Plusgiro::parse("4-1").unwrap_err(), Invalid::CheckDigit);
        assert_eq!(
            Plusgiro::parse("90 00 00-1").unwrap().to_string(),
            "90 00 00-1"
        );
        assert_eq!(
            Plusgiro::parse("1234566").unwrap().to_string(),
            "12 34 56-6"
        );
        assert_eq!(Plusgiro::parse("123455").unwrap().to_string(), "1 23 45-5");
    }

    proptest! {
        #[test]
        fn giro_numbers_roundtrip_through_display(payload in digit_string(6, 7)) {
            let d = digits(&payload).unwrap();
            let raw = format!("{payload}{}", luhn_check_digit(&d));
            let bg = Bankgiro::parse(&raw).unwrap();
            prop_assert_eq!(Bankgiro::parse(&bg.to_string()).unwrap(), bg);
            let pg = Plusgiro::parse(&raw).unwrap();
            prop_assert_eq!(Plusgiro::parse(&pg.to_string()).unwrap(), pg);
        }

    }
}
