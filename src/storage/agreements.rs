//! Agreements, the versions of their terms, their lifecycle history and recorded usage. Every
//! query is scoped by the organisation: the child tables are reached only through an
//! agreement found in it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use rust_decimal::Decimal;

use crate::domain::Currency;
use crate::domain::StateConflict;
use crate::domain::agreement::{
    Acceptance, Agreement, AgreementHeader, AgreementStatus, Effective, Termination,
};
use crate::domain::contribution::ProRata;
use crate::storage::Error;
use crate::storage::schema::agreement_events::dsl as ev;
use crate::storage::schema::agreement_versions::dsl as av;
use crate::storage::schema::agreements::dsl as ag;
use crate::storage::schema::usage_records::dsl as us;
use crate::storage::{DbConnection, new_id, now};

/// An agreement as stored; also what the audit trail records of it.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::agreements)]
pub struct AgreementRow {
    id: String,
    organisation_id: String,
    member_id: String,
    status: String,
    currency: String,
    pro_rata: String,
    notice_months: i32,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    accepted_on: Option<NaiveDate>,
    signed_by: Option<String>,
    decision_reference: Option<String>,
    terminated_on: Option<NaiveDate>,
    termination_reason: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn bad(id: &str, what: &str) -> Error {
    Error::Internal(anyhow::anyhow!("stored agreement {id} has a bad {what}"))
}

impl AgreementRow {
    fn into_domain(self) -> Result<Agreement, Error> {
        let acceptance = match (self.accepted_on, self.signed_by, self.decision_reference) {
            (Some(on), Some(signed_by), Some(decision_reference)) => Some(Acceptance {
                on,
                signed_by,
                decision_reference,
            }),
            _ => None,
        };
        let termination = match (self.terminated_on, self.termination_reason) {
            (Some(on), Some(reason)) => Some(Termination { on, reason }),
            _ => None,
        };
        Ok(Agreement {
            header: AgreementHeader {
                member_id: self.member_id,
                currency: Currency::parse(&self.currency).map_err(|_| bad(&self.id, "currency"))?,
                pro_rata: ProRata::parse(&self.pro_rata).map_err(|_| bad(&self.id, "pro_rata"))?,
                notice_months: self.notice_months,
                start_date: self.start_date,
                end_date: self.end_date,
            },
            status: AgreementStatus::parse(&self.status).map_err(|_| bad(&self.id, "status"))?,
            acceptance,
            termination,
            id: self.id,
            organisation_id: self.organisation_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl From<&Agreement> for AgreementRow {
    fn from(a: &Agreement) -> Self {
        Self {
            id: a.id.clone(),
            organisation_id: a.organisation_id.clone(),
            member_id: a.header.member_id.clone(),
            status: a.status.as_str().to_owned(),
            currency: a.header.currency.as_str().to_owned(),
            pro_rata: a.header.pro_rata.as_str().to_owned(),
            notice_months: a.header.notice_months,
            start_date: a.header.start_date,
            end_date: a.header.end_date,
            accepted_on: a.acceptance.as_ref().map(|x| x.on),
            signed_by: a.acceptance.as_ref().map(|x| x.signed_by.clone()),
            decision_reference: a.acceptance.as_ref().map(|x| x.decision_reference.clone()),
            terminated_on: a.termination.as_ref().map(|t| t.on),
            termination_reason: a.termination.as_ref().map(|t| t.reason.clone()),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A version of an agreement's terms; the terms are the API's JSON, parsed by the services.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::agreement_versions)]
pub struct VersionRecord {
    pub agreement_id: String,
    pub version: i32,
    pub effective_from: NaiveDate,
    #[serde(serialize_with = "stored_json")]
    pub terms: String,
    pub created_at: NaiveDateTime,
}

/// Stored JSON text as the JSON it holds, so that the audit trail shows the terms as an
/// object rather than as an escaped string.
fn stored_json<S: serde::Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;

    let value: serde_json::Value =
        serde_json::from_str(text).map_err(<S::Error as serde::ser::Error>::custom)?;
    value.serialize(serializer)
}

impl Effective for VersionRecord {
    fn version(&self) -> i32 {
        self.version
    }
    fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }
}

/// One step of the lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub id: String,
    pub from: AgreementStatus,
    pub to: AgreementStatus,
    pub occurred_at: NaiveDateTime,
    pub note: Option<String>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = crate::storage::schema::agreement_events)]
struct EventRow {
    id: String,
    agreement_id: String,
    from_status: String,
    to_status: String,
    occurred_at: NaiveDateTime,
    note: Option<String>,
}

/// Services used under an agreement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UsageRecord {
    pub id: String,
    pub agreement_id: String,
    pub used_on: NaiveDate,
    pub item_code: String,
    pub quantity: Decimal,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = crate::storage::schema::usage_records)]
