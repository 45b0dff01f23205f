//! Organisations: the issuing bodies. The operator creates them; their admins keep them up
//! to date.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::mail_sender::Mailbox;
use crate::domain::organisation::{
    self, CurrencyAccount, Organisation, OrganisationDetails, PaymentAccounts, Signatory,
};
use crate::domain::{
    Address, Bankgiro, Bic, Country, Currency, Email, Errors, Iban, Invalid, Kontonummer, Language,
    OrgNumber, Plusgiro, VatNumber, VatStatus, text,
};
use crate::error::Error;
use crate::http::AddressBody;
use crate::http::Db;
use crate::http::Items;
use crate::http::extract::{Body, Caller};
use crate::http::paging::{Paging, PagingParams};
use crate::http::patch::{self, Patchable};
use crate::services::organisations as service;

/// An organisation as sent on create, and as the document a PATCH merges into.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct OrganisationBody {
    #[schema(example = "Navet science center")]
    pub name: Option<String>,
    /// The registered name; the name when not given.
    #[schema(example = "Boråsregionen Sjuhärads kommunalförbund")]
    pub legal_name: Option<String>,
    #[schema(example = "SE")]
    pub country: Option<String>,
    #[schema(example = "222000-1321")]
    pub org_number: Option<String>,
    /// `registered` or `not_registered`; `registered` when a VAT number is given.
    pub vat_status: Option<String>,
    pub vat_number: Option<String>,
    pub address: Option<AddressBody>,
    /// Säte: where the body has its registered seat; the address's city when not given.
    #[schema(example = "Borås")]
    pub seat: Option<String>,
    /// Approved for F-tax (Godkänd för F-skatt).
    pub f_skatt: Option<bool>,
    /// Swedish bankgiro: takes SEK.
    #[schema(example = "5050-1055")]
    pub bankgiro: Option<String>,
    /// Swedish plusgiro: takes SEK.
    pub plusgiro: Option<String>,
    /// The account in the default currency, by IBAN (with `bic`).
    pub iban: Option<String>,
    pub bic: Option<String>,
    /// The accounts of other currencies, keyed by currency code: a Norwegian kontonummer
    /// for NOK, an IBAN (with BIC) for any currency. An invoice is paid to an account of its
    /// own currency, and is not issued without one.
    #[schema(example = json!({"NOK": {"kontonummer": "1234.56.78903"}, "EUR": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}}))]
    pub accounts: Option<BTreeMap<String, CurrencyAccountBody>>,
    pub default_currency: Option<String>,
    pub default_language: Option<String>,
    #[schema(example = 30)]
    pub payment_terms_days: Option<i64>,
    /// Invoice numbers read `PREFIX-YEAR-SEQUENCE`; made from the name's initials when not
    /// given ("Scandinavian Science Cluster" → SSC).
    #[schema(example = "NAV")]
    pub invoice_prefix: Option<String>,
    /// Where members write to the organisation; its email's Reply-To unless
    /// `email_reply_to` says otherwise.
    #[schema(example = "navet@boras.se")]
    pub contact_email: Option<String>,
    pub signatories: Option<Vec<SignatoryBody>>,
    /// The From of the organisation's email. When not given: the deployment's sender with
    /// the organisation's name, or the contact address when the deployment has no sender
    /// of its own. An address of the organisation's domain should be one the deployment's
    /// mail server may send for.
    pub email_from: Option<MailboxBody>,
    /// Where replies to the organisation's email go; the contact address when not given.
    pub email_reply_to: Option<MailboxBody>,
}

/// An email address with an optional display name.
#[derive(Deserialize, Serialize, ToSchema, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct MailboxBody {
    /// Shown beside the address; the organisation's name when not given.
    #[schema(example = "Navet science center")]
    pub name: Option<String>,
    #[schema(example = "utskick@navet.se")]
    pub address: Option<String>,
}

