//! Errors as `application/problem+json` (RFC 9457), in the language the client asked for:
//! the status each error answers with, its title, and the body.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Language;
use crate::error::Error;

/// A problem report. `code` is stable and meant for programs; `title` and `detail` for people.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(example = "https://avtal.se/problems/validation_failed")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[schema(example = "validation_failed")]
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// The invoice run an interrupted run's answer names, to resume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

/// One bad field: its path in the request, a stable code and a message.
#[derive(Serialize, ToSchema)]
pub struct ProblemField {
    #[schema(example = "org_number")]
    pub field: String,
    #[schema(example = "check_digit")]
    pub code: String,
    #[schema(example = "kontrollsiffran stämmer inte")]
    pub message: String,
}

/// The HTTP status an error is answered with.
pub fn status(err: &Error) -> StatusCode {
    match err {
        Error::Validation(_) | Error::Contribution(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::MalformedJson(_) | Error::BadRequest(_) => StatusCode::BAD_REQUEST,
        Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        Error::Unauthorized => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict { .. } | Error::State(_) | Error::Transition(_) => StatusCode::CONFLICT,
        Error::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        Error::RunInterrupted { cause, .. } => status(cause),
    }
}

/// A short, fixed summary of the problem type.
pub fn title(err: &Error, lang: Language) -> &'static str {
    use Language::{En, Nb, Sv};
    match (status(err).as_u16(), lang) {
        (400, Sv) => "Felaktig begäran",
        (400, Nb) => "Ugyldig forespørsel",
        (400, En) => "Bad request",
        (401, Sv) => "Inloggning krävs",
        (401, Nb) => "Innlogging kreves",
        (401, En) => "Authentication required",
        (403, Sv) => "Åtkomst nekad",
        (403, Nb) => "Ingen tilgang",
        (403, En) => "Forbidden",
        (404, Sv) => "Hittades inte",
        (404, Nb) => "Ikke funnet",
        (404, En) => "Not found",
        (409, Sv) => "Konflikt",
        (409, Nb) => "Konflikt",
        (409, En) => "Conflict",
        (413, Sv) => "För stor begäran",
        (413, Nb) => "For stor forespørsel",
        (413, En) => "Payload too large",
        (415, Sv) => "Fel innehållstyp",
        (415, Nb) => "Feil innholdstype",
        (415, En) => "Unsupported media type",
        (422, Sv) => "Ogiltiga uppgifter",
        (422, Nb) => "Ugyldige opplysninger",
        (422, En) => "Invalid input",
        (503, Sv) => "Tjänsten är inte tillgänglig",
        (503, Nb) => "Tjenesten er ikke tilgjengelig",
        (503, En) => "Service unavailable",
        (_, Sv) => "Internt fel",
        (_, Nb) => "Intern feil",
        (_, En) => "Internal error",
    }
}

/// Every code a problem can carry, by the status it comes with: the error contract the
/// OpenAPI document states for each error response.
pub fn codes_by_status() -> BTreeMap<u16, BTreeSet<&'static str>> {
    let mut codes: BTreeMap<u16, BTreeSet<&'static str>> = BTreeMap::new();
    for e in Error::samples() {
        codes
            .entry(status(&e).as_u16())
            .or_default()
            .insert(e.code());
    }
    codes
}

pub fn problem(err: &Error, lang: Language) -> Problem {
    let errors = match err {
        Error::Validation(fields) => fields
            .iter()
            .map(|f| ProblemField {
                field: f.field.clone(),
                code: f.invalid.code().to_owned(),
                message: f.invalid.message(lang),
            })
            .collect(),
        _ => Vec::new(),
    };
    Problem {
        kind: format!("https://avtal.se/problems/{}", err.code()),
        title: title(err, lang).to_owned(),
        status: status(err).as_u16(),
        detail: err.detail(lang),
        code: err.code().to_owned(),
        errors,
        run_id: match err {
            Error::RunInterrupted { run, .. } => Some(run.clone()),
            _ => None,
        },
    }
}

fn render(err: &Error, lang: Language) -> HttpResponse {
    let mut res = HttpResponse::build(status(err));
    res.content_type("application/problem+json");
    match err {
        Error::Unauthorized => {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        Error::MethodNotAllowed { allow } => {
            res.insert_header((header::ALLOW, allow.as_str()));
        }
        _ => {}
    }
    res.json(problem(err, lang))
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        status(self)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Error::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            Error::RunInterrupted { run, cause } => {
                tracing::error!(run = %run, error = ?cause, "invoice run interrupted")
            }
            _ => {}
        }
        render(self, Language::Sv)
    }
}

/// The language of a request's `Accept-Language`, Swedish by default.
pub fn request_language(req: &actix_web::HttpRequest) -> Language {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Language::Sv, Language::negotiate)
}

/// Renders problems in the client's language. Errors are built without the request at hand,
/// in Swedish; this middleware renders them again when the client asked for another language.
pub async fn localise(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let lang = request_language(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    if lang == Language::Sv {
        return Ok(res);
    }
    let rerendered = res
        .response()
        .error()
        .and_then(|e| e.as_error::<Error>())
        .map(|e| render(e, lang));
    Ok(match rerendered {
        Some(body) => res.into_response(body),
        None => res,
    })
}

/// Adds the request id the log lines carry to the response, so a report can be traced.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(ToString::to_string);
    let mut res = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
