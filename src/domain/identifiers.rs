//! Identifiers that carry their own check: organisation and VAT numbers, giro accounts,
//! payment references (OCR, KID), Peppol addresses. Each parses once, at the boundary,
//! into a type that can only hold a valid value.

use std::fmt;

use crate::domain::{Country, Invalid};

/// The decimal digits of `raw`, ignoring the separators people write (space, no-break
/// space, hyphen, plus). Anything else is rejected.
fn digits(raw: &str) -> Result<Vec<u8>, Invalid> {
    let mut out = Vec::with_capacity(raw.len());
    for c in raw.trim().chars() {
        match c {
            '0'..='9' => out.push(c as u8 - b'0'),
            ' ' | '\u{a0}' | '\u{202f}' | '-' | '+' => {}
            _ => return Err(Invalid::DigitsOnly),
        }
    }
    if out.is_empty() {
        return Err(Invalid::Empty);
    }
    Ok(out)
}

fn to_string(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// The Luhn (mod 10) check digit for `payload`: doubling every second digit from the right.
pub fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Whether the last digit is the Luhn check digit of the rest.
pub fn luhn_valid(digits: &[u8]) -> bool {
    match digits.split_last() {
        Some((&check, payload)) if !payload.is_empty() => luhn_check_digit(payload) == check,
        _ => false,
    }
}

/// Mod 11 check digit with weights cycling 2, 3, 4, 5, 6, 7 from the right (Norwegian KID).
/// `None` when the remainder makes the check digit 10, which no valid number can carry.
pub fn mod11_check_digit(payload: &[u8]) -> Option<u8> {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * (2 + (i as u32 % 6)))
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        d => Some(d as u8),
    }
}

/// Norwegian organisasjonsnummer check digit: weights 3, 2, 7, 6, 5, 4, 3, 2.
fn no_org_check_digit(payload: &[u8; 8]) -> Option<u8> {
    const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = payload
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        d => Some(d as u8),
    }
}

/// A legal entity's registration number: Swedish organisationsnummer (10 digits, Luhn,
/// third digit ≥ 2) or Norwegian organisasjonsnummer (9 digits, mod 11).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgNumber {
    country: Country,
    digits: String,
}

impl OrgNumber {
    pub fn parse(country: Country, raw: &str) -> Result<Self, Invalid> {
        let d = digits(raw)?;
        match country {
            Country::Se => {
                if d.len() != 10 {
                    return Err(Invalid::Length { expected: "10" });
                }
                if !luhn_valid(&d) {
                    return Err(Invalid::CheckDigit);
                }
                if d[2] < 2 {
                    return Err(Invalid::ThirdDigit);
                }
            }
            Country::No => {
                let payload: [u8; 8] = match d.as_slice() {
                    [payload @ .., _] if d.len() == 9 => {
                        let mut p = [0u8; 8];
                        p.copy_from_slice(payload);
                        p
                    }
                    _ => return Err(Invalid::Length { expected: "9" }),
                };
                if no_org_check_digit(&payload) != Some(d[8]) {
                    return Err(Invalid::CheckDigit);
                }
            }
        }
        Ok(Self {
            country,
            digits: to_string(&d),
        })
    }

    pub fn country(&self) -> Country {
        self.country
    }

    /// The bare digits, as registries and Peppol addresses use them.
    pub fn digits(&self) -> &str {
        &self.digits
    }
}

impl fmt::Display for OrgNumber {
    /// `212000-1561` in Sweden, `123 456 785` in Norway.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.digits;
        match self.country {
            Country::Se => write!(f, "{}-{}", &d[..6], &d[6..]),
            Country::No => write!(f, "{} {} {}", &d[..3], &d[3..6], &d[6..]),
        }
    }
}

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

/// The check digit of a Norwegian bank account number's first ten digits: weights 5, 4, 3,
/// 2, 7, 6, 5, 4, 3, 2, and 11 minus the remainder mod 11. `None` for remainder 1, which
/// would need a check digit of 10: no account number has that payload.
fn kontonummer_check_digit(payload: &[u8; 10]) -> Option<u8> {
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = payload
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    match sum % 11 {
        0 => Some(0),
        1 => None,
        r => Some((11 - r) as u8),
    }
}

/// A Norwegian bank account number (kontonummer): 11 digits, the last a mod 11 check digit;
/// printed `NNNN.NN.NNNNN`. Norwegian payers pay NOK to it from any bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kontonummer(String);

