//! The one storage layer: a pool of connections to SQLite or PostgreSQL behind one
//! connection type, the embedded migrations, and the rows ↔ domain conversions.
//!
//! Lookups by key load their at most one row (`.load(conn)?.pop()`) rather than using
//! `.first()`: diesel binds its `LIMIT 1` as a parameter, which SQLite treats as one the
//! query plan depends on, so each new binding made it re-prepare the cached statement —
//! more work than the query itself.

/// Runs the same statement on the concrete connection, for the SQL the multi-backend cannot
/// express (batch inserts); both arms compile the same code against each backend.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::storage::DbConnection::Sqlite($c) => $body,
            $crate::storage::DbConnection::Postgresql($c) => $body,
        }
    };
}

/// The due rows of a work queue (the outbox, webhook deliveries): pending, or sending with
/// a lease that ran out, whose `next_attempt_at` has come; oldest first. `$table` is the
/// table, `$q` its `dsl` module, with `id`, `status`, `attempts` and `next_attempt_at`.
macro_rules! due_in_queue {
    ($table:expr, $q:ident, $at:expr) => {
        due_rows!($table, $q, $at)
            .order(($q::next_attempt_at.asc(), $q::id.asc()))
            .select($q::id)
    };
}

/// The due rows of a work queue, unordered: for counting them.
macro_rules! due_rows {
    ($table:expr, $q:ident, $at:expr) => {
        $table
            .filter($q::status.eq_any([PENDING, SENDING]))
            .filter($q::next_attempt_at.le($at))
    };
}

/// Leases up to `$limit` due rows of a work queue until `$lease_until`, counting an
/// attempt, and gives their ids. Call inside a write transaction. On PostgreSQL the rows
/// are locked with `FOR UPDATE SKIP LOCKED`, so the workers of other processes pass over
/// them instead of waiting and then sending them too; SQLite has one writer at a time, and
/// the caller's `BEGIN IMMEDIATE` is that lock.
macro_rules! lease_due {
    ($conn:expr, $table:expr, $q:ident, $at:expr, $lease_until:expr, $limit:expr) => {{
        let due = due_in_queue!($table, $q, $at).limit($limit);
        let ids: Vec<String> = match &mut *$conn {
            $crate::storage::DbConnection::Postgresql(c) => {
                due.for_update().skip_locked().load(c)?
            }
            $crate::storage::DbConnection::Sqlite(c) => due.load(c)?,
        };
        if !ids.is_empty() {
            diesel::update($table.filter($q::id.eq_any(&ids)))
                .set((
                    $q::status.eq(SENDING),
                    $q::attempts.eq($q::attempts + 1),
                    $q::next_attempt_at.eq($lease_until),
                ))
                .execute($conn)?;
        }
        ids
    }};
}

pub mod agreements;
pub mod documents;
mod error;
pub mod exchange_rates;
pub mod invoicing;
pub mod mailings;
pub mod members;
pub mod organisations;
pub mod outbox;
pub mod payments;
pub mod pricing;
pub mod request_keys;
mod rows;
pub mod schema;
pub mod signals;
pub mod tokens;
pub mod webhooks;

pub use error::Error;

use std::path::Path;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a database URL selects, decided by its scheme alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return DatabaseUrl::Postgres(url.to_owned());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        DatabaseUrl::Sqlite(path.to_owned())
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "PostgreSQL",
            DatabaseUrl::Sqlite(_) => "SQLite",
        }
    }

    /// The URL with any password masked, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => path.clone(),
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    let creds = &url[scheme_end + 3..at];
                    match creds.split_once(':') {
                        Some((user, _)) => {
                            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
                        }
                        None => url.clone(),
                    }
                }
                _ => url.clone(),
            },
        }
    }

    /// The same PostgreSQL server with another database, keeping the connection parameters
    /// (`?sslmode=…`); used to create and address per-test or per-tenant databases.
    pub fn with_database(&self, name: &str) -> DatabaseUrl {
        match self {
            DatabaseUrl::Sqlite(path) => DatabaseUrl::Sqlite(path.clone()),
            DatabaseUrl::Postgres(url) => {
                let (head, query) = url
                    .split_once('?')
                    .map_or((url.as_str(), None), |(h, q)| (h, Some(q)));
                let base = head.rsplit_once('/').map_or(head, |(base, _)| base);
                let query = query.map(|q| format!("?{q}")).unwrap_or_default();
                DatabaseUrl::Postgres(format!("{base}/{name}{query}"))
            }
        }
    }

    fn connect(&self) -> ConnectionResult<DbConnection> {
        match self {
            DatabaseUrl::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Postgresql)
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers run beside the one writer; the busy timeout makes a second
                // writer wait instead of failing; foreign keys are off unless asked for.
                // The busy timeout comes first: switching a new file to WAL takes a lock that
                // the pool's other connections, opened at the same time, must wait for.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// Opens connections for the pool, choosing the backend by URL rather than by trial.
pub struct Manager(DatabaseUrl);

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.0.connect().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking()
            || <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Opens the pool and applies any pending migrations.
pub fn connect(url: &DatabaseUrl, size: u32) -> anyhow::Result<Pool> {
    // A new user's first start: the data directory the file goes in may not exist yet.
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        && path != ":memory:"
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("database folder {}: {e}", dir.display()))?;
    }
    // No `SELECT 1` on every checkout: it doubled the cost of a read. A connection that
    // fails is reported by its query and discarded by `has_broken`.
    let pool = r2d2::Pool::builder()
        .max_size(size)
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(Manager(url.clone()))?;
    let mut conn = pool.get()?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// Applies the pending migrations of the connection's backend; returns their names.
