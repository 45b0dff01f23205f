//! Agreements with members: the agreement itself, its lifecycle, the versions of its terms,
//! recorded usage, and the contribution it gives for a fee year.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Db;
use crate::domain::agreement::{
    AgreementHeader, AgreementStatus, NOTICE_MONTHS_MAX, TransitionDetails, version_on,
};
use crate::domain::contribution::ProRata;
use crate::domain::contribution::{
    BandMode, Input, InputName, KeyKind, LineKind, Quantity, StatementLine, Step, Total, Value,
    VatTreatment,
};
use crate::domain::money::Money;
use crate::domain::{Currency, Errors, Invalid, NAME_MAX, text};
use crate::error::Error;
use crate::http::Items;
use crate::http::extract::{Body, Caller, from_value, from_value_at, with_part};
use crate::http::openapi::names;
use crate::http::paging::{ListQuery, Paging, PagingParams};
use crate::http::problem::Problem;
use crate::http::{merge_patch, to_value};
use crate::services::agreements::{
    self as service, AgreementRecord, Contribution, HeaderInput, TermsSpec, stored_terms,
};
use crate::storage::agreements::{
    self as store, AgreementFilter, EventRecord, NewUsage, UsageRecord, VersionRecord,
};

pub(crate) fn parse_year(raw: &str) -> Result<i32, Invalid> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .and_then(|y| service::fee_year(y).ok())
        .ok_or(Invalid::OutOfRange {
            min: 2000,
            max: 2100,
        })
}

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
    fn parse(self) -> Result<HeaderInput, Error> {
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

    fn from_domain(h: &AgreementHeader) -> Self {
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

fn detail(record: AgreementRecord) -> Result<AgreementDetail, Error> {
    let today = chrono::Utc::now().date_naive();
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

type OrgPath = web::Path<String>;
type AgreementPath = web::Path<(String, String)>;

/// Lists the organisation's agreements, oldest first.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), AgreementQuery, PagingParams),
    responses((status = 200, body = Items<AgreementView>), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    path: OrgPath,
    ListQuery(query, paging): ListQuery<AgreementQuery>,
) -> Result<web::Json<Items<AgreementView>>, Error> {
    let org = path.into_inner();
    caller.read_members(&org)?;
    let query = query.into_inner();
    let status = query
        .status
        .as_deref()
        .map(AgreementStatus::parse)
        .transpose()
        .map_err(|invalid| Error::field("status", invalid))?;
    let filter = AgreementFilter {
        member_id: query.member_id,
        status,
    };
    let items = db.run(move |conn| store::list(conn, &org, &filter)).await?;
    Ok(web::Json(paging.page(items)))
}

/// Creates a draft agreement for a member of the organisation that is not archived.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path)),
    request_body = NewAgreementBody,
    responses((status = 201, body = AgreementDetail), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/agreements")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    path: OrgPath,
    Body(body): Body<serde_json::Value>,
) -> Result<HttpResponse, Error> {
    let org = path.into_inner();
    caller.write_members(&org)?;
    let (header, terms) = with_part(
        body,
        "terms",
        true,
        |b| from_value::<AgreementHeaderBody>(b).and_then(AgreementHeaderBody::parse),
        from_value_at::<TermsSpec>,
    )?;
    let terms = terms.ok_or_else(|| Error::field("terms", Invalid::Required))?;
    let actor = caller.0.name.clone();
    let record = db
        .write(move |conn| {
            let created = service::create(conn, &org, &header, &terms, &actor)?;
            service::read(conn, &org, &created.id)
        })
        .await?;
    let location = format!(
        "/api/v1/organisations/{}/agreements/{}",
        record.agreement.organisation_id, record.agreement.id
    );
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .json(detail(record)?))
}

/// The agreement with its status, the terms in force today and the lifecycle history.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    responses((status = 200, body = AgreementDetail), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}")]
pub async fn read(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
) -> Result<web::Json<AgreementDetail>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let record = db.run(move |conn| service::read(conn, &org, &id)).await?;
    Ok(web::Json(detail(record)?))
}

/// Changes a draft's details with a JSON merge patch (RFC 7396); version 1 follows the start
/// date.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body(content = AgreementHeaderBody, content_type = "application/merge-patch+json"),
    responses((status = 200, body = AgreementDetail), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/organisations/{org}/agreements/{agreement}")]
pub async fn update(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(patch): Body<serde_json::Value>,
) -> Result<web::Json<AgreementDetail>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let record = db
        .write(move |conn| {
            let current = store::get(conn, &org, &id)?;
            let mut doc = to_value(&AgreementHeaderBody::from_domain(&current.header))?;
            merge_patch(&mut doc, &patch);
            let input = from_value::<AgreementHeaderBody>(doc)?.parse()?;
            service::update(conn, &org, &id, &input, &actor)?;
            service::read(conn, &org, &id)
        })
        .await?;
    Ok(web::Json(detail(record)?))
}

/// Deletes a draft. Agreements that were offered stay, with their history.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []))
)]
#[delete("/organisations/{org}/agreements/{agreement}")]
pub async fn remove(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    db.write(move |conn| service::delete(conn, &org, &id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces a draft's terms (version 1) in place. Once offered, changed terms are a new
/// version instead (409 here).
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body = TermsSpec,
    responses((status = 200, body = VersionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[put("/organisations/{org}/agreements/{agreement}/terms")]
pub async fn replace_terms(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(terms): Body<TermsSpec>,
) -> Result<web::Json<VersionView>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let actor = caller.0.name.clone();
    let version = db
        .write(move |conn| service::replace_terms(conn, &org, &id, &terms, &actor))
        .await?;
    Ok(web::Json(version.try_into()?))
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
    fn parse(self) -> Result<(AgreementStatus, TransitionDetails, Option<String>), Error> {
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

/// Moves the agreement through its lifecycle: draft → offered → accepted → active →
/// terminated or expired; offered → declined. Accepting needs `date`, `signed_by` and
/// `decision_reference`; terminating needs `date` and `reason`, and ends the agreement on
/// that date. Any other move is a 409 `transition_not_allowed`.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body = TransitionBody,
    responses((status = 200, body = AgreementDetail), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/agreements/{agreement}/transitions")]
pub async fn transition(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(body): Body<TransitionBody>,
) -> Result<web::Json<AgreementDetail>, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let (to, details, note) = body.parse()?;
    let actor = caller.0.name.clone();
    let record = db
        .write(move |conn| service::change_status(conn, &org, &id, to, details, note, &actor))
        .await?;
    Ok(web::Json(detail(record)?))
}

/// Every version of the terms, oldest first.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path), PagingParams),
    responses((status = 200, body = Items<VersionView>), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}/versions")]
pub async fn versions(
    db: web::Data<Db>,
    caller: Caller,
    paging: Paging,
    path: AgreementPath,
) -> Result<web::Json<Items<VersionView>>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let versions = db.run(move |conn| store::versions(conn, &org, &id)).await?;
    Ok(web::Json(
        paging.page(
            versions
                .into_iter()
                .map(VersionView::try_from)
                .collect::<Result<Vec<_>, _>>()?,
        ),
    ))
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

/// Agrees changed terms from `effective_from`; earlier versions stay readable as they were.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body = NewVersionBody,
    responses((status = 201, body = VersionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/agreements/{agreement}/versions")]
pub async fn create_version(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(body): Body<NewVersionBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let mut e = Errors::new();
    let effective_from = e.require(
        "effective_from",
        body.effective_from.as_deref(),
        crate::domain::iso_date,
    );
    if body.terms.is_none() {
        e.add("terms", Invalid::Required);
    }
    let (effective_from, terms) = e
        .finish(|| Some((effective_from?, body.terms?)))
        .map_err(Error::Validation)?;
    let actor = caller.0.name.clone();
    let version = db
        .write(move |conn| service::add_version(conn, &org, &id, effective_from, &terms, &actor))
        .await?;
    Ok(HttpResponse::Created().json(VersionView::try_from(version)?))
}

#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = VersionView), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}/versions/{version}")]
pub async fn read_version(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(String, String, i64)>,
) -> Result<web::Json<VersionView>, Error> {
    let (org, id, number) = path.into_inner();
    caller.read_members(&org)?;
    let number = i32::try_from(number).map_err(|_| Error::NotFound("agreement version"))?;
    let version = db
        .run(move |conn| store::get_version(conn, &org, &id, number))
        .await?;
    Ok(web::Json(version.try_into()?))
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
    fn parse(self) -> Result<NewUsage, Error> {
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

/// The usage recorded under the agreement, by date.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path), UsageQuery, PagingParams),
    responses((status = 200, body = Items<UsageView>), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}/usage")]
pub async fn usage_list(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    ListQuery(query, paging): ListQuery<UsageQuery>,
) -> Result<web::Json<Items<UsageView>>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let year = query
        .into_inner()
        .year
        .as_deref()
        .map(parse_year)
        .transpose()
        .map_err(|invalid| Error::field("year", invalid))?;
    let items = db
        .run(move |conn| store::usage(conn, &org, &id, year))
        .await?;
    Ok(web::Json(paging.page(items)))
}

/// Records usage of a service under an accepted (or since ended) agreement, within its
/// period; it is billed with the fee year it falls in.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path)),
    request_body = UsageBody,
    responses((status = 201, body = UsageView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/organisations/{org}/agreements/{agreement}/usage")]
pub async fn usage_record(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    Body(body): Body<UsageBody>,
) -> Result<HttpResponse, Error> {
    let (org, id) = path.into_inner();
    caller.write_members(&org)?;
    let usage = body.parse()?;
    let actor = caller.0.name.clone();
    let recorded = db
        .write(move |conn| service::record_usage(conn, &org, &id, &usage, &actor))
        .await?;
    Ok(HttpResponse::Created().json(UsageView::from(recorded)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContributionQuery {
    /// The fee year, e.g. 2027.
    #[param(value_type = i32, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

/// The typed value of an input.
#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ValueView {
    Integer {
        value: i64,
    },
    Decimal {
        value: String,
    },
    Percent {
        value: String,
    },
    Money {
        amount: String,
        currency: String,
    },
    Date {
        #[schema(value_type = String, format = Date)]
        value: NaiveDate,
    },
    Year {
        value: i32,
    },
    Code {
        value: String,
    },
    MemberKind {
        value: String,
    },
    Unit {
        value: String,
    },
    Vat {
        vat: String,
        vat_exempt_reason: Option<String>,
    },
    PopulationAt {
        count: i64,
        #[schema(value_type = String, format = Date)]
        date: NaiveDate,
    },
    YearPercent {
        year: i32,
        percent: String,
    },
    Fraction {
        numerator: i64,
        denominator: i64,
    },
    Rounding {
        decimals: u32,
        mode: String,
    },
    ProRata {
        value: String,
    },
    BandMode {
        value: String,
    },
    Band {
        index: usize,
        from: i64,
        to: Option<i64>,
        rate: String,
        fixed: Option<String>,
    },
    Key {
        value: String,
    },
}

/// One input of a line: what it is, and its value.
#[derive(Serialize, ToSchema)]
pub struct InputView {
    #[schema(example = "population")]
    pub name: String,
    #[serde(flatten)]
    pub value: ValueView,
}

/// One computation of a line; every value a decimal string, exact unless it is a rounding.
#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StepView {
    Indexed {
        quantity: String,
        before: String,
        factor: String,
        result: String,
    },
    Multiplied {
        quantity: String,
        left: String,
        right: String,
        result: String,
    },
    Added {
        quantity: String,
        left: String,
        right: String,
        result: String,
    },
    Subtracted {
        quantity: String,
        left: String,
        right: String,
        result: String,
    },
    Summed {
        quantity: String,
        terms: Vec<String>,
        result: String,
    },
    PercentOf {
        quantity: String,
        base: String,
        percent: String,
        result: String,
    },
    Clamped {
        limit: String,
        before: String,
        after: String,
    },
    BandChosen {
        index: usize,
        from: i64,
        to: Option<i64>,
    },
    BandPortion {
        index: usize,
        inhabitants: i64,
        rate: String,
        result: String,
    },
    Billable {
        quantity: String,
        included: String,
        result: String,
    },
    Discounted {
        before: String,
        percent: String,
        result: String,
    },
    ProRated {
        before: String,
        numerator: i64,
        denominator: i64,
        result: String,
    },
    Allocated {
        net: String,
        weight: String,
        total_weight: String,
        exact_share: String,
        result: String,
    },
    Rounded {
        quantity: String,
        before: String,
        after: String,
        decimals: u32,
        mode: String,
    },
}

/// One line of the statement.
#[derive(Serialize, ToSchema)]
pub struct StatementLineView {
    /// The fixed component's id, the service's item code, or `variable_cap`.
    #[schema(example = "fast-del")]
    pub component: String,
    /// fixed, variable or cap_adjustment.
    pub kind: String,
    /// terms (a fixed component or an ordered service), usage (recorded in the fee year) or
    /// cap.
    pub source: String,
    pub inputs: Vec<InputView>,
    pub steps: Vec<StepView>,
    #[schema(example = "278844.00")]
    pub amount: String,
    pub currency: String,
    /// outside_scope, exempt or the rate.
    pub vat: String,
    pub vat_exempt_reason: Option<String>,
}

/// The sum of the lines in one currency under one VAT treatment.
#[derive(Serialize, ToSchema)]
pub struct TotalView {
    pub currency: String,
    pub vat: String,
    pub vat_exempt_reason: Option<String>,
    pub amount: String,
}

/// What the agreement gives for a fee year, line by line, with every input and step.
#[derive(Serialize, ToSchema)]
pub struct ContributionView {
    pub agreement_id: String,
    pub member_id: String,
    pub fee_year: i32,
    /// The version of the terms used: the one in force on 31 December of the fee year.
    pub version: i32,
    #[schema(value_type = String, format = Date)]
    pub effective_from: NaiveDate,
    pub lines: Vec<StatementLineView>,
    /// Per currency and VAT treatment.
    pub totals: Vec<TotalView>,
    /// The members each pool component was shared among, by component id.
    pub pools: BTreeMap<String, Vec<String>>,
}

fn money(m: Money) -> String {
    m.amount().to_string()
}

fn vat(v: &VatTreatment) -> (String, Option<String>) {
    (v.code(), v.exempt_reason().map(str::to_owned))
}

fn input_name(name: InputName) -> &'static str {
    use InputName as N;
    match name {
        N::MemberKind => "member_kind",
        N::Amount => "amount",
        N::AmountOverride => "amount_override",
        N::Rate => "rate",
        N::BaseAmount => "base_amount",
        N::Floor => "floor",
        N::Ceiling => "ceiling",
        N::Population => "population",
        N::TotalPopulation => "total_population",
        N::MemberCount => "member_count",
        N::BandMode => "band_mode",
        N::Band => "band",
        N::IndexBaseYear => "index_base_year",
        N::IndexPercent => "index_percent",
        N::IndexFactor => "index_factor",
        N::IndexRounding => "index_rounding",
        N::PoolTotal => "pool_total",
        N::ExternalAmount => "external_amount",
        N::ExternalPercent => "external_percent",
        N::CoFunderAmount => "co_funder_amount",
        N::CoFunderPercent => "co_funder_percent",
        N::Key => "key",
        N::EqualPercent => "equal_percent",
        N::PopulationPercent => "population_percent",
        N::AgreedPercent => "agreed_percent",
        N::AgreementStart => "agreement_start",
        N::AgreementEnd => "agreement_end",
        N::ProRataRule => "pro_rata_rule",
        N::ProRataFraction => "pro_rata_fraction",
        N::ItemCode => "item_code",
        N::Unit => "unit",
        N::Quantity => "quantity",
        N::IncludedQuantity => "included_quantity",
        N::UnitPrice => "unit_price",
        N::UnitPriceOverride => "unit_price_override",
        N::DiscountPercent => "discount_percent",
        N::VariableCap => "variable_cap",
        N::VariableTotal => "variable_total",
        N::VatSubtotal => "vat_subtotal",
        N::ConvertedFrom => "converted_from",
        N::ExchangeRate => "exchange_rate",
        N::ExchangeDate => "exchange_date",
        N::ExchangeSource => "exchange_source",
    }
}

fn quantity_name(q: Quantity) -> String {
    use Quantity as Q;
    match q {
        Q::Rate => "rate",
        Q::Amount => "amount",
        Q::BaseAmount => "base_amount",
        Q::Floor => "floor",
        Q::Ceiling => "ceiling",
        Q::BandFixed => "band_fixed",
        Q::PopulationPart => "population_part",
        Q::Fee => "fee",
        Q::ProRatedFee => "pro_rated_fee",
        Q::PoolTotal => "pool_total",
        Q::ExternalAmount => "external_amount",
        Q::CoFunderAmount => "co_funder_amount",
        Q::NetAmount => "net_amount",
        Q::LineAmount => "line_amount",
        Q::CapReduction => "cap_reduction",
        Q::Converted => "converted",
    }
    .to_owned()
}

fn key_kind(k: KeyKind) -> &'static str {
    match k {
        KeyKind::Equal => "equal",
        KeyKind::Population => "population",
        KeyKind::Agreed => "agreed",
        KeyKind::Weighted => "weighted",
    }
}

fn band_mode(m: BandMode) -> &'static str {
    match m {
        BandMode::Step => "step",
        BandMode::Graduated => "graduated",
    }
}

fn line_kind(k: LineKind) -> &'static str {
    match k {
        LineKind::Fixed => "fixed",
        LineKind::Variable => "variable",
        LineKind::CapAdjustment => "cap_adjustment",
    }
}

fn value_view(v: &Value) -> ValueView {
    match v {
        Value::Integer(value) => ValueView::Integer { value: *value },
        Value::Decimal(d) => ValueView::Decimal {
            value: d.to_string(),
        },
        Value::Percent(p) => ValueView::Percent {
            value: p.to_string(),
        },
        Value::Money(m) => ValueView::Money {
            amount: money(*m),
            currency: m.currency().as_str().to_owned(),
        },
        Value::Date(value) => ValueView::Date { value: *value },
        Value::Year(value) => ValueView::Year { value: *value },
        Value::Code(c) => ValueView::Code { value: c.clone() },
        Value::Kind(k) => ValueView::MemberKind {
            value: k.as_str().to_owned(),
        },
        Value::Unit(u) => ValueView::Unit {
            value: u.as_str().to_owned(),
        },
        Value::Vat(v) => {
            let (vat, vat_exempt_reason) = vat(v);
            ValueView::Vat {
                vat,
                vat_exempt_reason,
            }
        }
        Value::PopulationAt { count, date } => ValueView::PopulationAt {
            count: *count,
            date: *date,
        },
        Value::YearPercent { year, percent } => ValueView::YearPercent {
            year: *year,
            percent: percent.to_string(),
        },
        Value::Fraction(f) => ValueView::Fraction {
            numerator: f.numerator,
            denominator: f.denominator,
        },
        Value::Rounding(r) => ValueView::Rounding {
            decimals: r.decimals,
            mode: r.mode.as_str().to_owned(),
        },
        Value::ProRata(p) => ValueView::ProRata {
            value: p.as_str().to_owned(),
        },
        Value::BandMode(m) => ValueView::BandMode {
            value: band_mode(*m).to_owned(),
        },
        Value::Band {
            index,
            from,
            to,
            rate,
            fixed,
        } => ValueView::Band {
            index: *index,
            from: *from,
            to: *to,
            rate: rate.to_string(),
            fixed: fixed.map(money),
        },
        Value::Key(k) => ValueView::Key {
            value: key_kind(*k).to_owned(),
        },
    }
}

fn input_view(i: &Input) -> InputView {
    InputView {
        name: input_name(i.name).to_owned(),
        value: value_view(&i.value),
    }
}

fn step_view(s: &Step) -> StepView {
    let t = |d: &rust_decimal::Decimal| d.to_string();
    match s {
        Step::Indexed {
            quantity,
            before,
            factor,
            result,
        } => StepView::Indexed {
            quantity: quantity_name(*quantity),
            before: t(before),
            factor: t(factor),
            result: t(result),
        },
        Step::Multiplied {
            quantity,
            left,
            right,
            result,
        } => StepView::Multiplied {
            quantity: quantity_name(*quantity),
            left: t(left),
            right: t(right),
            result: t(result),
        },
        Step::Added {
            quantity,
            left,
            right,
            result,
        } => StepView::Added {
            quantity: quantity_name(*quantity),
            left: t(left),
            right: t(right),
            result: t(result),
        },
        Step::Subtracted {
            quantity,
            left,
            right,
            result,
        } => StepView::Subtracted {
            quantity: quantity_name(*quantity),
            left: t(left),
            right: t(right),
            result: t(result),
        },
        Step::Summed {
            quantity,
            terms,
            result,
        } => StepView::Summed {
            quantity: quantity_name(*quantity),
            terms: terms.iter().map(t).collect(),
            result: t(result),
        },
        Step::PercentOf {
            quantity,
            base,
            percent,
            result,
        } => StepView::PercentOf {
            quantity: quantity_name(*quantity),
            base: t(base),
            percent: t(percent),
            result: t(result),
        },
        Step::Clamped {
            limit,
            before,
            after,
        } => StepView::Clamped {
            limit: match limit {
                crate::domain::contribution::Limit::Floor => "floor",
                crate::domain::contribution::Limit::Ceiling => "ceiling",
            }
            .to_owned(),
            before: t(before),
            after: t(after),
        },
        Step::BandChosen { index, from, to } => StepView::BandChosen {
            index: *index,
            from: *from,
            to: *to,
        },
        Step::BandPortion {
            index,
            inhabitants,
            rate,
            result,
        } => StepView::BandPortion {
            index: *index,
            inhabitants: *inhabitants,
            rate: t(rate),
            result: t(result),
        },
        Step::Billable {
            quantity,
            included,
            result,
        } => StepView::Billable {
            quantity: t(quantity),
            included: t(included),
            result: t(result),
        },
        Step::Discounted {
            before,
            percent,
            result,
        } => StepView::Discounted {
            before: t(before),
            percent: t(percent),
            result: t(result),
        },
        Step::ProRated {
            before,
            fraction,
            result,
        } => StepView::ProRated {
            before: t(before),
            numerator: fraction.numerator,
            denominator: fraction.denominator,
            result: t(result),
        },
        Step::Allocated {
            net,
            weight,
            total_weight,
            exact_share,
            result,
        } => StepView::Allocated {
            net: t(net),
            weight: t(weight),
            total_weight: t(total_weight),
            exact_share: t(exact_share),
            result: t(result),
        },
        Step::Rounded {
            quantity,
            before,
            after,
            rule,
        } => StepView::Rounded {
            quantity: quantity_name(*quantity),
            before: t(before),
            after: t(after),
            decimals: rule.decimals,
            mode: rule.mode.as_str().to_owned(),
        },
    }
}

fn line_view(line: &StatementLine, source: service::LineSource) -> StatementLineView {
    let (vat, vat_exempt_reason) = vat(&line.vat);
    StatementLineView {
        component: line.component.clone(),
        kind: line_kind(line.kind).to_owned(),
        source: source.as_str().to_owned(),
        inputs: line.inputs.iter().map(input_view).collect(),
        steps: line.steps.iter().map(step_view).collect(),
        amount: money(line.amount),
        currency: line.amount.currency().as_str().to_owned(),
        vat,
        vat_exempt_reason,
    }
}

fn total_view(total: &Total) -> TotalView {
    let (vat, vat_exempt_reason) = vat(&total.vat);
    TotalView {
        currency: total.currency.as_str().to_owned(),
        vat,
        vat_exempt_reason,
        amount: money(total.amount),
    }
}

impl From<Contribution> for ContributionView {
    fn from(c: Contribution) -> Self {
        Self {
            agreement_id: c.agreement.id,
            member_id: c.statement.member_id.clone(),
            fee_year: c.statement.fee_year,
            version: c.version.version,
            effective_from: c.version.effective_from,
            lines: c
                .statement
                .lines
                .iter()
                .zip(c.sources)
                .map(|(line, source)| line_view(line, source))
                .collect(),
            totals: c.statement.totals.iter().map(total_view).collect(),
            pools: c
                .pools
                .into_iter()
                .map(|(id, members)| (id, members.to_vec()))
                .collect(),
        }
    }
}

/// What the agreement gives for a fee year: the statement from the contribution engine, with
/// every input (population and its date, rate, index, share) and each rounding. The terms
/// used are those in force on 31 December of the year; pro-rating follows the agreement's
/// start and end; the variable part is the services ordered for the year plus the usage
/// recorded in it. A pool is shared among the members of every agreement (other than
/// declined offers) that uses the same saved fee model in the year, offered or not. What
/// keeps the fee from being calculated (a missing population count, an unknown item code, …)
/// is a 422 with the engine's code.
#[utoipa::path(
    tag = "agreements",
    params(("org" = String, Path), ("agreement" = String, Path), ContributionQuery),
    responses((status = 200, body = ContributionView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[get("/organisations/{org}/agreements/{agreement}/contribution")]
pub async fn contribution(
    db: web::Data<Db>,
    caller: Caller,
    path: AgreementPath,
    query: web::Query<ContributionQuery>,
) -> Result<web::Json<ContributionView>, Error> {
    let (org, id) = path.into_inner();
    caller.read_members(&org)?;
    let mut e = Errors::new();
    let year = e.require("year", query.into_inner().year.as_deref(), parse_year);
    let year = e.finish(|| year).map_err(Error::Validation)?;
    let result = db
        .run(move |conn| service::contribution(conn, &org, &id, year))
        .await?;
    Ok(web::Json(result.into()))
}
