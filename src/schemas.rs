//! The OpenAPI schemas of values the API spells one way: the words of the domain's closed
//! vocabularies, and amounts and other decimals written as strings. Each is a component of
//! its own that request and response types refer to with `#[schema(value_type = …)]`, and
//! takes its words from the code that parses them, so the document cannot drift from it.

use utoipa::openapi::schema::ObjectBuilder;
use utoipa::openapi::schema::Type;

use crate::domain;

/// Declares a string schema named `$name` in the document; its doc comment is the
/// schema's description.
macro_rules! string_schema {
    ($(#[doc = $doc:literal])+ $name:ident => $build:expr) => {
        $(#[doc = $doc])+
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let description = [$($doc),+].map(str::trim).join(" ");
                let object: utoipa::openapi::schema::Object =
                    $build.description(Some(description)).build();
                utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(object))
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}
pub(crate) use string_schema;

/// A string that is one of `values`.
pub fn words(values: &[&str]) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
}

/// A decimal written as a string, in the canonical form the API answers with; requests may
/// also write `,` for the decimal point.
fn decimal(pattern: &str, example: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .examples([example])
}

string_schema!(/// ISO 3166-1 alpha-2.
    Country => words(domain::Country::NAMES));
string_schema!(/// sv, nb or en.
    Language => words(domain::Language::NAMES));
string_schema!(/// ISO 4217.
    Currency => words(domain::Currency::NAMES));
string_schema!(/// What a token may do.
    Role => words(domain::Role::NAMES));
string_schema!(/// What kind of body a member is.
    MemberKind => words(domain::MemberKind::NAMES));
string_schema!(/// Whether a member is one, may become one, or was one.
    MemberStatus => words(domain::MemberStatus::NAMES));
string_schema!(/// Whether the organisation is registered for VAT.
    VatStatus => words(domain::VatStatus::NAMES));
string_schema!(/// Where an agreement is in its lifecycle.
    AgreementStatus => words(domain::agreement::AgreementStatus::NAMES));
string_schema!(/// How joining or leaving during a fee year is paid.
    ProRata => words(domain::contribution::ProRata::NAMES));
string_schema!(/// The unit a service is priced in.
    Unit => words(domain::contribution::Unit::NAMES));
string_schema!(/// How VAT applies: outside its scope, exempt (with a reason), reverse-charged,
    /// or a rate in percent.
    Vat => words(domain::contribution::VatTreatment::NAMES));
string_schema!(/// How often the fixed part is invoiced.
    Schedule => words(domain::invoicing::Schedule::NAMES));
string_schema!(/// When the variable part is invoiced: with the instalment, or after the period.
    VariableBilling => words(domain::invoicing::VariableBilling::NAMES));
string_schema!(/// How payment references are made: Swedish OCR, or Norwegian KID.
    ReferenceScheme => words(domain::invoicing::ReferenceScheme::NAMES));
string_schema!(/// Where an invoice is: a draft, issued, paid, …
    InvoiceStatus => words(domain::invoicing::InvoiceStatus::NAMES));
string_schema!(/// The kind of a document.
    DocumentKind => words(domain::documents::DocumentKind::NAMES));
string_schema!(/// How a rounding rounds.
    RoundingMode => words(domain::money::RoundingMode::NAMES));
string_schema!(/// A non-negative amount: digits, and at most two decimals.
    Amount => decimal(r"^[0-9]{1,15}([.,][0-9]{1,2})?$", "12500.00"));
string_schema!(/// An amount that may be negative: digits, and at most two decimals.
    SignedAmount => decimal(r"^-?[0-9]{1,15}([.,][0-9]{1,2})?$", "-1200.00"));
string_schema!(/// A non-negative decimal number: a quantity, a rate.
    Decimal => decimal(r"^[0-9]{1,15}([.,][0-9]{1,10})?$", "28.50"));
string_schema!(/// A decimal number that may be negative.
    SignedDecimal => decimal(r"^-?[0-9]{1,15}([.,][0-9]{1,10})?$", "-2"));
string_schema!(/// A percentage from 0 to 100.
    Percent => decimal(r"^(100([.,]0{1,10})?|[0-9]{1,2}([.,][0-9]{1,10})?)$", "40"));
