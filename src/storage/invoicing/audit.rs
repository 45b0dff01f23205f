//! The audit trail: who changed what and when.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::storage::DbConnection;
use crate::storage::Error;
use crate::storage::schema::audit_log::dsl as au;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
// Absent values are NULL, never DEFAULT: SQLite then takes many rows in one INSERT.
#[diesel(table_name = crate::storage::schema::audit_log, treat_none_as_default_value = false)]
pub struct AuditRow {
    pub id: String,
    pub organisation_id: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub actor: String,
    pub occurred_at: NaiveDateTime,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

pub fn insert_audit(conn: &mut DbConnection, row: &AuditRow) -> Result<(), Error> {
    diesel::insert_into(au::audit_log)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// An organisation's trail, oldest first, optionally for one entity kind or record.
pub fn audit(
    conn: &mut DbConnection,
    org: &str,
    entity: Option<&str>,
    entity_id: Option<&str>,
) -> Result<Vec<AuditRow>, Error> {
    let mut q = au::audit_log
        .filter(au::organisation_id.eq(org.to_owned()))
        .order((au::occurred_at.asc(), au::id.asc()))
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(e) = entity {
        q = q.filter(au::entity.eq(e.to_owned()));
    }
    if let Some(id) = entity_id {
        q = q.filter(au::entity_id.eq(id.to_owned()));
    }
    Ok(q.load(conn)?)
}
