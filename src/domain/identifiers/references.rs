//! Payment references: the Swedish OCR number and the Norwegian KID.

use std::fmt;

use super::check_digits::{digits, luhn_check_digit, luhn_valid, mod11_check_digit, to_string};
use crate::domain::Invalid;

/// A Swedish OCR payment reference: 2–25 digits, the last a Luhn check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OcrReference(String);

impl OcrReference {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let d = digits(raw)?;
        if !(2..=25).contains(&d.len()) {
            return Err(Invalid::Length { expected: "2–25" });
        }
        if !luhn_valid(&d) {
            return Err(Invalid::CheckDigit);
        }
        Ok(Self(to_string(&d)))
    }

    /// Builds the reference for `base`, optionally with a length digit (total length mod 10)
    /// before the check digit, as banks use when the bankgiro checks length.
    pub fn generate(base: &str, with_length_digit: bool) -> Result<Self, Invalid> {
        let mut d = digits(base)?;
        let total = d.len() + 1 + usize::from(with_length_digit);
        if total > 25 {
            return Err(Invalid::Length { expected: "1–23" });
        }
        if with_length_digit {
            d.push((total % 10) as u8);
        }
        d.push(luhn_check_digit(&d));
        Ok(Self(to_string(&d)))
    }

    /// Whether the digit before the check digit states the length (mod 10).
    pub fn has_length_digit(&self) -> bool {
        let b = self.0.as_bytes();
        b.len() >= 3 && usize::from(b[b.len() - 2] - b'0') == b.len() % 10
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OcrReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a Norwegian KID's check digit is computed; each payee agrees one with its bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KidMethod {
    Mod10,
    Mod11,
}

/// A Norwegian KID payment reference: 2–25 digits with a mod 10 or mod 11 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kid(String);

impl Kid {
    pub fn parse(raw: &str, method: KidMethod) -> Result<Self, Invalid> {
        let d = digits(raw)?;
        if !(2..=25).contains(&d.len()) {
            return Err(Invalid::Length { expected: "2–25" });
        }
        let (check, payload) = d.split_last().ok_or(Invalid::Empty)?;
        let expected = match method {
            KidMethod::Mod10 => Some(luhn_check_digit(payload)),
            KidMethod::Mod11 => mod11_check_digit(payload),
        };
        if expected != Some(*check) {
            return Err(Invalid::CheckDigit);
        }
        Ok(Self(to_string(&d)))
    }

    /// Appends the check digit to `base`. Under mod 11 some bases have no valid check digit
    /// (remainder 10); the caller must then choose another base.
    pub fn generate(base: &str, method: KidMethod) -> Result<Self, Invalid> {
        let mut d = digits(base)?;
        if d.len() > 24 {
            return Err(Invalid::Length { expected: "1–24" });
        }
        let check = match method {
            KidMethod::Mod10 => luhn_check_digit(&d),
            KidMethod::Mod11 => mod11_check_digit(&d).ok_or(Invalid::CheckDigit)?,
        };
        d.push(check);
        Ok(Self(to_string(&d)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::check_digits::digit_string;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ocr_from_the_domain_vector() {
        let ocr = OcrReference::generate("2024000123", true).unwrap();
        assert_eq!(ocr.as_str(), "202400012326");
        assert!(ocr.has_length_digit());
        assert_eq!(OcrReference::parse("202400012326").unwrap(), ocr);
        assert_eq!(
            OcrReference::parse("202400012327"),
            Err(Invalid::CheckDigit)
        );
        assert_eq!(
            OcrReference::parse("1"),
            Err(Invalid::Length { expected: "2–25" })
        );
        assert!(OcrReference::generate("1234567890123456789012345", false).is_err());
    }

    #[test]
    fn kid_from_the_domain_vectors() {
        assert_eq!(
            Kid::generate("1234", KidMethod::Mod10).unwrap().as_str(),
            "12344"
        );
        assert_eq!(
            Kid::generate("1234", KidMethod::Mod11).unwrap().as_str(),
            "12343"
        );
        assert!(Kid::parse("12344", KidMethod::Mod10).is_ok());
        assert!(Kid::parse("12343", KidMethod::Mod11).is_ok());
        assert_eq!(
            Kid::parse("12343", KidMethod::Mod10),
            Err(Invalid::CheckDigit)
        );
    }

    proptest! {
        #[test]
        fn generated_ocr_always_parses(base in digit_string(1, 22), len_digit: bool) {
            let ocr = OcrReference::generate(&base, len_digit).unwrap();
            prop_assert_eq!(OcrReference::parse(ocr.as_str()).unwrap(), ocr.clone());
            prop_assert!(ocr.as_str().starts_with(&base));
            if len_digit {
                prop_assert!(ocr.has_length_digit());
            }
        }

        #[test]
        fn luhn_catches_every_single_digit_error(base in digit_string(1, 24), pos in any::<prop::sample::Index>(), delta in 1u8..10) {
            let ocr = OcrReference::generate(&base, false).unwrap();
            let mut d = digits(ocr.as_str()).unwrap();
            let i = pos.index(d.len());
            d[i] = (d[i] + delta) % 10;
            prop_assert!(!luhn_valid(&d));
        }

        #[test]
        fn kid_roundtrips(base in digit_string(1, 24)) {
            let k10 = Kid::generate(&base, KidMethod::Mod10).unwrap();
            prop_assert!(Kid::parse(k10.as_str(), KidMethod::Mod10).is_ok());
            if let Ok(k11) = Kid::generate(&base, KidMethod::Mod11) {
                prop_assert!(Kid::parse(k11.as_str(), KidMethod::Mod11).is_ok());
            }
        }

        #[test]
        fn mod11_catches_every_single_digit_error(base in digit_string(1, 24), pos in any::<prop::sample::Index>(), delta in 1u8..10) {
            if let Ok(kid) = Kid::generate(&base, KidMethod::Mod11) {
                let mut d = digits(kid.as_str()).unwrap();
                let i = pos.index(d.len());
                d[i] = (d[i] + delta) % 10;
                prop_assert!(Kid::parse(&to_string(&d), KidMethod::Mod11).is_err());
            }
        }

    }
}
