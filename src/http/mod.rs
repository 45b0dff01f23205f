//! The HTTP API: thin handlers that extract, parse into domain types, call a use case and
//! answer with a view.

pub mod access;
pub mod agreements;
pub mod clock;
mod db;
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
pub mod names;
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
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::domain::Invalid;
use crate::error::Error;
pub use db::{Db, blocking};
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

pub use crate::services::json::{AddressBody, merge_patch, to_value};

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
                .configure(people)
                .configure(pricing_and_agreements)
                .configure(documents)
                .configure(invoicing)
                .configure(collection_and_mail),
        )
        .split_for_parts();
    openapi::Contract.modify(&mut api);
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    (app, api)
}

/// Routes of organisations, members, their contacts and tokens.
fn people(cfg: &mut ServiceConfig) {
    cfg.service(named!(organisations::create));
    cfg.service(named!(organisations::list));
    cfg.service(named!(organisations::read));
    cfg.service(named!(organisations::update));
    cfg.service(named!(members::list));
    cfg.service(named!(members::create));
    cfg.service(named!(members::read));
    cfg.service(named!(members::update));
    cfg.service(named!(members::archive));
    cfg.service(named!(members::population_list));
    cfg.service(named!(members::population_record));
    cfg.service(named!(members::population_delete));
    cfg.service(named!(members::contact_list));
    cfg.service(named!(members::contact_create));
    cfg.service(named!(members::contact_read));
    cfg.service(named!(members::contact_update));
    cfg.service(named!(members::contact_delete));
    cfg.service(named!(imports::municipalities));
    cfg.service(named!(tokens::create));
    cfg.service(named!(tokens::list));
    cfg.service(named!(tokens::revoke));
}

/// Routes of price lists, index series, fee models, agreements and previews.
fn pricing_and_agreements(cfg: &mut ServiceConfig) {
    cfg.service(named!(pricing::price_list));
    cfg.service(named!(pricing::create_item));
    cfg.service(named!(pricing::update_item));
    cfg.service(named!(pricing::delete_item));
    cfg.service(named!(pricing::copy_price_list));
    cfg.service(named!(pricing::list_series));
    cfg.service(named!(pricing::create_series));
    cfg.service(named!(pricing::read_series));
    cfg.service(named!(pricing::replace_series));
    cfg.service(named!(pricing::delete_series));
    cfg.service(named!(pricing::list_models));
    cfg.service(named!(pricing::create_model));
    cfg.service(named!(pricing::read_model));
    cfg.service(named!(pricing::replace_model));
    cfg.service(named!(pricing::delete_model));
    cfg.service(named!(agreements::list));
    cfg.service(named!(agreements::create));
    cfg.service(named!(agreements::read));
    cfg.service(named!(agreements::update));
    cfg.service(named!(agreements::remove));
    cfg.service(named!(agreements::replace_terms));
    cfg.service(named!(agreements::transition));
    cfg.service(named!(agreements::versions));
    cfg.service(named!(agreements::create_version));
    cfg.service(named!(agreements::read_version));
    cfg.service(named!(agreements::usage_list));
    cfg.service(named!(agreements::usage_record));
    cfg.service(named!(agreements::contribution));
    cfg.service(named!(preview::preview));
}

/// Routes of offer letters, documents, templates and invoice settings.
fn documents(cfg: &mut ServiceConfig) {
    cfg.service(named!(documents::offer_preview));
    cfg.service(named!(documents::offer_issue));
    cfg.service(named!(documents::list));
    cfg.service(named!(documents::read));
    cfg.service(named!(documents::read_pdf));
    cfg.service(named!(documents::templates));
    cfg.service(named!(documents::template));
    cfg.service(named!(documents::put_template));
    cfg.service(named!(documents::delete_template));
    cfg.service(named!(documents::template_sample));
    cfg.service(named!(documents::put_logo));
    cfg.service(named!(documents::logo));
    cfg.service(named!(documents::delete_logo));
    cfg.service(named!(invoices::read_settings));
    cfg.service(named!(invoices::put_settings));
    cfg.service(named!(invoices::reference_rates));
    cfg.service(named!(invoices::put_reference_rate));
    cfg.service(named!(exchange_rates::list));
    cfg.service(named!(exchange_rates::set));
    cfg.service(named!(invoices::inkassosats));
    cfg.service(named!(invoices::put_inkassosats));
}

/// Routes of invoices, runs and payments.
fn invoicing(cfg: &mut ServiceConfig) {
    cfg.service(named!(invoices::create));
    cfg.service(named!(invoices::list));
    cfg.service(named!(invoices::read));
    cfg.service(named!(invoices::einvoice));
    cfg.service(named!(invoices::replace));
    cfg.service(named!(invoices::remove));
    cfg.service(named!(invoices::issue));
    cfg.service(named!(invoices::credit));
    cfg.service(named!(invoices::event));
    cfg.service(named!(invoices::run));
    cfg.service(named!(invoices::runs));
    cfg.service(named!(invoices::resume));
    cfg.service(named!(invoices::audit_trail));
    cfg.service(named!(payments::register));
    cfg.service(named!(payments::list));
    cfg.service(named!(payments::read));
    cfg.service(named!(payments::allocate));
    cfg.service(named!(payments::refund));
    cfg.service(named!(payments::reverse));
    cfg.service(named!(payments::import_file));
}

/// Routes of reminders, statements, ledgers, email and webhooks.
fn collection_and_mail(cfg: &mut ServiceConfig) {
    cfg.service(named!(reminders::run));
    cfg.service(named!(statements::issue));
    cfg.service(named!(reminders::list));
    cfg.service(named!(reminders::read));
    cfg.service(named!(ledger::member_ledger));
    cfg.service(named!(ledger::open_items));
    cfg.service(named!(ledger::aging));
    cfg.service(named!(ledger::years));
    cfg.service(named!(mail::send_offer));
    cfg.service(named!(mail::send_invoice));
    cfg.service(named!(mail::send_reminder));
    cfg.service(named!(mail::send_invoice_run));
    cfg.service(named!(mail::send_reminder_run));
    cfg.service(named!(mailings::send));
    cfg.service(named!(mailings::list));
    cfg.service(named!(mailings::read));
    cfg.service(named!(mailings::resend));
    cfg.service(named!(mail::list));
    cfg.service(named!(mail::retry));
    cfg.service(named!(mail::member_messages));
    cfg.service(named!(mail::template));
    cfg.service(named!(mail::put_template));
    cfg.service(named!(mail::delete_template));
    cfg.service(named!(webhooks::create));
    cfg.service(named!(webhooks::list));
    cfg.service(named!(webhooks::read));
    cfg.service(named!(webhooks::update));
    cfg.service(named!(webhooks::remove));
    cfg.service(named!(webhooks::deliveries));
    cfg.service(named!(webhooks::replay));
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
