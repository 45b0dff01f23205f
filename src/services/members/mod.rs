//! Members, their population counts and contact persons: each change checked against the
//! member's state, written, and recorded in the audit trail in one transaction.

mod body;

use chrono::NaiveDate;

pub use crate::storage::members::{ImportReport, MemberFilter, MemberPage, MemberSort};
pub use body::{
    ContactBody, ContactTrace, MemberBody, NewMemberBody, PopulationBody, PopulationView, Trace,
    populations,
};

use crate::domain::member::{Contact, ContactDetails, Member, MemberDetails, PopulationCount};
use crate::error::Error;
use crate::services::Connection;
use crate::services::audit::{self, Change, Entity};
use crate::storage::members as store;

/// A change to member `id`, for the audit trail.
fn changed<'a>(org: &'a str, id: &'a str, action: &'a str, actor: &'a str) -> Change<'a> {
    Change::new(org, Entity::Member, id, action, actor)
}

pub fn list(conn: &mut Connection, org: &str, filter: &MemberFilter) -> Result<MemberPage, Error> {
    Ok(store::list(conn, org, filter)?)
}

pub fn get(conn: &mut Connection, org: &str, id: &str) -> Result<Member, Error> {
    Ok(store::get(conn, org, id)?)
}

/// Adds a member, with its first population count when one is given.
pub fn create(
    conn: &mut Connection,
    org: &str,
    details: &MemberDetails,
    population: Option<&PopulationCount>,
    actor: &str,
) -> Result<Member, Error> {
    let member = store::insert(conn, org, details, population)?;
    audit::created(
        conn,
        &changed(org, &member.id, "create", actor),
        &Trace::of(&member),
    )?;
    Ok(member)
}

/// Changes an active member's details; `change` makes the new details from the current.
pub fn update(
    conn: &mut Connection,
    org: &str,
    id: &str,
    actor: &str,
    change: impl FnOnce(&MemberDetails) -> Result<MemberDetails, Error>,
) -> Result<Member, Error> {
    let current = store::get(conn, org, id)?;
    store::ensure_active(&current)?;
    let details = change(&current.details)?;
    let updated = store::update(conn, org, id, &details)?;
    audit::changed(
        conn,
        &changed(org, id, "update", actor),
        &Trace::of(&current),
        &Trace::of(&updated),
    )?;
    Ok(updated)
}

/// Archives a member; archiving an archived member changes nothing.
pub fn archive(conn: &mut Connection, org: &str, id: &str, actor: &str) -> Result<Member, Error> {
    let current = store::get(conn, org, id)?;
    let archived = store::archive(conn, org, id)?;
    if current.archived_at.is_none() {
        audit::changed(
            conn,
            &changed(org, id, "archive", actor),
            &Trace::of(&current),
            &Trace::of(&archived),
        )?;
    }
    Ok(archived)
}

pub fn population(
    conn: &mut Connection,
    org: &str,
    id: &str,
) -> Result<Vec<PopulationCount>, Error> {
    Ok(store::populations(conn, org, id)?)
}

/// Records a count; one for the same reference date replaces the earlier. Returns the
/// member's counts after the change.
pub fn record_population(
    conn: &mut Connection,
    org: &str,
    id: &str,
    count: &PopulationCount,
    actor: &str,
) -> Result<Vec<PopulationCount>, Error> {
    let member = store::get(conn, org, id)?;
    store::ensure_active(&member)?;
    change_population(conn, org, id, "record_population", actor, |c| {
        Ok(store::record_population(c, id, count)?)
    })
}

pub fn delete_population(
    conn: &mut Connection,
    org: &str,
    id: &str,
    date: NaiveDate,
    actor: &str,
) -> Result<Vec<PopulationCount>, Error> {
    change_population(conn, org, id, "delete_population", actor, |c| {
        Ok(store::delete_population(c, org, id, date)?)
    })
}

/// Makes a change to the population counts and records them before and after.
fn change_population<T>(
    conn: &mut Connection,
    org: &str,
    id: &str,
    action: &str,
    actor: &str,
    write: impl FnOnce(&mut Connection) -> Result<T, Error>,
) -> Result<Vec<PopulationCount>, Error> {
    let before = store::populations(conn, org, id)?;
    write(conn)?;
    let after = store::populations(conn, org, id)?;
    audit::changed(
        conn,
        &changed(org, id, action, actor),
        &populations(&before),
        &populations(&after),
    )?;
    Ok(after)
}

pub fn contacts(conn: &mut Connection, org: &str, member: &str) -> Result<Vec<Contact>, Error> {
    Ok(store::contacts(conn, org, member)?)
}

pub fn contact(conn: &mut Connection, org: &str, member: &str, id: &str) -> Result<Contact, Error> {
    Ok(store::get_contact(conn, org, member, id)?)
}

pub fn add_contact(
    conn: &mut Connection,
    org: &str,
    member: &str,
    details: &ContactDetails,
    actor: &str,
) -> Result<Contact, Error> {
    let contact = store::insert_contact(conn, org, member, details)?;
    audit::created(
        conn,
        &changed(org, member, "create_contact", actor),
        &ContactTrace::of(&contact),
    )?;
    Ok(contact)
}

/// Changes a contact person; `change` makes the new details from the current.
pub fn update_contact(
    conn: &mut Connection,
    org: &str,
    member: &str,
    id: &str,
    actor: &str,
    change: impl FnOnce(&ContactDetails) -> Result<ContactDetails, Error>,
) -> Result<Contact, Error> {
    let current = store::get_contact(conn, org, member, id)?;
    let details = change(&current.details)?;
    let updated = store::update_contact(conn, org, member, id, &details)?;
    audit::changed(
        conn,
        &changed(org, member, "update_contact", actor),
        &ContactTrace::of(&current),
        &ContactTrace::of(&updated),
    )?;
    Ok(updated)
}

pub fn delete_contact(
    conn: &mut Connection,
    org: &str,
    member: &str,
    id: &str,
    actor: &str,
) -> Result<(), Error> {
    let current = store::get_contact(conn, org, member, id)?;
    store::delete_contact(conn, org, member, id)?;
    audit::removed(
        conn,
        &changed(org, member, "delete_contact", actor),
        &ContactTrace::of(&current),
    )
}
