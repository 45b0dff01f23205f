//! The HTTP API: thin handlers that extract, parse into domain types, call a use case and
//! answer with a view.

pub mod access;
pub mod agreements;
pub mod documents;
pub mod extract;
pub mod idempotency;
pub mod imports;
pub mod invoices;
pub mod ledger;
pub mod mail;
pub mod mailings;
pub mod members;
pub mod methods;
pub mod organisations;
pub mod paging;
pub mod payments;
pub mod preview;
pub mod pricing;
pub mod problem;
pub mod reminders;
pub mod statements;
pub mod system;
pub mod tokens;

use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_actix_web::{AppExt, scope};

use crate::domain::{Address, Country, Errors, Invalid, LINE_MAX, postal_code, text};
use crate::error::Error;
use idempotency::IdempotencyHeader;

/// A list of records in a response, `{"items": [...], "next_cursor": …}`: one shape for
/// every list (see [`paging`]).
#[derive(Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Items<T> {
    /// Every record, converted into its view, as one page.
    pub fn of<R>(records: impl IntoIterator<Item = R>) -> Self
    where
        R: Into<T>,
    {
        Self {
            items: records.into_iter().map(Into::into).collect(),
            next_cursor: None,
        }
    }
}

/// A postal address in a request or response.
#[derive(Deserialize, Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    #[schema(example = "Box 123")]
    pub line1: Option<String>,
    pub line2: Option<String>,
    #[schema(example = "503 38")]
    pub postal_code: Option<String>,
    #[schema(example = "Borås")]
    pub city: Option<String>,
    /// Defaults to the record's country.
    pub country: Option<String>,
}

impl AddressBody {
    pub fn parse(self, prefix: &str, default_country: Country, e: &mut Errors) -> Option<Address> {
        let field = |name: &str| format!("{prefix}.{name}");
        let country = e
            .check_opt(&field("country"), self.country.as_deref(), Country::parse)?
            .unwrap_or(default_country);
        let line1 = e.require(&field("line1"), self.line1.as_deref(), |s| {
            text(s, LINE_MAX)
        });
        let line2 = e.check_opt(&field("line2"), self.line2.as_deref(), |s| {
            text(s, LINE_MAX)
        });
        let postal = e.require(&field("postal_code"), self.postal_code.as_deref(), |s| {
            postal_code(country, s)
        });
        let city = e.require(&field("city"), self.city.as_deref(), |s| text(s, LINE_MAX));
        Some(Address {
            line1: line1?,
            line2: line2?,
            postal_code: postal?,
            city: city?,
            country,
        })
    }

    pub fn from_domain(a: &Address) -> Self {
        Self {
            line1: Some(a.line1.clone()),
            line2: a.line2.clone(),
            postal_code: Some(a.postal_code.clone()),
            city: Some(a.city.clone()),
            country: Some(a.country.as_str().to_owned()),
        }
    }
}

/// JSON merge patch (RFC 7396): objects merge key by key, `null` removes, anything else
/// replaces.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (key, value) in p {
                if value.is_null() {
                    t.remove(key);
                } else {
                    merge_patch(t.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

pub fn to_value<T: Serialize>(value: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Internal(e.into()))
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("avtal_…")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "avtal",
        description = "Medlemsavtal, avgifter, fakturor och betalningar för nordiska offentliga samverkansorgan. \
                       Member agreements, contributions, invoices and payments for Nordic public-sector bodies.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth, &IdempotencyHeader),
    components(schemas(problem::Problem, problem::ProblemField))
)]
struct ApiDoc;