struct UsageRow {
    id: String,
    organisation_id: String,
    agreement_id: String,
    used_on: NaiveDate,
    item_code: String,
    quantity: String,
    note: Option<String>,
    created_at: NaiveDateTime,
}

impl UsageRow {
    fn into_domain(self) -> Result<UsageRecord, Error> {
        let quantity = self.quantity.parse::<Decimal>().map_err(|e| {
            Error::Internal(anyhow::anyhow!("stored usage {} quantity: {e}", self.id))
        })?;
        Ok(UsageRecord {
            id: self.id,
            agreement_id: self.agreement_id,
            used_on: self.used_on,
            item_code: self.item_code,
            quantity,
            note: self.note,
            created_at: self.created_at,
        })
    }
}

/// Which agreements to list.
#[derive(Debug, Clone, Default)]
pub struct AgreementFilter {
    pub member_id: Option<String>,
    pub status: Option<AgreementStatus>,
}

fn get_row(conn: &mut DbConnection, org: &str, id: &str) -> Result<AgreementRow, Error> {
    ag::agreements
        .filter(ag::organisation_id.eq(org))
        .filter(ag::id.eq(id))
        .select(AgreementRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("agreement"))
}

pub fn get(conn: &mut DbConnection, org: &str, id: &str) -> Result<Agreement, Error> {
    get_row(conn, org, id)?.into_domain()
}

/// The organisation's agreements, oldest first (identifiers are time-ordered).
pub fn list(
    conn: &mut DbConnection,
    org: &str,
    filter: &AgreementFilter,
) -> Result<Vec<Agreement>, Error> {
    let mut q = ag::agreements
        .filter(ag::organisation_id.eq(org.to_owned()))
        .select(AgreementRow::as_select())
        .order(ag::id.asc())
        .into_boxed();
    if let Some(member) = &filter.member_id {
        q = q.filter(ag::member_id.eq(member.clone()));
    }
    if let Some(status) = filter.status {
        q = q.filter(ag::status.eq(status.as_str()));
    }
    q.load(conn)?
        .into_iter()
        .map(AgreementRow::into_domain)
        .collect()
}

/// Creates a draft with its first version of the terms, effective from the start date.
pub fn insert(
    conn: &mut DbConnection,
    org: &str,
    header: &AgreementHeader,
    terms: &str,
) -> Result<Agreement, Error> {
    let now = now();
    let row = AgreementRow {
        id: new_id(),
        organisation_id: org.to_owned(),
        member_id: header.member_id.clone(),
        status: AgreementStatus::Draft.as_str().to_owned(),
        currency: header.currency.as_str().to_owned(),
        pro_rata: header.pro_rata.as_str().to_owned(),
        notice_months: header.notice_months,
        start_date: header.start_date,
        end_date: header.end_date,
        accepted_on: None,
        signed_by: None,
        decision_reference: None,
        terminated_on: None,
        termination_reason: None,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(ag::agreements)
        .values(&row)
        .execute(conn)?;
    diesel::insert_into(av::agreement_versions)
        .values((
            av::agreement_id.eq(&row.id),
            av::version.eq(1),
            av::effective_from.eq(header.start_date),
            av::terms.eq(terms),
            av::created_at.eq(now),
        ))
        .execute(conn)?;
    row.into_domain()
}

/// Marks a draft as changed, failing unless it is still a draft. The conditional update also
/// holds the row until the transaction ends, so a concurrent transition cannot slip between
/// the check and the change.
fn touch_draft(conn: &mut DbConnection, org: &str, id: &str) -> Result<(), Error> {
    let current = get(conn, org, id)?;
    let n = diesel::update(
        ag::agreements
            .filter(ag::id.eq(id))
            .filter(ag::status.eq(AgreementStatus::Draft.as_str())),
    )
    .set(ag::updated_at.eq(now()))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(Error::State(StateConflict::AgreementNotDraft(
            current.status,
        )))
    }
}

/// Changes a draft's details; its first version follows the start date.
pub fn update_header(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    header: &AgreementHeader,
) -> Result<Agreement, Error> {
    touch_draft(conn, org, id)?;
    diesel::update(ag::agreements.filter(ag::id.eq(id)))
        .set((
            ag::member_id.eq(&header.member_id),
            ag::currency.eq(header.currency.as_str()),
            ag::pro_rata.eq(header.pro_rata.as_str()),
            ag::notice_months.eq(header.notice_months),
            ag::start_date.eq(header.start_date),
            ag::end_date.eq(header.end_date),
        ))
        .execute(conn)?;
    diesel::update(
        av::agreement_versions
            .filter(av::agreement_id.eq(id))
            .filter(av::version.eq(1)),
    )
    .set(av::effective_from.eq(header.start_date))
    .execute(conn)?;
    get(conn, org, id)
}

