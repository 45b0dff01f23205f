//! Use cases: each loads what it needs, applies the domain, and persists in one transaction.
//! They run synchronously on a connection, so the HTTP layer and the command line share them.

pub mod agreements;
pub mod audit;
pub mod background;
pub mod documents;
pub mod exchange_rates;
pub mod fee_models;
pub mod idempotency;
pub mod import;
pub mod invoicing;
pub mod json;
pub mod ledger;
pub mod mail;
pub mod mailings;
pub mod members;
pub mod organisations;
pub mod outbox;
pub mod payments;
pub mod preview;
pub mod pricing;
pub mod progress;
pub mod reminders;
pub mod statements;
pub mod templates;
pub mod tokens;
pub mod webhooks;

use crate::error::Error;
pub use crate::storage::DbConnection as Connection;
use crate::storage::{self, DbConnection, Pool};

/// The database a unit of work runs on. Services take the connection and stay synchronous;
/// moving them off an async runtime is the caller's business (`http::Db`).
#[derive(Clone)]
pub struct Db {
    pool: Pool,
}

impl Db {
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs `f` with a pooled connection.
    pub fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, Error>,
    {
        let mut conn = self.pool.get().map_err(storage::Error::from)?;
        f(&mut conn)
    }

    /// Runs `f` in one write transaction.
    pub fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, Error>,
    {
        self.run(move |conn| crate::storage::write(conn, f))
    }
}

/// Whether the database answers.
pub fn ping(conn: &mut DbConnection) -> Result<(), Error> {
    Ok(storage::ping(conn)?)
}

/// Storage facts become the error policy's answers.
impl From<storage::Error> for Error {
    fn from(e: storage::Error) -> Self {
        match e {
            storage::Error::NotFound(what) => Error::NotFound(what),
            storage::Error::Conflict { field } => Error::Conflict { field },
            storage::Error::State(conflict) => Error::State(conflict),
            storage::Error::Transition(refused) => Error::Transition(refused),
            storage::Error::Refused(why) => Error::BadRequest(why),
            storage::Error::Unavailable => Error::Unavailable,
            storage::Error::Internal(cause) => Error::Internal(cause),
        }
    }
}
