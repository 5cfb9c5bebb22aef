//! Opening the store an operator names, and the wall clock (the one place
//! sesshu reads it: the core takes time as a parameter).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sesshu_core::calendar::Clock;
use sesshu_core::store::{Store, StoreError};

/// Opens `db`: a `postgres://` / `postgresql://` URL or a `host=…`
/// connection string is PostgreSQL; anything else is a SQLite file path.
pub fn open(db: &str) -> Result<Arc<dyn Store>, StoreError> {
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
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    /// A fixed "now", for reproducible runs.
    pub fixed: Option<DateTime<Utc>>,
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(Utc::now)
    }
}
