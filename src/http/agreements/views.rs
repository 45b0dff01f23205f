//! What the agreement endpoints read and answer: the agreement's details, its versions, its
//! history, lifecycle moves and recorded usage.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::agreement::{
    AgreementHeader, AgreementStatus, NOTICE_MONTHS_MAX, TransitionDetails, version_on,
};
use crate::domain::contribution::ProRata;
use crate::domain::{Currency, Errors, Invalid, NAME_MAX, text};
use crate::error::Error;
use crate::http::names;
use crate::http::patch::Patchable;
use crate::services::agreements::{
    AgreementRecord, EventRecord, HeaderInput, NewUsage, TermsSpec, UsageRecord, VersionRecord,
    stored_terms,
};

/// An agreement's details. The terms are sent apart: with the agreement when it is created,
/// then as versions.
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AgreementHeaderBody {
    #[schema(value_type = String)]
    pub member_id: Option<String>,
    /// The member's currency when not given.
    #[schema(value_type = Option<names::Currency>)]
    pub currency: Option<String>,
    #[schema(value_type = names::ProRata)]
    pub pro_rata: Option<String>,
    #[schema(example = 6, value_type = i64, minimum = 0, maximum = 120)]
    pub notice_months: Option<i64>,
    #[schema(example = "2027-03-15", value_type = String, format = Date)]
    pub start_date: Option<String>,
    /// Absent: until further notice. Not before `start_date`.
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<String>,
}

impl AgreementHeaderBody {
    pub(super) fn parse(self) -> Result<HeaderInput, Error> {
        let mut e = Errors::new();
        let member_id = e.require("member_id", self.member_id.as_deref(), |s| {
            text(s, NAME_MAX)
        });
        let currency = e.check_opt("currency", self.currency.as_deref(), Currency::parse);
        let pro_rata = e.require("pro_rata", self.pro_rata.as_deref(), ProRata::parse);
        let notice_months = match self.notice_months {
            None => {
                e.add("notice_months", Invalid::Required);
                None
            }
            Some(n @ 0..=NOTICE_MONTHS_MAX) => Some(n as i32),
            Some(_) => {
                e.add(
                    "notice_months",
                    Invalid::OutOfRange {
                        min: 0,
                        max: NOTICE_MONTHS_MAX,
                    },
                );
                None
            }
        };
        let start_date = e.require(
            "start_date",
            self.start_date.as_deref(),
            crate::domain::iso_date,
        );
        let end_date = e.check_opt(
            "end_date",
            self.end_date.as_deref(),
            crate::domain::iso_date,
        );
        if let (Some(start), Some(Some(end))) = (start_date, end_date)
            && end < start
        {
            e.add(
                "end_date",
                Invalid::Mismatch {
                    other: "start_date",
                },
            );
        }
        e.finish(|| {
            Some(HeaderInput {
                member_id: member_id?,
                currency: currency?,
                pro_rata: pro_rata?,
                notice_months: notice_months?,
                start_date: start_date?,
                end_date: end_date?,
            })
        })
        .map_err(Error::Validation)
    }

    pub(super) fn from_domain(h: &AgreementHeader) -> Self {
        Self {
            member_id: Some(h.member_id.clone()),
            currency: Some(h.currency.as_str().to_owned()),
            pro_rata: Some(h.pro_rata.as_str().to_owned()),
            notice_months: Some(i64::from(h.notice_months)),
            start_date: Some(h.start_date.to_string()),
            end_date: h.end_date.map(|d| d.to_string()),
        }
    }
}

impl Patchable for AgreementHeaderBody {
    type Record = AgreementHeader;
    type Input = HeaderInput;

    fn of(header: &AgreementHeader) -> Self {
        Self::from_domain(header)
    }

    fn parse(self) -> Result<HeaderInput, Error> {
        AgreementHeaderBody::parse(self)
    }
}

