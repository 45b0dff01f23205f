use diesel::prelude::*;

use crate::domain::organisation::{Organisation, OrganisationDetails};
use crate::storage::Error;
use crate::storage::rows::OrganisationRow;
use crate::storage::schema::organisations::dsl as o;
use crate::storage::{DbConnection, new_id, now};

pub fn insert(
    conn: &mut DbConnection,
    details: &OrganisationDetails,
) -> Result<Organisation, Error> {
    let now = now();
    let row = OrganisationRow::new(new_id(), details, now, now)?;
    diesel::insert_into(o::organisations)
        .values(&row)
        .execute(conn)?;
    Ok(row.into_domain()?)
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Option<Organisation>, Error> {
    let row = o::organisations
        .filter(o::id.eq(id))
        .select(OrganisationRow::as_select())
        .load(conn)?
        .pop();
    Ok(row.map(OrganisationRow::into_domain).transpose()?)
}

pub fn count(conn: &mut DbConnection) -> Result<i64, Error> {
    Ok(o::organisations.count().get_result(conn)?)
}

/// All organisations, or only `only` when the caller belongs to one.
pub fn list(conn: &mut DbConnection, only: Option<&str>) -> Result<Vec<Organisation>, Error> {
    let mut query = o::organisations
        .select(OrganisationRow::as_select())
        .order(o::name.asc())
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(o::id.eq(id.to_owned()));
    }
    let rows = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(OrganisationRow::into_domain)
        .collect::<anyhow::Result<_>>()?)
}

pub fn update(
    conn: &mut DbConnection,
    id: &str,
    details: &OrganisationDetails,
) -> Result<Organisation, Error> {
    let existing = get(conn, id)?.ok_or(Error::NotFound("organisation"))?;
    let row = OrganisationRow::new(id.to_owned(), details, existing.created_at, now())?;
    diesel::update(o::organisations.filter(o::id.eq(id)))
        .set(&row)
        .execute(conn)?;
    Ok(row.into_domain()?)
}

pub fn exists(conn: &mut DbConnection, id: &str) -> Result<bool, Error> {
    let n: i64 = o::organisations
        .filter(o::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