/// Deletes a draft, which nobody outside the organisation has seen.
pub fn delete_draft(conn: &mut DbConnection, org: &str, id: &str) -> Result<(), Error> {
    touch_draft(conn, org, id)?;
    // Children first and explicitly, so the delete does not depend on cascades being on.
    diesel::delete(av::agreement_versions.filter(av::agreement_id.eq(id))).execute(conn)?;
    diesel::delete(ev::agreement_events.filter(ev::agreement_id.eq(id))).execute(conn)?;
    diesel::delete(us::usage_records.filter(us::agreement_id.eq(id))).execute(conn)?;
    diesel::delete(ag::agreements.filter(ag::id.eq(id))).execute(conn)?;
    Ok(())
}

/// Replaces the terms of a draft's only version in place.
pub fn replace_draft_terms(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    terms: &str,
) -> Result<VersionRecord, Error> {
    touch_draft(conn, org, id)?;
    diesel::update(
        av::agreement_versions
            .filter(av::agreement_id.eq(id))
            .filter(av::version.eq(1)),
    )
    .set(av::terms.eq(terms))
    .execute(conn)?;
    get_version(conn, org, id, 1)
}

/// What a transition sets besides the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub from: AgreementStatus,
    pub to: AgreementStatus,
    pub acceptance: Option<Acceptance>,
    /// Also ends the agreement on its date.
    pub termination: Option<Termination>,
    pub note: Option<String>,
}

/// Moves the agreement from `change.from` to `change.to` and records the event. The update
/// only applies while the status is still `from`; when another request moved it first, the
/// move is judged again from the status it has now.
pub fn change_status(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    change: &StatusChange,
) -> Result<Agreement, Error> {
    get_row(conn, org, id)?;
    let now = now();
    let target = ag::agreements
        .filter(ag::id.eq(id))
        .filter(ag::status.eq(change.from.as_str()));
    let n = diesel::update(target)
        .set((ag::status.eq(change.to.as_str()), ag::updated_at.eq(now)))
        .execute(conn)?;
    if n != 1 {
        let moved = get(conn, org, id)?.status;
        crate::domain::agreement::transition(moved, change.to)?;
        return Err(Error::Conflict { field: None });
    }
    if let Some(a) = &change.acceptance {
        diesel::update(ag::agreements.filter(ag::id.eq(id)))
            .set((
                ag::accepted_on.eq(Some(a.on)),
                ag::signed_by.eq(Some(&a.signed_by)),
                ag::decision_reference.eq(Some(&a.decision_reference)),
            ))
            .execute(conn)?;
    }
    if let Some(t) = &change.termination {
        // Termination ends the agreement on its date, whatever the end date was.
        diesel::update(ag::agreements.filter(ag::id.eq(id)))
            .set((
                ag::terminated_on.eq(Some(t.on)),
                ag::termination_reason.eq(Some(&t.reason)),
                ag::end_date.eq(Some(t.on)),
            ))
            .execute(conn)?;
    }
    diesel::insert_into(ev::agreement_events)
        .values(EventRow {
            id: new_id(),
            agreement_id: id.to_owned(),
            from_status: change.from.as_str().to_owned(),
            to_status: change.to.as_str().to_owned(),
            occurred_at: now,
            note: change.note.clone(),
        })
        .execute(conn)?;
    get(conn, org, id)
}

/// The lifecycle history, oldest first.
pub fn events(conn: &mut DbConnection, org: &str, id: &str) -> Result<Vec<EventRecord>, Error> {
    get_row(conn, org, id)?;
    let rows: Vec<EventRow> = ev::agreement_events
        .filter(ev::agreement_id.eq(id))
        .order((ev::occurred_at.asc(), ev::id.asc()))
        .select(EventRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            let status = |s: &str| AgreementStatus::parse(s).map_err(|_| bad(id, "event status"));
            Ok(EventRecord {
                from: status(&r.from_status)?,
                to: status(&r.to_status)?,
                id: r.id,
                occurred_at: r.occurred_at,
                note: r.note,
            })
        })
        .collect()
}

/// Every version of the terms, oldest first.
pub fn versions(conn: &mut DbConnection, org: &str, id: &str) -> Result<Vec<VersionRecord>, Error> {
    get_row(conn, org, id)?;
    versions_of(conn, &[id.to_owned()])
}

