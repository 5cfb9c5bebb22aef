//! # sesshu-postgres — the scale-out store
//!
//! PostgreSQL through a connection pool. Every
//! [`ChangeSet`] is one transaction: version
//! checks lock the rows they read (`SELECT … FOR UPDATE`), racing inserts
//! meet the primary key, and appends to the access log lock its head row,
//! so exactly one of two conflicting commits wins. A change set of log
//! entries only (a logged read) is one statement that appends only if the
//! head is still the one its entries were chained after.
//!
//! ```no_run
//! use std::sync::Arc;
//! use sesshu_core::store::Store;
//! let store: Arc<dyn Store> =
//!     Arc::new(sesshu_postgres::PostgresStore::connect("postgres://postgres@127.0.0.1/sesshu")?);
//! # Ok::<(), sesshu_core::store::StoreError>(())
//! ```

mod accounts;
mod bank_accounts;
mod certificates;
mod commit;
mod delivery;
mod log;
mod marts;
mod masters;
mod maternal;
mod migrations;
mod notices;
mod persons;
mod pool;
mod questionnaires;
mod settings;
mod sql;
pub mod tls;
mod zengin;

use sesshu_core::store::{ChangeSet, CommitReceipt, Expected, FoundVersion, Store, StoreError};

pub use migrations::{migrate, MIGRATIONS, SCHEMA_VERSION};

type Pool = r2d2::Pool<pool::Manager>;

/// A sesshu store in a PostgreSQL database.
pub struct PostgresStore {
    pool: Pool,
}

/// Maps an engine error: a unique violation, serialization failure or
/// deadlock means another commit won a race — a [`StoreError::Conflict`].
pub(crate) fn backend(e: postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    match e.code() {
        Some(c)
            if *c == SqlState::UNIQUE_VIOLATION
                || *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            StoreError::Conflict {
                entity: "row",
                id: e
                    .as_db_error()
                    .and_then(|d| d.constraint().map(str::to_owned))
                    .unwrap_or_default(),
                expected: Expected::Absent,
                found: FoundVersion(None),
            }
        }
        _ => StoreError::backend(e),
    }
}

/// Reading a column that never panics: a value that is not of the type the
/// schema promises (a hand edit, a NULL where none belongs, a migration
/// gone wrong) is [`StoreError::Corrupt`] naming the table's column, where
/// `Row::get` would panic.
pub(crate) trait Column {
    /// Column `idx` as a `T`.
    fn col<'a, T: postgres::types::FromSql<'a>>(&'a self, idx: usize) -> Result<T, StoreError>;
}

impl Column for postgres::Row {
    fn col<'a, T: postgres::types::FromSql<'a>>(&'a self, idx: usize) -> Result<T, StoreError> {
        self.try_get(idx).map_err(|e| StoreError::Corrupt {
            entity: "column",
            id: self
                .columns()
                .get(idx)
                .map_or_else(|| format!("#{idx}"), |c| c.name().to_owned()),
            reason: e.to_string(),
        })
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db` or key=value
    /// form; `sslmode` and `sslrootcert` as libpq reads them, see
    /// [`tls`]), with a pool of up to 16 connections, and brings the schema up
    /// to date.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_pool_size(url, 16)
    }

    /// As [`connect`](Self::connect), with the pool size given.
    pub fn connect_with_pool_size(url: &str, size: u32) -> Result<Self, StoreError> {
        let (url, tls) = tls::split(url)?;
        let mut config: postgres::Config = url.parse().map_err(StoreError::backend)?;
        config.ssl_mode(tls.mode);
        let manager = pool::Manager::new(config, tls::connector(&tls)?);
        // One connection first, so that a refused certificate, a wrong
        // host or password is reported at once with its own message,
        // rather than after the pool's timeout.
        drop(r2d2::ManageConnection::connect(&manager).map_err(backend)?);
        let pool = r2d2::Pool::builder()
            .max_size(size.max(1))
            // A broken connection surfaces as an error on use; checking every
            // checkout would cost a round trip per call.
            .test_on_check_out(false)
            .connection_timeout(std::time::Duration::from_secs(30))
            .build(manager)
            .map_err(StoreError::backend)?;
        let store = PostgresStore { pool };
        store.with_client(|c| migrate(c, SCHEMA_VERSION))?;
        Ok(store)
    }

    /// Runs `f` on a pooled client (maintenance and tests).
    pub fn with_client<T>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get().map_err(StoreError::backend)?;
        f(&mut conn.client)
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.with_client(migrations::current_version)
    }
}

impl PostgresStore {
    fn client(&self) -> Result<r2d2::PooledConnection<crate::pool::Manager>, StoreError> {
        self.pool.get().map_err(StoreError::backend)
    }
}

/// The store as a whole: each domain's reads are in its own file
/// (`persons.rs`, `delivery.rs`, …); the settings and the one commit here.
impl Store for PostgresStore {
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        settings::setting(&mut *self.client()?, key)
    }

    fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, StoreError> {
        commit::commit(&mut *self.client()?, changes)
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}
