//! Rows as the database holds them, and their conversion to and from domain values. Stored
//! values were parsed on the way in, so a failure to parse them back is an internal fault.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::domain::mail_sender::Mailbox;
use crate::domain::member::{
    Contact, ContactDetails, County, Mailings, Member, MemberDetails, PopulationCount,
};
use crate::domain::organisation::{
    CurrencyAccount, Organisation, OrganisationDetails, PaymentAccounts, Signatory,
};
use crate::domain::{
    Address, Bankgiro, Bic, Country, Currency, Email, Iban, Kontonummer, Language, MemberKind,
    MemberStatus, MunicipalityCode, OrgNumber, PeppolEndpoint, Plusgiro, VatNumber, VatStatus,
};
use crate::storage::schema::{contacts, members, organisations, populations};

fn stored<T, E: std::fmt::Debug>(what: &str, r: Result<T, E>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("stored {what} does not parse: {e:?}"))
}

fn stored_opt<T, E: std::fmt::Debug>(
    what: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> anyhow::Result<Option<T>> {
    raw.map(|r| stored(what, parse(r))).transpose()
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
pub struct OrganisationRow {
    pub id: String,
    pub name: String,
    pub legal_name: String,
    pub country: String,
    pub org_number: String,
    pub vat_status: String,
    pub vat_number: Option<String>,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub postal_code: String,
    pub city: String,
    pub address_country: String,
    pub seat: String,
    pub f_skatt: bool,
    pub bankgiro: Option<String>,
    pub plusgiro: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    /// JSON: the accounts of each currency beside the default one, keyed by currency code.
    pub currency_accounts: String,
    pub default_currency: String,
    pub default_language: String,
    pub payment_terms_days: i32,
    pub invoice_prefix: String,
    pub contact_email: String,
    pub signatories: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub email_from_name: Option<String>,
    pub email_from_address: Option<String>,
    pub email_reply_to_name: Option<String>,
    pub email_reply_to_address: Option<String>,
}

/// A mailbox as two columns: its display name and its address.
fn mailbox_columns(m: Option<&Mailbox>) -> (Option<String>, Option<String>) {
    match m {
        Some(m) => (m.name.clone(), Some(m.email.as_str().to_owned())),
        None => (None, None),
    }
}

fn stored_mailbox(
    what: &str,
    name: Option<String>,
    address: Option<&str>,
) -> anyhow::Result<Option<Mailbox>> {
    Ok(stored_opt(what, address, Email::parse)?.map(|email| Mailbox { name, email }))
}

/// One currency's accounts as stored: bare digits and electronic IBANs, as parsed.
#[derive(serde::Serialize, serde::Deserialize)]
struct CurrencyAccountJson {
    kontonummer: Option<String>,
    iban: Option<String>,
    bic: Option<String>,
}

fn currency_accounts_json(
    accounts: &BTreeMap<Currency, CurrencyAccount>,
) -> anyhow::Result<String> {
    let json: BTreeMap<&str, CurrencyAccountJson> = accounts
        .iter()
        .map(|(currency, a)| {
            (
                currency.as_str(),
                CurrencyAccountJson {
                    kontonummer: a.kontonummer.as_ref().map(|k| k.digits().to_owned()),
                    iban: a.iban.as_ref().map(|i| i.as_str().to_owned()),
                    bic: a.bic.as_ref().map(|b| b.as_str().to_owned()),
                },
            )
        })
        .collect();
    Ok(serde_json::to_string(&json)?)
}

fn currency_accounts(raw: &str) -> anyhow::Result<BTreeMap<Currency, CurrencyAccount>> {
    let json: BTreeMap<String, CurrencyAccountJson> =
        serde_json::from_str(raw).context("stored currency accounts")?;
    json.into_iter()
        .map(|(currency, a)| {
            Ok((
                stored("account currency", Currency::parse(&currency))?,
                CurrencyAccount {
                    kontonummer: stored_opt(
                        "kontonummer",
                        a.kontonummer.as_deref(),
                        Kontonummer::parse,
                    )?,
                    iban: stored_opt("iban", a.iban.as_deref(), Iban::parse)?,
                    bic: stored_opt("bic", a.bic.as_deref(), Bic::parse)?,
                },
            ))
        })
        .collect()
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SignatoryJson {
    name: String,
    title: String,
}

impl OrganisationRow {
    pub fn new(
        id: String,
        d: &OrganisationDetails,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    ) -> anyhow::Result<Self> {
        let signatories: Vec<SignatoryJson> = d
            .signatories
            .iter()
            .map(|s| SignatoryJson {
                name: s.name.clone(),
                title: s.title.clone(),
            })
            .collect();
        let (email_from_name, email_from_address) = mailbox_columns(d.email_from.as_ref());
        let (email_reply_to_name, email_reply_to_address) =
            mailbox_columns(d.email_reply_to.as_ref());
        Ok(Self {
            id,
            name: d.name.clone(),
            legal_name: d.legal_name.clone(),
            country: d.country.as_str().to_owned(),
            org_number: d.org_number.digits().to_owned(),
            vat_status: d.vat_status.as_str().to_owned(),
            vat_number: d.vat_number.as_ref().map(ToString::to_string),
            address_line1: d.address.line1.clone(),
            address_line2: d.address.line2.clone(),
            postal_code: d.address.postal_code.clone(),
            city: d.address.city.clone(),
            address_country: d.address.country.as_str().to_owned(),
            seat: d.seat.clone(),
            f_skatt: d.f_skatt,
            bankgiro: d.accounts.bankgiro.as_ref().map(|b| b.digits().to_owned()),
            plusgiro: d.accounts.plusgiro.as_ref().map(|p| p.digits().to_owned()),
            iban: d.accounts.iban.as_ref().map(|i| i.as_str().to_owned()),
            bic: d.accounts.bic.as_ref().map(|b| b.as_str().to_owned()),
            currency_accounts: currency_accounts_json(&d.accounts.by_currency)?,
            default_currency: d.default_currency.as_str().to_owned(),
            default_language: d.default_language.as_str().to_owned(),
            payment_terms_days: i32::from(d.payment_terms_days),
            invoice_prefix: d.invoice_prefix.clone(),
            contact_email: d.contact_email.as_str().to_owned(),
            signatories: serde_json::to_string(&signatories)?,
            created_at,
            updated_at,
            email_from_name,
            email_from_address,
            email_reply_to_name,
            email_reply_to_address,
        })
    }

    pub fn into_domain(self) -> anyhow::Result<Organisation> {
        let country = stored("country", Country::parse(&self.country))?;
        let signatories: Vec<SignatoryJson> =
            serde_json::from_str(&self.signatories).context("stored signatories")?;
        let details = OrganisationDetails {
            name: self.name,
            legal_name: self.legal_name,
            country,
            org_number: stored("org_number", OrgNumber::parse(country, &self.org_number))?,
            vat_status: stored("vat_status", VatStatus::parse(&self.vat_status))?,
            vat_number: stored_opt("vat_number", self.vat_number.as_deref(), |v| {
                VatNumber::parse(country, v)
            })?,
            address: Address {
                line1: self.address_line1,
                line2: self.address_line2,
                postal_code: self.postal_code,
                city: self.city,
                country: stored("address_country", Country::parse(&self.address_country))?,
            },
            seat: self.seat,
            f_skatt: self.f_skatt,
            accounts: PaymentAccounts {
                bankgiro: stored_opt("bankgiro", self.bankgiro.as_deref(), Bankgiro::parse)?,
                plusgiro: stored_opt("plusgiro", self.plusgiro.as_deref(), Plusgiro::parse)?,
                iban: stored_opt("iban", self.iban.as_deref(), Iban::parse)?,
                bic: stored_opt("bic", self.bic.as_deref(), Bic::parse)?,
                by_currency: currency_accounts(&self.currency_accounts)?,
            },
            default_currency: stored("default_currency", Currency::parse(&self.default_currency))?,
            default_language: stored("default_language", Language::parse(&self.default_language))?,
            payment_terms_days: stored(
                "payment_terms_days",
                u16::try_from(self.payment_terms_days),
            )?,
            invoice_prefix: self.invoice_prefix,
            contact_email: stored("contact_email", Email::parse(&self.contact_email))?,
            signatories: signatories
                .into_iter()
                .map(|s| Signatory {
                    name: s.name,
                    title: s.title,
                })
                .collect(),
            email_from: stored_mailbox(
                "email_from",
                self.email_from_name,
                self.email_from_address.as_deref(),
            )?,
            email_reply_to: stored_mailbox(
                "email_reply_to",
                self.email_reply_to_name,
                self.email_reply_to_address.as_deref(),
            )?,
        };
        Ok(Organisation {
            id: self.id,
            details,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = members, treat_none_as_null = true)]
pub struct MemberRow {
    pub id: String,
    pub organisation_id: String,
    pub kind: String,
    pub name: String,
    pub name_key: String,
    pub country: String,
    pub org_number: Option<String>,
    pub municipality_code: Option<String>,
    pub county_code: Option<String>,
    pub county_name: Option<String>,
    pub billing_line1: Option<String>,
    pub billing_line2: Option<String>,
    pub billing_postal_code: Option<String>,
    pub billing_city: Option<String>,
    pub billing_country: Option<String>,
    pub invoice_email: Option<String>,
    pub peppol_endpoint: Option<String>,
    pub buyer_reference: Option<String>,
    pub language: String,
    pub currency: String,
    pub status: String,
    pub archived_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub vat_number: Option<String>,
}

impl MemberRow {
    pub fn new(id: String, organisation_id: String, d: &MemberDetails, now: NaiveDateTime) -> Self {
        let a = d.billing_address.as_ref();
        Self {
            id,
            organisation_id,
            kind: d.kind.as_str().to_owned(),
            name: d.name.clone(),
            name_key: crate::domain::search_key(&d.name),
            country: d.country.as_str().to_owned(),
            org_number: d.org_number.as_ref().map(|o| o.digits().to_owned()),
            municipality_code: d.municipality_code.as_ref().map(|m| m.as_str().to_owned()),
            county_code: d.county.as_ref().map(|c| c.code.clone()),
            county_name: d.county.as_ref().map(|c| c.name.clone()),
            billing_line1: a.map(|a| a.line1.clone()),
            billing_line2: a.and_then(|a| a.line2.clone()),
            billing_postal_code: a.map(|a| a.postal_code.clone()),
            billing_city: a.map(|a| a.city.clone()),
            billing_country: a.map(|a| a.country.as_str().to_owned()),
            invoice_email: d.invoice_email.as_ref().map(|e| e.as_str().to_owned()),
            peppol_endpoint: d.peppol.as_ref().map(ToString::to_string),
            buyer_reference: d.buyer_reference.clone(),
            language: d.language.as_str().to_owned(),
            currency: d.currency.as_str().to_owned(),
            status: d.status.as_str().to_owned(),
            archived_at: None,
            created_at: now,
            updated_at: now,
            vat_number: d.vat_number.as_ref().map(ToString::to_string),
        }
    }

    /// Whether two rows describe the same member, ignoring bookkeeping columns.
    pub fn same_details(&self, other: &MemberRow) -> bool {
        let strip = |r: &MemberRow| MemberRow {
            id: String::new(),
            archived_at: None,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
            ..r.clone()
        };
        strip(self) == strip(other)
    }

    pub fn into_domain(self, population: Option<PopulationCount>) -> anyhow::Result<Member> {
        let country = stored("country", Country::parse(&self.country))?;
        let billing_address = match (
            self.billing_line1,
            self.billing_postal_code,
            self.billing_city,
        ) {
            (Some(line1), Some(postal_code), Some(city)) => Some(Address {
                line1,
                line2: self.billing_line2,
                postal_code,
                city,
                country: stored_opt(
                    "billing_country",
                    self.billing_country.as_deref(),
                    Country::parse,
                )?
                .unwrap_or(country),
            }),
            _ => None,
        };
        let county = match (self.county_code, self.county_name) {
            (Some(code), Some(name)) => Some(County { code, name }),
            _ => None,
        };
        let details = MemberDetails {
            kind: stored("kind", MemberKind::parse(&self.kind))?,
            name: self.name,
            country,
            org_number: stored_opt("org_number", self.org_number.as_deref(), |o| {
                OrgNumber::parse(country, o)
            })?,
            vat_number: stored_opt("vat_number", self.vat_number.as_deref(), |v| {
                VatNumber::parse(country, v)
            })?,
            municipality_code: stored_opt(
                "municipality_code",
                self.municipality_code.as_deref(),
                MunicipalityCode::parse,
            )?,
            county,
            billing_address,
            invoice_email: stored_opt(
                "invoice_email",
                self.invoice_email.as_deref(),
                Email::parse,
            )?,
            peppol: stored_opt(
                "peppol_endpoint",
                self.peppol_endpoint.as_deref(),
                PeppolEndpoint::parse,
            )?,
            buyer_reference: self.buyer_reference,
            language: stored("language", Language::parse(&self.language))?,
            currency: stored("currency", Currency::parse(&self.currency))?,
            status: stored("status", MemberStatus::parse(&self.status))?,
        };
        Ok(Member {
            id: self.id,
            organisation_id: self.organisation_id,
            details,
            population,
            archived_at: self.archived_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = populations)]
pub struct PopulationRow {
    pub member_id: String,
    pub reference_date: chrono::NaiveDate,
    pub count: i64,
    pub source: Option<String>,
    pub recorded_at: NaiveDateTime,
}

impl PopulationRow {
    pub fn into_domain(self) -> PopulationCount {
        PopulationCount {
            reference_date: self.reference_date,
            count: self.count,
            source: self.source,
        }
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = contacts, treat_none_as_null = true)]
pub struct ContactRow {
    pub id: String,
    pub organisation_id: String,
    pub member_id: String,
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub receives_offers: bool,
    pub receives_invoices: bool,
    pub receives_newsletters: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ContactRow {
    pub fn new(
        id: String,
        organisation_id: String,
        member_id: String,
        d: &ContactDetails,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            organisation_id,
            member_id,
            name: d.name.clone(),
            title: d.title.clone(),
            email: d.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: d.phone.clone(),
            receives_offers: d.mailings.offers,
            receives_invoices: d.mailings.invoices,
            receives_newsletters: d.mailings.newsletters,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn into_domain(self) -> anyhow::Result<Contact> {
        Ok(Contact {
            id: self.id,
            member_id: self.member_id,
            details: ContactDetails {
                name: self.name,
                title: self.title,
                email: stored_opt("email", self.email.as_deref(), Email::parse)?,
                phone: self.phone,
                mailings: Mailings {
                    offers: self.receives_offers,
                    invoices: self.receives_invoices,
                    newsletters: self.receives_newsletters,
                },
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