///
/// Several processes starting at once on one PostgreSQL database would each find the same
/// migrations pending and apply them twice (the second fails on a table that exists): a
/// session-level advisory lock lets one apply them while the others wait, then find none.
/// SQLite serves one process.
pub fn migrate(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let names = |applied: Vec<diesel::migration::MigrationVersion<'_>>| {
        applied.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    let applied = match conn {
        DbConnection::Postgresql(c) => {
            diesel::sql_query("SELECT pg_advisory_lock(hashtext('avtal migrations'))")
                .execute(c)?;
            let applied = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(names);
            diesel::sql_query("SELECT pg_advisory_unlock(hashtext('avtal migrations'))")
                .execute(c)?;
            applied
        }
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(names),
    };
    applied.map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

/// Runs `f` in a write transaction. On SQLite it takes the write lock at the start
/// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of one failing
/// with SQLITE_BUSY when it upgrades a read lock.
pub fn write<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
    }
    .map_err(Error::from)?;
    let result = f(conn);
    finish(conn, result)
}

/// Ends the transaction (or savepoint) `result` came from: commits it, or rolls it back
/// and gives the caller's error, which matters more than a failed rollback (that poisons
/// the connection, and the pool discards it).
fn finish<T, E>(conn: &mut DbConnection, result: Result<T, E>) -> Result<T, E>
where
    E: From<Error>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    match result {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(Error::from)?;
            Ok(value)
        }
        Err(e) => {
            let _ = Manager::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Runs `f`'s reads in one snapshot of the database: what another process commits
/// meanwhile is seen whole or not at all. PostgreSQL's default gives each statement its own
/// snapshot, so two reads of one use case could see a concurrent run's invoice in one and
/// not the other; repeatable read gives the transaction one. SQLite's read transaction is
/// a snapshot already. Inside a transaction `f` runs in that one.
pub fn snapshot<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    let depth = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
        DbConnection::Postgresql(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
    }
    .map_err(Error::from)?;
    if depth.is_some() {
        return f(conn);
    }
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN"),
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        ),
    }
    .map_err(Error::from)?;
    let result = f(conn);
    // Nothing was written: ending the transaction only lets the snapshot go.
    let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
    result
}

/// Runs `f` in a nested transaction (a savepoint inside an open one): when `f` fails, what
/// it wrote is undone and the outer transaction goes on.
pub fn savepoint<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    <DbConnection as Connection>::TransactionManager::begin_transaction(conn)
        .map_err(Error::from)?;
    let result = f(conn);
    finish(conn, result)
}

/// Whether the database answers.
pub fn ping(conn: &mut DbConnection) -> Result<(), Error> {
    conn.batch_execute("SELECT 1")
        .map_err(|_| Error::Unavailable)
}

/// A new record identifier: UUIDv7, so identifiers sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("./avtal.db"),
            DatabaseUrl::Sqlite("./avtal.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://x.db"),
            DatabaseUrl::Sqlite("x.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db"),
            DatabaseUrl::Postgres(_)
        ));
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h:5432/test?sslmode=disable").with_database("x"),
            DatabaseUrl::Postgres("postgres://u@h:5432/x?sslmode=disable".into())
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u:secret@h/db").redacted(),
            "postgres://u:***@h/db"
        );
    }
}