impl Kontonummer {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        // Written with dots as often as with spaces.
        let d = digits(&raw.replace('.', " "))?;
        let payload: [u8; 10] = match d.as_slice() {
            [payload @ .., _] if d.len() == 11 => {
                let mut p = [0u8; 10];
                p.copy_from_slice(payload);
                p
            }
            _ => return Err(Invalid::Length { expected: "11" }),
        };
        if kontonummer_check_digit(&payload) != Some(d[10]) {
            return Err(Invalid::CheckDigit);
        }
        Ok(Self(to_string(&d)))
    }

    /// The bare 11 digits, as payment files and e-invoices carry them.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Kontonummer {
    /// `1234.56.78903`: bank, account group, account and check digit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        write!(f, "{}.{}.{}", &d[..4], &d[4..6], &d[6..])
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn swedish_org_numbers_from_the_domain_vectors() {
        let borås = OrgNumber::parse(Country::Se, "212000-1561").unwrap();
        assert_eq!(borås.to_string(), "212000-1561");
        assert_eq!(borås.digits(), "2120001561");
        assert_eq!(OrgNumber::parse(Country::Se, "2120001561").unwrap(), borås);
        assert_eq!(
            OrgNumber::parse(Country::Se, "212000-1562"),
            Err(Invalid::CheckDigit)
        );
        assert_eq!(
            OrgNumber::parse(Country::Se, "21200015"),
            Err(Invalid::Length { expected: "10" })
        );
        assert_eq!(
            OrgNumber::parse(Country::Se, "2120OO1561"),
            Err(Invalid::DigitsOnly)
        );
        assert_eq!(OrgNumber::parse(Country::Se, ""), Err(Invalid::Empty));
        // A personnummer passes Luhn but is not a legal entity's number.
        assert_eq!(
            OrgNumber::parse(Country::Se, "811218-9876"),
            Err(Invalid::ThirdDigit)
        );
    }

    #[test]
    fn every_shipped_municipality_org_number_is_valid() {
        for n in [
            "212000-0142",
            "212000-1355",
            "212000-1124",
            "212000-3005",
            "212000-0449",
            "212000-0456",
            "212000-2080",
            "212000-1967",
            "212000-1157",
            "212000-2627",
            "212000-0530",
            "212000-1561",
        ] {
            assert!(OrgNumber::parse(Country::Se, n).is_ok(), "{n}");
        }
    }

    #[test]
    fn norwegian_org_numbers_from_the_domain_vectors() {
        assert_eq!(no_org_check_digit(&[1, 2, 3, 4, 5, 6, 7, 8]), Some(5));
        let n = OrgNumber::parse(Country::No, "123456785").unwrap();
        assert_eq!(n.to_string(), "123 456 785");
        assert_eq!(
            OrgNumber::parse(Country::No, "123456784"),
            Err(Invalid::CheckDigit)
        );
        assert_eq!(
            OrgNumber::parse(Country::No, "940039541").unwrap().digits(),
            "940039541"
        );
        assert_eq!(
            OrgNumber::parse(Country::No, "2120001561"),
            Err(Invalid::Length { expected: "9" })
        );
    }

    #[test]
    fn norwegian_remainder_ten_is_never_valid() {
        // 00000010: 1*3... find a payload whose check digit would be 10 and show none passes.
        let payload = (0..100_000_000u32)
            .step_by(7919)
            .map(|n| {
                let s = format!("{n:08}");
                let mut p = [0u8; 8];
                for (i, b) in s.bytes().enumerate() {
                    p[i] = b - b'0';
                }
                p
            })
            .find(|p| no_org_check_digit(p).is_none())
            .unwrap();
        for check in 0..10u8 {
            let candidate: String = payload
                .iter()
                .chain(std::iter::once(&check))
                .map(|d| char::from(b'0' + d))
                .collect();
            assert!(OrgNumber::parse(Country::No, &candidate).is_err());
        }
    }

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

    #[test]
    fn norwegian_account_numbers() {
        // 1·5 + 2·4 + 3·3 + 4·2 + 5·7 + 6·6 + 7·5 + 8·4 + 9·3 + 0·2 = 195; 195 mod 11 = 8.
        assert_eq!(
            kontonummer_check_digit(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0]),
            Some(3)
        );
        let k = Kontonummer::parse("1234.56.78903").unwrap();
        assert_eq!(k.digits(), "12345678903");
        assert_eq!(k.to_string(), "1234.56.78903");
        assert_eq!(Kontonummer::parse("1234 56 78903").unwrap(), k);
        assert_eq!(Kontonummer::parse("12345678903").unwrap(), k);
        assert_eq!(
            Kontonummer::parse("1234.56.78904"),
            Err(Invalid::CheckDigit)
        );
        assert_eq!(
            Kontonummer::parse("1234.56.7890"),
            Err(Invalid::Length { expected: "11" })
        );
        assert_eq!(
            Kontonummer::parse("1234,56,78903"),
            Err(Invalid::DigitsOnly)
        );
        // Remainder 0: the check digit is 0 (5·2 + 4·3 ... = 11·k).
        let zero = (0..10_000_000_000u64)
            .step_by(104_729)
            .map(|n| {
                let mut p = [0u8; 10];
                for (i, b) in format!("{n:010}").bytes().enumerate() {
                    p[i] = b - b'0';
                }
                p
            })
            .find(|p| kontonummer_check_digit(p) == Some(0))
            .unwrap();
        assert!(Kontonummer::parse(&format!("{}0", to_string(&zero))).is_ok());
    }

    #[test]
    fn a_kontonummer_whose_remainder_is_one_has_no_check_digit() {
        let payload = (0..10_000_000_000u64)
            .step_by(104_729)
            .map(|n| {
                let mut p = [0u8; 10];
                for (i, b) in format!("{n:010}").bytes().enumerate() {
                    p[i] = b - b'0';
                }
                p
            })
            .find(|p| kontonummer_check_digit(p).is_none())
            .unwrap();
        for check in 0..10u8 {
            let candidate = format!("{}{check}", to_string(&payload));
            assert_eq!(Kontonummer::parse(&candidate), Err(Invalid::CheckDigit));
        }
    }

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

    #[test]
    fn bank_accounts_and_email() {
        assert_eq!(
            Iban::parse("SE45 5000 0000 0583 9825 7466")
                .unwrap()
                .as_str(),
            "SE4550000000058398257466"
        );
        assert_eq!(
            Iban::parse("SE45 5000 0000 0583 9825 7467"),
            Err(Invalid::CheckDigit)
        );
        assert!(Iban::parse("hello").is_err());
        assert_eq!(Bic::parse("essesess").unwrap().as_str(), "ESSESESS");
        assert!(Bic::parse("ESSESE").is_err());
        assert!(Email::parse("ekonomi@boras.se").is_ok());
        assert!(Email::parse("ekonomi@boras").is_err());
        assert!(Email::parse("not an email").is_err());
    }

    fn digit_string(min: usize, max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(0u8..10, min..=max).prop_map(|d| to_string(&d))
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

        #[test]
        fn norwegian_org_numbers_roundtrip(payload in proptest::array::uniform8(0u8..10)) {
            let s = to_string(&payload);
            match no_org_check_digit(&payload) {
                Some(c) => {
                    let n = OrgNumber::parse(Country::No, &format!("{s}{c}")).unwrap();
                    prop_assert_eq!(n.digits(), format!("{s}{c}"));
                }
                None => {
                    for c in 0..10 {
                        let candidate = format!("{s}{c}");
                        prop_assert!(OrgNumber::parse(Country::No, &candidate).is_err());
                    }
                }
            }
        }

        #[test]
        fn swedish_org_numbers_roundtrip(payload in digit_string(9, 9)) {
            let d = digits(&payload).unwrap();
            let check = luhn_check_digit(&d);
            let raw = format!("{payload}{check}");
            let parsed = OrgNumber::parse(Country::Se, &raw);
            if d[2] >= 2 {
                let n = parsed.unwrap();
                prop_assert_eq!(OrgNumber::parse(Country::Se, &n.to_string()).unwrap(), n);
            } else {
                prop_assert_eq!(parsed, Err(Invalid::ThirdDigit));
            }
        }

        #[test]
        fn giro_numbers_roundtrip_through_display(payload in digit_string(6, 7)) {
            let d = digits(&payload).unwrap();
            let raw = format!("{payload}{}", luhn_check_digit(&d));
            let bg = Bankgiro::parse(&raw).unwrap();
            prop_assert_eq!(Bankgiro::parse(&bg.to_string()).unwrap(), bg);
            let pg = Plusgiro::parse(&raw).unwrap();
            prop_assert_eq!(Plusgiro::parse(&pg.to_string()).unwrap(), pg);
        }

        #[test]
        fn a_kontonummer_with_one_digit_changed_is_refused(
            payload in proptest::array::uniform10(0u8..10),
            pos in 0usize..11,
            delta in 1u8..10,
        ) {
            if let Some(check) = kontonummer_check_digit(&payload) {
                let mut d: Vec<u8> = payload.to_vec();
                d.push(check);
                let valid = Kontonummer::parse(&to_string(&d)).unwrap();
                prop_assert_eq!(Kontonummer::parse(&valid.to_string()).unwrap(), valid);
                d[pos] = (d[pos] + delta) % 10;
                prop_assert!(Kontonummer::parse(&to_string(&d)).is_err());
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = OrgNumber::parse(Country::Se, &s);
            let _ = OrgNumber::parse(Country::No, &s);
            let _ = VatNumber::parse(Country::Se, &s);
            let _ = VatNumber::parse(Country::No, &s);
            let _ = Bankgiro::parse(&s);
            let _ = Plusgiro::parse(&s);
            let _ = OcrReference::parse(&s);
            let _ = Kid::parse(&s, KidMethod::Mod11);
            let _ = PeppolEndpoint::parse(&s);
            let _ = Iban::parse(&s);
            let _ = Kontonummer::parse(&s);
            let _ = Bic::parse(&s);
            let _ = Email::parse(&s);
            let _ = MunicipalityCode::parse(&s);
        }
    }
}
