//! A member and its contact persons as they are written in and out — JSON bodies, forms,
//! the audit trail — and parsed into the domain's types at the boundary.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::member::{
    self, ContactDetails, County, Mailings, Member, MemberDetails, PopulationCount,
};
use crate::domain::{
    Country, Currency, Email, Errors, Invalid, Language, MemberKind, MemberStatus,
    MunicipalityCode, OrgNumber, PeppolEndpoint, VatNumber, text,
};
use crate::error::Error;
use crate::schemas as names;
use crate::services::json::AddressBody;

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    #[schema(value_type = names::MemberKind)]
    pub kind: Option<String>,
    #[schema(example = "Bollebygd", value_type = String)]
    pub name: Option<String>,
    #[schema(value_type = names::Country)]
    pub country: Option<String>,
    /// Checked per country: SE 10 digits, Luhn, third digit ≥ 2; NO 9 digits, mod 11.
    #[schema(example = "212000-1561")]
    pub org_number: Option<String>,
    /// The member's VAT registration number, printed on its invoices and named in a
    /// reverse-charge note. Checked against `country`: SE + the 10 digits of an
    /// organisationsnummer + 01; NO + 9 digits of an organisasjonsnummer + MVA. Spaces,
    /// dots and hyphens are dropped and letters upper-cased.
    #[schema(example = "SE212000156101")]
    pub vat_number: Option<String>,
    /// SE kommunkod / NO kommunenummer.
    #[schema(example = "1443")]
    pub municipality_code: Option<String>,
    #[schema(example = "14", pattern = r"^[0-9]{2}$")]
    pub county_code: Option<String>,
    #[schema(example = "Västra Götalands län")]
    pub county_name: Option<String>,
    pub billing_address: Option<AddressBody>,
    #[schema(format = Email)]
    pub invoice_email: Option<String>,
    /// Peppol participant, `scheme:id`; for municipalities and regions `0007:`/`0192:` +
    /// organisation number unless given.
    #[schema(example = "0007:2120001561")]
    pub peppol_endpoint: Option<String>,
    /// "Er referens": the reference the member wants on its invoices.
    pub buyer_reference: Option<String>,
    #[schema(value_type = Option<names::Language>)]
    pub language: Option<String>,
    #[schema(value_type = Option<names::Currency>)]
    pub currency: Option<String>,
    /// `member` when not given.
    #[schema(value_type = Option<names::MemberStatus>)]
    pub status: Option<String>,
}

