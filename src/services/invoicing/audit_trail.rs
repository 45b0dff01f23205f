//! The audit trail as the API lists it.

use crate::error::Error;
use crate::storage::DbConnection;
use crate::storage::invoicing as store;

/// A change as the trail recorded it.
pub use crate::storage::invoicing::AuditRow;

/// Who changed what and when in an organisation, oldest first, optionally of one entity
/// kind or one entity.
pub fn audit_trail(
    conn: &mut DbConnection,
    org: &str,
    entity: Option<&str>,
    entity_id: Option<&str>,
) -> Result<Vec<AuditRow>, Error> {
    Ok(store::audit(conn, org, entity, entity_id)?)
}