impl MailboxBody {
    /// Parses the mailbox given as `field`; errors under `field.name` and `field.address`.
    fn parse(self, field: &str, e: &mut Errors) -> Option<Mailbox> {
        let name = e.check_opt(
            &format!("{field}.name"),
            self.name.as_deref(),
            Mailbox::name,
        );
        let email = e.require(
            &format!("{field}.address"),
            self.address.as_deref(),
            |raw| {
                Email::parse(raw).and_then(|m| {
                    if crate::email::accepts(m.as_str()) {
                        Ok(m)
                    } else {
                        Err(Invalid::Email)
                    }
                })
            },
        );
        Some(Mailbox {
            name: name?,
            email: email?,
        })
    }

    fn from_domain(m: &Mailbox) -> Self {
        Self {
            name: m.name.clone(),
            address: Some(m.email.as_str().to_owned()),
        }
    }
}

/// The accounts that take payments in one currency.
#[derive(Deserialize, Serialize, ToSchema, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct CurrencyAccountBody {
    /// Norwegian bank account number, 11 digits with a mod 11 check digit; NOK only.
    #[schema(example = "1234.56.78903")]
    pub kontonummer: Option<String>,
    pub iban: Option<String>,
    /// Required with `iban`.
    pub bic: Option<String>,
}

impl CurrencyAccountBody {
    /// Parses the accounts of the currency named `code`; errors under `accounts.{code}`.
    fn parse(self, code: &str, e: &mut Errors) -> Option<(Currency, CurrencyAccount)> {
        let field = format!("accounts.{code}");
        let currency = e.check(&field, Currency::parse(code))?;
        let kontonummer = e.check_opt(
            &format!("{field}.kontonummer"),
            self.kontonummer.as_deref(),
            |raw| match currency {
                Currency::Nok => Kontonummer::parse(raw),
                _ => Err(Invalid::OnlyFor { currency: "NOK" }),
            },
        );
        let iban = e.check_opt(&format!("{field}.iban"), self.iban.as_deref(), Iban::parse);
        let bic = e.check_opt(&format!("{field}.bic"), self.bic.as_deref(), Bic::parse);
        if self.iban.is_some() && self.bic.is_none() {
            e.add(format!("{field}.bic"), Invalid::Required);
        }
        if self.kontonummer.is_none() && self.iban.is_none() {
            e.add(field, Invalid::Required);
            return None;
        }
        Some((
            currency,
            CurrencyAccount {
                kontonummer: kontonummer?,
                iban: iban?,
                bic: bic?,
            },
        ))
    }

