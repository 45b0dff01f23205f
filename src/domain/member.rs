//! Members of an organisation: municipalities, regions, universities, companies, with their
//! contact persons and population history.

use chrono::NaiveDate;

use crate::domain::{
    Address, Country, Currency, Email, Language, MemberKind, MemberStatus, MunicipalityCode,
    OrgNumber, PeppolEndpoint, VatNumber,
};

/// Everything that describes a member, as created or updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDetails {
    pub kind: MemberKind,
    pub name: String,
    pub country: Country,
    pub org_number: Option<OrgNumber>,
    /// The buyer's VAT registration, in the member's country's form: printed on its
    /// invoices and named in a reverse-charge note (the buyer accounts for the VAT under it).
    pub vat_number: Option<VatNumber>,
    pub municipality_code: Option<MunicipalityCode>,
    /// The län / fylke, for filtering; taken from the municipality data when imported.
    pub county: Option<County>,
    pub billing_address: Option<Address>,
    pub invoice_email: Option<Email>,
    pub peppol: Option<PeppolEndpoint>,
    /// "Er referens": municipalities reject invoices without the reference they gave.
    pub buyer_reference: Option<String>,
    pub language: Language,
    pub currency: Currency,
    pub status: MemberStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    pub code: String,
    pub name: String,
}

/// Which mailings a contact person receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mailings {
    pub offers: bool,
    pub invoices: bool,
    pub newsletters: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetails {
    pub name: String,
    /// Role at the member, e.g. kommundirektör, utbildningschef, ekonomi.
    pub title: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub mailings: Mailings,
}

/// A population count at a reference date (SCB counts at 31 December, SSB at 1 January).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationCount {
    pub reference_date: NaiveDate,
    pub count: i64,
    /// Where the figure comes from, e.g. "SCB".
    pub source: Option<String>,
}

/// Largest municipality in the Nordics is below 1.1 million; a bound catches typing errors.
pub const POPULATION_MAX: i64 = 10_000_000;

pub fn population(count: i64) -> Result<i64, crate::domain::Invalid> {
    if (0..=POPULATION_MAX).contains(&count) {
        Ok(count)
    } else {
        Err(crate::domain::Invalid::OutOfRange {
            min: 0,
            max: POPULATION_MAX,
        })
    }
}

/// A Peppol buyer address is needed for e-invoices; when none is given, a public buyer is
/// usually reachable at its organisation number.
pub fn default_peppol(org_number: Option<&OrgNumber>, kind: MemberKind) -> Option<PeppolEndpoint> {
    match kind {
        MemberKind::Municipality | MemberKind::Region => {
            org_number.map(PeppolEndpoint::for_org_number)
        }
        _ => None,
    }
}

/// A member as stored, with its most recent population count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub organisation_id: String,
    pub details: MemberDetails,
    pub population: Option<PopulationCount>,
    pub archived_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A contact person as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub member_id: String,
    pub details: ContactDetails,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
