//! The error policy: what a request can fail with. Expected failures carry a stable code,
//! the fields at fault and a message; anything else is an internal fault, logged with its
//! cause. Which HTTP status each answers with is `http::problem`'s to say.

pub use crate::domain::StateConflict;
use crate::domain::agreement::{AgreementStatus, TransitionError, transition};
use crate::domain::{FieldError, Language};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("payload larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The path exists, under the methods in `allow` (an `Allow` header's value).
    #[error("method not allowed; allowed: {allow}")]
    MethodNotAllowed { allow: String },
    #[error("missing or invalid token")]
    Unauthorized,
    #[error("forbidden: {0:?}")]
    Forbidden(Forbidden),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict on {field:?}")]
    Conflict { field: Option<String> },
    #[error("conflict: {0:?}")]
    State(StateConflict),
    /// A lifecycle move the agreement's status does not allow.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The contribution engine could not compute with the data at hand (a population count
    /// missing at the reference date, an unknown price-list item, …).
    #[error("contribution: {0}")]
    Contribution(crate::domain::contribution::ContributionError),
    #[error("database unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
    /// An invoice run stopped part of the way: the batches it finished stand, and the
    /// answer names the run so that it can be resumed.
    #[error("invoice run {run} interrupted: {cause}")]
    RunInterrupted { run: String, cause: Box<Error> },
}

/// Why a known caller may not do what it asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// A viewer token asked to change something.
    ReadOnly,
    /// The deployment's operator asked for an organisation's member data.
    OperatorNoMemberData,
    /// The request needs the operator or an organisation admin.
    AdminOnly,
    /// The request needs the operator.
    OperatorOnly,
}