/// Registers every route on `app`, and returns the app with the OpenAPI document that the
/// same registrations produced, so the document cannot miss a route.
pub fn routes<T>(app: actix_web::App<T>) -> (actix_web::App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse,
            Error = actix_web::Error,
            InitError = (),
        >,
{
    let (app, mut api) = app
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(system::health)
        .service(system::ready)
        .service(system::openapi)
        .service(
            scope("/api/v1")
                // Inside authentication (the last wrap runs first): keys are scoped by the caller.
                .wrap(actix_web::middleware::from_fn(idempotency::idempotency))
                .wrap(actix_web::middleware::from_fn(extract::authenticate))
                .service(organisations::create)
                .service(organisations::list)
                .service(organisations::read)
                .service(organisations::update)
                .service(members::list)
                .service(members::create)
                .service(members::read)
                .service(members::update)
                .service(members::archive)
                .service(members::population_list)
                .service(members::population_record)
                .service(members::population_delete)
                .service(members::contact_list)
                .service(members::contact_create)
                .service(members::contact_read)
                .service(members::contact_update)
                .service(members::contact_delete)
                .service(imports::municipalities)
                .service(tokens::create)
                .service(tokens::list)
                .service(tokens::revoke)
                .service(pricing::price_list)
                .service(pricing::create_item)
                .service(pricing::update_item)
                .service(pricing::delete_item)
                .service(pricing::copy_price_list)
                .service(pricing::list_series)
                .service(pricing::create_series)
                .service(pricing::read_series)
                .service(pricing::replace_series)
                .service(pricing::delete_series)
                .service(pricing::list_models)
                .service(pricing::create_model)
                .service(pricing::read_model)
                .service(pricing::replace_model)
                .service(pricing::delete_model)
                .service(agreements::list)
                .service(agreements::create)
                .service(agreements::read)
                .service(agreements::update)
                .service(agreements::remove)
                .service(agreements::replace_terms)
                .service(agreements::transition)
                .service(agreements::versions)
                .service(agreements::create_version)
                .service(agreements::read_version)
                .service(agreements::usage_list)
                .service(agreements::usage_record)
                .service(agreements::contribution)
                .service(preview::preview)
                .service(documents::offer_preview)
                .service(documents::offer_issue)
                .service(documents::list)
                .service(documents::read)
                .service(documents::read_pdf)
                .service(documents::templates)
                .service(documents::template)
                .service(documents::put_template)
                .service(documents::delete_template)
                .service(documents::template_sample)
                .service(documents::put_logo)
                .service(documents::logo)
                .service(documents::delete_logo)
                .service(invoices::read_settings)
                .service(invoices::put_settings)
                .service(invoices::reference_rates)
                .service(invoices::put_reference_rate)
                .service(invoices::inkassosats)
                .service(invoices::put_inkassosats)
                .service(invoices::create)
                .service(invoices::list)
                .service(invoices::read)
                .service(invoices::einvoice)
                .service(invoices::replace)
                .service(invoices::remove)
                .service(invoices::issue)
                .service(invoices::credit)
                .service(invoices::event)
                .service(invoices::run)
                .service(invoices::runs)
                .service(invoices::resume)
                .service(invoices::audit_trail)
                .service(payments::register)
                .service(payments::list)
                .service(payments::read)
                .service(payments::allocate)
                .service(payments::refund)
                .service(payments::reverse)
                .service(payments::import_file)
                .service(reminders::run)
                .service(statements::issue)
                .service(reminders::list)
                .service(reminders::read)
                .service(ledger::member_ledger)
                .service(ledger::open_items)
                .service(ledger::aging)
                .service(ledger::years)
                .service(mail::send_offer)
                .service(mail::send_invoice)
                .service(mail::send_reminder)
                .service(mail::send_invoice_run)
                .service(mail::send_reminder_run)
                .service(mailings::send)
                .service(mailings::list)
                .service(mailings::read)
                .service(mailings::resend)
                .service(mail::list)
                .service(mail::retry)
                .service(mail::member_messages)
                .service(mail::template)
                .service(mail::put_template)
                .service(mail::delete_template),
        )
        .split_for_parts();
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    (app, api)
}

/// Query-string errors become problems that name the parameter.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _| query_error(&err.to_string()).into())
}

/// A query string that does not fit its parameters, as a problem naming the parameter.
pub fn query_error(message: &str) -> Error {
    let field = message
        .split('`')
        .nth(1)
        .map_or_else(|| "query".to_owned(), str::to_owned);
    let invalid = if message.contains("unknown field") {
        Invalid::UnknownField
    } else {
        Invalid::WrongType {
            detail: message.to_owned(),
        }
    };
    Error::Validation(vec![crate::domain::FieldError { field, invalid }])
}

/// Path segments that fail to parse are bad requests, as problems.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _| Error::BadRequest(err.to_string()).into())
}
