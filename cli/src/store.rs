//! Opening the store an operator names, and the clock it runs on.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sesshu_core::calendar::{Clock, FixedClock, SystemClock};
use sesshu_core::store::{Store, StoreError};

/// Opens `db`, which must exist: a `postgres://` / `postgresql://` URL or
/// a `host=…` connection string is PostgreSQL; anything else is a SQLite
/// file path, and a missing file is `store_missing` (a typo never makes
/// an empty store).
pub fn open(db: &str) -> Result<Arc<dyn Store>, StoreError> {
    if is_postgres(db) {
        Ok(Arc::new(sesshu_postgres::PostgresStore::connect(db)?))
    } else {
        Ok(Arc::new(sesshu_sqlite::SqliteStore::open_existing(db)?))
    }
}

/// Creates `db` if it does not exist (`sesshu init`), then opens it.
pub fn create(db: &str) -> Result<Arc<dyn Store>, StoreError> {
    if is_postgres(db) {
        Ok(Arc::new(sesshu_postgres::PostgresStore::connect(db)?))
    } else {
        Ok(Arc::new(sesshu_sqlite::SqliteStore::open(db)?))
    }
}

/// Whether `db` names a PostgreSQL database.
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://") || db.contains("host=")
}

/// The system clock, or a fixed instant when the operator pins one (`--now`).
pub fn clock(fixed: Option<DateTime<Utc>>) -> Arc<dyn Clock> {
    match fixed {
        Some(t) => Arc::new(FixedClock(t)),
        None => Arc::new(SystemClock),
    }
}
