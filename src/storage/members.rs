//! Members, their population history and contact persons. Every query is scoped by the
//! organisation, so a record of another organisation is simply not found.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::domain::StateConflict;
use crate::domain::member::{Contact, ContactDetails, Member, MemberDetails, PopulationCount};
use crate::domain::{MemberKind, MemberStatus};
use crate::storage::Error;
use crate::storage::rows::{ContactRow, MemberRow, PopulationRow};
use crate::storage::schema::contacts::dsl as c;
use crate::storage::schema::members::dsl as m;
use crate::storage::schema::populations::dsl as p;
use crate::storage::{DbConnection, new_id, now};

/// The order of a member list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemberSort {
    #[default]
    Name,
    NameDesc,
    Created,
    CreatedDesc,
}

impl MemberSort {
    pub const NAMES: &'static [&'static str] = &["name", "-name", "created", "-created"];

    pub fn parse(raw: &str) -> Result<Self, crate::domain::Invalid> {
        match raw {
            "name" => Ok(Self::Name),
            "-name" => Ok(Self::NameDesc),
            "created" => Ok(Self::Created),
            "-created" => Ok(Self::CreatedDesc),
            _ => Err(crate::domain::Invalid::OneOf {
                allowed: Self::NAMES,
            }),
        }
    }
}

/// Which members to list, in what order, and where the previous page ended.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub kind: Option<MemberKind>,
    pub status: Option<MemberStatus>,
    pub county_code: Option<String>,
    /// Part of the name, matched without regard to case.
    pub name_contains: Option<String>,
    pub include_archived: bool,
    pub sort: MemberSort,
    pub limit: i64,
    /// The sort key and identifier of the last member of the previous page.
    pub after: Option<(String, String)>,
}

pub struct MemberPage {
    pub members: Vec<Member>,
    /// Sort key and identifier of the last member, when more may follow.
    pub next: Option<(String, String)>,
}

/// Every population count of the members, newest first per member.
fn population_histories(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<PopulationCount>>, Error> {
    let mut histories: HashMap<String, Vec<PopulationCount>> = HashMap::new();
    // Chunked: SQLite limits the number of bound parameters in one statement.
    for chunk in ids.chunks(500) {
        let rows: Vec<PopulationRow> = p::populations
            .filter(p::member_id.eq_any(chunk))
            .order((p::member_id.asc(), p::reference_date.desc()))
            .select(PopulationRow::as_select())
            .load(conn)?;
        for row in rows {
            histories
                .entry(row.member_id.clone())
                .or_default()
                .push(row.into_domain());
        }
    }
    Ok(histories)
}

/// The newest population count of each member.
fn latest_populations(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, PopulationCount>, Error> {
    Ok(population_histories(conn, ids)?
        .into_iter()
        .filter_map(|(id, history)| history.into_iter().next().map(|latest| (id, latest)))
        .collect())
}

fn with_populations(conn: &mut DbConnection, rows: Vec<MemberRow>) -> Result<Vec<Member>, Error> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut latest = latest_populations(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let pop = latest.remove(&r.id);
            r.into_domain(pop).map_err(Error::from)
        })
        .collect()
}

fn get_row(conn: &mut DbConnection, org: &str, id: &str) -> Result<MemberRow, Error> {
    m::members
        .filter(m::organisation_id.eq(org))
        .filter(m::id.eq(id))
        .select(MemberRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("member"))
}

pub fn get(conn: &mut DbConnection, org: &str, id: &str) -> Result<Member, Error> {
    let row = get_row(conn, org, id)?;
    // A member has a handful of counts: reading them all keeps the statement cacheable.
    let latest: Option<PopulationRow> = p::populations
        .filter(p::member_id.eq(id))
        .order(p::reference_date.desc())
        .select(PopulationRow::as_select())
        .load(conn)?
        .into_iter()
        .next();
    Ok(row.into_domain(latest.map(PopulationRow::into_domain))?)
}

pub fn insert(
    conn: &mut DbConnection,
    org: &str,
    details: &MemberDetails,
    population: Option<&PopulationCount>,
) -> Result<Member, Error> {
    let row = MemberRow::new(new_id(), org.to_owned(), details, now());
    diesel::insert_into(m::members).values(&row).execute(conn)?;
    if let Some(pop) = population {
        record_population(conn, &row.id, pop)?;
    }
    get(conn, org, &row.id)
}

