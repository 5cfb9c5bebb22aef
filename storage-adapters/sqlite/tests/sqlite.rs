//! SQLite-specific checks: migrations, tamper evidence, in-memory stores.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use rusqlite::Connection;
use sesshu_core::access_log::{AccessAction, AccessLogDraft};
use sesshu_core::calendar::FixedClock;
use sesshu_core::service::Sesshu;
use sesshu_core::store::{ChangeSet, Store};
use sesshu_sqlite::{migrate, SqliteStore, MIGRATIONS, SCHEMA_VERSION};

/// The schema as SQLite describes it, for comparing two databases.
fn schema(conn: &Connection) -> Vec<(String, String, String)> {
    let mut stmt = conn
        .prepare("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_migrated_database_equals_a_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    // Step by step: each migration applied by its own connection, as upgrades do.
    let stepwise = dir.path().join("stepwise.db");
    for (version, _, _) in MIGRATIONS {
        let mut conn = Connection::open(&stepwise).unwrap();
        migrate(&mut conn, *version).unwrap();
    }
    let reopened = SqliteStore::open(&stepwise).unwrap();
    assert_eq!(reopened.schema_version().unwrap(), SCHEMA_VERSION);
    let fresh = SqliteStore::open(dir.path().join("fresh.db")).unwrap();
    assert_eq!(fresh.schema_version().unwrap(), SCHEMA_VERSION);
    let a = reopened.with_connection(|c| schema(c));
    let b = fresh.with_connection(|c| schema(c));
    assert_eq!(a, b);
    assert!(a.iter().any(|(_, name, _)| name == "records"));
    // Opening again applies nothing and changes nothing.
    drop(fresh);
    let again = SqliteStore::open(dir.path().join("fresh.db")).unwrap();
    assert_eq!(again.with_connection(|c| schema(c)), b);
}

fn entries(store: &SqliteStore, n: usize) {
    let drafts = (0..n)
        .map(|i| AccessLogDraft {
            at: chrono::DateTime::from_timestamp(1_700_000_000 + i as i64, 0).unwrap(),
            actor: format!("user{i}"),
            organisation: "131016".into(),
            action: AccessAction::ReadRecords,
            subject: None,
            record_ids: vec![],
        })
        .collect();
    store
        .commit(ChangeSet {
            writes: vec![],
            log: drafts,
        })
        .unwrap();
}

#[test]
fn a_tampered_log_row_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("log.db")).unwrap());
    entries(&store, 5);
    let services = Sesshu::new(
        store.clone(),
        Arc::new(FixedClock(
            chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        )),
    );
    assert_eq!(services.verify_log().unwrap().first_break, None);

    store.with_connection(|c| {
        c.execute("UPDATE access_log SET actor = 'mallory' WHERE seq = 3", [])
            .unwrap()
    });
    let report = services.verify_log().unwrap();
    assert_eq!(report.first_break.map(|b| b.seq), Some(3));
    assert_eq!(report.verified, 2);

    store.with_connection(|c| {
        c.execute("UPDATE access_log SET actor = 'user2' WHERE seq = 3", [])
            .unwrap()
    });
    assert_eq!(services.verify_log().unwrap().first_break, None);
    store.with_connection(|c| {
        c.execute("DELETE FROM access_log WHERE seq = 5", [])
            .unwrap()
    });
    assert_eq!(
        services.verify_log().unwrap().first_break.map(|b| b.seq),
        Some(5)
    );
    store.with_connection(|c| {
        c.execute("DELETE FROM access_log WHERE seq = 2", [])
            .unwrap()
    });
    assert_eq!(
        services.verify_log().unwrap().first_break.map(|b| b.seq),
        Some(3)
    );
}

#[test]
fn in_memory_stores_are_private_and_work() {
    let a = SqliteStore::open_in_memory().unwrap();
    let b = SqliteStore::open_in_memory().unwrap();
    entries(&a, 2);
    assert_eq!(a.log_head().unwrap().map(|h| h.0), Some(2));
    assert_eq!(b.log_head().unwrap(), None);
    assert_eq!(a.log_entries(1, 10).unwrap().len(), 2);
}