impl Error {
    pub fn field(field: &str, invalid: crate::domain::Invalid) -> Self {
        Error::Validation(vec![FieldError {
            field: field.to_owned(),
            invalid,
        }])
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation_failed",
            Error::MalformedJson(_) => "malformed_json",
            Error::BadRequest(_) => "bad_request",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::UnsupportedMediaType => "unsupported_media_type",
            Error::MethodNotAllowed { .. } => "method_not_allowed",
            Error::Unauthorized => "unauthorized",
            Error::Forbidden(Forbidden::ReadOnly) => "read_only_token",
            Error::Forbidden(Forbidden::OperatorNoMemberData) => "operator_no_member_data",
            Error::Forbidden(Forbidden::AdminOnly) => "admin_only",
            Error::Forbidden(Forbidden::OperatorOnly) => "operator_only",
            Error::NotFound(_) => "not_found",
            Error::Conflict { .. } => "conflict",
            Error::State(StateConflict::MemberArchived) => "member_archived",
            Error::State(StateConflict::AgreementNotDraft(_)) => "agreement_not_draft",
            Error::State(StateConflict::AgreementNotInForce(_)) => "agreement_not_in_force",
            Error::State(StateConflict::AgreementNotConcluded(_)) => "agreement_not_concluded",
            Error::State(StateConflict::InvoiceIssued) => "invoice_issued",
            Error::State(StateConflict::AlreadyIssued) => "already_issued",
            Error::State(StateConflict::RequestInFlight) => "request_in_flight",
            Error::State(StateConflict::InvoiceNotIssued) => "invoice_not_issued",
            Error::State(StateConflict::PaymentReversed) => "payment_reversed",
            Error::State(StateConflict::MessageNotFailed) => "message_not_failed",
            Error::State(StateConflict::RunUnderWay) => "run_under_way",
            Error::Transition(_) => "transition_not_allowed",
            Error::Contribution(e) => e.code(),
            Error::Unavailable => "unavailable",
            Error::Internal(_) => "internal",
            Error::RunInterrupted { .. } => "run_interrupted",
        }
    }

    /// One error of each kind, and an interrupted run for each cause it can have: what the
    /// API documents. A new variant stops [`Error::code`] compiling until it has a code; add
    /// it here too.
    pub fn samples() -> Vec<Error> {
        let status = AgreementStatus::Draft;
        let mut all = vec![
            Error::Validation(Vec::new()),
            Error::MalformedJson(String::new()),
            Error::BadRequest(String::new()),
            Error::PayloadTooLarge { limit: 0 },
            Error::UnsupportedMediaType,
            Error::MethodNotAllowed {
                allow: String::new(),
            },
            Error::Unauthorized,
            Error::Forbidden(Forbidden::ReadOnly),
            Error::Forbidden(Forbidden::OperatorNoMemberData),
            Error::Forbidden(Forbidden::AdminOnly),
            Error::Forbidden(Forbidden::OperatorOnly),
            Error::NotFound(""),
            Error::Conflict { field: None },
            Error::State(StateConflict::MemberArchived),
            Error::State(StateConflict::AgreementNotDraft(status)),
            Error::State(StateConflict::AgreementNotInForce(status)),
            Error::State(StateConflict::AgreementNotConcluded(status)),
            Error::State(StateConflict::InvoiceIssued),
            Error::State(StateConflict::InvoiceNotIssued),
            Error::State(StateConflict::PaymentReversed),
            Error::State(StateConflict::MessageNotFailed),
            Error::State(StateConflict::AlreadyIssued),
            Error::State(StateConflict::RequestInFlight),
            Error::State(StateConflict::RunUnderWay),
            Error::Transition(TransitionError {
                from: status,
                to: status,
            }),
            Error::Unavailable,
            Error::Internal(anyhow::anyhow!("sample")),
        ];
        all.extend(
            crate::domain::contribution::ContributionError::samples()
                .into_iter()
                .map(Error::Contribution),
        );
        // A run stops on whatever its batch failed with.
        let causes = [
            Error::Conflict { field: None },
            Error::Validation(Vec::new()),
            Error::Unavailable,
            Error::Internal(anyhow::anyhow!("sample")),
        ];
        all.extend(causes.map(|cause| Error::RunInterrupted {
            run: String::new(),
            cause: Box::new(cause),
        }));
        all
    }

    /// What happened, for a person reading the response. One function per language, so
    /// that each lists every variant.
    pub fn detail(&self, lang: Language) -> String {
        match lang {
            Language::Sv => self.swedish_detail(),
            Language::Nb => self.norwegian_detail(),
            Language::En => self.english_detail(),
        }
    }

    fn swedish_detail(&self) -> String {
        match self {
            Error::Validation(errors) => {
                format!("{} fält har ogiltiga värden.", errors.len())
            }
            Error::MalformedJson(e) => format!("Begäran är inte giltig JSON: {e}"),
            Error::BadRequest(e) => e.clone(),
            Error::PayloadTooLarge { limit } => {
                format!("Begäran får vara högst {limit} byte.")
            }
            Error::MethodNotAllowed { allow } => {
                format!("Adressen svarar inte på den metoden, bara på {allow}.")
            }
            Error::UnsupportedMediaType => "Skicka innehållet som application/json.".into(),
            Error::Unauthorized => "Ange en giltig nyckel: Authorization: Bearer <nyckel>.".into(),
            Error::Forbidden(f) => forbidden_detail(*f, Language::Sv).into(),
            Error::NotFound(what) => format!("Det finns ingen sådan resurs ({what})."),
            Error::Conflict { field: Some(f) } => format!("Värdet i {f} används redan."),
            Error::Conflict { field: None } => "Posten finns redan.".into(),
            Error::State(conflict) => state_detail(*conflict, Language::Sv),
            Error::Transition(t) => transition_detail(*t, Language::Sv),
            Error::Contribution(e) => {
                format!("Avgiften kan inte beräknas: {}.", e.message(Language::Sv))
            }
            Error::Unavailable => "Databasen svarar inte.".into(),
            Error::Internal(_) => "Ett internt fel inträffade. Det har loggats.".into(),
            Error::RunInterrupted { run, cause } => format!(
                "{} Fakturakörningen avbröts; fakturorna den hann utfärda står kvar. \
                 Återuppta den med POST …/invoice-runs/{run}/resume.",
                cause.detail(Language::Sv)
            ),
        }
    }

    fn norwegian_detail(&self) -> String {
        match self {
            Error::Validation(errors) => {
                format!("{} felt har ugyldige verdier.", errors.len())
            }
            Error::MalformedJson(e) => format!("Forespørselen er ikke gyldig JSON: {e}"),
            Error::BadRequest(e) => e.clone(),
            Error::PayloadTooLarge { limit } => {
                format!("Forespørselen kan være høyst {limit} byte.")
            }
            Error::MethodNotAllowed { allow } => {
                format!("Adressen svarer ikke på den metoden, bare på {allow}.")
            }
            Error::UnsupportedMediaType => "Send innholdet som application/json.".into(),
            Error::Unauthorized => "Oppgi en gyldig nøkkel: Authorization: Bearer <nøkkel>.".into(),
            Error::Forbidden(f) => forbidden_detail(*f, Language::Nb).into(),
            Error::NotFound(what) => format!("Det finnes ingen slik ressurs ({what})."),
            Error::Conflict { field: Some(f) } => {
                format!("Verdien i {f} er allerede i bruk.")
            }
            Error::Conflict { field: None } => "Posten finnes allerede.".into(),
            Error::State(conflict) => state_detail(*conflict, Language::Nb),
            Error::Transition(t) => transition_detail(*t, Language::Nb),
            Error::Contribution(e) => {
                format!("Avgiften kan ikke beregnes: {}.", e.message(Language::Nb))
            }
            Error::Unavailable => "Databasen svarer ikke.".into(),
            Error::Internal(_) => "En intern feil oppstod. Den er logget.".into(),
            Error::RunInterrupted { run, cause } => format!(
                "{} Fakturakjøringen stoppet; fakturaene den rakk å utstede står. \
                 Gjenoppta den med POST …/invoice-runs/{run}/resume.",
                cause.detail(Language::Nb)
            ),
        }
    }

    fn english_detail(&self) -> String {
        match self {
            Error::Validation(errors) => {
                format!("{} field(s) have invalid values.", errors.len())
            }
            Error::MalformedJson(e) => format!("The request is not valid JSON: {e}"),
            Error::BadRequest(e) => e.clone(),
            Error::PayloadTooLarge { limit } => {
                format!("The request may be at most {limit} bytes.")
            }
            Error::MethodNotAllowed { allow } => {
                format!("The path does not answer that method, only {allow}.")
            }
            Error::UnsupportedMediaType => "Send the body as application/json.".into(),
            Error::Unauthorized => "Give a valid token: Authorization: Bearer <token>.".into(),
            Error::Forbidden(f) => forbidden_detail(*f, Language::En).into(),
            Error::NotFound(what) => format!("No such resource ({what})."),
            Error::Conflict { field: Some(f) } => {
                format!("The value of {f} is already in use.")
            }
            Error::Conflict { field: None } => "The record already exists.".into(),
            Error::State(conflict) => state_detail(*conflict, Language::En),
            Error::Transition(t) => transition_detail(*t, Language::En),
            Error::Contribution(e) => {
                format!(
                    "The contribution cannot be computed: {}.",
                    e.message(Language::En)
                )
            }
            Error::Unavailable => "The database does not answer.".into(),
            Error::Internal(_) => "An internal error occurred. It has been logged.".into(),
            Error::RunInterrupted { run, cause } => format!(
                "{} The invoice run stopped; the invoices it issued stand. \
                 Resume it with POST …/invoice-runs/{run}/resume.",
                cause.detail(Language::En)
            ),
        }
    }
}

