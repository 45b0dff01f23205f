//! Norwegian bank account numbers (kontonummer).

use std::fmt;

use super::check_digits::{digits, to_string};
use crate::domain::Invalid;

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    proptest! {
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

    }
}
