//! Invoice numbers in their series and the payment references (OCR, KID) made from them.

use crate::domain::documents::PaymentReference;
use crate::domain::{Invalid, Kid, KidMethod, OcrReference};

/// A number in a series: prefix + year + sequence, e.g. `NAV-2026-0001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvoiceNumber {
    pub prefix: String,
    pub year: i32,
    pub sequence: i64,
}

impl std::fmt::Display for InvoiceNumber {
    /// The sequence is zero-padded to at least 4 digits (12345 prints as 12345). An empty
    /// prefix prints no leading hyphen: `2026-0001`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.prefix.is_empty() {
            write!(f, "{}-", self.prefix)?;
        }
        write!(f, "{}-{:04}", self.year, self.sequence)
    }
}

/// The OCR/KID base for an invoice: the year (4 digits) and the sequence zero-padded to 6
/// digits, e.g. 2026, 1 → `2026000001`. Unique per organisation as long as there is one
/// invoice series with payment references. Both must be non-negative (a minus sign would be
/// read as a separator and dropped, so the base would no longer be unique); sequences past
/// 999 999 simply make the base longer.
pub fn reference_base(year: i32, sequence: i64) -> String {
    format!("{year:04}{sequence:06}")
}

vocabulary! {
    /// How the payee's bank checks payment references.
    ReferenceScheme {
        Ocr = "ocr",
        KidMod10 = "kid_mod10",
        KidMod11 = "kid_mod11",
    }
}

/// The payment reference for `base`: an OCR number with length digit and Luhn check digit
/// for Swedish payees (bankgiro with length check), a KID with a mod 10 or mod 11 check
/// digit for Norwegian ones.
///
/// Errors only on input no reference can be made from: a base that is not digits or is too
/// long, and — under KID mod 11 — a base whose check digit would be 10, which no KID can
/// carry (about one base in eleven; `Invalid::CheckDigit`). The caller must then skip that
/// sequence number for the reference or let the payee use mod 10; nothing here substitutes
/// a different base silently, since the bank would not find the invoice by it.
pub fn payment_reference(scheme: ReferenceScheme, base: &str) -> Result<PaymentReference, Invalid> {
    Ok(match scheme {
        ReferenceScheme::Ocr => {
            PaymentReference::Ocr(OcrReference::generate(base, true)?.as_str().to_owned())
        }
        ReferenceScheme::KidMod10 => {
            PaymentReference::Kid(Kid::generate(base, KidMethod::Mod10)?.as_str().to_owned())
        }
        ReferenceScheme::KidMod11 => {
            PaymentReference::Kid(Kid::generate(base, KidMethod::Mod11)?.as_str().to_owned())
        }
    })
}

/// The payment reference of an invoice, of one length for every invoice of a scheme (a
/// bank registers the length of a KID agreement, and a payer's app checks it). A KID mod 11
/// has no check digit for about one base in eleven, and numbers may not be skipped: so
/// every mod 11 base carries one more digit, 0 unless the check needs another.
pub fn invoice_reference(
    scheme: ReferenceScheme,
    year: i32,
    sequence: i64,
) -> Option<PaymentReference> {
    let base = reference_base(year, sequence);
    match scheme {
        ReferenceScheme::KidMod11 => {
            (0..10).find_map(|d| payment_reference(scheme, &format!("{base}{d}")).ok())
        }
        _ => payment_reference(scheme, &base).ok(),
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn invoice_numbers_print_with_a_padded_sequence() {
        let number = |prefix: &str, year, sequence| {
            InvoiceNumber {
                prefix: prefix.into(),
                year,
                sequence,
            }
            .to_string()
        };
        assert_eq!(number("NAV", 2026, 1), "NAV-2026-0001");
        assert_eq!(number("NAV", 2026, 999), "NAV-2026-0999");
        assert_eq!(number("NAV", 2026, 9999), "NAV-2026-9999");
        assert_eq!(number("NAV", 2026, 12345), "NAV-2026-12345");
        assert_eq!(number("", 2026, 7), "2026-0007");
    }

    #[test]
    fn reference_bases_are_year_and_six_digit_sequence() {
        assert_eq!(reference_base(2026, 1), "2026000001");
        assert_eq!(reference_base(2024, 123), "2024000123");
        assert_eq!(reference_base(2026, 999_999), "2026999999");
        assert_eq!(reference_base(2026, 1_234_567), "20261234567");
    }

    #[test]
    fn payment_references_from_the_domain_vectors() {
        let ocr = payment_reference(ReferenceScheme::Ocr, "2024000123").unwrap();
        assert_eq!(ocr, PaymentReference::Ocr("202400012326".into()));
        assert!(
            OcrReference::parse(ocr.as_str())
                .unwrap()
                .has_length_digit()
        );
        assert_eq!(
            payment_reference(ReferenceScheme::KidMod10, "1234").unwrap(),
            PaymentReference::Kid("12344".into())
        );
        assert_eq!(
            payment_reference(ReferenceScheme::KidMod11, "1234").unwrap(),
            PaymentReference::Kid("12343".into())
        );
        let base = reference_base(2024, 123);
        assert_eq!(
            payment_reference(ReferenceScheme::Ocr, &base)
                .unwrap()
                .as_str(),
            "202400012326"
        );
    }

    #[test]
    fn kid_mod11_with_check_digit_ten_is_refused() {
        // 2026000003, weights 2..7 from the right: 3·2 + 6·2 + 2·3 + 2·5 = 34; 34 mod 11 = 1;
        // 11 − 1 = 10, which no KID digit can hold.
        let base = reference_base(2026, 3);
        assert_eq!(
            payment_reference(ReferenceScheme::KidMod11, &base),
            Err(Invalid::CheckDigit)
        );
        // The same base is fine under mod 10 and as OCR.
        assert!(payment_reference(ReferenceScheme::KidMod10, &base).is_ok());
        assert!(payment_reference(ReferenceScheme::Ocr, &base).is_ok());
        // The neighbours have a mod 11 KID.
        let next = payment_reference(ReferenceScheme::KidMod11, &reference_base(2026, 4)).unwrap();
        assert!(Kid::parse(next.as_str(), KidMethod::Mod11).is_ok());
    }

    #[test]
    fn impossible_bases_are_refused() {
        for scheme in ReferenceScheme::ALL {
            assert_eq!(payment_reference(*scheme, ""), Err(Invalid::Empty));
            assert_eq!(payment_reference(*scheme, "12a4"), Err(Invalid::DigitsOnly));
            assert!(payment_reference(*scheme, &"1".repeat(25)).is_err());
        }
    }

    proptest::proptest! {
        /// Within a scheme every invoice's reference has the same length, and each is valid.
        #[test]
        fn references_have_one_length_per_scheme(sequence in 1_i64..=999_999, year in 2020_i32..2100) {
            for (scheme, len) in [
                (ReferenceScheme::Ocr, 12),
                (ReferenceScheme::KidMod10, 11),
                (ReferenceScheme::KidMod11, 12),
            ] {
                let r = invoice_reference(scheme, year, sequence);
                proptest::prop_assert!(r.is_some(), "{:?} {}", scheme, sequence);
                let r = r.unwrap_or(PaymentReference::Kid(String::new()));
                proptest::prop_assert_eq!(r.as_str().len(), len, "{:?} {}", scheme, sequence);
            }
        }
    }
}