    fn from_domain(a: &CurrencyAccount) -> Self {
        Self {
            kontonummer: a.kontonummer.as_ref().map(ToString::to_string),
            iban: a.iban.as_ref().map(|i| i.as_str().to_owned()),
            bic: a.bic.as_ref().map(|b| b.as_str().to_owned()),
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct SignatoryBody {
    #[schema(example = "Lisa Belfrage")]
    pub name: String,
    #[schema(example = "Verksamhetschef")]
    pub title: String,
}

impl OrganisationBody {
    pub fn parse(self) -> Result<OrganisationDetails, Error> {
        let mut e = Errors::new();
        let (name, legal_name) = names(self.name.as_deref(), self.legal_name.as_deref(), &mut e);
        let country = e.require("country", self.country.as_deref(), Country::parse);
        let seat = self
            .seat
            .as_deref()
            .map(|s| e.check("seat", text(s, crate::domain::NAME_MAX)));
        // Derived from the name when not given: one thing less to decide on day one.
        let invoice_prefix = match (self.invoice_prefix.as_deref(), &name) {
            (Some(raw), _) => e.check("invoice_prefix", organisation::invoice_prefix(raw)),
            (None, Some(name)) => Some(organisation::default_invoice_prefix(name)),
            (None, None) => None,
        };
        let contact_email = e.require("contact_email", self.contact_email.as_deref(), Email::parse);
        let email_from = self.email_from.map(|m| m.parse("email_from", &mut e));
        let email_reply_to = self
            .email_reply_to
            .map(|m| m.parse("email_reply_to", &mut e));
        let accounts = payment_accounts(
            [&self.bankgiro, &self.plusgiro, &self.iban, &self.bic].map(Option::as_deref),
            self.accounts.unwrap_or_default(),
            &mut e,
        );
        let (currency, language) = defaults(
            self.default_currency.as_deref(),
            self.default_language.as_deref(),
            &mut e,
        );
        let terms = e.check(
            "payment_terms_days",
            organisation::payment_terms_days(self.payment_terms_days.unwrap_or(30)),
        );
        let vat_status = e.check_opt("vat_status", self.vat_status.as_deref(), VatStatus::parse);
        let signatories = signatories(self.signatories.unwrap_or_default(), &mut e);
        // What depends on the country is only checked once the country is known.
        let registration = country.map(|country| {
            registration(
                country,
                (self.org_number.as_deref(), self.vat_number.as_deref()),
                self.address,
                &mut e,
            )
        });
        let (org_number, vat_number, address) = registration.unwrap_or((None, None, None));
        let vat_status = vat_status_of(vat_status.flatten(), &vat_number, &mut e);
        e.finish(|| {
            let country = country?;
            let address = address?;
            // The seat is where the address is unless it says otherwise.
            let seat = match seat {
                Some(seat) => seat?,
                None => address.city.clone(),
            };
            Some(OrganisationDetails {
                name: name?,
                legal_name: legal_name?,
                country,
                org_number: org_number?,
                vat_status: vat_status?,
                vat_number: vat_number?,
                address,
                seat,
                f_skatt: self.f_skatt.unwrap_or(false),
                accounts: accounts?,
                default_currency: currency?.unwrap_or(country.currency()),
                default_language: language?.unwrap_or(country.language()),
                payment_terms_days: terms?,
                invoice_prefix: invoice_prefix?,
                contact_email: contact_email?,
                signatories,
                email_from: email_from.map_or(Some(None), |m| m.map(Some))?,
                email_reply_to: email_reply_to.map_or(Some(None), |m| m.map(Some))?,
            })
        })
        .map_err(Error::Validation)
    }

    /// The body that would create `d`: what a PATCH is merged into.
    pub fn from_details(d: &OrganisationDetails) -> Self {
        Self {
            name: Some(d.name.clone()),
            legal_name: Some(d.legal_name.clone()),
            country: Some(d.country.as_str().to_owned()),
            org_number: Some(d.org_number.to_string()),
            vat_status: Some(d.vat_status.as_str().to_owned()),
            vat_number: d.vat_number.as_ref().map(ToString::to_string),
            address: Some(AddressBody::from_domain(&d.address)),
            seat: Some(d.seat.clone()),
            f_skatt: Some(d.f_skatt),
            bankgiro: d.accounts.bankgiro.as_ref().map(ToString::to_string),
            plusgiro: d.accounts.plusgiro.as_ref().map(ToString::to_string),
            iban: d.accounts.iban.as_ref().map(|i| i.as_str().to_owned()),
            bic: d.accounts.bic.as_ref().map(|b| b.as_str().to_owned()),
            accounts: Some(
                d.accounts
                    .by_currency
                    .iter()
                    .map(|(c, a)| (c.as_str().to_owned(), CurrencyAccountBody::from_domain(a)))
                    .collect(),
            ),
            default_currency: Some(d.default_currency.as_str().to_owned()),
            default_language: Some(d.default_language.as_str().to_owned()),
            payment_terms_days: Some(i64::from(d.payment_terms_days)),
            invoice_prefix: Some(d.invoice_prefix.clone()),
            contact_email: Some(d.contact_email.as_str().to_owned()),
            signatories: Some(
                d.signatories
                    .iter()
                    .map(|s| SignatoryBody {
                        name: s.name.clone(),
                        title: s.title.clone(),
                    })
                    .collect(),
            ),
            email_from: d.email_from.as_ref().map(MailboxBody::from_domain),
            email_reply_to: d.email_reply_to.as_ref().map(MailboxBody::from_domain),
        }
    }
}

/// The name, and the registered name, which is the name unless it differs.
fn names(
    name: Option<&str>,
    legal_name: Option<&str>,
    e: &mut Errors,
) -> (Option<String>, Option<String>) {
    let name = e.require("name", name, |s| text(s, crate::domain::NAME_MAX));
    let legal_name = match legal_name {
        Some(raw) => e.check("legal_name", text(raw, crate::domain::NAME_MAX)),
        None => name.clone(),
    };
    (name, legal_name)
}

/// The currency and the language the organisation bills in unless a member's differ;
/// the country's when not given.
fn defaults(
    currency: Option<&str>,
    language: Option<&str>,
    e: &mut Errors,
) -> (Option<Option<Currency>>, Option<Option<Language>>) {
    let currency = e.check_opt("default_currency", currency, Currency::parse);
    let language = e.check_opt("default_language", language, Language::parse);
    (currency, language)
}

/// Whether the organisation is registered for VAT: as given, or as its VAT number says.
/// A registered one needs its VAT number.
fn vat_status_of(
    given: Option<VatStatus>,
    vat_number: &Option<Option<VatNumber>>,
    e: &mut Errors,
) -> Option<VatStatus> {
    let status = match (given, vat_number) {
        (Some(status), _) => status,
        (None, Some(Some(_))) => VatStatus::Registered,
        (None, _) => VatStatus::NotRegistered,
    };
    if status == VatStatus::Registered && matches!(vat_number, Some(None)) {
        e.add("vat_number", Invalid::Required);
    }
    Some(status)
}

/// The accounts that take payments: bankgiro, plusgiro, IBAN and BIC in the default
/// currency, then those of other currencies.
fn payment_accounts(
    [bankgiro, plusgiro, iban, bic]: [Option<&str>; 4],
    by_currency: BTreeMap<String, CurrencyAccountBody>,
    e: &mut Errors,
) -> Option<PaymentAccounts> {
    let bankgiro = e.check_opt("bankgiro", bankgiro, Bankgiro::parse);
    let plusgiro = e.check_opt("plusgiro", plusgiro, Plusgiro::parse);
    let parsed_iban = e.check_opt("iban", iban, Iban::parse);
    let parsed_bic = e.check_opt("bic", bic, Bic::parse);
    if matches!(&parsed_iban, Some(Some(_))) && bic.is_none() {
        e.add("bic", Invalid::Required);
    }
    let by_currency: Vec<Option<(Currency, CurrencyAccount)>> = by_currency
        .into_iter()
        .map(|(code, a)| a.parse(&code, e))
        .collect();
    Some(PaymentAccounts {
        bankgiro: bankgiro?,
        plusgiro: plusgiro?,
        iban: parsed_iban?,
        bic: parsed_bic?,
        by_currency: by_currency.into_iter().collect::<Option<_>>()?,
    })
}

/// The signatories, each bad name or title named by its place in the list.
fn signatories(given: Vec<SignatoryBody>, e: &mut Errors) -> Vec<Signatory> {
    given
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let name = e.check(
                &format!("signatories[{i}].name"),
                text(&s.name, crate::domain::NAME_MAX),
            );
            let title = e.check(
                &format!("signatories[{i}].title"),
                text(&s.title, crate::domain::NAME_MAX),
            );
            Some(Signatory {
                name: name?,
                title: title?,
            })
        })
        .collect()
}

/// The organisation number, the VAT number (if any) and the address; each `None` when
/// invalid.
type Registration = (
    Option<OrgNumber>,
    Option<Option<VatNumber>>,
    Option<Address>,
);

/// What `country`'s registers decide: the organisation number, the VAT number (which
/// must be the organisation's) and the address.
fn registration(
    country: Country,
    (org_number, vat_number): (Option<&str>, Option<&str>),
    address: Option<AddressBody>,
    e: &mut Errors,
) -> Registration {
    let org_number = e.require("org_number", org_number, |s| OrgNumber::parse(country, s));
    let vat_number = e.check_opt("vat_number", vat_number, |s| VatNumber::parse(country, s));
    let address = match address {
        None => {
            e.add("address", Invalid::Required);
            None
        }
        Some(a) => a.parse("address", country, e),
    };
    if let (Some(org), Some(Some(vat))) = (&org_number, &vat_number)
        && vat.org_number() != org
    {
        e.add(
            "vat_number",
            Invalid::Mismatch {
                other: "org_number",
            },
        );
    }
    (org_number, vat_number, address)
}

impl Patchable for OrganisationBody {
    type Record = OrganisationDetails;
    type Input = OrganisationDetails;

