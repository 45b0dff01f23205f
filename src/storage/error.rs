//! What storage can fail with, told as storage facts: a record that is not there, a key
//! already taken, a state the write meets, a database that does not answer. Services turn
//! them into the error policy (`crate::error`); nothing here knows about requests.

use crate::domain::StateConflict;
use crate::domain::agreement::TransitionError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such record (the name says which kind).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique key is taken; the field when the database names it.
    #[error("conflict on {field:?}")]
    Conflict { field: Option<String> },
    /// The record is in a state that does not allow the write.
    #[error("conflict: {0:?}")]
    State(StateConflict),
    /// The record moved meanwhile to a status the change cannot leave.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The database refused a value it cannot store (text with a NUL byte on PostgreSQL).
    #[error("refused: {0}")]
    Refused(String),
    /// No connection could be had.
    #[error("database unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as D};
        match e {
            D::NotFound => Error::NotFound("record"),
            D::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                // PostgreSQL names the index, SQLite the columns: both contain the field.
                let text = format!(
                    "{} {}",
                    info.constraint_name().unwrap_or(""),
                    info.message()
                );
                let field = [
                    "org_number",
                    "municipality_code",
                    "invoice_prefix",
                    "code",
                    "name",
                ]
                .into_iter()
                .find(|f| text.contains(f))
                .map(str::to_owned);
                Error::Conflict { field }
            }
            // PostgreSQL refuses text with a NUL byte (SQLite stores it); what reaches the
            // database so, from a path or a query string, is the request's fault.
            D::DatabaseError(_, info) if info.message().contains("0x00") => {
                Error::Refused("text with a NUL character (\\u0000)".to_owned())
            }
            other => Error::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for Error {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection");
        Error::Unavailable
    }
}
