//! Invoice runs, their leases, and the lock that lets one batch of an organisation's runs
//! work at a time.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::domain::StateConflict;
use crate::storage::Error;
use crate::storage::schema::invoice_runs::dsl as ir;
use crate::storage::schema::invoices::dsl as inv;
use crate::storage::{DbConnection, now};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = crate::storage::schema::invoice_runs)]
pub struct RunRow {
    pub id: String,
    pub organisation_id: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// Held by the process issuing the run until then.
    pub lease_until: Option<NaiveDateTime>,
    /// When the run last went through to its end.
    pub finished_at: Option<NaiveDateTime>,
}

impl RunRow {
    /// `running` while a process holds the lease, `finished` once it went through,
    /// `interrupted` otherwise (stopped by an error, or its process died).
    pub fn status(&self, at: NaiveDateTime) -> &'static str {
        match (self.lease_until, self.finished_at) {
            (Some(until), _) if until > at => "running",
            (_, Some(_)) => "finished",
            _ => "interrupted",
        }
    }
}

pub fn insert_run(conn: &mut DbConnection, row: &RunRow) -> Result<(), Error> {
    diesel::insert_into(ir::invoice_runs)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Takes a run's lease until `until`, in the caller's write transaction; a run whose lease
/// another request holds is under way (409). On PostgreSQL the row is claimed with
/// `FOR UPDATE SKIP LOCKED`: a process claiming the same run at this moment passes over it
/// instead of waiting and then taking it as well. SQLite's write lock orders the claims.
pub fn claim_run(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    at: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<RunRow, Error> {
    let found = run(conn, org, id)?;
    let free = ir::invoice_runs
        .filter(ir::organisation_id.eq(org))
        .filter(ir::id.eq(id))
        .filter(ir::lease_until.is_null().or(ir::lease_until.le(at)))
        .select(ir::id);
    let claimed: Vec<String> = match conn {
        DbConnection::Postgresql(c) => free.for_update().skip_locked().load(c)?,
        DbConnection::Sqlite(c) => free.load(c)?,
    };
    if claimed.is_empty() {
        return Err(Error::State(StateConflict::RunUnderWay));
    }
    renew_run(conn, id, until)?;
    Ok(RunRow {
        lease_until: Some(until),
        ..found
    })
}

/// Keeps a run's lease until `until`: the run is still being issued.
pub fn renew_run(conn: &mut DbConnection, id: &str, until: NaiveDateTime) -> Result<(), Error> {
    diesel::update(ir::invoice_runs.filter(ir::id.eq(id)))
        .set(ir::lease_until.eq(Some(until)))
        .execute(conn)?;
    Ok(())
}

/// Gives a run's lease back; `finished` when it went through to its end.
pub fn end_run(conn: &mut DbConnection, id: &str, finished: bool) -> Result<(), Error> {
    let at = now();
    diesel::update(ir::invoice_runs.filter(ir::id.eq(id)))
        .set((
            ir::lease_until.eq(None::<NaiveDateTime>),
            ir::finished_at.eq(finished.then_some(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// An organisation's invoice runs, newest first, each with how many invoices it issued:
/// what a person looks at to find a run to resume.
pub fn runs(conn: &mut DbConnection, org: &str) -> Result<Vec<(RunRow, i64)>, Error> {
    let runs: Vec<RunRow> = ir::invoice_runs
        .filter(ir::organisation_id.eq(org))
        .order((ir::created_at.desc(), ir::id.desc()))
        .select(RunRow::as_select())
        .load(conn)?;
    let issued: std::collections::HashMap<String, i64> = inv::invoices
        .filter(inv::organisation_id.eq(org))
        .filter(inv::issued_at.is_not_null())
        .filter(inv::run_id.is_not_null())
        .group_by(inv::run_id)
        .select((inv::run_id, diesel::dsl::count_star()))
        .load::<(Option<String>, i64)>(conn)?
        .into_iter()
        .filter_map(|(run, n)| Some((run?, n)))
        .collect();
    Ok(runs
        .into_iter()
        .map(|r| {
            let n = issued.get(&r.id).copied().unwrap_or(0);
            (r, n)
        })
        .collect())
}

pub fn run(conn: &mut DbConnection, org: &str, id: &str) -> Result<RunRow, Error> {
    ir::invoice_runs
        .filter(ir::organisation_id.eq(org))
        .filter(ir::id.eq(id))
        .select(RunRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("invoice run"))
}

/// Holds one organisation's runs of one kind apart until the transaction ends, so that
/// two reminder runs never remind the same invoice twice. SQLite needs nothing: its write
/// transactions (`BEGIN IMMEDIATE`) already run one at a time.
pub fn lock_runs(conn: &mut DbConnection, org: &str, kind: &str) -> Result<(), Error> {
    if let DbConnection::Postgresql(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<Text, _>(format!("{kind}:{org}"))
            .execute(c)?;
    }
    Ok(())
}
