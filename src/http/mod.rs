//! The HTTP API: thin handlers that extract, parse into domain types, call a use case and
//! answer with a view.

pub mod access;
pub mod agreements;
pub mod documents;
pub mod exchange_rates;
pub mod extract;
pub mod idempotency;
pub mod imports;
pub mod invoices;
pub mod ledger;
pub mod mail;
pub mod mailings;
pub mod members;
pub mod methods;
pub mod openapi;
pub mod organisations;
pub mod paging;
pub mod patch;
pub mod payments;
pub mod preview;
pub mod pricing;
pub mod problem;
pub mod reminders;
pub mod statements;
pub mod system;
pub mod tokens;
pub mod webhooks;

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
    #[schema(example = "Box 123", value_type = String)]
    pub line1: Option<String>,
    pub line2: Option<String>,
    #[schema(example = "503 38", value_type = String)]
    pub postal_code: Option<String>,
    #[schema(example = "Borås", value_type = String)]
    pub city: Option<String>,
    /// Defaults to the record's country.
    #[schema(value_type = Option<openapi::names::Country>)]
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

/// `module::handler`, registered under the operation id `module_handler`.
macro_rules! named {
    ($module:ident :: $handler:ident) => {
        openapi::Named {
            module: stringify!($module),
            service: $module::$handler,
        }
    };
}

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
        .service(named!(system::health))
        .service(named!(system::ready))
        .service(named!(system::openapi))
        .service(
            scope("/api/v1")
                // Inside authentication (the last wrap runs first): keys are scoped by the caller.
                .wrap(actix_web::middleware::from_fn(idempotency::idempotency))
                .wrap(actix_web::middleware::from_fn(extract::authenticate))
                .service(named!(organisations::create))
                .service(named!(organisations::list))
                .service(named!(organisations::read))
                .service(named!(organisations::update))
                .service(named!(members::list))
                .service(named!(members::create))
                .service(named!(members::read))
                .service(named!(members::update))
                .service(named!(members::archive))
                .service(named!(members::population_list))
                .service(named!(members::population_record))
                .service(named!(members::population_delete))
                .service(named!(members::contact_list))
                .service(named!(members::contact_create))
                .service(named!(members::contact_read))
                .service(named!(members::contact_update))
                .service(named!(members::contact_delete))
                .service(named!(imports::municipalities))
                .service(named!(tokens::create))
                .service(named!(tokens::list))
                .service(named!(tokens::revoke))
                .service(named!(pricing::price_list))
                .service(named!(pricing::create_item))
                .service(named!(pricing::update_item))
                .service(named!(pricing::delete_item))
                .service(named!(pricing::copy_price_list))
                .service(named!(pricing::list_series))
                .service(named!(pricing::create_series))
                .service(named!(pricing::read_series))
                .service(named!(pricing::replace_series))
                .service(named!(pricing::delete_series))
                .service(named!(pricing::list_models))
                .service(named!(pricing::create_model))
                .service(named!(pricing::read_model))
                .service(named!(pricing::replace_model))
                .service(named!(pricing::delete_model))
                .service(named!(agreements::list))
                .service(named!(agreements::create))
                .service(named!(agreements::read))
                .service(named!(agreements::update))
                .service(named!(agreements::remove))
                .service(named!(agreements::replace_terms))
                .service(named!(agreements::transition))
                .service(named!(agreements::versions))
                .service(named!(agreements::create_version))
                .service(named!(agreements::read_version))
                .service(named!(agreements::usage_list))
                .service(named!(agreements::usage_record))
                .service(named!(agreements::contribution))
                .service(named!(preview::preview))
                .service(named!(documents::offer_preview))
                .service(named!(documents::offer_issue))
                .service(named!(documents::list))
                .service(named!(documents::read))
                .service(named!(documents::read_pdf))
                .service(named!(documents::templates))
                .service(named!(documents::template))
                .service(named!(documents::put_template))
                .service(named!(documents::delete_template))
                .service(named!(documents::template_sample))
                .service(named!(documents::put_logo))
                .service(named!(documents::logo))
                .service(named!(documents::delete_logo))
                .service(named!(invoices::read_settings))
                .service(named!(invoices::put_settings))
                .service(named!(invoices::reference_rates))
                .service(named!(invoices::put_reference_rate))
                .service(named!(exchange_rates::list))
                .service(named!(exchange_rates::set))
                .service(named!(invoices::inkassosats))
                .service(named!(invoices::put_inkassosats))
                .service(named!(invoices::create))
                .service(named!(invoices::list))
                .service(named!(invoices::read))
                .service(named!(invoices::einvoice))
                .service(named!(invoices::replace))
                .service(named!(invoices::remove))
                .service(named!(invoices::issue))
                .service(named!(invoices::credit))
                .service(named!(invoices::event))
                .service(named!(invoices::run))
                .service(named!(invoices::runs))
                .service(named!(invoices::resume))
                .service(named!(invoices::audit_trail))
                .service(named!(payments::register))
                .service(named!(payments::list))
                .service(named!(payments::read))
                .service(named!(payments::allocate))
                .service(named!(payments::refund))
                .service(named!(payments::reverse))
                .service(named!(payments::import_file))
                .service(named!(reminders::run))
                .service(named!(statements::issue))
                .service(named!(reminders::list))
                .service(named!(reminders::read))
                .service(named!(ledger::member_ledger))
                .service(named!(ledger::open_items))
                .service(named!(ledger::aging))
                .service(named!(ledger::years))
                .service(named!(mail::send_offer))
                .service(named!(mail::send_invoice))
                .service(named!(mail::send_reminder))
                .service(named!(mail::send_invoice_run))
                .service(named!(mail::send_reminder_run))
                .service(named!(mailings::send))
                .service(named!(mailings::list))
                .service(named!(mailings::read))
                .service(named!(mailings::resend))
                .service(named!(mail::list))
                .service(named!(mail::retry))
                .service(named!(mail::member_messages))
                .service(named!(mail::template))
                .service(named!(mail::put_template))
                .service(named!(mail::delete_template))
                .service(named!(webhooks::create))
                .service(named!(webhooks::list))
                .service(named!(webhooks::read))
                .service(named!(webhooks::update))
                .service(named!(webhooks::remove))
                .service(named!(webhooks::deliveries))
                .service(named!(webhooks::replay)),
        )
        .split_for_parts();
    openapi::Contract.modify(&mut api);
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
