//! Organisations: the issuing bodies. The operator creates them; their admins keep their
//! details up to date.

use crate::domain::organisation::{Organisation, OrganisationDetails};
use crate::error::Error;
use crate::storage::DbConnection;
use crate::storage::organisations as store;

/// Whether the deployment holds no organisation yet.
pub fn none_yet(conn: &mut DbConnection) -> Result<bool, Error> {
    Ok(crate::storage::organisations::count(conn)? == 0)
}

pub fn create(
    conn: &mut DbConnection,
    details: &OrganisationDetails,
) -> Result<Organisation, Error> {
    Ok(store::insert(conn, details)?)
}

/// Every organisation, or only the one named.
pub fn list(conn: &mut DbConnection, only: Option<&str>) -> Result<Vec<Organisation>, Error> {
    Ok(store::list(conn, only)?)
}

pub fn get(conn: &mut DbConnection, org: &str) -> Result<Organisation, Error> {
    store::get(conn, org)?.ok_or(Error::NotFound("organisation"))
}

/// Changes an organisation's details by `edit`, which makes the new details from those
/// that stand (a merge patch, say).
pub fn patch(
    conn: &mut DbConnection,
    org: &str,
    edit: impl FnOnce(&OrganisationDetails) -> Result<OrganisationDetails, Error>,
) -> Result<Organisation, Error> {
    let current = get(conn, org)?;
    let details = edit(&current.details)?;
    Ok(store::update(conn, org, &details)?)
}