/// Why the record's state refuses the request, in the reader's language.
fn state_detail(conflict: StateConflict, lang: Language) -> String {
    match lang {
        Language::Sv => swedish_state_detail(conflict),
        Language::Nb => norwegian_state_detail(conflict),
        Language::En => english_state_detail(conflict),
    }
}

fn swedish_state_detail(conflict: StateConflict) -> String {
    match conflict {
        StateConflict::MemberArchived => "Medlemmen är arkiverad.".into(),
        StateConflict::InvoiceIssued => {
            "Fakturan är utfärdad och kan inte ändras. Rätta den med en kreditfaktura.".into()
        }
        StateConflict::AlreadyIssued => "Fakturan är redan utfärdad.".into(),
        StateConflict::RequestInFlight => {
            "En begäran med samma Idempotency-Key behandlas redan; försök igen om en stund.".into()
        }
        StateConflict::InvoiceNotIssued => "Fakturan är ett utkast och inte utfärdad.".into(),
        StateConflict::PaymentReversed => "Betalningen är återförd.".into(),
        StateConflict::MessageNotFailed => {
            "Bara ett meddelande som misslyckats, för alla eller några mottagare, kan skickas igen."
                .into()
        }
        StateConflict::RunUnderWay => {
            "Fakturakörningen pågår redan. Försök igen när den är klar, eller om en minut om den avbröts.".into()
        }
        StateConflict::AgreementNotDraft(s) => format!(
            "Avtalet har status {s}: bara ett utkast kan ändras eller tas bort. Ändrade villkor blir en ny version."
        ),
        StateConflict::AgreementNotInForce(s) => format!(
            "Avtalet har status {s}: nya versioner kräver ett accepterat eller aktivt avtal."
        ),
        StateConflict::AgreementNotConcluded(s) => format!(
            "Avtalet har status {s}: användning registreras först när avtalet har accepterats."
        ),
    }
}

fn norwegian_state_detail(conflict: StateConflict) -> String {
    match conflict {
        StateConflict::MemberArchived => "Medlemmet er arkivert.".into(),
        StateConflict::InvoiceIssued => {
            "Fakturaen er utstedt og kan ikke endres. Rett den med en kreditnota.".into()
        }
        StateConflict::AlreadyIssued => "Fakturaen er allerede utstedt.".into(),
        StateConflict::RequestInFlight => {
            "En forespørsel med samme Idempotency-Key behandles allerede; prøv igjen om litt."
                .into()
        }
        StateConflict::InvoiceNotIssued => "Fakturaen er et utkast og ikke utstedt.".into(),
        StateConflict::PaymentReversed => "Betalingen er tilbakeført.".into(),
        StateConflict::MessageNotFailed => {
            "Bare en melding som har feilet, for alle eller noen mottakere, kan sendes på nytt."
                .into()
        }
        StateConflict::RunUnderWay => {
            "Fakturakjøringen pågår allerede. Prøv igjen når den er ferdig, eller om ett minutt om den ble avbrutt.".into()
        }
        StateConflict::AgreementNotDraft(s) => format!(
            "Avtalen har status {s}: bare et utkast kan endres eller slettes. Endrede vilkår blir en ny versjon."
        ),
        StateConflict::AgreementNotInForce(s) => {
            format!("Avtalen har status {s}: nye versjoner krever en akseptert eller aktiv avtale.")
        }
        StateConflict::AgreementNotConcluded(s) => {
            format!("Avtalen har status {s}: bruk registreres først når avtalen er akseptert.")
        }
    }
}

