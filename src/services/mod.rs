//! Use cases: each loads what it needs, applies the domain, and persists in one transaction.
//! They run synchronously on a connection, so the HTTP layer and the command line share them.

pub mod agreements;
pub mod audit;
pub mod documents;
pub mod exchange_rates;
pub mod fee_models;
pub mod idempotency;
pub mod import;
pub mod invoicing;
pub mod ledger;
pub mod mail;
pub mod mailings;
pub mod organisations;
pub mod payments;
pub mod preview;
pub mod pricing;
pub mod reminders;
pub mod statements;
pub mod templates;
pub mod tokens;
pub mod webhooks;

use crate::error::Error;
use crate::storage::{DbConnection, Pool};

/// The database as the async world sees it: each unit of work runs on the blocking pool.
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

    /// Runs `f` with a pooled connection on actix's blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, Error> + Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Runs `f` in one write transaction on the blocking pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, Error> + Send + 'static,
    {
        self.run(move |conn| crate::storage::write(conn, f)).await
    }
}