/// The versions of agreements already found in the organisation, by agreement then number.
fn versions_of(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<VersionRecord>, Error> {
    let mut out = Vec::new();
    // Chunked: SQLite limits the number of bound parameters in one statement.
    for chunk in ids.chunks(500) {
        out.extend(
            av::agreement_versions
                .filter(av::agreement_id.eq_any(chunk))
                .order((av::agreement_id.asc(), av::version.asc()))
                .select(VersionRecord::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn get_version(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    version: i32,
) -> Result<VersionRecord, Error> {
    get_row(conn, org, id)?;
    av::agreement_versions
        .filter(av::agreement_id.eq(id))
        .filter(av::version.eq(version))
        .select(VersionRecord::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("agreement version"))
}

/// Adds the next version of the terms. The status is checked by a conditional update, which
/// also serialises two requests adding a version at once.
pub fn insert_version(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    effective_from: NaiveDate,
    terms: &str,
) -> Result<VersionRecord, Error> {
    let current = get(conn, org, id)?;
    let open: Vec<&str> = AgreementStatus::ALL
        .iter()
        .filter(|s| s.accepts_new_versions())
        .map(|s| s.as_str())
        .collect();
    let n = diesel::update(
        ag::agreements
            .filter(ag::id.eq(id))
            .filter(ag::status.eq_any(open)),
    )
    .set(ag::updated_at.eq(now()))
    .execute(conn)?;
    if n != 1 {
        return Err(Error::State(StateConflict::AgreementNotInForce(
            current.status,
        )));
    }
    let last = versions_of(conn, &[id.to_owned()])?
        .into_iter()
        .map(|v| v.version)
        .max()
        .unwrap_or(0);
    diesel::insert_into(av::agreement_versions)
        .values((
            av::agreement_id.eq(id),
            av::version.eq(last + 1),
            av::effective_from.eq(effective_from),
            av::terms.eq(terms),
            av::created_at.eq(now()),
        ))
        .execute(conn)?;
    get_version(conn, org, id, last + 1)
}

/// The usage recorded under an agreement, by date; only that of `year` when given.
pub fn usage(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    year: Option<i32>,
) -> Result<Vec<UsageRecord>, Error> {
    get_row(conn, org, id)?;
    let mut q = us::usage_records
        .filter(us::organisation_id.eq(org.to_owned()))
        .filter(us::agreement_id.eq(id.to_owned()))
        .select(UsageRow::as_select())
        .order((us::used_on.asc(), us::id.asc()))
        .into_boxed();
    if let Some(year) = year {
        let first = NaiveDate::from_ymd_opt(year, 1, 1);
        let last = NaiveDate::from_ymd_opt(year, 12, 31);
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(Vec::new());
        };
        q = q.filter(us::used_on.between(first, last));
    }
    q.load(conn)?
        .into_iter()
        .map(UsageRow::into_domain)
        .collect()
}

/// One use of a service, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUsage {
    pub used_on: NaiveDate,
    pub item_code: String,
    pub quantity: Decimal,
    pub note: Option<String>,
}

pub fn insert_usage(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    usage: &NewUsage,
) -> Result<UsageRecord, Error> {
    get_row(conn, org, id)?;
    let row = UsageRow {
        id: new_id(),
        organisation_id: org.to_owned(),
        agreement_id: id.to_owned(),
        used_on: usage.used_on,
        item_code: usage.item_code.clone(),
        // Canonical decimal text: what was entered, without a float in between.
        quantity: usage.quantity.normalize().to_string(),
        note: usage.note.clone(),
        created_at: now(),
    };
    diesel::insert_into(us::usage_records)
        .values(&row)
        .execute(conn)?;
    row.into_domain()
}

/// The organisation's agreements with `statuses`, each with its versions: the candidates for
/// the pools of a fee year.
pub fn with_versions(
    conn: &mut DbConnection,
    org: &str,
    statuses: &[AgreementStatus],
) -> Result<Vec<(Agreement, Vec<VersionRecord>)>, Error> {
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let agreements: Vec<Agreement> = ag::agreements
        .filter(ag::organisation_id.eq(org))
        .filter(ag::status.eq_any(names))
        .order(ag::id.asc())
        .select(AgreementRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AgreementRow::into_domain)
        .collect::<Result<_, _>>()?;
    let ids: Vec<String> = agreements.iter().map(|a| a.id.clone()).collect();
    let mut versions = versions_of(conn, &ids)?;
    Ok(agreements
        .into_iter()
        .map(|a| {
            let (own, rest): (Vec<_>, Vec<_>) =
                versions.drain(..).partition(|v| v.agreement_id == a.id);
            versions = rest;
            (a, own)
        })
        .collect())
}
