//! Numbered, append-only migrations (PostgreSQL dialect), embedded and
//! applied in one transaction each under an advisory lock, with the schema
//! version recorded.

use crate::Column;
use postgres::Client;
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

/// An arbitrary constant: the advisory lock that serialises migrations.
const MIGRATION_LOCK: i64 = 0x5e55_4875;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version bigint PRIMARY KEY,
    name text NOT NULL
)";

/// The recorded schema version (0 for an empty database).
pub fn current_version(client: &mut Client) -> Result<i64, StoreError> {
    client.batch_execute(CREATE_TABLE).map_err(backend)?;
    let row = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(backend)?;
    row.col(0)
}

/// Applies every migration above the current version up to `target`.
pub fn migrate(client: &mut Client, target: i64) -> Result<(), StoreError> {
    for (version, name, sql) in MIGRATIONS {
        if *version > target {
            break;
        }
        let mut tx = client.transaction().map_err(backend)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(backend)?;
        tx.batch_execute(CREATE_TABLE).map_err(backend)?;
        let applied: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)",
                &[version],
            )
            .map_err(backend)?
            .col(0)?;
        if applied {
            continue;
        }
        tx.batch_execute(sql).map_err(backend)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
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
