//! The one place where the async server meets the synchronous services: each unit of work
//! runs on actix's blocking thread pool, so a database wait never holds a worker thread.

use crate::error::Error;
use crate::services::{self, Connection};

#[derive(Clone)]
pub struct Db(services::Db);

impl Db {
    pub fn new(db: services::Db) -> Self {
        Self(db)
    }

    /// The services' view, for work that is already off the async runtime.
    pub fn services(&self) -> &services::Db {
        &self.0
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, Error> + Send + 'static,
    {
        let db = self.0.clone();
        blocking(move || db.run(f)).await
    }

    /// Runs `f` in one write transaction on the blocking pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, Error> + Send + 'static,
    {
        let db = self.0.clone();
        blocking(move || db.write(f)).await
    }
}

/// Runs synchronous work on the blocking pool.
pub async fn blocking<T, F>(f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    actix_web::web::block(f)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
}
