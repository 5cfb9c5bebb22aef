//! Numbered, append-only migrations, embedded in the binary and applied in
//! one transaction each, with the schema version recorded.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use sesshu_core::store::StoreError;

use crate::backend;

/// The migrations, in order: `(version, name, SQL)`. Append only.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../migrations/0001_initial.sql")),
    (
        2,
        "delivery_sequence",
        include_str!("../migrations/0002_delivery_sequence.sql"),
    ),
    (
        3,
        "accounts",
        include_str!("../migrations/0003_accounts.sql"),
    ),
    (
        4,
        "issuances",
        include_str!("../migrations/0004_issuances.sql"),
    ),
    (
        5,
        "access_log_subject_blocks",
        include_str!("../migrations/0005_access_log_subject_blocks.sql"),
    ),
    (
        6,
        "store_settings",
        include_str!("../migrations/0006_store_settings.sql"),
    ),
    (7, "zengin", include_str!("../migrations/0007_zengin.sql")),
    (8, "masters", include_str!("../migrations/0008_masters.sql")),
    (
        9,
        "bank_accounts",
        include_str!("../migrations/0009_bank_accounts.sql"),
    ),
    (
        10,
        "notices",
        include_str!("../migrations/0010_notices.sql"),
    ),
    (
        11,
        "maternal",
        include_str!("../migrations/0011_maternal.sql"),
    ),
    (12, "marts", include_str!("../migrations/0012_marts.sql")),
];

/// The version a fully migrated database is at.
pub const SCHEMA_VERSION: i64 = 12;

/// The recorded schema version (0 for an empty database).
pub fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             name TEXT NOT NULL
         )",
    )
    .map_err(backend)?;
    conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
        r.get::<_, Option<i64>>(0)
    })
    .optional()
    .map(|v| v.flatten().unwrap_or(0))
    .map_err(backend)
}

/// Applies every migration above the current version up to `target`.
pub fn migrate(conn: &mut Connection, target: i64) -> Result<(), StoreError> {
    let current = current_version(conn)?;
    for (version, name, sql) in MIGRATIONS {
        if *version <= current || *version > target {
            continue;
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        // Another process may have migrated meanwhile.
        if current_version(&tx)? >= *version {
            continue;
        }
        tx.execute_batch(sql).map_err(backend)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
            (version, name),
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

#[cfg(test)]
mod version_tests {
    #[test]
    fn the_schema_version_is_the_last_migration() {
        let numbers: Vec<i64> = super::MIGRATIONS.iter().map(|m| m.0).collect();
        assert_eq!(numbers, (1..=super::SCHEMA_VERSION).collect::<Vec<_>>());
    }
}
