//! The pure core of avtal: values and rules with no I/O. Nothing here knows about HTTP,
//! databases, mail or PDF.

#[macro_use]
mod vocabulary;

pub mod agreement;
pub mod bank_files;
mod conflict;
pub mod contribution;
pub mod documents;
mod identifiers;
mod invalid;
pub mod invoicing;
mod kinds;
pub mod mail_sender;
pub mod member;
pub mod money;
pub mod organisation;
pub mod payments;
#[cfg(test)]
pub(crate) mod test_support;
mod text;
pub mod webhooks;

pub use conflict::StateConflict;
pub use identifiers::{
    Bankgiro, Bic, Email, Iban, Kid, KidMethod, Kontonummer, MunicipalityCode, OcrReference,
    OrgNumber, PeppolEndpoint, Plusgiro, VatNumber, luhn_check_digit, luhn_valid,
    mod11_check_digit,
};
pub use invalid::{Errors, FieldError, Invalid};
pub use kinds::{Country, Currency, Language, MemberKind, MemberStatus, Role, VatStatus};
pub use text::{Address, LINE_MAX, NAME_MAX, code, iso_date, phone, postal_code, search_key, text};