impl MemberBody {
    pub fn parse(self) -> Result<MemberDetails, Error> {
        let mut e = Errors::new();
        let kind = e.require("kind", self.kind.as_deref(), MemberKind::parse);
        let name = e.require("name", self.name.as_deref(), |s| {
            text(s, crate::domain::NAME_MAX)
        });
        let country = e.require("country", self.country.as_deref(), Country::parse);
        let municipality_code = e.check_opt(
            "municipality_code",
            self.municipality_code.as_deref(),
            MunicipalityCode::parse,
        );
        let county_name = e.check_opt("county_name", self.county_name.as_deref(), |s| {
            text(s, crate::domain::NAME_MAX)
        });
        let county_code = e.check_opt("county_code", self.county_code.as_deref(), |s| {
            let s = s.trim();
            if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(s.to_owned())
            } else {
                Err(Invalid::Length { expected: "2" })
            }
        });
        let invoice_email =
            e.check_opt("invoice_email", self.invoice_email.as_deref(), Email::parse);
        let peppol = e.check_opt(
            "peppol_endpoint",
            self.peppol_endpoint.as_deref(),
            PeppolEndpoint::parse,
        );
        let buyer_reference =
            e.check_opt("buyer_reference", self.buyer_reference.as_deref(), |s| {
                text(s, 100)
            });
        let language = e.check_opt("language", self.language.as_deref(), Language::parse);
        let currency = e.check_opt("currency", self.currency.as_deref(), Currency::parse);
        let status = e.check_opt("status", self.status.as_deref(), MemberStatus::parse);
        let (org_number, vat_number, address) = national(
            country,
            self.org_number.as_deref(),
            self.vat_number.as_deref(),
            self.billing_address,
            &mut e,
        );
        let county = county(&municipality_code, county_code, county_name, &mut e);
        e.finish(|| {
            let country = country?;
            let kind = kind?;
            let org_number = org_number?;
            let peppol = peppol?.or_else(|| member::default_peppol(org_number.as_ref(), kind));
            Some(MemberDetails {
                kind,
                name: name?,
                country,
                org_number,
                vat_number: vat_number?,
                municipality_code: municipality_code?,
                county: county?,
                billing_address: address?,
                invoice_email: invoice_email?,
                peppol,
                buyer_reference: buyer_reference?,
                language: language?.unwrap_or(country.language()),
                currency: currency?.unwrap_or(country.currency()),
                status: status?.unwrap_or(MemberStatus::Member),
            })
        })
        .map_err(Error::Validation)
    }

    pub fn from_details(d: &MemberDetails) -> Self {
        Self {
            kind: Some(d.kind.as_str().to_owned()),
            name: Some(d.name.clone()),
            country: Some(d.country.as_str().to_owned()),
            org_number: d.org_number.as_ref().map(ToString::to_string),
            vat_number: d.vat_number.as_ref().map(ToString::to_string),
            municipality_code: d.municipality_code.as_ref().map(ToString::to_string),
            county_code: d.county.as_ref().map(|c| c.code.clone()),
            county_name: d.county.as_ref().map(|c| c.name.clone()),
            billing_address: d.billing_address.as_ref().map(AddressBody::from_domain),
            invoice_email: d.invoice_email.as_ref().map(|e| e.as_str().to_owned()),
            peppol_endpoint: d.peppol.as_ref().map(ToString::to_string),
            buyer_reference: d.buyer_reference.clone(),
            language: Some(d.language.as_str().to_owned()),
            currency: Some(d.currency.as_str().to_owned()),
            status: Some(d.status.as_str().to_owned()),
        }
    }
}

/// A member as created: its details and, optionally, a first population count.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberBody {
    #[serde(flatten)]
    pub member: MemberBody,
    pub population: Option<PopulationBody>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PopulationBody {
    #[schema(example = 9784, minimum = 0, maximum = 10000000)]
    pub count: i64,
    #[schema(example = "2025-12-31", value_type = String, format = Date)]
    pub reference_date: String,
    #[schema(example = "SCB")]
    pub source: Option<String>,
}

