//! Identifiers that carry their own check: organisation and VAT numbers, giro accounts,
//! payment references (OCR, KID), Peppol addresses. Each parses once, at the boundary,
//! into a type that can only hold a valid value.

mod check_digits;
mod email;
mod giro;
mod iban;
mod kontonummer;
mod municipality_code;
mod org_number;
mod peppol;
mod references;
mod vat_number;

pub use check_digits::{luhn_check_digit, luhn_valid, mod11_check_digit};
pub use email::Email;
pub use giro::{Bankgiro, Plusgiro};
pub use iban::{Bic, Iban};
pub use kontonummer::Kontonummer;
pub use municipality_code::MunicipalityCode;
pub use org_number::OrgNumber;
pub use peppol::PeppolEndpoint;
pub use references::{Kid, KidMethod, OcrReference};
pub use vat_number::VatNumber;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Country, Invalid};
    use proptest::prelude::*;

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

    proptest! {
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
