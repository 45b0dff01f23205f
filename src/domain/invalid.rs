//! Why a value was rejected, in a form every boundary (HTTP, CLI, import) can report.

use crate::domain::Language;

/// The reason one input value could not be parsed. Each variant has a stable `code` that
/// clients may rely on, and a message in every language the product speaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Language::En))]
pub enum Invalid {
    Required,
    Empty,
    TooLong {
        max: usize,
    },
    DigitsOnly,
    Length {
        expected: &'static str,
    },
    CheckDigit,
    /// Swedish organisationsnummer: the third digit is at least 2 for legal entities.
    ThirdDigit,
    Format {
        expected: &'static str,
    },
    OneOf {
        allowed: &'static [&'static str],
    },
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// The value belongs to another country than the record it is given for.
    WrongCountry,
    /// The VAT number does not carry the organisation number it is given with.
    Mismatch {
        other: &'static str,
    },
    Email,
    /// Text with a NUL character, which no document or database can hold.
    NulCharacter,
    /// Text with another control character (tab and line breaks are text).
    ControlCharacter,
    /// An invoice whose lines add up to less than nothing: money back is a credit note.
    CreditNoteRequired,
    /// A field the request may not carry (often a misspelling).
    UnknownField,
    /// A JSON value of the wrong type, e.g. a number where text is expected.
    WrongType {
        detail: String,
    },
    /// The period shares days with another agreement of the same member.
    OverlapsAgreement,
    /// The identifier names no record the request may refer to.
    NoSuchRecord,
    /// A file that cannot be read: the line at fault (from 1; 0 for the whole file) and
    /// what is wrong there.
    Unreadable {
        line: usize,
        detail: String,
    },
    /// A document template that cannot be used; the message names the line and the
    /// placeholder, block or key at fault, in each language.
    Template {
        sv: String,
        nb: String,
        en: String,
    },
    /// A member has nobody to send this kind of message to; `wanted` names the recipient
    /// that would do, e.g. `invoice_email or contacts.receives_invoices`.
    NoRecipient {
        wanted: &'static str,
    },
    /// Lines outside the scope of VAT beside taxable or exempt ones on one invoice, which
    /// Peppol BIS Billing 3.0 forbids (BR-O-11).
    MixedVatScope,
    /// The organisation has no account that takes payments in the invoice's currency.
    NoAccount {
        currency: &'static str,
    },
    /// An account kind that only exists for one currency (a kontonummer takes NOK).
    OnlyFor {
        currency: &'static str,
    },
    /// An invoice in `currency` that charges VAT, and no rate of it in the organisation's
    /// `quote` currency on or before `on` to state the VAT in (ML 17 kap. 24 §).
    NoExchangeRate {
        currency: &'static str,
        quote: &'static str,
        on: chrono::NaiveDate,
    },
}

impl Invalid {
    /// One of each kind, for the list of field codes the API documents. A new variant
    /// stops [`Invalid::code`] compiling until it has a code; add it here too.
    pub fn samples() -> Vec<Invalid> {
        let text = String::new;
        vec![
            Invalid::Required,
            Invalid::Empty,
            Invalid::TooLong { max: 0 },
            Invalid::DigitsOnly,
            Invalid::Length { expected: "" },
            Invalid::CheckDigit,
            Invalid::ThirdDigit,
            Invalid::Format { expected: "" },
            Invalid::OneOf { allowed: &[] },
            Invalid::OutOfRange { min: 0, max: 0 },
            Invalid::WrongCountry,
            Invalid::Mismatch { other: "" },
            Invalid::Email,
            Invalid::NulCharacter,
            Invalid::ControlCharacter,
            Invalid::CreditNoteRequired,
            Invalid::UnknownField,
            Invalid::WrongType { detail: text() },
            Invalid::OverlapsAgreement,
            Invalid::NoSuchRecord,
            Invalid::Unreadable {
                line: 0,
                detail: text(),
            },
            Invalid::Template {
                sv: text(),
                nb: text(),
                en: text(),
            },
            Invalid::NoRecipient { wanted: "" },
            Invalid::MixedVatScope,
            Invalid::NoAccount { currency: "" },
            Invalid::OnlyFor { currency: "" },
            Invalid::NoExchangeRate {
                currency: "",
                quote: "",
                on: chrono::NaiveDate::MIN,
            },
        ]
    }