/// A new agreement: its details and the terms that become version 1, effective from the
/// start date.
#[derive(Deserialize, ToSchema)]
pub struct NewAgreementBody {
    #[serde(flatten)]
    pub header: AgreementHeaderBody,
    pub terms: TermsSpec,
}

#[derive(Serialize, ToSchema)]
pub struct AgreementView {
    pub id: String,
    pub organisation_id: String,
    pub member_id: String,
    #[schema(value_type = names::AgreementStatus)]
    pub status: String,
    #[schema(value_type = names::Currency)]
    pub currency: String,
    #[schema(value_type = names::ProRata)]
    pub pro_rata: String,
    pub notice_months: i32,
    #[schema(value_type = String, format = Date)]
    pub start_date: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub end_date: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub accepted_on: Option<NaiveDate>,
    pub signed_by: Option<String>,
    /// The member's diarienummer of its decision.
    pub decision_reference: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<crate::domain::agreement::Agreement> for AgreementView {
    fn from(a: crate::domain::agreement::Agreement) -> Self {
        Self {
            id: a.id,
            organisation_id: a.organisation_id,
            member_id: a.header.member_id,
            status: a.status.as_str().to_owned(),
            currency: a.header.currency.as_str().to_owned(),
            pro_rata: a.header.pro_rata.as_str().to_owned(),
            notice_months: a.header.notice_months,
            start_date: a.header.start_date,
            end_date: a.header.end_date,
            accepted_on: a.acceptance.as_ref().map(|x| x.on),
            signed_by: a.acceptance.as_ref().map(|x| x.signed_by.clone()),
            decision_reference: a.acceptance.map(|x| x.decision_reference),
            terminated_on: a.termination.as_ref().map(|t| t.on),
            termination_reason: a.termination.map(|t| t.reason),
            created_at: a.created_at.and_utc(),
            updated_at: a.updated_at.and_utc(),
        }
    }
}

/// One version of the terms.
#[derive(Serialize, ToSchema)]
pub struct VersionView {
    pub version: i32,
    #[schema(value_type = String, format = Date)]
    pub effective_from: NaiveDate,
    pub terms: TermsSpec,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl TryFrom<VersionRecord> for VersionView {
    type Error = Error;

    fn try_from(v: VersionRecord) -> Result<Self, Error> {
        Ok(Self {
            terms: stored_terms(&v)?,
            version: v.version,
            effective_from: v.effective_from,
            created_at: v.created_at.and_utc(),
        })
    }
}

/// One step of the lifecycle.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub from: String,
    pub to: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub note: Option<String>,
}

impl From<EventRecord> for EventView {
    fn from(e: EventRecord) -> Self {
        Self {
            from: e.from.as_str().to_owned(),
            to: e.to.as_str().to_owned(),
            occurred_at: e.occurred_at.and_utc(),
            note: e.note,
        }
    }
}

/// An agreement with the terms in force today and its lifecycle history.
#[derive(Serialize, ToSchema)]
pub struct AgreementDetail {
    #[serde(flatten)]
    pub agreement: AgreementView,
    /// The version in force today; before the agreement starts, version 1.
    pub current_version: VersionView,
    /// The newest version, which may take effect later than today.
    pub latest_version: i32,
    /// Every transition, oldest first.
    pub history: Vec<EventView>,
}

pub(super) fn detail(record: AgreementRecord) -> Result<AgreementDetail, Error> {
    let today = crate::http::clock::today();
    let latest_version = record.versions.iter().map(|v| v.version).max().unwrap_or(0);
    let current = version_on(&record.versions, today)
        .cloned()
        .ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "agreement {} has no terms",
                record.agreement.id
            ))
        })?;
    Ok(AgreementDetail {
        agreement: record.agreement.into(),
        current_version: current.try_into()?,
        latest_version,
        history: record.history.into_iter().map(Into::into).collect(),
    })
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    pub member_id: Option<String>,
    #[param(value_type = Option<names::AgreementStatus>, inline)]
    pub status: Option<String>,
}