impl PopulationBody {
    pub fn parse(&self, prefix: &str, e: &mut Errors) -> Option<PopulationCount> {
        let count = e.check(&format!("{prefix}count"), member::population(self.count));
        let reference_date = e.check(
            &format!("{prefix}reference_date"),
            crate::domain::iso_date(&self.reference_date),
        );
        let source = e.check_opt(&format!("{prefix}source"), self.source.as_deref(), |s| {
            text(s, 100)
        });
        Some(PopulationCount {
            reference_date: reference_date?,
            count: count?,
            source: source?,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct PopulationView {
    pub count: i64,
    #[schema(value_type = String, format = Date)]
    pub reference_date: NaiveDate,
    pub source: Option<String>,
}

impl From<PopulationCount> for PopulationView {
    fn from(p: PopulationCount) -> Self {
        Self {
            count: p.count,
            reference_date: p.reference_date,
            source: p.source,
        }
    }
}

/// A member's details as the audit trail keeps them.
#[derive(Serialize)]
pub struct Trace {
    #[serde(flatten)]
    body: MemberBody,
    archived: bool,
}

impl Trace {
    pub fn of(member: &Member) -> Self {
        Self {
            body: MemberBody::from_details(&member.details),
            archived: member.archived_at.is_some(),
        }
    }
}

/// A contact person as the audit trail keeps it: which contact, its role and what it
/// receives, but no name, address or phone, since a deleted contact's personal data must
/// go while the trail stays.
#[derive(Serialize)]
pub struct ContactTrace {
    contact_id: String,
    title: Option<String>,
    receives_offers: bool,
    receives_invoices: bool,
    receives_newsletters: bool,
}

impl ContactTrace {
    pub fn of(contact: &member::Contact) -> Self {
        let d = &contact.details;
        Self {
            contact_id: contact.id.clone(),
            title: d.title.clone(),
            receives_offers: d.mailings.offers,
            receives_invoices: d.mailings.invoices,
            receives_newsletters: d.mailings.newsletters,
        }
    }
}

pub fn populations(counts: &[PopulationCount]) -> Vec<PopulationView> {
    counts.iter().cloned().map(PopulationView::from).collect()
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    #[schema(example = "Anna Andersson", value_type = String)]
    pub name: Option<String>,
    /// Role at the member, e.g. kommundirektör, utbildningschef, ekonomi.
    #[schema(example = "Kommundirektör")]
    pub title: Option<String>,
    /// Required when the contact receives anything.
    #[schema(format = Email)]
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Receives offer letters.
    pub receives_offers: Option<bool>,
    /// Receives invoices and reminders.
    pub receives_invoices: Option<bool>,
    /// Receives newsletters.
    pub receives_newsletters: Option<bool>,
}

impl ContactBody {
    pub fn parse(self) -> Result<ContactDetails, Error> {
        let mut e = Errors::new();
        let name = e.require("name", self.name.as_deref(), |s| {
            text(s, crate::domain::NAME_MAX)
        });
        let title = e.check_opt("title", self.title.as_deref(), |s| {
            text(s, crate::domain::NAME_MAX)
        });
        let email = e.check_opt("email", self.email.as_deref(), Email::parse);
        let phone = e.check_opt("phone", self.phone.as_deref(), crate::domain::phone);
        let mailings = Mailings {
            offers: self.receives_offers.unwrap_or(false),
            invoices: self.receives_invoices.unwrap_or(false),
            newsletters: self.receives_newsletters.unwrap_or(false),
        };
        // Mail needs an address to go to.
        if (mailings.offers || mailings.invoices || mailings.newsletters)
            && matches!(email, Some(None))
        {
            e.add("email", Invalid::Required);
        }
        e.finish(|| {
            Some(ContactDetails {
                name: name?,
                title: title?,
                email: email?,
                phone: phone?,
                mailings,
            })
        })
        .map_err(Error::Validation)
    }

    pub fn from_details(d: &ContactDetails) -> Self {
        Self {
            name: Some(d.name.clone()),
            title: d.title.clone(),
            email: d.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: d.phone.clone(),
            receives_offers: Some(d.mailings.offers),
            receives_invoices: Some(d.mailings.invoices),
            receives_newsletters: Some(d.mailings.newsletters),
        }
    }
}

/// The fields read by the member's country: organisation and VAT numbers, and the address.
/// Without a country, none of them can be read.
#[allow(clippy::type_complexity)]
fn national(
    country: Option<Country>,
    org_number: Option<&str>,
    vat_number: Option<&str>,
    billing_address: Option<AddressBody>,
    e: &mut Errors,
) -> (
    Option<Option<OrgNumber>>,
    Option<Option<VatNumber>>,
    Option<Option<crate::domain::Address>>,
) {
    let Some(country) = country else {
        return (None, None, None);
    };
    let org_number = e.check_opt("org_number", org_number, |s| OrgNumber::parse(country, s));
    let vat_number = e.check_opt("vat_number", vat_number, |s| VatNumber::parse(country, s));
    let address = match billing_address {
        None => Some(None),
        Some(a) => a.parse("billing_address", country, e).map(Some),
    };
    (org_number, vat_number, address)
}

/// The county: as given, or from the municipality code when only its name is; it must
/// agree with the municipality.
fn county(
    municipality_code: &Option<Option<MunicipalityCode>>,
    county_code: Option<Option<String>>,
    county_name: Option<Option<String>>,
    e: &mut Errors,
) -> Option<Option<County>> {
    let county = match (municipality_code, county_code, county_name) {
        (_, Some(Some(code)), Some(Some(name))) => Some(Some(County { code, name })),
        (Some(Some(m)), Some(None), Some(Some(name))) => Some(Some(County {
            code: m.county_code().to_owned(),
            name,
        })),
        (_, Some(Some(_)), Some(None)) => {
            e.add("county_name", Invalid::Required);
            None
        }
        _ => Some(None),
    };
    if let (Some(Some(m)), Some(Some(c))) = (municipality_code, &county)
        && m.county_code() != c.code
    {
        e.add(
            "county_code",
            Invalid::Mismatch {
                other: "municipality_code",
            },
        );
    }
    county
}