pub fn update(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
    details: &MemberDetails,
) -> Result<Member, Error> {
    let existing = get_row(conn, org, id)?;
    let mut row = MemberRow::new(
        existing.id.clone(),
        existing.organisation_id.clone(),
        details,
        now(),
    );
    row.created_at = existing.created_at;
    row.archived_at = existing.archived_at;
    if !row.same_details(&existing) {
        diesel::update(m::members.filter(m::id.eq(id)))
            .set(&row)
            .execute(conn)?;
    }
    get(conn, org, id)
}

/// Archives a member: it leaves lists and keeps its history. Its status becomes former.
pub fn archive(conn: &mut DbConnection, org: &str, id: &str) -> Result<Member, Error> {
    let existing = get_row(conn, org, id)?;
    if existing.archived_at.is_none() {
        let now = now();
        diesel::update(m::members.filter(m::id.eq(id)))
            .set((
                m::archived_at.eq(Some(now)),
                m::status.eq(MemberStatus::Former.as_str()),
                m::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    get(conn, org, id)
}

pub fn ensure_active(member: &Member) -> Result<(), Error> {
    if member.archived_at.is_some() {
        return Err(Error::State(StateConflict::MemberArchived));
    }
    Ok(())
}

pub fn list(conn: &mut DbConnection, org: &str, f: &MemberFilter) -> Result<MemberPage, Error> {
    let mut q = m::members
        .filter(m::organisation_id.eq(org.to_owned()))
        .select(MemberRow::as_select())
        .into_boxed();
    if !f.include_archived {
        q = q.filter(m::archived_at.is_null());
    }
    if let Some(kind) = f.kind {
        q = q.filter(m::kind.eq(kind.as_str()));
    }
    if let Some(status) = f.status {
        q = q.filter(m::status.eq(status.as_str()));
    }
    if let Some(county) = &f.county_code {
        q = q.filter(m::county_code.eq(county.clone()));
    }
    if let Some(needle) = &f.name_contains {
        let escaped = crate::domain::search_key(needle)
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        q = q.filter(m::name_key.like(format!("%{escaped}%")).escape('\\'));
    }
    if let Some((key, id)) = f.after.clone() {
        q = match f.sort {
            MemberSort::Name => q.filter(
                m::name_key
                    .gt(key.clone())
                    .or(m::name_key.eq(key).and(m::id.gt(id))),
            ),
            MemberSort::NameDesc => q.filter(
                m::name_key
                    .lt(key.clone())
                    .or(m::name_key.eq(key).and(m::id.lt(id))),
            ),
            MemberSort::Created => q.filter(m::id.gt(id)),
            MemberSort::CreatedDesc => q.filter(m::id.lt(id)),
        };
    }
    q = match f.sort {
        MemberSort::Name => q.order((m::name_key.asc(), m::id.asc())),
        MemberSort::NameDesc => q.order((m::name_key.desc(), m::id.desc())),
        MemberSort::Created => q.order(m::id.asc()),
        MemberSort::CreatedDesc => q.order(m::id.desc()),
    };
    // One more than asked tells whether another page follows.
    let mut rows = q.limit(f.limit + 1).load(conn)?;
    let more = rows.len() as i64 > f.limit;
    rows.truncate(usize::try_from(f.limit).unwrap_or(0));
    let next = if more {
        rows.last().map(|r| {
            let key = match f.sort {
                MemberSort::Name | MemberSort::NameDesc => r.name_key.clone(),
                MemberSort::Created | MemberSort::CreatedDesc => r.id.clone(),
            };
            (key, r.id.clone())
        })
    } else {
        None
    };
    Ok(MemberPage {
        members: with_populations(conn, rows)?,
        next,
    })
}

/// Records a population count; a count for the same date replaces the earlier one.
/// Returns whether anything changed.
pub fn record_population(
    conn: &mut DbConnection,
    member_id: &str,
    pop: &PopulationCount,
) -> Result<bool, Error> {
    let existing: Option<PopulationRow> = p::populations
        .filter(p::member_id.eq(member_id))
        .filter(p::reference_date.eq(pop.reference_date))
        .select(PopulationRow::as_select())
        .load(conn)?
        .pop();
    match existing {
        Some(e) if e.count == pop.count && e.source == pop.source => Ok(false),
        Some(_) => {
            diesel::update(
                p::populations
                    .filter(p::member_id.eq(member_id))
                    .filter(p::reference_date.eq(pop.reference_date)),
            )
            .set((
                p::count.eq(pop.count),
                p::source.eq(&pop.source),
                p::recorded_at.eq(now()),
            ))
            .execute(conn)?;
            Ok(true)
        }
        None => {
            diesel::insert_into(p::populations)
                .values(PopulationRow {
                    member_id: member_id.to_owned(),
                    reference_date: pop.reference_date,
                    count: pop.count,
                    source: pop.source.clone(),
                    recorded_at: now(),
                })
                .execute(conn)?;
            Ok(true)
        }
    }
}

pub fn populations(
    conn: &mut DbConnection,
    org: &str,
    member_id: &str,
) -> Result<Vec<PopulationCount>, Error> {
    get_row(conn, org, member_id)?;
    let rows: Vec<PopulationRow> = p::populations
        .filter(p::member_id.eq(member_id))
        .order(p::reference_date.desc())
        .select(PopulationRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(PopulationRow::into_domain).collect())
}

pub fn delete_population(
    conn: &mut DbConnection,
    org: &str,
    member_id: &str,
    date: chrono::NaiveDate,
) -> Result<(), Error> {
    get_row(conn, org, member_id)?;
    let n = diesel::delete(
        p::populations
            .filter(p::member_id.eq(member_id))
            .filter(p::reference_date.eq(date)),
    )
    .execute(conn)?;
    if n == 0 {
        return Err(Error::NotFound("population"));
    }
    Ok(())
}

pub fn contacts(
    conn: &mut DbConnection,
    org: &str,
    member_id: &str,
) -> Result<Vec<Contact>, Error> {
    get_row(conn, org, member_id)?;
    let rows: Vec<ContactRow> = c::contacts
        .filter(c::organisation_id.eq(org))
        .filter(c::member_id.eq(member_id))
        .order(c::id.asc())
        .select(ContactRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(ContactRow::into_domain)
        .collect::<anyhow::Result<_>>()?)
}

fn contact_row(
    conn: &mut DbConnection,
    org: &str,
    member_id: &str,
    id: &str,
) -> Result<ContactRow, Error> {
    c::contacts
        .filter(c::organisation_id.eq(org))
        .filter(c::member_id.eq(member_id))
        .filter(c::id.eq(id))
        .select(ContactRow::as_select())
        .load(conn)?
        .pop()
        .ok_or(Error::NotFound("contact"))
}

pub fn get_contact(
    conn: &mut DbConnection,
    org: &str,
    member_id: &str,
    id: &str,
) -> Result<Contact, Error> {
    Ok(contact_row(conn, org, member_id, id)?.into_domain()?)
}

pub fn insert_contact(
    conn: &mut DbConnection,
    org: &str,
    member_id: &str,
    d: &ContactDetails,
) -> Result<Contact, Error> {
    get_row(conn, org, member_id)?;
    let row = ContactRow::new(new_id(), org.to_owned(), member_id.to_owned(), d, now());
    diesel::insert_into(c::contacts)
        .values(&row)
        .execute(conn)?;
    Ok(row.into_domain()?)
}

pub fn update_contact(
    conn: &mut DbConnection,
    org: &str,
    member_id: &str,
    id: &str,
    d: &ContactDetails,
) -> Result<Contact, Error> {
    let existing = contact_row(conn, org, member_id, id)?;
    let mut row = ContactRow::new(
        existing.id,
        existing.organisation_id,
        existing.member_id,
        d,
        now(),
    );
    row.created_at = existing.created_at;
    diesel::update(c::contacts.filter(c::id.eq(id)))
        .set(&row)
        .execute(conn)?;
    Ok(row.into_domain()?)
}

/// Contact persons are personal data: removing one deletes it (GDPR), it is not archived.
pub fn delete_contact(
    conn: &mut DbConnection,
    org: &str,
    member_id: &str,
    id: &str,
) -> Result<(), Error> {
    contact_row(conn, org, member_id, id)?;
    diesel::delete(c::contacts.filter(c::id.eq(id))).execute(conn)?;
    Ok(())
}

/// What an import did, per member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
}

/// Creates or updates the members of one organisation keyed by country and municipality
/// code, with a population count each. What has not changed is not written.
pub fn import(
    conn: &mut DbConnection,
    org: &str,
    entries: &[(MemberDetails, PopulationCount)],
) -> Result<ImportReport, Error> {
    let existing: Vec<MemberRow> = m::members
        .filter(m::organisation_id.eq(org))
        .filter(m::municipality_code.is_not_null())
        .select(MemberRow::as_select())
        .load(conn)?;
    let mut by_code: HashMap<(String, String), MemberRow> = existing
        .into_iter()
        .filter_map(|r| Some(((r.country.clone(), r.municipality_code.clone()?), r)))
        .collect();
    let mut report = ImportReport::default();
    let now = now();
    let mut new_rows = Vec::new();
    let mut new_pops = Vec::new();
    for (details, pop) in entries {
        let code = details
            .municipality_code
            .as_ref()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default();
        let key = (details.country.as_str().to_owned(), code);
        match by_code.remove(&key) {
            Some(current) => {
                let merged = merge_import(&current, details, now);
                let mut changed = false;
                if !merged.same_details(&current) {
                    diesel::update(m::members.filter(m::id.eq(&current.id)))
                        .set(&merged)
                        .execute(conn)?;
                    changed = true;
                }
                changed |= record_population(conn, &current.id, pop)?;
                if changed {
                    report.updated.push(current.id)
                } else {
                    report.unchanged.push(current.id)
                }
            }
            None => {
                let row = MemberRow::new(new_id(), org.to_owned(), details, now);
                new_pops.push(PopulationRow {
                    member_id: row.id.clone(),
                    reference_date: pop.reference_date,
                    count: pop.count,
                    source: pop.source.clone(),
                    recorded_at: now,
                });
                report.created.push(row.id.clone());
                new_rows.push(row);
            }
        }
    }
    // Batched inserts: one statement per chunk rather than one per municipality.
    for chunk in new_rows.chunks(100) {
        on_backend!(conn, |c| diesel::insert_into(m::members)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in new_pops.chunks(200) {
        on_backend!(conn, |c| diesel::insert_into(p::populations)
            .values(chunk)
            .execute(c))?;
    }
    Ok(report)
}

/// An import brings public facts (name, county, organisation number); what the organisation
/// itself entered (addresses, references, status, language) is kept.
fn merge_import(
    current: &MemberRow,
    imported: &MemberDetails,
    now: chrono::NaiveDateTime,
) -> MemberRow {
    let fresh = MemberRow::new(
        current.id.clone(),
        current.organisation_id.clone(),
        imported,
        now,
    );
    MemberRow {
        name: fresh.name,
        name_key: fresh.name_key,
        county_code: fresh.county_code,
        county_name: fresh.county_name,
        org_number: fresh.org_number.or_else(|| current.org_number.clone()),
        peppol_endpoint: current.peppol_endpoint.clone().or(fresh.peppol_endpoint),
        updated_at: now,
        ..current.clone()
    }
}

/// The members to price in a fee table with their whole population history: the given ids,
/// or every non-archived member with one of `statuses`.
pub fn with_population_history(
    conn: &mut DbConnection,
    org: &str,
    statuses: &[MemberStatus],
    ids: Option<&[String]>,
) -> Result<Vec<(Member, Vec<PopulationCount>)>, Error> {
    let mut q = m::members
        .filter(m::organisation_id.eq(org.to_owned()))
        .filter(m::archived_at.is_null())
        .select(MemberRow::as_select())
        .order((m::name_key.asc(), m::id.asc()))
        .into_boxed();
    match ids {
        Some(ids) => q = q.filter(m::id.eq_any(ids.to_vec())),
        None => {
            q = q.filter(m::status.eq_any(statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>()))
        }
    }
    let rows: Vec<MemberRow> = q.load(conn)?;
    let member_ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut histories = population_histories(conn, &member_ids)?;
    rows.into_iter()
        .map(|r| {
            let history = histories.remove(&r.id).unwrap_or_default();
            let latest = history.first().cloned();
            Ok((r.into_domain(latest)?, history))
        })
        .collect()
}