    fn of(details: &OrganisationDetails) -> Self {
        Self::from_details(details)
    }

    fn parse(self) -> Result<OrganisationDetails, Error> {
        OrganisationBody::parse(self)
    }
}

/// An organisation as returned.
#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: String,
    #[serde(flatten)]
    pub body: OrganisationBody,
    /// The organisation number as printed (`212000-1561`).
    pub org_number_formatted: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        Self {
            org_number_formatted: o.details.org_number.to_string(),
            body: OrganisationBody::from_details(&o.details),
            id: o.id,
            created_at: o.created_at.and_utc(),
            updated_at: o.updated_at.and_utc(),
        }
    }
}

/// Creates an organisation (operator only).
#[utoipa::path(
    tag = "organisations",
    request_body = OrganisationBody,
    responses(
        (status = 201, body = OrganisationView),
        (status = 401, body = crate::http::problem::Problem),
        (status = 403, body = crate::http::problem::Problem),
        (status = 422, body = crate::http::problem::Problem),
    ),
    security(("bearer" = []))
)]
#[post("/organisations")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    Body(body): Body<OrganisationBody>,
) -> Result<HttpResponse, Error> {
    caller.operator()?;
    let details = body.parse()?;
    let org = db
        .write(move |conn| service::create(conn, &details))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/organisations/{}", org.id)))
        .json(OrganisationView::from(org)))
}