/// A move in the lifecycle.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    #[schema(value_type = names::AgreementStatus, example = "accepted")]
    pub to: Option<String>,
    /// accepted: the date the member signed; terminated: the agreement's last day.
    #[schema(example = "2026-12-01", value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    /// accepted: who signed for the member.
    #[schema(example = "Anna Andersson, kommundirektör")]
    pub signed_by: Option<String>,
    /// accepted: the member's diarienummer of its decision.
    #[schema(example = "KS 2026/123")]
    pub decision_reference: Option<String>,
    /// terminated: why.
    pub reason: Option<String>,
    /// Kept with the event in the history.
    pub note: Option<String>,
}

impl TransitionBody {
    pub(super) fn parse(
        self,
    ) -> Result<(AgreementStatus, TransitionDetails, Option<String>), Error> {
        let mut e = Errors::new();
        let to = e.require("to", self.to.as_deref(), AgreementStatus::parse);
        let date = e.check_opt("date", self.date.as_deref(), crate::domain::iso_date);
        let signed_by = e.check_opt("signed_by", self.signed_by.as_deref(), |s| {
            text(s, NAME_MAX)
        });
        let decision_reference = e.check_opt(
            "decision_reference",
            self.decision_reference.as_deref(),
            |s| text(s, 100),
        );
        let reason = e.check_opt("reason", self.reason.as_deref(), |s| text(s, 1000));
        let note = e.check_opt("note", self.note.as_deref(), |s| text(s, 1000));
        e.finish(|| {
            Some((
                to?,
                TransitionDetails {
                    date: date?,
                    signed_by: signed_by?,
                    decision_reference: decision_reference?,
                    reason: reason?,
                },
                note?,
            ))
        })
        .map_err(Error::Validation)
    }
}

/// New terms for an accepted or active agreement, from a date.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVersionBody {
    /// After the previous version's, and not after the agreement's end.
    #[schema(example = "2028-01-01", value_type = String, format = Date)]
    pub effective_from: Option<String>,
    #[schema(value_type = TermsSpec)]
    pub terms: Option<TermsSpec>,
}

/// Usage of a service, recorded after the fact.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBody {
    #[schema(example = "2027-05-12", value_type = String, format = Date)]
    pub used_on: Option<String>,
    /// A service on the price list of the year it was used in.
    #[schema(example = "SKOLPROG", value_type = String, pattern = r"^[A-Za-z0-9_-]{1,30}$")]
    pub item_code: Option<String>,
    #[schema(value_type = names::Decimal, example = "1")]
    pub quantity: Option<String>,
    #[schema(example = "Klass 5B, Sandareds skola")]
    pub note: Option<String>,
}

impl UsageBody {
    pub(super) fn parse(self) -> Result<NewUsage, Error> {
        let mut e = Errors::new();
        let used_on = e.require("used_on", self.used_on.as_deref(), crate::domain::iso_date);
        let item_code = e.require("item_code", self.item_code.as_deref(), |c| {
            crate::domain::code(c, 30)
        });
        let amount = e.require(
            "quantity",
            self.quantity.as_deref(),
            crate::domain::money::parse_count,
        );
        let note = e.check_opt("note", self.note.as_deref(), |s| text(s, 1000));
        e.finish(|| {
            Some(NewUsage {
                used_on: used_on?,
                item_code: item_code?,
                quantity: amount?,
                note: note?,
            })
        })
        .map_err(Error::Validation)
    }
}

#[derive(Serialize, ToSchema)]
pub struct UsageView {
    pub id: String,
    #[schema(value_type = String, format = Date)]
    pub used_on: NaiveDate,
    pub item_code: String,
    pub quantity: String,
    pub note: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<UsageRecord> for UsageView {
    fn from(u: UsageRecord) -> Self {
        Self {
            id: u.id,
            used_on: u.used_on,
            item_code: u.item_code,
            quantity: u.quantity.to_string(),
            note: u.note,
            created_at: u.created_at.and_utc(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Only the usage of this year.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}