    pub fn code(&self) -> &'static str {
        match self {
            Invalid::Required => "required",
            Invalid::Empty => "empty",
            Invalid::TooLong { .. } => "too_long",
            Invalid::DigitsOnly => "digits_only",
            Invalid::Length { .. } => "length",
            Invalid::CheckDigit => "check_digit",
            Invalid::ThirdDigit => "third_digit",
            Invalid::Format { .. } => "format",
            Invalid::OneOf { .. } => "one_of",
            Invalid::OutOfRange { .. } => "out_of_range",
            Invalid::WrongCountry => "wrong_country",
            Invalid::Mismatch { .. } => "mismatch",
            Invalid::Email => "email",
            Invalid::NulCharacter => "nul_character",
            Invalid::ControlCharacter => "control_character",
            Invalid::CreditNoteRequired => "credit_note_required",
            Invalid::UnknownField => "unknown_field",
            Invalid::WrongType { .. } => "wrong_type",
            Invalid::OverlapsAgreement => "overlaps_agreement",
            Invalid::NoSuchRecord => "no_such_record",
            Invalid::Unreadable { .. } => "unreadable",
            Invalid::Template { .. } => "template",
            Invalid::NoRecipient { .. } => "no_recipient",
            Invalid::MixedVatScope => "mixed_vat_scope",
            Invalid::NoAccount { .. } => "no_account",
            Invalid::OnlyFor { .. } => "only_for_currency",
            Invalid::NoExchangeRate { .. } => "no_exchange_rate",
        }
    }

    /// The reason in the reader's language: one function per language, so that each lists
    /// every variant and a translator reads one language through.
    pub fn message(&self, lang: Language) -> String {
        match lang {
            Language::Sv => self.swedish(),
            Language::Nb => self.norwegian(),
            Language::En => self.english(),
        }
    }

    fn swedish(&self) -> String {
        match self {
            Invalid::Required => "måste anges".into(),
            Invalid::Empty => "får inte vara tomt".into(),
            Invalid::TooLong { max } => format!("får vara högst {max} tecken"),
            Invalid::DigitsOnly => "får bara innehålla siffror".into(),
            Invalid::Length { expected } => format!("ska ha {expected} siffror"),
            Invalid::CheckDigit => "kontrollsiffran stämmer inte".into(),
            Invalid::ThirdDigit => "tredje siffran ska vara minst 2".into(),
            Invalid::Format { expected } => format!("har fel format, väntat {expected}"),
            Invalid::OneOf { allowed } => format!("ska vara ett av: {}", allowed.join(", ")),
            Invalid::OutOfRange { min, max } => format!("ska ligga mellan {min} och {max}"),
            Invalid::WrongCountry => "hör till ett annat land".into(),
            Invalid::Mismatch { other } => format!("stämmer inte med {other}"),
            Invalid::Email => "är ingen giltig e-postadress".into(),
            Invalid::NulCharacter => "får inte innehålla NUL-tecken (\\u0000)".into(),
            Invalid::ControlCharacter => "får inte innehålla styrtecken".into(),
            Invalid::CreditNoteRequired => {
                "ger en negativ summa; en återbetalning görs med en kreditfaktura".into()
            }
            Invalid::UnknownField => "är inget känt fält".into(),
            Invalid::WrongType { detail } => format!("har fel typ ({detail})"),
            Invalid::NoSuchRecord => "finns inte".into(),
            Invalid::Unreadable { line, detail } => {
                format!("kan inte läsas, rad {line}: {detail}")
            }
            Invalid::OverlapsAgreement => "överlappar ett annat avtal med samma medlem".into(),
            Invalid::Template { sv, .. } => sv.clone(),
            Invalid::NoRecipient { wanted } => {
                format!("medlemmen har ingen mottagare för detta utskick: ange {wanted}")
            }
            Invalid::MixedVatScope => "rader utanför momsens tillämpningsområde kan inte \
                 stå på samma faktura som rader med moms eller momsfria rader; fakturera dem var \
                 för sig"
                .into(),
            Invalid::NoAccount { currency } => {
                format!("organisationen har inget konto för betalningar i {currency}")
            }
            Invalid::OnlyFor { currency } => format!("gäller bara {currency}"),
            Invalid::NoExchangeRate {
                currency,
                quote,
                on,
            } => format!(
                "det finns ingen växelkurs för {currency} i {quote} den {on} eller tidigare; \
                 fakturan tar ut moms, som ska anges även i {quote}"
            ),
        }
    }

    fn norwegian(&self) -> String {
        match self {
            Invalid::Required => "må fylles ut".into(),
            Invalid::Empty => "kan ikke være tomt".into(),
            Invalid::TooLong { max } => format!("kan være høyst {max} tegn"),
            Invalid::DigitsOnly => "kan bare inneholde sifre".into(),
            Invalid::Length { expected } => format!("skal ha {expected} sifre"),
            Invalid::CheckDigit => "kontrollsifferet stemmer ikke".into(),
            Invalid::ThirdDigit => "tredje siffer skal være minst 2".into(),
            Invalid::Format { expected } => format!("har feil format, ventet {expected}"),
            Invalid::OneOf { allowed } => format!("skal være en av: {}", allowed.join(", ")),
            Invalid::OutOfRange { min, max } => format!("skal ligge mellom {min} og {max}"),
            Invalid::WrongCountry => "hører til et annet land".into(),
            Invalid::Mismatch { other } => format!("stemmer ikke med {other}"),
            Invalid::Email => "er ingen gyldig e-postadresse".into(),
            Invalid::NulCharacter => "kan ikke inneholde NUL-tegn (\\u0000)".into(),
            Invalid::ControlCharacter => "kan ikke inneholde kontrolltegn".into(),
            Invalid::CreditNoteRequired => {
                "gir en negativ sum; en tilbakebetaling gjøres med en kreditnota".into()
            }
            Invalid::UnknownField => "er ikke et kjent felt".into(),
            Invalid::WrongType { detail } => format!("har feil type ({detail})"),
            Invalid::NoSuchRecord => "finnes ikke".into(),
            Invalid::Unreadable { line, detail } => {
                format!("kan ikke leses, linje {line}: {detail}")
            }
            Invalid::OverlapsAgreement => "overlapper en annen avtale med samme medlem".into(),
            Invalid::Template { nb, .. } => nb.clone(),
            Invalid::NoRecipient { wanted } => {
                format!("medlemmen har ingen mottaker for denne utsendelsen: oppgi {wanted}")
            }
            Invalid::MixedVatScope => "linjer utenfor merverdiavgiftsområdet kan ikke stå \
                 på samme faktura som linjer med eller fritatt for mva; fakturer dem hver for seg"
                .into(),
            Invalid::NoAccount { currency } => {
                format!("organisasjonen har ingen konto for betalinger i {currency}")
            }
            Invalid::OnlyFor { currency } => format!("gjelder bare {currency}"),
            Invalid::NoExchangeRate {
                currency,
                quote,
                on,
            } => format!(
                "det finnes ingen valutakurs for {currency} i {quote} den {on} eller tidligere; \
                 fakturaen har merverdiavgift, som skal oppgis også i {quote}"
            ),
        }
    }

    fn english(&self) -> String {
        match self {
            Invalid::Required => "is required".into(),
            Invalid::Empty => "must not be empty".into(),
            Invalid::TooLong { max } => format!("must be at most {max} characters"),
            Invalid::DigitsOnly => "must contain digits only".into(),
            Invalid::Length { expected } => format!("must have {expected} digits"),
            Invalid::CheckDigit => "fails the check digit".into(),
            Invalid::ThirdDigit => "the third digit must be at least 2".into(),
            Invalid::Format { expected } => {
                format!("has the wrong format, expected {expected}")
            }
            Invalid::OneOf { allowed } => format!("must be one of: {}", allowed.join(", ")),
            Invalid::OutOfRange { min, max } => format!("must be between {min} and {max}"),
            Invalid::WrongCountry => "belongs to another country".into(),
            Invalid::Mismatch { other } => format!("does not match {other}"),
            Invalid::Email => "is not a valid email address".into(),
            Invalid::NulCharacter => "must not contain a NUL character (\\u0000)".into(),
            Invalid::ControlCharacter => "must not contain control characters".into(),
            Invalid::CreditNoteRequired => {
                "add up to less than zero; money back is a credit note".into()
            }
            Invalid::UnknownField => "is not a known field".into(),
            Invalid::WrongType { detail } => format!("has the wrong type ({detail})"),
            Invalid::NoSuchRecord => "does not exist".into(),
            Invalid::Unreadable { line, detail } => {
                format!("cannot be read, line {line}: {detail}")
            }
            Invalid::OverlapsAgreement => "overlaps another agreement with the same member".into(),
            Invalid::Template { en, .. } => en.clone(),
            Invalid::NoRecipient { wanted } => {
                format!("the member has no recipient for this message: set {wanted}")
            }
            Invalid::MixedVatScope => "lines outside the scope of VAT cannot share an \
                 invoice with taxed or exempt lines; invoice them separately"
                .into(),
            Invalid::NoAccount { currency } => {
                format!("the organisation has no account for payments in {currency}")
            }
            Invalid::OnlyFor { currency } => format!("applies to {currency} only"),
            Invalid::NoExchangeRate {
                currency,
                quote,
                on,
            } => format!(
                "there is no exchange rate of {currency} in {quote} on or before {on}; the \
                 invoice charges VAT, which must be stated in {quote} too"
            ),
        }
    }
}

/// One rejected input field, named by its path in the request (`billing_address.city`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub invalid: Invalid,
}

/// Collects every bad field of one input so that a client learns all of them at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, invalid: Invalid) {
        self.0.push(FieldError {
            field: field.into(),
            invalid,
        });
    }

    /// Keeps the parsed value, or records why it failed under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.add(field, invalid);
                None
            }
        }
    }

    /// Like [`Errors::check`] for optional input: absent stays absent.
    pub fn check_opt<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(raw) => self.check(field, parse(raw)).map(Some),
        }
    }

    /// Like [`Errors::check`] for mandatory input.
    pub fn require<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        match raw {
            None => {
                self.add(field, Invalid::Required);
                None
            }
            Some(raw) => self.check(field, parse(raw)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok(value)` when nothing was recorded; the value is only built when it is needed.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if !self.0.is_empty() {
            return Err(self.0);
        }
        build().ok_or_else(|| {
            vec![FieldError {
                field: String::new(),
                invalid: Invalid::Required,
            }]
        })
    }
}