fn english_state_detail(conflict: StateConflict) -> String {
    match conflict {
        StateConflict::MemberArchived => "The member is archived.".into(),
        StateConflict::InvoiceIssued => {
            "The invoice is issued and cannot change. Correct it with a credit note.".into()
        }
        StateConflict::AlreadyIssued => "The invoice is already issued.".into(),
        StateConflict::RequestInFlight => {
            "A request with the same Idempotency-Key is still being answered; try again shortly."
                .into()
        }
        StateConflict::InvoiceNotIssued => "The invoice is a draft, not issued.".into(),
        StateConflict::PaymentReversed => "The payment has been reversed.".into(),
        StateConflict::MessageNotFailed => {
            "Only a message that failed, for all or some of its recipients, can be sent again."
                .into()
        }
        StateConflict::RunUnderWay => {
            "The invoice run is under way. Try again when it has finished, or in a minute if it was interrupted.".into()
        }
        StateConflict::AgreementNotDraft(s) => format!(
            "The agreement is {s}: only a draft can be changed or deleted. Changed terms become a new version."
        ),
        StateConflict::AgreementNotInForce(s) => {
            format!("The agreement is {s}: new versions need an accepted or active agreement.")
        }
        StateConflict::AgreementNotConcluded(s) => {
            format!("The agreement is {s}: usage is recorded once the agreement has been accepted.")
        }
    }
}

/// Names both ends of the refused move, and where the agreement can go instead.
fn transition_detail(t: TransitionError, lang: Language) -> String {
    use Language::{En, Nb, Sv};
    let next: Vec<&str> = AgreementStatus::ALL
        .iter()
        .filter(|to| transition(t.from, **to).is_ok())
        .map(|to| to.as_str())
        .collect();
    let (from, to, allowed) = (t.from, t.to, next.join(", "));
    match (lang, next.is_empty()) {
        (Sv, false) => format!(
            "Ett avtal med status {from} kan inte gå till {to}. Tillåtet härifrån: {allowed}."
        ),
        (Sv, true) => {
            format!("Ett avtal med status {from} kan inte gå till {to}. Statusen är slutgiltig.")
        }
        (Nb, false) => {
            format!("En avtale med status {from} kan ikke gå til {to}. Tillatt herfra: {allowed}.")
        }
        (Nb, true) => {
            format!("En avtale med status {from} kan ikke gå til {to}. Statusen er endelig.")
        }
        (En, false) => format!(
            "An agreement in status {from} cannot go to {to}. Allowed from here: {allowed}."
        ),
        (En, true) => {
            format!("An agreement in status {from} cannot go to {to}. The status is final.")
        }
    }
}

fn forbidden_detail(f: Forbidden, lang: Language) -> &'static str {
    use Language::{En, Nb, Sv};
    match (f, lang) {
        (Forbidden::ReadOnly, Sv) => "Nyckeln får bara läsa.",
        (Forbidden::ReadOnly, Nb) => "Nøkkelen kan bare lese.",
        (Forbidden::ReadOnly, En) => "The token may only read.",
        (Forbidden::OperatorNoMemberData, Sv) => {
            "Driftsnyckeln läser och ändrar inget inom en organisation."
        }
        (Forbidden::OperatorNoMemberData, Nb) => {
            "Driftsnøkkelen leser og endrer ingenting i en organisasjon."
        }
        (Forbidden::OperatorNoMemberData, En) => {
            "The operator token reads and changes nothing inside an organisation."
        }
        (Forbidden::AdminOnly, Sv) => "Kräver en administratörsnyckel.",
        (Forbidden::AdminOnly, Nb) => "Krever en administratornøkkel.",
        (Forbidden::AdminOnly, En) => "Requires an admin token.",
        (Forbidden::OperatorOnly, Sv) => "Kräver driftsnyckeln.",
        (Forbidden::OperatorOnly, Nb) => "Krever driftsnøkkelen.",
        (Forbidden::OperatorOnly, En) => "Requires the operator token.",
    }
}
