//! Free text and small structured values: names, addresses, postal codes, phone numbers.

use crate::domain::{Country, Invalid};

/// Trimmed, non-empty text of at most `max` characters.
/// A date written YYYY-MM-DD.
pub fn iso_date(raw: &str) -> Result<chrono::NaiveDate, Invalid> {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| Invalid::Format {
        expected: "ÅÅÅÅ-MM-DD",
    })
}

pub fn text(raw: &str, max: usize) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Invalid::Empty);
    }
    if t.chars().count() > max {
        return Err(Invalid::TooLong { max });
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(Invalid::Format {
            expected: "text utan styrtecken",
        });
    }
    Ok(t.to_owned())
}

/// A code as price lists and agreements write them: letters, digits, `-` and `_`, so that
/// it survives every export and invoice field.
pub fn code(raw: &str, max: usize) -> Result<String, Invalid> {
    let c = raw.trim();
    let ok = !c.is_empty()
        && c.len() <= max
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(c.to_owned())
    } else {
        Err(Invalid::Format {
            expected: "A–Z, 0–9, - eller _",
        })
    }
}

pub const NAME_MAX: usize = 200;
pub const LINE_MAX: usize = 200;

/// A postal code in the form its country writes it: `503 38` in Sweden, `1606` in Norway.
pub fn postal_code(country: Country, raw: &str) -> Result<String, Invalid> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::DigitsOnly);
    }
    match country {
        Country::Se if digits.len() == 5 => Ok(format!("{} {}", &digits[..3], &digits[3..])),
        Country::Se => Err(Invalid::Length { expected: "5" }),
        Country::No if digits.len() == 4 => Ok(digits),
        Country::No => Err(Invalid::Length { expected: "4" }),
    }
}

/// A telephone number as people write it: digits with spaces, hyphens, parentheses and an
/// optional leading `+`.
pub fn phone(raw: &str) -> Result<String, Invalid> {
    let t = raw.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let allowed = t
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0));
    if !allowed || !(5..=20).contains(&digits) {
        return Err(Invalid::Format {
            expected: "telefonnummer, t.ex. +46 33 35 70 00",
        });
    }
    Ok(t.to_owned())
}

/// A postal address as it is printed on a letter or invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub postal_code: String,
    pub city: String,
    pub country: Country,
}

/// Lower-cased text for case-insensitive search that also folds å, ä, ö, æ, ø.
pub fn search_key(raw: &str) -> String {
    raw.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(text("  Borås  ", 10), Ok("Borås".into()));
        assert_eq!(text("   ", 10), Err(Invalid::Empty));
        assert_eq!(text("Åååå", 3), Err(Invalid::TooLong { max: 3 }));
        assert!(text("a\u{0}b", 10).is_err());
    }

    #[test]
    fn postal_codes() {
        assert_eq!(postal_code(Country::Se, "50338"), Ok("503 38".into()));
        assert_eq!(postal_code(Country::Se, "503 38"), Ok("503 38".into()));
        assert_eq!(postal_code(Country::No, "1606"), Ok("1606".into()));
        assert!(postal_code(Country::No, "50338").is_err());
        assert!(postal_code(Country::Se, "5O338").is_err());
    }

    #[test]
    fn phones() {
        assert!(phone("+46 33-35 70 00").is_ok());
        assert!(phone("033-357000").is_ok());
        assert!(phone("12").is_err());
        assert!(phone("0733+123456").is_err());
        assert!(phone("ring mig").is_err());
    }

    #[test]
    fn search_keys_fold_nordic_letters() {
        assert_eq!(search_key("ÅRE"), "åre");
        assert_eq!(search_key("Ørland"), "ørland");
    }
}