/// Lists the organisations the token may see: all for the operator, its own otherwise.
#[utoipa::path(tag = "organisations", params(PagingParams), responses((status = 200, body = Items<OrganisationView>)), security(("bearer" = [])))]
#[get("/organisations")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
) -> Result<web::Json<Items<OrganisationView>>, Error> {
    let only = caller.0.organisation_id.clone();
    let orgs = db
        .run(move |conn| service::list(conn, only.as_deref()))
        .await?;
    Ok(web::Json(paging.page(orgs)))
}

#[utoipa::path(
    tag = "organisations",
    params(("org" = String, Path, description = "Organisation id")),
    responses((status = 200, body = OrganisationView), (status = 404, body = crate::http::problem::Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<OrganisationView>, Error> {
    let org = path.into_inner();
    caller.read_organisation(&org)?;
    let found = db.run(move |conn| service::get(conn, &org)).await?;
    Ok(web::Json(found.into()))
}

/// Changes an organisation with a JSON merge patch (RFC 7396): fields given replace, `null`
/// clears, fields left out stay.
#[utoipa::path(
    tag = "organisations",
    params(("org" = String, Path, description = "Organisation id")),
    request_body(content = OrganisationBody, content_type = "application/merge-patch+json"),
    responses((status = 200, body = OrganisationView), (status = 422, body = crate::http::problem::Problem)),
    security(("bearer" = []))
)]
#[patch("/organisations/{org}")]
pub async fn update(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<String>,
    Body(body): Body<serde_json::Value>,
) -> Result<web::Json<OrganisationView>, Error> {
    let org = path.into_inner();
    caller.administer(&org)?;
    let updated = db
        .write(move |conn| service::patch(conn, &org, patch::edit::<OrganisationBody>(body)))
        .await?;
    Ok(web::Json(updated.into()))
}
