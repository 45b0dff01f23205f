//! Digit strings and their check digits: Luhn (mod 10) and mod 11, which the
//! identifiers build on.

use crate::domain::Invalid;

/// The decimal digits of `raw`, ignoring the separators people write (space, no-break
/// space, hyphen, plus). Anything else is rejected.
pub(super) fn digits(raw: &str) -> Result<Vec<u8>, Invalid> {
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

pub(super) fn to_string(digits: &[u8]) -> String {
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

/// Strings of `min` to `max` decimal digits, for property tests.
#[cfg(test)]
pub(super) fn digit_string(
    min: usize,
    max: usize,
) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    proptest::collection::vec(0u8..10, min..=max).prop_map(|d| to_string(&d))
}
